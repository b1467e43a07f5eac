import type { Queryable } from '../../../store/db.ts';
import type { Sealer } from '../../../crypto/sealed.ts';
import { aad } from '../../context.ts';

// The one writer of `transitions`: every state change of every machine is a structured row (who,
// when, from, to, why), appended and never changed. The why is what a person wrote about the case
// (a rejection, a take-over, a severity change): it is sealed, bound to the row's id.

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

export const transitionReasonAad = (id: string | number) => aad('transitions', 'reason', String(id));

export async function insertTransition(tx: Queryable, sealer: Sealer, t: TransitionRow): Promise<void> {
  // The id is taken first so that the reason can be sealed for its row.
  const id = (await tx.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('transitions', 'id'))::text AS id`)).rows[0]!.id;
  await tx.query(
    `INSERT INTO transitions (id, machine, subject_type, subject_id, participant, from_state, to_state, actor_id, at, reason_sealed)
     VALUES ($1, $2, 'report', $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      t.machine,
      t.subjectId,
      t.participant,
      t.from,
      t.to,
      t.actorId,
      t.at,
      t.reason === null ? null : sealer.seal(t.reason, transitionReasonAad(id)),
    ],
  );
}

/** Seals the reasons of rows written before reasons were sealed (the start-up step of src/app/admin/at-rest.ts). */
export async function sealClearTransitionReasons(tx: Queryable, sealer: Sealer): Promise<number> {
  const rows = (
    await tx.query<{ id: string; reason: string }>('SELECT id::text AS id, reason FROM transitions WHERE reason IS NOT NULL FOR UPDATE')
  ).rows;
  for (const r of rows) {
    await tx.query('UPDATE transitions SET reason_sealed = $2, reason = NULL WHERE id = $1', [
      r.id,
      sealer.seal(r.reason, transitionReasonAad(r.id)),
    ]);
  }
  return rows.length;
}
