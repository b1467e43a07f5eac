import { castOfRoles } from '../support/roles.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { bodies, queries } from './route-inputs.ts';
import { allRoutes } from '../../src/http/server.ts';
import { addDaysOff } from '../../src/app/sla/calendars.ts';
import { addOrg, portalHeaders } from '../support/portal.ts';

// Every API route against every role. Each role either may use the route (by its declared policy and
// need-to-know on the case) or gets 401/403/404 — and a refused request changes nothing: the newest audit
// event and the outbox are the same before and after it.

let h: Harness;
const as: Record<string, Member | null> = {};
let reportId: string;
let otherReportId: string;
let incidentRef: string;
let reporterToken: string;
let attachmentId: string;
let daysOffId: string;
let advisoryId: string;

before(async () => {
  h = await startHarness();
  const cast = await castOfRoles(h);
  const _admin = cast.deskAdmin;
  Object.assign(as, cast.as);

  const r = await api(h, 'POST', '/api/reports', {
    body: {
      ...sampleReport,
      attachments: [{ filename: 'poc.c', contentType: 'text/x-c', contentBase64: Buffer.from('int main(){}').toString('base64') }],
    },
  });
  reportId = r.json.reportId;
  attachmentId = (await h.app.db.query<{ id: string }>('SELECT id FROM attachments WHERE report_id = $1', [reportId])).rows[0]!.id;
  daysOffId = (await addDaysOff(as.projectTeam!.ctx, as.projectTeam!.personId, { startsOn: '2027-01-04' })).id;
  // The team's public key is public: there has to be one.
  assert.equal((await api(h, 'POST', '/api/admin/team-keys/generate', { as: as.admin!, body: {} })).status, 201);
  reporterToken = r.json.statusToken;
  otherReportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: as.central! });
  incidentRef = (
    await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: as.central!, body: { title: 'Matrix incident', projects: ['tf-a'] } })
  ).json.incidentRef;
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: as.central!, body: { email: 'cora@tf.example' } });
  advisoryId = (await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: as.central! })).json.advisoryId;
  await api(h, 'POST', `/api/reports/${otherReportId}/pull-in`, { as: as.central!, body: { email: 'olga@tf.example' } });
});
after(() => h.close());

/**
 * A well-formed id for the routes that take the id of a stored message, a key, a delivery or a token
 * (refusals come before any lookup; a malformed id is "not found" at the door).
 */
const MAIL_SAMPLE_ID = '00000000-0000-4000-8000-000000000001';

/** Routes about one person that only they or an admin may use. */
const selfRoutes = new Set([
  '/api/people/:id/availability',
  '/api/people/:id/calendar',
  '/api/people/:id/holiday-region',
  '/api/people/:id/days-off',
  '/api/people/:id/days-off/:daysOffId',
]);

/** Who may see the matrix case (an accepted TF-A incident). */
const seesCase = new Set(['central', 'projectTeam', 'collaborator']);

function fill(url: string): string {
  return url
    .replace(':advisoryId', advisoryId)
    .replace('/versions/:version', '/versions/1')
    .replace('/reports/:id', `/reports/${reportId}`)
    .replace(':attachmentId', attachmentId)
    .replace(':daysOffId', daysOffId)
    .replace(':ref', incidentRef)
    .replace(':token', reporterToken)
    .replace(':slug/subsystems', 'tf-a/subsystems')
    .replace('/teams/:slug', '/teams/tf-m-security')
    .replace(':slug', 'tf-a')
    .replace(':name', 'Kernel')
    .replace(':email', 'sam@tf.example')
    .replace('/people/:id', `/people/${as.projectTeam!.personId}`)
    .replace('/mail-inbox/:id', `/mail-inbox/${MAIL_SAMPLE_ID}`)
    .replace('/keys/:id', `/keys/${MAIL_SAMPLE_ID}`)
    .replace('/deliveries/:id', `/deliveries/${MAIL_SAMPLE_ID}`)
    .replace('/tokens/:id', `/tokens/${MAIL_SAMPLE_ID}`)
    .replace('/stakeholders/:id', `/stakeholders/${MAIL_SAMPLE_ID}`)
    .replace(':orgId', MAIL_SAMPLE_ID)
    .replace(':updateId', MAIL_SAMPLE_ID);
}

async function snapshot() {
  const a = await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events');
  const o = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  const m = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
  return `${a.rows[0]!.seq}/${o.rows[0]!.n}/${m.rows[0]!.n}`;
}

test('every route × every role: no read or write where the policy says no', async () => {
  const routes = allRoutes().filter((r) => r.url.startsWith('/api/') || r.url === '/metrics');
  assert.ok(routes.length >= 35, `expected the whole API, got ${routes.length} routes`);
  const checked: string[] = [];
  for (const route of routes) {
    const key = `${route.method} ${route.url}`;
    for (const [role, member] of Object.entries(as)) {
      const isCaseRoute =
        route.url.startsWith('/api/reports/:id') || route.url.startsWith('/api/incidents/') || route.url.startsWith('/api/advisories/');
      // Advisories carry the reporter's identity in their credits: the security teams only, not people pulled into the case.
      const isAdvisoryRoute = route.url.startsWith('/api/advisories/') || route.url === '/api/reports/:id/advisories';
      // A person's own availability and calendar: themselves (the project member is the sample) or an admin.
      const isSelfRoute = selfRoutes.has(route.url);
      let expected: number | null = null; // null: allowed (anything but 401/403/404)
      if (route.policy === 'signed-in' || route.policy === 'admin') {
        if (!member) expected = 401;
        else if (route.policy === 'admin' && role !== 'admin') expected = 403;
        else if (isCaseRoute && !seesCase.has(role)) expected = 404;
        else if (isAdvisoryRoute && role === 'collaborator') expected = 403;
        else if (isSelfRoute && role !== 'admin' && role !== 'projectTeam') expected = 404;
        // Desk-wide metrics: admins and the central team only.
        else if (route.url === '/metrics' && role !== 'admin' && role !== 'central') expected = 403;
        // The team's CVE pool: the central team and admins only.
        else if (route.url.startsWith('/api/cve/pool') && role !== 'admin' && role !== 'central') expected = 403;
        // The matrix incident's advisory: its security teams only; everyone else gets "not found".
        else if (route.url.startsWith('/api/cve/advisories/') && role !== 'central' && role !== 'projectTeam') expected = 404;
        // Failed deliveries: admins and the central team only.
        else if (route.url.startsWith('/api/deliveries/') && role !== 'admin' && role !== 'central') expected = 403;
        // Keys the reporter offered carry their identity: not for people pulled into the case.
        else if (route.url === '/api/reports/:id/keys' && role === 'collaborator') expected = 404;
      }
      // The portal is an organisation's session's only: no person, signed in or not, reaches it.
      if (route.policy === 'stakeholder') expected = 401;
      // The stakeholder organisations: admins and the central team only.
      if (route.policy === 'signed-in' && member && /^\/api\/stakeholders(\/|$)/.test(route.url) && role !== 'admin' && role !== 'central')
        expected = 403;
      // A secret link of the wrong kind (a reporter's link used as an enrollment link) opens nothing.
      if (route.url.startsWith('/api/enrollment/')) expected = 404;
      // Allowed writes are exercised by the acceptance tests; here only refusals and reads are sent.
      if (expected === null && route.method !== 'GET') continue;
      const before = await snapshot();
      const res = await api(h, route.method, fill(route.url) + (queries[key] ?? ''), {
        ...(member ? { as: member } : {}),
        ...(bodies[key] !== undefined ? { body: bodies[key] } : {}),
      });
      if (expected !== null) {
        assert.equal(res.status, expected, `${key} as ${role}: ${res.body}`);
        assert.equal(typeof res.json?.error?.code, 'string', `${key} as ${role}: error shape`);
        assert.equal(await snapshot(), before, `${key} as ${role} changed state although refused`);
      } else {
        assert.ok(![401, 403, 404].includes(res.status), `${key} as ${role} should be allowed, got ${res.status}: ${res.body}`);
      }
      checked.push(`${key} ${role}`);
    }
  }
  assert.ok(checked.length > 150, `checked ${checked.length} combinations`);
});

test('case actions a visible role may not take are refused with 403 and change nothing', async () => {
  // The collaborator sees the case but may not accept, reject, reply or close it.
  for (const [url, body] of [
    [`/api/reports/${reportId}/replies`, { body: 'hi' }],
    [`/api/reports/${reportId}/close`, { reason: 'closing it' }],
    [`/api/reports/${reportId}/projects/tf-a/claim`, undefined],
    [`/api/reports/${reportId}/pull-in`, { email: 'sam@tf.example' }],
  ] as const) {
    const before = await snapshot();
    const res = await api(h, 'POST', url, { as: as.collaborator!, ...(body ? { body } : {}) });
    assert.equal(res.status, 403, `${url}: ${res.body}`);
    assert.equal(await snapshot(), before);
  }
  // The collaborator does not see the reporter's identity.
  const v = (await api(h, 'GET', `/api/reports/${reportId}`, { as: as.collaborator! })).json;
  assert.deepEqual(v.reporter, { redacted: true });
  assert.deepEqual(v.sensitive, { redacted: true });
  // A reporter link opens only its own report.
  assert.equal((await api(h, 'GET', `/api/reporter/rpt_${'x'.repeat(43)}`)).status, 404);
});

test('the queue lists exactly the cases each role may see, earliest due first', async () => {
  const q = async (m: Member) => (await api(h, 'GET', '/api/queue', { as: m })).json;
  const central = await q(as.central!);
  assert.deepEqual(
    central.incidents.map((i: any) => i.ref),
    [incidentRef],
  );
  assert.deepEqual(
    central.reports.map((r: any) => r.reportId),
    [otherReportId],
    'the other report is still in triage',
  );
  assert.equal(central.incidents[0].title, 'Matrix incident');
  assert.ok(central.incidents[0].dueAt, 'the project analysis clock runs');
  assert.deepEqual(
    (await q(as.projectTeam!)).incidents.map((i: any) => i.ref),
    [incidentRef],
  );
  assert.deepEqual(
    (await q(as.collaborator!)).incidents.map((i: any) => i.ref),
    [incidentRef],
  );
  const other = await q(as.otherCollaborator!);
  assert.deepEqual([other.incidents.length, other.reports.map((r: any) => r.reportId)], [0, [otherReportId]]);
  for (const role of ['otherProject', 'outsider', 'admin'] as const) {
    const x = await q(as[role]!);
    assert.deepEqual([x.incidents.length, x.reports.length], [0, 0], role);
  }
});

test('the queue filters to what is due before an instant, or overdue now', async () => {
  const all = (await api(h, 'GET', '/api/queue', { as: as.central! })).json;
  const due = all.incidents[0].dueAt as string;
  const before = (await api(h, 'GET', `/api/queue?dueBefore=${encodeURIComponent(due)}`, { as: as.central! })).json;
  assert.equal(before.incidents.length, 0, 'due exactly then is not before it');
  const after = new Date(new Date(due).getTime() + 1).toISOString();
  assert.equal((await api(h, 'GET', `/api/queue?dueBefore=${after}`, { as: as.central! })).json.incidents.length, 1);
  assert.equal((await api(h, 'GET', '/api/queue?overdue=true', { as: as.central! })).json.incidents.length, 0, 'nothing is overdue yet');
  h.clock.set(after);
  const overdue = (await api(h, 'GET', '/api/queue?overdue=true', { as: as.central! })).json;
  assert.deepEqual(
    overdue.incidents.map((i: any) => [i.ref, i.overdue]),
    [[incidentRef, true]],
  );
  assert.equal((await api(h, 'GET', '/api/queue?dueBefore=2026-12-01', { as: as.central! })).status, 400, 'an instant needs its offset');
});

test("an organisation's portal session opens no person's route, and no incident not released to its tier", async () => {
  h.clock.set(new Date().toISOString()); // the key is made now, and is not valid before it
  const org = await addOrg(h, as.central!, 'Distro One', 'ess@distro.example', [{ project: 'tf-a', tier: 'ess' }]);
  const headers = portalHeaders(org);
  const checked: string[] = [];
  for (const route of allRoutes().filter((r) => r.url.startsWith('/api/'))) {
    const key = `${route.method} ${route.url}`;
    if (route.policy === 'public' || route.policy === 'reporter-link') continue;
    // Only refusals and reads are sent: the portal's own writes on an incident it may not see are refused too.
    if (route.policy !== 'stakeholder' && route.method !== 'GET' && route.policy !== 'signed-in' && route.policy !== 'admin') continue;
    if (route.url === '/api/portal/sign-out') continue;
    const before = await snapshot();
    const res = await api(h, route.method, fill(route.url) + (queries[key] ?? ''), {
      headers,
      ...(bodies[key] !== undefined ? { body: bodies[key] } : route.method === 'GET' ? {} : { body: { body: 'A question' } }),
    });
    if (route.policy === 'stakeholder') {
      // The matrix incident was never released to any tier.
      if (route.url.includes(':ref')) assert.equal(res.status, 404, `${key}: ${res.body}`);
      else assert.equal(res.status, 200, `${key}: ${res.body}`);
    } else {
      assert.equal(res.status, 401, `${key} with a portal session: ${res.body}`);
    }
    if (res.status >= 400) assert.equal(await snapshot(), before, `${key} changed state although refused`);
    checked.push(key);
  }
  assert.ok(checked.length > 100, `checked ${checked.length} routes`);
  assert.deepEqual((await api(h, 'GET', '/api/portal/cases', { headers })).json, []);
});
