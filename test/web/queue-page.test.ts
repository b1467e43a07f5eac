import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, api, sampleReport, startHarness, type Harness, type Member } from '../support/harness.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { webPlugin } from '../../src/web/index.ts';
import { relativeDueText } from '../../src/web/format.ts';

// The queue page and GET /api/queue: every case once (an overdue one in the overdue table only),
// filters as a plain GET form whose links can be shared, sortable columns, severity and priority,
// relative due times with the absolute instant, an empty queue that says what to do next, and
// filters that only ever narrow what the person may see.

let h: Harness;
let tina: Member, hank: Member, paula: Member, sam: Member;
let triaged = ''; // a report Tina claimed, still in triage, due later
let late = ''; // a report nobody claimed, overdue
let tfa = ''; // an incident on TF-A, severity high, handled by Hank
let tfm = ''; // an incident on TF-M only

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
const cookies = new Map<string, string>();
async function page(m: Member, url: string): Promise<string> {
  if (!cookies.has(m.email)) cookies.set(m.email, await cookieOf(m));
  const r = await h.server.inject({ method: 'GET', url, headers: { cookie: cookies.get(m.email)! } });
  assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 300)}`);
  return r.body;
}

/** The table rows of the page that link to a case, by case id. */
function rowsOf(body: string, reportId: string): string[] {
  return [...body.matchAll(/<tr[^>]*>[\s\S]*?<\/tr>/g)].map((m) => m[0]).filter((row) => row.includes(`/cases/${reportId}"`));
}
const listed = (body: string) => [triaged, late, tfa, tfm].filter((id) => rowsOf(body, id).length > 0);

before(async () => {
  h = await startHarness({ plugins: [webPlugin], clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] });
  sam = await addMember(h, admin, { name: 'Sam Spare', email: 'sam@tf.example' });
  const report = async (title: string) =>
    (await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title } })).json.reportId as string;
  const ok = async (r: Promise<{ status: number; body: string }>) => assert.equal((await r).status, 200, (await r).body);
  tfa = await report('Overflow in TF-A');
  tfm = await report('Leak in TF-M');
  await ok(api(h, 'POST', `/api/reports/${tfa}/claim`, { as: tina }));
  await ok(api(h, 'POST', `/api/reports/${tfa}/accept`, { as: tina, body: { title: 'Overflow in TF-A', projects: ['tf-a'] } }));
  await ok(api(h, 'POST', `/api/reports/${tfm}/claim`, { as: tina }));
  await ok(api(h, 'POST', `/api/reports/${tfm}/accept`, { as: tina, body: { title: 'Leak in TF-M', projects: ['tf-m'] } }));
  await ok(api(h, 'POST', `/api/reports/${tfa}/projects/tf-a/claim`, { as: hank }));
  await ok(api(h, 'POST', `/api/reports/${tfa}/severity`, { as: hank, body: { severity: 'high', reason: 'Remote code execution.' } }));
  await ok(api(h, 'POST', `/api/reports/${tfa}/projects/tf-a/confirm`, { as: hank, body: {} }));
  late = await report('Late report');
  h.clock.set('2026-11-30T09:00:00Z'); // the late report's triage ran out on Friday
  triaged = await report('Fresh report');
  await ok(api(h, 'POST', `/api/reports/${triaged}/claim`, { as: tina }));
});
after(() => h.close());

test('every case is listed once: an overdue case in the overdue table only', async () => {
  const body = await page(tina, '/');
  for (const id of [triaged, late, tfa, tfm]) assert.equal(rowsOf(body, id).length, 1, `${id} is listed ${rowsOf(body, id).length} times`);
  const overdueAt = body.indexOf('<table class="overdue-list">');
  assert.ok(overdueAt > 0, 'the overdue table is there');
  assert.ok(rowsOf(body.slice(overdueAt, body.indexOf('</table>', overdueAt)), late).length === 1, 'the late report is in it');
});

test('severity and priority columns, and due times relative to now with the absolute instant', async () => {
  const body = await page(tina, '/');
  assert.match(body, /<th scope="col"[^>]*><a href="[^"]*sort=severity[^"]*">Severity/);
  assert.match(body, /<th scope="col"[^>]*><a href="[^"]*sort=priority[^"]*">Priority/);
  const row = rowsOf(body, tfa)[0]!;
  assert.match(row, /<td>high<\/td>/);
  // The late report: due Friday 27 Nov 00:00 in Europe/London, three days and nine hours ago.
  const lateRow = rowsOf(body, late)[0]!;
  assert.match(lateRow, /<strong class="badge overdue"><time datetime="[^"]+" title="[^"]*\+00:00">3 days overdue<\/time><\/strong>/);
  assert.match(lateRow, /<span class="visually-hidden"> \(due [^<]*2026-11-2\dT[\d:]+\+00:00\)<\/span>/);
  const fresh = rowsOf(body, triaged)[0]!;
  assert.match(fresh, /<time datetime="[^"]+" title="[^"]+">in \d+ (days|h)<\/time>/);
});

test('the relative time in words', () => {
  const now = new Date('2026-11-30T09:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  assert.equal(relativeDueText(at(20_000), now), 'due now');
  assert.equal(relativeDueText(at(40 * 60_000), now), 'in 40 min');
  assert.equal(relativeDueText(at(-3 * 3600_000 - 120_000), now), '3 h overdue');
  assert.equal(relativeDueText(at(47 * 3600_000), now), 'in 47 h');
  assert.equal(relativeDueText(at(2 * 86400_000 + 5 * 3600_000), now), 'in 2 days');
  assert.equal(relativeDueText(at(-10 * 86400_000), now), '10 days overdue');
});

test('filters are a plain GET form; each view is a link, and the form shows what it filters by', async () => {
  const form = await page(tina, '/');
  assert.match(form, /<form method="get" action="\/" class="filters" role="search"/);
  for (const name of ['project', 'state', 'severity', 'owner']) assert.match(form, new RegExp(`<select id="[^"]+" name="${name}"`));
  assert.match(form, /<input type="checkbox" name="mine" value="true">/);
  assert.match(form, /<input type="checkbox" name="overdue" value="true">/);

  assert.deepEqual(listed(await page(tina, '/?project=tf-a')), [tfa]);
  assert.match(await page(tina, '/?project=tf-a'), /<option value="tf-a" selected>TF-A<\/option>/);
  assert.deepEqual(listed(await page(tina, '/?severity=high')), [tfa]);
  assert.deepEqual(listed(await page(tina, '/?overdue=true')), [late]);
  assert.deepEqual(listed(await page(tina, '/?state=received')), [triaged, late, tfm]);
  assert.deepEqual(listed(await page(tina, '/?state=accepted')), [tfa]);
  assert.deepEqual(listed(await page(tina, `/?owner=${tina.personId}`)), [triaged, tfm]);
  assert.deepEqual(listed(await page(tina, '/?owner=nobody')), [late]);
  assert.deepEqual(listed(await page(tina, '/?mine=true')), [triaged, tfm]);
  assert.deepEqual(listed(await page(hank, '/?mine=true')), [tfa]);
  // Filters combine; the form keeps them checked, and offers to clear them.
  const both = await page(tina, '/?mine=true&overdue=true');
  assert.deepEqual(listed(both), []);
  assert.match(both, /<input type="checkbox" name="mine" value="true" checked>/);
  assert.match(both, /No case matches these filters/);
  assert.match(both, /<a href="\/">Clear the filters<\/a>/);
  // Nonsense in the query string is ignored, not a failure.
  assert.equal(listed(await page(tina, '/?severity=apocalyptic&sort=title&owner=x')).length, 4);
});

test('the columns sort by plain links, and the current order is announced', async () => {
  const byRef = await page(tina, '/?sort=ref&dir=desc');
  assert.match(byRef, /<th scope="col" aria-sort="descending"><a href="\/\?sort=ref">Ref/);
  const refs = [...byRef.matchAll(/<td><a href="\/cases\/[^"]+">(TF-\d{4}-\d{4})<\/a><\/td>/g)].map((m) => m[1]);
  assert.deepEqual(refs, [...refs].sort().reverse());
  // A sort link keeps the filters, and the tabs keep both.
  const filtered = await page(tina, '/?project=tf-a');
  assert.match(filtered, /href="\/\?project=tf-a&amp;sort=severity&amp;dir=desc"/);
  assert.match(filtered, /href="\/\?status=closed&amp;project=tf-a"/);
  const api1 = await api(h, 'GET', '/api/queue?sort=severity&dir=desc', { as: tina });
  assert.equal(api1.status, 200);
  assert.deepEqual(
    api1.json.incidents.map((i: { severity: string | null }) => i.severity),
    ['high', null],
  );
});

test('filters never reveal a case the person may not see, on the page or through the API', async () => {
  // Hank is on TF-A: the TF-M incident stays hidden whatever he asks for.
  assert.deepEqual(listed(await page(hank, '/?project=tf-m')), []);
  assert.deepEqual(listed(await page(hank, `/?owner=${tina.personId}`)), []);
  assert.deepEqual(listed(await page(hank, '/?state=accepted')), [tfa]);
  // The filter offers only his projects, and owners of cases he sees (Tina owns none of them).
  const form = await page(hank, '/');
  assert.doesNotMatch(form, /value="tf-m"/);
  assert.doesNotMatch(form, /Tina Triager/);
  assert.match(form, /<option value="[^"]+">Hank Handler<\/option>/);
  const viaApi = await api(h, 'GET', '/api/queue?project=tf-m', { as: hank });
  assert.equal(viaApi.status, 200);
  assert.deepEqual([...viaApi.json.reports, ...viaApi.json.incidents], []);
  const paulas = await api(h, 'GET', `/api/queue?owner=${hank.personId}`, { as: paula });
  assert.deepEqual([...paulas.json.reports, ...paulas.json.incidents], []);
  // The API takes the same filters and refuses what is not one.
  const mine = await api(h, 'GET', '/api/queue?mine=true&state=accepted', { as: hank });
  assert.deepEqual(
    mine.json.incidents.map((i: { reportId: string }) => i.reportId),
    [tfa],
  );
  for (const bad of ['severity=apocalyptic', 'sort=title', 'owner=x', 'project=TF_A', 'mine=yes']) {
    const r = await api(h, 'GET', `/api/queue?${bad}`, { as: tina });
    assert.equal(r.status, 400, `${bad}: ${r.body}`);
  }
});

test('an empty queue says what to do next', async () => {
  const body = await page(sam, '/');
  assert.match(body, /The queue is empty/);
  assert.match(body, /Cases appear here once they are forwarded to your project or someone pulls you into one/);
  assert.match(body, /<a href="\/\?status=closed">closed incidents<\/a>/);
  assert.doesNotMatch(body, /<table/);
});
