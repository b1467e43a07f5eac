import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, api, enroll, sampleReport, type Member } from '../support/harness.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';

// The SLA pages over in-process HTTP: the dashboard needs a session, is inline SVG with accessible
// titles under the page CSP (no style attributes, no scripts), shows only what the person may see;
// the queue's overdue table and clock column; the case page's clock timeline.

let h: WebHarness;
let tina: Member, ann: Member;
let accepted = '';

async function cookieOf(m: Member): Promise<string> {
  h.clock.advance(31_000);
  const r = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: m.email, password: m.password, totp: totpCode(m.totpSecret, h.clock.now) },
  });
  assert.equal(r.statusCode, 200, r.body);
  return String(r.headers['set-cookie']).split(';')[0]!;
}
const get = (url: string, cookie?: string) => h.server.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  const pure = await addPerson(admin.ctx, { name: 'Ann Admin', emails: ['ann@tf.example'], timeZone: 'UTC', isAdmin: true });
  ann = { personId: pure.personId, ...(await enroll(h, pure.personId, pure.enrollmentToken)) };
  h.clock.set('2026-11-23T09:00:00Z');
  accepted = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: '<b>Late</b> & "loud"' } });
  await api(h, 'POST', `/api/reports/${accepted}/claim`, { as: tina });
  h.clock.set('2026-11-24T09:00:00Z');
  assert.equal(
    (await api(h, 'POST', `/api/reports/${accepted}/accept`, { as: tina, body: { title: 'Accepted', projects: ['tf-a'] } })).status,
    200,
  );
  h.clock.set('2026-11-30T09:00:00Z'); // the other report is overdue since Friday 00:00
});
after(() => h.close());

test('the dashboard needs a session and is server-rendered SVG under the page CSP', async () => {
  const out = await get('/dashboard');
  assert.equal(out.statusCode, 303);
  assert.equal(out.headers.location, '/signin?next=%2Fdashboard');

  const cookie = await cookieOf(tina);
  const r = await get('/dashboard', cookie);
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'; style-src 'self'/);
  assert.doesNotMatch(r.body, /<script|\sstyle=|\son[a-z]+=/i, 'no script, no inline style, no handler');
  assert.match(r.body, /<a href="\/dashboard">Dashboard<\/a>/, 'linked from the header');
  const svgs = [...r.body.matchAll(/<svg class="chart ([a-z- ]+)" role="img" aria-labelledby="([\w-]+)-t \2-d"/g)].map((m) => m[1]);
  assert.deepEqual(svgs, ['share-chart', 'share-chart', 'histogram', 'histogram', 'histogram', 'histogram']);
  assert.match(r.body, /<title id="chart-\d+-t">Share of &quot;Triage within 3 working days&quot; deadlines met per week<\/title>/);
  assert.match(r.body, /<table class="sla-counts">/);
  assert.match(r.body, /Week of 23 Nov 2026: 50% met \(1 met, 1 breached\)/);

  const months = await get('/dashboard?days=365&bucket=month', cookie);
  assert.match(months.body, /<option value="365" selected>/);
  assert.match(months.body, /Share of deadlines met per month/);
  // Nonsense in the filter falls back to the defaults rather than failing.
  assert.equal((await get('/dashboard?days=7000&bucket=century', cookie)).statusCode, 200);
});

test('an admin on no team gets the page with no figures', async () => {
  const r = await get('/dashboard', await cookieOf(ann));
  assert.equal(r.statusCode, 200);
  assert.doesNotMatch(r.body, /class="bar (good|fair|poor)"/);
  assert.match(r.body, /No data in this period/);
});

test('the queue shows overdue cases first, with the running clock and its owner', async () => {
  const r = await get('/', await cookieOf(tina));
  assert.equal(r.statusCode, 200);
  const overdueAt = r.body.indexOf('<table class="overdue-list">');
  assert.ok(overdueAt > 0 && overdueAt < r.body.indexOf('<table class="queue">'), 'the overdue table comes before the others');
  const overdue = r.body.slice(overdueAt, r.body.indexOf('</table>', overdueAt));
  assert.match(overdue, /&lt;b&gt;Late&lt;\/b&gt; &amp; &quot;loud&quot;/, 'titles are escaped');
  assert.match(overdue, /Triage within 3 working days<\/span>\s*<span class="muted">owned by<\/span> <span class="muted">nobody yet/);
  assert.doesNotMatch(overdue, /Accepted/, 'the incident is not overdue');
  assert.match(r.body, /Project analysis within 7 days <span class="muted">\(tf-a\)<\/span><\/span>/);
});

test('the case page draws every clock row on a timeline strip, and says met or superseded in words', async () => {
  const r = await get(`/cases/${accepted}`, await cookieOf(tina));
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /<svg class="chart gantt" role="img"/);
  assert.equal([...r.body.matchAll(/<rect class="span (\w+)"/g)].map((m) => m[1]).join(','), 'superseded,met,running');
  assert.match(r.body, /<span class="badge outcome-met">met<\/span>/);
  assert.match(r.body, /<span class="badge outcome-superseded">superseded<\/span>/);
});
