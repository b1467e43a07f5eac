import { test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { startHarness, setupDesk, api, type Harness } from '../support/harness.ts';
import { webPlugin } from '../../src/web/index.ts';

// The enrollment door is open to anyone who has a link, so it is open to anyone who guesses one: a
// bogus link must be refused before the desk spends a password hash (up to a second of CPU and
// 128 MiB each) on it. Every scrypt call is counted through node:crypto, which the password module uses.

let h: Harness;
let calls = 0;

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  await setupDesk(h, 'tock');
  const real = crypto.scrypt;
  mock.method(crypto, 'scrypt', (...args: Parameters<typeof real>) => {
    calls++;
    return (real as (...a: unknown[]) => void)(...args);
  });
  syncBuiltinESMExports();
});
after(async () => {
  mock.restoreAll();
  syncBuiltinESMExports();
  await h.close();
});

const BOGUS = `enr_${'A'.repeat(43)}`;

test('the API refuses a bogus enrollment link without hashing the password', async () => {
  calls = 0;
  const r = await api(h, 'POST', `/api/enrollment/${BOGUS}`, { body: { password: 'a long and unusual passphrase 7', totp: '123456' } });
  assert.equal(r.status, 404, r.body);
  assert.equal(calls, 0, 'no scrypt call for a link that does not exist');
});

test('the web enrollment form refuses a bogus link without hashing the password', async () => {
  calls = 0;
  const password = 'a long and unusual passphrase 7';
  const r = await h.server.inject({
    method: 'POST',
    url: `/enroll/${BOGUS}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ password, password2: password, totp: '123456' }).toString(),
  });
  assert.equal(r.statusCode, 404, r.body);
  assert.match(r.body, /enrollment link is unknown/);
  assert.equal(calls, 0, 'no scrypt call for a link that does not exist');
});
