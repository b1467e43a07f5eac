import { assertTimeZone, parseLocalDate } from './calendar.ts';
import { ValidationError } from './errors.ts';
import { dateTimeFormat } from './date-formats.ts';

// Dates as a person reads them in a message: "3 December 2026, 06:54 UTC" in the reader's own zone,
// never a machine instant such as "2026-12-03T06:54:29.561Z". Assembled from parts, so the wording
// does not depend on a locale's punctuation.

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** An instant in the reader's zone, to the minute, with the zone's short name: "3 December 2026, 06:54 UTC". */
export function readableInstant(instant: Date, timeZone: string): string {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new ValidationError('Expected a valid date-time.', [{ path: 'instant', message: 'invalid date' }]);
  }
  assertTimeZone(timeZone);
  const parts = dateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'numeric',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${Number(get('day'))} ${MONTHS[Number(get('month')) - 1]} ${get('year')}, ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

/** Whether the text is a real calendar date written YYYY-MM-DD ("2027-02-30" and "next week" are not). */
export function isLocalDate(text: string): boolean {
  try {
    parseLocalDate(text);
    return true;
  } catch {
    return false;
  }
}

/** A calendar date given as YYYY-MM-DD, as a reader reads it: "3 December 2026". Refuses anything else. */
export function readableDate(date: string, path = 'date'): string {
  const { year, month, day } = parseLocalDate(date, path);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}
