import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, type Harness, type Member } from '../support/harness.ts';
import { setSubsystemContacts } from '../../src/app/admin/admin.ts';
import { advisoryView, createAdvisory, saveAdvisory } from '../../src/app/advisories/advisories.ts';
import { reviewAdvisory, schedulePublication } from '../../src/app/advisories/review.ts';
import { emitPublicationEvents } from '../../src/app/advisories/publication-events.ts';
import { startPublicationEvents } from '../../src/jobs/publication-events.ts';
import { runSlaScheduler } from '../../src/jobs/sla-scheduler.ts';
import { slaDashboard } from '../../src/app/sla/stats.ts';

// Tock's resolution clock stops when the fix is public. The fix becomes public with the advisory, at
// its scheduled instant, with nobody acting: the publication pass emits advisory_published and
// fix_published at that instant, once, and the dashboard then measures time to fix and to disclose.

let h: Harness;
let admin: Member, coord: Member, kim: Member, tom: Member;
let published: string;

before(async () => {
  h = await startHarness({ clock: '2026-11-30T14:00:00Z' });
  admin = await setupDesk(h, 'tock', 'America/New_York');
  coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tock.example', teams: ['security'] });
  kim = await addMember(h, admin, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
  await addMember(h, admin, { name: 'Kai Kernel', email: 'tom2@tock.example', teams: ['tock-security'] });
  await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: 'tom2@tock.example' });
});
after(() => h.close());

const resolution = async (reportId: string) =>
  (
    await h.app.db.query<{ stopped_at: Date | null; stop_reason: string | null; due_at: Date }>(
      `SELECT stopped_at, stop_reason, due_at FROM deadlines WHERE report_id = $1 AND clock = 'resolution' AND (stop_reason IS NULL OR stop_reason NOT LIKE 'reassigned%')`,
      [reportId],
    )
  ).rows;

test('Tock: at the advisory publication instant the resolution clock stops, and time to fix / disclose are measured', async () => {
  const submitted = await api(h, 'POST', '/api/reports', {
    body: {
      title: 'Kernel grant overflow',
      body: 'An app can overflow a kernel grant region with a crafted allow call.',
      reporter: { name: 'Rae Reporter', email: 'rae@example.net' },
    },
  });
  assert.equal(submitted.status, 201, submitted.body);
  const reportId = submitted.json.reportId as string;
  published = reportId;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord })).status, 200);
  const assessed = await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Kernel grant overflow', severity: 'critical', components: ['Kernel'], project: 'tock' },
  });
  assert.equal(assessed.status, 200, assessed.body);
  assert.equal(assessed.json.priority, 'P0');
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/assign`, { as: coord, body: { subsystem: 'kernel' } })).status, 200);

  // The advisory, written by Kim, approved by Tom, scheduled for two days later.
  h.clock.set('2026-12-02T10:00:00Z');
  const adv = await createAdvisory(kim.ctx, reportId);
  const doc = (await advisoryView(kim.ctx, adv.advisoryId)).head.document;
  const saved = await saveAdvisory(kim.ctx, adv.advisoryId, {
    document: {
      ...doc,
      summary: 'A grant region overflow in the kernel.',
      description: 'The kernel did not check the length of an allowed buffer against the grant region.',
      mitigation: 'Do not load untrusted apps.',
      upgrade: 'Upgrade to 2.1.1.',
      cveIds: ['CVE-2026-4243'],
      cvss: ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H'],
      affected: [
        { project: 'tock', vendor: 'Tock', product: 'Tock kernel', ranges: [{ type: 'semver', introduced: '2.0.0', fixed: '2.1.1' }] },
      ],
      references: [{ url: 'https://example.org/fix', type: 'fix' }],
    },
  });
  await reviewAdvisory(tom.ctx, adv.advisoryId, { version: saved.version, verdict: 'approved' });
  const publishAt = new Date('2026-12-04T15:00:00Z');
  await schedulePublication(kim.ctx, adv.advisoryId, { publishAt: publishAt.toISOString() });

  // Before the instant nothing is emitted and the clock runs.
  h.clock.set('2026-12-04T14:59:00Z');
  assert.equal((await emitPublicationEvents(h.app, h.clock.fn())).emitted, 0);
  assert.deepEqual(
    (await resolution(reportId)).map((d) => d.stopped_at),
    [null],
  );

  // At the instant: the pass stops the clock at the publication instant, once, however often it runs.
  h.clock.set('2026-12-04T15:00:30Z');
  const passes = await Promise.all([emitPublicationEvents(h.app, h.clock.fn()), emitPublicationEvents(h.app, h.clock.fn())]);
  assert.deepEqual(
    passes.map((p) => p.failures),
    [[], []],
  );
  assert.equal(passes[0]!.emitted + passes[1]!.emitted, 1, 'emitted exactly once');
  assert.equal((await emitPublicationEvents(h.app, h.clock.fn())).emitted, 0);
  // The job serve runs: its passes find nothing left to emit.
  const seen: number[] = [];
  const job = startPublicationEvents(h.app, { intervalMs: 60_000, onPass: (r) => seen.push(r.emitted) });
  await job.wake();
  await job.stop();
  assert.ok(seen.length >= 1 && seen.every((n) => n === 0), String(seen));
  const [clock] = await resolution(reportId);
  assert.equal(clock?.stopped_at?.toISOString(), publishAt.toISOString());
  assert.equal(clock?.stop_reason, 'fix_published');
  const flags = await h.app.db.query<{ case_state: string; fix_ready_at: Date; public_aware_at: Date }>(
    'SELECT case_state, fix_ready_at, public_aware_at FROM incidents WHERE report_id = $1',
    [reportId],
  );
  assert.equal(flags.rows[0]!.case_state, 'VFdPxa');
  assert.equal(flags.rows[0]!.public_aware_at.toISOString(), publishAt.toISOString());
  const moves = await h.app.db.query<{ from_state: string; to_state: string }>(
    `SELECT from_state, to_state FROM transitions WHERE subject_id = $1 AND machine = 'case-state' ORDER BY id`,
    [reportId],
  );
  assert.deepEqual(
    moves.rows.map((m) => `${m.from_state}→${m.to_state}`),
    ['vfdpxa→Vfdpxa', 'Vfdpxa→VFdPxa'],
  );

  // Past the P0 target (7 days from the report): no escalation for a stopped clock.
  h.clock.set('2026-12-20T12:00:00Z');
  const pass = await runSlaScheduler(h.app, h.clock.fn());
  assert.equal(pass.escalations, 0);
  const notices = await h.app.db.query(
    `SELECT 1 FROM notices n JOIN deadlines d ON d.id = n.deadline_id WHERE d.report_id = $1 AND d.clock = 'resolution'`,
    [reportId],
  );
  assert.equal(notices.rows.length, 0);

  const d = await slaDashboard(coord.ctx, {});
  const dist = (m: string) => d.distributions.find((x) => x.measure === m)!;
  assert.equal(dist('fix').n, 1);
  assert.equal(dist('disclose').n, 1);
});

test('Tock: a severity changed after the fix is public does not start the resolution clock again', async () => {
  // The fix is public (above): a P0 → P3 change later (the team rescored it) moves the target of a
  // clock that has nothing left to time. Started again, it would run from the report and escalate.
  h.clock.set('2026-12-21T09:00:00Z');
  const changed = await api(h, 'POST', `/api/reports/${published}/severity`, {
    as: coord,
    body: { severity: 'low', reason: 'Rescored after the release: needs a local app.' },
  });
  assert.equal(changed.status, 200, changed.body);
  const running = (await resolution(published)).filter((d) => d.stopped_at === null);
  assert.deepEqual(running, [], 'no resolution clock runs once the fix is public');
  const [clock] = await resolution(published);
  assert.equal(clock?.stop_reason, 'fix_published');
  const view = (await api(h, 'GET', `/api/reports/${published}`, { as: coord })).json;
  assert.equal(view.incident.priority, 'P3');
  assert.equal(view.incident.resolutionDueAt, clock?.due_at.toISOString(), 'the target the fix was held to stays');
  h.clock.set('2027-03-30T12:00:00Z');
  assert.equal((await runSlaScheduler(h.app, h.clock.fn())).escalations, 0);
});
