import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, api, type Harness, type Member } from '../support/harness.ts';

// Ids in a URL are hostile input: a string that passes a loose shape check but is no UUID must get
// the same 404 as an unknown id, not a database error (500, logged as a server fault) that tells the
// caller the id was handed to SQL as it came.

let h: Harness;
let admin: Member;

before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'trusted-firmware');
});
after(() => h.close());

const NOT_A_UUID = '-'.repeat(36);

test('a 36-character non-UUID delivery id is "not found", not a server error', async () => {
  const r = await api(h, 'POST', `/api/deliveries/${NOT_A_UUID}/resend`, { as: admin });
  assert.equal(r.status, 404, r.body);
  const r2 = await api(h, 'POST', `/api/deliveries/${'g'.repeat(36)}/resend`, { as: admin });
  assert.equal(r2.status, 404, r2.body);
});

test('a 36-character non-UUID key id is "not found", not a server error (confirm, remove)', async () => {
  assert.equal((await api(h, 'POST', `/api/keys/${NOT_A_UUID}/confirm`, { as: admin })).status, 404);
  assert.equal((await api(h, 'DELETE', `/api/me/keys/${NOT_A_UUID}`, { as: admin })).status, 404);
});
