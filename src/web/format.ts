import { isoWithOffset, isValidTimeZone } from '../domain/calendar.ts';
import { dateTimeFormat } from '../domain/date-formats.ts';
import { html, type Html } from './html.ts';

// Dates on pages: a readable local form in the viewer's (or the clock owner's) time zone, and the
// exact instant in ISO 8601 with that zone's offset, so nobody has to guess which midnight is meant.

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
export function humanTime(iso: string, timeZone: string): string {
  return dateTimeFormat('en-GB', { ...READABLE, timeZone, timeZoneName: 'short' }).format(new Date(iso));
}

/** The same without the zone's name, for a page that names its one zone once. */
export function plainTime(iso: string, timeZone: string): string {
  return dateTimeFormat('en-GB', { ...READABLE, timeZone }).format(new Date(iso));
}

/** A point in time: readable text in a <time> element carrying the exact instant. */
export function when(iso: string | null | undefined, timeZone: string): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}" title="${isoWithOffset(new Date(iso), timeZone)}">${humanTime(iso, timeZone)}</time>`;
}

/** A due date: readable, ISO with offset, and marked overdue in words (not by colour alone). */
export function due(iso: string | null | undefined, timeZone: string, overdue: boolean, stopped = false): Html {
  if (!iso) return html`<span class="muted">none</span>`;
  return html`<span class="due${overdue ? ' is-overdue' : ''}">${overdue ? html`<strong class="badge overdue">Overdue</strong> ` : ''}${when(iso, timeZone)}<br><code class="iso">${isoWithOffset(new Date(iso), timeZone)}</code>${stopped ? html` <span class="muted">(stopped)</span>` : ''}</span>`;
}

/** How far an instant is from now, in words: "in 2 days", "in 40 min", "3 h overdue", "due now". */
export function relativeDueText(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
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
export function relativeDue(iso: string | null | undefined, timeZone: string, now: Date, overdue: boolean): Html {
  if (!iso) return html`<span class="muted">none</span>`;
  const absolute = `${humanTime(iso, timeZone)}, ${isoWithOffset(new Date(iso), timeZone)}`;
  const time = html`<time datetime="${iso}" title="${absolute}">${relativeDueText(iso, now)}</time>`;
  return html`<span class="due${overdue ? ' is-overdue' : ''}">${overdue ? html`<strong class="badge overdue">${time}</strong>` : time}<span class="visually-hidden"> (due ${absolute})</span></span>`;
}
