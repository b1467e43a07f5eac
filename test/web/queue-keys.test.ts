import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { PAGE_CSP } from '../../src/web/common.ts';
import { webPlugin } from '../../src/web/index.ts';
import { QUEUE_CSP } from '../../src/web/pages/queue.ts';

// The queue's keyboard shortcuts as the server hands them out: the script from the desk's own
// /static/ path (JavaScript that may load nothing), the queue page's CSP that lets exactly the desk's
// scripts run (nothing inline, no eval, no markup from script), the one <script> element on that page
// only, and the list of shortcuts on the page for everyone, script or not. The keys themselves are
// driven in Chromium by test-browser/queue-shortcuts.test.ts.

const SCRIPT = readFileSync(new URL('../../src/web/static/queue-keys.mjs', import.meta.url), 'utf8');

let h: Harness;
let admin: Member;
let cookie = '';

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  admin = await setupDesk(h, 'trusted-firmware');
  cookie = (await webSession(h, admin)).cookie;
});
after(() => h.close());

const get = (url: string, signedIn = true) => h.server.inject({ method: 'GET', url, headers: signedIn ? { cookie } : {} });

test('the script is served from /static/ as JavaScript, to anyone, and may itself load nothing', async () => {
  for (const signedIn of [true, false]) {
    const r = await get('/static/queue-keys.mjs', signedIn);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['content-security-policy'], "default-src 'none'");
    assert.equal(r.body, SCRIPT);
  }
});

test("the queue's CSP runs the desk's own scripts only: nothing inline, no eval, no markup from script", async () => {
  const r = await get('/');
  assert.equal(r.statusCode, 200);
  const csp = String(r.headers['content-security-policy']);
  assert.equal(csp, QUEUE_CSP);
  assert.ok(csp.startsWith(PAGE_CSP), "the pages' own policy, only added to");
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
      .map(([k, ...v]) => [k, v]),
  );
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('default-src'), ["'none'"], 'so no connection, frame or worker either');
  assert.deepEqual(directives.get('require-trusted-types-for'), ["'script'"]);
  assert.deepEqual(directives.get('trusted-types'), ["'none'"]);
  assert.doesNotMatch(csp, /unsafe-|strict-dynamic|nonce-|sha\d+-|data:|https?:/);
  // The page's one script: the desk's file, as a module; no inline script, no handler attributes.
  const scripts = [...r.body.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
  assert.deepEqual(
    scripts.map((m) => m[0]),
    ['<script type="module" src="/static/queue-keys.mjs"></script>'],
  );
  assert.doesNotMatch(r.body, /\son[a-z]+=/i);
  // The script needs nothing the CSP forbids: no eval, no markup strings, no network.
  assert.doesNotMatch(
    SCRIPT,
    /\beval\(|new Function|setTimeout\(\s*['"`]|innerHTML|outerHTML|insertAdjacentHTML|document\.write|fetch\(|XMLHttpRequest|import\(/,
  );
});

test('no other page gets a script or a looser CSP', async () => {
  for (const url of ['/me', '/dashboard', '/admin/start', '/admin/people']) {
    const r = await get(url);
    assert.equal(r.statusCode, 200, url);
    assert.equal(r.headers['content-security-policy'], PAGE_CSP, url);
    assert.doesNotMatch(r.body, /<script/, url);
  }
  for (const url of ['/signin', '/report']) {
    const r = await get(url, false);
    assert.equal(r.headers['content-security-policy'], PAGE_CSP, url);
    assert.doesNotMatch(r.body, /<script/, url);
  }
});

test('the list of shortcuts is on the page for everyone, a <details> that opens without script', async () => {
  const body = (await get('/')).body;
  const help = /<details class="shortcuts" id="queue-shortcuts">[\s\S]*?<\/details>/.exec(body)?.[0];
  assert.ok(help, 'the list is there');
  assert.match(help, /<summary>Keyboard shortcuts<\/summary>/);
  assert.match(help, /With JavaScript on, these single keys work on this page while you are not typing in a field/);
  for (const key of ['j', '↓', 'k', '↑', 'Enter', 'o', '/', 'm', '?', 'Escape']) assert.ok(help.includes(`<kbd>${key}</kbd>`), key);
  // Every key the list names is one the script knows.
  for (const key of ["'j'", "'k'", "'ArrowDown'", "'ArrowUp'", "'o'", "'Enter'", "'/'", "'m'", "'?'", "'Escape'"])
    assert.ok(SCRIPT.includes(key), key);
});
