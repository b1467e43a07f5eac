import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProfileText } from '../../src/process/lint.ts';
import { loadProfile } from '../../src/process/loader.ts';
import { rulesFromProfile } from '../../src/app/profile/from-profile.ts';
import { MINIMAL } from './fixtures.ts';

// The remediation checklist and the status update's states as profile data: the shipped profiles
// name them from their processes, and the linter checks them like every other part.

const brief = (text: string) =>
  checkProfileText(text, 'p.yaml').map(({ line, column, path, severity, message }) => ({ line, column, path, severity, message }));

test("Tock's checklist is §3's remediation steps with §4.4's and §5's release steps; its status update states are the template's", () => {
  const rules = rulesFromProfile(loadProfile('tock'), 'Tock');
  assert.deepEqual(
    rules.remediationChecklist.map((i) => [i.id, i.stage]),
    [
      ['private-branch', 'Remediation development'],
      ['code-review', 'Remediation development'],
      ['validate', 'Remediation development'],
      ['document', 'Remediation development'],
      ['release-notes', 'Remediation development'],
      ['patched-release', 'Public disclosure preparation'],
      ['merge', 'Release and disclosure'],
      ['release', 'Release and disclosure'],
    ],
  );
  assert.deepEqual(rules.statusStates, ['Assessment', 'In Development', 'Testing', 'Preparing Release']);
});

test("TF's checklist is the fix available, shared and public (P6, P8); its status updates are free text", () => {
  const rules = rulesFromProfile(loadProfile('trusted-firmware'), 'TF');
  assert.deepEqual(
    rules.remediationChecklist.map((i) => i.id),
    ['fix-available', 'fix-shared', 'fix-public'],
  );
  assert.deepEqual(rules.statusStates, []);
});

test('a checklist item in an unknown stage, a duplicate item, a state listed twice and an empty list are each reported where they are', () => {
  const text = `${MINIMAL}remediation:
  checklist:
    - { id: fix, name: Fix it, stage: triage }
    - { id: fix, name: Fix it again, stage: triaje }
statusUpdates:
  states: [Testing, testing]
`;
  const lines = text.split('\n').length;
  assert.deepEqual(brief(text), [
    { line: lines - 3, column: 13, path: 'remediation.checklist[1].id', severity: 'error', message: 'duplicate checklist item id "fix"' },
    {
      line: lines - 3,
      column: 45,
      path: 'remediation.checklist[1].stage',
      severity: 'error',
      message: 'unknown stage "triaje"; did you mean "triage"?',
    },
    { line: lines - 1, column: 21, path: 'statusUpdates.states[1]', severity: 'error', message: 'the state "testing" is listed twice' },
  ]);
  const empty = brief(`${MINIMAL}remediation:\n  checklist: []\nstatusUpdates:\n  states: []\n`);
  assert.deepEqual(
    empty.map((p) => p.message),
    ['list at least one item, or leave remediation out', 'list at least one state, or leave statusUpdates out'],
  );
  assert.deepEqual(
    brief(`${MINIMAL}remediation:\n  checklist:\n    - { id: fix, name: Fix it, owner: kim }\n`).map((p) => p.message),
    ['unknown key "owner"'],
  );
});
