import { addDaysToLocalDate, isWorkingDay, localDate, startOfLocalDay, type WorkingCalendar } from './calendar.ts';
import type { DaysOffPeriod } from './availability.ts';
import { isHolidayRegion, publicHolidays } from './holidays.ts';

// When a running clock's owner is reminded: a lead time before the due instant, in hours or in the
// owner's working days.

export interface ReminderLead {
  amount: number;
  unit: 'hours' | 'working-days';
}

const HOUR = 3_600_000;

/**
 * The reminder instant of a deadline.
 *
 * - hours: exactly that many hours before the due instant.
 * - working-days: the start (local midnight) of the n-th working day before the due instant,
 *   counted backwards in the owner's calendar; the day on which the deadline falls counts when some
 *   of it lies before the due instant. A deadline at the end of Friday with a lead of 1 working day
 *   is reminded at the start of that Friday; with 2, at the start of Thursday. Non-working days are
 *   skipped: a deadline at the end of Monday, lead 1, is reminded at the start of Monday; lead 2, at
 *   the start of the Friday before.
 */
export function reminderAt(due: Date, lead: ReminderLead, cal: WorkingCalendar): Date {
  if (lead.unit === 'hours') return new Date(due.getTime() - lead.amount * HOUR);
  let day = localDate(new Date(due.getTime() - 1), cal.timeZone);
  let counted = 0;
  // Every week has a working day; holidays and days off can only add a bounded number of days.
  const limit = (lead.amount + (cal.holidays?.length ?? 0) + (cal.daysOff?.length ?? 0) + 2) * 7;
  for (let steps = 0; steps <= limit; steps++) {
    if (isWorkingDay(day, cal)) {
      counted++;
      if (counted >= lead.amount) return startOfLocalDay(day, cal.timeZone);
    }
    day = addDaysToLocalDate(day, -1);
  }
  throw new Error('reminderAt: no working day found; the calendar is inconsistent.');
}

/**
 * How far before the due instant to look for deadlines that may need a reminder, without computing
 * each one's calendar: n working days reach back at most n + 1 weeks in any working week, plus three
 * weeks for holidays and days off. (A lead reaching back further still is reminded from this bound.)
 */
export function maxLeadMs(lead: ReminderLead): number {
  return lead.unit === 'hours' ? lead.amount * HOUR : (lead.amount + 4) * 7 * 24 * HOUR;
}

/** What the calendar of a clock's owner is made of, as stored. */
export interface OwnerCalendarFacts {
  dueAt: Date;
  /** The deadline's zone (the owner's, when it has one). */
  timeZone: string;
  workingWeek: number[] | null;
  holidayRegion: string | null;
  daysOff: readonly DaysOffPeriod[];
}

/**
 * The calendar a reminder lead in working days counts in: the one the deadline was computed in (the
 * owner's zone, working week, public holidays of their region and days off; Monday to Friday in the
 * deadline's zone for a clock without an owner).
 */
export function reminderCalendar(f: OwnerCalendarFacts): WorkingCalendar {
  const daysOff = new Set<string>();
  for (const { startsOn, endsOn } of f.daysOff) {
    for (let day = startsOn; day <= endsOn; day = addDaysToLocalDate(day, 1)) daysOff.add(day);
  }
  const region = f.holidayRegion && isHolidayRegion(f.holidayRegion) ? f.holidayRegion : null;
  const year = Number(localDate(f.dueAt, f.timeZone).slice(0, 4));
  return {
    timeZone: f.timeZone,
    workingWeek: f.workingWeek ?? [1, 2, 3, 4, 5],
    holidays: region ? publicHolidays(region, year - 1, year) : [],
    daysOff: [...daysOff],
  };
}
