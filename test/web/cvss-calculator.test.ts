import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, api, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';

// The CVSS calculator of the case page over in-process HTTP (no JavaScript anywhere): radio groups
// per base metric → Compute shows the vector, score and what the profile makes of it without
// changing anything → Save to incident stores it, and severity, priority and resolution target follow.
// Plus the paste field, refusals, who may save, and the CWE search page.

const V40_CRITICAL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
const V31_HIGH = 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N';
const METRICS_40 = { AV: 'N', AC: 'L', AT: 'N', PR: 'N', UI: 'N', VC: 'H', VI: 'H', VA: 'H', SC: 'N', SI: 'N', SA: 'N' };

let h: WebHarness;
let admin: Member, coord: Member, outsider: Member, helper: Member;
let reportId: string;
let coordSession: { cookie: string; csrf: string };

const session = (m: Member) => webSession(h, m);

const get = (url: string, cookie?: string) => h.server.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

function postForm(url: string, form: Record<string, string>, cookie: string) {
  return h.server.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });
}

async function incidentRow() {
  return (
    await h.app.db.query<{ severity: string; priority: string; cvss_vectors: string[]; resolution_due_at: Date }>(
      'SELECT severity, priority, cvss_vectors, resolution_due_at FROM incidents WHERE report_id = $1',
      [reportId],
    )
  ).rows[0]!;
}
const snapshot = async () =>
  JSON.stringify([await incidentRow(), (await h.app.db.query('SELECT coalesce(max(seq), 0) AS seq FROM audit_events')).rows]);

/** The radio inputs of one calculator form that are checked, as { metric: value }. */
function checkedIn(formHtml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of formHtml.matchAll(/<input type="radio" [^>]*name="([A-Z]+)" value="([A-Z])" checked/g)) out[m[1]!] = m[2]!;
  return out;
}
function calculatorForm(page: string, version: '3.1' | '4.0'): string {
  const start = page.indexOf(`aria-label="CVSS ${version} calculator"`);
  assert.ok(start > 0, `the CVSS ${version} calculator is on the page`);
  return page.slice(start, page.indexOf('</form>', start));
}

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T10:00:00Z' });
  admin = await setupDesk(h, 'tock');
  await addProject(admin, 'other', 'Other');
  coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
  outsider = await addMember(h, admin, { name: 'Olive Outsider', email: 'olive@other.example', teams: ['other-security'] });
  helper = await addMember(h, admin, { name: 'Hugo Helper', email: 'hugo@tock.example' });
  reportId = (
    await api(h, 'POST', '/api/reports', {
      body: { title: 'Grant overlap', body: 'Two grants overlap.', reporter: { name: 'Rae', email: 'rae@example.net' } },
    })
  ).json.reportId;
  assert.equal(
    (
      await api(h, 'POST', `/api/reports/${reportId}/assess`, {
        as: coord,
        body: { title: 'Grant overlap', severity: 'low', components: ['Kernel'], project: 'tock' },
      })
    ).status,
    200,
  );
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: coord, body: { email: 'hugo@tock.example' } })).status, 200);
  coordSession = await session(coord);
});
after(() => h.close());

test('the case page has the calculator: every base metric of 3.1 and 4.0 as radio groups, no script', async () => {
  const page = await get(`/cases/${reportId}`, coordSession.cookie);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<section aria-labelledby="cvss-h" id="cvss" class="card">/);
  assert.match(page.body, /Not scored yet/);
  const names = (form: string) => [...new Set([...form.matchAll(/type="radio" [^>]*name="([A-Z]+)"/g)].map((m) => m[1]))];
  assert.deepEqual(names(calculatorForm(page.body, '4.0')), ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA']);
  assert.deepEqual(names(calculatorForm(page.body, '3.1')), ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A']);
  assert.match(page.body, /name="op" value="compute">Compute</);
  assert.match(page.body, /name="op" value="save">Save to incident</);
  assert.match(page.body, /name="vector" type="text"/);
  assert.doesNotMatch(page.body, /<script|onclick=|style=/i);
});

test('Compute shows the vector, score and severity and changes nothing; Save updates the incident', async () => {
  const before = await snapshot();
  const computed = await postForm(
    `/cases/${reportId}/cvss`,
    { _csrf: coordSession.csrf, form: '4.0', ...METRICS_40, op: 'compute' },
    coordSession.cookie,
  );
  assert.equal(computed.statusCode, 200, computed.body);
  assert.ok(computed.body.includes(`<code class="cvss-vector">${V40_CRITICAL}</code>`), 'the vector is shown');
  assert.match(computed.body, /<strong class="cvss-score">9\.3<\/strong> <span class="badge severity-critical">critical<\/span>/);
  assert.match(
    computed.body,
    /On this desk: severity <strong>critical<\/strong>, priority <strong>P0<\/strong> \(resolution target 7 days\)/,
  );
  assert.deepEqual(checkedIn(calculatorForm(computed.body, '4.0')), METRICS_40, 'what was chosen stays chosen');
  assert.equal(await snapshot(), before, 'computing changes nothing');

  const saved = await postForm(
    `/cases/${reportId}/cvss`,
    { _csrf: coordSession.csrf, form: '4.0', ...METRICS_40, op: 'save' },
    coordSession.cookie,
  );
  assert.equal(saved.statusCode, 303, saved.body);
  assert.equal(saved.headers.location, `/cases/${reportId}?done=incident.cvss#cvss`);
  const row = await incidentRow();
  const received = (await h.app.db.query<{ received_at: Date }>('SELECT received_at FROM reports WHERE id = $1', [reportId])).rows[0]!
    .received_at;
  const sevenDays = new Date(new Date(received).getTime() + 7 * 86_400_000).toISOString();
  assert.deepEqual(
    [row.severity, row.priority, row.cvss_vectors, new Date(row.resolution_due_at).toISOString()],
    ['critical', 'P0', [V40_CRITICAL], sevenDays],
    'P0: 7 days from the report',
  );

  const page = await get(`/cases/${reportId}?done=incident.cvss`, coordSession.cookie);
  assert.match(page.body, /class="flash" role="status">CVSS saved/);
  assert.ok(page.body.includes(`<td><code>${V40_CRITICAL}</code></td>`), 'the current vector is listed');
  assert.deepEqual(checkedIn(calculatorForm(page.body, '4.0')), METRICS_40, 'the calculator is pre-selected from the saved vector');
  assert.ok(page.body.includes(`<strong>CVSS 4.0</strong> none → ${V40_CRITICAL}`), 'the timeline shows the new vector');
  assert.match(page.body, /<span class="reason">9\.3 critical \(CVSS-B, CVSS 4\.0\)<\/span>/, 'with its score and severity');
  assert.match(page.body, /low\/P3 → critical\/P0/);
});

test('a pasted vector is computed and saved; a second version is added beside the first', async () => {
  const computed = await postForm(
    `/cases/${reportId}/cvss`,
    { _csrf: coordSession.csrf, form: 'paste', vector: ` ${V31_HIGH} `, op: 'compute' },
    coordSession.cookie,
  );
  assert.equal(computed.statusCode, 200, computed.body);
  assert.ok(computed.body.includes(`<code class="cvss-vector">${V31_HIGH}</code>`));
  assert.match(computed.body, /8\.1<\/strong> <span class="badge severity-high">high/);
  const saved = await postForm(
    `/cases/${reportId}/cvss`,
    { _csrf: coordSession.csrf, form: 'paste', vector: V31_HIGH, op: 'save' },
    coordSession.cookie,
  );
  assert.equal(saved.statusCode, 303, saved.body);
  const row = await incidentRow();
  assert.deepEqual([row.cvss_vectors, row.severity], [[V31_HIGH, V40_CRITICAL], 'critical'], 'CVSS 4.0 still sets the severity');
  const page = await get(`/cases/${reportId}/cvss`, coordSession.cookie);
  assert.equal(page.statusCode, 200);
  assert.deepEqual(checkedIn(calculatorForm(page.body, '3.1')), { AV: 'N', AC: 'L', PR: 'L', UI: 'N', S: 'U', C: 'H', I: 'H', A: 'N' });
});

test('bad input is refused with the reasons and changes nothing', async () => {
  const before = await snapshot();
  const cases: [Record<string, string>, RegExp][] = [
    [{ form: 'paste', vector: 'CVSS:4.0/AV:N/AC:L', op: 'save' }, /missing base metrics AT, PR, UI, VC, VI, VA, SC, SI, SA/],
    [
      { form: 'paste', vector: '<script>alert(1)</script>', op: 'compute' },
      /a vector starts with &quot;CVSS:3\.1\/&quot; or &quot;CVSS:4\.0\/&quot;/,
    ],
    [{ form: '3.1', AC: 'L', PR: 'N', UI: 'N', S: 'U', C: 'H', I: 'H', A: 'H', op: 'save' }, /choose a value for Attack Vector/],
    [{ form: '4.0', ...METRICS_40, AV: 'N/AV:L', op: 'save' }, /Attack Vector has no value &quot;N\/AV:L&quot;/],
    [{ form: '4.0', ...METRICS_40, extra: 'E:A/<b>', op: 'save' }, /the kept metrics are not METRIC:VALUE pairs/],
    [
      { form: 'paste', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', op: 'save' },
      /maps to none of this profile&#39;s severities|maps to none of this profile's severities/,
    ],
    [{ form: '2.0', op: 'compute' }, /Choose CVSS 3\.1 or 4\.0/],
  ];
  for (const [form, message] of cases) {
    const r = await postForm(`/cases/${reportId}/cvss`, { _csrf: coordSession.csrf, ...form }, coordSession.cookie);
    assert.equal(r.statusCode, 400, JSON.stringify(form));
    assert.match(r.body, message, JSON.stringify(form));
    assert.doesNotMatch(r.body, /<script>alert/);
  }
  const noCsrf = await postForm(`/cases/${reportId}/cvss`, { form: 'paste', vector: V31_HIGH, op: 'save' }, coordSession.cookie);
  assert.equal(noCsrf.statusCode, 403);
  assert.equal(await snapshot(), before);
});

test('someone pulled in may compute but not save (403); outsiders get 404; signed-out visitors sign in', async () => {
  const hugo = await session(helper);
  const olive = await session(outsider);
  const before = await snapshot();
  const page = await get(`/cases/${reportId}`, hugo.cookie);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /name="op" value="compute">Compute</);
  assert.doesNotMatch(page.body, /Save to incident/);
  const computed = await postForm(
    `/cases/${reportId}/cvss`,
    { _csrf: hugo.csrf, form: 'paste', vector: V31_HIGH, op: 'compute' },
    hugo.cookie,
  );
  assert.equal(computed.statusCode, 200);
  const save = await postForm(`/cases/${reportId}/cvss`, { _csrf: hugo.csrf, form: 'paste', vector: V31_HIGH, op: 'save' }, hugo.cookie);
  assert.equal(save.statusCode, 403);
  assert.match(save.body, /You cannot incident: change severity/);

  assert.equal((await get(`/cases/${reportId}/cvss`, olive.cookie)).statusCode, 404);
  for (const op of ['compute', 'save']) {
    const r = await postForm(`/cases/${reportId}/cvss`, { _csrf: olive.csrf, form: 'paste', vector: V31_HIGH, op }, olive.cookie);
    assert.equal(r.statusCode, 404, op);
  }
  const bad = await postForm(
    `/cases/${reportId}/cvss`,
    { _csrf: olive.csrf, form: 'paste', vector: 'nonsense', op: 'compute' },
    olive.cookie,
  );
  assert.equal(bad.statusCode, 404, 'an outsider learns nothing, even from a bad vector');
  const signedOut = await get(`/cases/${reportId}/cvss`);
  assert.equal(signedOut.statusCode, 303);
  assert.match(String(signedOut.headers.location), /^\/signin\?next=/);
  assert.equal(await snapshot(), before);
});

test('Remove takes one version away; the severity follows the other', async () => {
  const r = await postForm(`/cases/${reportId}/cvss`, { _csrf: coordSession.csrf, form: '4.0', op: 'remove' }, coordSession.cookie);
  assert.equal(r.statusCode, 303, r.body);
  const row = await incidentRow();
  assert.deepEqual([row.cvss_vectors, row.severity, row.priority], [[V31_HIGH], 'high', 'P1']);
});

test('the CWE page searches by id and name; its parts are reusable', async () => {
  const page = await get('/cwe?q=787', coordSession.cookie);
  assert.equal(page.statusCode, 200);
  assert.match(
    page.body,
    /<td>CWE-787<\/td>\s*<td><a href="https:\/\/cwe\.mitre\.org\/data\/definitions\/787\.html" rel="noreferrer noopener">Out-of-bounds Write<\/a>/,
  );
  const words = await get(`/cwe?q=${encodeURIComponent('use after free')}`, coordSession.cookie);
  assert.match(words.body, /CWE-416/);
  const hostile = await get(`/cwe?q=${encodeURIComponent('"><script>alert(1)</script>')}`, coordSession.cookie);
  assert.equal(hostile.statusCode, 200);
  assert.doesNotMatch(hostile.body, /<script>alert/);
  assert.match(hostile.body, /No weakness matches/);
  assert.equal((await get('/cwe')).statusCode, 303);
  const { cweMatchList } = await import('../../src/web/pages/cwe-search.ts');
  const { searchCwe } = await import('../../src/domain/cwe.ts');
  const pick = cweMatchList(searchCwe('CWE-79', 1), { pick: { name: 'cwe', selected: ['CWE-79'] } }).value;
  assert.match(pick, /<input type="radio" id="[^"]+" name="cwe" value="CWE-79" checked>/);
});
