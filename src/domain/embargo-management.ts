// Vultron Embargo Management (EM): one per case.
//
//   none     → proposed                       (an embargo is proposed)
//   proposed → proposed                       (counter-proposal)
//            | none                           (proposal rejected)
//            | active                         (proposal accepted)
//   active   → revise                         (a revision is proposed)
//            | exited                         (embargo terminated / ended)
//   revise   → revise                         (counter-revision)
//            | active                         (revision accepted or rejected: back to active)
//            | exited
//   exited   (final)
//
// The embargo may not start (→ active) once the case is public, an exploit is public or
// attacks are observed; if any of those becomes true it must end at once (→ exited).
// An embargo ends at an unambiguous instant: ISO 8601 date-time with an explicit offset or Z.

import { IllegalTransitionError, ValidationError } from './errors.ts';
import { defineMachine } from './machine.ts';
import type { CaseFlags } from './case-state.ts';

export const EMBARGO_STATES = ['none', 'proposed', 'active', 'revise', 'exited'] as const;

export type EmbargoState = (typeof EMBARGO_STATES)[number];

export const embargoManagement = defineMachine<EmbargoState>('embargo management', {
  none: ['proposed'],
  proposed: ['proposed', 'none', 'active'],
  active: ['revise', 'exited'],
  revise: ['revise', 'active', 'exited'],
  exited: [],
});

/** The case flags that decide whether an embargo may exist. */
export type DisclosureFlags = Pick<CaseFlags, 'publicAware' | 'exploitPublic' | 'attacksObserved'>;

export function isEmbargoState(value: unknown): value is EmbargoState {
  return embargoManagement.isState(value);
}

/** True when the case is public, an exploit is public or attacks are observed. */
export function embargoMustEnd(flags: DisclosureFlags): boolean {
  return Boolean(flags.publicAware || flags.exploitPublic || flags.attacksObserved);
}

function disclosureReason(flags: DisclosureFlags): string {
  const why: string[] = [];
  if (flags.publicAware) why.push('the vulnerability is public');
  if (flags.exploitPublic) why.push('an exploit is public');
  if (flags.attacksObserved) why.push('attacks are observed');
  return why.join(', ');
}

/**
 * Throws IllegalTransitionError(embargo management, from, 'active') if the embargo may not start
 * (or resume from a revision) because the case is already public / exploited / attacked.
 */
export function assertEmbargoMayStart(flags: DisclosureFlags, from: EmbargoState = 'proposed'): void {
  if (embargoMustEnd(flags)) {
    throw new IllegalTransitionError(embargoManagement.name, from, 'active', `an embargo cannot start once ${disclosureReason(flags)}`);
  }
}

/**
 * Full check of one EM move against the table and the case flags. Once the embargo must end,
 * the only moves left are proposed → none and active|revise → exited.
 */
export function assertEmbargoMove(from: EmbargoState, to: EmbargoState, flags: DisclosureFlags, why?: string): void {
  embargoManagement.assertMove(from, to, why);
  if (embargoMustEnd(flags) && to !== 'none' && to !== 'exited') {
    throw new IllegalTransitionError(embargoManagement.name, from, to, `no embargo is possible once ${disclosureReason(flags)}`);
  }
}

/**
 * What the embargo must become now, given the case flags: 'exited' for a running embargo
 * (active or revise), 'none' for an open proposal, null if nothing has to happen.
 */
export function requiredEmbargoMove(state: EmbargoState, flags: DisclosureFlags): EmbargoState | null {
  if (!embargoMustEnd(flags)) return null;
  if (state === 'active' || state === 'revise') return 'exited';
  if (state === 'proposed') return 'none';
  return null;
}

/** True while an embargo is in force (information is held back): active or under revision. */
export function embargoInForce(state: EmbargoState): boolean {
  return state === 'active' || state === 'revise';
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parse an embargo end: ISO 8601 extended date-time with seconds optional, fraction optional,
 * and an explicit UTC offset (+01:00, -05:30) or Z. Date-only values ("2026-12-01") and local
 * times without offset ("2026-12-01T12:00") are refused with ValidationError, as are impossible
 * dates (2026-02-30), times (24:00, :60 seconds) and offsets beyond ±14:00.
 */
export function parseEmbargoEnd(value: string, path = 'endsAt'): Date {
  const fail = (why: string): never => {
    throw new ValidationError(`Embargo end "${String(value)}" is not an unambiguous instant: ${why}.`, [{ path, message: why }]);
  };
  if (typeof value !== 'string') return fail('expected a string');
  const m = INSTANT.exec(value.trim());
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return fail('a date alone has no time and no zone; give e.g. 2026-12-01T12:00:00Z');
    if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim())) {
      return fail('a local time needs an explicit offset (+01:00) or Z');
    }
    return fail('expected ISO 8601 like 2026-12-01T12:00:00+01:00 or 2026-12-01T11:00:00Z');
  }
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12) fail('month out of range');
  if (day < 1 || day > daysInMonth(year, month)) fail('day out of range for that month');
  if (hour > 23) fail('hour out of range (use 00:00 of the next day, not 24:00)');
  if (minute > 59) fail('minute out of range');
  if (second > 59) fail('second out of range');
  let offsetMinutes = 0;
  if (!z) {
    const ohn = Number(oh);
    const omn = Number(om);
    if (ohn > 14 || omn > 59 || (ohn === 14 && omn > 0)) fail('offset out of range');
    offsetMinutes = (sign === '-' ? -1 : 1) * (ohn * 60 + omn);
  }
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000 + 1e-9);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0..99 to 1900..1999; years that small are not embargo ends anyway.
  if (year < 1970) fail('year out of range');
  return new Date(utc - offsetMinutes * 60_000);
}

/** True if `value` would be accepted by parseEmbargoEnd. */
export function isUnambiguousInstant(value: string): boolean {
  try {
    parseEmbargoEnd(value);
    return true;
  } catch {
    return false;
  }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
