import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, api, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { retryInbox } from '../../src/app/inbound/inbox.ts';
import { ValidationError } from '../../src/domain/errors.ts';

// A stored message's id arrives from a URL or a command line: anything that is not a well-formed UUID
// is refused as invalid before it reaches the uuid column (where it would be a 500), and changes nothing.

let h: Harness;
let admin: Member;
before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'trusted-firmware');
  await addMember(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', teams: ['security'] });
});
after(async () => {
  await h?.close();
});

const MALFORMED = ['-'.repeat(36), 'g'.repeat(36), `${'0'.repeat(35)}-`, '00000000-0000-0000-0000-0000000000000', 'not-an-id'];

test('retrying a stored message with a malformed id is a validation error, not a database error', async () => {
  for (const id of MALFORMED) {
    await assert.rejects(retryInbox(admin.ctx, id), ValidationError, id);
  }
});

test('the admin API refuses a malformed stored-message id in the error shape (invalid or not found), never a 500', async () => {
  for (const id of MALFORMED) {
    const r = await api(h, 'POST', `/api/admin/mail-inbox/${encodeURIComponent(id)}/retry`, { as: admin });
    // The use case calls it invalid; a door that checks ids itself may call it not found first.
    assert.ok([400, 404].includes(r.status), `${id}: ${r.status} ${r.body}`);
    assert.ok(['validation_failed', 'not_found'].includes(r.json.error.code), r.body);
  }
  assert.equal((await api(h, 'POST', `/api/admin/mail-inbox/${crypto.randomUUID()}/retry`, { as: admin })).status, 404);
});
