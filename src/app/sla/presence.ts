import type { Queryable } from '../../store/db.ts';
import { type DaysOffPeriod, isPresent } from '../../domain/availability.ts';

// Who of some people is present at an instant, by the domain's one rule (isPresent). Assignment and
// the SLA scheduler both ask here, so a person on a day off is skipped by both or by neither.

/** A person as presence needs them, with their name and first address for whoever tells them. */
export interface PersonAt {
  id: string;
  name: string;
  timeZone: string;
  email: string | null;
  present: boolean;
}

/** The people among `ids` (those that exist), each with whether they are present at `at`. */
export async function peopleAt(q: Queryable, ids: readonly (string | null)[], at: Date): Promise<Map<string, PersonAt>> {
  const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
  if (wanted.length === 0) return new Map();
  // Every zone's local date lies within a day of the UTC date: only those periods can matter.
  const r = await q.query<{
    id: string;
    name: string;
    email: string | null;
    available: boolean;
    disabled: boolean;
    away_until: Date | null;
    time_zone: string;
    days_off: string[];
  }>(
    `SELECT p.id, p.name, p.available, p.disabled, p.away_until, p.time_zone,
            (SELECT e.email FROM person_emails e WHERE e.person_id = p.id ORDER BY e.is_primary DESC, e.email LIMIT 1) AS email,
            ARRAY(SELECT o.starts_on::text || '/' || o.ends_on::text FROM person_days_off o
                   WHERE o.person_id = p.id AND o.ends_on >= $2::date - 1 AND o.starts_on <= $2::date + 1) AS days_off
       FROM people p WHERE p.id = ANY($1::uuid[])`,
    [wanted, at.toISOString().slice(0, 10)],
  );
  const out = new Map<string, PersonAt>();
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
    out.set(p.id, { id: p.id, name: p.name, timeZone: p.time_zone, email: p.email, present: isPresent(facts, at) });
  }
  return out;
}

/** The ids among `ids` of the people present at `at`. */
export async function presentAt(q: Queryable, ids: readonly (string | null)[], at: Date): Promise<Set<string>> {
  return new Set([...(await peopleAt(q, ids, at)).values()].filter((p) => p.present).map((p) => p.id));
}
