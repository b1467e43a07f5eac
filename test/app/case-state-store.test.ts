import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, sampleReport, type Harness, type Member } from '../support/harness.ts';
import type { Ctx } from '../../src/app/context.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { acceptReport, claimTriage } from '../../src/app/cases/triage.ts';
import { moveEmbargo, setCaseFlags, type IncidentRef } from '../../src/app/disclosure/case-state.ts';
import { ConflictError, IllegalTransitionError } from '../../src/domain/errors.ts';

// The case state and the embargo are stored, and moved only through the domain machines by
// conditional updates: of two moves from the same state at once, exactly one is recorded.

let h: Harness;
let tina: Member;
let system: Ctx;

before(async () => {
  h = await startHarness({ clock: '2026-12-01T10:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina', email: 'tina@tf.example', teams: ['security'] });
  system = { app: h.app, principal: { kind: 'system', label: 'test' } };
});
after(() => h.close());

async function newIncident(): Promise<IncidentRef> {
  const { reportId } = await submitReport({ app: h.app, principal: { kind: 'anonymous' } }, 'web', sampleReport);
  await claimTriage(tina.ctx, reportId);
  await acceptReport(tina.ctx, reportId, { title: 'BL2 image loader overflow', projects: ['tf-a'] });
  const r = await h.app.db.query<{ id: string }>('SELECT id FROM incidents WHERE report_id = $1', [reportId]);
  return { incidentId: r.rows[0]!.id, reportId };
}

const state = async (i: IncidentRef) =>
  (
    await h.app.db.query<{ case_state: string; embargo_state: string; embargo_ends_at: Date | null }>(
      'SELECT case_state, embargo_state, embargo_ends_at FROM incidents WHERE id = $1',
      [i.incidentId],
    )
  ).rows[0]!;
const moves = async (i: IncidentRef, machine: string) =>
  (
    await h.app.db.query<{ from_state: string; to_state: string; reason: string }>(
      'SELECT from_state, to_state, reason FROM transitions WHERE subject_id = $1 AND machine = $2 ORDER BY id',
      [i.reportId, machine],
    )
  ).rows.map((m) => `${m.from_state}→${m.to_state}`);

const at = () => h.clock.fn();

test('a new incident is vendor aware through the machine, with its transition row', async () => {
  const i = await newIncident();
  assert.equal((await state(i)).case_state, 'Vfdpxa');
  assert.deepEqual(await moves(i, 'case-state'), ['vfdpxa→Vfdpxa']);
});

test('two concurrent moves of the case state from the same state: one is recorded, the other changes nothing', async () => {
  const i = await newIncident();
  const results = await Promise.allSettled(
    [0, 1].map(() => h.app.db.transaction((tx) => setCaseFlags(system, tx, i, ['publicAware'], at(), 'the bug is public'))),
  );
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ConflictError, String(r.reason));
  assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value !== null).length, 1);
  assert.equal((await state(i)).case_state, 'VfdPxa');
  assert.deepEqual(await moves(i, 'case-state'), ['vfdpxa→Vfdpxa', 'Vfdpxa→VfdPxa']);
});

test('embargo: proposed with its end, accepted once under concurrency, and ended at once when the case becomes public', async () => {
  const i = await newIncident();
  const ends = new Date('2026-12-15T09:00:00Z');
  await h.app.db.transaction((tx) => moveEmbargo(system, tx, i, 'proposed', at(), 'ESS primary embargo', ends));
  assert.equal((await state(i)).embargo_ends_at?.toISOString(), ends.toISOString());
  const results = await Promise.allSettled(
    [0, 1].map(() => h.app.db.transaction((tx) => moveEmbargo(system, tx, i, 'active', at(), 'accepted'))),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) {
    if (r.status === 'rejected')
      assert.ok(r.reason instanceof ConflictError || r.reason instanceof IllegalTransitionError, String(r.reason));
  }
  assert.equal((await state(i)).embargo_state, 'active');

  // An illegal move is refused and changes nothing.
  await assert.rejects(
    h.app.db.transaction((tx) => moveEmbargo(system, tx, i, 'proposed', at(), 'again', ends)),
    IllegalTransitionError,
  );

  h.clock.set('2026-12-05T12:00:00Z');
  await h.app.db.transaction((tx) => setCaseFlags(system, tx, i, ['exploitPublic'], at(), 'exploit posted'));
  const s = await state(i);
  assert.equal(s.case_state, 'VfdPXa', 'an exploit in public makes the case public');
  assert.equal(s.embargo_state, 'exited');
  assert.equal(s.embargo_ends_at?.toISOString(), '2026-12-05T12:00:00.000Z');
  assert.deepEqual(await moves(i, 'embargo-management'), ['none→proposed', 'proposed→active', 'active→exited']);

  // No embargo can start once the case is public.
  const j = await newIncident();
  await h.app.db.transaction((tx) => setCaseFlags(system, tx, j, ['publicAware'], at(), 'public'));
  await h.app.db
    .transaction((tx) => moveEmbargo(system, tx, j, 'proposed', at(), 'too late?', ends))
    .then(
      () => assert.fail('proposed on a public case'),
      (e) => assert.ok(e instanceof IllegalTransitionError),
    );
  assert.equal((await state(j)).embargo_state, 'none');
});
