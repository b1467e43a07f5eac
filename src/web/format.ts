import { isoWithOffset, isValidTimeZone } from '../domain/calendar.ts';
import { dateTimeFormat } from '../domain/date-formats.ts';
import { html, type Html } from './html.ts';

// Dates on pages: a readable local form in the viewer's (or the clock owner's) time zone, and the
// exact instant in ISO 8601 with that zone's offset, so nobody has to guess which midnight is meant.

export function zoneOr(tz: string | null | undefined, fallback = 'UTC'): string {
  return tz && isValidTimeZone(tz) ? tz : fallback;
}

export function humanTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  return dateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(d);
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
