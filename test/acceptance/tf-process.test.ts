import { openRecipient } from '../../src/app/delivery/deliveries.ts';
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
import { storeRaw } from '../../src/app/inbound/inbox.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { runSlaScheduler } from '../../src/jobs/sla-scheduler.ts';
import { addCveBlock } from '../../src/app/cve/pool.ts';
import * as openpgp from 'openpgp';

// The Trusted Firmware process, replayed step by step over HTTP: report → claim → accept → forward →
// handler claims → downgrade to a normal bug; and a second report → ... → confirm.

let h: Harness;
let admin: Member, tina: Member, tom: Member, hank: Member, paula: Member, cora: Member;

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
  // A trusted contributor of TF-A, on no security team; and TF-A's enhanced security stakeholders.
  cora = await addMember(h, admin, { name: 'Cora Contributor', email: 'cora@tf.example' });
  await addMember(h, admin, { name: 'Stan Stakeholder', email: 'stan@ess.example' });
});
after(() => h.close());

const CENTRAL = 'security@lists.trustedfirmware.org';
const TFA = 'tf-a-security@lists.trustedfirmware.org';
const TFM = 'tf-m-security@lists.trustedfirmware.org';

/** The messages to the reporter (the notices that one was held are checked apart). */
async function answers(reportId: string) {
  return (await outbox(h, reportId)).filter((m) => m.templateId !== 'reporter.notice' && m.to.includes('rita@research.example'));
}

/** The messages written to one of the desk's lists. */
async function listMail(reportId: string, alias: string) {
  return (await outbox(h, reportId)).filter((m) => m.to.includes(alias));
}

/** Who each queued message reached: the recipients of its deliveries. */
async function deliveredTo(outboxId: string): Promise<string[]> {
  const r = await h.app.db.query<{ id: string; recipient_sealed: string }>(
    'SELECT id, recipient_sealed FROM deliveries WHERE outbox_id = $1',
    [outboxId],
  );
  return r.rows.map((x) => openRecipient(h.app, x)).sort();
}

/** A mail from outside, stored as the SMTP listener stores it, then the intake job's pass; the report it opened. */
async function mailIn(to: string, subject: string, from = 'rex@elsewhere.example'): Promise<string> {
  const raw = [
    `From: Rex Researcher <${from}>`,
    `To: ${to}`,
    `Subject: ${subject}`,
    'Date: Mon, 30 Nov 2026 09:00:00 +0000',
    `Message-ID: <${crypto.randomUUID()}@elsewhere.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The secure partition manager accepts a crafted PSA call that writes outside the caller partition.',
    '',
  ].join('\r\n');
  const stored = await storeRaw(h.app, { raw: Buffer.from(raw), via: 'smtp', envelopeFrom: from, envelopeTo: [to] });
  await runIntakePass(h.app, { leaseMs: 60_000 });
  const r = await h.app.db.query<{ report_id: string }>('SELECT report_id FROM mail_inbox WHERE id = $1', [stored.id]);
  assert.ok(r.rows[0]?.report_id, 'the mail opened a report');
  return r.rows[0]!.report_id;
}

async function submit(): Promise<string> {
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  assert.match(r.json.statusToken, /^rpt_/);
  return r.json.reportId;
}

test('TF triage 1–3 (3 working days), 3b, project handling 2–3a: report → claim → accept → handler claims → downgraded to a normal bug reported publicly', async () => {
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

test('TF triage 3 and footnote ^^^: a multi-project incident keeps the triager as point of contact; project handling 3b: the handler confirms', async () => {
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

test('TF triage 3a: the triager rejects with the standard rejection response and specific reasoning', async () => {
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

test('TF triage 2 and 5: claiming the triager role replies to security@ that they will be the triager; another member picks up the duties', async () => {
  h.clock.set('2026-12-02T09:00:00Z');
  const reportId = await submit();
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina })).status, 200);
  const said = await listMail(reportId, CENTRAL);
  assert.equal(said.length, 1, 'the central list is told');
  assert.equal(said[0]!.templateId, 'list.triager_claimed');
  assert.match(said[0]!.subject, /Tina Triager will be the triager/);
  assert.match(said[0]!.body, /Triage within 3 working days: due /);
  // One copy per central member (each encrypted to them when sent), no project member, never the list itself.
  assert.deepEqual(await deliveredTo(said[0]!.id), ['admin@example.org', 'tina@tf.example', 'tom@tf.example']);
  // Triage 5: another member picks up the duties; the list hears that too, with the reason.
  const take = await api(h, 'POST', `/api/reports/${reportId}/take-over`, { as: tom, body: { reason: 'Tina is on leave from today.' } });
  assert.equal(take.status, 200, take.body);
  const after = await listMail(reportId, CENTRAL);
  assert.equal(after.length, 2);
  assert.equal(after[1]!.templateId, 'list.triager_taken_over');
  assert.match(after[1]!.body, /Tom Triager takes over the triager's duties for report #\d+ from Tina Triager: Tina is on leave/);
});

test("TF triage 3b: accepting forwards the incident to the project's <project>-security@ list", async () => {
  h.clock.set('2026-12-02T10:00:00Z');
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tom,
    body: { title: 'BL2 loader overflow', projects: ['tf-a'] },
  });
  assert.equal(acc.status, 200, acc.body);
  const fwd = await listMail(reportId, TFA);
  assert.equal(fwd.length, 1, 'forwarded to tf-a-security@');
  assert.equal(fwd[0]!.templateId, 'list.forwarded');
  assert.equal(fwd[0]!.subject, `[${acc.json.incidentRef}] Forwarded to the TF-A security team: BL2 loader overflow`);
  assert.match(fwd[0]!.body, /Tom Triager triaged report #\d+ and forwards it to the TF-A security team/);
  assert.match(fwd[0]!.body, /Project analysis within 7 days: due 9 December 2026/);
  assert.match(fwd[0]!.body, /A crafted FIP image with an oversized header overflows a stack buffer/, 'the report itself');
  // The TF-A team's copies only: TF-M's member never gets it.
  assert.deepEqual(await deliveredTo(fwd[0]!.id), ['hank@tf.example']);
  assert.equal((await listMail(reportId, TFM)).length, 0);
});

test('TF project handling 2: claiming the handler role replies to <project>-security@', async () => {
  h.clock.set('2026-12-02T11:00:00Z');
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'Shared bug', projects: ['tf-a', 'tf-m'] } });
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/claim`, { as: paula })).status, 200);
  const said = (await listMail(reportId, TFM)).filter((m) => m.templateId === 'list.handler_claimed');
  assert.equal(said.length, 1);
  assert.match(said[0]!.subject, /Paula Project will be the TF-M incident handler/);
  assert.match(said[0]!.body, /Project analysis within 7 days: due /);
  assert.deepEqual(await deliveredTo(said[0]!.id), ['paula@tf.example']);
  assert.equal((await listMail(reportId, TFA)).filter((m) => m.templateId === 'list.handler_claimed').length, 0);
});

test('TF project handling 1: a new incident mailed straight to <project>-security@ comes into that project team', async () => {
  h.clock.set('2026-11-30T09:00:00Z');
  const reportId = await mailIn(TFM, 'SPM writes outside the caller partition');
  // The TF-M team sees it and may claim it; TF-A's does not.
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: paula })).json;
  assert.ok(view.incident, 'an incident of its own');
  assert.deepEqual(
    view.projects.map((p: any) => [p.slug, p.rmState, p.actions]),
    [['tf-m', 'received', ['project.claim']]],
  );
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).status, 404);
  // Project analysis runs from receipt; no triage clock is left running for the central team.
  const running = view.deadlines.filter((d: any) => !d.stoppedAt).map((d: any) => [d.clock, d.project, d.dueAt]);
  assert.deepEqual(running, [['project-analysis', 'tf-m', '2026-12-07T09:00:00.000Z']]);
  // The reporter's mail reached the TF-M team (a copy each); the receipt is copied to tf-m-security@.
  const copies = (await outbox(h, reportId)).filter((m) => m.templateId === 'fan-out');
  assert.ok(
    copies.some((m) => m.to.includes('paula@tf.example')),
    'the project team has the mail',
  );
  assert.ok(!copies.some((m) => m.to.includes('hank@tf.example')));
  const receipt = (await outbox(h, reportId)).find((m) => m.templateId === 'acknowledgment');
  assert.deepEqual(receipt?.cc, [TFM]);
  // The central alias still brings reports into the central triage queue.
  const central = await mailIn(CENTRAL, 'Another report, for the central team');
  const triage = (await api(h, 'GET', `/api/reports/${central}`, { as: tom })).json;
  assert.equal(triage.incident, null);
  assert.ok(triage.actions.includes('triage.claim'));
  assert.equal((await api(h, 'GET', `/api/reports/${central}`, { as: paula })).status, 404);
});

test('TF triage 3: relevant projects not clear — accepted with none, the holding response says so; the triager forwards, and takes back a wrong forward', async () => {
  h.clock.set('2026-12-03T09:00:00Z');
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'Unclear which project', projects: [] } });
  assert.equal(acc.status, 200, acc.body);
  const holding = (await answers(reportId)).find((m) => m.templateId === 'holding')!;
  assert.match(
    holding.body,
    /We are establishing which project or projects are affected and will pass it to the\s+relevant\s+project security team/,
  );
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.deepEqual(view.projects, []);
  assert.equal(view.incident.pointOfContact, 'Tom Triager');
  assert.ok(view.actions.includes('incident.add_project'));
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).status, 404);
  // A project member may not forward.
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects`, { as: hank, body: { project: 'tf-a' } })).status, 404);

  h.clock.set('2026-12-04T09:00:00Z');
  for (const project of ['tf-a', 'tf-m']) {
    const add = await api(h, 'POST', `/api/reports/${reportId}/projects`, { as: tom, body: { project } });
    assert.equal(add.status, 200, add.body);
  }
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects`, { as: tom, body: { project: 'tf-a' } })).status, 409);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects`, { as: tom, body: { project: 'tf-x' } })).status, 400);
  assert.equal((await listMail(reportId, TFA)).filter((m) => m.templateId === 'list.forwarded').length, 1);
  assert.equal((await listMail(reportId, TFM)).filter((m) => m.templateId === 'list.forwarded').length, 1);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).json;
  assert.deepEqual(
    view.projects.map((p: any) => p.slug),
    ['tf-a', 'tf-m'],
  );
  const analysis = view.deadlines.filter((d: any) => d.clock === 'project-analysis' && !d.stoppedAt);
  assert.deepEqual(
    analysis.map((d: any) => [d.project, d.dueAt]),
    [
      ['tf-a', '2026-12-11T09:00:00.000Z'],
      ['tf-m', '2026-12-11T09:00:00.000Z'],
    ],
  );

  // TF-M turns out not to be affected: the triager takes the forward back; TF-M's team loses the case, its clock stops.
  assert.equal(
    (
      await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/remove`, {
        as: hank,
        body: { reason: 'TF-M does not use this loader.' },
      })
    ).status,
    403,
  );
  const short = await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/remove`, { as: tom, body: { reason: 'no' } });
  assert.equal(short.status, 400);
  const rm = await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/remove`, {
    as: tom,
    body: { reason: 'TF-M does not use this loader.' },
  });
  assert.equal(rm.status, 200, rm.body);
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: paula })).status, 404);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.deepEqual(
    view.projects.map((p: any) => p.slug),
    ['tf-a'],
  );
  const tfm = view.deadlines.find((d: any) => d.project === 'tf-m');
  assert.ok(tfm.stoppedAt);
  assert.match(tfm.stopReason, /tf-m taken off the incident: TF-M does not use this loader/);
  assert.ok(view.timeline.some((t: any) => t.machine === 'projects' && t.participant === 'project tf-m' && t.to === 'removed'));
  // One project left: its handler becomes the reporter's point of contact once they claim it.
  await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank });
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.incident.pointOfContact, 'Hank Handler');
  // A project whose team decided stays on the record.
  await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/confirm`, { as: hank, body: {} });
  const decided = await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/remove`, {
    as: tom,
    body: { reason: 'Changed our mind about it.' },
  });
  assert.equal(decided.status, 403, decided.body);
});

test('TF project handling 4: a confirmed vulnerability is downgraded to a normal bug while its information is consolidated', async () => {
  h.clock.set('2026-12-07T09:00:00Z');
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'Looked like a vulnerability', projects: ['tf-m'] } });
  await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/claim`, { as: paula });
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/confirm`, { as: paula, body: {} })).status, 200);
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: paula })).json;
  assert.deepEqual(view.projects[0].actions, ['project.downgrade']);
  const down = await api(h, 'POST', `/api/reports/${reportId}/projects/tf-m/downgrade`, {
    as: paula,
    body: {
      reason: 'Shared with the reporter: only a debug build exposes it, a normal bug.',
      bugLink: 'https://github.com/TrustedFirmware-M/issues/7',
    },
  });
  assert.equal(down.status, 200, down.body);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: paula })).json;
  assert.equal(view.incident.status, 'closed');
  assert.equal(view.incident.outcome, 'downgraded');
  const rm = view.timeline.filter((t: any) => t.participant === 'project tf-m').map((t: any) => `${t.from}>${t.to}`);
  assert.deepEqual(rm, ['start>received', 'received>valid', 'valid>accepted', 'accepted>closed']);
  const mail = await answers(reportId);
  assert.equal(mail.at(-1)!.templateId, 'rejection');
  assert.match(mail.at(-1)!.body, /https:\/\/github.com\/TrustedFirmware-M\/issues\/7/);
});

test('TF pre-setup: a team key for inbound mail (new keys at least RSA-4096 or equivalent); members keep personal keys (at least RSA-2048 or equivalent)', async () => {
  // A member of security@ generates the team key (Curve25519: the 128-bit band, as RSA-4096).
  assert.equal((await api(h, 'POST', '/api/admin/team-keys/generate', { as: hank, body: { algorithm: 'curve25519' } })).status, 403);
  const gen = await api(h, 'POST', '/api/admin/team-keys/generate', { as: admin, body: { algorithm: 'curve25519' } });
  assert.equal(gen.status, 201, gen.body);
  const pub = await api(h, 'GET', '/api/team-key');
  assert.equal(pub.status, 200);
  assert.match(pub.body, /BEGIN PGP PUBLIC KEY BLOCK/);
  // A member's pre-existing personal key: RSA-2048 is enough for an existing key. Keys are made a day
  // before the desk's clock, which is fixed: one made at the real time may be younger than the clock.
  const made = new Date(h.clock.now.getTime() - 24 * 3_600_000);
  const { publicKey } = await openpgp.generateKey({
    date: made,
    type: 'rsa',
    rsaBits: 2048,
    userIDs: [{ name: 'Tom Triager', email: 'tom@tf.example' }],
  });
  const up = await api(h, 'POST', '/api/me/keys', { as: tom, body: { armored: publicKey } });
  assert.equal(up.status, 201, up.body);
  // Someone else's address on the key is refused: a personal key carries the member's own address.
  const other = await openpgp.generateKey({
    date: made,
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ email: 'mallory@elsewhere.example' }],
  });
  assert.equal((await api(h, 'POST', '/api/me/keys', { as: tina, body: { armored: other.publicKey } })).status, 400);
  const keys = (await api(h, 'GET', '/api/admin/member-keys', { as: admin })).json;
  assert.ok(JSON.stringify(keys).includes('tom@tf.example'));
});

test('TF triage 4: the triager makes sure the project team handles it in time — an overdue project analysis escalates to the project team and the triager', async () => {
  h.clock.set('2026-12-08T09:00:00Z');
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'Nobody claims this one', projects: ['tf-a'] } });
  // Nobody on TF-A claims it; the 7 days pass.
  await runSlaScheduler(h.app, new Date('2026-12-15T10:00:00Z'));
  const escalations = (await outbox(h, reportId)).filter((m) => m.templateId === 'sla.escalation');
  const told = escalations.flatMap((m) => m.to).sort();
  assert.ok(told.includes('hank@tf.example'), 'the project team');
  assert.ok(told.includes('tina@tf.example'), 'the triager');
  assert.ok(!told.includes('paula@tf.example'), 'not another project');
  for (const m of escalations) assert.doesNotMatch(m.body, /Rita|Example Research|BL2 image loader/);
});

test('TF project handling 3 and footnote ^: the handler pulls in a trusted contributor, who reads the case without the sensitive information', async () => {
  h.clock.set('2026-12-09T09:00:00Z');
  const reportId = await submit();
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'Loader overflow', projects: ['tf-a'] } });
  await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank });
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: cora })).status, 404);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: hank, body: { email: 'cora@tf.example' } })).status, 200);
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: cora })).json;
  assert.deepEqual(view.reporter, { redacted: true });
  assert.deepEqual(view.sensitive, { redacted: true });
  const text = JSON.stringify(view);
  for (const secret of ['Rita', 'rita@research.example', 'Example Research', 'ExampleCorp secure boot', 'Megacorp']) {
    assert.ok(!text.includes(secret), `the collaborator does not read ${secret}`);
  }
  // Access is restricted to this group: another case stays invisible to her.
  const other = await submit();
  assert.equal((await api(h, 'GET', `/api/reports/${other}`, { as: cora })).status, 404);
});

test('TF project handling 4, 5, 9, 10 and footnote ^^: consolidate with the reporter, CVSS v3 preferred, CVE request, drafts circulated to the reporter and ESS, advisory published with the reporter told', async () => {
  h.clock.set('2026-12-10T09:00:00Z');
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  const reportId = r.json.reportId as string;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tom,
    body: { title: 'BL2 header overflow', projects: ['tf-a'] },
  });
  await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank });
  await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/confirm`, { as: hank, body: {} });
  // P4/P5: the handler shares what is known with the reporter (the point of contact), copying the project list.
  const su = await api(h, 'POST', `/api/reports/${reportId}/status-updates`, {
    as: hank,
    body: { status: 'Confirmed; fix in development', details: 'We reproduced it on the reference board.' },
  });
  assert.equal(su.status, 200, su.body);
  const update = (await answers(reportId)).find((m) => m.templateId === 'status_update')!;
  assert.deepEqual(update.cc, [TFA]);
  assert.match(update.body, /Current status: Confirmed; fix in development/);
  // Footnote ^^: with a CVSS 3.1 and a 4.0 vector the profile's preference (3.1) sets the severity.
  const cvss = await api(h, 'PUT', `/api/reports/${reportId}/cvss`, {
    as: hank,
    body: { vectors: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N'] },
  });
  assert.equal(cvss.status, 200, cvss.body);
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).json.incident.severity, 'high');
  // The advisory: drafted, a CVE id from the pool, circulated, approved by a second member, published.
  await addCveBlock(admin.ctx, { block: 'CVE-2026-5000..CVE-2026-5001' });
  const created = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: hank, body: {} });
  assert.equal(created.status, 201, created.body);
  const advisoryId = created.json.advisoryId as string;
  const head = async () => (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: hank })).json;
  const cve = await api(h, 'POST', `/api/advisories/${advisoryId}/cve`, { as: hank });
  assert.equal(cve.status, 201, cve.body);
  const doc = (await head()).head.document;
  const saved = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
    as: hank,
    body: {
      document: {
        ...doc,
        summary: 'A crafted FIP image overflows a stack buffer in BL2.',
        description: 'BL2 copies the image header into a fixed-size stack buffer without checking its length.',
        affected: [
          {
            project: 'tf-a',
            vendor: 'Trusted Firmware',
            product: 'TF-A',
            ranges: [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }],
            components: ['BL2'],
          },
        ],
        references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
        mitigation: 'Only boot images signed by your own key.',
      },
    },
  });
  assert.equal(saved.status, 201, saved.body);
  // P4: "request a CVE from Mitre": the request text, ready to paste; of the reporter only the credit she chose.
  const request = await api(h, 'GET', `/api/cve/advisories/${advisoryId}/request`, { as: hank });
  assert.equal(request.status, 200, request.body);
  assert.match(request.body, /\[Discoverer\(s\)\/Credits\]\nRita Reporter, reporter/);
  assert.doesNotMatch(request.body, /rita@|Example Research|ExampleCorp|Megacorp/);
  // P9: drafts circulated to the reporter and to the ESS list; the ESS never learn who reported it.
  const v = (await head()).headVersion;
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, { as: hank, body: { audience: 'reporter', version: v } })).status,
    201,
  );
  const st = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: hank,
    body: { audience: 'stakeholders', version: v, recipients: ['stan@ess.example'] },
  });
  assert.equal(st.status, 201, st.body);
  assert.deepEqual(st.json.recipients, ['stan@ess.example']);
  const toStan = (await outbox(h, reportId)).filter((m) => m.to.includes('stan@ess.example'));
  assert.equal(toStan.length, 1);
  assert.doesNotMatch(toStan[0]!.body, /Rita|rita@|Example Research|Megacorp/);
  // P10: a second member approves; publication is scheduled and the reporter is told.
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: hank, body: { version: v, verdict: 'approved' } })).status,
    403,
  );
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: v, verdict: 'approved' } })).status,
    201,
  );
  const pub = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, {
    as: hank,
    body: { publishAt: '2026-12-20T09:00:00Z', notifyReporter: true },
  });
  assert.equal(pub.status, 200, pub.body);
  const notice = (await answers(reportId)).find((m) => m.templateId === 'disclosure_notification');
  assert.ok(notice, 'the reporter is told of the publication');
  assert.match(notice!.body, /CVE-2026-5000/);
  assert.equal((await head()).state, 'published');
  assert.match(String(acc.json.incidentRef), /^TF-2026-/);
});
