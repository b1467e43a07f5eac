import { isoWithOffset, isValidTimeZone, parseLocalDate } from '../domain/calendar.ts';
import { dateTimeFormat } from '../domain/date-formats.ts';
import { html, type Html } from './html.ts';

// Dates on pages: a readable local form in the viewer's (or the clock owner's) time zone, and the
// exact instant in ISO 8601 with that zone's offset, so nobody has to guess which midnight is meant.
// Every page writes its dates through these helpers, in the page's one zone (the viewer's: zoneOf in
// common.ts): no page prints an ISO string, milliseconds or a locale's default form of its own
// (test/web/date-format.test.ts walks every page for them). Sentences a use case writes for people
// (mail, a note on a case, a refusal) carry their dates as src/domain/reader-dates.ts words them.

/** An instant as the use cases hand it over: an ISO 8601 string or a Date. */
export type Instant = string | Date;

const dateOf = (i: Instant): Date => (i instanceof Date ? i : new Date(i));

export function zoneOr(tz: string | null | undefined, fallback = 'UTC'): string {
  return tz && isValidTimeZone(tz) ? tz : fallback;
}

/** How the desk writes an instant for people: "Fri 4 Dec 2026, 19:14". */
const READABLE: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
};

/** An instant as people read it, with its zone's short name. */
export function humanTime(instant: Instant, timeZone: string): string {
  return dateTimeFormat('en-GB', { ...READABLE, timeZone, timeZoneName: 'short' }).format(dateOf(instant));
}

/** The same without the zone's name, for a page that names its one zone once. */
export function plainTime(instant: Instant, timeZone: string): string {
  return dateTimeFormat('en-GB', { ...READABLE, timeZone }).format(dateOf(instant));
}

/**
 * The exact instant for people who copy it: ISO 8601 in the zone with its offset, to the second.
 * Milliseconds are the machine's noise, not anything a person acts on.
 */
export function exactTime(instant: Instant, timeZone: string): string {
  const ms = dateOf(instant).getTime();
  return isoWithOffset(new Date(ms - (((ms % 1000) + 1000) % 1000)), timeZone);
}

/** The machine-readable instant of a <time> element: UTC, to the second. */
function machineTime(instant: Instant): string {
  return `${dateOf(instant).toISOString().slice(0, 19)}Z`;
}

/** A point in time: readable text in a <time> element carrying the exact instant. */
export function when(instant: Instant | null | undefined, timeZone: string): Html {
  if (!instant) return html`<span class="muted">—</span>`;
  return html`<time datetime="${machineTime(instant)}" title="${exactTime(instant, timeZone)}">${humanTime(instant, timeZone)}</time>`;
}

/** The same without the zone's name, for a page that names its one zone once (the case page). */
export function plainWhen(instant: Instant | null | undefined, timeZone: string): Html {
  if (!instant) return html`<span class="muted">—</span>`;
  return html`<time datetime="${machineTime(instant)}">${plainTime(instant, timeZone)}</time>`;
}

/** How the desk writes a calendar day (a day off, a holiday, a key's last day): "Fri 4 Dec 2026". */
const READABLE_DAY: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' };

/** A calendar date given as YYYY-MM-DD, readable, in a <time> element carrying the date. A day has no zone. */
export function day(date: string): Html {
  const { year, month, day: d } = parseLocalDate(date);
  return html`<time datetime="${date}">${dateTimeFormat('en-GB', READABLE_DAY).format(new Date(Date.UTC(year, month - 1, d)))}</time>`;
}

/** How far an instant is from now, in words: "in 2 days", "in 40 min", "3 h overdue", "due now". */
export function relativeDueText(instant: Instant, now: Date): string {
  const ms = dateOf(instant).getTime() - now.getTime();
  const abs = Math.abs(ms);
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (abs < minute) return 'due now';
  // Whole units, rounded down: "in 2 days" is at least two full days away.
  const span =
    abs < hour ? `${Math.floor(abs / minute)} min` : abs < 2 * day ? `${Math.floor(abs / hour)} h` : `${Math.floor(abs / day)} days`;
  return ms > 0 ? `in ${span}` : `${span} overdue`;
}

/**
 * A due date relative to now ("in 2 days", "3 h overdue"), in a <time> carrying the instant, with
 * the absolute time in the viewer's zone as its title and, for screen readers and copying, in text
 * that is visually hidden. Overdue is said in words, not by colour alone.
 */
export function relativeDue(instant: Instant | null | undefined, timeZone: string, now: Date, overdue: boolean): Html {
  if (!instant) return html`<span class="muted">none</span>`;
  const absolute = `${humanTime(instant, timeZone)}, ${exactTime(instant, timeZone)}`;
  const time = html`<time datetime="${machineTime(instant)}" title="${absolute}">${relativeDueText(instant, now)}</time>`;
  return html`<span class="due${overdue ? ' is-overdue' : ''}">${overdue ? html`<strong class="badge overdue">${time}</strong>` : time}<span class="visually-hidden"> (due ${absolute})</span></span>`;
}
