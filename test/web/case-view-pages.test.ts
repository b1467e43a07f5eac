import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { setupDesk, addMember, addProject, api, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { loadBigCase, type BigCase } from '../support/big-case.ts';
import { CASE_AUDIT_SHOWN, THREAD_PAGE_SIZE } from '../../src/app/cases/queries.ts';
import type { Sealer } from '../../src/crypto/sealed.ts';

// A long-running case, through the API and the web page alike: its thread comes a page at a time,
// newest first, with only the page's messages unsealed; its audit trail is summarised, so the answer
// does not grow with every view; and a bounded loop of views leaves memory where it found it.

const MESSAGES = 2 * THREAD_PAGE_SIZE + 20;
/** With the holding reply the acceptance sent the reporter, the oldest message of the thread. */
const TOTAL = MESSAGES + 1;

let h: WebHarness;
let tina: Member;
let big: BigCase;
let cookie: string;

before(async () => {
  h = await startWebHarness();
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  big = await loadBigCase(h.app, tina, { messages: MESSAGES, people: 12, project: 'tf-a' });
  cookie = (await webSession(h, tina)).cookie;
});
after(() => h.close());

const view = (query = '') => api(h, 'GET', `/api/reports/${big.reportId}${query}`, { as: tina });
const page = (query = '') => h.server.inject({ method: 'GET', url: `/cases/${big.reportId}${query}`, headers: { cookie } });

test('the API gives the newest page of the thread first, oldest to newest within it, and older pages on request', async () => {
  const first = await view();
  assert.equal(first.status, 200, first.body);
  assert.equal(first.json.thread.length, THREAD_PAGE_SIZE);
  assert.deepEqual(first.json.threadPage, { page: 1, pageSize: THREAD_PAGE_SIZE, totalMessages: TOTAL, older: true, newer: false });
  assert.match(first.json.thread.at(-1).body, new RegExp(`^Update ${MESSAGES - 1} `));
  assert.match(first.json.thread[0].body, new RegExp(`^Update ${MESSAGES - THREAD_PAGE_SIZE} `));
  const last = await view('?page=3');
  assert.equal(last.json.thread.length, 21);
  assert.equal(last.json.thread[0].kind, 'to_reporter');
  assert.match(last.json.thread[1].body, /^Update 0 /);
  assert.deepEqual([last.json.threadPage.older, last.json.threadPage.newer], [false, true]);
  const byRef = await api(h, 'GET', `/api/incidents/${big.incidentRef}?page=2`, { as: tina });
  assert.match(byRef.json.thread.at(-1).body, new RegExp(`^Update ${MESSAGES - THREAD_PAGE_SIZE - 1} `));
  for (const bad of ['?page=0', '?page=two', '?page=1&extra=1']) assert.equal((await view(bad)).status, 400, bad);
});

test('a view unseals the page it shows, not the whole thread', async () => {
  const sealer = h.app.sealer;
  let opened = 0;
  const counting: Sealer = {
    ...sealer,
    open: (s, a) => (opened++, sealer.open(s, a)),
    openJson: (s, a) => (opened++, sealer.openJson(s, a)),
  };
  (h.app as { sealer: Sealer }).sealer = counting;
  try {
    assert.equal((await view()).status, 200);
  } finally {
    (h.app as { sealer: Sealer }).sealer = sealer;
  }
  // The page's bodies, and the case's own few sealed values (title, body, reporter, sensitive fields).
  assert.ok(opened >= THREAD_PAGE_SIZE && opened < THREAD_PAGE_SIZE + 20, `${opened} values opened`);
});

test('the web page shows one page of the thread with links to older and newer messages', async () => {
  const first = await page();
  assert.equal(first.statusCode, 200);
  assert.equal(first.body.match(/<article class="message/g)?.length, THREAD_PAGE_SIZE);
  assert.ok(first.body.includes(`Messages ${TOTAL - THREAD_PAGE_SIZE + 1}–${TOTAL} of ${TOTAL}`));
  assert.ok(first.body.includes(`href="/cases/${big.reportId}?page=2#thread"`));
  assert.ok(!first.body.includes('Newer messages'));
  const oldest = await page('?page=3');
  assert.equal(oldest.body.match(/<article class="message/g)?.length, 21);
  assert.ok(oldest.body.includes(`href="/cases/${big.reportId}?page=2#thread"`) && oldest.body.includes('Newer messages'));
  assert.ok(!oldest.body.includes('Older messages'));
  assert.equal((await page('?page=-1')).statusCode, 400);
});

test('the audit trail in the view is the newest events with counts of all, however often the case is read', async () => {
  const r = await view();
  assert.ok(r.json.audit.length <= CASE_AUDIT_SHOWN);
  const reads = r.json.auditSummary.byAction.find((a: { action: string }) => a.action === 'case.sensitive_read');
  assert.ok(reads.count >= 1);
  assert.equal(
    r.json.auditSummary.total,
    r.json.auditSummary.byAction.reduce((n: number, a: { count: number }) => n + a.count, 0),
  );
});

// A bounded loop of views. Its first samples (after a warm-up long enough for the view's newest audit
// events to be reads like the ones that follow) are the yardstick for its last: the answer must not
// grow with the views (each one appends an audit event), nor the heap after a full collection (a
// cache keyed by something that never repeats would).
test('a long run of views leaves the answer and the heap as they were', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  // Over a real socket, as a browser and an API client reach the server: the in-process injection
  // keeps chains of its fake streams alive, which would be measured instead of the server.
  const overHttp = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${h.baseUrl}${path}`, { headers });
    return { status: res.status, body: await res.text() };
  };
  const round = async () => {
    const json = await overHttp(`/api/reports/${big.reportId}`, { authorization: `Bearer ${tina.token}` });
    assert.equal(json.status, 200);
    assert.equal((await overHttp(`/cases/${big.reportId}`, { cookie })).status, 200);
    assert.equal((await overHttp(`/cases/${big.reportId}?page=2`, { cookie })).status, 200);
    return json.body.length;
  };
  for (let i = 0; i * 3 < CASE_AUDIT_SHOWN + 10; i++) await round();
  const firstBytes = await round();
  const firstHeap = heap();
  let lastBytes = firstBytes;
  for (let i = 0; i < 60; i++) lastBytes = await round();
  const lastHeap = heap();
  assert.ok(lastBytes <= firstBytes * 1.01, `the answer grew from ${firstBytes} to ${lastBytes} bytes over 60 views`);
  assert.ok(
    lastHeap <= firstHeap * 1.25,
    `the heap grew from ${(firstHeap / 1048576).toFixed(1)} to ${(lastHeap / 1048576).toFixed(1)} MB`,
  );
});
