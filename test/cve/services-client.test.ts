import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCveServicesMock, type CveServicesMock } from '../support/cve-services-mock.ts';
import { cveServicesClient, CveServicesError, type CveServicesClient } from '../../src/integrations/cve-services.ts';
import { parseAdvisory } from '../../src/domain/advisory.ts';
import { toCveRecord } from '../../src/formats/cve.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { outboundGuard } from '../../src/integrations/outbound-guard.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURES } from '../formats/fixtures.ts';

// The CVE Services client against the local server built from the API's published description,
// over real HTTP on loopback: reserve, read, publish, update, reject, and each failure the team must
// understand (bad key, a failing service, an invalid record, a timeout, an id of another CNA).

let mock: CveServicesMock;
let client: CveServicesClient;
const KEY = 'k3y-0f-the-cna-account-do-not-leak';
// The test server is on loopback: allow-listed, as a local proxy of CVE Services would be.
const guard = outboundGuard(['127.0.0.1']);

before(async () => {
  mock = await startCveServicesMock({ now: () => new Date('2026-11-23T09:00:00Z') });
  mock.addOrg('TrustedFW', 'cna@tf.example', KEY, { idQuota: 10 });
  mock.addOrg('OtherCNA', 'other@x.example', 'other-key');
  client = cveServicesClient({ baseUrl: mock.url, org: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY }, { guard, timeoutMs: 2000 });
});
after(() => mock.close());

function container(cveId: string, orgId: string, patch: (c: Record<string, unknown>) => void = () => {}) {
  const a = parseAdvisory({ ...FIXTURES[0]!.input, cveIds: [cveId] });
  const rec = toCveRecord({ ...a, publisher: { ...a.publisher, cve: { orgId, shortName: 'TrustedFW' } } }, cveId);
  const c = structuredClone(rec.containers.cna);
  patch(c);
  return c;
}

test('reserve ids, read them back, and read the organisation', async () => {
  const org = await client.getOrg();
  assert.equal(org.short_name, 'TrustedFW');
  const r = await client.reserveIds({ amount: 3, year: 2026 });
  assert.deepEqual(
    r.ids.map((i) => i.cve_id),
    ['CVE-2026-1000', 'CVE-2026-1001', 'CVE-2026-1002'],
  );
  assert.equal(r.remainingQuota, 7);
  assert.equal(r.partial, false);
  assert.ok(r.ids.every((i) => i.state === 'RESERVED' && i.owning_cna === 'TrustedFW'));
  const one = await client.getId('CVE-2026-1001');
  assert.equal(one.state, 'RESERVED');
  // The query carried what the API documents, and every call the three auth headers.
  const post = mock.requests.find((q) => q.method === 'POST' && q.path.startsWith('/api/cve-id'))!;
  assert.equal(post.path, '/api/cve-id?amount=3&cve_year=2026&short_name=TrustedFW&batch_type=sequential');
  assert.ok(mock.requests.every((q) => q.authHeaders));
});

test('publish a record from the CNA container, then update it; the service validates it against the official schema', async () => {
  const org = await client.getOrg();
  const created = await client.createRecord('CVE-2026-1000', container('CVE-2026-1000', org.UUID));
  assert.equal(created.cveMetadata.state, 'PUBLISHED');
  assert.equal(created.cveMetadata.cveId, 'CVE-2026-1000');
  assert.equal((mock.records.get('CVE-2026-1000') as any).containers.cna.title, FIXTURES[0]!.input.title);
  assert.equal(mock.ids.get('CVE-2026-1000')!.state, 'PUBLISHED');

  const updated = await client.updateRecord(
    'CVE-2026-1000',
    container('CVE-2026-1000', org.UUID, (c) => {
      c.title = 'Updated title';
    }),
  );
  assert.equal((updated.containers.cna as any).title, 'Updated title');
  assert.equal((mock.records.get('CVE-2026-1000') as any).containers.cna.title, 'Updated title');

  // Publishing twice is refused by the service with its documented error, which the client names.
  await assert.rejects(
    client.createRecord('CVE-2026-1000', container('CVE-2026-1000', org.UUID)),
    (e: unknown) => e instanceof CveServicesError && e.status === 403 && e.serviceError === 'CVE_RECORD_EXISTS',
  );
  // Updating a record that does not exist, likewise.
  await assert.rejects(
    client.updateRecord('CVE-2026-1001', container('CVE-2026-1001', org.UUID)),
    (e: unknown) => e instanceof CveServicesError && e.serviceError === 'CVE_RECORD_DNE',
  );
});

test('an invalid record is refused by the service with the schema errors, and nothing is stored', async () => {
  const org = await client.getOrg();
  const bad = container('CVE-2026-1001', org.UUID, (c) => {
    c.descriptions = [];
    c.references = [{ url: 'not a url' }];
  });
  await assert.rejects(client.createRecord('CVE-2026-1001', bad), (e: unknown) => {
    assert.ok(e instanceof CveServicesError);
    assert.equal(e.code, 'upstream_failed');
    assert.equal(e.status, 400);
    assert.equal(e.serviceError, 'INVALID_JSON_SCHEMA');
    // The status and the service's error name; the service's own sentence is not repeated (the
    // schema errors about our record are, as details).
    assert.match(e.message, /CVE Services refused to publish the record of CVE-2026-1001 \(HTTP 400 \(INVALID_JSON_SCHEMA\)\)/);
    assert.doesNotMatch(e.message, /schema validation FAILED/);
    assert.ok(
      e.details.some((d) => d.path === '/descriptions'),
      JSON.stringify(e.details),
    );
    return true;
  });
  assert.equal(mock.records.has('CVE-2026-1001'), false);
  assert.equal(mock.ids.get('CVE-2026-1001')!.state, 'RESERVED');
});

test('a bad API key gives a clear error that never contains the key', async () => {
  const wrong = cveServicesClient({ baseUrl: mock.url, org: 'TrustedFW', user: 'cna@tf.example', apiKey: 'wrong-key-value' }, { guard });
  await assert.rejects(wrong.reserveIds({ amount: 1, year: 2026 }), (e: unknown) => {
    assert.ok(e instanceof CveServicesError);
    assert.equal(e.status, 401);
    assert.equal(e.serviceError, 'UNAUTHORIZED');
    assert.match(e.message, /refused the CNA account's credentials .*check the organisation short name, user and API key/);
    assert.ok(!e.message.includes('wrong-key-value') && !JSON.stringify(e.details).includes('wrong-key-value'));
    return true;
  });
  assert.equal(mock.ids.size, 3, 'nothing reserved');
});

test('a failing service (500) gives a clear error; the next call works again', async () => {
  mock.failNext(500);
  await assert.rejects(
    client.reserveIds({ amount: 1, year: 2026 }),
    (e: unknown) =>
      e instanceof CveServicesError &&
      e.status === 500 &&
      /CVE Services failed to reserve 1 CVE id for 2026 \(HTTP 500 \(INTERNAL_SERVER_ERROR/.test(e.message),
  );
  const r = await client.reserveIds({ amount: 1, year: 2026 });
  assert.deepEqual(
    r.ids.map((i) => i.cve_id),
    ['CVE-2026-1003'],
  );
});

test("documented refusals: another CNA's id, the quota, a year out of range, a rejected record", async () => {
  const other = cveServicesClient({ baseUrl: mock.url, org: 'OtherCNA', user: 'other@x.example', apiKey: 'other-key' }, { guard });
  const org = await other.getOrg();
  await assert.rejects(
    other.createRecord('CVE-2026-1002', container('CVE-2026-1002', org.UUID)),
    (e: unknown) => e instanceof CveServicesError && e.status === 403 && e.serviceError === 'ORG_DOES_NOT_OWN_ID',
  );
  await assert.rejects(
    client.reserveIds({ amount: 8, year: 2026 }),
    (e: unknown) =>
      e instanceof CveServicesError &&
      e.serviceError === 'EXCEEDED_ID_QUOTA' &&
      /does not allow the CNA account to reserve 8 CVE ids/.test(e.message),
  );
  await assert.rejects(
    client.reserveIds({ amount: 1, year: 2031 }),
    (e: unknown) => e instanceof CveServicesError && e.serviceError === 'CANNOT_RESERVE_FOR_YEAR',
  );

  const rejected = await client.rejectRecord('CVE-2026-1002', [{ lang: 'en', value: 'Duplicate of CVE-2026-1000.' }]);
  assert.equal(rejected.cveMetadata.state, 'REJECTED');
  assert.equal(mock.ids.get('CVE-2026-1002')!.state, 'REJECTED');
});

test('a service that does not answer in time, an unreachable one, and a plain-http remote URL', async () => {
  const slow = cveServicesClient({ baseUrl: mock.url, org: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY }, { guard, timeoutMs: 200 });
  mock.stallNext();
  await assert.rejects(
    slow.getOrg(),
    (e: unknown) => e instanceof CveServicesError && e.serviceError === 'TIMEOUT' && /did not answer within/.test(e.message),
  );

  const down = cveServicesClient({ baseUrl: 'http://127.0.0.1:9/api', org: 'TrustedFW', user: 'u', apiKey: KEY }, { guard });
  await assert.rejects(
    down.getOrg(),
    (e: unknown) => e instanceof CveServicesError && e.serviceError === 'NETWORK' && !e.message.includes(KEY),
  );

  assert.throws(
    () => cveServicesClient({ baseUrl: 'http://cveawg.mitre.org/api', org: 'x', user: 'u', apiKey: KEY }, { guard }),
    (e: unknown) => e instanceof EmbargoError && /must use https/.test(e.message),
  );
  await assert.rejects(client.getId('CVE-../../org'), (e: unknown) => e instanceof EmbargoError && e.code === 'validation_failed');
});

test('a response of an unexpected shape is refused, not trusted', async () => {
  const liarServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ cve_ids: [{ cve_id: 'CVE-2026-1; DROP TABLE', state: 'RESERVED' }] }));
  });
  await new Promise<void>((resolve) => liarServer.listen(0, '127.0.0.1', resolve));
  try {
    const liar = cveServicesClient(
      { baseUrl: `http://127.0.0.1:${(liarServer.address() as AddressInfo).port}/api`, org: 'TrustedFW', user: 'u', apiKey: KEY },
      { guard },
    );
    await assert.rejects(
      liar.reserveIds({ amount: 1, year: 2026 }),
      (e: unknown) => e instanceof CveServicesError && e.serviceError === 'UNEXPECTED_RESPONSE',
    );
  } finally {
    await new Promise((resolve) => liarServer.close(resolve));
  }
});
