import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProfileText } from '../../src/process/lint.ts';
import { loadProfile, loadShippedProfileText, parseProfile } from '../../src/process/loader.ts';
import { rulesFromProfile } from '../../src/app/profile/from-profile.ts';
import { MINIMAL } from './fixtures.ts';

// How a profile turns a CVSS score into one of its severities (severity.levels[].cvssMin), and
// which CVSS version it prefers when an incident has both.

test('both shipped profiles map CVSS scores onto their severities by the qualitative scale', () => {
  for (const id of ['tock', 'trusted-firmware']) {
    const rules = rulesFromProfile(loadProfile(id), 'Team');
    assert.equal(rules.mapsCvss, true, id);
    const at = (score: number) => rules.severityForCvssScore(score);
    assert.deepEqual(
      [10, 9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(at),
      ['critical', 'critical', 'high', 'high', 'medium', 'medium', 'low', 'low', null],
      id,
    );
  }
  assert.deepEqual(rulesFromProfile(loadProfile('trusted-firmware'), 'TF').cvssPreference, ['3.1'], 'TF: "CVSSv3 is preferred"');
  assert.deepEqual(rulesFromProfile(loadProfile('tock'), 'Tock').cvssPreference, [], 'Tock names none');
});

test("a team's own bands decide, whatever order the levels are listed in", () => {
  const yaml = MINIMAL.replace(
    '    - { id: high, name: High }',
    '    - { id: minor, name: Minor, cvssMin: 0.1 }\n    - { id: major, name: Major, cvssMin: 6.0 }',
  );
  const { profile } = parseProfile(yaml, 'custom.yaml');
  assert.ok(profile);
  const rules = rulesFromProfile(profile, 'Team');
  assert.deepEqual(
    [6.5, 6.0, 5.9, 0.05].map((s) => rules.severityForCvssScore(s)),
    ['major', 'major', 'minor', null],
  );
  // Lint still asks for them from the highest band down, so people read the table the same way.
  assert.ok(checkProfileText(yaml, 'custom.yaml').some((p) => p.severity === 'error' && p.path === 'severity.levels[1].cvssMin'));
});

test('lint warns when a profile lists CVSS scoring but maps no score to a severity', () => {
  const noBands = loadShippedProfileText('trusted-firmware').replace(/, cvssMin: [0-9.]+ \}/g, ' }');
  assert.doesNotMatch(noBands, /cvssMin/);
  const problems = checkProfileText(noBands, 'tf.yaml');
  assert.deepEqual(
    problems.map((p) => [p.severity, p.path, p.message]),
    [['warning', 'severity.scoring', 'CVSS scoring is listed, but no severity level has cvssMin: CVSS scores cannot set the severity']],
  );
  const rules = rulesFromProfile(parseProfile(noBands, 'tf.yaml').profile!, 'TF');
  assert.equal(rules.mapsCvss, false);
  assert.equal(rules.severityForCvssScore(9.8), null);
  // Without scoring listed, no bands is simply a profile that does not score (the minimal fixture).
  assert.deepEqual(checkProfileText(MINIMAL, 'minimal.yaml'), []);
});
