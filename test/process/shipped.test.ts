import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkProfileText } from '../../src/process/lint.ts';
import { listShippedProfiles, loadProfile, loadShippedProfileText, parseProfile } from '../../src/process/loader.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { MINIMAL } from './fixtures.ts';

test('the shipped profiles are trusted-firmware and tock, named after their files', () => {
  const shipped = listShippedProfiles();
  assert.deepEqual(
    shipped.map((p) => p.id),
    ['tock', 'trusted-firmware'],
  );
  for (const { id } of shipped) assert.equal(loadProfile(id).id, id);
});

test('both shipped profiles pass schema and lint with zero problems, warnings included', () => {
  for (const { id, path } of listShippedProfiles()) {
    assert.deepEqual(checkProfileText(readFileSync(path, 'utf8'), path), [], id);
  }
});

test('the minimal test fixture is itself valid', () => {
  assert.deepEqual(checkProfileText(MINIMAL, 'minimal.yaml'), []);
});

test('Tock: severity Critical→P0→7 days, High→P1→14, Medium→P2→30, Low→P3→60', () => {
  const { severity } = loadProfile('tock');
  const days = (priority: string | undefined) => severity.priorities.find((p) => p.id === priority)?.resolutionDays;
  const table = severity.levels.map((l) => [l.name, l.priority, days(l.priority)]);
  assert.deepEqual(table, [
    ['Critical', 'P0', 7],
    ['High', 'P1', 14],
    ['Medium', 'P2', 30],
    ['Low', 'P3', 60],
  ]);
  assert.equal(severity.priorityRequired, true);
});

test('Tock: coordinator triage, 2 working days initial review, subsystem table, resolution by priority', () => {
  const tock = loadProfile('tock');
  assert.equal(tock.workflow.triage, 'coordinator');
  assert.equal(tock.workflow.assignment, 'subsystem-contacts');
  const review = tock.sla.find((r) => r.id === 'initial-review');
  assert.deepEqual(review?.duration, { amount: 2, unit: 'working-days' });
  assert.equal(review?.owner, 'triage-coordinator');
  assert.equal(tock.sla.find((r) => r.id === 'resolution')?.durationFrom, 'priority');
  assert.deepEqual(
    tock.subsystems.map((s) => s.name),
    ['Kernel', 'IPC', 'MPU', 'Drivers', 'Apps', 'Libraries', 'Hardware', 'Build'],
  );
  assert.deepEqual(tock.copyRules, [{ audience: 'reporter', cc: ['security'] }]);
  assert.equal(tock.intake.aliases.security?.address, 'security@{domain}');
  // Tock's process is one project's: the desk starts with it, and assignment uses its subsystem table.
  assert.deepEqual(tock.projects, [{ id: 'tock', name: 'Tock' }]);
});

test("no shipped profile names another team's lists: every alias takes the desk's own mail domain", () => {
  for (const { id } of listShippedProfiles()) {
    const profile = loadProfile(id);
    for (const [alias, a] of Object.entries(profile.intake.aliases)) {
      assert.match(a.address, /@\{domain\}$/, `${id}: alias ${alias} is ${a.address}`);
    }
    for (const rule of profile.copyRules)
      for (const cc of rule.cc) assert.ok(!cc.includes('@') || cc.endsWith('@{domain}'), `${id}: cc ${cc}`);
  }
});

test("TF: triage within 3 working days, Mon–Fri in the triager's time zone, of the initial report", () => {
  const tf = loadProfile('trusted-firmware');
  const triage = tf.sla.find((r) => r.id === 'triage');
  assert.ok(triage);
  assert.equal(triage.startsOn, 'report_received');
  assert.deepEqual(triage.duration, { amount: 3, unit: 'working-days' });
  assert.equal(triage.owner, 'triager');
  assert.deepEqual(triage.workingWeek, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], timeZone: 'owner' });
  assert.equal(tf.roles.triager?.team, 'central');
  assert.equal(tf.roles.triager?.filledBy, 'claim');
});

test('TF: project analysis within 7 days of receipt by the project team', () => {
  const analysis = loadProfile('trusted-firmware').sla.find((r) => r.id === 'project-analysis');
  assert.equal(analysis?.startsOn, 'project_received');
  assert.deepEqual(analysis?.duration, { amount: 7, unit: 'days' });
  assert.equal(analysis?.owner, 'incident-handler');
});

test('TF: claim triage, forward to project, hand-off, cc rules, sensitive defaults, key policy', () => {
  const tf = loadProfile('trusted-firmware');
  assert.equal(tf.incidentPrefix, 'TF');
  assert.deepEqual(
    { triage: tf.workflow.triage, assignment: tf.workflow.assignment, handOff: tf.workflow.singleProjectHandOff },
    { triage: 'claim', assignment: 'forward-to-project', handOff: true },
  );
  assert.equal(tf.intake.aliases.central?.address, 'security@{domain}');
  assert.equal(tf.intake.aliases.project?.address, '{project}-security@{domain}');
  assert.deepEqual(tf.projects, [], "TF's process names its projects only as <project>: an admin creates them");
  assert.deepEqual(tf.copyRules[0], { audience: 'reporter', stages: ['triage'], cc: ['central'] });
  assert.deepEqual(tf.copyRules[1]?.cc, ['project']);
  assert.deepEqual(tf.sensitive, {
    defaultFields: ['reporter_identity', 'reporter_organisation', 'product_information'],
    reporterMayMarkOthers: true,
  });
  assert.equal(tf.keyPolicy.newKeyMinSecurityBits, 128);
  assert.equal(tf.keyPolicy.existingKeyMinSecurityBits, 112);
  assert.deepEqual(tf.severity.scoring, ['cvss-3.1']);
  assert.equal(tf.severity.priorityRequired, false);
  assert.ok(tf.templates.rejection?.body.includes('{{reason}}'));
});

test('loaded profiles are deeply frozen: config is one immutable value', () => {
  const tf = loadProfile('trusted-firmware');
  assert.ok(Object.isFrozen(tf));
  assert.ok(Object.isFrozen(tf.sla[0]?.stopsOn));
  assert.throws(() => {
    (tf.sla as unknown as unknown[]).push({});
  }, TypeError);
});

test('parseProfile gives the same profile as loadProfile for shipped text', () => {
  const { profile, problems } = parseProfile(loadShippedProfileText('tock'), 'tock.yaml');
  assert.deepEqual(problems, []);
  assert.deepEqual(profile, loadProfile('tock'));
});

test('loadProfile refuses an unknown profile with not_found', () => {
  assert.throws(
    () => loadProfile('no-such-profile'),
    (e: unknown) => e instanceof EmbargoError && e.code === 'not_found',
  );
  assert.throws(
    () => loadShippedProfileText('nope'),
    (e: unknown) => e instanceof EmbargoError && e.code === 'not_found',
  );
});
