import { addCalendarDays, addHours, addWorkingDays, localDate } from './calendar.ts';
import { publicHolidays } from './holidays.ts';

// A clock's due instant from its rule, its start and its owner's calendar. Working days are counted
// in the owner's time zone and working week (TF: "Monday to Friday in their timezone"), skipping the
// public holidays of the owner's holiday region and the owner's own days off.

export interface OwnerCalendar {
  timeZone: string;
  workingWeek: readonly number[];
  /** Extra non-working local dates 'YYYY-MM-DD' (holidays given by hand). */
  holidays?: readonly string[];
  /** Public holidays of this region count (date-holidays code: 'GB-ENG', 'US-CA', 'NZ', ...). */
  holidayRegion?: string | null;
  /** The owner's days off and out-of-office dates, local 'YYYY-MM-DD'. */
  daysOff?: readonly string[];
}

export interface ClockSpec {
  amount: number;
  unit: 'working-days' | 'days' | 'hours';
}

const yearOf = (date: string) => Number(date.slice(0, 4));

export function dueAt(spec: ClockSpec, start: Date, owner: OwnerCalendar): Date {
  switch (spec.unit) {
    case 'working-days': {
      const cal = {
        timeZone: owner.timeZone,
        workingWeek: [...owner.workingWeek],
        holidays: [...(owner.holidays ?? [])],
        daysOff: [...(owner.daysOff ?? [])],
      };
      const region = owner.holidayRegion;
      if (!region) return addWorkingDays(start, spec.amount, cal);
      // The public holidays of every year the count can reach: start with the arrival's year and the
      // next, and widen while the last counted day lies beyond them (holidays only push it later).
      const first = yearOf(localDate(start, owner.timeZone));
      let last = first + 1;
      for (;;) {
        const due = addWorkingDays(start, spec.amount, { ...cal, holidays: [...cal.holidays, ...publicHolidays(region, first, last)] });
        const lastCounted = yearOf(localDate(new Date(due.getTime() - 1), owner.timeZone));
        if (lastCounted <= last) return due;
        last = lastCounted;
      }
    }
    case 'days':
      return addCalendarDays(start, spec.amount, owner.timeZone);
    case 'hours':
      return addHours(start, spec.amount);
  }
}
