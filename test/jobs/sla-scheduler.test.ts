import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addProject, sampleReport, auditActions, backend, type Harness, type Member } from '../support/harness.ts';
import { person, queuedNotices, noticeSummary, type Person } from './support.ts';
import { runSlaScheduler, startScheduler, type SchedulerResult } from '../../src/jobs/sla-scheduler.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { acceptReport, acknowledgeReport, assessReport, claimTriage, rejectReport } from '../../src/app/cases/triage.ts';
import { assignBySubsystem, claimHandler, confirmVulnerability } from '../../src/app/cases/handling.ts';
import { setSubsystemContacts, updateAvailability } from '../../src/app/admin/admin.ts';
import { addDaysOff } from '../../src/app/sla/calendars.ts';
import { changeSeverity } from '../../src/app/scoring/severity.ts';
import type { Ctx } from '../../src/app/context.ts';

// The SLA scheduler against a real database: who is reminded before a deadline, who is told when it
// passes, who is skipped, and that nothing is sent twice.

const at = (iso: string) => new Date(iso);
const counts = (r: SchedulerResult) => ({ reminders: r.reminders, escalations: r.escalations, failures: r.failures });
const none = { reminders: 0, escalations: 0, failures: [] };

interface TfDesk {
  h: Harness;
  admin: Member;
  anonymous: Ctx;
  tina: Person; // central, Los Angeles
  tom: Person; // central, London
  tess: Person; // central, Kolkata
  hank: Person; // tf-a, Kolkata
  hana: Person; // tf-a, London
}

async function tfDesk(config: Record<string, unknown> = {}): Promise<TfDesk> {
  const h = await startHarness({ clock: '2026-11-20T09:00:00Z', config });
  const admin = await setupDesk(h, 'trusted-firmware'); // Ada Admin, London, on the central team
  await addProject(admin, 'tf-a', 'TF-A');
  return {
    h,
    admin,
    anonymous: { app: h.app, principal: { kind: 'anonymous' } },
    tina: await person(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', timeZone: 'America/Los_Angeles', teams: ['security'] }),
    tom: await person(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] }),
    tess: await person(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', timeZone: 'Asia/Kolkata', teams: ['security'] }),
    hank: await person(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', timeZone: 'Asia/Kolkata', teams: ['tf-a-security'] }),
    hana: await person(h, admin, { name: 'Hana Handler', email: 'hana@tf.example', teams: ['tf-a-security'] }),
  };
}

async function submitAt(d: { h: Harness; anonymous: Ctx }, iso: string, report: object = sampleReport): Promise<string> {
  d.h.clock.set(iso);
  return (await submitReport(d.anonymous, 'api', report)).reportId;
}

async function away(d: { h: Harness; admin: Member }, who: Person, change: { available?: boolean; awayUntil?: string | null }) {
  await updateAvailability(d.admin.ctx, who.personId, change);
}

const reporterValues = [
  'Rita Reporter',
  'rita@research.example',
  'Example Research',
  'Megacorp Automotive',
  'ExampleCorp secure boot',
  'Stack overflow in the BL2',
  'crafted FIP image',
];

test('TF: the owner is reminded before the deadline; at breach the other central members are told and can take over; nothing twice', async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z'); // Monday
    d.h.clock.set('2026-11-23T10:00:00Z');
    await claimTriage(d.tina.ctx, reportId);
    // 3 working days in Los Angeles from Monday 01:00 there: Tue, Wed, Thu → due Friday 00:00 PST.
    // Reminder 1 working day before: the start of Thursday in Los Angeles.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T07:59:59Z'))), none);
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T08:00:00Z'))), { ...none, reminders: 1 });
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T08:30:00Z'))), none, 'a second pass sends nothing');

    const [reminder] = await queuedNotices(d.h, reportId);
    assert.deepEqual(reminder!.to, ['tina@tf.example']);
    assert.equal(reminder!.subject, '[Embargo] Reminder: Triage within 3 working days for report #1 is due Fri 27 Nov 00:00 GMT-8');
    assert.match(
      reminder!.body,
      /^Hello Tina Triager,\n\nReminder: the clock "Triage within 3 working days" of report #1 is due on Friday 27 November 2026 at 00:00 \(America\/Los_Angeles; 2026-11-27T00:00:00-08:00\), in 24 hours\.\n\nYou own this clock\./,
    );
    assert.ok(reminder!.body.includes(`Open the case: http://localhost:8080/cases/${reportId}`));

    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T07:59:59Z'))), none);
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T08:00:00Z'))), { ...none, escalations: 3 });
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T09:00:00Z'))), none, 'a second pass sends nothing');
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-12-05T09:00:00Z'))), none, 'nor does a later one');

    assert.deepEqual(await noticeSummary(d.h, reportId), {
      reminder: ['tina@tf.example'],
      escalation: ['admin@example.org', 'tess@tf.example', 'tom@tf.example'],
    });
    const tess = (await queuedNotices(d.h, reportId)).find((n) => n.to[0] === 'tess@tf.example')!;
    assert.equal(tess.subject, '[Embargo] Overdue: Triage within 3 working days for report #1 (owner Tina Triager)');
    // Due instant in Tess's own zone (Kolkata).
    assert.ok(
      tess.body.includes(
        'passed its deadline on Friday 27 November 2026 at 13:30 (Asia/Kolkata; 2026-11-27T13:30:00+05:30), less than an hour ago.',
      ),
      tess.body,
    );
    assert.ok(tess.body.includes('Its owner is Tina Triager.'));
    assert.ok(tess.body.includes("You are told as a backup: the members of the central security team pick up the owner's duties."));
    assert.ok(
      tess.body.includes(
        `You can take over in one click: "Take over the triager's duties" on the case page (API: POST /api/reports/${reportId}/take-over with a reason).`,
      ),
    );

    // Never the reporter's identity, their sensitive values, the title or the body.
    for (const n of await queuedNotices(d.h, reportId)) {
      for (const v of reporterValues) assert.ok(!`${n.subject}\n${n.body}`.includes(v), `notice to ${n.to} contains "${v}"`);
      assert.deepEqual(n.cc, []);
    }
    const actions = (await auditActions(d.h, reportId)).filter((a) => a.startsWith('sla.'));
    assert.deepEqual(actions, ['sla.reminder_sent', 'sla.escalated', 'sla.escalated', 'sla.escalated']);
    const rows = await d.h.app.db.query<{ kind: string; outbox_id: string | null }>('SELECT kind, outbox_id FROM notices');
    assert.equal(rows.rows.length, 4);
    assert.ok(
      rows.rows.every((r) => r.outbox_id !== null),
      'every notice names its outbox row',
    );
  } finally {
    await d.h.close();
  }
});

test('TF: an unclaimed report reminds the central team; people away or unavailable are skipped, at reminder and at breach', async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z');
    await away(d, d.tom, { awayUntil: '2026-12-01T00:00:00Z' });
    await away(d, d.tess, { available: false });
    // Unclaimed: counted in the desk's zone (London), due Friday 00:00; reminded at the start of Thursday.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T00:00:00Z'))), { ...none, reminders: 2 });
    const reminders = await queuedNotices(d.h, reportId);
    assert.deepEqual(reminders.map((n) => n.to[0]).sort(), ['admin@example.org', 'tina@tf.example']);
    const tina = reminders.find((n) => n.to[0] === 'tina@tf.example')!;
    assert.ok(tina.body.includes('Nobody owns it yet; you are on the team it falls to.'));
    assert.ok(tina.body.includes(`You can claim it in one click: "Claim" on the case page (API: POST /api/reports/${reportId}/claim).`));

    // Tom is back before the deadline, but the reminder is settled: he is not reminded late.
    await away(d, d.tom, { awayUntil: '2026-11-26T12:00:00Z' });
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T13:00:00Z'))), none);
    // At breach Tom is back and Tess still unavailable.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T00:00:00Z'))), { ...none, escalations: 3 });
    assert.deepEqual((await noticeSummary(d.h, reportId)).escalation, ['admin@example.org', 'tina@tf.example', 'tom@tf.example']);
  } finally {
    await d.h.close();
  }
});

test('TF: an owner out of office is skipped (their team is reminded instead); backups out of office get no escalation', async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z');
    d.h.clock.set('2026-11-23T10:00:00Z');
    await claimTriage(d.tina.ctx, reportId);
    await away(d, d.tina, { awayUntil: '2026-12-10T00:00:00Z' });
    await away(d, d.tom, { awayUntil: '2026-11-28T00:00:00Z' });
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T08:00:00Z'))), { ...none, reminders: 2 });
    const reminders = await queuedNotices(d.h, reportId);
    assert.deepEqual(reminders.map((n) => n.to[0]).sort(), ['admin@example.org', 'tess@tf.example']);
    assert.ok(reminders[0]!.body.includes('Its owner, Tina Triager, is away; you are on the team it falls to.'));
    assert.ok(reminders[0]!.body.includes('You can take over in one click'));

    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T08:00:00Z'))), { ...none, escalations: 2 });
    assert.deepEqual((await noticeSummary(d.h, reportId)).escalation, ['admin@example.org', 'tess@tf.example']);
  } finally {
    await d.h.close();
  }
});

test('TF: days off count: the owner is reminded on their last working day before the deadline; a backup on a day off (in their zone) is skipped', async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z');
    d.h.clock.set('2026-11-23T10:00:00Z');
    await claimTriage(d.tina.ctx, reportId); // due Friday 00:00 in Los Angeles
    // Booked after the deadline was set: the deadline stays; Thursday is no longer a working day for Tina.
    await addDaysOff(d.tina.ctx, d.tina.personId, { startsOn: '2026-11-26' });
    await addDaysOff(d.tom.ctx, d.tom.personId, { startsOn: '2026-11-27', endsOn: '2026-11-30' });
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-25T07:59:59Z'))), none);
    assert.deepEqual(
      counts(await runSlaScheduler(d.h.app, at('2026-11-25T08:00:00Z'))),
      { ...none, reminders: 1 },
      'start of Wednesday in Los Angeles',
    );
    assert.deepEqual(await noticeSummary(d.h, reportId), { reminder: ['tina@tf.example'] });
    // Friday 08:00 UTC is Friday in London: Tom's day off.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T08:00:00Z'))), { ...none, escalations: 2 });
    assert.deepEqual((await noticeSummary(d.h, reportId)).escalation, ['admin@example.org', 'tess@tf.example']);
  } finally {
    await d.h.close();
  }
});

test('TF: stopped clocks send nothing; project analysis reminds the project team, then the handler, and escalates to the team and the triager', async () => {
  const d = await tfDesk();
  try {
    const accepted = await submitAt(d, '2026-11-23T09:00:00Z');
    const rejected = await submitAt(d, '2026-11-23T09:00:00Z');
    const confirmed = await submitAt(d, '2026-11-23T09:00:00Z');
    d.h.clock.set('2026-11-23T10:00:00Z');
    for (const id of [accepted, rejected, confirmed]) await claimTriage(d.tina.ctx, id);
    d.h.clock.set('2026-11-24T10:00:00Z');
    await rejectReport(d.tina.ctx, rejected, { reason: 'This is the documented behaviour of the debug build.' });
    await acceptReport(d.tina.ctx, accepted, { title: 'BL2 FIP header overflow', projects: ['tf-a'] });
    await acceptReport(d.tina.ctx, confirmed, { title: 'BL31 SMC overflow', projects: ['tf-a'] });
    // Triage clocks stopped before their reminder and their deadline: nothing for them, ever.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T08:00:00Z'))), none);
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-27T08:00:00Z'))), none);
    assert.deepEqual(await noticeSummary(d.h, rejected), {});

    // Project analysis: 7 days from 2026-11-24T10:00Z, unclaimed, reminded 48 hours before: the tf-a team.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-29T09:59:59Z'))), none);
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-29T10:00:00Z'))), { ...none, reminders: 4 });
    for (const id of [accepted, confirmed])
      assert.deepEqual(await noticeSummary(d.h, id), { reminder: ['hana@tf.example', 'hank@tf.example'] });
    const hana = (await queuedNotices(d.h, accepted)).find((n) => n.to[0] === 'hana@tf.example')!;
    assert.ok(
      hana.body.includes(
        `You can claim it in one click: "TF-A: Become the incident handler" on the case page (API: POST /api/reports/${accepted}/projects/tf-a/claim).`,
      ),
      hana.body,
    );
    assert.match(hana.subject, /^\[Embargo\] Reminder: Project analysis within 7 days for TF-2026-000\d is due Tue 1 Dec 10:00 GMT$/);

    // Hank claims one: its clock is a new row with an owner, within its reminder window: Hank is reminded.
    d.h.clock.set('2026-11-30T09:00:00Z');
    await claimHandler(d.hank.ctx, confirmed, 'tf-a');
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-30T09:30:00Z'))), { ...none, reminders: 1 });
    assert.deepEqual(await noticeSummary(d.h, confirmed), { reminder: ['hana@tf.example', 'hank@tf.example', 'hank@tf.example'] });
    d.h.clock.set('2026-11-30T12:00:00Z');
    await confirmVulnerability(d.hank.ctx, confirmed, 'tf-a', {});

    // At breach: the unclaimed one escalates to the project team and the triager; the confirmed one is stopped.
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-12-01T10:00:00Z'))), { ...none, escalations: 3 });
    assert.deepEqual((await noticeSummary(d.h, accepted)).escalation, ['hana@tf.example', 'hank@tf.example', 'tina@tf.example']);
    assert.equal((await noticeSummary(d.h, confirmed)).escalation, undefined);
    const [tina] = (await queuedNotices(d.h, accepted)).filter((n) => n.to[0] === 'tina@tf.example');
    assert.ok(tina!.body.includes('You are told as a backup: as the triager you make sure the project team handles the incident in time.'));
    assert.ok(!tina!.body.includes('one click'), 'the triager is not on the project team: no take-over offered');
    assert.ok(tina!.subject.endsWith('(unclaimed)'));
  } finally {
    await d.h.close();
  }
});

test("a team member who shares the reporter's name gets a minimal notice: the leak guard refuses the full one", async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z', {
      ...sampleReport,
      reporter: { ...sampleReport.reporter, name: 'Tina Triager' },
    });
    d.h.clock.set('2026-11-23T10:00:00Z');
    await claimTriage(d.tina.ctx, reportId);
    assert.deepEqual(counts(await runSlaScheduler(d.h.app, at('2026-11-26T08:00:00Z'))), { ...none, reminders: 1 });
    const [n] = await queuedNotices(d.h, reportId);
    assert.deepEqual(n!.to, ['tina@tf.example']);
    assert.equal(n!.subject, '[Embargo] Reminder: a clock of case 1 is due soon');
    assert.ok(!n!.body.includes('Tina'));
    const ev = await d.h.app.db.query<{ data: { redacted: boolean } }>(`SELECT data FROM audit_events WHERE action = 'sla.reminder_sent'`);
    assert.equal(ev.rows[0]!.data.redacted, true);
  } finally {
    await d.h.close();
  }
});

test('two passes at once send each notice once', async () => {
  const d = await tfDesk();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submitAt(d, '2026-11-23T09:00:00Z'));
    const [a, b] = await Promise.all([
      runSlaScheduler(d.h.app, at('2026-11-27T00:00:00Z')),
      runSlaScheduler(d.h.app, at('2026-11-27T00:00:00Z')),
    ]);
    // Five unclaimed reports, four central members each: 20 escalations in all, split between the passes.
    assert.equal(a.escalations + b.escalations, 20);
    assert.equal(a.reminders + b.reminders, 0, 'the reminder window has passed: no late reminders');
    assert.equal((await queuedNotices(d.h)).length, 20);
    for (const id of ids) assert.equal((await noticeSummary(d.h, id)).escalation?.length, 4);
  } finally {
    await d.h.close();
  }
});

test('a use case stopping a clock while a pass is about to notify: no deadlock, and nothing is sent for the stopped clock', async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z');
    const due = at('2026-11-27T00:00:00Z');
    // A use case's shape: lock the case (FOR UPDATE), then stop its clocks, then commit.
    let pass: Promise<SchedulerResult> | null = null;
    await d.h.app.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM reports WHERE id = $1 FOR UPDATE', [reportId]);
      if (backend === 'postgres') {
        // On a server, start the pass now and wait until it is blocked by this transaction.
        const me = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        pass = runSlaScheduler(d.h.app, due);
        for (;;) {
          const blocked = await d.h.app.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
            [me],
          );
          if (blocked.rows[0]!.n > 0) break;
          await new Promise((r) => setImmediate(r));
        }
      }
      await tx.query(`UPDATE deadlines SET stopped_at = $2, stop_reason = 'report_rejected' WHERE report_id = $1 AND stopped_at IS NULL`, [
        reportId,
        due,
      ]);
    });
    // PGlite runs one transaction at a time: there the pass simply comes after.
    const result = await (pass ?? runSlaScheduler(d.h.app, due));
    assert.deepEqual(counts(result), none);
    assert.deepEqual(await noticeSummary(d.h, reportId), {});
  } finally {
    await d.h.close();
  }
});

test('Tock: the resolution target escalates to the secondary contact of the assigned subsystem (the primary when the secondary has it; the central team when both are away); the default reminder lead comes from config', async () => {
  const h = await startHarness({ clock: '2026-11-20T09:00:00Z', config: { slaRemindBeforeHours: 48 } });
  try {
    const admin = await setupDesk(h, 'tock', 'America/New_York');
    const charles = await person(h, admin, {
      name: 'Charles Coordinator',
      email: 'charles@tock.example',
      timeZone: 'America/New_York',
      teams: ['security'],
    });
    const kim = await person(h, admin, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
    const kate = await person(h, admin, {
      name: 'Kate Kernel',
      email: 'kate@tock.example',
      timeZone: 'Europe/Berlin',
      teams: ['tock-security'],
    });
    await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: 'kate@tock.example' });
    const anonymous: Ctx = { app: h.app, principal: { kind: 'anonymous' } };

    // A critical report on Monday 09:00 New York: P0, resolution within 7 days of the report.
    const incident = async (iso: string) => {
      h.clock.set(iso);
      const { reportId } = await submitReport(anonymous, 'api', { ...sampleReport, title: 'Kernel grant region overlap' });
      await acknowledgeReport(charles.ctx, reportId);
      await assessReport(charles.ctx, reportId, { title: 'Grant overlap', severity: 'critical', components: ['Kernel'], project: 'tock' });
      const { via } = await assignBySubsystem(charles.ctx, reportId, { subsystem: 'Kernel' });
      return { reportId, via };
    };
    const first = await incident('2026-11-23T14:00:00Z');
    assert.equal(first.via, 'primary');
    // The resolution rule sets no remindBefore: the desk's default, here 48 hours, to the owner (the coordinator).
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-11-28T13:59:59Z'))), none);
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-11-28T14:00:00Z'))), { ...none, reminders: 1 });
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-11-30T14:00:00Z'))), { ...none, escalations: 1 });
    assert.deepEqual(await noticeSummary(h, first.reportId), { reminder: ['charles@tock.example'], escalation: ['kate@tock.example'] });
    const kateMail = (await queuedNotices(h, first.reportId)).find((n) => n.kind === 'escalation')!;
    assert.ok(
      kateMail.body.includes('You are told as a backup: you are a contact of the Kernel subsystem and back up the one who has the work.'),
    );
    assert.ok(
      kateMail.body.includes(
        `You can take over in one click: "Tock: Take over the handler's duties" on the case page (API: POST /api/reports/${first.reportId}/projects/tock/take-over with a reason).`,
      ),
    );
    assert.ok(kateMail.body.includes('(Europe/Berlin; 2026-11-30T15:00:00+01:00)'));

    // Kim away at assignment: Kate (secondary) is assigned, so the primary, Kim, backs her up.
    await updateAvailability(admin.ctx, kim.personId, { awayUntil: '2026-12-08T00:00:00Z' });
    const second = await incident('2026-12-07T14:00:00Z');
    assert.equal(second.via, 'secondary');
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-12-14T14:00:00Z'))), { ...none, reminders: 0, escalations: 1 });
    assert.deepEqual((await noticeSummary(h, second.reportId)).escalation, ['kim@tock.example']);

    // Both contacts away at breach: the central team, without the owner.
    const third = await incident('2026-12-21T14:00:00Z');
    await updateAvailability(admin.ctx, kate.personId, { awayUntil: '2027-01-10T00:00:00Z' });
    await updateAvailability(admin.ctx, kim.personId, { available: false });
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-12-28T14:00:00Z'))), { ...none, escalations: 1 });
    assert.deepEqual((await noticeSummary(h, third.reportId)).escalation, ['admin@example.org']);
    const adaMail = (await queuedNotices(h, third.reportId)).find((n) => n.kind === 'escalation')!;
    assert.ok(adaMail.body.includes('none of the people who back this clock up is available, and you are on the central security team'));
  } finally {
    await h.close();
  }
});

test('startScheduler runs passes on a timer, records a heartbeat, and stops cleanly', async () => {
  const d = await tfDesk();
  try {
    const reportId = await submitAt(d, '2026-11-23T09:00:00Z');
    d.h.clock.set('2026-11-27T01:00:00Z'); // past the deadline
    const results: SchedulerResult[] = [];
    let done!: () => void;
    const twoPasses = new Promise<void>((resolve) => (done = resolve));
    const handle = startScheduler(d.h.app, {
      intervalMs: 5,
      id: 'test-scheduler',
      onPass: (r) => {
        results.push(r);
        if (results.length === 2) done();
      },
      onError: (e) => assert.fail(String(e)),
    });
    await twoPasses;
    await handle.stop();
    const after = results.length;
    assert.deepEqual(results.slice(0, 2).map(counts), [{ ...none, escalations: 4 }, none]);
    assert.equal((await noticeSummary(d.h, reportId)).escalation?.length, 4);
    const hb = await d.h.app.db.query<{ scheduler_id: string; last_error: string | null }>(
      'SELECT scheduler_id, last_error FROM scheduler_heartbeats',
    );
    assert.deepEqual(hb.rows, [{ scheduler_id: 'test-scheduler', last_error: null }]);
    // Stopped: no pass starts afterwards, while another scheduler on the same timer runs two.
    let watcherDone!: () => void;
    const watcherTwoPasses = new Promise<void>((resolve) => (watcherDone = resolve));
    let watcherPasses = 0;
    const watcher = startScheduler(d.h.app, {
      intervalMs: 5,
      id: 'watcher',
      onPass: () => {
        if (++watcherPasses === 2) watcherDone();
      },
      onError: (e) => assert.fail(String(e)),
    });
    await watcherTwoPasses;
    await watcher.stop();
    assert.equal(results.length, after);
  } finally {
    await d.h.close();
  }
});

test('Tock: a subsystem contact on a day off today (in their own zone) is skipped by assignment, exactly as by escalation', async () => {
  const h = await startHarness({ clock: '2026-11-20T09:00:00Z' });
  try {
    const admin = await setupDesk(h, 'tock', 'America/New_York');
    const charles = await person(h, admin, {
      name: 'Charles Coordinator',
      email: 'charles@tock.example',
      timeZone: 'America/New_York',
      teams: ['security'],
    });
    // Auckland is a day ahead of UTC in the afternoon: "today" is Kim's local date, not the server's.
    const kim = await person(h, admin, {
      name: 'Kim Kernel',
      email: 'kim@tock.example',
      timeZone: 'Pacific/Auckland',
      teams: ['tock-security'],
    });
    await person(h, admin, { name: 'Kate Kernel', email: 'kate@tock.example', timeZone: 'Europe/Berlin', teams: ['tock-security'] });
    await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: 'kate@tock.example' });
    await addDaysOff(admin.ctx, kim.personId, { startsOn: '2026-12-08' });
    await addDaysOff(admin.ctx, kim.personId, { startsOn: '2026-12-15' });

    // Monday 14:00 UTC is Tuesday 8 December 03:00 in Auckland: Kim's day off, so Kate is assigned.
    h.clock.set('2026-12-07T14:00:00Z');
    const { reportId } = await submitReport({ app: h.app, principal: { kind: 'anonymous' } }, 'api', sampleReport);
    await acknowledgeReport(charles.ctx, reportId);
    await assessReport(charles.ctx, reportId, { title: 'Grant overlap', severity: 'critical', components: ['Kernel'], project: 'tock' });
    assert.equal((await assignBySubsystem(charles.ctx, reportId, { subsystem: 'Kernel' })).via, 'secondary');

    // At breach (Tuesday 15 December in Auckland) Kim, Kate's backup, is off again: the central team is told.
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-12-14T14:00:00Z'))), { ...none, escalations: 1 });
    assert.deepEqual((await noticeSummary(h, reportId)).escalation, ['admin@example.org']);
  } finally {
    await h.close();
  }
});

test('Tock: severity changed and changed back recreates the resolution clock with the same due time; its owner is not reminded twice', async () => {
  const h = await startHarness({ clock: '2026-11-20T09:00:00Z', config: { slaRemindBeforeHours: 48 } });
  try {
    const admin = await setupDesk(h, 'tock', 'America/New_York');
    const charles = await person(h, admin, {
      name: 'Charles Coordinator',
      email: 'charles@tock.example',
      timeZone: 'America/New_York',
      teams: ['security'],
    });
    await person(h, admin, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
    await person(h, admin, { name: 'Kate Kernel', email: 'kate@tock.example', teams: ['tock-security'] });
    await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: 'kate@tock.example' });
    const anonymous: Ctx = { app: h.app, principal: { kind: 'anonymous' } };
    h.clock.set('2026-11-23T14:00:00Z');
    const { reportId } = await submitReport(anonymous, 'api', { ...sampleReport, title: 'Kernel grant region overlap' });
    await acknowledgeReport(charles.ctx, reportId);
    await assessReport(charles.ctx, reportId, { title: 'Grant overlap', severity: 'critical', components: ['Kernel'], project: 'tock' });
    await assignBySubsystem(charles.ctx, reportId, { subsystem: 'Kernel' });
    // P0: resolution due 2026-11-30T14:00Z; the owner is reminded 48 hours before.
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-11-28T14:00:00Z'))), { ...none, reminders: 1 });
    h.clock.set('2026-11-28T15:00:00Z');
    await changeSeverity(charles.ctx, reportId, { severity: 'low', reason: 'looked harmless at first' });
    h.clock.set('2026-11-28T15:05:00Z');
    await changeSeverity(charles.ctx, reportId, { severity: 'critical', reason: 'it is exploitable after all' });
    const running = await h.app.db.query<{ due_at: Date }>(
      'SELECT due_at FROM deadlines WHERE report_id = $1 AND clock = $2 AND stopped_at IS NULL',
      [reportId, 'resolution'],
    );
    assert.deepEqual(
      running.rows.map((r) => new Date(r.due_at).toISOString()),
      ['2026-11-30T14:00:00.000Z'],
      'the recreated clock has the same due time',
    );
    assert.deepEqual(counts(await runSlaScheduler(h.app, at('2026-11-28T16:00:00Z'))), none);
    assert.deepEqual((await noticeSummary(h, reportId)).reminder, ['charles@tock.example']);
  } finally {
    await h.close();
  }
});
