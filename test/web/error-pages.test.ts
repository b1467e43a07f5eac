import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { webPlugin } from '../../src/web/index.ts';
import { PAGE_CSP } from '../../src/web/common.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { totpCode } from '../../src/crypto/totp.ts';

// Error pages for browsers: a request outside the API that accepts HTML gets its 404, 403 or 500 as
// a page in the desk's layout (under the page CSP, for whoever is signed in); the API, and anyone who
// does not ask for HTML, keeps the one JSON error shape. A server fault never shows its cause.

let h: Harness;
let admin: Member;
let cookie = '';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Routes outside the web door's pages that fail, as a route of some other plugin would. */
const failing = async (fastify: FastifyInstance) => {
  fastify.get('/boom', async () => {
    throw new Error('the secret cause of the fault');
  });
  fastify.get('/forbidden', async () => {
    throw new EmbargoError('forbidden', 'Only the desk admins may look here.');
  });
};

before(async () => {
  h = await startHarness({ plugins: [webPlugin, failing] });
  admin = await setupDesk(h, 'trusted-firmware');
  h.clock.advance(31_000);
  const r = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: admin.email, password: admin.password, totp: totpCode(admin.totpSecret, h.clock.now) },
  });
  cookie = String(r.headers['set-cookie']).split(';')[0]!;
});
after(() => h.close());

const get = (url: string, accept?: string, withCookie = false) =>
  h.server.inject({ method: 'GET', url, headers: { ...(accept ? { accept } : {}), ...(withCookie ? { cookie } : {}) } });

test('a browser gets "not found" as a page in the layout, signed in or not', async () => {
  const out = await get('/no/such/page', BROWSER);
  assert.equal(out.statusCode, 404);
  assert.match(String(out.headers['content-type']), /^text\/html/);
  assert.equal(out.headers['content-security-policy'], PAGE_CSP);
  assert.match(out.body, /<header class="site">/);
  assert.match(out.body, /<h1>Not found<\/h1>/);
  assert.match(out.body, /<a href="\/report">Back to the start<\/a>/);

  const signedIn = await get('/no/such/page', BROWSER, true);
  assert.equal(signedIn.statusCode, 404);
  assert.match(signedIn.body, /Signed in as <strong>Ada Admin<\/strong>/);
  assert.match(signedIn.body, /<a href="\/">Back to the start<\/a>/);
});

test('the API and clients that do not ask for HTML keep the JSON error shape', async () => {
  for (const [url, accept] of [
    ['/api/no-such-thing', BROWSER],
    ['/api/no-such-thing', undefined],
    ['/no/such/page', 'application/json'],
    ['/no/such/page', undefined],
    ['/no/such/page', '*/*'],
  ] as const) {
    const r = await get(url, accept);
    assert.equal(r.statusCode, 404, url);
    assert.match(String(r.headers['content-type']), /^application\/json/, `${url} with ${accept}`);
    assert.equal(r.json().error.code, 'not_found');
  }
});

test('a 403 and a 500 outside the pages are pages too; the fault shows no cause', async () => {
  const forbidden = await get('/forbidden', BROWSER, true);
  assert.equal(forbidden.statusCode, 403);
  assert.match(String(forbidden.headers['content-type']), /^text\/html/);
  assert.match(forbidden.body, /<h1>Not allowed<\/h1>/);
  assert.match(forbidden.body, /Only the desk admins may look here\./);

  const boom = await get('/boom', BROWSER, true);
  assert.equal(boom.statusCode, 500);
  assert.match(String(boom.headers['content-type']), /^text\/html/);
  assert.match(boom.body, /<h1>Something went wrong<\/h1>/);
  assert.match(boom.body, /it has been logged/);
  assert.doesNotMatch(boom.body, /secret cause/);
  const boomJson = await get('/boom');
  assert.equal(boomJson.statusCode, 500);
  assert.doesNotMatch(boomJson.body, /secret cause/);
  assert.equal(boomJson.json().error.code, 'internal');
});

test('a URL that does not decode is a bad-request page for a browser', async () => {
  const r = await get('/cases/%E0%A4%A', BROWSER);
  assert.equal(r.statusCode, 400);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.match(r.body, /The URL is not valid\./);
  assert.equal((await get('/api/reports/%E0%A4%A')).json().error.code, 'bad_request');
});
