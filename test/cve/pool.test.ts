import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, enroll, backend, type Harness, type Member } from '../support/harness.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { claimCveForAdvisory } from '../../src/app/cve/pool.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { FIXTURES } from '../formats/fixtures.ts';
import { auditHead, poolCount, storeAdvisory, type StoredAdvisory } from './support.ts';

// The team's pool of CVE ids: blocks entered by hand (validated, duplicates refused, nothing half
// added), listing, removal, and claims by advisories: the lowest free id in numeric order, never the
// same id for two concurrent claims (on PGlite and on the PostgreSQL server), and a clear error when
// the pool is empty.

let h: Harness;
let admin: Member, tom: Member, hank: Member, ann: Member;
const advisories: StoredAdvisory[] = [];

before(async () => {
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  const pure = await addPerson(admin.ctx, { name: 'Ann Admin', emails: ['ann@tf.example'], timeZone: 'UTC', isAdmin: true });
  ann = { personId: pure.personId, ...(await enroll(h, pure.personId, pure.enrollmentToken)) };
  const base = FIXTURES[0]!.input;
  for (let i = 0; i < 12; i++) {
    advisories.push(await storeAdvisory(h, { ...base, id: `TFV-2026-${String(100 + i).padStart(4, '0')}`, cveIds: [] }));
  }
});
after(() => h.close());

test('a reserved block is added, listed in numeric order, and refused whole when one id is already there', async () => {
  const r = await api(h, 'POST', '/api/cve/pool', { as: tom, body: { block: 'CVE-2026-9998..CVE-2026-10001' } });
  assert.equal(r.status, 201, r.body);
  assert.deepEqual(r.json.added, ['CVE-2026-9998', 'CVE-2026-9999', 'CVE-2026-10000', 'CVE-2026-10001']);
  // A list with commas and new lines, mixed with a range; an admin may enter it too.
  const r2 = await api(h, 'POST', '/api/cve/pool', {
    as: ann,
    body: { block: 'CVE-2026-1000, CVE-2026-1002\nCVE-2026-1004..CVE-2026-1005' },
  });
  assert.equal(r2.status, 201, r2.body);

  const list = (await api(h, 'GET', '/api/cve/pool', { as: tom })).json;
  assert.deepEqual(
    list.ids.map((x: any) => x.cveId),
    [
      'CVE-2026-1000',
      'CVE-2026-1002',
      'CVE-2026-1004',
      'CVE-2026-1005',
      'CVE-2026-9998',
      'CVE-2026-9999',
      'CVE-2026-10000',
      'CVE-2026-10001',
    ],
  );
  assert.equal(list.free, 8);
  assert.equal(list.assigned, 0);
  assert.ok(list.ids.every((x: any) => x.state === 'free' && x.source === 'reserved_block'));

  const before = [await poolCount(h), await auditHead(h)];
  const dup = await api(h, 'POST', '/api/cve/pool', { as: tom, body: { block: 'CVE-2026-1003..CVE-2026-1004' } });
  assert.equal(dup.status, 409, dup.body);
  assert.match(dup.json.error.message, /CVE-2026-1004/);
  assert.deepEqual([await poolCount(h), await auditHead(h)], before, 'CVE-2026-1003 was not added either');
});

test('bad blocks are refused with the reason and change nothing', async () => {
  const bad: [string, RegExp][] = [
    ['CVE-2026-1050..CVE-2026-1040', /ends .* before it starts/],
    ['CVE-2026-1040..CVE-2027-1050', /within one year/],
    ['CVE-2026-01000', /not a CVE id/],
    ['CVE-2026-12', /not a CVE id/],
    ['CVE-2099-1000', /outside 1999/],
    ['CVE-1998-1000', /outside 1999/],
    ['CVE-2026-1000..CVE-2026-5000', /more than 1000/],
    ['CVE-2026-2000 CVE-2026-2000', /given twice/],
    ['CVE-2026-2000..', /range is two CVE ids/],
    ['<script>alert(1)</script>', /not a CVE id/],
    ['   ', /give a range/],
  ];
  const before = [await poolCount(h), await auditHead(h)];
  for (const [block, why] of bad) {
    const r = await api(h, 'POST', '/api/cve/pool', { as: tom, body: { block } });
    assert.equal(r.status, 400, `${block}: ${r.body}`);
    assert.equal(r.json.error.code, 'validation_failed');
    assert.ok(
      r.json.error.details.some((d: any) => why.test(d.message)),
      `${block}: ${JSON.stringify(r.json.error.details)}`,
    );
  }
  for (const body of [{}, { block: 42 }, { block: 'CVE-2026-3000', extra: true }]) {
    assert.equal((await api(h, 'POST', '/api/cve/pool', { as: tom, body })).status, 400, JSON.stringify(body));
  }
  assert.deepEqual([await poolCount(h), await auditHead(h)], before);
});

test('only the central team and admins manage the pool', async () => {
  const before = [await poolCount(h), await auditHead(h)];
  assert.equal((await api(h, 'GET', '/api/cve/pool', { as: hank })).status, 403);
  assert.equal((await api(h, 'POST', '/api/cve/pool', { as: hank, body: { block: 'CVE-2026-3000' } })).status, 403);
  assert.equal((await api(h, 'DELETE', '/api/cve/pool/CVE-2026-1000', { as: hank })).status, 403);
  assert.equal((await api(h, 'GET', '/api/cve/pool')).status, 401);
  assert.deepEqual([await poolCount(h), await auditHead(h)], before);
});

test(`concurrent claims never get the same id: ten claims on eight free ids give eight different ids and two cve_pool_empty errors (${backend})`, async () => {
  const ctx = tom.ctx;
  const at = h.clock.now;
  // Ten claims at once, each in its own transaction, on eight free ids.
  const results = await Promise.allSettled(
    advisories.slice(0, 10).map((a) => h.app.db.transaction((tx) => claimCveForAdvisory(ctx, tx, a.id, at))),
  );
  const got = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
  assert.equal(got.length, 8, `claims that succeeded: ${got.join(', ')}; failures: ${failed.map(String).join('; ')}`);
  assert.equal(new Set(got).size, 8, `an id was given twice: ${got.join(', ')}`);
  assert.deepEqual([...got].sort(), [
    'CVE-2026-1000',
    'CVE-2026-10000',
    'CVE-2026-10001',
    'CVE-2026-1002',
    'CVE-2026-1004',
    'CVE-2026-1005',
    'CVE-2026-9998',
    'CVE-2026-9999',
  ]);
  assert.equal(failed.length, 2);
  for (const e of failed) assert.ok(e instanceof EmbargoError && e.code === 'cve_pool_empty', String(e));

  // Every assignment is stored once and audited.
  const rows = await h.app.db.query<{ cve_id: string; advisory_id: string }>(
    'SELECT cve_id, advisory_id FROM cve_pool WHERE advisory_id IS NOT NULL',
  );
  assert.equal(rows.rows.length, 8);
  assert.equal(new Set(rows.rows.map((r) => r.advisory_id)).size, 8);
  const audited = await h.app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'cve.assigned'");
  assert.equal(audited.rows[0]!.n, 8);
});

test('the lowest id in numeric order goes first, and an empty pool says so clearly', async () => {
  await api(h, 'POST', '/api/cve/pool', { as: tom, body: { block: 'CVE-2027-10000 CVE-2027-9999' } });
  const first = await h.app.db.transaction((tx) => claimCveForAdvisory(tom.ctx, tx, advisories[10]!.id, h.clock.now));
  assert.equal(first, 'CVE-2027-9999', 'numeric, not text, order');
  await h.app.db.transaction((tx) => claimCveForAdvisory(tom.ctx, tx, advisories[11]!.id, h.clock.now));
  await assert.rejects(
    h.app.db.transaction((tx) => claimCveForAdvisory(tom.ctx, tx, advisories[0]!.id, h.clock.now)),
    (e: unknown) => e instanceof EmbargoError && e.code === 'cve_pool_empty' && /no free identifier/.test(e.message),
  );
});

test('the list shows which advisory holds an id to the central team only; removal only of free ids', async () => {
  const central = (await api(h, 'GET', '/api/cve/pool?state=assigned', { as: tom })).json;
  assert.equal(central.assigned, 10);
  assert.equal(central.ids.length, 10);
  assert.ok(
    central.ids.every((x: any) => /^TFV-2026-01\d\d$/.test(x.advisory)),
    JSON.stringify(central.ids[0]),
  );
  const adminView = (await api(h, 'GET', '/api/cve/pool?state=assigned', { as: ann })).json;
  assert.ok(
    adminView.ids.every((x: any) => x.advisory === null),
    'an admin who sees no cases does not learn advisory ids',
  );
  assert.equal((await api(h, 'GET', '/api/cve/pool?state=bogus', { as: tom })).status, 400);

  await api(h, 'POST', '/api/cve/pool', { as: tom, body: { block: 'CVE-2026-4242' } });
  const before = [await poolCount(h), await auditHead(h)];
  assert.equal((await api(h, 'DELETE', '/api/cve/pool/CVE-2026-1000', { as: tom })).status, 409, 'assigned ids stay');
  assert.equal((await api(h, 'DELETE', '/api/cve/pool/CVE-2026-7777', { as: tom })).status, 404);
  assert.equal((await api(h, 'DELETE', '/api/cve/pool/not-an-id', { as: tom })).status, 404);
  assert.deepEqual([await poolCount(h), await auditHead(h)], before);
  assert.equal((await api(h, 'DELETE', '/api/cve/pool/CVE-2026-4242', { as: tom })).status, 200);
  assert.equal(await poolCount(h), before[0]! - 1);
  const ev = await h.app.db.query<{ action: string }>("SELECT action FROM audit_events WHERE subject_id = 'CVE-2026-4242' ORDER BY seq");
  assert.deepEqual(
    ev.rows.map((r) => r.action),
    ['cve.block_added', 'cve.removed_from_pool'],
  );
});
