import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, sampleReport, api, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';

// The advisory pages over in-process HTTP (no browser): the editor's rows and errors, preview,
// diff, review by a second member, access, CSRF, the reporter's credit form, downloads.

let h: WebHarness;
let tina: Member, tom: Member, paula: Member, cora: Member;
let reportId: string;
let statusToken: string;
let advisoryId: string;
const cookies = new Map<Member, { cookie: string; csrf: string }>();

async function session(m: Member): Promise<{ cookie: string; csrf: string }> {
  const known = cookies.get(m);
  if (known) return known;
  const s = await webSession(h, m);
  cookies.set(m, s);
  return s;
}

async function get(url: string, m?: Member) {
  return h.server.inject({ method: 'GET', url, headers: m ? { cookie: (await session(m)).cookie } : {} });
}

async function post(url: string, form: Record<string, string>, m?: Member, csrf = true) {
  const s = m ? await session(m) : null;
  const body = new URLSearchParams({ ...form, ...(s && csrf ? { _csrf: s.csrf } : {}) });
  return h.server.inject({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(s ? { cookie: s.cookie } : {}) },
  });
}

/** The editor's fields as the browser would send them (every input with its current value). */
function formFields(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  const form = page.slice(page.indexOf('class="stack advisory-editor"'));
  for (const m of form.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    const type = /type="([^"]+)"/.exec(tag)?.[1];
    if (type === 'radio' && !/\bchecked\b/.test(tag)) continue;
    out[m[1]!] = decode(/value="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const m of form.matchAll(/<textarea[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = decode(m[2]!);
  for (const m of form.matchAll(/<select[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1]!] = decode(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? /<option value="([^"]*)"/.exec(m[2]!)?.[1] ?? '');
  }
  return out;
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tf.example', teams: ['security'] });
  paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  statusToken = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 image loader overflow', projects: ['tf-a'] } });
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
});
after(() => h.close());

test('the case page links to the advisories; a team member starts one from a form', async () => {
  const casePage = await get(`/cases/${reportId}`, tina);
  assert.match(casePage.body, new RegExp(`href="/cases/${reportId}/advisories"`));
  assert.doesNotMatch((await get(`/cases/${reportId}`, cora)).body, /\/advisories"/, 'not offered to a collaborator');
  const refused = await post(`/cases/${reportId}/advisories`, {}, tina, false);
  assert.equal(refused.statusCode, 403, 'no CSRF token, nothing created');
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}/advisories`, { as: tina })).json.length, 0);
  const created = await post(`/cases/${reportId}/advisories`, {}, tina);
  assert.equal(created.statusCode, 303, created.body);
  const location = String(created.headers.location);
  advisoryId = /\/advisories\/([0-9a-f-]{36})\/edit/.exec(location)![1]!;
  const editor = await get(location, tina);
  assert.equal(editor.statusCode, 200);
  assert.match(editor.body, /The advisory is started from the incident/);
  assert.match(editor.body, /value="BL2 image loader overflow"/);
  for (const legend of [
    'Title and summary',
    'Description',
    'Affected products',
    'Identifiers and severity',
    'Mitigation and upgrade',
    'References',
    'Credits',
    'Timeline',
  ]) {
    assert.match(editor.body, new RegExp(`<legend>${legend}</legend>`));
  }
  assert.match(editor.body, /name="add" value="reference"/);
  assert.doesNotMatch(editor.body, /<script/i);
});

test('editor: "add a row" redraws without saving; a bad range is refused at its field with what was typed kept; a good save is a version', async () => {
  const page = await get(`/desk/advisories/${advisoryId}/edit`, tina);
  const fields = formFields(page.body);
  assert.equal(fields.ref_n, '2', 'two empty reference rows');
  const added = await post(`/desk/advisories/${advisoryId}/edit`, { ...fields, summary: 'Typed, not saved', add: 'reference' }, tina);
  assert.equal(added.statusCode, 200);
  assert.equal(formFields(added.body).ref_n, '3');
  assert.match(added.body, /Typed, not saved/);
  assert.equal((await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json.headVersion, 1, 'adding a row saves nothing');

  const bad = await post(
    `/desk/advisories/${advisoryId}/edit`,
    {
      ...fields,
      p0_r0_type: 'semver',
      p0_r0_introduced: '2.10.0',
      p0_r0_fixed: '2.9.0',
      description: 'Careful <script>alert(1)</script>',
    },
    tina,
  );
  assert.equal(bad.statusCode, 400, bad.body.slice(0, 500));
  assert.match(bad.body, /id="p0_r0_fixed-err">the range ends before it starts/);
  assert.match(bad.body, /value="2\.9\.0"/, 'what was typed is kept');
  assert.match(bad.body, /Careful &lt;script&gt;/);
  assert.doesNotMatch(bad.body, /<script>alert/);

  const ok = await post(
    `/desk/advisories/${advisoryId}/edit`,
    {
      ...fields,
      summary: 'A stack overflow in BL2.',
      description: 'It **overflows**. <script>window.__pwned = 1</script> [click](javascript:alert(1))',
      p0_r0_type: 'semver',
      p0_r0_introduced: '2.8.0',
      p0_r0_fixed: '2.10.1',
      ref0_url: 'https://example.org/fix',
      ref0_type: 'fix',
      tl1_at: '2026-11-30',
      tl1_event: 'Fix merged',
      comment: 'first real draft',
    },
    tina,
  );
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 800));
  const v = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json;
  assert.equal(v.headVersion, 2);
  assert.deepEqual(v.head.document.affected[0].ranges, [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }]);
  assert.deepEqual(
    v.head.document.timeline.map((t: any) => t.event),
    ['Reported to the Trusted Firmware Security Team.', 'Fix merged'],
  );
  assert.equal(v.head.document.timeline[1].at, '2026-11-30T00:00:00Z', 'a date alone is midnight UTC');
  assert.deepEqual(
    v.head.document.credits.map((c: any) => c.name),
    ['Rita Reporter'],
    'the empty credit rows are ignored; the reporter credit kept',
  );
  assert.equal(v.versions[0].comment, 'first real draft');
});

test('preview renders Markdown safely; the diff shows what changed; the overview lists what is missing', async () => {
  const preview = await get(`/desk/advisories/${advisoryId}/versions/2`, tina);
  assert.equal(preview.statusCode, 200);
  assert.match(preview.body, /<strong>overflows<\/strong>/);
  assert.doesNotMatch(preview.body, /<script>window/);
  assert.match(preview.body, /&lt;script&gt;window/);
  assert.doesNotMatch(preview.body, /href="javascript:/i);
  assert.doesNotMatch(String(preview.headers['content-security-policy']), /script-src|unsafe-inline/);
  const diff = await get(`/desk/advisories/${advisoryId}/diff?from=1&to=2`, tina);
  assert.equal(diff.statusCode, 200);
  assert.match(diff.body, /<h2 id="d-summary">Summary<\/h2>/);
  assert.match(diff.body, /<ins>A stack overflow in BL2\.\n<\/ins>/);
  const overview = await get(`/desk/advisories/${advisoryId}`, tina);
  assert.match(overview.body, /id="checklist"/);
  // The item links to the field that fixes it.
  assert.match(overview.body, /Missing:<\/span> (?:<a href="[^"]*">)?cveIds: no CVE identifier/);
  assert.match(overview.body, /not approved by a second team member yet/);
  assert.match(overview.body, /You wrote the latest version: a second team member reviews it\./, 'no approval form for the author');
  assert.doesNotMatch(overview.body, /name="verdict" value="approved"/);
});

test('a second member approves through the form; a refused action shows why', async () => {
  const early = await post(`/desk/advisories/${advisoryId}/schedule`, {}, tom);
  assert.equal(early.statusCode, 409);
  assert.match(early.body, /not approved yet/);
  const page = await get(`/desk/advisories/${advisoryId}`, tom);
  assert.match(page.body, /name="verdict" value="approved" checked/);
  const approved = await post(`/desk/advisories/${advisoryId}/review`, { version: '2', verdict: 'approved', comment: 'Good.' }, tom);
  assert.equal(approved.statusCode, 303);
  const after = await get(String(approved.headers.location), tom);
  assert.match(after.body, /Approved\./);
  assert.match(after.body, /Version 2 is approved by a second team member/);
  const refused = await post(`/desk/advisories/${advisoryId}/schedule`, {}, tina);
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /cannot be published yet/);
  assert.match(refused.body, /cveIds: no CVE identifier/);
});

test('outsiders get the 404 page, a collaborator is refused, the signed-out are sent to sign in', async () => {
  for (const url of [
    `/desk/advisories/${advisoryId}`,
    `/desk/advisories/${advisoryId}/edit`,
    `/desk/advisories/${advisoryId}/versions/1`,
    `/desk/advisories/${advisoryId}/diff?from=1&to=2`,
    `/cases/${reportId}/advisories`,
    `/desk/advisories/${advisoryId}/export?format=osv`,
  ]) {
    const r = await get(url, paula);
    assert.equal(r.statusCode, 404, url);
    assert.doesNotMatch(r.body, /BL2/);
    const c = await get(url, cora);
    assert.equal(c.statusCode, 403, url);
    assert.doesNotMatch(c.body, /Rita/);
    const anon = await get(url);
    assert.equal(anon.statusCode, 303);
    assert.match(String(anon.headers.location), /^\/signin\?next=/);
  }
  assert.equal(
    (await post(`/desk/advisories/${advisoryId}/review`, { version: '2', verdict: 'changes_requested' }, paula)).statusCode,
    404,
  );
});

test('downloads: each format as a file', async () => {
  const r = await get(`/desk/advisories/${advisoryId}/export?format=markdown`, tina);
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-disposition']), /^attachment; filename="TF-2026-\d{4}\.md"$/);
  assert.match(r.body, /Rita Reporter/);
  const osv = await get(`/desk/advisories/${advisoryId}/export?format=osv&version=1`, tina);
  assert.equal(osv.statusCode, 200);
  assert.equal(JSON.parse(osv.body).summary, 'BL2 image loader overflow');
  assert.equal((await get(`/desk/advisories/${advisoryId}/export?format=pdf`, tina)).statusCode, 400);
});

test('the reporter sets their credit on the status page; the advisory follows', async () => {
  const page = await get(`/status/${statusToken}`);
  assert.match(page.body, /How to credit you/);
  assert.match(page.body, /name="preference" value="name" checked/);
  const empty = await post(`/status/${statusToken}/credit`, { preference: 'handle', alias: '' });
  assert.equal(empty.statusCode, 303, 'the handle given with the report is used');
  const bad = await post(`/status/${statusToken}/credit`, { preference: 'nonsense' });
  assert.equal(bad.statusCode, 400);
  const ok = await post(`/status/${statusToken}/credit`, { preference: 'handle', alias: 'ritasec42' });
  assert.equal(ok.statusCode, 303);
  const after = await get(String(ok.headers.location));
  assert.match(after.body, /Your credit preference is saved/);
  assert.match(after.body, /name="preference" value="handle" checked/);
  assert.match(after.body, /value="ritasec42"/);
  const v = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json;
  assert.deepEqual(v.head.document.credits, [{ type: 'reporter', preference: 'alias', alias: 'ritasec42', contact: [] }]);
  assert.equal(v.state, 'draft', 'the approved version changed, so it needs approval again');
  const preview = await get(`/desk/advisories/${advisoryId}/versions/${v.headVersion}`, tina);
  assert.match(preview.body, /ritasec42, reporter/);
  assert.doesNotMatch(preview.body, /Rita Reporter/);
  assert.equal((await post(`/status/rpt_${'x'.repeat(43)}/credit`, { preference: 'anonymous' })).statusCode, 404);
});
