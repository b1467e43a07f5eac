import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addProject, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { allRoutes } from '../../src/http/server.ts';
import { bodies, queries } from '../http/route-inputs.ts';
import { addOrg, portalHeaders } from '../support/portal.ts';

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
  const routes = allRoutes().filter((r) => UUID_PARAMS.some((p) => p.test(r.url)));
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

// Every route with a path parameter, each parameter in turn, the others well-formed and naming real
// things (so the hostile value is the one that reaches the lookup): the answer is 404, or 400 for a
// clear validation error, in the one error shape, never a server fault.
const HOSTILE = [NOT_A_UUID, '0'.repeat(36), 'f'.repeat(99), 'f'.repeat(5000), 'a%00b', '%00', '..%2f..%2fetc%2fpasswd', '..%2F'];

test('hostile path parameters on every route answer 404 or 400 in the error shape, never 500', async () => {
  const projectAdmin = admin;
  await addProject(projectAdmin, 'tf-a', 'TF-A', ['Kernel']);
  const submitted = await api(h, 'POST', '/api/reports', { body: sampleReport });
  const reportId = submitted.json.reportId as string;
  const reporterToken = submitted.json.statusToken as string;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: admin });
  const incidentRef = (
    await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: admin, body: { title: 'Hostile ids', projects: ['tf-a'] } })
  ).json.incidentRef as string;
  const advisoryId = (await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: admin })).json.advisoryId as string;
  const wellFormed = '00000000-0000-4000-8000-000000000001';
  // The portal's routes are for an organisation's session: probed with one.
  h.clock.set(new Date().toISOString()); // its key is made now, and is not valid before it
  const org = await addOrg(h, admin, 'Probe Org', 'probe@org.example', [{ project: 'tf-a', tier: 'ess' }]);
  /** A real value for each parameter, by the path segment before it. */
  const good = (url: string, name: string): string => {
    const before = url.slice(0, url.indexOf(`:${name}`));
    if (name === 'id' && before.endsWith('/reports/')) return reportId;
    if (name === 'id' && before.endsWith('/people/')) return admin.personId;
    if (name === 'slug' && before.endsWith('/teams/')) return 'security';
    const values: Record<string, string> = {
      advisoryId,
      version: '1',
      ref: incidentRef,
      token: reporterToken,
      slug: 'tf-a',
      name: 'Kernel',
      email: admin.email,
      address: 'security@example.org',
      cveId: 'CVE-2026-1000',
    };
    return values[name] ?? wellFormed;
  };
  const failures: string[] = [];
  let probes = 0;
  for (const route of allRoutes()) {
    const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const key = `${route.method} ${route.url}`;
    for (const hostile of names) {
      for (const value of HOSTILE) {
        const url = route.url.replace(/:(\w+)/g, (_m, name: string) =>
          name === hostile ? value : encodeURIComponent(good(route.url, name)),
        );
        const res = await api(h, route.method, url + (queries[key] ?? ''), {
          ...(route.policy === 'stakeholder' ? { headers: portalHeaders(org) } : { as: admin }),
          ...(bodies[key] !== undefined ? { body: bodies[key] } : route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }),
        });
        probes++;
        if ((res.status !== 404 && res.status !== 400) || typeof res.json?.error?.code !== 'string')
          failures.push(`${key} :${hostile}=${value.slice(0, 40)} → ${res.status} ${res.body.slice(0, 120)}`);
      }
    }
  }
  assert.ok(probes > 300, `only ${probes} probes`);
  assert.deepEqual(failures, []);
});
