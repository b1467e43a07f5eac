// Leak guard and redaction for sensitive values (reporter identity, organisation, product
// details, fields the reporter marked sensitive) in text that leaves the security teams.
//
// Matching is deliberately generous — a false alarm costs an edit, a leak cannot be undone:
//   - case-insensitive, and any run of whitespace (spaces, tabs, line breaks, NBSP) in the text
//     matches any run of whitespace in the value; the value's own leading/trailing space is ignored;
//   - substring match (a value inside a longer word still counts);
//   - values shorter than 4 characters (after trimming) are ignored: too many false alarms;
//   - an e-mail address local@domain also matches the usual disguises: "local at domain dot org",
//     "local [at] domain [dot] org", "local(at)domain", "local @ domain . org", "local%40domain",
//     "local&#64;domain", fullwidth "＠".
// Text and values are compared in Unicode NFC form.

import { EmbargoError } from './errors.ts';

export const MIN_SENSITIVE_LENGTH = 4;

/** What the reporter marked sensitive beyond their identity: their product and named fields. */
export interface SensitiveExtras {
  product: string | null;
  fields: readonly { value: string }[];
}

/** The values the leak guard keeps out: the reporter's identity and everything they marked sensitive. */
export function sensitiveValuesOf(
  reporter: { name: string | null; email: string | null; organisation: string | null; handle: string | null },
  extras: SensitiveExtras,
): string[] {
  return [
    reporter.name,
    reporter.email,
    reporter.organisation,
    reporter.handle,
    extras.product,
    ...extras.fields.map((f) => f.value),
  ].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

const AT = String.raw`(?:\s*[@＠]\s*|\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+|\s*-at-\s*|\s*_at_\s*|\s*(?:&#0*64;|&#x0*40;|&commat;|%40)\s*)`;
const DOT = String.raw`(?:\s*\.\s*|\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\s*-dot-\s*|\s*_dot_\s*|\s*(?:&#0*46;|&#x0*2e;|&period;|%2e)\s*)`;
const EMAIL = /^([^\s@]+)@([^\s@]+)$/u;

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** A value as compared: NFC, trimmed, inner whitespace runs collapsed to one space. */
export function normaliseSensitive(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

function literalPattern(value: string): string {
  return value.split(' ').map(escapeLiteral).join(String.raw`\s+`);
}

function patternFor(value: string): RegExp {
  const email = EMAIL.exec(value);
  if (email) {
    const [, local, domain] = email as unknown as [string, string, string];
    const dotted = (part: string) => part.split('.').map(escapeLiteral).join(DOT);
    return new RegExp(`${dotted(local)}${AT}${dotted(domain)}`, 'giu');
  }
  return new RegExp(literalPattern(value), 'giu');
}

interface Guard {
  original: string;
  pattern: RegExp;
}

function guards(sensitiveValues: readonly string[]): Guard[] {
  const out: Guard[] = [];
  const seen = new Set<string>();
  for (const original of sensitiveValues ?? []) {
    if (typeof original !== 'string') continue;
    const value = normaliseSensitive(original);
    if ([...value].length < MIN_SENSITIVE_LENGTH) continue;
    const key = value.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ original, pattern: patternFor(value) });
  }
  return out;
}

/**
 * The sensitive values that occur in `text` (each once, in the order given; as given, not as
 * found). [] means the text is clean.
 */
export function findLeaks(text: string, sensitiveValues: readonly string[]): string[] {
  const haystack = String(text ?? '').normalize('NFC');
  const found: string[] = [];
  for (const g of guards(sensitiveValues)) {
    g.pattern.lastIndex = 0;
    if (g.pattern.test(haystack)) found.push(g.original);
  }
  return found;
}

/**
 * Replace every occurrence of every sensitive value (in all the forms findLeaks detects) with
 * `replacement`. Overlapping occurrences are merged into one replacement. The result is NFC.
 * findLeaks(redact(t, v), v) is always [] (unless the replacement itself spells a value).
 */
export function redact(text: string, sensitiveValues: readonly string[], replacement = '[redacted]'): string {
  const haystack = String(text ?? '').normalize('NFC');
  const spans: [number, number][] = [];
  for (const g of guards(sensitiveValues)) {
    const re = g.pattern;
    re.lastIndex = 0;
    for (let m = re.exec(haystack); m; m = re.exec(haystack)) {
      spans.push([m.index, m.index + m[0].length]);
      re.lastIndex = m.index + 1; // also catch overlapping occurrences ("aaaa" in "aaaaa")
    }
  }
  if (spans.length === 0) return haystack;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let cursor = 0;
  let [start, end] = spans[0] as [number, number];
  for (const [s, e] of spans.slice(1)) {
    if (s <= end) {
      end = Math.max(end, e);
      continue;
    }
    out += haystack.slice(cursor, start) + replacement;
    cursor = end;
    start = s;
    end = e;
  }
  out += haystack.slice(cursor, start) + replacement + haystack.slice(end);
  return out;
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
