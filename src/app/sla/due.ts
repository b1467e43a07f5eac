import type { Queryable } from '../../store/db.ts';
import type { NoticeKind, RunningDeadline } from './recipients.ts';

// The running clocks (deadlines not stopped and not paused) that may need a notice now: the SLA
// scheduler's selection, with what it needs to compute a reminder instant in the owner's calendar.

/** At most this many deadlines per pass, earliest due first; the rest wait for the next pass. */
const BATCH = 1000;

export interface ClockDue extends RunningDeadline {
  kind: NoticeKind;
  owner_working_week: number[] | null;
  /** Reminder candidates only: the owner's holiday region and days-off periods near the deadline. */
  owner_holiday_region: string | null;
  owner_days_off: string[] | null;
}

/**
 * How far ahead each clock's reminders may fall: the latest due instant at which a clock of that name
 * may need its reminder now (now + its lead, or the furthest its lead in working days can reach), and
 * the same for clocks the profile does not name.
 */
export interface Horizons {
  byClock: ReadonlyMap<string, Date>;
  other: Date;
}

/**
 * Running clocks past their deadline without an escalation, and clocks due within their clock's
 * horizon without a reminder (with their owner's calendar: a lead in working days counts in it), in
 * one scan of the running deadlines, earliest due first.
 */
export async function clocksDue(db: Queryable, now: Date, horizons: Horizons): Promise<ClockDue[]> {
  const clocks = [...horizons.byClock.keys()];
  const furthest = new Date(Math.max(horizons.other.getTime(), ...[...horizons.byClock.values()].map((h) => h.getTime())));
  const r = await db.query<ClockDue>(
    `SELECT CASE WHEN d.due_at <= $1 THEN 'escalation' ELSE 'reminder' END AS kind,
            d.id, d.report_id, d.incident_id, d.project_id, d.clock, d.owner_id, d.time_zone, d.due_at,
            o.working_week AS owner_working_week, o.holiday_region AS owner_holiday_region,
            CASE WHEN d.owner_id IS NULL OR d.due_at <= $1 THEN NULL
                 ELSE ARRAY(SELECT x.starts_on::text || '/' || x.ends_on::text FROM person_days_off x
                             WHERE x.person_id = d.owner_id AND x.ends_on >= (d.due_at - interval '120 days')::date
                               AND x.starts_on <= (d.due_at + interval '1 day')::date ORDER BY x.starts_on) END AS owner_days_off
       FROM deadlines d
       LEFT JOIN unnest($3::text[], $4::timestamptz[]) AS h(clock, horizon) ON h.clock = d.clock
       LEFT JOIN people o ON o.id = d.owner_id
      WHERE d.stopped_at IS NULL AND d.paused_at IS NULL AND d.due_at <= $2 AND d.due_at <= coalesce(h.horizon, $5)
        AND NOT EXISTS (SELECT 1 FROM notices n
                         WHERE n.deadline_id = d.id AND n.kind = CASE WHEN d.due_at <= $1 THEN 'escalation' ELSE 'reminder' END)
      ORDER BY d.due_at
      LIMIT ${BATCH}`,
    [now, furthest, clocks, clocks.map((c) => horizons.byClock.get(c)!), horizons.other],
  );
  return r.rows;
}
