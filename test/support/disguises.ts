import fc from 'fast-check';

// Sensitive values and the ways they get written so that a person still reads them but a plain
// comparison does not, for the property-based campaigns of the leak guard: names built from random
// words, planted in filler that has no letter of its own, disguised in random combinations.

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
export const word = fc.string({ unit: fc.constantFrom(...LETTERS), minLength: 2, maxLength: 9 });
export const sensitive = fc
  .array(word, { minLength: 1, maxLength: 3 })
  .map((ws) => ws.join(' '))
  .filter((v) => v.replace(/ /g, '').length >= 4);
/** Filler never contains a letter, so it cannot make or break a match by itself. */
export const filler = fc.string({ unit: fc.constantFrom(' ', '.', ',', '\n', '1', '2', '(', ')', ':', '-'), maxLength: 20 });

export const LOOK_ALIKES: Record<string, string> = { a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у', i: 'і', s: 'ѕ' };
// A disguised value is a list of units, one per character a reader sees, so that disguises compose:
// an encoding replaces a unit, markup wraps one, and none cuts through another's escape.
type Units = string[];
const eachLetter =
  (f: (c: string, i: number) => string) =>
  (u: Units): Units =>
    u.map((c, i) => (c === ' ' ? c : f(c, i)));
const LETTER_DISGUISES: Record<string, (u: Units) => Units> = {
  upper: (u) => u.map((c) => c.toUpperCase()),
  title: (u) => u.map((c, i) => (i === 0 || u[i - 1] === ' ' ? c.toUpperCase() : c)),
  fullwidth: eachLetter((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)),
  lookAlikes: eachLetter((c) => LOOK_ALIKES[c] ?? c),
  accents: eachLetter((c) => `${c}\u0301`),
  softHyphens: eachLetter((c, i) => (i % 2 ? `\u00ad${c}` : c)),
  zeroWidth: eachLetter((c, i) => (i % 3 ? c : `${c}\u200b`)),
  hyphens: (u) => u.map((c) => (c === ' ' ? '-' : c)),
  breaks: (u) => u.map((c) => (c === ' ' ? '\n   ' : c)),
};
// At most one way of escaping characters, applied to plain letters only.
const ESCAPES: Record<string, (c: string) => string> = {
  entities: (c) => `&#${c.codePointAt(0)};`,
  hexEntities: (c) => `&#x${c.codePointAt(0)!.toString(16)};`,
  percent: (c) => encodeURIComponent(c).replace(/^[a-z]$/i, (l) => `%${l.charCodeAt(0).toString(16)}`),
};
export const DISGUISE_COUNT = Object.keys(LETTER_DISGUISES).length + Object.keys(ESCAPES).length + 1;

export interface Disguise {
  letters: string[];
  escape: string | undefined;
  markup: boolean;
}
export const disguise: fc.Arbitrary<Disguise> = fc.record({
  letters: fc.uniqueArray(fc.constantFrom(...Object.keys(LETTER_DISGUISES)), { maxLength: 3 }),
  escape: fc.option(fc.constantFrom(...Object.keys(ESCAPES)), { nil: undefined }),
  markup: fc.boolean(),
});
const ORDER = Object.keys(LETTER_DISGUISES);

/** The value written in the disguise. */
export function disguised(value: string, d: Disguise): string {
  let units: Units = [...value];
  for (const name of [...d.letters].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))) units = LETTER_DISGUISES[name]!(units);
  if (d.escape) units = units.map((c, i) => (i % 2 && /^[a-z]$/i.test(c) ? ESCAPES[d.escape!]!(c) : c));
  if (d.markup) units = units.map((c, i) => (i === 1 ? `<b>${c}</b>` : c));
  return units.join('');
}

export function describeDisguise(d: Disguise): string {
  return [...d.letters, d.escape ?? '', d.markup ? 'markup' : ''].filter(Boolean).join('+') || 'plain';
}
