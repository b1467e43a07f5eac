// Reminder leads and escalation targets of SLA rules: the shipped profiles' choices, and the linter's
// findings on them, each at its line and column. Line numbers refer to the MINIMAL fixture after the
// edits shown: the two new keys go after line 28 ("    owner: triager"), on lines 29 and 30.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProfileText } from '../../src/process/lint.ts';
import { loadProfile, loadShippedProfileText, parseProfile } from '../../src/process/loader.ts';
import type { Problem } from '../../src/process/problems.ts';
import { rulesFromProfile } from '../../src/app/profile/from-profile.ts';
import { MINIMAL, edit } from './fixtures.ts';

function brief(problems: Problem[]) {
  return problems.map(({ line, column, path, severity, message }) => ({ line, column, path, severity, message }));
}

const withKeys = (...lines: string[]) =>
  edit(MINIMAL, '    owner: triager\n', `    owner: triager\n${lines.map((l) => `    ${l}\n`).join('')}`);

test('shipped profiles: reminders and escalation targets as the processes say', () => {
  const tf = loadProfile('trusted-firmware');
  const pick = (p: typeof tf) => Object.fromEntries(p.sla.map((r) => [r.id, { remindBefore: r.remindBefore, escalateTo: r.escalateTo }]));
  assert.deepEqual(pick(tf), {
    triage: { remindBefore: { amount: 1, unit: 'working-days' }, escalateTo: ['central-team'] },
    'project-analysis': { remindBefore: { amount: 48, unit: 'hours' }, escalateTo: ['project-team', 'triage-role'] },
  });
  assert.deepEqual(pick(loadProfile('tock')), {
    'initial-review': { remindBefore: { amount: 1, unit: 'working-days' }, escalateTo: ['central-team'] },
    assignment: { remindBefore: { amount: 1, unit: 'working-days' }, escalateTo: ['central-team'] },
    resolution: { remindBefore: undefined, escalateTo: ['secondary-contact'] },
  });
  for (const id of ['trusted-firmware', 'tock']) {
    assert.deepEqual(checkProfileText(loadShippedProfileText(id), `${id}.yaml`), [], `${id} lints clean`);
  }
});

test('the use cases see the defaults: no remindBefore means the desk default, no escalateTo the central team', () => {
  const rules = rulesFromProfile(loadProfile('tock'), 'Tock');
  assert.equal(rules.clockRule('resolution')?.remindBefore, null);
  assert.deepEqual(rules.clockRule('resolution')?.escalateTo, ['secondary-contact']);
  assert.equal(rules.clockRule('initial-review')?.ownerTeam, 'central');
  assert.equal(rules.clockRule('initial-review')?.ownerDuty, 'triage');
  const tf = rulesFromProfile(loadProfile('trusted-firmware'), 'TF');
  assert.equal(tf.clockRule('project-analysis')?.ownerTeam, 'project');
  assert.equal(tf.clockRule('project-analysis')?.ownerDuty, 'handler');
  const { profile } = parseProfile(MINIMAL, 'minimal.yaml');
  const plain = rulesFromProfile(profile!, 'Minimal').clockRule('triage');
  assert.equal(plain?.remindBefore, null);
  assert.deepEqual(plain?.escalateTo, ['central-team']);
});

test('a bad unit, amount or target is a located schema error', () => {
  const problems = checkProfileText(withKeys('remindBefore: { amount: 0, unit: days }', 'escalateTo: [central-team, everyone]'), 'x.yaml');
  assert.deepEqual(brief(problems), [
    { line: 29, column: 29, path: 'sla[0].remindBefore.amount', severity: 'error', message: 'Too small: expected number to be >0' },
    { line: 29, column: 38, path: 'sla[0].remindBefore.unit', severity: 'error', message: '"days" is not one of hours, working-days' },
    {
      line: 30,
      column: 32,
      path: 'sla[0].escalateTo[1]',
      severity: 'error',
      message: '"everyone" is not one of central-team, project-team, secondary-contact, triage-role',
    },
  ]);
  assert.deepEqual(brief(checkProfileText(withKeys('escalateTo: []'), 'x.yaml')), [
    {
      line: 29,
      column: 17,
      path: 'sla[0].escalateTo',
      severity: 'error',
      message: 'name at least one escalation target, or leave escalateTo out',
    },
  ]);
});

test('lint: secondary-contact without subsystem contacts, the owner as its own backup, a duplicate target, a lead as long as the clock', () => {
  const problems = checkProfileText(
    withKeys('remindBefore: { amount: 3, unit: working-days }', 'escalateTo: [secondary-contact, triage-role, secondary-contact]'),
    'x.yaml',
  );
  assert.deepEqual(brief(problems), [
    {
      line: 29,
      column: 19,
      path: 'sla[0].remindBefore',
      severity: 'warning',
      message:
        'the reminder lead (3 working-days) is not shorter than the clock (3 working-days): the reminder goes out as soon as the clock starts',
    },
    {
      line: 30,
      column: 18,
      path: 'sla[0].escalateTo[0]',
      severity: 'error',
      message: '"secondary-contact" needs "subsystem-contacts" assignment; with "forward-to-project" there are no subsystem contacts',
    },
    {
      line: 30,
      column: 37,
      path: 'sla[0].escalateTo[1]',
      severity: 'warning',
      message: '"triage-role" is the clock\'s own owner role ("triager"); the owner is never their own backup, so this target adds no one',
    },
    {
      line: 30,
      column: 50,
      path: 'sla[0].escalateTo[2]',
      severity: 'error',
      message: '"secondary-contact" needs "subsystem-contacts" assignment; with "forward-to-project" there are no subsystem contacts',
    },
    { line: 30, column: 50, path: 'sla[0].escalateTo[2]', severity: 'warning', message: '"secondary-contact" is listed twice' },
  ]);
});

test('lint: hours are compared with calendar days; a shorter lead is fine', () => {
  const days = (lead: string) => edit(withKeys(lead), '{ amount: 3, unit: working-days }', '{ amount: 2, unit: days }');
  assert.deepEqual(
    brief(checkProfileText(days('remindBefore: { amount: 48, unit: hours }'), 'x.yaml')).map((p) => p.message),
    ['the reminder lead (48 hours) is not shorter than the clock (2 days): the reminder goes out as soon as the clock starts'],
  );
  assert.deepEqual(checkProfileText(days('remindBefore: { amount: 47, unit: hours }'), 'x.yaml'), []);
  assert.deepEqual(
    checkProfileText(withKeys('remindBefore: { amount: 2, unit: working-days }', 'escalateTo: [project-team, central-team]'), 'x.yaml'),
    [],
  );
});
