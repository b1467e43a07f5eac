import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, outbox, auditActions, type Harness, type Member } from '../support/harness.ts';
import { setSubsystemContacts, updateAvailability } from '../../src/app/admin/admin.ts';

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

test('Tock: report → acknowledge → assess → assign by subsystem (primary)', async () => {
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
  assert.match(mail.at(-1)!.subject, /^\[Tock Security\] Status Update on Report #\d+$/);
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

test('Tock: the secondary contact is assigned when the primary is out of office', async () => {
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

test('Tock: a changed severity moves the resolution target and records why', async () => {
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
