import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addPerson } from '../src/app/admin/admin.ts';
import { runDueReleases } from '../src/app/releases/run.ts';
import { setSetupToken } from '../src/http/routes/session.ts';
import { webPages } from '../src/web/index.ts';
import { api, type Member } from '../test/support/harness.ts';
import { aliasKey, portalLinkToken } from '../test/support/portal.ts';
import { castOfRoles } from '../test/support/roles.ts';
import {
  blocking,
  launchBrowser,
  newPage,
  PHONE,
  runAxe,
  signInAs,
  skipBrowser,
  startWebHarness,
  WIDE,
  type AxeViolation,
  type WebHarness,
} from './support.ts';

// axe-core over every GET page of the web door, for every role that can open it, at a laptop's size
// and a phone's: no critical or serious violation anywhere; the moderate and minor ones are counted
// and printed. The roles are the ones people have: someone not signed in, the reporter by their
// status link, a central member, a project member who handles the incident, someone pulled into it,
// an admin, and a stakeholder organisation signed in to the portal (through its pages, by the link
// it was mailed). The case they look at has been through triage, an agreed embargo and a fix told
// to the organisation's tier, so the case page and the portal show their fullest sections; its text
// is long and unbroken where people type, which is what makes regions scroll.
//
// Each role walks every page (and a few states of the queue and a case still in triage). A page it
// may not open is the error page (404, 403) or the sign-in page: checked once per role, not again
// for every page that refuses it. Each document gets axe once; it is checked at 1440×900, then the
// viewport shrinks to 390×844 and it is checked again (the layout follows the media queries; the
// page has no script that would draw it differently on a fresh load).

const SETUP_TOKEN = 'setup-token-for-the-axe-campaign';
const ROLES = ['anonymous', 'reporter', 'central', 'projectTeam', 'collaborator', 'admin', 'organisation'] as const;
type CampaignRole = (typeof ROLES)[number];
const ORG_ALIAS = 'ess@distro.example';

let h: WebHarness;
let browser: Browser;
let as: Record<string, Member | null>;
let reportId = '';
let triageId = '';
let statusToken = '';
let advisoryId = '';
let incidentRef = '';
let enrollmentToken = '';

interface Checked {
  role: CampaignRole;
  /** What was asked for, and what it became (the error page, the sign-in page, a redirect's target). */
  url: string;
  shown: string;
  size: 'wide' | 'phone';
  violations: AxeViolation[];
}
const checked: Checked[] = [];
/** The route patterns some role opened with a 2xx page, for the "every page" check at the end. */
const opened = new Set<string>();

/** Every GET page of the web door (the stylesheet, scripts and downloads aside), with its route pattern. */
function everyPage(): { route: string; url: string }[] {
  return webPages
    .filter((r) => r.method === 'GET' && !r.url.startsWith('/static/') && !r.url.endsWith('/export'))
    .map((r) => ({
      route: r.url,
      url: r.url
        .replace('/desk/advisories/:id', `/desk/advisories/${advisoryId}`)
        .replace(':reportId', reportId)
        .replace(':version', '1')
        .replace('/status/:token', `/status/${statusToken}`)
        .replace('/enroll/:token', `/enroll/${enrollmentToken}`)
        .replace('/unlock/:token', `/unlock/unl_${'x'.repeat(43)}`)
        .replace('/portal/sign-in/:token', `/portal/sign-in/${'x'.repeat(43)}`)
        .replace(':ref', incidentRef),
    }))
    .map((p) => ({ ...p, url: p.url.endsWith('/diff') ? `${p.url}?from=1&to=2` : p.url === '/cwe' ? `${p.url}?q=overflow` : p.url }));
}

/** More states of the busiest pages: the queue filtered and sorted, a report still in triage, an unknown path. */
const moreStates = (): { route: string; url: string }[] => [
  { route: '/', url: '/?status=closed' },
  { route: '/', url: '/?project=tf-a&sort=severity&dir=desc' },
  { route: '/', url: '/?mine=true&overdue=true' },
  { route: '/cases/:reportId', url: `/cases/${triageId}` },
  { route: '(none)', url: '/no/such/page' },
];

/** The pages the role walks: the reporter has their status link only; everyone else tries them all. */
function pagesOf(role: CampaignRole): { route: string; url: string }[] {
  if (role === 'reporter') return everyPage().filter((p) => p.route === '/status/:token');
  return [...everyPage().filter((p) => p.route !== '/status/:token'), ...moreStates()];
}

/** Loads the page and checks it at both sizes, unless the role already saw what it became. */
async function check(page: Page, role: CampaignRole, route: string, url: string, seen: Set<string>): Promise<void> {
  await page.setViewportSize(WIDE);
  const res = await page.goto(`${h.baseUrl}${url}`, { waitUntil: 'load' });
  assert.ok(res, `${url}: no response`);
  const status = res.status();
  const at = new URL(page.url());
  // A refusal is one page whichever page refused; so is the sign-in page a signed-out visitor is sent to.
  // A redirect (to sign in, and back with ?next=) shows the page it leads to, whatever its query.
  const redirected = at.pathname !== new URL(`${h.baseUrl}${url}`).pathname;
  const shown = status >= 400 ? `the ${status} page` : redirected ? at.pathname : `${at.pathname}${at.search}`;
  // Opened: shown, not refused (a redirect to another page of the same kind, /admin to /admin/people, counts).
  if (status < 300 && (at.pathname !== '/signin' || route === '/signin')) opened.add(route);
  if (seen.has(shown)) return;
  seen.add(shown);
  for (const [size, viewport] of [
    ['wide', WIDE],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    checked.push({ role, url, shown, size, violations: await runAxe(page) });
  }
}

/** The role's findings: asserted free of blocking ones, the rest printed per page. */
function report(t: test.TestContext, role: CampaignRole): void {
  const mine = checked.filter((c) => c.role === role);
  const bad: string[] = [];
  let rest = 0;
  for (const c of mine) {
    const minor = c.violations.filter((v) => !blocking(v));
    const n = minor.reduce((s, v) => s + v.nodes, 0);
    rest += n;
    const where = c.shown === c.url ? c.url : `${c.url} → ${c.shown}`;
    t.diagnostic(
      `${role} ${where} ${c.size}: ${n} moderate or minor${n ? ` (${minor.map((v) => `${v.impact} ${v.id}×${v.nodes}`).join(', ')})` : ''}`,
    );
    for (const v of c.violations.filter(blocking))
      bad.push(`${role} ${where} ${c.size}: ${v.impact} ${v.id} ×${v.nodes} (${v.help}) at ${v.targets.join(' | ')}`);
  }
  t.diagnostic(`${role}: ${new Set(mine.map((c) => c.shown)).size} pages, ${mine.length} checks, ${rest} moderate or minor findings`);
  assert.ok(mine.length > 0, `${role} checked no page`);
  assert.deepEqual(bad, []);
}

async function walk(role: CampaignRole, context: BrowserContext, page: Page): Promise<void> {
  const seen = new Set<string>();
  for (const p of pagesOf(role)) await check(page, role, p.route, p.url, seen);
  await context.close();
}

describe('axe-core on every page for every role, wide and on a phone', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    browser = await launchBrowser();
    // First-run setup exists only before the desk does: someone not signed in checks it now.
    setSetupToken(SETUP_TOKEN);
    const first = await newPage(browser);
    await check(first.page, 'anonymous', '/setup', `/setup?token=${SETUP_TOKEN}`, new Set());
    await first.context.close();
    setSetupToken(null);

    const cast = await castOfRoles(h);
    as = cast.as;
    const central = as.central!;
    const hank = as.projectTeam!;
    // Someone added who has not enrolled yet: their enrollment page is a real one.
    enrollmentToken = (await addPerson(cast.deskAdmin.ctx, { name: 'Nina New', emails: ['nina@tf.example'], timeZone: 'UTC' }))
      .enrollmentToken;

    const long = `${'A'.repeat(120)} https://git.example/${'path/'.repeat(30)}`;
    const sent = await api(h, 'POST', '/api/reports', {
      body: {
        title: `Overflow in the BL2 image loader ${'B'.repeat(80)}`,
        body: `${long}\n${'    indented code line '.repeat(12)}`,
        reporter: { name: 'Rita Reporter', email: 'rita@research.example' },
      },
    });
    assert.equal(sent.status, 201, sent.body);
    reportId = sent.json.reportId;
    statusToken = sent.json.statusToken;
    triageId = (await api(h, 'POST', '/api/reports', { body: { title: 'Second report', body: 'Waiting for triage.' } })).json.reportId;
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: central })).status, 200);
    const accepted = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
      as: central,
      body: { title: `Incident ${'C'.repeat(90)}`, projects: ['tf-a'] },
    });
    assert.equal(accepted.status, 200, accepted.body);
    incidentRef = accepted.json.incidentRef;
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: hank, body: { email: 'cora@tf.example' } })).status, 200);
    await api(h, 'POST', `/api/reports/${reportId}/notes`, { as: central, body: { body: long } });
    await api(h, 'POST', `/api/reporter/${statusToken}/messages`, { body: { body: `${long}\n`.repeat(40) } });
    advisoryId = (await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: hank })).json.advisoryId;
    const head = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: hank })).json.head.document;
    const saved = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
      as: hank,
      body: { document: { ...head, summary: 'A crafted FIP image overflows a stack buffer in BL2.', description: long } },
    });
    assert.equal(saved.status, 201, saved.body);

    // An organisation of TF-A's first tier, and the incident released to it: an agreed embargo and a ready fix.
    const key = await aliasKey('Distro One', ORG_ALIAS, new Date(h.clock.now.getTime() - 60_000));
    const org = await api(h, 'POST', '/api/stakeholders', {
      as: central,
      body: { name: 'Distro One', alias: ORG_ALIAS, timeZone: 'UTC', ...key, tiers: [{ project: 'tf-a', tier: 'ess' }] },
    });
    assert.equal(org.status, 201, org.body);
    const day = 24 * 3_600_000;
    const at = (ms: number) => new Date(h.clock.now.getTime() + ms).toISOString();
    const proposed = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
      as: hank,
      body: {
        tiers: [
          { tier: 'ess', endsAt: at(10 * day) },
          { tier: 'trusted-stakeholders', endsAt: at(15 * day) },
        ],
        publicAt: at(17 * day),
        timeZone: 'Europe/London',
      },
    });
    assert.equal(proposed.status, 201, proposed.body);
    assert.equal((await api(h, 'POST', `/api/reporter/${statusToken}/embargo/answer`, { body: { answer: 'accept' } })).status, 200);
    const fix = await api(h, 'POST', `/api/reports/${reportId}/fix/items`, {
      as: hank,
      body: { kind: 'patch', text: `https://review.trustedfirmware.org/c/TF-A/trusted-firmware-a/+/31337/${'x'.repeat(60)}` },
    });
    assert.equal(fix.status, 201, fix.body);
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: hank })).status, 200);
    assert.equal((await runDueReleases(h.app, h.clock.now)).done, 1, 'the ESS tier is told');
  });
  after(async () => {
    setSetupToken(null);
    await browser?.close();
    await h?.close();
  });

  test('someone not signed in', async (t) => {
    const { context, page } = await newPage(browser);
    await walk('anonymous', context, page);
    report(t, 'anonymous');
  });

  test('the reporter, by their status link', async (t) => {
    const { context, page } = await newPage(browser);
    await walk('reporter', context, page);
    report(t, 'reporter');
  });

  for (const role of ['central', 'projectTeam', 'collaborator', 'admin'] as const) {
    test(`a person: ${role}`, async (t) => {
      const { context, page } = await newPage(browser);
      await signInAs(page, h, as[role]!);
      await walk(role, context, page);
      report(t, role);
    });
  }

  test('a stakeholder organisation, signed in to the portal by its mailed link', async (t) => {
    const { context, page } = await newPage(browser);
    await page.goto(`${h.baseUrl}/portal`);
    await page.getByLabel("Your organisation's security alias").fill(ORG_ALIAS);
    await Promise.all([page.waitForURL(/done=link-sent/), page.getByRole('button', { name: 'Send me a sign-in link' }).click()]);
    // The link's own page (a button: mail scanners open links), then signed in.
    const link = `/portal/sign-in/${await portalLinkToken(h, ORG_ALIAS)}`;
    const seen = new Set<string>();
    await check(page, 'organisation', '/portal/sign-in/:token', link, seen);
    await Promise.all([page.waitForURL(/done=signed-in/), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    for (const p of pagesOf('organisation')) await check(page, 'organisation', p.route, p.url, seen);
    await context.close();
    report(t, 'organisation');
  });

  test('every GET page was opened and checked by some role; the totals', (t) => {
    const missing = everyPage()
      .map((p) => p.route)
      .filter((r) => !opened.has(r));
    const rest = checked.flatMap((c) => c.violations.filter((v) => !blocking(v))).reduce((s, v) => s + v.nodes, 0);
    const blockers = checked.flatMap((c) => c.violations.filter(blocking)).reduce((s, v) => s + v.nodes, 0);
    const pages = new Set(checked.map((c) => `${c.role} ${c.shown}`)).size;
    t.diagnostic(
      `axe-core in all: ${pages} pages × role, ${checked.length} checks, ${blockers} critical or serious, ${rest} moderate or minor`,
    );
    assert.deepEqual(missing, [], 'pages no role could open');
    assert.equal(blockers, 0);
  });
});
