// Exact deadline arithmetic in a person's time zone and working week.
//
// Everything local (dates, midnights, weekdays) is derived through Intl.DateTimeFormat with
// the zone, never by adding 24 hours: local days are 23, 24 or 25 hours long around DST changes
// (and a day may even be skipped, as Pacific/Apia skipped 2011-12-30).
//
// Local dates are strings 'YYYY-MM-DD' (proleptic Gregorian); instants are Date objects.

import { ValidationError } from './errors.ts';

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
/** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
export type WorkingWeek = readonly IsoWeekday[];
export const DEFAULT_WORKING_WEEK: WorkingWeek = Object.freeze([1, 2, 3, 4, 5] as const);

export interface WorkingCalendar {
  /** IANA time zone of the person the deadline belongs to, e.g. 'Europe/London'. */
  timeZone: string;
  /** ISO weekdays worked; default Monday–Friday. */
  workingWeek?: readonly number[];
  /** Public holidays, local dates 'YYYY-MM-DD'. */
  holidays?: readonly string[];
  /** The person's own days off, local dates 'YYYY-MM-DD'. */
  daysOff?: readonly string[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Validation

const zoneCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = zoneCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneCache.set(timeZone, f);
  }
  return f;
}

/** Throws ValidationError unless `timeZone` is a zone Intl knows (e.g. 'Asia/Kolkata', 'UTC'). */
export function assertTimeZone(timeZone: string, path = 'timeZone'): void {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new ValidationError('A time zone is required, e.g. "Europe/London".', [{ path, message: 'missing time zone' }]);
  }
  if (zoneCache.has(timeZone)) return;
  try {
    formatterFor(timeZone);
  } catch {
    throw new ValidationError(`Unknown time zone "${timeZone}"; use an IANA name such as "Europe/London".`, [
      { path, message: `unknown time zone ${timeZone}` },
    ]);
  }
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    assertTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Validate a working week: non-empty, each day an integer 1..7. Returns it sorted without repeats. */
export function parseWorkingWeek(days: readonly number[] | undefined, path = 'workingWeek'): WorkingWeek {
  if (days === undefined) return DEFAULT_WORKING_WEEK;
  if (!Array.isArray(days) || days.length === 0) {
    throw new ValidationError('A working week needs at least one day (1 = Monday … 7 = Sunday).', [
      { path, message: 'empty working week' },
    ]);
  }
  for (const d of days) {
    if (!Number.isInteger(d) || d < 1 || d > 7) {
      throw new ValidationError(`Working week day ${String(d)} is not an ISO weekday (1 = Monday … 7 = Sunday).`, [
        { path, message: `bad weekday ${String(d)}` },
      ]);
    }
  }
  return Object.freeze([...new Set(days as IsoWeekday[])].sort((a, b) => a - b));
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse 'YYYY-MM-DD' into numbers; throws ValidationError for malformed or impossible dates. */
export function parseLocalDate(date: string, path = 'date'): { year: number; month: number; day: number } {
  const m = typeof date === 'string' ? LOCAL_DATE.exec(date) : null;
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  const day = Number(m?.[3]);
  if (!m || year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new ValidationError(`"${String(date)}" is not a date of the form YYYY-MM-DD.`, [{ path, message: 'expected YYYY-MM-DD' }]);
  }
  return { year, month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function assertInstant(instant: Date, path = 'instant'): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new ValidationError('Expected a valid date-time.', [{ path, message: 'invalid date' }]);
  }
}

// ---------------------------------------------------------------------------------------------
// Plain local-date arithmetic (no zone involved)

/** Milliseconds of a wall-clock reading, as if it were UTC (handles years below 100). */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function formatYmd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** 'YYYY-MM-DD' plus n calendar days (n may be negative). */
export function addDaysToLocalDate(date: string, n: number): string {
  const { year, month, day } = parseLocalDate(date);
  const d = new Date(wallMs(year, month, day) + n * DAY);
  return formatYmd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** ISO weekday of a local date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): IsoWeekday {
  const { year, month, day } = parseLocalDate(date);
  const js = new Date(wallMs(year, month, day)).getUTCDay();
  return (js === 0 ? 7 : js) as IsoWeekday;
}

// ---------------------------------------------------------------------------------------------
// Zone conversions through Intl

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const p = parts.find((x) => x.type === type);
    return p ? Number(p.value) : 0;
  };
  const hour = get('hour');
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: hour === 24 ? 0 : hour,
    minute: get('minute'),
    second: get('second'),
  };
}

/** UTC offset of `timeZone` at an instant, in milliseconds (east of Greenwich is positive). */
function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const w = wallClock(whole, timeZone);
  return wallMs(w.year, w.month, w.day, w.hour, w.minute, w.second) - whole;
}

/** UTC offset of the zone at that instant, in minutes (e.g. 330 for Asia/Kolkata). */
export function timeZoneOffsetMinutes(instant: Date, timeZone: string): number {
  assertInstant(instant);
  assertTimeZone(timeZone);
  return offsetAt(instant.getTime(), timeZone) / MINUTE;
}

/**
 * Every instant at which the zone's clocks show `wall` (wall time as if UTC), earliest first:
 * one normally, two in a fall-back overlap, none in a spring-forward gap.
 */
function instantsForWall(wall: number, timeZone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY, timeZone)]);
  const found = new Set<number>();
  for (const o of offsets) {
    const t = wall - o;
    if (t + offsetAt(t, timeZone) === wall) found.add(t);
  }
  return [...found].sort((a, b) => a - b);
}

/** First instant whose wall clock reads `wall` or later, searched across a gap. */
function firstInstantAtOrAfterWall(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  // In a gap the clocks jump forward (after > before): wall - after is still before the jump,
  // wall - before is already after it. Binary search the first instant reading >= wall.
  let lo = wall - Math.max(before, after);
  let hi = wall - Math.min(before, after);
  const reads = (t: number) => t + offsetAt(t, timeZone) >= wall;
  if (!reads(hi)) hi += DAY;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (reads(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Local calendar date of an instant in a zone, 'YYYY-MM-DD'. */
export function localDate(instant: Date, timeZone: string): string {
  assertInstant(instant);
  assertTimeZone(timeZone);
  const w = wallClock(instant.getTime(), timeZone);
  return formatYmd(w.year, w.month, w.day);
}

/**
 * The first instant of a local day (its local midnight; if midnight falls in a DST gap, the
 * moment the clocks jump; if it occurs twice, the first). For a date the zone skipped entirely
 * (Pacific/Apia, 2011-12-30) this is the start of the next day that exists.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const { year, month, day } = parseLocalDate(date);
  assertTimeZone(timeZone);
  const wall = wallMs(year, month, day);
  const exact = instantsForWall(wall, timeZone);
  return new Date(exact.length > 0 ? (exact[0] as number) : firstInstantAtOrAfterWall(wall, timeZone));
}

/** The end of a local day: 24:00 local, i.e. the start of the next local day. */
export function endOfLocalDay(date: string, timeZone: string): Date {
  return startOfLocalDay(addDaysToLocalDate(date, 1), timeZone);
}

/** False for the rare local date a zone skipped altogether. */
export function localDayExists(date: string, timeZone: string): boolean {
  return localDate(startOfLocalDay(date, timeZone), timeZone) === date;
}

/**
 * How to pick an instant for a wall-clock time that occurs twice (fall back) or never
 * (spring forward). 'compatible' (as in Temporal and RFC 5545): earlier of two, and for a gap
 * the time shifted forward by the gap's length. 'reject' throws ValidationError.
 */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

const LOCAL_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** The instant at which the zone's clocks read `date` `time` ('HH:MM' or 'HH:MM:SS[.mmm]'). */
export function instantFromLocal(date: string, time: string, timeZone: string, disambiguation: Disambiguation = 'compatible'): Date {
  const { year, month, day } = parseLocalDate(date);
  assertTimeZone(timeZone);
  const m = typeof time === 'string' ? LOCAL_TIME.exec(time) : null;
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  const second = Number(m?.[3] ?? 0);
  const ms = Number((m?.[4] ?? '0').padEnd(3, '0'));
  if (!m || hour > 23 || minute > 59 || second > 59) {
    throw new ValidationError(`"${String(time)}" is not a time of the form HH:MM or HH:MM:SS.`, [
      { path: 'time', message: 'expected HH:MM[:SS]' },
    ]);
  }
  return new Date(resolveWall(wallMs(year, month, day, hour, minute, second, ms), timeZone, disambiguation, `${date} ${time}`));
}

function resolveWall(wall: number, timeZone: string, disambiguation: Disambiguation, label: string): number {
  const found = instantsForWall(wall, timeZone);
  if (found.length === 1) return found[0] as number;
  if (found.length > 1) {
    if (disambiguation === 'reject') {
      throw new ValidationError(`${label} happens twice in ${timeZone} (clocks go back); give the offset.`);
    }
    return (disambiguation === 'later' ? found[found.length - 1] : found[0]) as number;
  }
  if (disambiguation === 'reject') {
    throw new ValidationError(`${label} does not exist in ${timeZone} (clocks go forward).`);
  }
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  // 'later' / 'compatible': read the wall time with the offset from before the gap, landing after it.
  // 'earlier': read it with the offset from after the gap, landing before it.
  return disambiguation === 'earlier' ? wall - after : wall - before;
}

/**
 * An instant written with the zone's offset at that moment: '2026-03-29T00:00:00+01:00'.
 * Milliseconds appear only when non-zero; offsets with seconds (historic local mean time) as ±HH:MM:SS.
 */
export function isoWithOffset(instant: Date, timeZone: string): string {
  assertInstant(instant);
  assertTimeZone(timeZone);
  const ms = instant.getTime();
  const w = wallClock(ms, timeZone);
  const off = offsetAt(ms, timeZone) / 1000;
  const frac = ((ms % 1000) + 1000) % 1000;
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const oh = Math.floor(abs / 3600);
  const om = Math.floor((abs % 3600) / 60);
  const os = abs % 60;
  return (
    `${formatYmd(w.year, w.month, w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}` +
    (frac ? `.${String(frac).padStart(3, '0')}` : '') +
    `${sign}${pad2(oh)}:${pad2(om)}${os ? `:${pad2(os)}` : ''}`
  );
}

// ---------------------------------------------------------------------------------------------
// Deadlines

function dateSet(dates: readonly string[] | undefined, path: string): ReadonlySet<string> {
  if (dates === undefined) return new Set();
  if (!Array.isArray(dates))
    throw new ValidationError(`${path} must be a list of dates YYYY-MM-DD.`, [{ path, message: 'expected a list' }]);
  for (const [i, d] of dates.entries()) parseLocalDate(d, `${path}[${i}]`);
  return new Set(dates);
}

interface ResolvedCalendar {
  timeZone: string;
  week: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
  daysOff: ReadonlySet<string>;
}

function resolveCalendar(opts: WorkingCalendar): ResolvedCalendar {
  if (!opts || typeof opts !== 'object') throw new ValidationError('Calendar options are required.');
  assertTimeZone(opts.timeZone);
  return {
    timeZone: opts.timeZone,
    week: new Set(parseWorkingWeek(opts.workingWeek)),
    holidays: dateSet(opts.holidays, 'holidays'),
    daysOff: dateSet(opts.daysOff, 'daysOff'),
  };
}

function worksOn(date: string, cal: ResolvedCalendar): boolean {
  return cal.week.has(isoWeekday(date)) && !cal.holidays.has(date) && !cal.daysOff.has(date) && localDayExists(date, cal.timeZone);
}

/** True if the local date is a working day: in the working week, not a holiday, not a day off. */
export function isWorkingDay(date: string, opts: WorkingCalendar): boolean {
  parseLocalDate(date);
  return worksOn(date, resolveCalendar(opts));
}

/**
 * Deadline n working days after an arrival.
 *
 * RULE: the deadline is the end (24:00 local, i.e. the start of the next local day) of the
 * n-th full working day after the day of arrival, counted in the owner's time zone. The day of
 * arrival never counts, whether or not it is a working day and whatever the time of arrival.
 * Days outside the working week, holidays and days off are skipped.
 *
 *   Monday 10:00, n = 3 (Mon–Fri)     → counts Tue, Wed, Thu → due Friday 00:00 local.
 *   Saturday,     n = 3 (Mon–Fri)     → counts Mon, Tue, Wed → due Thursday 00:00 local.
 *
 * n must be a whole number ≥ 1. The result is a UTC instant, exact across DST changes.
 */
export function addWorkingDays(start: Date, n: number, opts: WorkingCalendar): Date {
  assertInstant(start, 'start');
  if (!Number.isInteger(n) || n < 1) {
    throw new ValidationError(`A working-day count must be a whole number of at least 1, got ${String(n)}.`, [
      { path: 'n', message: 'expected an integer >= 1' },
    ]);
  }
  const cal = resolveCalendar(opts);
  let day = localDate(start, cal.timeZone);
  let counted = 0;
  // Every week has a working day, so only holidays and days off can delay the count further.
  const limit = (n + cal.holidays.size + cal.daysOff.size + 2) * 7;
  for (let steps = 0; counted < n; steps++) {
    if (steps > limit) throw new Error('addWorkingDays: no working day found; calendar is inconsistent.');
    day = addDaysToLocalDate(day, 1);
    if (worksOn(day, cal)) counted++;
  }
  return endOfLocalDay(day, cal.timeZone);
}

/**
 * The same local wall-clock time n calendar days later (n may be 0 or negative) in the zone.
 * A time that does not exist that day (spring forward) moves forward by the gap; a time that
 * occurs twice (fall back) takes the earlier one.
 */
export function addCalendarDays(start: Date, n: number, timeZone: string): Date {
  assertInstant(start, 'start');
  assertTimeZone(timeZone);
  if (!Number.isInteger(n)) {
    throw new ValidationError(`A day count must be a whole number, got ${String(n)}.`, [{ path: 'n', message: 'expected an integer' }]);
  }
  if (n === 0) return new Date(start.getTime());
  const ms = start.getTime();
  const w = wallClock(ms, timeZone);
  const frac = ((ms % 1000) + 1000) % 1000;
  const wall = wallMs(w.year, w.month, w.day, w.hour, w.minute, w.second, frac) + n * DAY;
  return new Date(resolveWall(wall, timeZone, 'compatible', ''));
}

/** Plain elapsed time: start + n hours (any finite n), regardless of zones and clocks. */
export function addHours(start: Date, n: number): Date {
  assertInstant(start, 'start');
  if (!Number.isFinite(n)) {
    throw new ValidationError(`An hour count must be a finite number, got ${String(n)}.`, [{ path: 'n', message: 'expected a number' }]);
  }
  return new Date(start.getTime() + Math.round(n * HOUR));
}
