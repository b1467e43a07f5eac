import type { Queryable } from '../../../store/db.ts';

// The one writer of `transitions`: every state change of every machine is a structured row (who,
// when, from, to, why), appended and never changed.

export interface TransitionRow {
  machine: string;
  subjectId: string;
  /** Whose state moved: 'coordinator', 'project:<id>', or 'case' for the case as a whole. */
  participant: string;
  from: string;
  to: string;
  actorId: string | null;
  at: Date;
  reason: string | null;
}

export async function insertTransition(tx: Queryable, t: TransitionRow): Promise<void> {
  await tx.query(
    `INSERT INTO transitions (machine, subject_type, subject_id, participant, from_state, to_state, actor_id, at, reason)
     VALUES ($1, 'report', $2, $3, $4, $5, $6, $7, $8)`,
    [t.machine, t.subjectId, t.participant, t.from, t.to, t.actorId, t.at, t.reason],
  );
}
