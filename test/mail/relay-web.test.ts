import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startHarness, setupDesk, addMember, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { startSmtpSink, headerValue, type SmtpSink } from '../support/smtp-sink.ts';
import { startGpg, type GpgPeer, type GpgKey } from '../support/gpg.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { confirmKey, generateTeamKeyFor, recordOfferedKey, uploadMyKey } from '../../src/app/keys/keys.ts';
import { resendDelivery } from '../../src/app/delivery/deliveries.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import type { Ctx } from '../../src/app/context.ts';
import { openRelayed, replyEntity } from './relay-support.ts';

// Replies signed by the member outside the server (the web page's script, or their own gpg) and
// posted as entity + detached signature: verified against the member's key on file, relayed to the
// reporter encrypted to the reporter's key with the member's signature intact; GnuPG, as the
// reporter's mail client, decrypts the copy from a real SMTP server and verifies the signature.

const ALIAS = 'security@lists.trustedfirmware.org';
let h: Harness;
let sink: SmtpSink;
let admin: Member, alice: Member, cora: Member, olga: Member;
let gpg: GpgPeer;
let aliceKey: GpgKey, ritaKey: GpgKey, malloryKey: GpgKey;

before(async () => {
  h = await startHarness({ clock: new Date().toISOString(), config: { publicUrl: 'https://desk.example.org', mailAliases: [ALIAS] } });
  admin = await setupDesk(h, 'trusted-firmware');
  alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  olga = await addMember(h, admin, { name: 'Olga Outsider', email: 'olga@tf.example' });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  h.clock.set(new Date().toISOString());
  await generateTeamKeyFor(admin.ctx, {});
  gpg = await startGpg();
  aliceKey = await gpg.generateKey('Alice Central <alice@tf.example>');
  ritaKey = await gpg.generateKey('Rita Reporter <rita@research.example>');
  // Someone else's key with Alice's address: what a forger would sign with.
  malloryKey = await gpg.generateKey('Alice Central <alice@tf.example>');
  const olgaKey = await gpg.generateKey('Olga Outsider <olga@tf.example>');
  // After the keys were made: a key from the desk's future is not valid yet.
  h.clock.set(new Date(Date.now() + 2000).toISOString());
  await uploadMyKey(alice.ctx, { armored: aliceKey.publicArmored });
  await uploadMyKey(olga.ctx, { armored: olgaKey.publicArmored });
});
after(async () => {
  await sink?.close();
  await gpg?.close();
  await h?.close();
});

async function newCase(withReporterKey: boolean): Promise<{ reportId: string; token: string }> {
  // Keys are held by address: a reporter without one writes from another address than Rita's.
  const reporter = withReporterKey ? sampleReport.reporter : { ...sampleReport.reporter, email: 'nokey@research.example' };
  const r = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, reporter } });
  assert.equal(r.status, 201, r.body);
  const reportId = r.json.reportId as string;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: alice, body: { email: 'cora@tf.example' } })).status, 200);
  if (withReporterKey) {
    const system: Ctx = { app: h.app, principal: { kind: 'system', label: 'test' } };
    const offered = await h.app.db.transaction((tx) =>
      recordOfferedKey(system, tx, h.clock.now, {
        email: 'rita@research.example',
        armored: ritaKey.publicArmored,
        source: 'attachment',
        reportId,
      }),
    );
    assert.ok(offered.stored);
    if (offered.status === 'candidate') await confirmKey(alice.ctx, offered.keyId);
  }
  return { reportId, token: r.json.statusToken as string };
}

async function signed(text: string, signer: string) {
  const entity = replyEntity(text);
  return { entity, signature: await gpg.signDetached(entity, signer) };
}

async function state(reportId: string) {
  const q = async (sql: string) => Number((await h.app.db.query<{ n: string }>(sql, [reportId])).rows[0]!.n);
  return {
    messages: await q('SELECT count(*) AS n FROM messages WHERE report_id = $1'),
    outbox: await q('SELECT count(*) AS n FROM outbox WHERE report_id = $1'),
    relayed: await q('SELECT count(*) AS n FROM relayed_replies WHERE report_id = $1'),
  };
}

test("a reply signed by the member is relayed to the reporter encrypted to their key, the member's signature intact; the status page shows it", async () => {
  const { reportId, token } = await newCase(true);
  const text =
    'Thanks for the report.\nWe reproduced the overflow in BL2; a fix is in review.\nTrailing space here: \n.\nFrom here on: ünïcödé ✓';
  const body = await signed(text, aliceKey.fingerprint);
  const r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: alice,
    body: { ...body, subject: 'Your report on BL2' },
  });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.mode, 'encrypted');

  const before = sink.received.length;
  const pass = await runDeliveryPass(h.app);
  assert.ok(pass.sent >= 1, JSON.stringify(pass));
  const copies = sink.received.slice(before).filter((m) => m.rcptTo.includes('rita@research.example'));
  assert.equal(copies.length, 1);
  const copy = copies[0]!;
  const outer = copy.raw.toString('latin1');
  assert.ok(!outer.includes('reproduced'), 'nothing readable outside the encryption');
  assert.equal(headerValue(copy.raw, 'Subject'), '...');
  assert.match(headerValue(copy.raw, 'From') ?? '', /Alice Central via Trusted Firmware Security Team/);
  assert.equal(headerValue(copy.raw, 'Reply-To'), 'security@lists.trustedfirmware.org');

  const opened = await openRelayed(gpg, copy);
  assert.equal(opened.signer, aliceKey.fingerprint, "GnuPG verifies the member's signature (VALIDSIG with her fingerprint)");
  assert.equal(opened.text.replace(/\r\n/g, '\n'), `${text}\n`);
  // The signed part is byte for byte what Alice signed.
  assert.ok(opened.inner.includes(Buffer.from(body.entity)), 'the signed entity is inside unchanged');
  assert.match(opened.inner.toString('utf8'), /Subject: Your report on BL2/);

  const view = await api(h, 'GET', `/api/reporter/${token}`);
  assert.equal(view.status, 200);
  const last = view.json.messages.at(-1);
  assert.equal(last.kind, 'to_reporter');
  assert.ok(last.body.includes('a fix is in review'), last.body);
  const row = (
    await h.app.db.query<{ signer_fingerprint: string; via: string; mode: string }>(
      'SELECT signer_fingerprint, via, mode FROM relayed_replies WHERE report_id = $1',
      [reportId],
    )
  ).rows;
  assert.deepEqual(row, [{ signer_fingerprint: aliceKey.fingerprint, via: 'web', mode: 'encrypted' }]);
  const actions = (
    await h.app.db.query<{ action: string; data: any }>(
      `SELECT action, data FROM audit_events WHERE subject_id = $1 AND action = 'case.replied'`,
      [reportId],
    )
  ).rows;
  assert.equal(actions.length, 1);
});

test('a resend from the failed list sends the same member-signed bytes, never a team-signed rebuild', async () => {
  const { reportId } = await newCase(true);
  const r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: alice,
    body: await signed('Resend me as I signed it.', aliceKey.fingerprint),
  });
  assert.equal(r.status, 201, r.body);
  sink.reply = (m) => (m.rcptTo.includes('rita@research.example') ? { code: 550, message: 'mailbox unavailable' } : undefined);
  await runDeliveryPass(h.app);
  sink.reply = null;
  const d = (
    await h.app.db.query<{ id: string; status: string; raw_sealed: string }>(
      'SELECT id, status, raw_sealed FROM deliveries WHERE id = $1',
      [r.json.deliveryId],
    )
  ).rows[0]!;
  assert.equal(d.status, 'failed');
  await resendDelivery(admin.ctx, d.id);
  const again = (
    await h.app.db.query<{ status: string; raw_sealed: string; mode: string }>(
      'SELECT status, raw_sealed, mode FROM deliveries WHERE id = $1',
      [d.id],
    )
  ).rows[0]!;
  assert.deepEqual([again.status, again.raw_sealed, again.mode], ['queued', d.raw_sealed, 'encrypted']);
  const before = sink.received.length;
  await runDeliveryPass(h.app);
  const copy = sink.received.slice(before).find((m) => m.rcptTo.includes('rita@research.example'))!;
  assert.ok(copy);
  assert.equal((await openRelayed(gpg, copy)).signer, aliceKey.fingerprint);
});

test('a signature by another key, a tampered entity, an entity of the wrong shape: refused, nothing recorded or sent', async () => {
  const { reportId } = await newCase(true);
  const s0 = await state(reportId);
  const forged = await signed('Please send the exploit to my other address.', malloryKey.fingerprint);
  let r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { as: alice, body: forged });
  assert.equal(r.status, 400, r.body);
  assert.match(r.json.error.message, /not with your key on the desk/);

  const good = await signed('The original text.', aliceKey.fingerprint);
  r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: alice,
    body: { ...good, entity: good.entity.replace('original', 'altered!') },
  });
  assert.equal(r.status, 400, r.body);
  assert.match(r.json.error.message, /signature was not accepted/);

  const html = 'Content-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>\r\n';
  r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: alice,
    body: { entity: html, signature: await gpg.signDetached(html, aliceKey.fingerprint) },
  });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /text\/plain/);
  const lf = good.entity.replace(/\r\n/g, '\n');
  r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { as: alice, body: { entity: lf, signature: good.signature } });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /CRLF/);
  const extra = `Subject: injected\r\n${good.entity}`;
  r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: alice,
    body: { entity: extra, signature: await gpg.signDetached(extra, aliceKey.fingerprint) },
  });
  assert.equal(r.status, 400);
  r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: alice,
    body: { entity: good.entity, signature: 'not a signature' },
  });
  assert.equal(r.status, 400);
  r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { as: alice, body: { ...good, extra: 1 } });
  assert.equal(r.status, 400);
  assert.deepEqual(await state(reportId), s0);
});

test('only a member who may reply on the case: a collaborator gets 403, someone without access 404, signed-out 401', async () => {
  const { reportId } = await newCase(true);
  const s0 = await state(reportId);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { as: cora, body: await signed('hi', aliceKey.fingerprint) })).status,
    403,
  );
  const olgaSays = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, {
    as: olga,
    body: await signed('hi', aliceKey.fingerprint),
  });
  assert.equal(olgaSays.status, 404);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { body: await signed('hi', aliceKey.fingerprint) })).status,
    401,
  );
  assert.deepEqual(await state(reportId), s0);
});

test('a reporter without a key: refused where the profile refuses mail in clear; sent signed in clear where it allows it', async () => {
  const { reportId } = await newCase(false);
  const s0 = await state(reportId);
  const body = await signed('No key on file for you, so this one is in clear.', aliceKey.fingerprint);
  let r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { as: alice, body });
  assert.equal(r.status, 409, r.body);
  assert.match(r.json.error.message, /does not allow mail in clear/);
  assert.deepEqual(await state(reportId), s0);

  // The same desk with a profile that allows mail in clear (as Tock's does).
  const yaml = readFileSync(new URL('../../src/process/profiles/trusted-firmware.yaml', import.meta.url), 'utf8').replace(
    'unencryptedMail: refuse',
    'unencryptedMail: allow',
  );
  assert.equal((await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml } })).status, 200);
  try {
    r = await api(h, 'POST', `/api/reports/${reportId}/signed-replies`, { as: alice, body });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.mode, 'plaintext');
    const before = sink.received.length;
    await runDeliveryPass(h.app);
    const copy = sink.received.slice(before).find((m) => m.rcptTo.includes('nokey@research.example'))!;
    assert.ok(copy);
    assert.match(headerValue(copy.raw, 'Content-Type') ?? '', /multipart\/signed/);
    const opened = await openRelayed(gpg, copy);
    assert.equal(opened.signer, aliceKey.fingerprint);
    assert.match(opened.text, /in clear/);
  } finally {
    const back = readFileSync(new URL('../../src/process/profiles/trusted-firmware.yaml', import.meta.url), 'utf8');
    assert.equal((await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: back } })).status, 200);
  }
});
