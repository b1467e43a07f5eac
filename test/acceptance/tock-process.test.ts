import { test, before, after } from 'node:test';
import { reporterReference } from '../../src/domain/reporter-facing.ts';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, outbox, auditActions, type Harness, type Member } from '../support/harness.ts';
import { setSubsystemContacts, updateAvailability } from '../../src/app/admin/admin.ts';
import { storeRaw } from '../../src/app/inbound/inbox.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { addCveBlock } from '../../src/app/cve/pool.ts';

// Tock's process over HTTP: report → acknowledge → assess (severity, components, priority) → assign
// through the subsystem contact table (primary, else secondary), with the resolution target stored.

let h: Harness;
let admin: Member, coord: Member, kim: Member, ivan: Member, kate: Member;

before(async () => {
  h = await startHarness({ clock: '2026-11-27T17:30:00Z' }); // Friday evening
  admin = await setupDesk(h, 'tock', 'America/New_York'); // with the profile's project Tock and its subsystem table
  coord = await addMember(h, admin, {
    name: 'Charles Coordinator',
    email: 'charles@tock.example',
    timeZone: 'America/New_York',
    teams: ['security'],
  });
  kim = await addMember(h, admin, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
  kate = await addMember(h, admin, { name: 'Kate Kernel2', email: 'kate@tock.example', teams: ['tock-security'] });
  ivan = await addMember(h, admin, { name: 'Ivan IPC', email: 'ivan@tock.example', teams: ['tock-security'] });
  await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: 'kate@tock.example' });
  await setSubsystemContacts(admin.ctx, 'tock', 'IPC', { primary: 'ivan@tock.example', secondary: 'kim@tock.example' });
});
after(() => h.close());

async function submit(title: string) {
  const r = await api(h, 'POST', '/api/reports', {
    body: {
      title,
      body: 'An app can read kernel memory through a crafted IPC buffer length.',
      reporter: { name: 'Rae Reporter', email: 'rae@example.net' },
    },
  });
  assert.equal(r.status, 201, r.body);
  return r.json.reportId as string;
}

test('Tock 1.2 (acknowledgment template), 1.3 (severity, components, priority), 2.1 (assign by the chart), 2.3 (resolution timeline), status update template: report → acknowledge → assess → assign (primary)', async () => {
  h.clock.set('2026-11-27T17:30:00Z');
  const reportId = await submit('IPC buffer length check missing');
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  const clocks = Object.fromEntries(view.deadlines.map((d: any) => [d.clock, d.dueAt]));
  // 2 and 3 working days from Friday evening in the desk's zone (New York): end of Tuesday / Wednesday.
  assert.deepEqual(clocks, { 'initial-review': '2026-12-02T05:00:00.000Z', assignment: '2026-12-03T05:00:00.000Z' });
  assert.deepEqual(view.actions.slice(0, 3), ['triage.acknowledge', 'triage.assess', 'triage.reject']);

  h.clock.set('2026-11-30T14:00:00Z');
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord })).status, 200);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord })).status, 403, 'acknowledged once');
  let mail = await outbox(h, reportId);
  assert.equal(mail.length, 1);
  assert.equal(mail[0]!.templateId, 'acknowledgment');
  assert.equal(mail[0]!.subject, '[Tock Security] Acknowledgment of Security Report');
  assert.deepEqual(mail[0]!.to, ['rae@example.net']);
  assert.deepEqual(mail[0]!.cc, ['security@lists.tockos.org']);
  assert.match(mail[0]!.body, /^Dear Rae Reporter,\n\nThank you for reporting this potential security issue to the Tock team\./);
  assert.match(mail[0]!.body, /Best regards,\nCharles Coordinator\nTock Security Team/);

  // Unknown severity is refused and changes nothing.
  const bad = await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'IPC overflow', severity: 'catastrophic', components: ['IPC'], project: 'tock' },
  });
  assert.equal(bad.status, 400);
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json.incident, null);

  const assessed = await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'IPC buffer overflow', severity: 'high', components: ['IPC', 'Kernel'], project: 'tock' },
  });
  assert.equal(assessed.status, 200, assessed.body);
  assert.match(assessed.json.incidentRef, /^TOCK-2026-\d{4}$/);
  assert.equal(assessed.json.priority, 'P1');
  // Resolution target: High → P1 → 14 days from the report (Friday 17:30 UTC = 12:30 in New York).
  assert.equal(assessed.json.resolutionDueAt, '2026-12-11T17:30:00.000Z');

  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.equal(view.rmState, 'valid');
  assert.equal(view.incident.severity, 'high');
  assert.equal(view.incident.priority, 'P1');
  assert.deepEqual(view.incident.affectedComponents, ['IPC', 'Kernel']);
  assert.ok(view.deadlines.find((d: any) => d.clock === 'initial-review').stoppedAt);
  assert.ok(view.actions.includes('incident.assign'));

  const assign = await api(h, 'POST', `/api/reports/${reportId}/assign`, { as: coord, body: { subsystem: 'IPC' } });
  assert.equal(assign.status, 200, assign.body);
  assert.equal(assign.json.via, 'primary');
  assert.equal(assign.json.assigneeId, ivan.personId);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: ivan })).json;
  assert.equal(view.rmState, 'accepted');
  assert.equal(view.projects[0].handler, 'Ivan IPC');
  const running = view.deadlines.filter((d: any) => !d.stoppedAt).map((d: any) => d.clock);
  assert.deepEqual(running, ['resolution']);
  assert.deepEqual(
    (await auditActions(h, reportId)).filter((a) => !a.endsWith('sensitive_read')),
    ['report.received', 'triage.acknowledged', 'triage.assessed', 'incident.assigned'],
  );

  // Status update template.
  const su = await api(h, 'POST', `/api/reports/${reportId}/status-updates`, {
    as: coord,
    body: { status: 'In Development', resolutionDate: '2026-12-11' },
  });
  assert.equal(su.status, 200, su.body);
  mail = await outbox(h, reportId);
  // The reporter's reference, never the desk's running number.
  assert.equal(mail.at(-1)!.subject, `[Tock Security] Status Update on Report #${reporterReference(reportId)}`);
  assert.match(mail.at(-1)!.body, /Current status: In Development\nEstimated resolution timeline: 11 December 2026\n/);
  // The estimated date is a real date: "next week" or 30 February is refused with a clear message.
  for (const resolutionDate of ['next week', '2026-02-30']) {
    const bad = await api(h, 'POST', `/api/reports/${reportId}/status-updates`, {
      as: coord,
      body: { status: 'In Development', resolutionDate },
    });
    assert.equal(bad.status, 400, bad.body);
    assert.match(JSON.stringify(bad.json.error), /estimated resolution date/);
  }
  assert.equal((await outbox(h, reportId)).length, mail.length, 'nothing sent for a refused update');
});

test('Tock 2.1: the secondary contact of the chart is assigned when the primary is out of office', async () => {
  const reportId = await submit('Kernel scheduler leaks timing');
  await updateAvailability(kim.ctx, kim.personId, { awayUntil: '2026-12-24T00:00:00Z' });
  await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord });
  const a = await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Scheduler timing leak', severity: 'low', components: ['Kernel'], project: 'tock' },
  });
  assert.equal(a.json.priority, 'P3');
  const assign = await api(h, 'POST', `/api/reports/${reportId}/assign`, { as: coord, body: { subsystem: 'kernel' } });
  assert.equal(assign.status, 200, assign.body);
  assert.equal(assign.json.via, 'secondary');
  assert.equal(assign.json.assigneeId, kate.personId);
});

test('Tock 2.3: a changed severity moves the resolution target (P0 7 days ... P3 60) and records why', async () => {
  h.clock.set('2026-12-07T09:00:00Z');
  const reportId = await submit('Driver DMA misuse');
  const a = await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Driver DMA misuse', severity: 'medium', components: ['Drivers'], project: 'tock' },
  });
  assert.equal(a.json.resolutionDueAt, '2027-01-06T09:00:00.000Z'); // P2: 30 days from the report
  h.clock.set('2026-12-08T12:00:00Z');
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/severity`, { as: kim, body: { severity: 'critical', reason: 'exploit seen' } })).status,
    403,
    'on the project team but not handling it',
  );
  const bad = await api(h, 'POST', `/api/reports/${reportId}/severity`, { as: coord, body: { severity: 'apocalyptic', reason: 'typo' } });
  assert.equal(bad.status, 400);
  const r = await api(h, 'POST', `/api/reports/${reportId}/severity`, {
    as: coord,
    body: { severity: 'critical', reason: 'a public exploit appeared' },
  });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { severity: 'critical', priority: 'P0', resolutionDueAt: '2026-12-14T09:00:00.000Z' }); // P0: 7 days from the report
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.equal(view.incident.priority, 'P0');
  assert.equal(view.incident.resolutionDueAt, '2026-12-14T09:00:00.000Z');
  const resolution = view.deadlines.filter((d: any) => d.clock === 'resolution');
  assert.equal(resolution.length, 2);
  assert.equal(resolution[0].stoppedAt, '2026-12-08T12:00:00.000Z');
  assert.match(resolution[0].stopReason, /^reassigned: medium\/P2 → critical\/P0: a public exploit appeared$/);
  assert.equal(resolution[1].stoppedAt, null);
  assert.deepEqual(
    view.timeline.filter((t: any) => t.machine === 'severity').map((t: any) => [t.from, t.to, t.reason]),
    [['medium/P2', 'critical/P0', 'a public exploit appeared']],
  );
});

test('Tock roles: the appointed triage coordinator owns the initial-review and assignment clocks, and is the one reminded', async () => {
  h.clock.set('2026-12-14T14:00:00Z'); // Monday
  const before = await submit('Reported before anyone was appointed');
  // Only an admin appoints, and only someone on the central team.
  assert.equal((await api(h, 'PUT', '/api/roles/triage-coordinator', { as: coord, body: { email: 'charles@tock.example' } })).status, 403);
  const notCentral = await api(h, 'PUT', '/api/roles/triage-coordinator', { as: admin, body: { email: 'kim@tock.example' } });
  assert.equal(notCentral.status, 400, notCentral.body);
  assert.equal((await api(h, 'PUT', '/api/roles/subsystem-contact', { as: admin, body: { email: 'charles@tock.example' } })).status, 404);
  const unowned = await h.app.db.query(
    `SELECT DISTINCT report_id FROM deadlines WHERE clock IN ('initial-review', 'assignment') AND owner_id IS NULL AND stopped_at IS NULL`,
  );
  assert.ok(unowned.rows.length >= 1);
  const appoint = await api(h, 'PUT', '/api/roles/triage-coordinator', { as: admin, body: { email: 'charles@tock.example' } });
  assert.equal(appoint.status, 200, appoint.body);
  assert.deepEqual(appoint.json, { handedOver: unowned.rows.length }, 'every report with an unowned clock of the role');
  const roles = (await api(h, 'GET', '/api/roles', { as: admin })).json;
  assert.deepEqual(
    roles.map((r: any) => [r.role, r.person?.name]),
    [['triage-coordinator', 'Charles Coordinator']],
  );
  // The report already in: its clocks are handed to the coordinator, recomputed in their calendar.
  let view = (await api(h, 'GET', `/api/reports/${before}`, { as: coord })).json;
  const owners = (v: any) => v.deadlines.filter((d: any) => !d.stoppedAt).map((d: any) => [d.clock, d.owner]);
  assert.deepEqual(owners(view), [
    ['initial-review', 'Charles Coordinator'],
    ['assignment', 'Charles Coordinator'],
  ]);
  // A new report: the coordinator's from its arrival.
  const reportId = await submit('Reported after the appointment');
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.deepEqual(owners(view), [
    ['initial-review', 'Charles Coordinator'],
    ['assignment', 'Charles Coordinator'],
  ]);
  // The reminder before the initial review is due goes to the coordinator, not to the whole team.
  const { runSlaScheduler } = await import('../../src/jobs/sla-scheduler.ts');
  // Due at the end of Wednesday in New York; reminded from the start of that last working day.
  assert.equal(view.deadlines[0].dueAt, '2026-12-17T05:00:00.000Z');
  await runSlaScheduler(h.app, new Date('2026-12-16T14:00:00Z'));
  const reminders = (await outbox(h, reportId)).filter((m) => m.templateId === 'sla.reminder');
  assert.ok(reminders.length >= 1, 'reminded');
  for (const m of reminders) assert.deepEqual(m.to, ['charles@tock.example']);
});

test('Tock 2.2: an incident deemed serious gets a response-team channel; notes reach the team by mail until it is stood down', async () => {
  h.clock.set('2026-12-16T09:00:00Z');
  const reportId = await submit('MPU region bypass');
  await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'MPU region bypass', severity: 'critical', components: ['MPU'], project: 'tock' },
  });
  let view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.ok(view.actions.includes('incident.mark_serious'));
  assert.equal(view.incident.serious, null);
  // A project member who does not handle it may not.
  const kimTry = await api(h, 'POST', `/api/reports/${reportId}/serious`, { as: kim, body: { reason: 'looks bad' } });
  assert.equal(kimTry.status, 403);
  const mark = await api(h, 'POST', `/api/reports/${reportId}/serious`, {
    as: coord,
    body: { reason: 'Remote code execution in every board', channel: 'https://matrix.to/#/#tock-response-2026-12:matrix.org' },
  });
  assert.equal(mark.status, 200, mark.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/serious`, { as: coord, body: { reason: 'again' } })).status, 409);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: ivan })).json;
  assert.deepEqual(view.incident.serious, {
    at: '2026-12-16T09:00:00.000Z',
    by: 'Charles Coordinator',
    channel: 'https://matrix.to/#/#tock-response-2026-12:matrix.org',
  });
  const opened = (await outbox(h, reportId)).filter((m) => m.templateId === 'list.serious');
  assert.equal(opened.length, 1);
  assert.match(opened[0]!.body, /Remote code execution in every board/);
  assert.match(opened[0]!.body, /matrix\.to/);
  // The channel: each note is mailed to everyone on the case but its author.
  const note = await api(h, 'POST', `/api/reports/${reportId}/notes`, {
    as: coord,
    body: { body: 'Kim, can you look at the MPU config path?' },
  });
  assert.equal(note.status, 200, note.body);
  let copies = (await outbox(h, reportId)).filter((m) => m.templateId === 'fan-out');
  assert.equal(copies.length, 1);
  assert.ok(copies[0]!.to.includes('kim@tock.example') && copies[0]!.to.includes('ivan@tock.example'));
  assert.ok(!copies[0]!.to.includes('charles@tock.example'), 'not to its author');
  // Stood down: notes stay on the case only.
  const down = await api(h, 'POST', `/api/reports/${reportId}/serious`, {
    as: coord,
    body: { serious: false, reason: 'Fix merged, only tracking left' },
  });
  assert.equal(down.status, 200, down.body);
  await api(h, 'POST', `/api/reports/${reportId}/notes`, { as: coord, body: { body: 'Tracking only now.' } });
  copies = (await outbox(h, reportId)).filter((m) => m.templateId === 'fan-out');
  assert.equal(copies.length, 1);
  view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.deepEqual(
    view.timeline.filter((t: any) => t.machine === 'serious').map((t: any) => [t.from, t.to, t.reason]),
    [
      ['no', 'yes', 'Remote code execution in every board'],
      ['yes', 'no', 'Fix merged, only tracking left'],
    ],
  );
});

test('Tock 1.1: a critical report mailed to security@lists.tockos.org comes into the triage queue with its clocks', async () => {
  h.clock.set('2026-12-21T09:00:00Z');
  const raw = [
    'From: Rae Reporter <rae@example.net>',
    'To: security@lists.tockos.org',
    'Subject: Kernel panic from userspace',
    'Date: Mon, 21 Dec 2026 09:00:00 +0000',
    `Message-ID: <${crypto.randomUUID()}@example.net>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Any app can panic the kernel with a crafted syscall argument.',
    '',
  ].join('\r\n');
  const stored = await storeRaw(h.app, {
    raw: Buffer.from(raw),
    via: 'smtp',
    envelopeFrom: 'rae@example.net',
    envelopeTo: ['security@lists.tockos.org'],
  });
  await runIntakePass(h.app, { leaseMs: 60_000 });
  const row = (await h.app.db.query<{ report_id: string }>('SELECT report_id FROM mail_inbox WHERE id = $1', [stored.id])).rows[0]!;
  const view = (await api(h, 'GET', `/api/reports/${row.report_id}`, { as: coord })).json;
  assert.equal(view.channel, 'email');
  assert.equal(view.incident, null, 'in triage: the coordinator acknowledges and assesses it');
  assert.ok(view.actions.includes('triage.acknowledge'));
  assert.deepEqual(
    view.deadlines.map((d: any) => [d.clock, d.owner]),
    [
      ['initial-review', 'Charles Coordinator'],
      ['assignment', 'Charles Coordinator'],
    ],
  );
  // The project team sees it once it is assessed, not before.
  assert.equal((await api(h, 'GET', `/api/reports/${row.report_id}`, { as: kim })).status, 404);
});

test('Tock 1.4, 2.4, 3.4, 4.1–4.3, 5.3–5.4, disclosure template: a private advisory with the required sections, stakeholders told in confidence, a CVE id, published with the reporter notified', async () => {
  h.clock.set('2026-12-22T09:00:00Z');
  const reportId = await submit('Process loading skips the MPU check');
  await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord });
  await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Process loading skips the MPU check', severity: 'high', components: ['MPU'], project: 'tock' },
  });
  await api(h, 'PUT', `/api/reports/${reportId}/cvss`, { as: coord, body: { vectors: ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H'] } });
  // 1.4: the private advisory, seen by the security teams only.
  const created = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: coord, body: {} });
  assert.equal(created.status, 201, created.body);
  const advisoryId = created.json.advisoryId as string;
  const head = async () => (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: coord })).json;
  // 3.4: documented for internal tracking, on the case only.
  assert.equal(
    (
      await api(h, 'POST', `/api/reports/${reportId}/notes`, {
        as: coord,
        body: { body: 'Root cause: loader trusts the TBF header size.' },
      })
    ).status,
    200,
  );
  // 4.2: a CVE id.
  await addCveBlock(admin.ctx, { block: 'CVE-2026-7000..CVE-2026-7001' });
  assert.equal((await api(h, 'POST', `/api/advisories/${advisoryId}/cve`, { as: coord })).status, 201);
  // 4.3: without the sections the process requires, publication is refused and names them.
  let v = await head();
  const base = {
    ...v.head.document,
    summary: 'A process image can run without its MPU regions.',
    description: 'The loader trusts the header size of a TBF image and skips the MPU configuration.',
    affected: [
      {
        project: 'tock',
        vendor: 'Tock',
        product: 'Tock OS',
        ranges: [{ type: 'semver', introduced: '2.0.0', fixed: '2.2.0' }],
        components: ['MPU'],
      },
    ],
    references: [{ url: 'https://github.com/tock/tock/pull/1', type: 'fix' }],
  };
  await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, { as: coord, body: { document: base } });
  v = await head();
  await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: ivan, body: { version: v.headVersion, verdict: 'approved' } });
  const refused = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: coord, body: {} });
  assert.equal(refused.status, 400, refused.body);
  assert.match(JSON.stringify(refused.json.error.details), /mitigation/i);
  // 2.4: stakeholders are notified in confidence; a draft naming the reporter is refused for them.
  const leaky = { ...base, description: `${base.description} Found by Rae Reporter.` };
  await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, { as: coord, body: { document: leaky } });
  const leak = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: coord,
    body: { audience: 'stakeholders', recipients: ['psirt@board-vendor.example'] },
  });
  assert.equal(leak.status, 422, leak.body);
  await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
    as: coord,
    body: { document: { ...base, mitigation: 'Load only signed process images.', upgrade: 'Upgrade to Tock 2.2.0.' } },
  });
  const told = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: coord,
    body: { audience: 'stakeholders', recipients: ['psirt@board-vendor.example'] },
  });
  assert.equal(told.status, 201, told.body);
  // 4.1, 5.3, 5.4: a disclosure date, publication by it, the reporter notified with the template.
  v = await head();
  await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: ivan, body: { version: v.headVersion, verdict: 'approved' } });
  const pub = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, {
    as: coord,
    body: { publishAt: '2027-01-05T15:00:00Z', notifyReporter: true },
  });
  assert.equal(pub.status, 200, pub.body);
  const notice = (await outbox(h, reportId)).find((m) => m.templateId === 'disclosure_notification')!;
  assert.equal(notice.subject, '[Tock Security] Security Advisory Publication Notice');
  assert.match(notice.body, /The CVE assigned to this issue is CVE-2026-7000\./);
  assert.deepEqual(notice.cc, ['security@lists.tockos.org'], 'the Tock security mailing list is in the loop');
});

test('Tock 6.1–6.3: after release the incident is reopened if the fix has problems, a retrospective is kept on it, and the process document is updated', async () => {
  h.clock.set('2026-12-28T09:00:00Z');
  const reportId = await submit('Timer driver overflow');
  await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Timer driver overflow', severity: 'low', components: ['IPC'], project: 'tock' },
  });
  await api(h, 'POST', `/api/reports/${reportId}/assign`, { as: coord, body: { subsystem: 'IPC' } });
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tock/confirm`, { as: ivan, body: {} })).status, 200);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/close`, { as: coord, body: { reason: 'Fixed in 2.2.1' } })).status, 200);
  // 6.1: monitoring finds a problem with the fix.
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/reopen`, { as: coord, body: { reason: 'The fix breaks nRF52 timers' } })).status,
    200,
  );
  // A new cycle: the assignee decides on it again before it closes again.
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tock/confirm`, { as: ivan, body: {} })).status, 200);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/close`, { as: coord, body: { reason: 'Fixed again in 2.2.2' } })).status,
    200,
  );
  // 6.2: the retrospective stays with the case.
  const retro = await api(h, 'POST', `/api/reports/${reportId}/notes`, {
    as: coord,
    body: { body: 'Retrospective: the regression test for the timer driver was missing.' },
  });
  assert.equal(retro.status, 200);
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.ok(view.thread.some((m: any) => m.kind === 'note' && /Retrospective/.test(m.body)));
  // 6.3: the process document (the desk's profile) is updated with the lessons learned; only by an admin.
  const yaml = (await api(h, 'GET', '/api/profile', { as: coord })).body;
  const edited = yaml.replace('version: "1.0"', 'version: "1.1"');
  assert.notEqual(edited, yaml);
  assert.equal((await api(h, 'PUT', '/api/profile', { as: coord, body: { yaml: edited } })).status, 403);
  const put = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: edited } });
  assert.equal(put.status, 200, put.body);
  assert.match((await api(h, 'GET', '/api/profile', { as: coord })).body, /version: "1\.1"/);
});
