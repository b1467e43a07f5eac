import { localDate } from './calendar.ts';

// Whether a person is present at an instant: the one rule that decides who can be given work
// (assignment through a subsystem's contacts) and who is reminded or escalated to (the SLA
// scheduler). Two rules that disagreed would assign a case to someone the scheduler then skips.

/** A period of days off: inclusive local dates (YYYY-MM-DD) in the person's own time zone. */
export interface DaysOffPeriod {
  startsOn: string;
  endsOn: string;
}

export interface PresenceFacts {
  /** The person's own switch ("I am available"), set by them or an admin. */
  available: boolean;
  disabled: boolean;
  /** Away until this instant (exclusive), if set. */
  awayUntil: Date | null;
  timeZone: string;
  daysOff: readonly DaysOffPeriod[];
}

/**
 * Present at `at`: available, not disabled, not away (away_until in the future) and not on a day off
 * on the local date `at` falls on in the person's own time zone.
 */
export function isPresent(p: PresenceFacts, at: Date): boolean {
  if (!p.available || p.disabled) return false;
  if (p.awayUntil !== null && p.awayUntil.getTime() > at.getTime()) return false;
  const today = localDate(at, p.timeZone);
  return !p.daysOff.some((d) => d.startsOn <= today && today <= d.endsOn);
}
