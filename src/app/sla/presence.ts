import type { Queryable } from '../../store/db.ts';
import { type DaysOffPeriod, isPresent } from '../../domain/availability.ts';

// Who of some people is present at an instant, by the domain's one rule (isPresent). Assignment and
// the SLA scheduler both ask here, so a person on a day off is skipped by both or by neither.

/** The ids among `ids` of the people present at `at`. */
export async function presentAt(q: Queryable, ids: readonly (string | null)[], at: Date): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
  if (wanted.length === 0) return new Set();
  // Every zone's local date lies within a day of the UTC date: only those periods can matter.
  const r = await q.query<{
    id: string;
    available: boolean;
    disabled: boolean;
    away_until: Date | null;
    time_zone: string;
    days_off: string[];
  }>(
    `SELECT p.id, p.available, p.disabled, p.away_until, p.time_zone,
            ARRAY(SELECT o.starts_on::text || '/' || o.ends_on::text FROM person_days_off o
                   WHERE o.person_id = p.id AND o.ends_on >= $2::date - 1 AND o.starts_on <= $2::date + 1) AS days_off
       FROM people p WHERE p.id = ANY($1::uuid[])`,
    [wanted, at.toISOString().slice(0, 10)],
  );
  const present = new Set<string>();
  for (const p of r.rows) {
    const daysOff = p.days_off.map((period): DaysOffPeriod => {
      const [startsOn, endsOn] = period.split('/') as [string, string];
      return { startsOn, endsOn };
    });
    const facts = {
      available: p.available,
      disabled: p.disabled,
      awayUntil: p.away_until ? new Date(p.away_until) : null,
      timeZone: p.time_zone,
      daysOff,
    };
    if (isPresent(facts, at)) present.add(p.id);
  }
  return present;
}
