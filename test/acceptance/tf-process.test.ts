import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHarness,
  setupDesk,
  addMember,
  addProject,
  api,
  outbox,
  auditActions,
  sampleReport,
  type Harness,
  type Member,
} from '../support/harness.ts';

// The Trusted Firmware process, replayed step by step over HTTP: report → claim → accept → forward →
// handler claims → downgrade to a normal bug; and a second report → ... → confirm.

let h: Harness;
let admin: Member, tina: Member, tom: Member, hank: Member, paula: Member;

before(async () => {
  // Monday 23 November 2026, 09:00 UTC.
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  tina = await addMember(h, admin, {
    name: 'Tina Triager',
    email: 'tina@tf.example',
    timeZone: 'America/Los_Angeles',
    teams: ['security'],
  });
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', timeZone: 'Asia/Kolkata', teams: ['tf-a-security'] });
  paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] });
});
after(() => h.close());

/** The messages to the reporter (the notices that one was held are checked apart). */
async function answers(reportId: string) {
  return (await outbox(h, reportId)).filter((m) => m.templateId !== 'reporter.notice');
}

async function submit(): Promise<string> {
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  assert.match(r.json.statusToken, /^rpt_/);
  return r.json.reportId;
}

test('TF: report → claim → accept → handler claims → downgrade to a normal bug', async () => {
  h.clock.set('2026-11-27T18:00:00Z'); // Friday evening in London
  const reportId = await submit();

  // The triage clock runs from the report, 3 working days in the (not yet known) triager's zone: desk default London.
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.rmState, 'received');
  assert.deepEqual(view.actions.includes('triage.claim'), true);
  assert.equal(view.deadlines[0].clock, 'triage');
  assert.equal(view.deadlines[0].dueAt, '2026-12-03T00:00:00.000Z'); // end of Wednesday in London

  // The project member may not even see that the report exists.
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).status, 404);

  // Two members claim at once: exactly one wins.
  const [a, b] = await Promise.all([
    api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina }),
    api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  const winner = a.status === 200 ? tina : tom;
  const loser = winner === tina ? tom : tina;

  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: winner })).json;
  assert.equal(view.triager, winner === tina ? 'Tina Triager' : 'Tom Triager');
  const running = view.deadlines.filter((d: any) => !d.stoppedAt);
  assert.equal(running.length, 1);
  // Recomputed in the triager's own zone: Los Angeles → end of Wednesday there; London → end of Wednesday there.
  assert.equal(running[0].dueAt, winner === tina ? '2026-12-03T08:00:00.000Z' : '2026-12-03T00:00:00.000Z');
  assert.equal(running[0].owner, view.triager);

  // Only the triager accepts or rejects; the other may take over with a reason.
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: loser, body: { title: 'Not my triage', projects: ['tf-a'] } })).status,
    403,
  );

  h.clock.set('2026-11-30T10:00:00Z');
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: winner,
    body: { title: 'BL2 FIP header overflow', projects: ['tf-a'] },
  });
  assert.equal(acc.status, 200, acc.body);
  assert.match(acc.json.incidentRef, /^TF-2026-\d{4}$/);

  // Holding response to the reporter, cc the central list (triage stage copy rule).
  let mail = await answers(reportId);
  assert.equal(mail.length, 1);
  // Rita has no key and TF refuses mail in clear: the response is held; she is told, without its content.
  const notices = (await outbox(h, reportId)).filter((m) => m.templateId === 'reporter.notice');
  assert.equal(notices.length, 1);
  assert.doesNotMatch(notices[0]!.body, /Rita|TF-2026|accepted|BL2/);
  assert.match(notices[0]!.body, /status page/);
  assert.equal(mail[0]!.templateId, 'holding');
  assert.deepEqual(mail[0]!.to, ['rita@research.example']);
  assert.deepEqual(mail[0]!.cc, ['security@lists.trustedfirmware.org']);
  assert.match(mail[0]!.body, /Rita Reporter/);
  assert.match(mail[0]!.body, /Their incident handler will analyse\s+it within 7 days and will be your point of contact from now on\./);
  assert.doesNotMatch(mail[0]!.body, /more than one project/);

  // Now the project team sees it; the project analysis clock (7 days from receipt) runs.
  view = (await api(h, 'GET', `/api/incidents/${acc.json.incidentRef}`, { as: hank })).json;
  assert.equal(view.incident.status, 'open');
  assert.equal(view.projects[0].rmState, 'received');
  assert.deepEqual(view.projects[0].actions, ['project.claim']);
  const analysis = view.deadlines.find((d: any) => d.clock === 'project-analysis' && !d.stoppedAt);
  assert.equal(analysis.dueAt, '2026-12-07T10:00:00.000Z');
  assert.ok(view.deadlines.find((d: any) => d.clock === 'triage').stoppedAt, 'triage clock stopped at acceptance');
  // TF-M's team does not see a TF-A incident.
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: paula })).status, 404);

  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).json;
  assert.equal(view.incident.pointOfContact, 'Hank Handler', 'single-project incident: the handler is the point of contact');
  assert.deepEqual(view.projects[0].actions, ['project.reject', 'project.downgrade', 'project.confirm']);

  const down = await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/downgrade`, {
    as: hank,
    body: {
      reason: 'This needs physical access that the threat model excludes.',
      bugLink: 'https://github.com/TrustedFirmware-A/issues/12',
    },
  });
  assert.equal(down.status, 200, down.body);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).json;
  assert.equal(view.incident.status, 'closed');
  assert.equal(view.incident.outcome, 'downgraded');
  assert.equal(view.incident.bugLink, 'https://github.com/TrustedFirmware-A/issues/12');
  assert.equal(view.deadlines.filter((d: any) => !d.stoppedAt).length, 0);
  mail = await answers(reportId);
  assert.equal(mail[1]!.templateId, 'rejection');
  assert.deepEqual(mail[1]!.cc, ['tf-a-security@lists.trustedfirmware.org']);
  assert.match(mail[1]!.body, /threat model excludes/);
  // The bug link is said once, in the template's own paragraph, not again inside the reason.
  assert.equal(mail[1]!.body.split('https://github.com/TrustedFirmware-A/issues/12').length - 1, 1, mail[1]!.body);
  assert.deepEqual(await auditActions(h, reportId), [
    'report.received',
    'case.sensitive_read',
    'triage.claimed',
    'case.sensitive_read',
    'triage.accepted',
    'case.sensitive_read',
    'project.handler_claimed',
    'case.sensitive_read',
    'project.downgraded',
    'case.sensitive_read',
  ]);
  const rm = view.timeline.filter((t: any) => t.machine === 'report-management').map((t: any) => `${t.participant}:${t.from}>${t.to}`);
  assert.deepEqual(rm, [
    'coordinator:start>received',
    'coordinator:received>valid',
    'coordinator:valid>accepted',
    'project tf-a:start>received',
    'project tf-a:received>invalid',
    'project tf-a:invalid>closed',
  ]);
});

test('TF: multi-project incident keeps the triager as point of contact; handler confirms', async () => {
  h.clock.set('2026-12-01T09:00:00Z');
  const reportId = await submit();
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom })).status, 200);
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tom,
    body: { title: 'Shared crypto bug', projects: ['tf-a', 'tf-m'] },
  });
  assert.equal(acc.status, 200, acc.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.incident.pointOfContact, 'Tom Triager');
  // Hank cannot act for TF-M.
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/claim`, { as: hank })).status, 403);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/confirm`, { as: hank, body: {} })).status, 200);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.projects.find((p: any) => p.slug === 'tf-a').rmState, 'accepted');
  assert.equal(view.incident.status, 'open');
  const mail = await answers(reportId);
  assert.deepEqual(mail[0]!.cc, ['security@lists.trustedfirmware.org']);
  // The holding response says what happens: the triager stays the contact, no handler takes over.
  assert.equal(mail[0]!.templateId, 'holding');
  assert.match(mail[0]!.body, /I will remain your\s+point of contact throughout/);
  assert.doesNotMatch(mail[0]!.body, /will be your point of contact from now on/);
});

test('TF: the triager rejects with specific reasoning', async () => {
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  const bad = await api(h, 'POST', `/api/reports/${reportId}/reject`, { as: tom, body: { reason: 'no' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'validation_failed');
  const r = await api(h, 'POST', `/api/reports/${reportId}/reject`, {
    as: tom,
    body: { reason: 'This is the documented behaviour of the debug build only.' },
  });
  assert.equal(r.status, 200, r.body);
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.rmState, 'closed');
  const mail = await answers(reportId);
  assert.equal(mail.at(-1)!.templateId, 'rejection');
  assert.match(mail.at(-1)!.body, /documented behaviour of the debug build/);
  // A closed report cannot be accepted any more.
  const again = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'x y z', projects: ['tf-a'] } });
  assert.equal(again.status, 403);
});
