import type { Queryable } from '../../store/db.ts';

// Each scheduler records its last pass, so an operator sees which servers run passes and whether the
// last one failed.

export interface SchedulerPass {
  schedulerId: string;
  at: Date;
  reminders: number;
  escalations: number;
  error: string | null;
}

export async function recordSchedulerPass(db: Queryable, p: SchedulerPass): Promise<void> {
  await db.query(
    `INSERT INTO scheduler_heartbeats (scheduler_id, last_pass_at, last_reminders, last_escalations, last_error)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (scheduler_id) DO UPDATE SET last_pass_at = $2, last_reminders = $3, last_escalations = $4, last_error = $5`,
    [p.schedulerId, p.at, p.reminders, p.escalations, p.error],
  );
}
