// Leak guard and redaction for sensitive values (reporter identity, organisation, product
// details, fields the reporter marked sensitive) in text that leaves the security teams.
//
// Matching is deliberately generous: a false alarm costs an edit, a leak cannot be undone. Text and
// value are both folded first (src/domain/text-fold.ts), so letter case, accents, compatibility forms
// (fullwidth, ligatures), look-alike letters of other scripts, soft hyphens and zero-width
// characters, HTML entities, percent-encoding and markup splitting a word do not hide a value. Then:
//   - a run of whitespace in the value matches any run of whitespace or punctuation in the text
//     ("Jane Doe", "Jane  Doe" across lines, "Jane-Doe", "Jane_Doe"), never none ("JaneDoe" is
//     another word); the value's own leading and trailing space is ignored;
//   - substring match (a value inside a longer word still counts);
//   - values shorter than 4 characters (after trimming) are ignored: too many false alarms;
//   - an e-mail address local@domain also matches the usual disguises: "local at domain dot org",
//     "local [at] domain [dot] org", "local(at)domain", "local @ domain . org", "local%40domain",
//     "local&#64;domain", fullwidth "＠".

import { EmbargoError } from './errors.ts';
import { labelOf, type SensitiveValue } from './sensitive.ts';
import { foldText, type MarkupMode } from './text-fold.ts';

export const MIN_SENSITIVE_LENGTH = 4;

const AT = String.raw`(?:\s*@\s*|\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+|\s*-at-\s*|\s*_at_\s*)`;
const DOT = String.raw`(?:\s*\.\s*|\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\s*-dot-\s*|\s*_dot_\s*)`;
/** What may stand between two words of a value in the text: whitespace or punctuation, at least one. */
const BETWEEN_WORDS = String.raw`[\s\p{P}]+`;
const EMAIL = /^([^\s@]+)@([^\s@]+)$/u;

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** A value as given by a person: NFC, trimmed, inner whitespace runs collapsed to one space. */
export function normaliseSensitive(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

function patternFor(folded: string): RegExp {
  const email = EMAIL.exec(folded);
  if (email) {
    const [, local, domain] = email as unknown as [string, string, string];
    const dotted = (part: string) => part.split('.').map(escapeLiteral).join(DOT);
    return new RegExp(`${dotted(local)}${AT}${dotted(domain)}`, 'gu');
  }
  return new RegExp(folded.split(' ').map(escapeLiteral).join(BETWEEN_WORDS), 'gu');
}

interface Guard<T> {
  item: T;
  pattern: RegExp;
  /** The literal the pattern starts with: a folded text without it cannot match (a cheap test first). */
  probe: string;
}

// The guards of a list of values, built once per list: one case's list is compared with every
// field of every page, mail and export it renders.
const built = new WeakMap<object, WeakMap<object, Guard<unknown>[]>>();

function guards<T>(items: readonly T[], textOf: (item: T) => unknown): Guard<T>[] {
  const known = built.get(items)?.get(textOf);
  if (known) return known as Guard<T>[];
  const made = makeGuards(items, textOf);
  if (!built.has(items)) built.set(items, new WeakMap());
  built.get(items)!.set(textOf, made);
  return made;
}

function makeGuards<T>(items: readonly T[], textOf: (item: T) => unknown): Guard<T>[] {
  const out: Guard<T>[] = [];
  const seen = new Set<string>();
  for (const item of items ?? []) {
    const original = textOf(item);
    if (typeof original !== 'string') continue;
    const value = normaliseSensitive(original);
    if ([...value].length < MIN_SENSITIVE_LENGTH) continue;
    const folded = foldText(value).text.trim().replace(/\s+/gu, ' ');
    if (folded === '' || seen.has(folded)) continue;
    seen.add(folded);
    out.push({ item, pattern: patternFor(folded), probe: folded.split(/[ @.]/u)[0]! });
  }
  return out;
}

// Markup is read three ways, so "<jane@example.org>" (kept), "Ja<b>ne</b>" (removed) and
// "Jane<br>Doe" (a space) are all seen.
const READINGS: readonly MarkupMode[] = ['keep', 'remove', 'space'];

interface Occurrence<T> {
  guard: Guard<T>;
  /** [start, end) in the original text. */
  start: number;
  end: number;
}

function occurrences<T>(text: string, gs: readonly Guard<T>[]): Occurrence<T>[] {
  const found: Occurrence<T>[] = [];
  if (gs.length === 0) return found;
  for (const mode of READINGS) {
    if (mode !== 'keep' && !text.includes('<')) continue;
    const folded = foldText(text, mode);
    for (const guard of gs) {
      if (!folded.text.includes(guard.probe)) continue;
      const re = guard.pattern;
      re.lastIndex = 0;
      for (let m = re.exec(folded.text); m; m = re.exec(folded.text)) {
        if (m[0].length > 0) found.push({ guard, start: folded.from(m.index), end: folded.to(m.index + m[0].length - 1) });
        re.lastIndex = m.index + 1; // also catch overlapping occurrences ("aaaa" in "aaaaa")
      }
    }
  }
  return found;
}

function found<T>(text: string, items: readonly T[], textOf: (item: T) => unknown): T[] {
  const gs = guards(items, textOf);
  const hit = new Set(occurrences(String(text ?? ''), gs).map((o) => o.guard));
  return gs.filter((g) => hit.has(g)).map((g) => g.item);
}

/**
 * Replaces every occurrence with its item's replacement. Overlapping occurrences merge into one,
 * replaced as the one that starts first (the longest of those) says. The result is NFC.
 */
function replaced<T>(text: string, items: readonly T[], textOf: (item: T) => unknown, replacementOf: (item: T) => string): string {
  const original = String(text ?? '');
  const spans = occurrences(original, guards(items, textOf));
  if (spans.length === 0) return original.normalize('NFC');
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  let { start, end, guard } = spans[0]!;
  for (const o of spans.slice(1)) {
    if (o.start <= end) {
      end = Math.max(end, o.end);
      continue;
    }
    out += original.slice(cursor, start) + replacementOf(guard.item);
    cursor = end;
    ({ start, end, guard } = o);
  }
  out += original.slice(cursor, start) + replacementOf(guard.item) + original.slice(end);
  return out.normalize('NFC');
}

const itself = (v: string) => v;
const textOfValue = (v: SensitiveValue) => v.value;

/**
 * The sensitive values that occur in `text` (each once, in the order given; as given, not as
 * found). [] means the text is clean.
 */
export function findLeaks(text: string, sensitiveValues: readonly string[]): string[] {
  return found(text, sensitiveValues, itself);
}

/**
 * Replace every occurrence of every sensitive value (in all the forms findLeaks detects) with
 * `replacement`. Overlapping occurrences are merged into one replacement. The result is NFC.
 * findLeaks(redact(t, v), v) is always [] (unless the replacement itself spells a value).
 */
export function redact(text: string, sensitiveValues: readonly string[], replacement = '[redacted]'): string {
  return replaced(text, sensitiveValues, itself, () => replacement);
}

/** The case's sensitive values that occur in `text`, with their kinds, each once, in the order given. */
export function findSensitive(text: string, values: readonly SensitiveValue[]): SensitiveValue[] {
  return found(text, values, textOfValue);
}

/** The text as an outside audience reads it: each sensitive value replaced by its label ("[reporter]"). */
export function redactWithLabels(text: string, values: readonly SensitiveValue[]): string {
  return replaced(text, values, textOfValue, labelOf);
}

/** A hint that names a value without repeating it: first character, an ellipsis, the length. */
export function maskSensitive(value: string): string {
  const v = normaliseSensitive(value);
  return `${[...v][0] ?? ''}… (${[...v].length} characters)`;
}

/**
 * Leak guard for outbound text: throws EmbargoError('leak_blocked') naming how many values leak
 * (masked, never the values themselves) so the sender can remove them.
 */
export function assertNoLeaks(text: string, sensitiveValues: readonly string[], what = 'The message'): void {
  const leaks = findLeaks(text, sensitiveValues);
  if (leaks.length === 0) return;
  throw new EmbargoError(
    'leak_blocked',
    `${what} contains ${leaks.length} sensitive value${leaks.length === 1 ? '' : 's'}; remove or redact ${leaks.length === 1 ? 'it' : 'them'} before sending.`,
    leaks.map((v) => ({ message: `sensitive value ${maskSensitive(v)}` })),
  );
}
