import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, api, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { webUser } from '../support/web-client.ts';
import { storeRaw } from '../../src/app/inbound/inbox.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { ALIAS, inboxRow, plainMail } from '../inbound/support.ts';

// The admin's inbound-mail inbox over HTTP on a real socket: failed, rejected and stuck messages with
// when, via, envelope sender, size, status and reason — never a subject or body — and a Retry button
// (CSRF) that puts a failed message back in the queue; the admin API the same; nobody else sees it.

let h: WebHarness;
let admin: Member, tess: Member;
let failedId: string, rejectedId: string, stuckId: string;
const SECRET_SUBJECT = 'Zero-day in BL31 SMC handler XQJZ';
const SECRET_BODY = 'The PSCI handler trusts x1 VQWK';

const store = (raw: string | Buffer, envelopeFrom: string, via: 'smtp' | 'imap' | 'import' = 'smtp') =>
  storeRaw(h.app, { raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw.replace(/\r?\n/g, '\r\n')), via, envelopeFrom, envelopeTo: [ALIAS] });

before(async () => {
  h = await startWebHarness({ config: { mailAliases: [ALIAS] } });
  admin = await setupDesk(h, 'trusted-firmware');
  tess = await addMember(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', teams: ['security'] });

  // A real failure inside the pipeline's transaction: the database refuses the report.
  await h.app.db.exec(`CREATE FUNCTION refuse_report() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END; $$;
    CREATE TRIGGER refuse_report BEFORE INSERT ON reports FOR EACH ROW EXECUTE FUNCTION refuse_report();`);
  failedId = (await store(plainMail({ subject: SECRET_SUBJECT }, SECRET_BODY), 'rita@research.example')).id;
  await runIntakePass(h.app, { leaseMs: 60_000 });
  await h.app.db.exec('DROP TRIGGER refuse_report ON reports; DROP FUNCTION refuse_report();');
  assert.equal((await inboxRow(h, failedId)).status, 'failed');

  // Not an e-mail message at all: rejected.
  rejectedId = (await store(Buffer.from('\x00\x01 this is no mail \x02'), 'spam@bad.example', 'imap')).id;
  await runIntakePass(h.app, { leaseMs: 60_000 });
  const rejected = await inboxRow(h, rejectedId);
  assert.equal(rejected.status, 'rejected', JSON.stringify(rejected));

  // Stored while no intake job runs, and left waiting past the lease period: stuck.
  stuckId = (await store(plainMail({ subject: 'Waiting' }), '', 'import')).id;
  h.clock.advance((h.app.config.mailLeaseSeconds + 60) * 1000);
});
after(() => h.close());

function rowOf(page: string, id: string): string {
  const start = page.indexOf(`<tr id="mail-${id}">`);
  assert.ok(start >= 0, `row ${id} is listed`);
  return page.slice(start, page.indexOf('</tr>', start));
}

test('an admin sees failed, rejected and stuck mail with its metadata and reason, never its content', async () => {
  const a = await webUser(h, admin);
  const page = await a.get('/admin/inbox');
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, /<a href="\/admin\/inbox" aria-current="page">Inbound mail<\/a>/, 'an admin tab');
  const failed = rowOf(page.body, failedId);
  assert.match(failed, /rita@research\.example/);
  assert.match(failed, />smtp</);
  assert.match(failed, /Failed/);
  assert.match(failed, /disk full \(simulated\)/);
  assert.match(failed, /\d+(\.\d)? (B|KiB)/);
  assert.match(failed, new RegExp(`action="/admin/inbox/${failedId}/retry"`));
  const rejected = rowOf(page.body, rejectedId);
  assert.match(rejected, /spam@bad\.example/);
  assert.match(rejected, /Rejected/);
  assert.match(rejected, />imap</);
  assert.doesNotMatch(rejected, /Retry/, 'a rejection is final');
  const stuck = rowOf(page.body, stuckId);
  assert.match(stuck, /Stuck/);
  assert.match(stuck, /null sender/);
  assert.match(stuck, /intake job/);
  // Admins do not see cases: no subject, no body, no case link.
  assert.ok(!page.body.includes('XQJZ') && !page.body.includes('VQWK'), 'no content of the message');
  assert.doesNotMatch(page.body, /href="\/cases\//);
});

test('others may not see the inbox: a member gets not found, a visitor is sent to sign in', async () => {
  const t = await webUser(h, tess);
  assert.equal((await t.get('/admin/inbox')).status, 404);
  assert.equal((await t.post(`/admin/inbox/${failedId}/retry`)).status, 404);
  assert.equal((await inboxRow(h, failedId)).status, 'failed', 'nothing changed');
  const anon = await webUser(h, null);
  const r = await anon.get('/admin/inbox');
  assert.equal(r.status, 303);
  assert.equal(r.location, '/signin?next=%2Fadmin%2Finbox');
});

test('Retry needs the CSRF token, refuses a rejected message, and puts a failed one back in the queue', async () => {
  const a = await webUser(h, admin);
  const noCsrf = await a.post(`/admin/inbox/${failedId}/retry`, {}, { csrf: false });
  assert.equal(noCsrf.status, 403);
  assert.equal((await inboxRow(h, failedId)).status, 'failed');

  const notFailed = await a.post(`/admin/inbox/${rejectedId}/retry`);
  assert.equal(notFailed.status, 409);
  assert.match(notFailed.body, /only a failed message can be retried/);
  assert.equal((await inboxRow(h, rejectedId)).status, 'rejected');
  assert.equal((await a.post('/admin/inbox/not-an-id/retry')).status, 400);
  assert.equal((await a.post(`/admin/inbox/${crypto.randomUUID()}/retry`)).status, 404);

  const ok = await a.post(`/admin/inbox/${failedId}/retry`);
  assert.equal(ok.status, 303, ok.body);
  assert.equal(ok.location, '/admin/inbox?done=retried');
  assert.equal((await inboxRow(h, failedId)).status, 'received');
  const after = await a.get('/admin/inbox?done=retried');
  assert.match(after.body, /queued again/);
  assert.doesNotMatch(after.body, new RegExp(`mail-${failedId}`), 'waiting again, not stuck yet');
  const audit = await h.app.db.query<{ actor_id: string | null }>(
    `SELECT actor_id FROM audit_events WHERE action = 'mail.retried' AND subject_id = $1`,
    [failedId],
  );
  assert.deepEqual(
    audit.rows.map((x) => x.actor_id),
    [admin.personId],
    'audited as the admin',
  );

  await runIntakePass(h.app, { leaseMs: 60_000 });
  const done = await inboxRow(h, failedId);
  assert.equal(done.status, 'done');
  assert.equal(done.outcome, 'new_report');
  assert.doesNotMatch((await a.get('/admin/inbox')).body, new RegExp(`mail-${failedId}`));
});

test('the admin API lists the same metadata and retries; others are refused', async () => {
  // The intake pass above processed the stuck message too; another one waits past the lease period.
  assert.equal((await inboxRow(h, stuckId)).status, 'done');
  stuckId = (await store(plainMail({ subject: 'Waiting again' }), 'rita@research.example')).id;
  h.clock.advance((h.app.config.mailLeaseSeconds + 60) * 1000);
  const list = await api(h, 'GET', '/api/admin/mail-inbox', { as: admin });
  assert.equal(list.status, 200, list.body);
  const byId = new Map(list.json.messages.map((m: any) => [m.id, m]));
  const r = byId.get(rejectedId) as any;
  assert.deepEqual(Object.keys(r).sort(), [
    'attempts',
    'envelopeFrom',
    'id',
    'outcome',
    'reason',
    'receivedAt',
    'retryable',
    'size',
    'status',
    'stuck',
    'via',
  ]);
  assert.equal(r.envelopeFrom, 'spam@bad.example');
  assert.equal(r.retryable, false);
  assert.equal((byId.get(stuckId) as any).stuck, true);
  assert.ok(!list.body.includes('XQJZ'));
  assert.equal((await api(h, 'GET', '/api/admin/mail-inbox', { as: tess })).status, 403);
  assert.equal((await api(h, 'POST', `/api/admin/mail-inbox/${rejectedId}/retry`, { as: tess })).status, 403);
  assert.equal((await api(h, 'POST', `/api/admin/mail-inbox/${rejectedId}/retry`, { as: admin })).status, 409);
});
