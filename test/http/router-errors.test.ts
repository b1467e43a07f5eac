import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, api, sampleReport, type Harness } from '../support/harness.ts';

// Every response carries the security headers, also when the router refuses the URL before any route
// or hook runs, and none echoes the URL back; a NUL character in the input is the caller's mistake.

let h: Harness;

before(async () => {
  h = await startHarness();
  await setupDesk(h, 'trusted-firmware');
});
after(() => h.close());

function assertHardened(res: Awaited<ReturnType<typeof api>>, marker: string) {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', res.body);
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
  assert.ok(!res.body.includes(marker), `the response echoes the URL: ${res.body}`);
  assert.equal(typeof res.json?.error?.message, 'string', res.body);
}

test('router refusals of malformed and over-long URLs carry the security headers and do not echo the URL', async () => {
  const cases: [url: string, status: number, marker: string][] = [
    ['/api/reports/%zzscriptmarker', 400, 'scriptmarker'],
    ['/api/reports/amarker%E0%A4%A', 400, 'amarker'],
    [`/api/reports/${'longmarker'.repeat(30)}`, 404, 'longmarker'],
    ['/no/such/<script>page', 404, 'script'],
  ];
  for (const [url, status, marker] of cases) {
    const res = await api(h, 'GET', url);
    assert.equal(res.status, status, `${url}: ${res.body}`);
    assertHardened(res, marker);
  }
});

test('a NUL character anywhere in a JSON body, a form or a query is a clear 400 that stores nothing', async () => {
  const count = async () => (await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM reports')).rows[0]!.n;
  const before = await count();
  const bodies = [
    { ...sampleReport, title: 'Stack overflow\u0000 in BL2' },
    { ...sampleReport, reporter: { ...sampleReport.reporter, name: 'Rita\u0000' } },
    { ...sampleReport, sensitive: [{ label: 'customer', value: 'Mega\u0000corp' }] },
  ];
  for (const body of bodies) {
    const res = await api(h, 'POST', '/api/reports', { body });
    assert.equal(res.status, 400, res.body);
    assert.equal(res.json.error.code, 'validation_failed');
    assert.match(res.json.error.message, /NUL/);
    assertHardened(res, '\u0000');
  }
  const form = await api(h, 'POST', '/api/reports', {
    body: 'title=a%00b&body=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 400, form.body);
  assert.match(form.json.error.message, /NUL/);
  const query = await api(h, 'GET', '/api/health?x=%00');
  assert.equal(query.status, 400, query.body);
  assert.equal(await count(), before);
});
