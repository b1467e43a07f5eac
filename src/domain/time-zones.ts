import { z } from 'zod';

// Time zone names as the IANA time zone database spells them today, for every zone the desk
// stores and every zone list it shows.
//
// Intl (ICU, following CLDR) keeps the names a zone had when CLDR first listed it: Node 24's
// Intl.supportedValuesOf('timeZone') says Asia/Calcutta and Europe/Kiev, and resolves Asia/Kolkata
// to Asia/Calcutta. The IANA database renamed those zones years ago and keeps the old names only as
// links. The table below is every name Intl lists that is not the zone's IANA name in zone.tab (the
// zone per country and region), with the IANA name; it was derived by resolving each zone.tab name
// through Intl and comparing (test/domain/time-zones.test.ts checks it against Intl).

const IANA_NAME_OF: Readonly<Record<string, string>> = Object.freeze({
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
});

/** The name Intl resolves a zone to (its CLDR name), or null when Intl does not know it. */
function intlName(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The IANA name of a time zone given by any of its names (old ones like Asia/Calcutta or US/Pacific,
 * any letter case, Etc/UTC), or null when it is no time zone. UTC and its aliases give "UTC".
 */
export function canonicalTimeZone(name: string): string | null {
  if (typeof name !== 'string') return null;
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) return null;
  const resolved = intlName(trimmed);
  if (!resolved) return null;
  if (resolved === 'Etc/UTC' || resolved === 'Etc/GMT') return 'UTC';
  return IANA_NAME_OF[resolved] ?? resolved;
}

let names: readonly string[] | null = null;

/** Every time zone by its IANA name, UTC first, then alphabetically: what the zone pickers offer. */
export function timeZoneNames(): readonly string[] {
  if (!names) {
    const all = new Set(Intl.supportedValuesOf('timeZone').map((z) => IANA_NAME_OF[z] ?? z));
    all.delete('UTC');
    names = Object.freeze(['UTC', ...[...all].sort()]);
  }
  return names;
}

/**
 * A time zone in a use case's input: any name Intl knows is accepted (the old ones too, so nothing
 * typed or scripted before breaks) and stored by its IANA name.
 */
export const timeZoneInput = z
  .string()
  .refine((s) => canonicalTimeZone(s) !== null, 'must be an IANA time zone like Europe/London')
  .transform((s) => canonicalTimeZone(s)!);

/** The older name Intl still uses for a renamed zone (Asia/Calcutta for Asia/Kolkata), if any. */
export function formerTimeZoneName(zone: string): string | null {
  return Object.entries(IANA_NAME_OF).find(([, now]) => now === zone)?.[0] ?? null;
}
