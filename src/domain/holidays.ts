// Public holidays per country or region, as local dates 'YYYY-MM-DD', from the date-holidays library
// (see docs/decisions.md). Pure: no I/O, results cached per region and year.
//
// A region is an ISO 3166 country code, optionally with the library's subdivision codes:
// 'IN', 'NZ', 'GB-ENG', 'US-CA', 'DE-BY', 'DE-BY-A' (country-state-region). Codes are matched
// without regard to case and returned in the library's spelling ('nz-can-timaru' → 'NZ-CAN-Timaru').
//
// Only holidays of type 'public' count (not 'bank', 'optional', 'school' or 'observance').
// Substitute days ("Boxing Day (substitute day)") are public holidays of their own. A holiday
// lasting several days (Eid al-Fitr in AE: 3 days) gives each of its dates; a half-day public
// holiday gives its date.

import Holidays from 'date-holidays';
import { ValidationError } from './errors.ts';
import { addDaysToLocalDate } from './calendar.ts';

export interface PublicHoliday {
  /** Local date 'YYYY-MM-DD' in the region. */
  date: string;
  /** The holiday's name, in English where the library has it. */
  name: string;
}

export interface HolidayRegionEntry {
  code: string;
  name: string;
}

const HOW_TO_FIND =
  'Use an ISO 3166 country code, optionally with a subdivision, e.g. "IN", "NZ", "GB-ENG", "US-CA" or "DE-BY". ' +
  'List the codes with "embargo sla regions" (countries) and "embargo sla regions GB" (a country\'s subdivisions), ' +
  'or GET /api/holiday-regions?country=GB.';

const MIN_YEAR = 1900;
const MAX_YEAR = 2199;
const MAX_SPAN_YEARS = 100;

// The library's lists, read once.
const catalogue = new Holidays();
let countries: Record<string, string> | null = null;

function countryList(): Record<string, string> {
  countries ??= catalogue.getCountries('en') ?? {};
  return countries;
}

function findCode(list: Record<string, string> | undefined, code: string): string | undefined {
  if (!list) return undefined;
  if (code in list) return code;
  const lower = code.toLowerCase();
  return Object.keys(list).find((k) => k.toLowerCase() === lower);
}

function invalid(region: unknown, why: string, path: string): ValidationError {
  return new ValidationError(`"${String(region)}" is not a holiday region: ${why} ${HOW_TO_FIND}`, [{ path, message: why }]);
}

/** The canonical spelling of a region code; throws ValidationError (saying how to find codes) if unknown. */
export function normalizeHolidayRegion(region: string, path = 'holidayRegion'): string {
  if (typeof region !== 'string' || !/^[A-Za-z]{2}(?:-[A-Za-z0-9]+){0,2}$/.test(region.trim())) {
    throw invalid(region, 'expected a code like "GB-ENG".', path);
  }
  const [c, s, r] = region.trim().split('-') as [string, string | undefined, string | undefined];
  const country = findCode(countryList(), c);
  if (!country) throw invalid(region, `no country "${c.toUpperCase()}" is known.`, path);
  if (s === undefined) return country;
  const states = catalogue.getStates(country, 'en');
  const state = findCode(states, s);
  if (!state) {
    const known = Object.keys(states ?? {});
    throw invalid(
      region,
      known.length
        ? `${country} (${countryList()[country]}) has no subdivision "${s}"; known: ${known.join(', ')}.`
        : `${country} (${countryList()[country]}) has no subdivisions; use "${country}".`,
      path,
    );
  }
  if (r === undefined) return `${country}-${state}`;
  const regions = catalogue.getRegions(country, state, 'en');
  const sub = findCode(regions, r);
  if (!sub) {
    const known = Object.keys(regions ?? {});
    throw invalid(
      region,
      known.length
        ? `${country}-${state} has no region "${r}"; known: ${known.join(', ')}.`
        : `${country}-${state} has no regions; use "${country}-${state}".`,
      path,
    );
  }
  return `${country}-${state}-${sub}`;
}

export function isHolidayRegion(region: string): boolean {
  try {
    normalizeHolidayRegion(region);
    return true;
  } catch {
    return false;
  }
}

/**
 * Without a country: every country with its name. With one ('GB'): its subdivisions ('GB-ENG', ...)
 * and their regions ('DE-BY-A', ...). Throws ValidationError for an unknown country.
 */
export function listHolidayRegions(country?: string): HolidayRegionEntry[] {
  if (country === undefined || country === '') {
    return Object.entries(countryList())
      .map(([code, name]) => ({ code, name }))
      .sort((a, b) => a.code.localeCompare(b.code));
  }
  const c = normalizeHolidayRegion(country, 'country');
  if (c.includes('-')) throw invalid(country, 'give a country code alone to list its subdivisions.', 'country');
  const out: HolidayRegionEntry[] = [{ code: c, name: countryList()[c] ?? c }];
  for (const [s, sName] of Object.entries(catalogue.getStates(c, 'en') ?? {})) {
    out.push({ code: `${c}-${s}`, name: sName });
    for (const [r, rName] of Object.entries(catalogue.getRegions(c, s, 'en') ?? {})) {
      out.push({ code: `${c}-${s}-${r}`, name: `${sName}: ${rName}` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const calendars = new Map<string, Holidays>();
const byYear = new Map<string, readonly PublicHoliday[]>();

function calendarOf(region: string): Holidays {
  let hd = calendars.get(region);
  if (!hd) {
    const [c, s, r] = region.split('-') as [string, string | undefined, string | undefined];
    hd = r !== undefined ? new Holidays(c, s!, r) : s !== undefined ? new Holidays(c, s) : new Holidays(c);
    calendars.set(region, hd);
  }
  return hd;
}

const HOUR = 3_600_000;

/** Public holidays that begin in one year (a multi-day one may run into the next). */
function holidaysBeginningIn(region: string, year: number): readonly PublicHoliday[] {
  const key = `${region}:${year}`;
  let list = byYear.get(key);
  if (!list) {
    const out: PublicHoliday[] = [];
    for (const h of calendarOf(region).getHolidays(year, 'en')) {
      if (h.type !== 'public') continue;
      // h.date is the local start, "YYYY-MM-DD hh:mm:ss [offset]"; start/end are instants.
      const first = h.date.slice(0, 10);
      const hours = (h.end.getTime() - h.start.getTime()) / HOUR;
      const days = Math.max(1, Math.round(hours / 24));
      for (let i = 0; i < days; i++) out.push({ date: addDaysToLocalDate(first, i), name: h.name });
    }
    list = Object.freeze(out.map((x) => Object.freeze(x)));
    byYear.set(key, list);
  }
  return list;
}

function checkYears(fromYear: number, toYear: number): void {
  for (const [path, y] of [
    ['fromYear', fromYear],
    ['toYear', toYear],
  ] as const) {
    if (!Number.isInteger(y) || y < MIN_YEAR || y > MAX_YEAR) {
      throw new ValidationError(`${path} must be a year from ${MIN_YEAR} to ${MAX_YEAR}, got ${String(y)}.`, [
        { path, message: 'bad year' },
      ]);
    }
  }
  if (toYear < fromYear || toYear - fromYear > MAX_SPAN_YEARS) {
    throw new ValidationError(`The years ${fromYear}..${toYear} are not a range of at most ${MAX_SPAN_YEARS} years.`, [
      { path: 'toYear', message: 'bad range' },
    ]);
  }
}

/** Public holidays of a region in the years fromYear..toYear (inclusive), with names, by date. */
export function publicHolidayDetails(region: string, fromYear: number, toYear: number): PublicHoliday[] {
  const code = normalizeHolidayRegion(region);
  checkYears(fromYear, toYear);
  const lo = `${String(fromYear).padStart(4, '0')}-01-01`;
  const hi = `${String(toYear).padStart(4, '0')}-12-31`;
  const seen = new Map<string, PublicHoliday>();
  // A holiday of several days that begins late in the year before still counts.
  for (let y = fromYear - 1; y <= toYear; y++) {
    for (const h of holidaysBeginningIn(code, y)) {
      if (h.date >= lo && h.date <= hi && !seen.has(h.date)) seen.set(h.date, h);
    }
  }
  return [...seen.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Local dates 'YYYY-MM-DD' of the public holidays of a region in fromYear..toYear, sorted, no repeats. */
export function publicHolidays(region: string, fromYear: number, toYear: number): string[] {
  return publicHolidayDetails(region, fromYear, toYear).map((h) => h.date);
}
