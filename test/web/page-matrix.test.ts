import { castOfRoles } from '../support/roles.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { PORTAL_SIGN_IN_TEMPLATE } from '../../src/app/stakeholders/portal-auth.ts';
import { startHarness, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { webPlugin } from '../../src/web/index.ts';
import { webPages } from '../../src/web/index.ts';
import { needsSession, type PagePolicy, type PageRoute } from '../../src/web/route.ts';

// Every web page against every role, like the API's route matrix. The route list is the web door's
// own data, so a new page is covered as soon as it exists. A refusal is the sign-in redirect for
// someone signed out, or the 404 page for someone the page or the case is not for (so it reveals
// nothing), and a refused form post changes nothing: the newest audit event, the outbox and the
// stored messages are the same before and after it. A stakeholder organisation signed in to the
// portal is one more role: its session opens the portal's pages only (every person's page sends it to
// sign in), and a portal page shows every person the portal's sign-in page, never a case.

let h: Harness;
const as: Record<string, Member | null> = {};
const sessions: Record<string, { cookie: string; csrf: string } | null> = {};
let reportId: string;
let reporterToken: string;
let advisoryId: string;
let incidentRef: string;
/** The roles of the matrix: the people of the cast, and an organisation signed in to the portal. */
const ROLES: string[] = [];

/** One form body with a plausible value for every field any page reads, so a refusal is never a mere validation error. */
const BODY: Record<string, string> = {
  reason: 'A reason long enough for the matrix.',
  body: 'A probe message from the matrix.',
  answer: 'accept',
  text: 'https://git.example/fix.patch',
  controlled: 'false',
  flag: 'exploit_public',
  evidence: 'Evidence long enough for the matrix.',
  value: 'Probe Customer Ltd',
  tier_ess: '2030-01-10T09:00',
  'tier_trusted-stakeholders': '2030-01-20T09:00',
  publicAt: '2030-02-01T09:00',
  timeZone: 'UTC',
  title: 'Probe title',
  projects: 'tf-a',
  project: 'tf-a',
  email: 'sam@tf.example',
  severity: 'high',
  status: 'Assessment',
  subsystem: 'Kernel',
  bugLink: 'https://bugs.example/1',
  components: 'x',
  verdict: 'approved',
  version: '1',
  audience: 'reporter',
  op: 'compute',
  form: 'paste',
  vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  block: 'CVE-2026-1000..CVE-2026-1001',
  amount: '1',
  name: 'probe',
  slug: 'probe',
  kind: 'ess',
  region: 'GB-ENG',
  startsOn: '2027-01-05',
  address: 'probe@tf.example',
  team: 'security',
  teams: 'security',
  host: 'smtp.example',
  port: '587',
  tls: 'starttls',
  username: 'probe',
  preference: 'anonymous',
  alias: 'psirt@probe.example',
  about: 'A probe organisation long enough for the matrix.',
  statement: 'We keep embargoed details confidential until the public disclosure.',
  acceptsPolicy: 'yes',
  publicKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nprobe\n-----END PGP PUBLIC KEY BLOCK-----',
  fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567',
  tier: 'ess',
  decision: 'approve',
  note: 'A note long enough for the matrix.',
};

/** A query string each GET page would accept from someone allowed. */
const QUERIES: Record<string, string> = {
  '/desk/advisories/:id/diff': '?from=1&to=1',
  '/desk/advisories/:id/export': '?format=markdown',
  '/cwe': '?q=out-of-bounds',
};

/** A well-formed id for stored things the matrix does not need to exist (refusals come before any lookup). */
const SAMPLE_ID = '00000000-0000-4000-8000-000000000001';

function fill(url: string): string {
  return url
    .replace('/desk/advisories/:id', `/desk/advisories/${advisoryId}`)
    .replace(':reportId', reportId)
    .replace(':project', 'tf-a')
    .replace(':keyId', SAMPLE_ID)
    .replace('/admin/people/:id', `/admin/people/${as.projectTeam!.personId}`)
    .replace('/teams/:slug', '/teams/tf-m-security')
    .replace('/projects/:slug', '/projects/tf-a')
    .replace(':name', 'Kernel')
    .replace(':cveId', 'CVE-2026-1000')
    .replace('/status/:token', `/status/${reporterToken}`)
    .replace('/enroll/:token', `/enroll/enr_${'x'.repeat(43)}`)
    .replace('/portal/sign-in/:token', `/portal/sign-in/${'x'.repeat(43)}`)
    .replace(':ref', incidentRef)
    .replace(':orgId', SAMPLE_ID)
    .replace(':updateId', SAMPLE_ID)
    .replace(':version', '1')
    .replace(':id', SAMPLE_ID);
}

async function snapshot() {
  const a = await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events');
  const o = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  const m = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
  return `${a.rows[0]!.seq}/${o.rows[0]!.n}/${m.rows[0]!.n}`;
}

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  const cast = await castOfRoles(h);
  const _admin = cast.deskAdmin;
  Object.assign(as, cast.as);

  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  reporterToken = r.json.statusToken;
  const otherReportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: as.central! });
  incidentRef = (
    await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: as.central!, body: { title: 'Matrix incident', projects: ['tf-a'] } })
  ).json.incidentRef;
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: as.central!, body: { email: 'cora@tf.example' } });
  advisoryId = (await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: as.central! })).json.advisoryId;
  await api(h, 'POST', `/api/reports/${otherReportId}/pull-in`, { as: as.central!, body: { email: 'olga@tf.example' } });
  for (const [role, m] of Object.entries(as)) sessions[role] = m ? await webSession(h, m) : null;
  ROLES.push(...Object.keys(as), 'organisation');
  sessions.organisation = await portalSession(as.central!);
});

/** An organisation of the matrix incident's project, signed in to the portal by its mailed link (its tier is told nothing). */
async function portalSession(central: Member): Promise<{ cookie: string; csrf: string }> {
  const alias = 'ess@matrix-org.example';
  const { publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Matrix Org', email: alias }],
    date: new Date(h.clock.now.getTime() - 60_000),
    format: 'armored',
  });
  const fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint();
  const added = await api(h, 'POST', '/api/stakeholders', {
    as: central,
    body: { name: 'Matrix Org', alias, timeZone: 'UTC', publicKey, fingerprint, tiers: [{ project: 'tf-a', tier: 'ess' }] },
  });
  assert.equal(added.status, 201, added.body);
  assert.equal((await api(h, 'POST', '/api/portal/sign-in', { body: { alias } })).status, 202);
  const o = await h.app.db.query<{ id: string; envelope_sealed: string }>('SELECT id, envelope_sealed FROM outbox WHERE template_id = $1', [
    PORTAL_SIGN_IN_TEMPLATE,
  ]);
  const env = h.app.sealer.openJson<{ body: string }>(o.rows[0]!.envelope_sealed, `outbox.envelope:${o.rows[0]!.id}`);
  const link = /\/portal\/sign-in\/([A-Za-z0-9_-]+)/.exec(env.body)![1]!;
  const res = await h.server.inject({ method: 'POST', url: `/portal/sign-in/${link}` });
  assert.equal(res.statusCode, 303, res.body);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const page = await h.server.inject({ method: 'GET', url: '/portal', headers: { cookie } });
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
}
after(() => h.close());

/** Who may see the matrix case (an accepted TF-A incident). */
const seesCase = new Set(['central', 'projectTeam', 'collaborator']);
/** Advisories carry the reporter's identity in their credits: the security teams only. */
const seesAdvisory = new Set(['central', 'projectTeam']);

const isCaseRoute = (r: PageRoute) => r.url.startsWith('/cases/:reportId') || r.url.startsWith('/desk/advisories/');
const isAdvisoryRoute = (r: PageRoute) => r.url.startsWith('/desk/advisories/') || r.url === '/cases/:reportId/advisories';

/** The pages for some signed-in people only: who they are for, by the page's policy. */
const PAGE_FOR: Record<Exclude<PagePolicy, 'public' | 'reporter-link' | 'signed-in' | 'stakeholder'>, readonly string[]> = {
  'admin.manage': ['admin'],
  'cve_pool.manage': ['admin', 'central'],
  'cve_pool.see_advisories': ['central'],
  'cna_account.manage': ['admin'],
  'mail.inbox': ['admin'],
  'mail.deliveries': ['admin', 'central'],
  'mail.settings': ['admin'],
  'metrics.read': ['admin', 'central'],
  'stakeholders.manage': ['admin', 'central'],
};
const forWhom = (policy: PagePolicy): readonly string[] | null => (policy in PAGE_FOR ? PAGE_FOR[policy as keyof typeof PAGE_FOR] : null);

/**
 * What the role must get, or null where the page is for them (then only a GET is sent, and it
 * must not be refused).
 */
function refusal(route: PageRoute, role: string): 'sign-in' | 'portal-sign-in' | 404 | 403 | null {
  // The desk is set up: first-run setup is gone for everyone; a made-up enrollment link opens nothing.
  if (route.url === '/setup' || route.url.startsWith('/enroll/')) return 404;
  // The portal: the organisation's session only; nothing is released to its tier, so the incident is "not found".
  if (route.policy === 'stakeholder') {
    if (role !== 'organisation') return 'portal-sign-in';
    return route.url.startsWith('/portal/cases/:ref') ? 404 : null;
  }
  if (!needsSession(route.policy)) return null;
  if (role === 'organisation') return 'sign-in';
  if (!as[role]) return 'sign-in';
  if (forWhom(route.policy) && !forWhom(route.policy)!.includes(role)) return 404;
  if (isCaseRoute(route) && !seesCase.has(role)) return 404;
  // Someone pulled into the case sees it, but not its advisories: the pages refuse them.
  // The CVE records of the advisory are "not found" to them, as in the API.
  if (route.url === '/desk/advisories/:id/cve-records' && !seesAdvisory.has(role)) return 404;
  if (isAdvisoryRoute(route) && !seesAdvisory.has(role)) return 403;
  // Nor may they write to the reporter, so the signed-reply page refuses them.
  if (route.url === '/cases/:reportId/signed-reply' && role === 'collaborator') return 403;
  return null;
}

async function send(route: PageRoute, url: string, role: string, o: { csrf?: boolean; body?: Record<string, string> } = {}) {
  const s = sessions[role] ?? null;
  const form = route.method === 'POST' ? { ...BODY, ...o.body, ...(s && o.csrf !== false ? { _csrf: s.csrf } : {}) } : null;
  return h.server.inject({
    method: route.method,
    url,
    headers: {
      ...(s ? { cookie: s.cookie } : {}),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
  });
}

test('every page has a policy, and every page × every role: refusals as the policy says, and a refused post changes nothing', async () => {
  assert.ok(webPages.length >= 70, `expected the whole web door, got ${webPages.length} routes`);
  const seen = new Set<string>();
  for (const route of webPages) {
    const key = `${route.method} ${route.url}`;
    assert.ok(!seen.has(key), `${key} is declared twice`);
    seen.add(key);
    assert.ok(['public', 'reporter-link', 'signed-in', 'stakeholder'].includes(route.policy) || forWhom(route.policy), `${key}: policy`);
    // A form post has no handler of its own: it is the one form-action helper's (guard, run, redirect or redraw, log a 5xx).
    if (route.method === 'POST') assert.ok('action' in route && !('handler' in route), `${key}: a form action`);
  }
  const checked: string[] = [];
  for (const route of webPages) {
    const key = `${route.method} ${route.url}`;
    for (const role of ROLES) {
      const expected = refusal(route, role);
      // Allowed writes are exercised by the page tests; here only refusals and reads are sent.
      if (expected === null && route.method !== 'GET') continue;
      const before = await snapshot();
      const res = await send(route, fill(route.url) + (route.method === 'GET' ? (QUERIES[route.url] ?? '') : ''), role);
      if (expected === 'sign-in') {
        assert.equal(res.statusCode, 303, `${key} as ${role}: ${res.body.slice(0, 200)}`);
        assert.match(String(res.headers.location), /^\/(signin|setup)/, `${key} as ${role}: to sign in`);
      } else if (expected === 'portal-sign-in') {
        // /portal itself is the sign-in page when signed out; any other portal page says to sign in first.
        assert.equal(
          res.statusCode,
          route.url === '/portal' && route.method === 'GET' ? 200 : 401,
          `${key} as ${role}: ${res.body.slice(0, 300)}`,
        );
        assert.match(res.body, /<form method="post" action="\/portal\/sign-in"/, `${key} as ${role}: the portal's sign-in page`);
        assert.doesNotMatch(res.body, /action="\/signin|Matrix incident/, `${key} as ${role}: neither a person's sign-in nor the case`);
      } else if (expected !== null) {
        assert.equal(res.statusCode, expected, `${key} as ${role}: ${res.body.slice(0, 300)}`);
        assert.match(String(res.headers['content-type']), /text\/html/, `${key} as ${role}: an HTML page`);
      } else {
        assert.ok(
          res.statusCode < 400 && !String(res.headers.location ?? '').startsWith('/signin'),
          `${key} as ${role} should be allowed, got ${res.statusCode}: ${res.body.slice(0, 300)}`,
        );
      }
      if (expected !== null) assert.equal(await snapshot(), before, `${key} as ${role} changed state although refused`);
      checked.push(`${key} ${role}`);
    }
  }
  assert.ok(checked.length > 300, `checked ${checked.length} combinations`);
});

test('a form post on a session without its CSRF token is refused on every page and changes nothing', async () => {
  for (const route of webPages.filter((r) => r.method === 'POST' && needsSession(r.policy))) {
    // Someone the page is for: the central member for the case pages, the organisation for the portal's.
    const role = route.policy === 'stakeholder' ? 'organisation' : (forWhom(route.policy)?.[0] ?? 'central');
    const before = await snapshot();
    const res = await send(route, fill(route.url), role, { csrf: false });
    assert.equal(res.statusCode, 403, `${route.url} as ${role}: ${res.body.slice(0, 200)}`);
    assert.match(res.body, /security token is missing or wrong/);
    assert.equal(await snapshot(), before, `${route.url} changed state without a CSRF token`);
  }
});

test('a reporter link that is not one opens nothing and a post to it changes nothing', async () => {
  for (const route of webPages.filter((r) => r.policy === 'reporter-link')) {
    for (const role of ['anonymous', 'central']) {
      const before = await snapshot();
      const res = await send(route, route.url.replace(':token', `rpt_${'x'.repeat(43)}`), role);
      assert.equal(res.statusCode, 404, `${route.method} ${route.url} as ${role}`);
      assert.equal(await snapshot(), before);
    }
  }
});

test('someone pulled into the case may write a note and nothing else: every other case form refuses them and changes nothing', async () => {
  const caseForms = webPages.filter(
    (r) => r.method === 'POST' && r.url.startsWith('/cases/:reportId/') && !r.url.includes('/keys/') && r.url !== '/cases/:reportId/note',
  );
  assert.ok(caseForms.length >= 18, `case forms: ${caseForms.length}`);
  for (const route of caseForms) {
    const before = await snapshot();
    // The calculator computes for anyone who sees the case; saving is what they may not do.
    const res = await send(route, fill(route.url), 'collaborator', { body: { op: 'save' } });
    assert.ok([403, 404].includes(res.statusCode), `${route.url} as collaborator: ${res.statusCode} ${res.body.slice(0, 300)}`);
    assert.equal(await snapshot(), before, `${route.url} as collaborator changed state although refused`);
  }
});

test('a confirmation code in the query string is looked up, never trusted: an unknown or inherited name shows no confirmation', async () => {
  for (const route of webPages.filter((r) => r.method === 'GET' && needsSession(r.policy) && !r.url.startsWith('/static/'))) {
    const role = route.policy === 'stakeholder' ? 'organisation' : (forWhom(route.policy)?.[0] ?? 'central');
    if (refusal(route, role) !== null) continue;
    for (const code of ['constructor', 'toString', '__proto__', 'no-such-code']) {
      const url = `${fill(route.url)}${QUERIES[route.url] ? `${QUERIES[route.url]}&` : '?'}done=${code}`;
      const res = await send(route, url, role);
      assert.ok(res.statusCode < 400, `${route.url}?done=${code} as ${role}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      assert.doesNotMatch(res.body, /class="flash"/, `${route.url}?done=${code}: no confirmation`);
    }
  }
});
