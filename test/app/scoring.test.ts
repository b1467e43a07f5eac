import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHarness,
  setupDesk,
  addMember,
  addProject,
  api,
  auditActions,
  sampleReport,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { assessReport } from '../../src/app/cases/triage.ts';
import { removeCvssVector, saveCvssVector, setCvssVectors } from '../../src/app/scoring/scoring.ts';
import { caseView } from '../../src/app/cases/queries.ts';
import { updateProfile } from '../../src/app/admin/instance.ts';
import { loadShippedProfileText } from '../../src/process/loader.ts';
import { ZodError } from 'zod';
import { EmbargoError } from '../../src/domain/errors.ts';

// Scoring an incident with CVSS: the vectors are stored, the severity follows from the score through
// the profile's bands, the priority from the profile's mapping, and the resolution target moves with
// them, all recorded (timeline and audit). Invalid input and people without the right change nothing.

const V40_CRITICAL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 9.3
const V40_HIGH = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 8.7
const V31_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
const V31_HIGH = 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N'; // 8.1
const V31_MEDIUM = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N'; // 5.4
const V31_NONE = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N'; // 0.0

/** Everything a refused request must leave as it was. */
async function state(h: Harness, reportId: string) {
  const inc = await h.app.db.query(
    'SELECT severity, priority, cvss_vectors, resolution_due_at, updated_at FROM incidents WHERE report_id = $1',
    [reportId],
  );
  const dl = await h.app.db.query('SELECT clock, due_at, stopped_at FROM deadlines WHERE report_id = $1 ORDER BY started_at, due_at', [
    reportId,
  ]);
  const tr = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM transitions WHERE subject_id = $1', [reportId]);
  const head = await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events');
  return JSON.stringify({ inc: inc.rows, dl: dl.rows, tr: tr.rows[0]!.n, head: head.rows[0]!.seq });
}

/** The use case refused with this error code (a Zod error is the HTTP door's validation_failed). */
async function refusal(p: Promise<unknown>, code: string): Promise<{ message: string; details: { path?: string }[] }> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  if (e instanceof ZodError) {
    assert.equal('validation_failed', code, e.message);
    return { message: e.message, details: e.issues.map((i) => ({ path: i.path.join('.') })) };
  }
  assert.ok(e instanceof EmbargoError, `expected an EmbargoError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return e;
}

const resolutionRows = async (h: Harness, reportId: string) =>
  (
    await h.app.db.query<{
      id: string;
      due_at: Date;
      stopped_at: Date | null;
      stop_reason: string | null;
      stop_note_sealed: string | null;
    }>(
      "SELECT id, due_at, stopped_at, stop_reason, stop_note_sealed FROM deadlines WHERE report_id = $1 AND clock = 'resolution' ORDER BY stopped_at NULLS FIRST, due_at",
      [reportId],
    )
  ).rows.map((r) => ({
    ...r,
    // Why a row was replaced is sealed beside its stop reason.
    stop_reason: r.stop_note_sealed
      ? `${r.stop_reason}: ${h.app.sealer.open(r.stop_note_sealed, `deadlines.stop_note:${r.id}`)}`
      : r.stop_reason,
  }));

describe('Tock: severity, priority and resolution target follow the CVSS score', () => {
  let h: Harness;
  let admin: Member, coord: Member, outsider: Member;
  let reportId: string;
  const received = '2026-11-23T10:00:00.000Z';
  const day = 86_400_000;
  const plusDays = (n: number) => new Date(Date.parse(received) + n * day).toISOString();

  before(async () => {
    h = await startHarness({ clock: received });
    admin = await setupDesk(h, 'tock', 'Europe/London');
    await addProject(admin, 'other', 'Other project');
    coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
    outsider = await addMember(h, admin, { name: 'Olive Outsider', email: 'olive@other.example', teams: ['other-security'] });
    h.clock.set(received);
    reportId = (
      await api(h, 'POST', '/api/reports', {
        body: {
          title: 'Grant region overlap',
          body: 'Two grants can overlap and an app reads kernel memory.',
          reporter: { name: 'Rae', email: 'rae@example.net' },
        },
      })
    ).json.reportId;
    h.clock.set('2026-11-24T09:00:00Z');
    const assessed = await assessReport(coord.ctx, reportId, {
      title: 'Grant overlap',
      severity: 'high',
      components: ['Kernel'],
      project: 'tock',
    });
    assert.equal(assessed.priority, 'P1');
    assert.equal(assessed.resolutionDueAt, plusDays(14), 'High → P1 → 14 days from the report');
  });
  after(() => h.close());

  test('a CVSS 4.0 vector scoring Critical sets severity critical, priority P0 and a 7-day target, recorded', async () => {
    h.clock.set('2026-11-25T12:00:00Z');
    const out = await setCvssVectors(coord.ctx, reportId, { vectors: [` ${V40_CRITICAL} `], reason: 'remote, no privileges' });
    assert.deepEqual(
      [out.changed, out.severityChanged, out.governing, out.severity, out.priority, out.resolutionDueAt],
      [true, true, '4.0', 'critical', 'P0', plusDays(7)],
    );
    assert.deepEqual(
      out.vectors.map((v) => [v.vector, v.score, v.severity]),
      [[V40_CRITICAL, 9.3, 'critical']],
    );

    const row = (
      await h.app.db.query('SELECT severity, priority, cvss_vectors, resolution_due_at FROM incidents WHERE report_id = $1', [reportId])
    ).rows[0] as any;
    assert.deepEqual(
      [row.severity, row.priority, row.cvss_vectors, new Date(row.resolution_due_at).toISOString()],
      ['critical', 'P0', [V40_CRITICAL], plusDays(7)],
    );

    // The resolution clock was recomputed from its start (the report), the old one kept with why.
    const rows = await resolutionRows(h, reportId);
    assert.equal(rows.length, 2);
    assert.equal(new Date(rows[0]!.due_at).toISOString(), plusDays(7));
    assert.equal(rows[0]!.stopped_at, null);
    assert.equal(new Date(rows[1]!.due_at).toISOString(), plusDays(14));
    assert.match(rows[1]!.stop_reason!, /high\/P1 → critical\/P0: CVSS 4\.0 9\.3 critical/);

    // Timeline: the vector change with old/new vector and score, then the severity change.
    const view = await caseView(coord.ctx, reportId);
    const tl = view.timeline.filter((t) => t.machine === 'cvss' || t.machine === 'severity');
    assert.deepEqual(
      tl.map((t) => [t.machine, t.participant, t.from, t.to]),
      [
        ['cvss', 'CVSS 4.0', 'none', V40_CRITICAL],
        ['severity', 'case', 'high/P1', 'critical/P0'],
      ],
    );
    assert.match(tl[0]!.reason!, /^9\.3 critical \(CVSS-B, CVSS 4\.0\): remote, no privileges$/);
    assert.deepEqual(
      view.incident!.cvss.map((v) => v.score),
      [9.3],
    );

    // Audit: the vectors (old/new vector, score, severity), then the severity change.
    const actions = (await auditActions(h, reportId)).filter((a) => a.startsWith('incident.'));
    assert.deepEqual(actions.slice(-2), ['incident.cvss_changed', 'incident.severity_changed']);
    const ev = (
      await h.app.db.query<{ data: any }>(
        "SELECT data FROM audit_events WHERE subject_id = $1 AND action = 'incident.cvss_changed' ORDER BY seq DESC LIMIT 1",
        [reportId],
      )
    ).rows[0]!.data;
    assert.deepEqual(ev, {
      changes: [{ version: '4.0', from: null, to: { vector: V40_CRITICAL, score: 9.3, severity: 'critical' } }],
      governing: '4.0',
      severity: { from: 'high', to: 'critical' },
      reason: 'remote, no privileges',
    });
  });

  test('adding a 3.1 vector keeps 4.0 in charge (Tock names no preference); the same set again writes nothing', async () => {
    const out = await saveCvssVector(coord.ctx, reportId, { vector: V31_MEDIUM });
    assert.deepEqual([out.changed, out.severityChanged, out.governing, out.severity, out.priority], [true, false, '4.0', 'critical', 'P0']);
    assert.deepEqual(
      out.vectors.map((v) => v.version),
      ['3.1', '4.0'],
    );
    const before = await state(h, reportId);
    const again = await setCvssVectors(coord.ctx, reportId, { vectors: [V40_CRITICAL, V31_MEDIUM] });
    assert.equal(again.changed, false);
    assert.equal(await state(h, reportId), before);
  });

  test('replacing the 4.0 vector with a High one moves critical/P0 back to high/P1 (14 days)', async () => {
    const out = await saveCvssVector(coord.ctx, reportId, { vector: V40_HIGH });
    assert.deepEqual([out.severity, out.priority, out.resolutionDueAt], ['high', 'P1', plusDays(14)]);
    const view = await caseView(coord.ctx, reportId);
    const last = view.timeline.filter((t) => t.machine === 'cvss').at(-1)!;
    assert.deepEqual([last.from, last.to], [V40_CRITICAL, V40_HIGH]);
    assert.match(last.reason!, /^8\.7 high \(CVSS-B, CVSS 4\.0\); was 9\.3 critical \(CVSS-B, CVSS 4\.0\)$/);
  });

  test('removing the 4.0 vector hands the severity to the 3.1 one: medium, P2, 30 days', async () => {
    const out = await removeCvssVector(coord.ctx, reportId, { version: '4.0', reason: 'scored by mistake' });
    assert.deepEqual([out.governing, out.severity, out.priority, out.resolutionDueAt], ['3.1', 'medium', 'P2', plusDays(30)]);
    assert.deepEqual(
      out.vectors.map((v) => v.vector),
      [V31_MEDIUM],
    );
  });

  test('invalid vectors are refused with the reasons, and nothing changes', async () => {
    const before = await state(h, reportId);
    const e = await refusal(
      setCvssVectors(coord.ctx, reportId, { vectors: ['CVSS:4.0/AV:N/AC:L', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] }),
      'validation_failed',
    );
    assert.match(e.message, /missing base metrics AT, PR, UI, VC, VI, VA, SC, SI, SA/);
    assert.match(e.message, /AV:X is not a valid value/);
    assert.deepEqual(
      e.details.map((d) => d.path),
      ['vectors[0]', 'vectors[1]'],
    );
    const two = await refusal(setCvssVectors(coord.ctx, reportId, { vectors: [V31_HIGH, V31_CRITICAL] }), 'validation_failed');
    assert.match(two.message, /two CVSS 3\.1 vectors/);
    await refusal(setCvssVectors(coord.ctx, reportId, { vectors: ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] }), 'validation_failed');
    await refusal(saveCvssVector(coord.ctx, reportId, { vector: `${V31_HIGH}/AV:L` }), 'validation_failed');
    // A score no severity band of the profile covers (0.0: no impact) is refused too.
    const none = await refusal(saveCvssVector(coord.ctx, reportId, { vector: V31_NONE }), 'validation_failed');
    assert.match(none.message, /0\.0 \(none\) maps to none of this profile's severities/);
    await refusal(setCvssVectors(coord.ctx, reportId, { vectors: [V31_HIGH], extra: 1 }), 'validation_failed');
    await refusal(setCvssVectors(coord.ctx, reportId, { vectors: ['x'.repeat(401)] }), 'validation_failed');
    assert.equal(await state(h, reportId), before);
  });

  test('people outside the case get "not found"; nothing changes', async () => {
    const before = await state(h, reportId);
    await refusal(setCvssVectors(outsider.ctx, reportId, { vectors: [V31_CRITICAL] }), 'not_found');
    await refusal(saveCvssVector(outsider.ctx, reportId, { vector: V31_CRITICAL }), 'not_found');
    await refusal(removeCvssVector(outsider.ctx, reportId, { version: '3.1' }), 'not_found');
    await refusal(setCvssVectors(coord.ctx, crypto.randomUUID(), { vectors: [V31_CRITICAL] }), 'not_found');
    assert.equal(await state(h, reportId), before);
  });
});

describe('Trusted Firmware: CVSS 3.1 preferred, no priorities', () => {
  let h: Harness;
  let admin: Member, tina: Member, hank: Member, paula: Member, cora: Member;
  let reportId: string;

  before(async () => {
    h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
    admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    await addProject(admin, 'tf-m', 'TF-M');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
    paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] });
    cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
    reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina })).status, 200);
    assert.equal(
      (await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 overflow', projects: ['tf-a'] } })).status,
      200,
    );
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: hank, body: { email: 'cora@tf.example' } })).status, 200);
  });
  after(() => h.close());

  test('the handler scores 3.1 Critical: severity critical, no priority, no resolution clock', async () => {
    const out = await setCvssVectors(hank.ctx, reportId, { vectors: [V31_CRITICAL] });
    assert.deepEqual([out.severity, out.priority, out.resolutionDueAt, out.severityChanged], ['critical', null, null, true]);
    const view = await caseView(tina.ctx, reportId);
    assert.equal(view.incident!.severity, 'critical');
    assert.equal(view.deadlines.filter((d) => d.clock === 'resolution').length, 0);
    assert.deepEqual(
      view.timeline.filter((t) => t.machine === 'severity').map((t) => [t.from, t.to]),
      [['none/none', 'critical/none']],
    );
  });

  test("with both versions the profile's preference (CVSS 3.1) sets the severity", async () => {
    const out = await setCvssVectors(tina.ctx, reportId, { vectors: [V40_CRITICAL, V31_HIGH] });
    assert.deepEqual([out.governing, out.severity], ['3.1', 'high']);
    assert.deepEqual(
      out.vectors.map((v) => [v.version, v.score]),
      [
        ['3.1', 8.1],
        ['4.0', 9.3],
      ],
    );
  });

  test('a collaborator sees the case but may not score it (403); another project gets 404; nothing changes', async () => {
    const before = await state(h, reportId);
    await refusal(setCvssVectors(cora.ctx, reportId, { vectors: [V31_MEDIUM] }), 'forbidden');
    await refusal(setCvssVectors(paula.ctx, reportId, { vectors: [V31_MEDIUM] }), 'not_found');
    assert.equal(await state(h, reportId), before);
  });

  test('a report still in triage has no incident to score (403)', async () => {
    const other = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId as string;
    await refusal(setCvssVectors(tina.ctx, other, { vectors: [V31_MEDIUM] }), 'forbidden');
  });

  test('a profile without CVSS bands refuses to score (422), naming what the admin must add', async () => {
    const shipped = loadShippedProfileText('trusted-firmware');
    await updateProfile(admin.ctx, shipped.replace(/, cvssMin: [0-9.]+ \}/g, ' }'));
    try {
      const before = await state(h, reportId);
      const e = await refusal(setCvssVectors(tina.ctx, reportId, { vectors: [V31_MEDIUM] }), 'profile_invalid');
      assert.match(e.message, /adds cvssMin to each of severity\.levels/);
      assert.equal(await state(h, reportId), before);
    } finally {
      await updateProfile(admin.ctx, shipped);
    }
  });

  test('a closed incident is not rescored', async () => {
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/confirm`, { as: hank, body: {} })).status, 200);
    assert.equal(
      (await api(h, 'POST', `/api/reports/${reportId}/close`, { as: tina, body: { reason: 'fixed and published' } })).status,
      200,
    );
    const before = await state(h, reportId);
    await refusal(setCvssVectors(tina.ctx, reportId, { vectors: [V31_MEDIUM] }), 'forbidden');
    assert.equal(await state(h, reportId), before);
  });
});
