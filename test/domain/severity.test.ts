import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SEVERITIES,
  severityFromCvssScore,
  priorityFor,
  resolutionDaysFor,
  levelFor,
  levelForPriority,
  validateSeverityMapping,
  parseSeverity,
  compareSeverity,
  isSeverity,
  type SeverityMapping,
  type Severity,
} from '../../src/domain/severity.ts';
import { ValidationError } from '../../src/domain/errors.ts';

// Tock's table, as a process profile would pass it in.
const TOCK: SeverityMapping = [
  { severity: 'critical', priority: 'P0', resolutionDays: 7 },
  { severity: 'high', priority: 'P1', resolutionDays: 14 },
  { severity: 'medium', priority: 'P2', resolutionDays: 30 },
  { severity: 'low', priority: 'P3', resolutionDays: 60 },
];

test('severity → priority → resolution days from the mapping', () => {
  const expected: [Severity, string, number][] = [
    ['critical', 'P0', 7],
    ['high', 'P1', 14],
    ['medium', 'P2', 30],
    ['low', 'P3', 60],
  ];
  for (const [s, p, d] of expected) {
    assert.equal(priorityFor(s, TOCK), p);
    assert.equal(resolutionDaysFor(s, TOCK), d);
    assert.deepEqual(levelFor(s, TOCK), { severity: s, priority: p, resolutionDays: d });
    assert.equal(levelForPriority(p, TOCK).severity, s);
  }
  assert.throws(() => priorityFor('none', TOCK), ValidationError);
  assert.throws(() => levelForPriority('P4', TOCK), ValidationError);
});

test('a different profile gives different answers (nothing hardcoded)', () => {
  const other: SeverityMapping = [
    { severity: 'critical', priority: 'urgent', resolutionDays: 3 },
    { severity: 'low', priority: 'whenever', resolutionDays: 90 },
  ];
  assert.equal(priorityFor('critical', other), 'urgent');
  assert.equal(resolutionDaysFor('low', other), 90);
  assert.throws(() => priorityFor('high', other), ValidationError);
});

test('validateSeverityMapping accepts Tock and refuses broken tables with all problems listed', () => {
  assert.equal(validateSeverityMapping(TOCK), TOCK);
  assert.throws(() => validateSeverityMapping([]), ValidationError);
  const check = (mapping: unknown, count: number) =>
    assert.throws(
      () => validateSeverityMapping(mapping as SeverityMapping),
      (e: unknown) => e instanceof ValidationError && e.details.length === count,
      JSON.stringify(mapping),
    );
  check([{ severity: 'severe', priority: 'P0', resolutionDays: 7 }], 1);
  check(
    [
      { severity: 'high', priority: 'P0', resolutionDays: 7 },
      { severity: 'high', priority: 'P1', resolutionDays: 7 },
    ],
    1,
  );
  check(
    [
      { severity: 'high', priority: 'P0', resolutionDays: 7 },
      { severity: 'low', priority: 'P0', resolutionDays: 9 },
    ],
    1,
  );
  check([{ severity: 'high', priority: '', resolutionDays: 0 }], 2);
  check([{ severity: 'high', priority: 'P1', resolutionDays: 1.5 }], 1);
  // More severe must not get longer than less severe.
  check(
    [
      { severity: 'critical', priority: 'P0', resolutionDays: 30 },
      { severity: 'low', priority: 'P3', resolutionDays: 7 },
    ],
    1,
  );
  assert.doesNotThrow(() =>
    validateSeverityMapping([
      { severity: 'high', priority: 'P1', resolutionDays: 14 },
      { severity: 'medium', priority: 'P2', resolutionDays: 14 },
    ]),
  );
});

test('severityFromCvssScore follows the CVSS qualitative scale at every boundary', () => {
  const cases: [number, Severity][] = [
    [0, 'none'],
    [0.1, 'low'],
    [1, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [5.5, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.8, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [9.8, 'critical'],
    [10.0, 'critical'],
  ];
  for (const [score, sev] of cases) assert.equal(severityFromCvssScore(score), sev, String(score));
  // Every one-decimal score from 0.0 to 10.0.
  for (let tenths = 0; tenths <= 100; tenths++) {
    const s = tenths / 10;
    const expected: Severity = tenths === 0 ? 'none' : tenths < 40 ? 'low' : tenths < 70 ? 'medium' : tenths < 90 ? 'high' : 'critical';
    assert.equal(severityFromCvssScore(s), expected, String(s));
  }
  for (const bad of [-0.1, 10.1, Number.NaN, Number.POSITIVE_INFINITY, '7' as unknown as number]) {
    assert.throws(() => severityFromCvssScore(bad), ValidationError, String(bad));
  }
});

test('parseSeverity, isSeverity and ordering', () => {
  assert.deepEqual(SEVERITIES, ['none', 'low', 'medium', 'high', 'critical']);
  assert.equal(parseSeverity('Critical'), 'critical');
  assert.equal(parseSeverity(' HIGH '), 'high');
  assert.throws(() => parseSeverity('severe'), ValidationError);
  assert.equal(isSeverity('medium'), true);
  assert.equal(isSeverity('Medium'), false);
  assert.ok(compareSeverity('critical', 'high') > 0);
  assert.ok(compareSeverity('low', 'medium') < 0);
  assert.equal(compareSeverity('low', 'low'), 0);
});
