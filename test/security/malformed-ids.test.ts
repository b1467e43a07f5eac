import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, api, type Harness, type Member } from '../support/harness.ts';
import { allRoutes } from '../../src/http/server.ts';
import { bodies } from '../http/route-samples.ts';

// Ids in a URL are hostile input: a string that passes a loose shape check but is no UUID must get
// the same 404 as an unknown id, not a database error (500, logged as a server fault) that tells the
// caller the id was handed to SQL as it came.

let h: Harness;
let admin: Member;

before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'trusted-firmware');
});
after(() => h.close());

const NOT_A_UUID = '-'.repeat(36);

test('a 36-character non-UUID delivery id is "not found", not a server error', async () => {
  const r = await api(h, 'POST', `/api/deliveries/${NOT_A_UUID}/resend`, { as: admin });
  assert.equal(r.status, 404, r.body);
  const r2 = await api(h, 'POST', `/api/deliveries/${'g'.repeat(36)}/resend`, { as: admin });
  assert.equal(r2.status, 404, r2.body);
});

test('a 36-character non-UUID key id is "not found", not a server error (confirm, remove)', async () => {
  assert.equal((await api(h, 'POST', `/api/keys/${NOT_A_UUID}/confirm`, { as: admin })).status, 404);
  assert.equal((await api(h, 'DELETE', `/api/me/keys/${NOT_A_UUID}`, { as: admin })).status, 404);
});

/** Strings a loose "36 characters of hex and dashes" check lets through, and a few it does not. */
const NOT_UUIDS = [
  NOT_A_UUID,
  'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa-',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '0000000-00000-0000-0000-000000000000',
  'g'.repeat(36),
  '00000000-0000-0000-0000-00000000000g',
  '1',
];

/** The route parameters that name a stored row by its UUID. */
const UUID_PARAMS = [
  /\/reports\/:id/,
  /:advisoryId/,
  /:attachmentId/,
  /\/people\/:id/,
  /:daysOffId/,
  /\/tokens\/:id/,
  /\/keys\/:id/,
  /\/deliveries\/:id/,
  /\/mail-inbox\/:id/,
];

function fillWith(url: string, bad: string): string {
  let out = url;
  for (const p of UUID_PARAMS) out = out.replace(p, (m) => m.replace(/:[A-Za-z]+$/, encodeURIComponent(bad)));
  return out
    .replace('/versions/:version', '/versions/1')
    .replace(':ref', 'TF-2026-0001')
    .replace(':token', `rpt_${'x'.repeat(43)}`)
    .replace(':slug', 'tf-a')
    .replace(':name', 'Kernel')
    .replace(':email', 'sam@tf.example')
    .replace(':cveId', 'CVE-2026-1000')
    .replace(':address', 'security@tf.example');
}

test('every route taking a UUID answers "not found" for a UUID-shaped non-UUID, as for an unknown id', async () => {
  // Stored inbound messages are checked where the inbox reads them.
  const routes = allRoutes().filter((r) => UUID_PARAMS.some((p) => p.test(r.url)) && !r.url.includes('/mail-inbox/'));
  assert.ok(routes.length >= 40, `expected every :id route, got ${routes.length}`);
  for (const route of routes) {
    const key = `${route.method} ${route.url}`;
    for (const bad of NOT_UUIDS) {
      const res = await api(h, route.method, fillWith(route.url, bad), {
        as: admin,
        ...(bodies[key] !== undefined ? { body: bodies[key] } : {}),
      });
      assert.equal(res.status, 404, `${key} with ${JSON.stringify(bad)}: ${res.body}`);
      assert.equal(res.json?.error?.code, 'not_found', `${key} with ${JSON.stringify(bad)}: error shape`);
    }
  }
});
