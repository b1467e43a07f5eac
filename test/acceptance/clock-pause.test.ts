import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { loadShippedProfileText } from '../../src/process/loader.ts';

// A team whose process lets the triage clock pause while it waits for the reporter.

let h: Harness;
let admin: Member, tom: Member;

before(async () => {
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  const edited = loadShippedProfileText('trusted-firmware').replace(
    '    stopsOn: [report_accepted, report_rejected]\n',
    '    stopsOn: [report_accepted, report_rejected]\n    pausesOn: [waiting_for_reporter]\n    resumesOn: [reporter_replied]\n',
  );
  assert.notEqual(edited, loadShippedProfileText('trusted-firmware'));
  const r = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: edited } });
  assert.equal(r.status, 200, r.body);
});
after(() => h.close());

test('the triage clock pauses while waiting for the reporter and resumes, due later by the pause', async () => {
  h.clock.set('2026-11-23T09:00:00Z'); // Monday, London
  const sub = await api(h, 'POST', '/api/reports', { body: sampleReport });
  const reportId = sub.json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.deadlines.at(-1).dueAt, '2026-11-27T00:00:00.000Z'); // end of Thursday

  h.clock.set('2026-11-24T10:00:00Z');
  const ask = await api(h, 'POST', `/api/reports/${reportId}/replies`, {
    as: tom,
    body: { body: 'Which board revision did you use?', waitForReporter: true },
  });
  assert.equal(ask.status, 200, ask.body);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  const paused = view.deadlines.filter((d: any) => !d.stoppedAt);
  assert.equal(paused.length, 1);
  assert.equal(paused[0].pausedAt, '2026-11-24T10:00:00.000Z');
  const queue = (await api(h, 'GET', '/api/queue', { as: tom })).json;
  assert.equal(queue.reports.find((r: any) => r.reportId === reportId).dueAt, null, 'a paused clock is not due');

  h.clock.set('2026-11-26T10:00:00Z'); // two days later
  const answer = await api(h, 'POST', `/api/reporter/${sub.json.statusToken}/messages`, { body: { body: 'Revision C.' } });
  assert.equal(answer.status, 201, answer.body);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  const running = view.deadlines.filter((d: any) => !d.stoppedAt);
  assert.equal(running.length, 1);
  assert.equal(running[0].pausedAt, null);
  assert.equal(running[0].dueAt, '2026-11-29T00:00:00.000Z', 'due later by the 48 hours it was paused');
  const old = view.deadlines.find((d: any) => d.stopReason?.includes('paused'));
  assert.match(old.stopReason, /^reassigned: paused from 2026-11-24T10:00:00.000Z until reporter_replied$/);

  // A reply that does not wait leaves the clock running.
  await api(h, 'POST', `/api/reports/${reportId}/replies`, { as: tom, body: { body: 'Thanks, looking into it.' } });
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.deadlines.filter((d: any) => !d.stoppedAt && !d.pausedAt).length, 1);
});

test('the shipped profiles do not pause: their processes do not say so', async () => {
  for (const id of ['trusted-firmware', 'tock']) assert.doesNotMatch(loadShippedProfileText(id), /pausesOn/);
});

test('a profile that pauses without resuming, or on an unknown event, is refused with its location', async () => {
  const { checkProfileText } = await import('../../src/process/lint.ts');
  const text = loadShippedProfileText('trusted-firmware').replace(
    '    stopsOn: [report_accepted, report_rejected]\n',
    '    stopsOn: [report_accepted, report_rejected]\n    pausesOn: [waiting_for_godot]\n',
  );
  const problems = checkProfileText(text, 'p.yaml').filter((p) => p.severity === 'error');
  assert.ok(
    problems.some((p) => p.path === 'sla[0].resumesOn' && /resumesOn/.test(p.message)),
    JSON.stringify(problems),
  );
  const withResume = text.replace(
    '    pausesOn: [waiting_for_godot]\n',
    '    pausesOn: [waiting_for_godot]\n    resumesOn: [reporter_replied]\n',
  );
  const p2 = checkProfileText(withResume, 'p.yaml').filter((p) => p.severity === 'error');
  assert.equal(p2.length, 1, JSON.stringify(p2));
  assert.equal(p2[0]!.path, 'sla[0].pausesOn[0]');
  assert.ok(p2[0]!.line > 0);
});
