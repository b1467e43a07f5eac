import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { startSmtpSink, headerValue, type SmtpSink, type SinkMessage } from '../support/smtp-sink.ts';
import { startGpg, validSigPrimary, type GpgPeer, type GpgKey } from '../support/gpg.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor, recordOfferedKey, teamPublicKey, uploadMyKey } from '../../src/app/keys/keys.ts';
import { loadCase } from '../../src/app/cases/case.ts';
import { addMessage } from '../../src/app/cases/messaging.ts';
import { fanOutMessage } from '../../src/app/delivery/fan-out.ts';
import { handleBounce } from '../../src/app/delivery/deliveries.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { signIn } from '../../src/app/auth/auth.ts';
import type { Ctx } from '../../src/app/context.ts';
import { openCopy, openDeliveryText, openRecipient } from '../../src/app/delivery/deliveries.ts';

// Outbound delivery against a real SMTP server on loopback, every copy decrypted and verified by
// GnuPG: fan-out to each member's own key, the notice for a member without one, the reporter's copy
// held where the profile refuses mail in clear, retries with backoff and the same Message-ID, 5xx,
// resend from the failed list, bounces.

let h: Harness;
let sink: SmtpSink;
let admin: Member, alice: Member;
let aliceGpg: GpgPeer, ritaGpg: GpgPeer;
let aliceKey: GpgKey, ritaKey: GpgKey;
let teamFingerprint: string;

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'test' };

before(async () => {
  // GnuPG dates its keys by the real clock; the desk's clock starts there so no key is from the future.
  h = await startHarness({ clock: new Date().toISOString(), config: { publicUrl: 'https://desk.example.org' } });
  admin = await setupDesk(h, 'trusted-firmware');
  alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
  await addMember(h, admin, { name: 'Bob Keyless', email: 'bob@tf.example', teams: ['security'] });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  // Enrolment moved the desk's clock ahead; OpenPGP.js signs by the real clock, so the team key must not be newer.
  h.clock.set(new Date().toISOString());
  const team = await generateTeamKeyFor(admin.ctx, {});
  teamFingerprint = team.fingerprint;

  aliceGpg = await startGpg();
  aliceKey = await aliceGpg.generateKey('Alice Central <alice@tf.example>', { algorithm: 'ed25519' });
  ritaGpg = await startGpg();
  ritaKey = await ritaGpg.generateKey('Rita Reporter <rita@research.example>', { algorithm: 'rsa3072' });
  const teamPublic = (await teamPublicKey(h.app.db))!.armored;
  await aliceGpg.importKey(teamPublic);
  await ritaGpg.importKey(teamPublic);
  h.clock.set(new Date().toISOString()); // after the GnuPG keys were made
  await uploadMyKey(alice.ctx, { armored: aliceKey.publicArmored });
});
after(async () => {
  await sink?.close();
  await aliceGpg?.close();
  await ritaGpg?.close();
  await h.close();
});

/** A web report; by default Rita's (whose key a test confirms), else another reporter's without a key (no receipt). */
async function submit(email = sampleReport.reporter.email): Promise<string> {
  const r = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, reporter: { ...sampleReport.reporter, email } } });
  assert.equal(r.status, 201, r.body);
  return r.json.reportId;
}

async function deliveries(reportId: string) {
  const r = await h.app.db.query<{
    id: string;
    recipient_sealed: string;
    status: string;
    mode: string | null;
    message_id: string;
    attempts: number;
    failure_sealed: string | null;
    next_attempt_at: Date;
  }>(
    'SELECT id, recipient_sealed, status, mode, message_id, attempts, failure_sealed, next_attempt_at FROM deliveries WHERE report_id = $1 ORDER BY created_at',
    [reportId],
  );
  // The recipient and the failure are sealed: opened here, and sorted by the recipient as before.
  return r.rows
    .map(({ recipient_sealed, failure_sealed, ...row }) => ({
      ...row,
      failure: openDeliveryText(h.app, row.id, 'failure', failure_sealed, null),
      recipient: openRecipient(h.app, { id: row.id, recipient_sealed }),
    }))
    .sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0));
}

function copiesTo(address: string): SinkMessage[] {
  return sink.received.filter((m) => m.rcptTo.includes(address));
}

async function decryptAndVerify(peer: GpgPeer, m: SinkMessage): Promise<string> {
  // PGP/MIME: the second part of multipart/encrypted carries the armored OpenPGP message.
  const text = m.raw.toString('latin1');
  assert.match(headerValue(m.raw, 'Content-Type') ?? '', /multipart\/encrypted/i);
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(text);
  assert.ok(armored, 'an armored OpenPGP message in the copy');
  const r = await peer.decrypt(armored[0]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(validSigPrimary(r.status), teamFingerprint, `VALIDSIG by the team key: ${r.status.join('\n')}`);
  return decodeQuotedPrintable(r.stdout.toString('latin1'));
}

/** The decrypted entity's text, quoted-printable undone (the body is QP-encoded inside the encryption). */
function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

test('fan-out: each member with a key gets a copy encrypted to it and signed by the team key; a member without one gets a notice only', async () => {
  const reportId = await submit();
  const body = 'Second message from the reporter: the overflow also reaches BL31 through the SMC handler.';
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const ctx: Ctx = { app: h.app, principal: { kind: 'reporter', reportId } };
    const messageId = await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', body);
    const r = await fanOutMessage(ctx, tx, h.clock.now, { reportId, messageId });
    assert.equal(r.recipients, 3); // the admin (on the central team as the desk's first member), alice and bob
  });
  const before = sink.received.length;
  const pass = await runDeliveryPass(h.app);
  assert.equal(pass.sent, 3);
  assert.equal(sink.received.length, before + 3);

  const [toAlice] = copiesTo('alice@tf.example');
  assert.ok(toAlice);
  assert.ok(!toAlice.raw.toString('latin1').includes('BL31'), 'no plaintext outside the encryption');
  assert.match(toAlice.mailFrom, /^bounces\+[0-9a-f]{32}@desk\.example\.org$/);
  const plain = await decryptAndVerify(aliceGpg, toAlice);
  assert.ok(plain.includes(body), plain);

  const [toBob] = copiesTo('bob@tf.example');
  assert.ok(toBob);
  const raw = toBob.raw.toString('utf8');
  for (const secret of ['BL31', 'SMC handler', sampleReport.title, sampleReport.reporter.name, sampleReport.reporter.email]) {
    assert.ok(!raw.includes(secret), `the notice carries no content (${secret})`);
  }
  assert.ok(raw.replace(/=\r?\n/g, '').includes(`https://desk.example.org/cases/${reportId}`), raw);
  assert.equal(headerValue(toBob.raw, 'Auto-Submitted'), 'auto-generated');
  // Reply reaches the team's alias (the team key's user ID), never the reporter; it threads by Message-ID.
  for (const m of [toAlice, toBob]) assert.equal(headerValue(m.raw, 'Reply-To'), 'security@lists.trustedfirmware.org');

  const rows = await deliveries(reportId);
  assert.deepEqual(
    rows.map((d) => [d.recipient, d.status, d.mode]),
    [
      ['admin@example.org', 'sent', 'notice'],
      ['alice@tf.example', 'sent', 'encrypted'],
      ['bob@tf.example', 'sent', 'notice'],
    ],
  );
  assert.equal(toAlice.messageId, rows[1]!.message_id);
});

test('a reply to a reporter without a key is held where the profile refuses mail in clear; a key offered by mail is not used until confirmed, then the held copy goes', async () => {
  const reportId = await submit();
  const reply = await api(h, 'POST', `/api/reports/${reportId}/replies`, {
    as: alice,
    body: { body: 'Thanks, we are looking at the BL2 loader.' },
  });
  assert.equal(reply.status, 200, reply.body);
  await runDeliveryPass(h.app);
  const toRita = () => deliveries(reportId).then((rows) => rows.filter((d) => d.recipient === 'rita@research.example'));
  let rita = (await toRita()).find((d) => d.status === 'failed')!;
  assert.ok(rita, 'the reply to her is held');
  assert.match(rita.failure!, /unencryptedMail: refuse/);
  // What reached her is a notice without the reply's content, pointing at her status page.
  const notices = copiesTo('rita@research.example');
  assert.equal(notices.length, 1);
  assert.equal(headerValue(notices[0]!.raw, 'Auto-Submitted'), 'auto-generated');
  assert.ok(!notices[0]!.raw.toString('utf8').includes('BL2 loader'), 'the notice carries nothing of the reply');
  assert.match(notices[0]!.raw.toString('utf8').replace(/=\r?\n/g, ''), /status page/);
  // The list copy (cc security@) reached the members, each by their own route.
  const listCopies = (await deliveries(reportId)).filter((d) => d.recipient !== 'rita@research.example');
  assert.deepEqual(
    listCopies.map((d) => [d.recipient, d.status, d.mode, d.failure]),
    [
      ['admin@example.org', 'sent', 'notice', null],
      ['alice@tf.example', 'sent', 'encrypted', null],
      ['bob@tf.example', 'sent', 'notice', null],
    ],
  );

  // The failed list shows it with the reason; resending while the key is only a candidate fails again.
  const failed = await api(h, 'GET', '/api/deliveries/failed', { as: alice });
  assert.equal(failed.status, 200);
  assert.ok(failed.json.deliveries.some((d: any) => d.id === rita.id && /unencryptedMail/.test(d.failure)));
  const offered = await h.app.db.transaction((tx) =>
    recordOfferedKey({ app: h.app, principal: SYSTEM }, tx, h.clock.now, {
      email: 'rita@research.example',
      armored: ritaKey.publicArmored,
      source: 'autocrypt',
      reportId,
    }),
  );
  assert.equal(offered.stored, true);
  assert.equal((await api(h, 'POST', `/api/deliveries/${rita.id}/resend`, { as: alice })).status, 200);
  await runDeliveryPass(h.app);
  rita = (await toRita()).find((d) => d.id === rita.id)!;
  assert.equal(rita.status, 'failed', 'an unconfirmed candidate key is never used');

  // A team member confirms the reporter's key: the held copy is queued again at once, encrypted to it, same Message-ID.
  const candidates = await api(h, 'GET', `/api/reports/${reportId}/keys`, { as: alice });
  assert.equal(candidates.status, 200, candidates.body);
  assert.equal(candidates.json.keys[0].fingerprint, ritaKey.fingerprint);
  assert.equal(candidates.json.keys[0].status, 'candidate');
  assert.equal((await api(h, 'POST', `/api/keys/${offered.stored ? offered.keyId : ''}/confirm`, { as: alice })).status, 200);
  assert.equal((await toRita()).find((d) => d.id === rita.id)!.status, 'queued');
  const before = copiesTo('rita@research.example').length;
  await runDeliveryPass(h.app);
  const after = (await toRita()).find((d) => d.id === rita.id)!;
  assert.equal(after.status, 'sent');
  assert.equal(after.message_id, rita.message_id);
  const copies = copiesTo('rita@research.example').slice(before);
  assert.equal(copies.length, 1);
  assert.equal(copies[0]!.messageId, rita.message_id);
  const plain = await decryptAndVerify(ritaGpg, copies[0]!);
  assert.ok(plain.includes('we are looking at the BL2 loader'));
});

test('4xx: retried with doubling backoff and the same Message-ID; 5xx: failed at once; resend; a bounce marks a sent delivery failed', async () => {
  // A reporter without a key: the profile's receipt is not queued for them, so only the fan-out below goes.
  const reportId = await submit('nokey@research.example');
  let refusals = 0;
  sink.reply = (m) =>
    m.rcptTo.includes('alice@tf.example') && refusals++ < 2 ? { code: 451, message: '4.7.1 Try again later' } : undefined;
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const ctx: Ctx = { app: h.app, principal: { kind: 'reporter', reportId } };
    await fanOutMessage(ctx, tx, h.clock.now, {
      reportId,
      messageId: await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', 'retry me'),
    });
  });
  const t0 = h.clock.now.getTime();
  let p = await runDeliveryPass(h.app);
  assert.deepEqual([p.sent, p.retried], [2, 1]); // the notices to the admin and bob went; alice's copy got 451
  let alice_ = (await deliveries(reportId)).find((d) => d.recipient === 'alice@tf.example')!;
  assert.equal(alice_.status, 'queued');
  assert.equal(new Date(alice_.next_attempt_at).getTime(), t0 + 60_000);
  assert.equal((await runDeliveryPass(h.app)).claimed, 0, 'not before its time');
  h.clock.advance(60_000);
  p = await runDeliveryPass(h.app);
  assert.equal(p.retried, 1);
  alice_ = (await deliveries(reportId)).find((d) => d.recipient === 'alice@tf.example')!;
  assert.equal(new Date(alice_.next_attempt_at).getTime(), h.clock.now.getTime() + 120_000, 'the delay doubles');
  h.clock.advance(120_000);
  p = await runDeliveryPass(h.app);
  assert.equal(p.sent, 1);
  alice_ = (await deliveries(reportId)).find((d) => d.recipient === 'alice@tf.example')!;
  assert.equal(alice_.status, 'sent');
  assert.equal(alice_.attempts, 3);
  const attempts = [...sink.refused, ...sink.received].filter(
    (m) => m.rcptTo.includes('alice@tf.example') && m.messageId === alice_.message_id,
  );
  assert.equal(attempts.length, 3, 'three attempts, one Message-ID');
  assert.equal(new Set(attempts.map((m) => m.raw.toString('base64'))).size, 1, 'every retry sends the same bytes');

  // 550: failed at once, with the server's reply.
  const r2 = await submit('nokey@research.example');
  sink.reply = (m) => (m.rcptTo.includes('bob@tf.example') ? { code: 550, message: '5.1.1 No such user' } : undefined);
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, r2))!;
    const ctx: Ctx = { app: h.app, principal: { kind: 'reporter', reportId: r2 } };
    await fanOutMessage(ctx, tx, h.clock.now, {
      reportId: r2,
      messageId: await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', 'fail me'),
    });
  });
  p = await runDeliveryPass(h.app);
  assert.deepEqual([p.sent, p.failed], [2, 1]);
  const bobRow = (await deliveries(r2)).find((d) => d.recipient === 'bob@tf.example')!;
  assert.equal(bobRow.status, 'failed');
  assert.equal(bobRow.attempts, 1);
  assert.match(bobRow.failure!, /SMTP 550.*No such user/);
  const outboxStatus = await h.app.db.query<{ status: string }>(
    'SELECT o.status FROM outbox o JOIN deliveries d ON d.outbox_id = o.id WHERE d.id = $1',
    [bobRow.id],
  );
  assert.equal(outboxStatus.rows[0]!.status, 'failed');

  // Only admins and the central team see the list; resend puts it back in the queue.
  const carol = await addMember(h, admin, { name: 'Carol Project', email: 'carol@tf.example' });
  assert.equal((await api(h, 'GET', '/api/deliveries/failed', { as: carol })).status, 403);
  assert.equal((await api(h, 'POST', `/api/deliveries/${bobRow.id}/resend`, { as: carol })).status, 403);
  const list = await api(h, 'GET', '/api/deliveries/failed', { as: admin });
  assert.ok(list.json.deliveries.some((d: any) => d.id === bobRow.id));
  sink.reply = null;
  assert.equal((await api(h, 'POST', `/api/deliveries/${bobRow.id}/resend`, { as: admin })).status, 200);
  assert.equal(
    (await api(h, 'POST', `/api/deliveries/${bobRow.id}/resend`, { as: admin })).status,
    409,
    'only a failed delivery is resent',
  );
  p = await runDeliveryPass(h.app);
  assert.equal(p.sent, 1);
  const resent = (await deliveries(r2)).find((d) => d.recipient === 'bob@tf.example')!;
  assert.equal(resent.status, 'sent');
  assert.equal(resent.message_id, bobRow.message_id);

  // A DSN for a delivered copy (found by its Message-ID) marks it failed with the reason.
  const bounced = await h.app.db.transaction((tx) =>
    handleBounce({ app: h.app, principal: SYSTEM }, tx, h.clock.now, {
      originalMessageId: `<${alice_.message_id}>`,
      recipient: 'alice@tf.example',
      status: '5.2.2',
      action: 'failed',
      diagnostic: 'smtp; 552 mailbox full',
    }),
  );
  assert.deepEqual(bounced, { deliveryId: alice_.id, failed: true });
  const afterBounce = (await deliveries(reportId)).find((d) => d.recipient === 'alice@tf.example')!;
  assert.equal(afterBounce.status, 'failed');
  assert.match(afterBounce.failure!, /bounced.*5\.2\.2.*mailbox full/);
  // By the VERP token in the bounce address too; a delayed DSN changes nothing; an unknown id is ignored.
  const bobNotice = (await deliveries(reportId)).find((d) => d.recipient === 'bob@tf.example')!;
  const viaToken = await h.app.db.transaction((tx) =>
    handleBounce({ app: h.app, principal: SYSTEM }, tx, h.clock.now, {
      bounceAddress: `bounces+${bobNotice.id.replaceAll('-', '')}@desk.example.org`,
      status: '4.4.7',
      action: 'delayed',
    }),
  );
  assert.deepEqual(viaToken, { deliveryId: bobNotice.id, failed: false });
  assert.equal((await deliveries(reportId)).find((d) => d.recipient === 'bob@tf.example')!.status, 'sent');
  assert.equal(
    await h.app.db.transaction((tx) =>
      handleBounce({ app: h.app, principal: SYSTEM }, tx, h.clock.now, { originalMessageId: 'nobody@nowhere' }),
    ),
    null,
  );
});

test('a copy stored as a desk before this one stored copies (base64 text sealed as v1) is retried byte for byte as it was stored', async () => {
  const reportId = await submit('nokey@research.example');
  let refusedOnce = false;
  sink.reply = (m) => {
    if (!m.rcptTo.includes('alice@tf.example') || refusedOnce) return undefined;
    refusedOnce = true;
    return { code: 451, message: '4.7.1 Try again later' };
  };
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const ctx: Ctx = { app: h.app, principal: { kind: 'reporter', reportId } };
    await fanOutMessage(ctx, tx, h.clock.now, {
      reportId,
      messageId: await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', 'stored the old way'),
    });
  });
  await runDeliveryPass(h.app);
  sink.reply = null;
  const row = (await deliveries(reportId)).find((d) => d.recipient === 'alice@tf.example')!;
  assert.equal(row.status, 'queued');
  const stored = (await h.app.db.query<{ raw_sealed: string }>('SELECT raw_sealed FROM deliveries WHERE id = $1', [row.id])).rows[0]!;
  assert.match(stored.raw_sealed, /^b1\./, 'a copy is sealed as the bytes it is');
  const old = h.app.sealer.seal(openCopy(h.app, row.id, stored.raw_sealed).toString('base64'), `deliveries.raw:${row.id}`);
  await h.app.db.query('UPDATE deliveries SET raw_sealed = $2 WHERE id = $1', [row.id, old]);
  h.clock.advance(60_000);
  assert.equal((await runDeliveryPass(h.app)).sent, 1);
  const first = sink.refused.filter((m) => m.messageId === row.message_id);
  const again = sink.received.filter((m) => m.messageId === row.message_id);
  assert.equal(first.length, 1);
  assert.equal(again.length, 1);
  assert.ok(first[0]!.raw.equals(again[0]!.raw), 'the retry sends the bytes first built');
});

/** Fails sign-in as the person from elsewhere until the account locks (3 free failures, then 5 s doubling, lock at 10). */
async function lockOut(email: string): Promise<void> {
  for (const wait of [0, 0, 0, 0, 5, 10, 20, 40, 80, 160]) {
    h.clock.advance(wait * 1000);
    await assert.rejects(signIn(h.app, { email, password: 'a wrong guess', totp: '000000' }, { ip: '203.0.113.9' }));
  }
  await assert.rejects(signIn(h.app, { email, password: 'a wrong guess', totp: '000000' }, { ip: '203.0.113.9' }), /locked/);
}

test('the unlock link after a sign-in lock goes through the outbox: encrypted to a member with a key, in clear to one without', async () => {
  const before = sink.received.length;
  await lockOut('alice@tf.example');
  await lockOut('bob@tf.example');
  await runDeliveryPass(h.app);
  const fresh = sink.received.slice(before);
  const toAlice = fresh.filter((m) => m.rcptTo.includes('alice@tf.example'));
  const toBob = fresh.filter((m) => m.rcptTo.includes('bob@tf.example'));
  assert.equal(toAlice.length, 1);
  assert.equal(toBob.length, 1);
  assert.ok(!toAlice[0]!.raw.toString('latin1').includes('/unlock/'), 'the link is only inside the encryption');
  const plain = await decryptAndVerify(aliceGpg, toAlice[0]!);
  assert.match(plain, /https:\/\/desk\.example\.org\/unlock\/unl_[\w-]+/);
  assert.match(plain, /203\.0\.113\.9/);
  const clear = decodeQuotedPrintable(toBob[0]!.raw.toString('latin1'));
  assert.match(clear, /https:\/\/desk\.example\.org\/unlock\/unl_[\w-]+/, 'no notice pointing at a desk he cannot sign in to');
  assert.equal(headerValue(toBob[0]!.raw, 'Auto-Submitted'), 'auto-generated');
  const modes = await h.app.db.query<{ id: string; recipient_sealed: string; mode: string }>(
    `SELECT d.id, d.recipient_sealed, d.mode FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.template_id = 'auth.unlock'`,
  );
  assert.deepEqual(modes.rows.map((r) => [openRecipient(h.app, r), r.mode]).sort(), [
    ['alice@tf.example', 'encrypted'],
    ['bob@tf.example', 'plaintext'],
  ]);
});
