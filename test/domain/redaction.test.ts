import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLeaks, redact, assertNoLeaks, maskSensitive, MIN_SENSITIVE_LENGTH } from '../../src/domain/redaction.ts';
import { EmbargoError } from '../../src/domain/errors.ts';

const EMAIL = 'jane.doe@example.org';
const VALUES = [EMAIL, 'Acme Widgets Ltd', 'Jane Doe'];

test('clean text has no leaks', () => {
  assert.deepEqual(findLeaks('A buffer overflow in the parser was fixed.', VALUES), []);
  assert.deepEqual(findLeaks('', VALUES), []);
  assert.deepEqual(findLeaks('anything', []), []);
});

test('exact, case-insensitive and whitespace-normalised matches', () => {
  assert.deepEqual(findLeaks('Reported by Jane Doe.', VALUES), ['Jane Doe']);
  assert.deepEqual(findLeaks('reported by JANE DOE', VALUES), ['Jane Doe']);
  assert.deepEqual(findLeaks('reported by jane\n  doe', VALUES), ['Jane Doe']);
  assert.deepEqual(findLeaks('reported by jane\tdoe', VALUES), ['Jane Doe']);
  assert.deepEqual(findLeaks('reported by jane\u00a0doe', VALUES), ['Jane Doe']);
  assert.deepEqual(findLeaks('from ACME widgets\r\nltd', VALUES), ['Acme Widgets Ltd']);
  assert.deepEqual(findLeaks('x', ['  Acme   Widgets  ']), []);
  assert.deepEqual(findLeaks('acme widgets', ['  Acme   Widgets  ']), ['  Acme   Widgets  ']);
  // Inside a longer word still counts: better a false alarm than a leak.
  assert.deepEqual(findLeaks('see acmewidgetsltd.example', ['acmewidgetsltd']), ['acmewidgetsltd']);
  // Not the same words though.
  assert.deepEqual(findLeaks('Jane and Doe', VALUES), []);
  assert.deepEqual(findLeaks('JaneDoe', VALUES), []);
});

test('results come back once each, as given, in the order given', () => {
  const text = 'Jane Doe <jane.doe@example.org> of Acme Widgets Ltd; again Jane Doe';
  assert.deepEqual(findLeaks(text, VALUES), VALUES);
  assert.deepEqual(findLeaks(text, ['Jane Doe', 'jane doe', 'JANE  DOE']), ['Jane Doe']);
});

test('values shorter than 4 characters are ignored', () => {
  assert.equal(MIN_SENSITIVE_LENGTH, 4);
  assert.deepEqual(findLeaks('the box is on the ACM site', ['ACM', 'box', ' ab ', '']), []);
  assert.deepEqual(findLeaks('ACME', ['ACME']), ['ACME']);
  assert.deepEqual(findLeaks('x', [undefined as unknown as string, null as unknown as string]), []);
});

test('regex metacharacters in values are literal', () => {
  assert.deepEqual(findLeaks('product Foo++ (v2.0) [beta]', ['Foo++ (v2.0) [beta]']), ['Foo++ (v2.0) [beta]']);
  assert.deepEqual(findLeaks('product Fooo (v2x0)', ['Foo+ (v2.0)']), []);
  assert.deepEqual(findLeaks('path C:\\Users\\jdoe\\x', ['C:\\Users\\jdoe']), ['C:\\Users\\jdoe']);
  assert.deepEqual(findLeaks('a $^|/ b', ['$^|/']), ['$^|/']);
});

test('e-mail addresses in disguise', () => {
  const disguised = [
    'jane.doe@example.org',
    'JANE.DOE@EXAMPLE.ORG',
    'jane.doe @ example.org',
    'jane.doe at example.org',
    'jane.doe AT example DOT org',
    'jane dot doe at example dot org',
    'jane.doe [at] example [dot] org',
    'jane.doe(at)example(dot)org',
    'jane.doe (at) example.org',
    'jane.doe {at} example.org',
    'jane.doe <at> example.org',
    'jane.doe-at-example.org',
    'jane.doe%40example.org',
    'mailto:jane.doe%40example%2Eorg',
    'jane.doe&#64;example.org',
    'jane.doe&#x40;example.org',
    'jane.doe＠example.org',
    'jane.doe\nat\nexample.org',
  ];
  for (const text of disguised) assert.deepEqual(findLeaks(`contact: ${text}.`, [EMAIL]), [EMAIL], text);
  const different = [
    'jane.doe@example.com',
    'jane@example.org',
    'jane.doe example.org',
    'jane.doeat example.org',
    'john.doe at example.org',
  ];
  for (const text of different) assert.deepEqual(findLeaks(text, [EMAIL]), [], text);
});

test('redact replaces every occurrence in every form', () => {
  assert.equal(redact('Jane Doe (jane.doe at example dot org) from ACME Widgets Ltd', VALUES), '[redacted] ([redacted]) from [redacted]');
  assert.equal(redact('jane\ndoe and JANE DOE', ['Jane Doe'], '***'), '*** and ***');
  assert.equal(redact('nothing here', VALUES), 'nothing here');
  assert.equal(redact('ab ab', ['ab']), 'ab ab');
});

test('redact merges overlapping values into one replacement', () => {
  assert.equal(redact('Alice Smith Corp', ['Alice Smith', 'Smith Corp']), '[redacted]');
  assert.equal(redact('xx aaaaa xx', ['aaaa']), 'xx [redacted] xx');
  assert.equal(redact('Acme Widgets Ltd', ['Acme Widgets', 'Acme Widgets Ltd']), '[redacted]');
  assert.equal(redact('Acme Widgets', ['Acme Widgets Ltd', 'Acme']), '[redacted] Widgets');
});

test('after redact, findLeaks finds nothing', () => {
  const texts = [
    'Jane Doe <jane.doe@example.org>, Acme Widgets Ltd, jane dot doe at example dot org, JANE\nDOE',
    'jane.doe(at)example(dot)org and jane.doe%40example.org',
    'Alice Smith Corp and Smith Corporation',
  ];
  const values = [...VALUES, 'Alice Smith', 'Smith Corp'];
  for (const t of texts) assert.deepEqual(findLeaks(redact(t, values), values), [], t);
});

test('Unicode: compared in NFC; case-insensitive beyond ASCII', () => {
  const composed = 'Zoë Müller';
  const decomposed = 'Zoe\u0308 Mu\u0308ller';
  assert.deepEqual(findLeaks(`by ${decomposed}`, [composed]), [composed]);
  assert.deepEqual(findLeaks(`by ${composed}`, [decomposed]), [decomposed]);
  assert.deepEqual(findLeaks('by ZOË MÜLLER', [composed]), [composed]);
  assert.equal(redact(`by ${decomposed}!`, [composed]), 'by [redacted]!');
});

test('assertNoLeaks throws leak_blocked without repeating the values', () => {
  assert.doesNotThrow(() => assertNoLeaks('clean', VALUES));
  assert.throws(
    () => assertNoLeaks('to jane.doe at example.org from Jane Doe', VALUES, 'The advisory'),
    (e: unknown) =>
      e instanceof EmbargoError &&
      e.code === 'leak_blocked' &&
      e.message.startsWith('The advisory contains 2 sensitive values') &&
      e.details.length === 2 &&
      !JSON.stringify({ m: e.message, d: e.details }).toLowerCase().includes('doe'),
  );
  assert.equal(maskSensitive('Jane Doe'), 'J… (8 characters)');
});
