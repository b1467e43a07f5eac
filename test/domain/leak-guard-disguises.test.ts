import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findLeaks, redact } from '../../src/domain/redaction.ts';
import { foldText } from '../../src/domain/text-fold.ts';
import { DISGUISE_COUNT, describeDisguise, disguise, disguised, filler, sensitive } from '../support/disguises.ts';

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
  const places = [...f.text].map((_, i) => i);
  assert.deepEqual(places.map(f.from), [0, 1, 6, 7]);
  assert.deepEqual(places.map(f.to), [1, 6, 7, 10]);
  // Plain ASCII keeps its places without a map, and folding the same text again gives the same.
  const plain = foldText('Jane DOE');
  assert.equal(plain.text, 'jane doe');
  assert.deepEqual([0, 7].map(plain.from), [0, 7]);
  assert.deepEqual([0, 7].map(plain.to), [1, 8]);
  assert.deepEqual(foldText('A&amp;Ｂ%41'), f);
});

// A property-based campaign: names built from random words are planted in random text, disguised
// in random combinations, and must always be found and always be removed by redaction.

test('property: a planted value in any combination of disguises is always found and always redacted', () => {
  let cases = 0;
  fc.assert(
    fc.property(sensitive, filler, filler, disguise, (value, before, after, d) => {
      cases++;
      const how = describeDisguise(d);
      const text = `${before} ${disguised(value, d)} ${after}`;
      assert.deepEqual(findLeaks(text, [value]), [value], `${how}: ${JSON.stringify(text)}`);
      assert.deepEqual(findLeaks(redact(text, [value]), [value]), [], `redacted ${how}: ${JSON.stringify(text)}`);
    }),
    { numRuns: 10_000 },
  );
  const kinds = DISGUISE_COUNT;
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
