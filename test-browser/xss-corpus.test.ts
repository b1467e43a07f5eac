import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { api, addMember, type Member } from '../test/support/harness.ts';
import { castOfRoles, type Role } from '../test/support/roles.ts';
import { aliasKey } from '../test/support/portal.ts';
import { insertPublished } from '../test/support/published-advisories.ts';
import { TF_A_AFFECTED } from '../test/support/advisory-parts.ts';
import { webPages } from '../src/web/index.ts';
import { publicSitePlugin } from '../src/public/index.ts';
import { launchBrowser, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The XSS corpus in Chromium: payloads of every kind (script tags, event handlers, attribute breaking
// with either quote, javascript: URLs, SVG, template injection, CSS, Markdown links and images,
// frames) are planted into every text field a reporter, a member and an admin can set; then every
// page of the desk, the public advisory site and the reporter's status page is opened as each role.
//
// The pages' CSP forbids every script, which would hide a missing escape: the browser runs with the
// CSP bypassed, so what decides is the escaping alone. A payload fails the test when it runs (each
// calls the global hook window.__xss) or when it left markup behind: an element of the corpus, an
// event-handler attribute, a javascript: link, a frame, an evaluated template.

const FULL = [
  `<script>__xss('script')</script>`,
  `<img src=x onerror="__xss('onerror')">`,
  `"><svg onload="__xss('attr-dq')">`,
  `'><svg onload='__xss("attr-sq")'>`,
  `javascript:__xss('js-url')`,
  `<svg><script>__xss('svg')</script><animate onbegin="__xss('svg-animate')" attributeName="x"/></svg>`,
  `{{constructor.constructor('__xss("tpl")')()}} {{191*7331}} \${191*7331} <%= 191*7331 %>`,
  `<style id="xss-css">body{background:red}</style><div style="background:url(javascript:__xss('css'))" id="xss-style">`,
  `<a id="xss-a" href="javascript:__xss('a')">a</a>`,
  `[md-link](javascript:__xss('md-link')) ![md-img](x" onerror="__xss('md-img')) <javascript:__xss('autolink')>`,
  `</textarea></title></pre></code><iframe id="xss-frame" srcdoc="<script>parent.__xss('srcdoc')</script>"></iframe>`,
].join(' ');

/** For fields of at most 100 characters: the kinds that fit. */
const SHORT = `"><img src=x onerror=__xss(1)>'><svg onload=__xss(2)><script>__xss(3)</script>{{191*7331}}`;

const EVALUATED = String(191 * 7331);

let h: WebHarness;
let browser: Browser;
let as: Record<Role, Member | null>;
let deskAdmin: Member;
let reportId: string;
let statusToken: string;
let advisoryId: string;
let publicId: string;
const found: string[] = [];

async function must(r: { status: number; body: string }, what: string, ...ok: number[]) {
  assert.ok((ok.length ? ok : [200, 201]).includes(r.status), `${what}: ${r.status} ${r.body}`);
}

/** Every GET page of the web door, with its parameters filled by the planted things. */
function pageUrls(): string[] {
  return (
    webPages
      // Downloads (the advisory export) are files, not pages a browser renders.
      .filter((r) => r.method === 'GET' && !r.url.startsWith('/static/') && !r.url.endsWith('/export'))
      .map((r) =>
        r.url
          .replace('/desk/advisories/:id', `/desk/advisories/${advisoryId}`)
          .replace(':reportId', reportId)
          .replace(':version', '1')
          .replace('/status/:token', `/status/${statusToken}`)
          .replace('/enroll/:token', `/enroll/enr_${'x'.repeat(43)}`)
          .replace('/unlock/:token', `/unlock/unl_${'x'.repeat(43)}`),
      )
      .map((u) => (u.endsWith('/diff') ? `${u}?from=1&to=2` : u === '/cwe' ? `${u}?q=${encodeURIComponent(SHORT)}` : u))
      .concat([
        `/?q=${encodeURIComponent(SHORT)}`,
        '/advisories/',
        `/advisories/${publicId}/`,
        `/signin?next=${encodeURIComponent(`/"><script>__xss('next')</script>`)}`,
      ])
  );
}

/** Opens the page and reports whatever of the corpus ran or left markup behind. */
async function check(page: Page, url: string, who: string): Promise<void> {
  await page.goto(`${h.baseUrl}${url}`, { waitUntil: 'load' });
  const problems = await page.evaluate((evaluated) => {
    const out: string[] = [];
    const w = window as unknown as { __xssHits?: string[] };
    for (const hit of w.__xssHits ?? []) out.push(`ran: ${hit}`);
    for (const el of Array.from(document.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) {
        if (/^on/i.test(a.name)) out.push(`<${el.localName} ${a.name}>`);
        if (/^\s*javascript:/i.test(a.value) && ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name.toLowerCase()))
          out.push(`<${el.localName} ${a.name}="${a.value.slice(0, 40)}">`);
      }
      if (['iframe', 'frame', 'object', 'embed', 'style'].includes(el.localName)) out.push(`<${el.localName}>`);
      if (el.localName === 'script' && !el.getAttribute('src')) out.push('<script> inline');
      if (el.id.startsWith('xss-')) out.push(`#${el.id}`);
    }
    if (document.body?.innerText.includes(evaluated)) out.push('a template was evaluated');
    return out;
  }, EVALUATED);
  for (const p of problems) found.push(`${who} ${url}: ${p}`);
}

describe('the XSS corpus in every field, on every page, as every role', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness({ plugins: [publicSitePlugin] });
    const cast = await castOfRoles(h);
    deskAdmin = cast.deskAdmin;
    as = cast.as;
    const central = as.central!;
    const hank = as.projectTeam!;

    // Admin: people, teams, projects and their subsystems, mail aliases, days off, token names.
    const xPerson = await addMember(h, deskAdmin, { name: SHORT, email: 'xss-person@tf.example', teams: ['tf-a-security'] });
    // Stakeholder organisations: one registered, one applying, their texts the payloads (their keys
    // made a day before the desk's clock, which the sign-ins below depend on).
    const madeBefore = new Date(h.clock.now.getTime() - 86_400_000);
    const orgKey = await aliasKey('XSS Org', 'xss-org@org.example', madeBefore);
    await must(
      await api(h, 'POST', '/api/stakeholders', {
        as: central,
        body: {
          name: SHORT,
          alias: 'xss-org@org.example',
          about: SHORT,
          timeZone: 'UTC',
          publicKey: orgKey.publicKey,
          fingerprint: orgKey.fingerprint,
          tiers: [{ project: 'tf-a', tier: 'ess' }],
        },
      }),
      'stakeholder organisation',
    );
    const applicantKey = await aliasKey('XSS Applicant', 'xss-applicant@org.example', madeBefore);
    await must(
      await api(h, 'POST', '/api/stakeholders/applications', {
        body: {
          name: SHORT,
          alias: 'xss-applicant@org.example',
          about: SHORT,
          timeZone: 'UTC',
          project: 'tf-a',
          tier: 'trusted-stakeholders',
          publicKey: applicantKey.publicKey,
          statement: SHORT,
          acceptsPolicy: true,
        },
      }),
      'stakeholder application',
    );
    await must(
      await api(h, 'POST', '/api/projects', { as: deskAdmin, body: { slug: 'xss-proj', name: SHORT, subsystems: [SHORT] } }),
      'project',
    );
    await must(
      await api(h, 'POST', `/api/people/${xPerson.personId}/days-off`, {
        as: xPerson,
        body: { startsOn: '2030-01-05', endsOn: '2030-01-06', reason: SHORT },
      }),
      'days off',
    );
    await must(await api(h, 'POST', '/api/tokens', { as: central, body: { name: SHORT } }), 'token');

    // Reporter: every field of the report form, a sensitive value, a message through the status link.
    const sent = await api(h, 'POST', '/api/reports', {
      body: {
        title: SHORT,
        body: FULL,
        reporter: { name: SHORT, email: 'xss-reporter@research.example', organisation: SHORT, handle: SHORT.slice(0, 60) },
        product: SHORT,
        sensitive: [{ label: SHORT.slice(0, 60), value: `${SHORT} customer` }],
        creditPreference: 'name',
      },
    });
    await must(sent, 'report');
    reportId = sent.json.reportId;
    statusToken = sent.json.statusToken;
    await must(await api(h, 'POST', `/api/reporter/${statusToken}/messages`, { body: { body: FULL } }), 'reporter message');

    // Members: triage, notes, replies, marks, reasons, the incident title, the fix record, an advisory.
    await must(await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: central }), 'claim');
    await must(
      await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: central, body: { title: SHORT, projects: ['tf-a'] } }),
      'accept',
    );
    await must(await api(h, 'POST', `/api/reports/${reportId}/notes`, { as: central, body: { body: FULL } }), 'note');
    await must(await api(h, 'POST', `/api/reports/${reportId}/replies`, { as: central, body: { body: FULL } }), 'reply');
    await must(
      await api(h, 'POST', `/api/reports/${reportId}/marks`, { as: central, body: { value: 'BL2', name: SHORT.slice(0, 40) } }),
      'mark',
    );
    await must(await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: central, body: { email: 'cora@tf.example' } }), 'pull in');
    await must(await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank }), 'project claim');
    await must(
      await api(h, 'POST', `/api/reports/${reportId}/severity`, { as: hank, body: { severity: 'high', reason: `${SHORT} severity` } }),
      'severity',
    );
    await must(
      await api(h, 'POST', `/api/reports/${reportId}/fix/items`, { as: hank, body: { kind: 'note', text: FULL } }),
      'fix item',
      200,
      201,
    );
    const adv = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: central });
    await must(adv, 'advisory');
    advisoryId = adv.json.advisoryId;
    const document = {
      title: SHORT,
      summary: FULL,
      description: FULL,
      mitigation: FULL,
      upgrade: FULL,
      affected: [{ ...TF_A_AFFECTED, components: [SHORT] }],
      references: [{ url: 'https://example.org/%22%3E%3Cscript%3E__xss(1)%3C/script%3E', name: SHORT }],
      publisher: { name: SHORT, namespace: 'https://tf.example' },
    };
    await must(await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, { as: central, body: { document } }), 'advisory v1');
    await must(
      await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
        as: central,
        body: { document: { ...document, summary: SHORT }, comment: FULL },
      }),
      'advisory v2',
    );

    // The public site: an advisory published with the corpus in every text it shows.
    publicId = 'TFV-2026-0099';
    await insertPublished(
      h.app,
      [
        {
          id: publicId,
          title: SHORT,
          summary: FULL,
          description: FULL,
          mitigation: FULL,
          upgrade: FULL,
          affected: [{ ...TF_A_AFFECTED, components: [SHORT] }],
          references: [{ url: 'https://example.org/x', name: SHORT }],
          credits: [{ name: SHORT, type: 'finder', preference: 'name' }],
          publisher: { name: SHORT, namespace: 'https://tf.example' },
          published: new Date(h.clock.now.getTime() - 3600_000).toISOString(),
        } as never,
      ],
      { publishAt: new Date(h.clock.now.getTime() - 3600_000).toISOString() },
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('no payload runs or leaves markup on any page, for any role', async () => {
    const urls = pageUrls();
    const roles: [string, Member | null][] = [
      ['anonymous', null],
      ['desk admin', deskAdmin],
      ['admin', as.admin],
      ['central', as.central],
      ['project team', as.projectTeam],
      ['collaborator', as.collaborator],
    ];
    let visited = 0;
    for (const [who, m] of roles) {
      const context = await browser.newContext({ bypassCSP: true });
      await context.addInitScript(() => {
        const w = window as unknown as { __xss: (id: unknown) => void; __xssHits: string[] };
        w.__xssHits = [];
        w.__xss = (id) => void w.__xssHits.push(String(id));
      });
      await context.route(
        (url) => !/^http:\/\/localhost:\d+\//.test(url.href),
        (route) => route.abort(),
      );
      const page = await context.newPage();
      page.on('dialog', (d) => void d.dismiss());
      if (m) await signInAs(page, h, m);
      for (const url of urls) {
        await check(page, url, who);
        visited++;
      }
      await context.close();
    }
    assert.ok(visited >= roles.length * 25, `visited ${visited} pages`);
    assert.deepEqual(found, []);
  });
});
