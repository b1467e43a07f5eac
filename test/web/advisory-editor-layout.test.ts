import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, sampleReport, api, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { TF_A_AFFECTED, TF_CNA } from '../support/advisory-parts.ts';
import { EDITOR_SECTIONS } from '../../src/web/pages/advisory-form.ts';

// The advisory editor's page around the form: the sections to jump to, the saved version's preview
// beside it (Markdown rendered by the server), the CWE picker on the shipped catalogue, the rule of
// when an approval carries over, the checklist's items linking to what fixes them, and the
// publication time as a date-time control in the stated zone.

let h: WebHarness;
let tina: Member;
let tom: Member;
let advisoryId: string;
const sessions = new Map<Member, { cookie: string; csrf: string }>();

async function session(m: Member) {
  let s = sessions.get(m);
  if (!s) sessions.set(m, (s = await webSession(h, m)));
  return s;
}
const get = async (url: string, m: Member = tina) =>
  h.server.inject({ method: 'GET', url, headers: { cookie: (await session(m)).cookie } });
async function post(url: string, form: Record<string, string>, m: Member = tina) {
  const s = await session(m);
  return h.server.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams({ ...form, _csrf: s.csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
  });
}
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
/** The editor form's fields as a browser sends them. */
function formFields(page: string): Record<string, string> {
  const start = page.indexOf('class="stack advisory-editor"');
  const form = page.slice(start, page.indexOf('</form>', start));
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    if (/type="radio"/.test(tag) && !/\bchecked\b/.test(tag)) continue;
    out[m[1]!] = decode(/value="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const m of form.matchAll(/<textarea[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = decode(m[2]!);
  for (const m of form.matchAll(/<select[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1]!] = decode(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? /<option value="([^"]*)"/.exec(m[2]!)?.[1] ?? '');
  }
  return out;
}
const head = async () => (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json;

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'], timeZone: 'Europe/Berlin' });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tf.example', teams: ['security'] });
  const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 image loader overflow', projects: ['tf-a'] } });
  advisoryId = (await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina })).json.advisoryId;
});
after(() => h.close());

test('the editor: section navigation to every section, the saved version previewed beside the form with its Markdown rendered', async () => {
  const doc = (await head()).head.document;
  const saved = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
    as: tina,
    body: { document: { ...doc, description: 'BL2 copies the header **unchecked**.\n\n<script>alert(1)</script>' } },
  });
  assert.equal(saved.status, 201, saved.body);
  const page = (await get(`/desk/advisories/${advisoryId}/edit`)).body;
  const nav = /<nav class="editor-sections"[^>]*>([\s\S]*?)<\/nav>/.exec(page)?.[1] ?? '';
  for (const s of EDITOR_SECTIONS) {
    assert.ok(nav.includes(`href="#${s.id}"`), `the navigation links to ${s.label}`);
    assert.match(page, new RegExp(`<fieldset id="${s.id}"><legend>${s.label}</legend>`));
  }
  const aside = /<aside class="editor-preview"[^>]*>([\s\S]*?)<\/aside>/.exec(page)?.[1] ?? '';
  assert.match(aside, /Preview of version 2, as saved/);
  assert.match(aside, /<strong>unchecked<\/strong>/, 'Markdown through the renderer');
  assert.doesNotMatch(aside, /<script>/, 'raw HTML shown as text');
  assert.ok(page.indexOf('class="stack advisory-editor"') < page.indexOf('<aside class="editor-preview"'), 'the preview follows the form');
  assert.doesNotMatch(page, /<script/i);
});

test('the CWE picker suggests the shipped catalogue and adds the choice to the weaknesses once', async () => {
  const page = (await get(`/desk/advisories/${advisoryId}/edit`)).body;
  assert.match(page, /<input id="f-cwePick" name="cwePick" list="cwe-catalogue"/);
  assert.match(page, /<datalist id="cwe-catalogue">[\s\S]*<option value="CWE-121">Stack-based Buffer Overflow<\/option>/);
  assert.match(page, /href="\/cwe"/, 'the search page is one link away');
  const fields = formFields(page);
  const r = await post(`/desk/advisories/${advisoryId}/edit`, { ...fields, cweIds: 'CWE-787', cwePick: 'CWE-121', save: '1' });
  assert.equal(r.statusCode, 303, r.body);
  assert.deepEqual((await head()).head.document.cweIds, ['CWE-787', 'CWE-121']);
  const again = formFields((await get(`/desk/advisories/${advisoryId}/edit`)).body);
  assert.equal(again.cwePick, '', 'the picker starts empty');
  const dup = await post(`/desk/advisories/${advisoryId}/edit`, { ...again, cwePick: '121', save: '1' });
  assert.equal(dup.statusCode, 303, dup.body);
  assert.deepEqual((await head()).head.document.cweIds, ['CWE-787', 'CWE-121'], 'not added twice');
  const latest = formFields((await get(`/desk/advisories/${advisoryId}/edit`)).body);
  const bad = await post(`/desk/advisories/${advisoryId}/edit`, { ...latest, cwePick: 'no such weakness', save: '1' });
  assert.equal(bad.statusCode, 400, 'what is not a CWE id is refused, not dropped');
  assert.match(bad.body, /no such weakness/);
});

test('the checklist links each missing item to the field or section that fixes it, and states when an approval carries over', async () => {
  const overview = (await get(`/desk/advisories/${advisoryId}`)).body;
  const editor = (await get(`/desk/advisories/${advisoryId}/edit`)).body;
  const checklist = /<section aria-labelledby="check-h"[\s\S]*?<\/section>/.exec(overview)?.[0] ?? '';
  const links = [...checklist.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [decode(m[1]!), m[2]!] as const);
  const byText = (re: RegExp) => links.find(([, t]) => re.test(t))?.[0];
  assert.equal(byText(/^summary:/), `/desk/advisories/${advisoryId}/edit#f-summary`);
  assert.equal(byText(/^cveIds:/), `/desk/advisories/${advisoryId}/edit#f-cveIds`);
  assert.equal(byText(/^cvss:/), `/desk/advisories/${advisoryId}/edit#f-cvss`);
  assert.equal(byText(/^references:/), `/desk/advisories/${advisoryId}/edit#sec-references`);
  assert.equal(byText(/^affected\[0\]:/), `/desk/advisories/${advisoryId}/edit#sec-p0`);
  assert.equal(byText(/not approved/), '#review-h');
  for (const [href] of links) {
    const [path, anchor] = href.split('#');
    assert.ok(anchor, href);
    assert.match(path ? editor : overview, new RegExp(`id="${anchor}"`), `${href} lands on an element`);
  }
  for (const page of [overview, editor]) {
    assert.match(page, /Saving makes a new version, which needs a second team member’s approval again/);
    assert.match(page, /scheduling publication keeps the approval/);
  }
});

test('the publication time is a date-time control in the stated zone, read in that zone', async () => {
  const doc = (await head()).head.document;
  const saved = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
    as: tina,
    body: {
      document: {
        ...doc,
        summary: 'A crafted FIP image overflows a stack buffer in BL2.',
        description: 'BL2 copies the image header into a fixed-size stack buffer.',
        affected: [TF_A_AFFECTED],
        cveIds: ['CVE-2026-12345'],
        cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
        references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
        publisher: { ...doc.publisher, cve: TF_CNA },
      },
    },
  });
  assert.equal(saved.status, 201, saved.body);
  const v = await head();
  assert.deepEqual(v.problems, []);
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: v.headVersion, verdict: 'approved' } }))
      .status,
    201,
  );
  const overview = (await get(`/desk/advisories/${advisoryId}`)).body;
  assert.match(overview, /<label for="pub-at">Publish at \(Europe\/Berlin\)<\/label>/);
  assert.match(overview, /<input id="pub-at" name="publishAt" type="datetime-local"/);
  assert.match(overview, /<input type="hidden" name="publishZone" value="Europe\/Berlin">/);
  const r = await post(`/desk/advisories/${advisoryId}/schedule`, { publishAt: '2026-11-30T10:00', publishZone: 'Europe/Berlin' });
  assert.equal(r.statusCode, 303, r.body);
  const after = await head();
  assert.equal(after.publishAt, '2026-11-30T09:00:00.000Z', '10:00 in Berlin is 09:00 UTC');
  assert.equal(after.approvedVersion, after.headVersion, 'publication kept the approval');
});
