import { addCalendarDays, addHours, addWorkingDays } from './calendar.ts';

// A clock's due instant from its rule, its start and its owner's calendar. Working days are counted
// in the owner's time zone and working week (TF: "Monday to Friday in their timezone").

export interface OwnerCalendar {
  timeZone: string;
  workingWeek: readonly number[];
  holidays?: readonly string[];
  daysOff?: readonly string[];
}

export interface ClockSpec {
  amount: number;
  unit: 'working-days' | 'days' | 'hours';
}

export function dueAt(spec: ClockSpec, start: Date, owner: OwnerCalendar): Date {
  switch (spec.unit) {
    case 'working-days':
      return addWorkingDays(start, spec.amount, {
        timeZone: owner.timeZone,
        workingWeek: [...owner.workingWeek],
        holidays: [...(owner.holidays ?? [])],
        daysOff: [...(owner.daysOff ?? [])],
      });
    case 'days':
      return addCalendarDays(start, spec.amount, owner.timeZone);
    case 'hours':
      return addHours(start, spec.amount);
  }
}
