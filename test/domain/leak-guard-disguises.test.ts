import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findLeaks, redact } from '../../src/domain/redaction.ts';
import { foldText } from '../../src/domain/text-fold.ts';

// The ways a sensitive value gets written so that a person still reads it but a plain comparison
// does not: each must be found by the leak guard and removed by redaction.

const NAME = 'Jane Doe';

test('the reporter name written in the ways that got past the guard before is found', () => {
  const disguised = {
    'soft hyphen': 'Ja\u00adne Doe',
    'zero-width space': 'Jane\u200b Do\u200be',
    'zero-width joiner and word joiner': 'J\u200dane D\u2060oe',
    'fullwidth letters': 'Ｊａｎｅ Ｄｏｅ',
    'hyphen for the space': 'Jane-Doe',
    'underscore for the space': 'jane_doe',
    'dot for the space': 'Jane.Doe',
    'Cyrillic look-alikes': 'Jаnе Dое',
    'Greek look-alikes': 'Jane Dοe',
    'mathematical letters': '𝐉𝐚𝐧𝐞 𝐃𝐨𝐞',
    accents: 'Jâné Döé',
    'combining accents': 'Jane\u0301 Doe\u0308',
    'HTML entities': '&#74;ane&nbsp;D&#x6f;e',
    'named entity for the space': 'Jane&nbsp;Doe',
    'percent-encoding': 'Jane%20Doe',
    'markup inside the word': 'Ja<b>ne</b> <i>Doe</i>',
    'markup between the words': 'Jane<br>Doe',
    'line break and indentation': 'Jane\n    Doe',
  };
  for (const [how, text] of Object.entries(disguised)) {
    assert.deepEqual(findLeaks(`Thanks to ${text} for the report.`, [NAME]), [NAME], how);
    assert.deepEqual(findLeaks(redact(`Thanks to ${text} for the report.`, [NAME]), [NAME]), [], `${how}: redacted`);
  }
});

test('a value with accents is found without them, and an address behind markup or entities too', () => {
  assert.deepEqual(findLeaks('by Zoe Muller', ['Zoë Müller']), ['Zoë Müller']);
  assert.deepEqual(findLeaks('From: Jane <jane.doe@example.org>', ['jane.doe@example.org']), ['jane.doe@example.org']);
  assert.deepEqual(findLeaks('jane.doe&#x40;example&#46;org', ['jane.doe@example.org']), ['jane.doe@example.org']);
  assert.deepEqual(findLeaks('ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ', ['jane.doe@example.org']), ['jane.doe@example.org']);
});

test('redaction replaces exactly the characters that spelled the value, whatever their disguise', () => {
  assert.equal(redact('Thanks to Ja\u00adne D&#x6f;e!', [NAME], '[reporter]'), 'Thanks to [reporter]!');
  assert.equal(redact('Hi Ｊａｎｅ Ｄｏｅ, hi', [NAME], '[reporter]'), 'Hi [reporter], hi');
  assert.equal(redact('<p>Ja<b>ne</b> Doe</p>', [NAME], '[reporter]'), '<p>[reporter]</p>');
});

test('folding keeps, for every folded character, the original characters it came from', () => {
  const f = foldText('A&amp;Ｂ%41');
  assert.equal(f.text, 'a&ba');
  assert.deepEqual([...f.from], [0, 1, 6, 7]);
  assert.deepEqual([...f.to], [1, 6, 7, 10]);
});

// A property-based campaign: names built from random words are planted in random text, disguised
// in random combinations, and must always be found and always be removed by redaction.

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const word = fc.string({ unit: fc.constantFrom(...LETTERS), minLength: 2, maxLength: 9 });
const sensitive = fc
  .array(word, { minLength: 1, maxLength: 3 })
  .map((ws) => ws.join(' '))
  .filter((v) => v.replace(/ /g, '').length >= 4);
// Filler never contains a letter, so it cannot make or break a match by itself.
const filler = fc.string({ unit: fc.constantFrom(' ', '.', ',', '\n', '1', '2', '(', ')', ':', '-'), maxLength: 20 });

const LOOK_ALIKES: Record<string, string> = { a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у', i: 'і', s: 'ѕ' };
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
const disguise = fc.record({
  letters: fc.uniqueArray(fc.constantFrom(...Object.keys(LETTER_DISGUISES)), { maxLength: 3 }),
  escape: fc.option(fc.constantFrom(...Object.keys(ESCAPES)), { nil: undefined }),
  markup: fc.boolean(),
});
const ORDER = Object.keys(LETTER_DISGUISES);

test('property: a planted value in any combination of disguises is always found and always redacted', () => {
  let cases = 0;
  fc.assert(
    fc.property(sensitive, filler, filler, disguise, (value, before, after, d) => {
      cases++;
      let units: Units = [...value];
      for (const name of [...d.letters].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))) units = LETTER_DISGUISES[name]!(units);
      if (d.escape) units = units.map((c, i) => (i % 2 && /^[a-z]$/i.test(c) ? ESCAPES[d.escape!]!(c) : c));
      if (d.markup) units = units.map((c, i) => (i === 1 ? `<b>${c}</b>` : c));
      const how = [...d.letters, d.escape ?? '', d.markup ? 'markup' : ''].filter(Boolean).join('+');
      const text = `${before} ${units.join('')} ${after}`;
      assert.deepEqual(findLeaks(text, [value]), [value], `${how}: ${JSON.stringify(text)}`);
      assert.deepEqual(findLeaks(redact(text, [value]), [value]), [], `redacted ${how}: ${JSON.stringify(text)}`);
    }),
    { numRuns: 10_000 },
  );
  const kinds = Object.keys(LETTER_DISGUISES).length + Object.keys(ESCAPES).length + 1;
  console.log(`leak guard campaign: ${cases} planted values, ${kinds} disguises in combination, 0 missed`);
});

test('property: text that does not contain the value is not flagged', () => {
  fc.assert(
    fc.property(sensitive, filler, (value, text) => {
      assert.deepEqual(findLeaks(text, [value]), []);
      assert.equal(redact(text, [value]), text.normalize('NFC'));
    }),
    { numRuns: 2_000 },
  );
});
