import './support/no-network.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cvssJson, describeCvss, isCvssVector, parseCvss } from '../../src/domain/cvss.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { severityFromCvssScore } from '../../src/domain/severity.ts';

// The public test vectors of the RedHatProductSecurity/cvss library (see ../shared/data/cvss/SOURCE.txt),
// read from the shared folder beside the repository. If the folder is missing, readFileSync throws and
// the tests fail: they never skip.
const data = (name: string) => new URL(`../../../shared/data/cvss/${name}`, import.meta.url);

function vectors(name: string): { vector: string; expected: number[] }[] {
  const text = readFileSync(data(name), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [vector, scores] = line.split(' - ');
      assert.ok(vector && scores, `malformed line in ${name}: ${line}`);
      const expected = scores
        .replace(/[()]/g, '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(Number);
      assert.ok(expected.length > 0 && expected.every(Number.isFinite), `malformed scores in ${name}: ${line}`);
      return { vector: vector.trim(), expected };
    });
}

test('CVSS 3.1: every vector of vectors_simple31 scores its expected base score (≥ 2,000 vectors)', () => {
  const cases = vectors('vectors_simple31.txt');
  assert.ok(cases.length >= 2000, `only ${cases.length} vectors`);
  const wrong: string[] = [];
  for (const { vector, expected } of cases) {
    const s = parseCvss(vector);
    assert.equal(s.version, '3.1');
    if (s.baseScore !== expected[0] || s.baseSeverity !== severityFromCvssScore(expected[0]!)) {
      wrong.push(`${vector}: got ${s.baseScore} ${s.baseSeverity}, expected ${expected[0]}`);
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} disagree`);
});

test('CVSS 4.0: every vector of vectors_simple4 and vectors_supplemental4 scores its expected score (≥ 1,000 vectors)', () => {
  const cases = [...vectors('vectors_simple4.txt'), ...vectors('vectors_supplemental4.txt')];
  assert.ok(cases.length >= 1000, `only ${cases.length} vectors`);
  const wrong: string[] = [];
  for (const { vector, expected } of cases) {
    const s = parseCvss(vector);
    assert.equal(s.version, '4.0');
    if (s.score !== expected[0] || s.severity !== severityFromCvssScore(expected[0]!)) {
      wrong.push(`${vector}: got ${s.score} ${s.severity}, expected ${expected[0]}`);
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} disagree`);
});

test('qualitative severity and score groups', () => {
  const critical = parseCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
  assert.deepEqual(
    { score: critical.score, severity: critical.severity, nomenclature: critical.nomenclature },
    { score: 9.8, severity: 'critical', nomenclature: 'base' },
  );
  assert.equal(describeCvss(critical), '9.8 critical (CVSS 3.1 base)');

  const temporal = parseCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R');
  assert.equal(temporal.baseScore, 9.8);
  assert.equal(temporal.temporalScore, 8.2); // 9.8 × 0.91 × 0.95 × 0.96, rounded up
  assert.equal(temporal.score, 8.2);
  assert.equal(temporal.severity, 'high');

  const none = parseCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N');
  assert.equal(none.severity, 'none');

  const bt = parseCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U');
  assert.equal(bt.nomenclature, 'CVSS-BT');
  assert.equal(bt.baseScore, 9.3);
  assert.equal(bt.score, 8.1);
  assert.equal(bt.threatScore, 8.1);
  assert.equal(bt.severity, 'high');
  assert.equal(bt.baseSeverity, 'critical');
});

test('vectors are normalised: CVSS 3.1 metrics in any order come out in the specification order', () => {
  const s = parseCvss('  CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U  ');
  assert.equal(s.vector, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
});

test('invalid vectors are refused with a ValidationError naming each problem', () => {
  const bad: [string, RegExp][] = [
    ['', /starts with "CVSS:3\.1\/" or "CVSS:4\.0\/"/],
    ['garbage', /starts with/],
    ['CVSS:3.1', /no metrics/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /missing base metric A/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L', /A appears more than once/],
    ['CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /AV:X is not a valid value|base metric AV must be defined/],
    ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /AV:Q is not a valid value/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:1', /unknown metric "XX"/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/', /is not METRIC:VALUE/],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /CVSS 3\.0 is not supported/],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', /not supported/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', /missing base metric SA/],
    ['CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', /out of order/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:Q', /MSI:Q is not a valid value/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:clear', /U:clear is not a valid value/],
  ];
  for (const [vector, message] of bad) {
    assert.throws(
      () => parseCvss(vector),
      (e: unknown) => e instanceof ValidationError && e.code === 'validation_failed' && message.test(e.message) && e.details.length > 0,
      vector,
    );
    assert.equal(isCvssVector(vector), false, vector);
  }
  assert.throws(
    () => parseCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L', 'cvss[1]'),
    (e: ValidationError) => e.details.every((d) => d.path === 'cvss[1]'),
  );
});

test('FIRST JSON objects: CVSS 3.1 and 4.0 with our vector and scores', () => {
  const v31 = cvssJson(parseCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N/E:P'));
  assert.equal(v31.version, '3.1');
  assert.equal(v31.vectorString, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N/E:P');
  assert.equal(v31.baseScore, 8.2);
  assert.equal(v31.baseSeverity, 'HIGH');
  assert.equal(v31.attackVector, 'NETWORK');
  assert.equal(v31.scope, 'CHANGED');
  assert.equal(v31.exploitCodeMaturity, 'PROOF_OF_CONCEPT');
  assert.equal(v31.temporalScore, 7.8);
  assert.equal(v31.environmentalScore, undefined);

  const v40 = cvssJson(parseCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U'));
  assert.equal(v40.version, '4.0');
  assert.equal(v40.baseScore, 9.3); // the base metrics' score; the vector carries E:U
  assert.equal(v40.baseSeverity, 'CRITICAL');
  assert.equal(v40.exploitMaturity, 'UNREPORTED');
});
