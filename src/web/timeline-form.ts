import { instantFromLocal, isoWithOffset, isValidTimeZone } from '../domain/calendar.ts';
import { html, type Html } from './html.ts';
import { field, input, textarea, type FormBody } from './common.ts';
import { canonicalTimeZone } from '../domain/time-zones.ts';
import { timeZoneField } from './time-zone-field.ts';

// The fields of a disclosure timeline, on the case page (the team proposes) and on the reporter's
// status page (the reporter counters): a date and time per stakeholder tier and for the public
// instant, read as wall-clock time in the zone named beside them. Without JavaScript the browser's
// own date-time control does the work; the door turns each wall time into an instant in that zone.

type Tiers = readonly { id: string; name: string }[];

export function timelineFields(tiers: Tiers, zone: string, typed: FormBody | null, errors: Record<string, string | undefined> = {}): Html {
  const value = (name: string) => (typed ? field(typed, name) : '');
  return html`${tiers.map((t, i) =>
    input({
      name: `tier_${t.id}`,
      label: `${t.name}: the embargo ends`,
      type: 'datetime-local',
      required: true,
      value: value(`tier_${t.id}`),
      error: errors[`tiers[${i}].endsAt`] ?? errors[`tiers[${i}]`],
    }),
  )}
  ${input({ name: 'publicAt', label: 'Public disclosure', type: 'datetime-local', required: true, value: value('publicAt'), error: errors.publicAt })}
  ${timeZoneField({ name: 'timeZone', label: 'In the time zone', required: true, value: value('timeZone') || zone, error: errors.timeZone, hint: 'Like Europe/London or UTC: both sides read these dates in it.' })}
  ${textarea({ name: 'note', label: 'A word to the other side', rows: 2, value: value('note') })}`;
}

/** A wall time of the form as an instant with its offset in the zone; anything else is passed on for the use case to refuse. */
export function instantIn(local: string, zone: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)$/.exec(local.trim());
  if (!m || !isValidTimeZone(zone)) return local;
  return isoWithOffset(instantFromLocal(m[1]!, m[2]!, zone), zone);
}

/** The timeline a form posted (a field per tier, `tier_<id>`), in the shape the use cases take. */
export function timelineFromForm(body: unknown) {
  // An old name (Asia/Calcutta) is taken, and the timeline keeps the zone's IANA name.
  const typedZone = field(body, 'timeZone').trim();
  const zone = canonicalTimeZone(typedZone) ?? typedZone;
  const note = field(body, 'note').trim();
  const tierIds = Object.keys(body && typeof body === 'object' ? body : {})
    .filter((k) => k.startsWith('tier_'))
    .map((k) => k.slice(5));
  return {
    tiers: tierIds.map((id) => ({ tier: id, endsAt: instantIn(field(body, `tier_${id}`), zone) })),
    publicAt: instantIn(field(body, 'publicAt'), zone),
    timeZone: zone,
    ...(note ? { note } : {}),
  };
}
