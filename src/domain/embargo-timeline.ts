// A disclosure timeline: when each stakeholder tier's embargo ends, in the order the profile names
// the tiers (Trusted Firmware: the ESS under the primary embargo, then the trusted stakeholders under
// the secondary), and the public instant, all in a named time zone so that both sides read the same
// wall-clock dates. A proposal is refused when it is not a timeline (a past instant, tiers out of order,
// a tier after the public instant, longer than the profile allows); a weekend is only a warning.

import { ValidationError, type ErrorDetail } from './errors.ts';
import { parseEmbargoEnd } from './embargo-management.ts';
import { publicHolidayDetails } from './holidays.ts';
import { localDate } from './calendar.ts';

export interface TierEnd {
  tier: string;
  endsAt: Date;
}

export interface Timeline {
  tiers: TierEnd[];
  publicAt: Date;
  timeZone: string;
}

export interface TimelineRules {
  /** The profile's tiers, in order. */
  tiers: readonly { id: string; name: string }[];
  maxDays?: number | undefined;
  /** Where the recipients keep public holidays (a region and the zone they read dates in): an end on one is warned about. */
  holidays?: readonly { region: string; timeZone: string }[];
}

export interface TimelineInput {
  tiers?: readonly { tier: string; endsAt: string }[];
  publicAt: string;
  timeZone: string;
}

const DAY = 86_400_000;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The weekday of an instant in a zone: 0 Sunday … 6 Saturday. */
function weekdayIn(at: Date, zone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short' }).format(at);
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(name);
}

/**
 * Checks a proposed timeline against the profile's tiers and limits at `now`. Every tier the profile
 * names gets an end (a profile without tiers takes the public instant alone). Returns the timeline and
 * its warnings (an end on a weekend in the timeline's zone); throws ValidationError naming each field
 * that is wrong.
 */
export function checkTimeline(input: TimelineInput, rules: TimelineRules, now: Date): { timeline: Timeline; warnings: string[] } {
  const problems: ErrorDetail[] = [];
  const zone = input.timeZone?.trim() ?? '';
  if (!validZone(zone)) problems.push({ path: 'timeZone', message: `"${zone}" is not a time zone (like Europe/London or UTC)` });
  const instant = (value: string, path: string): Date | null => {
    try {
      return parseEmbargoEnd(value, path);
    } catch (e) {
      if (e instanceof ValidationError) problems.push(...e.details);
      else throw e;
      return null;
    }
  };
  const publicAt = instant(input.publicAt, 'publicAt');
  const given = input.tiers ?? [];
  const tiers: TierEnd[] = [];
  rules.tiers.forEach((t, i) => {
    const entry = given.find((g) => g.tier === t.id);
    if (!entry) {
      problems.push({ path: `tiers[${i}]`, message: `the end of the ${t.name} embargo is missing` });
      return;
    }
    const endsAt = instant(entry.endsAt, `tiers[${i}].endsAt`);
    if (endsAt) tiers.push({ tier: t.id, endsAt });
  });
  for (const g of given) {
    if (!rules.tiers.some((t) => t.id === g.tier)) problems.push({ path: 'tiers', message: `the profile names no tier "${g.tier}"` });
  }
  const ordered = [...tiers.map((t) => ({ path: `tiers[${rules.tiers.findIndex((r) => r.id === t.tier)}].endsAt`, at: t.endsAt }))];
  if (publicAt) ordered.push({ path: 'publicAt', at: publicAt });
  ordered.forEach((o, i) => {
    if (o.at.getTime() <= now.getTime()) problems.push({ path: o.path, message: 'is not in the future' });
    const before = ordered[i - 1];
    if (before && o.at.getTime() < before.at.getTime()) {
      problems.push({ path: o.path, message: 'comes before the end of the tier before it: tiers end in order, the public instant last' });
    }
  });
  if (publicAt && rules.maxDays && publicAt.getTime() - now.getTime() > rules.maxDays * DAY) {
    problems.push({ path: 'publicAt', message: `is more than ${rules.maxDays} days away, the longest embargo the process allows` });
  }
  if (problems.length > 0 || !publicAt) {
    throw new ValidationError('The disclosure timeline is not one the process allows.', problems);
  }
  const warnings = ordered
    .filter((o) => [0, 6].includes(weekdayIn(o.at, zone)))
    .map((o) => `${o.path} falls on a weekend in ${zone}: people may not be there to act on it`);
  for (const o of ordered) {
    const seen = new Set<string>();
    for (const h of rules.holidays ?? []) {
      const day = localDate(o.at, h.timeZone);
      const holiday = publicHolidayDetails(h.region, Number(day.slice(0, 4)), Number(day.slice(0, 4))).find((x) => x.date === day);
      if (holiday && !seen.has(`${h.region}:${holiday.name}`)) {
        seen.add(`${h.region}:${holiday.name}`);
        warnings.push(`${o.path} falls on ${holiday.name}, a public holiday in ${h.region} where a stakeholder organisation is`);
      }
    }
  }
  return { timeline: { tiers, publicAt, timeZone: zone }, warnings };
}

export type ReleaseKind = 'tier_notice' | 'fix_public';

export interface PlannedRelease {
  kind: ReleaseKind;
  tier: string | null;
  dueAt: Date;
}

/**
 * What an agreed timeline releases, and when (TF P6–P8): the first tier is told when the fix is ready
 * (the primary embargo starts then), each later tier when the embargo of the tier before it ends, and
 * the fix is public when the last tier's embargo ends (with no tiers, at the public instant). Before
 * the fix is ready the first tier has no instant yet. Tiers already told and a fix already public are
 * left out (`done`).
 */
export function releasePlan(
  t: Pick<Timeline, 'tiers' | 'publicAt'>,
  fixReadyAt: Date | null,
  done: { tiers: ReadonlySet<string>; fixPublic: boolean },
): PlannedRelease[] {
  const plan: PlannedRelease[] = [];
  t.tiers.forEach((tier, i) => {
    const dueAt = i === 0 ? fixReadyAt : t.tiers[i - 1]!.endsAt;
    if (dueAt && !done.tiers.has(tier.tier)) plan.push({ kind: 'tier_notice', tier: tier.tier, dueAt });
  });
  const last = t.tiers.at(-1);
  if (!done.fixPublic) plan.push({ kind: 'fix_public', tier: null, dueAt: last ? last.endsAt : t.publicAt });
  return plan;
}
