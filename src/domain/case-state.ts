// Vultron / CERT/CC CVD case state: six one-way flags.
//
//   V vendorAware      (per participant)   the vendor knows about the vulnerability
//   F fixReady         (per participant)   a fix is ready           — needs V
//   D fixDeployed      (per participant)   the fix is deployed      — needs F
//   P publicAware      (per case)          the public knows
//   X exploitPublic    (per case)          an exploit is public     — implies P (setting X sets P)
//   A attacksObserved  (per case)          attacks have been seen
//
// Flags only ever go from unset to set. Rendered as six letters in the order V F D P X A,
// uppercase = set, lowercase = not set: "vfdpxa" (nothing yet) … "VFDPXA" (everything).

import { IllegalTransitionError, ValidationError } from './errors.ts';

export const FLAGS = ['vendorAware', 'fixReady', 'fixDeployed', 'publicAware', 'exploitPublic', 'attacksObserved'] as const;

export type Flag = (typeof FLAGS)[number];

/** Flags held per participant (each vendor has its own V, F, D). */
export const PARTICIPANT_FLAGS = ['vendorAware', 'fixReady', 'fixDeployed'] as const satisfies readonly Flag[];
/** Flags held once per case. */
export const CASE_FLAGS = ['publicAware', 'exploitPublic', 'attacksObserved'] as const satisfies readonly Flag[];

export type CaseFlags = Readonly<Record<Flag, boolean>>;

export const NO_FLAGS: CaseFlags = Object.freeze({
  vendorAware: false,
  fixReady: false,
  fixDeployed: false,
  publicAware: false,
  exploitPublic: false,
  attacksObserved: false,
});

/** The letter of each flag in CERT/CC notation (uppercase form). */
export const FLAG_LETTERS: Readonly<Record<Flag, string>> = Object.freeze({
  vendorAware: 'V',
  fixReady: 'F',
  fixDeployed: 'D',
  publicAware: 'P',
  exploitPublic: 'X',
  attacksObserved: 'A',
});

/** A flag that must already be set before this one may be set. */
const REQUIRES: Partial<Record<Flag, Flag>> = { fixReady: 'vendorAware', fixDeployed: 'fixReady' };
/** Flags set together with this one. */
const IMPLIES: Partial<Record<Flag, readonly Flag[]>> = { exploitPublic: ['publicAware'] };

const MACHINE = 'case state';

export function isFlag(value: unknown): value is Flag {
  return typeof value === 'string' && (FLAGS as readonly string[]).includes(value);
}

/** "VFdpxa": uppercase letter for each set flag, in the order V F D P X A. */
export function renderCaseState(flags: CaseFlags): string {
  return FLAGS.map((f) => (flags[f] ? FLAG_LETTERS[f] : FLAG_LETTERS[f].toLowerCase())).join('');
}

/** Parse "VFdpxa" back into flags. Throws ValidationError on a malformed or inconsistent string. */
export function parseCaseState(text: string): CaseFlags {
  if (typeof text !== 'string' || text.length !== FLAGS.length) {
    throw new ValidationError(`Case state must be six letters V F D P X A (e.g. "Vfdpxa"), got "${String(text)}".`);
  }
  const flags = {} as Record<Flag, boolean>;
  FLAGS.forEach((f, i) => {
    const ch = text[i] as string;
    const upper = FLAG_LETTERS[f];
    if (ch === upper) flags[f] = true;
    else if (ch === upper.toLowerCase()) flags[f] = false;
    else {
      throw new ValidationError(`Case state "${text}": position ${i + 1} must be ${upper} or ${upper.toLowerCase()}, got "${ch}".`);
    }
  });
  const problems = flagInconsistencies(flags);
  if (problems.length) throw new ValidationError(`Case state "${text}" is impossible: ${problems.join('; ')}.`);
  return Object.freeze(flags);
}

/** Dependency rules broken by a set of flags ([] if consistent). */
export function flagInconsistencies(flags: CaseFlags): string[] {
  const problems: string[] = [];
  if (flags.fixReady && !flags.vendorAware) problems.push('fix ready needs vendor aware');
  if (flags.fixDeployed && !flags.fixReady) problems.push('fix deployed needs fix ready');
  if (flags.exploitPublic && !flags.publicAware) problems.push('exploit public implies public aware');
  return problems;
}

/**
 * Set one flag. Setting a flag that is already set changes nothing (alsoSet is [] and
 * changed is false), so repeated reports of the same fact are harmless.
 * Throws IllegalTransitionError('case state', "vfdpxa", "vFdpxa", why) when a prerequisite is missing.
 * `alsoSet` lists flags set as a consequence (exploitPublic → publicAware).
 */
export function setFlag(flags: CaseFlags, flag: Flag): { flags: CaseFlags; alsoSet: Flag[]; changed: boolean } {
  if (!isFlag(flag))
    throw new ValidationError(`Unknown case flag "${String(flag)}".`, [{ path: 'flag', message: `expected one of ${FLAGS.join(', ')}` }]);
  if (flags[flag]) return { flags, alsoSet: [], changed: false };
  const next: Record<Flag, boolean> = { ...flags, [flag]: true };
  const required = REQUIRES[flag];
  if (required && !flags[required]) {
    throw new IllegalTransitionError(
      MACHINE,
      renderCaseState(flags),
      renderCaseState(next),
      `${describe(flag)} needs ${describe(required)}`,
    );
  }
  const alsoSet: Flag[] = [];
  for (const implied of IMPLIES[flag] ?? []) {
    if (!next[implied]) {
      next[implied] = true;
      alsoSet.push(implied);
    }
  }
  return { flags: Object.freeze(next), alsoSet, changed: true };
}

/**
 * Set several flags in order (e.g. ['vendorAware', 'fixReady']). `set` lists the flags asked for
 * that were not set before; `alsoSet` the flags set as a consequence that were not asked for.
 */
export function setFlags(flags: CaseFlags, toSet: readonly Flag[]): { flags: CaseFlags; set: Flag[]; alsoSet: Flag[] } {
  let current = flags;
  for (const f of toSet) current = setFlag(current, f).flags;
  const changed = FLAGS.filter((f) => current[f] && !flags[f]);
  return {
    flags: current,
    set: changed.filter((f) => toSet.includes(f)),
    alsoSet: changed.filter((f) => !toSet.includes(f)),
  };
}

/**
 * Check a whole new flag set against the old one (for data written in one go): no flag may be
 * unset, and the result must be consistent. Throws IllegalTransitionError.
 */
export function assertFlagsTransition(previous: CaseFlags, next: CaseFlags): void {
  const from = renderCaseState(previous);
  const to = renderCaseState(next);
  for (const f of FLAGS) {
    if (previous[f] && !next[f]) {
      throw new IllegalTransitionError(MACHINE, from, to, `${describe(f)} is one-way and cannot be unset`);
    }
  }
  const problems = flagInconsistencies(next);
  if (problems.length) throw new IllegalTransitionError(MACHINE, from, to, problems.join('; '));
}

/** Unsetting a flag is never allowed: throws IllegalTransitionError if it is set, else no-op. */
export function unsetFlag(flags: CaseFlags, flag: Flag): CaseFlags {
  if (!flags[flag]) return flags;
  throw new IllegalTransitionError(
    MACHINE,
    renderCaseState(flags),
    renderCaseState({ ...flags, [flag]: false }),
    `${describe(flag)} is one-way and cannot be unset`,
  );
}

function describe(flag: Flag): string {
  switch (flag) {
    case 'vendorAware':
      return 'vendor aware (V)';
    case 'fixReady':
      return 'fix ready (F)';
    case 'fixDeployed':
      return 'fix deployed (D)';
    case 'publicAware':
      return 'public aware (P)';
    case 'exploitPublic':
      return 'exploit public (X)';
    case 'attacksObserved':
      return 'attacks observed (A)';
  }
}
