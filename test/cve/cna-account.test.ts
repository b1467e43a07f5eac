import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, type Harness, type Member } from '../support/harness.ts';
import { startCveServicesMock, type CveServicesMock } from '../support/cve-services-mock.ts';
import { FIXTURES } from '../formats/fixtures.ts';
import { publishNewVersion, storeAdvisory, type StoredAdvisory } from './support.ts';

// The team's CNA account over the API: an admin sets it (the key sealed, never in any response or
// audit event), the team reserves ids into the pool and publishes, updates and rejects the CVE
// records of a public advisory at the local CVE Services; the embargo holds until the advisory's
// publication time; failures of the service are clear; a configured account wins over the stored one.

let h: Harness;
let mock: CveServicesMock;
let admin: Member, tom: Member, hank: Member;
const KEY = 'cna-secret-key-7f3a9c1e55d2';
const responses: string[] = [];

async function call(method: string, url: string, opts: { as?: Member; body?: unknown } = {}) {
  const r = await api(h, method, url, opts);
  responses.push(r.body);
  return r;
}

before(async () => {
  mock = await startCveServicesMock({ now: () => h.clock.now });
  mock.addOrg('TrustedFW', 'cna@tf.example', KEY, { idQuota: 20 });
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
});
after(async () => {
  await h.close();
  await mock.close();
});

test('an admin sets the CNA account; the key is sealed and never shown back', async () => {
  assert.equal((await call('GET', '/api/cve/account', { as: admin })).json.source, 'none');
  const noKey = await call('PUT', '/api/cve/account', {
    as: admin,
    body: { url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example' },
  });
  assert.equal(noKey.status, 400, 'the key is required the first time');
  assert.equal(
    (
      await call('PUT', '/api/cve/account', {
        as: admin,
        body: { url: 'http://cveawg.mitre.org/api', shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY },
      })
    ).status,
    400,
    'no key over plain http',
  );
  assert.equal(
    (
      await call('PUT', '/api/cve/account', {
        as: tom,
        body: { url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY },
      })
    ).status,
    403,
  );

  const set = await call('PUT', '/api/cve/account', {
    as: admin,
    body: { url: `${mock.url}/`, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY },
  });
  assert.equal(set.status, 200, set.body);
  assert.deepEqual(
    { ...set.json, updatedAt: undefined },
    { source: 'database', url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKeySet: true, updatedAt: undefined },
  );
  const check = await call('POST', '/api/cve/account/check', { as: admin });
  assert.equal(check.status, 200, check.body);
  assert.equal(check.json.org, 'TrustedFW');
  assert.deepEqual(check.json.roles, ['CNA']);

  // Changing the user keeps the stored key.
  assert.equal(
    (
      await call('PUT', '/api/cve/account', {
        as: admin,
        body: { url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: '' },
      })
    ).status,
    200,
  );
  assert.equal((await call('POST', '/api/cve/account/check', { as: admin })).status, 200);

  const row = await h.app.db.query<{ api_key_sealed: string }>('SELECT api_key_sealed FROM cve_services_account');
  assert.ok(!row.rows[0]!.api_key_sealed.includes(KEY) && row.rows[0]!.api_key_sealed.startsWith('v1.'));
});

test('the team reserves ids from its CNA account into the pool', async () => {
  assert.equal((await call('POST', '/api/cve/pool/reserve', { as: hank, body: { amount: 2 } })).status, 403);
  const r = await call('POST', '/api/cve/pool/reserve', { as: tom, body: { amount: 3 } });
  assert.equal(r.status, 201, r.body);
  assert.deepEqual(r.json.added, ['CVE-2026-1000', 'CVE-2026-1001', 'CVE-2026-1002']);
  assert.equal(r.json.remainingQuota, 17);
  const pool = (await call('GET', '/api/cve/pool', { as: tom })).json;
  assert.deepEqual(
    pool.ids.map((x: any) => [x.cveId, x.source, x.state]),
    [
      ['CVE-2026-1000', 'cna', 'free'],
      ['CVE-2026-1001', 'cna', 'free'],
      ['CVE-2026-1002', 'cna', 'free'],
    ],
  );
  assert.equal((await call('POST', '/api/cve/pool/reserve', { as: tom, body: { amount: 0 } })).status, 400);
  assert.equal((await call('POST', '/api/cve/pool/reserve', { as: tom, body: { amount: 500 } })).status, 400);
});

let adv: StoredAdvisory;
const base = { ...FIXTURES[0]!.input, id: 'TFV-2026-0042', cveIds: ['CVE-2026-1000', 'CVE-2026-1001'], published: '2026-12-01T12:00:00Z' };

test('the CVE records are published with the advisory, never before its publication time', async () => {
  adv = await storeAdvisory(h, base, { publishAt: '2026-12-01T12:00:00Z' });
  const early = await call('POST', `/api/cve/advisories/${adv.publicId}/records`, { as: tom });
  assert.equal(early.status, 409, early.body);
  assert.match(early.json.error.message, /becomes public at 1 December 2026, 12:00 UTC/);
  assert.equal(mock.records.size, 0, 'nothing reached CVE Services');

  // The project team does not handle this advisory (no incident): not found, as for an outsider.
  h.clock.set('2026-12-01T12:00:00Z');
  assert.equal((await call('POST', `/api/cve/advisories/${adv.publicId}/records`, { as: hank })).status, 404);
  assert.equal((await call('POST', '/api/cve/advisories/TFV-2026-9999/records', { as: tom })).status, 404);

  const r = await call('POST', `/api/cve/advisories/${adv.publicId}/records`, { as: tom });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.records, [
    { cveId: 'CVE-2026-1000', action: 'created', state: 'PUBLISHED' },
    { cveId: 'CVE-2026-1001', action: 'created', state: 'PUBLISHED' },
  ]);
  const rec = mock.records.get('CVE-2026-1000') as any;
  assert.equal(rec.containers.cna.title, base.title);
  assert.equal(rec.cveMetadata.assignerShortName, 'TrustedFW');
  const listed = (await call('GET', `/api/cve/advisories/${adv.publicId}/records`, { as: tom })).json;
  assert.deepEqual(
    listed.map((x: any) => [x.cveId, x.state, x.version]),
    [
      ['CVE-2026-1000', 'PUBLISHED', 1],
      ['CVE-2026-1001', 'PUBLISHED', 1],
    ],
  );
});

test('a later published version updates the records; a withdrawal rejects them; all audited', async () => {
  h.clock.set('2026-12-05T09:00:00Z');
  await publishNewVersion(h, adv, { ...base, title: 'Out-of-bounds write in BL31 (updated)', modified: '2026-12-05T09:00:00Z' });
  const r = await call('POST', `/api/cve/advisories/${adv.publicId}/records`, { as: tom });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(
    r.json.records.map((x: any) => x.action),
    ['updated', 'updated'],
  );
  assert.equal((mock.records.get('CVE-2026-1001') as any).containers.cna.title, 'Out-of-bounds write in BL31 (updated)');

  h.clock.set('2026-12-06T09:00:00Z');
  await publishNewVersion(h, adv, {
    ...base,
    withdrawn: '2026-12-06T09:00:00Z',
    withdrawnReason: 'Not a vulnerability: the buffer is checked earlier.',
  });
  const w = await call('POST', `/api/cve/advisories/${adv.publicId}/records`, { as: tom });
  assert.equal(w.status, 200, w.body);
  assert.deepEqual(
    w.json.records.map((x: any) => [x.action, x.state]),
    [
      ['rejected', 'REJECTED'],
      ['rejected', 'REJECTED'],
    ],
  );
  assert.equal(mock.ids.get('CVE-2026-1000')!.state, 'REJECTED');

  const ev = await h.app.db.query<{ action: string }>('SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq', [adv.id]);
  assert.deepEqual(
    ev.rows.map((x) => x.action),
    ['cve.record_created', 'cve.record_created', 'cve.record_updated', 'cve.record_updated', 'cve.record_rejected', 'cve.record_rejected'],
  );
});

test('failures of CVE Services are clear and change nothing on the desk', async () => {
  const other = await storeAdvisory(h, { ...base, id: 'TFV-2026-0043', cveIds: ['CVE-2026-1002'] }, { publishAt: '2026-12-01T12:00:00Z' });
  mock.failNext(500, 2);
  const r = await call('POST', `/api/cve/advisories/${other.publicId}/records`, { as: tom });
  assert.equal(r.status, 502, r.body);
  assert.equal(r.json.error.code, 'upstream_failed');
  assert.match(r.json.error.message, /CVE Services failed to read the organisation TrustedFW \(HTTP 500/);
  assert.equal((await call('GET', `/api/cve/advisories/${other.publicId}/records`, { as: tom })).json.length, 0);
  mock.failNext(0, 0);

  // A wrong key: the admin learns which setting to fix, and the key appears nowhere.
  await call('PUT', '/api/cve/account', {
    as: admin,
    body: { url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: 'typo-in-the-key' },
  });
  const bad = await call('POST', '/api/cve/account/check', { as: admin });
  assert.equal(bad.status, 502);
  assert.match(bad.json.error.message, /refused the CNA account's credentials/);
  const pub = await call('POST', `/api/cve/advisories/${other.publicId}/records`, { as: tom });
  assert.equal(pub.status, 502);
  assert.ok(!pub.body.includes('typo-in-the-key'));
  assert.equal(mock.records.has('CVE-2026-1002'), false);

  await call('PUT', '/api/cve/account', {
    as: admin,
    body: { url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY },
  });
  const ok = await call('POST', `/api/cve/advisories/${other.publicId}/records`, { as: tom });
  assert.equal(ok.status, 200, ok.body);
});

test('the key never appears in any API response, audit event or the OpenAPI document', async () => {
  responses.push((await api(h, 'GET', '/api/openapi.json')).body);
  for (const body of responses) {
    assert.ok(!body.includes(KEY), `a response contained the key: ${body.slice(0, 200)}`);
    assert.ok(!body.includes('typo-in-the-key'));
  }
  const audit = await h.app.db.query<{ data: unknown }>('SELECT data FROM audit_events');
  const text = JSON.stringify(audit.rows);
  assert.ok(!text.includes(KEY) && !text.includes('typo-in-the-key'));
  assert.ok(text.includes('"apiKeyChanged":true'));
});

test('an account in the configuration file wins and is read-only through the API', async () => {
  const h2 = await startHarness({
    config: { cveServices: { url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY } },
  });
  try {
    const admin2 = await setupDesk(h2, 'trusted-firmware');
    const view = await api(h2, 'GET', '/api/cve/account', { as: admin2 });
    assert.deepEqual(
      { ...view.json },
      { source: 'config', url: mock.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKeySet: true, updatedAt: null },
    );
    assert.ok(!view.body.includes(KEY));
    const put = await api(h2, 'PUT', '/api/cve/account', {
      as: admin2,
      body: { url: mock.url, shortName: 'Other', user: 'x@y.example', apiKey: 'k' },
    });
    assert.equal(put.status, 409);
    assert.match(put.json.error.message, /configuration file/);
    assert.equal((await api(h2, 'POST', '/api/cve/account/check', { as: admin2 })).status, 200);
  } finally {
    await h2.close();
  }
});

test('the request text of a draft advisory, for its team only, as text/plain', async () => {
  const draft = await storeAdvisory(h, { ...FIXTURES[0]!.input, id: 'TFV-2026-0077', cveIds: [], published: undefined }, {});
  const r = await api(h, 'GET', `/api/cve/advisories/${draft.publicId}/request`, { as: tom });
  assert.equal(r.status, 200, r.body);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  assert.match(r.body, /^CVE request for TFV-2026-0077: /);
  assert.match(r.body, /\[Vulnerability type\]\nBuffer Overflow/);
  assert.ok(!r.body.includes('Zelda Quietwater'), 'the anonymous reporter stays anonymous');
  assert.equal((await api(h, 'GET', `/api/cve/advisories/${draft.publicId}/request`, { as: hank })).status, 404);
  assert.equal((await api(h, 'GET', `/api/cve/advisories/${draft.publicId}/request`)).status, 401);
});
