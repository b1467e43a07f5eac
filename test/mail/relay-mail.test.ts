import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { headerValue, startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startGpg, type GpgPeer, type GpgKey } from '../support/gpg.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { allTeamKeys, confirmKey, generateTeamKeyFor, recordOfferedKey, teamPublicKey, uploadMyKey } from '../../src/app/keys/keys.ts';
import { startSmtpListener, type SmtpListener } from '../../src/listeners/smtp.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import type { Ctx } from '../../src/app/context.ts';
import { crlf, pgpMime, signedEntity } from './pgp-support.ts';
import { sendWithNodemailer } from '../inbound/support.ts';
import { openRelayed } from './relay-support.ts';
import { parseEntity } from '../../src/mail/mime.ts';
import { DEFAULT_MIME_LIMITS } from '../../src/mail/types.ts';
import { loadCase } from '../../src/app/cases/case.ts';
import { addMessage } from '../../src/app/cases/messaging.ts';
import { fanOutMessage } from '../../src/app/delivery/fan-out.ts';
import { muttSend, skipWithoutMutt } from '../support/mutt.ts';
import * as openpgp from 'openpgp';

// A member replies from their own mail client: GnuPG makes the signed and encrypted mail, nodemailer
// sends it over SMTP on loopback to the gateway's listener, to the case's reply address. The intake
// job relays it; the SMTP sink gets the reporter's copy, and GnuPG with the reporter's key decrypts it
// and verifies the member's own signature. A forged or unverifiable signature, or a signer without
// access, is never relayed: the mail is kept as a note for the team and the sender is told.

const ALIAS = 'security@lists.trustedfirmware.org';
let h: Harness;
let sink: SmtpSink;
let smtp: SmtpListener;
let admin: Member, alice: Member, olga: Member;
let gpg: GpgPeer;
let aliceKey: GpgKey, ritaKey: GpgKey, malloryKey: GpgKey, olgaKey: GpgKey;
let team: string;

before(async () => {
  h = await startHarness({ clock: new Date().toISOString(), config: { publicUrl: 'https://desk.example.org', mailAliases: [ALIAS] } });
  admin = await setupDesk(h, 'trusted-firmware');
  alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
  olga = await addMember(h, admin, { name: 'Olga Outsider', email: 'olga@tf.example' });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  gpg = await startGpg();
  aliceKey = await gpg.generateKey('Alice Central <alice@tf.example>');
  ritaKey = await gpg.generateKey('Rita Reporter <rita@research.example>');
  malloryKey = await gpg.generateKey('Alice Central <alice@tf.example>');
  olgaKey = await gpg.generateKey('Olga Outsider <olga@tf.example>');
  const deskNow = h.clock.now;
  h.clock.set(new Date().toISOString());
  await generateTeamKeyFor(admin.ctx, {});
  h.clock.now = deskNow;
  team = (await teamPublicKey(h.app.db))!.fingerprint;
  await gpg.importKey((await teamPublicKey(h.app.db))!.armored);
  await uploadMyKey(alice.ctx, { armored: aliceKey.publicArmored });
  await uploadMyKey(olga.ctx, { armored: olgaKey.publicArmored });
  smtp = await startSmtpListener(h.app, { host: '127.0.0.1', port: 0, maxBytes: 10 * 1024 * 1024, aliases: [] });
});
after(async () => {
  await smtp?.close();
  await sink?.close();
  await gpg?.close();
  await h?.close();
});

async function newCase(): Promise<{ reportId: string; token: string; address: string; copyId: string }> {
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  const reportId = r.json.reportId as string;
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
  await runDeliveryPass(h.app); // the desk's receipt of the report (once Rita's key is confirmed) goes before the tests' own mail
  // A member answers the reporter by replying to a mail of the case (here the team's copy of a note)
  // and addressing it to the reporter address.
  const copiesToAlice = () =>
    h.app.db.query<{ message_id: string }>('SELECT message_id FROM deliveries WHERE report_id = $1 AND recipient_index = $2', [
      reportId,
      h.app.blind.of('email', 'alice@tf.example'),
    ]);
  const earlier = new Set((await copiesToAlice()).rows.map((r) => r.message_id)); // the receipt's list copy
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const messageId = await addMessage(system, tx, h.clock.now, c, 'note', 'The team looks into it.');
    await fanOutMessage(system, tx, h.clock.now, { reportId, messageId });
  });
  const copy = { rows: (await copiesToAlice()).rows.filter((r) => !earlier.has(r.message_id)) };
  assert.ok(copy.rows[0], "the team's copy of the report");
  latestCopyId = copy.rows[0].message_id;
  return { reportId, token: r.json.statusToken, address: REPORTER, copyId: latestCopyId };
}

const REPORTER = 'security+reporter@lists.trustedfirmware.org';
/** The Message-ID of the team's copy of the case made last: what mailIn's mail answers unless it says otherwise. */
let latestCopyId = '';

/** Over SMTP into the gateway, then the intake job; returns the inbox row. */
async function mailIn(raw: Uint8Array, from: string, to: string) {
  // An answer, as a mail client writes it: In-Reply-To the copy being answered (unless already there).
  const answer = /^In-Reply-To:/im.test(
    Buffer.from(raw)
      .toString('latin1')
      .split(/\r?\n\r?\n/)[0]!,
  )
    ? Buffer.from(raw)
    : Buffer.concat([Buffer.from(`In-Reply-To: <${latestCopyId}>\r\nReferences: <${latestCopyId}>\r\n`), Buffer.from(raw)]);
  await sendWithNodemailer(smtp.port, { from, to: [to], raw: answer });
  await runIntakePass(h.app, { leaseMs: 60_000 });
  const r = await h.app.db.query<{ status: string; outcome: string | null; error: string | null; signer_person_id: string | null }>(
    'SELECT status, outcome, error, signer_person_id FROM mail_inbox ORDER BY seq DESC LIMIT 1',
  );
  return r.rows[0]!;
}

const CONTENT =
  'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHello Rita,\n\nwe reproduced the overflow; the fix lands in v2.12 — thanks!\n\nAlice\n';

async function thread(reportId: string) {
  const r = await h.app.db.query<{ id: string; kind: string; author_id: string | null; body_sealed: string }>(
    'SELECT id, kind, author_id, body_sealed FROM messages WHERE report_id = $1 ORDER BY seq',
    [reportId],
  );
  return r.rows.map((m) => ({ kind: m.kind, authorId: m.author_id, body: h.app.sealer.open(m.body_sealed, `messages.body:${m.id}`) }));
}

async function deliveredTo(address: string, since: number) {
  await runDeliveryPass(h.app);
  return sink.received.slice(since).filter((m) => m.rcptTo.includes(address));
}

test("PGP/MIME: multipart/signed inside the encryption to the reply address is relayed to the reporter with the member's signature intact", async () => {
  const { reportId, token, address } = await newCase();
  const signed = await signedEntity(gpg, CONTENT, aliceKey.fingerprint);
  const armored = await gpg.encrypt(crlf(signed), { recipients: [team] });
  const raw = pgpMime(
    {
      From: 'Alice Central <alice@tf.example>',
      To: address,
      Subject: '...',
      'Message-ID': `<${crypto.randomUUID()}@tf.example>`,
      Date: new Date().toUTCString(),
    },
    armored,
  );
  const row = await mailIn(raw, 'alice@tf.example', address);
  assert.deepEqual([row.status, row.outcome, row.signer_person_id], ['done', 'member_relayed', alice.personId], row.error ?? '');

  const since = sink.received.length;
  const copies = await deliveredTo('rita@research.example', since);
  assert.equal(copies.length, 1);
  assert.ok(!copies[0]!.raw.toString('latin1').includes('reproduced'), 'nothing readable outside the encryption');
  const opened = await openRelayed(gpg, copies[0]!);
  assert.equal(opened.signer, aliceKey.fingerprint, "VALIDSIG with the member's fingerprint");
  assert.match(opened.text, /the fix lands in v2\.12 — thanks!/);
  // The entity is byte for byte what Alice's client signed.
  assert.ok(opened.inner.includes(Buffer.from(crlf(CONTENT))));

  const t = await thread(reportId);
  assert.equal(t.at(-1)!.kind, 'to_reporter');
  assert.equal(t.at(-1)!.authorId, alice.personId);
  const view = await api(h, 'GET', `/api/reporter/${token}`);
  assert.match(view.json.messages.at(-1).body, /the fix lands in v2\.12/);
  const rel = await h.app.db.query<{ via: string; mode: string; signer_fingerprint: string }>(
    'SELECT via, mode, signer_fingerprint FROM relayed_replies WHERE report_id = $1',
    [reportId],
  );
  assert.deepEqual(rel.rows, [{ via: 'mail', mode: 'encrypted', signer_fingerprint: aliceKey.fingerprint }]);
});

test('a relayed signed reply sent again (by anyone who received it) is a replay: kept as a team note, not relayed twice', async () => {
  const { reportId, address } = await newCase();
  const signed = await signedEntity(gpg, CONTENT.replace('Hello Rita', 'Hello again Rita'), aliceKey.fingerprint);
  const send = async () => {
    const armored = await gpg.encrypt(crlf(signed), { recipients: [team] });
    const raw = pgpMime(
      {
        From: 'Alice Central <alice@tf.example>',
        To: address,
        Subject: '...',
        'Message-ID': `<${crypto.randomUUID()}@tf.example>`,
        Date: new Date().toUTCString(),
      },
      armored,
    );
    return mailIn(raw, 'alice@tf.example', address);
  };
  assert.equal((await send()).outcome, 'member_relayed');
  assert.equal((await deliveredTo('rita@research.example', sink.received.length)).length, 1);
  const since = sink.received.length;
  const replay = await send();
  assert.deepEqual([replay.status, replay.outcome], ['done', 'member_not_relayed'], replay.error ?? '');
  assert.equal((await deliveredTo('rita@research.example', since)).length, 0, 'the reporter does not get it twice');
  const rel = await h.app.db.query('SELECT 1 FROM relayed_replies WHERE report_id = $1', [reportId]);
  assert.equal(rel.rows.length, 1);
  assert.match(
    (await thread(reportId)).at(-1)!.body,
    /NOT relayed to the reporter: Not sent: this signed message was relayed to the reporter already/,
  );
});

test("signed and encrypted in one pass (RFC 3156 6.2, as Thunderbird and GnuPG do) is relayed with the member's own signature", async () => {
  const { reportId, address } = await newCase();
  const armored = await gpg.encrypt(crlf(CONTENT), { recipients: [team], signWith: aliceKey.fingerprint });
  const raw = pgpMime(
    {
      From: 'Alice Central <alice@tf.example>',
      To: address,
      Subject: 'Re: your report',
      'Message-ID': `<${crypto.randomUUID()}@tf.example>`,
    },
    armored,
  );
  const row = await mailIn(raw, 'alice@tf.example', address);
  assert.equal(row.outcome, 'member_relayed', (await thread(reportId)).at(-1)!.body);
  const copies = await deliveredTo('rita@research.example', sink.received.length);
  assert.equal(copies.length, 1);
  const opened = await openRelayed(gpg, copies[0]!);
  assert.equal(opened.signer, aliceKey.fingerprint);
  assert.match(opened.text, /v2\.12/);
  assert.equal((await thread(reportId)).at(-1)!.kind, 'to_reporter');
});

async function assertNotRelayed(
  reportId: string,
  row: { outcome: string | null; error: string | null },
  since: number,
  reason: RegExp,
  tell: string,
) {
  assert.equal(row.outcome, 'member_not_relayed', row.error ?? '');
  const t = await thread(reportId);
  assert.equal(t.at(-1)!.kind, 'note');
  assert.match(t.at(-1)!.body, /NOT relayed to the reporter/);
  assert.match(t.at(-1)!.body, reason);
  // (The desk's own receipt of the report, written by nobody, may be there.)
  assert.ok(!t.some((m) => m.kind === 'to_reporter' && m.authorId !== null), 'nothing recorded as a reply to the reporter');
  await runDeliveryPass(h.app);
  const out = sink.received.slice(since);
  assert.equal(out.filter((m) => m.rcptTo.includes('rita@research.example')).length, 0, 'nothing to the reporter');
  // The sender's notice (members with access also get the team note's fan-out copy).
  const notices = await h.app.db.query<{ message_id: string }>(
    `SELECT d.message_id FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.template_id = 'relay.not_relayed' AND d.recipient_index = $1 AND d.status = 'sent'`,
    [h.app.blind.of('email', tell)],
  );
  const told = out.filter((m) => m.rcptTo.includes(tell) && notices.rows.some((n) => n.message_id === m.messageId));
  assert.equal(told.length, 1, `the sender ${tell} is told`);
  const n = await h.app.db.query<{ n: string }>(`SELECT count(*) AS n FROM relayed_replies WHERE report_id = $1`, [reportId]);
  assert.equal(Number(n.rows[0]!.n), 0);
}

test("a signature by another key with the member's address is not relayed: a team note with the reason, the member is told", async () => {
  const { reportId, address } = await newCase();
  const since = sink.received.length;
  const signed = await signedEntity(gpg, 'Content-Type: text/plain\n\nSend me the exploit at evil@example.net\n', malloryKey.fingerprint);
  const armored = await gpg.encrypt(crlf(signed), { recipients: [team] });
  const row = await mailIn(
    pgpMime({ From: 'Alice Central <alice@tf.example>', To: address, Subject: 'urgent' }, armored),
    'alice@tf.example',
    address,
  );
  await assertNotRelayed(reportId, row, since, /not with your key on the desk/, 'alice@tf.example');
});

test("unsigned mail in the member's name, and a signature that does not verify, are not relayed", async () => {
  const { reportId, address } = await newCase();
  let since = sink.received.length;
  const plain = crlf(
    `From: Alice Central <alice@tf.example>\nTo: ${address}\nSubject: plain\nMIME-Version: 1.0\nContent-Type: text/plain\n\nClose this, it is not a bug.\n`,
  );
  let row = await mailIn(new TextEncoder().encode(plain), 'alice@tf.example', address);
  await assertNotRelayed(reportId, row, since, /not signed/, 'alice@tf.example');

  const second = await newCase();
  since = sink.received.length;
  const signed = await signedEntity(gpg, 'Content-Type: text/plain\n\nThe original words.\n', aliceKey.fingerprint);
  const tampered = signed.replace('original', 'tampered');
  const armored = await gpg.encrypt(crlf(tampered), { recipients: [team] });
  row = await mailIn(
    pgpMime({ From: 'Alice Central <alice@tf.example>', To: second.address, Subject: 'tampered' }, armored),
    'alice@tf.example',
    second.address,
  );
  await assertNotRelayed(second.reportId, row, since, /does not verify/, 'alice@tf.example');
});

test("a desk member without access to the case, signing with their own key, is not relayed and is told without the case's name", async () => {
  const { reportId, address } = await newCase();
  const since = sink.received.length;
  const signed = await signedEntity(gpg, 'Content-Type: text/plain\n\nHello from someone not on this case.\n', olgaKey.fingerprint);
  const armored = await gpg.encrypt(crlf(signed), { recipients: [team] });
  const row = await mailIn(
    pgpMime({ From: 'Olga Outsider <olga@tf.example>', To: address, Subject: 'hi' }, armored),
    'olga@tf.example',
    address,
  );
  await assertNotRelayed(reportId, row, since, /do not have access/, 'olga@tf.example');
  const notice = await h.app.db.query<{ envelope_sealed: string; id: string; report_id: string | null }>(
    `SELECT id, envelope_sealed, report_id FROM outbox WHERE template_id = 'relay.not_relayed' ORDER BY seq DESC LIMIT 1`,
  );
  const env = h.app.sealer.openJson<{ body: string }>(notice.rows[0]!.envelope_sealed, `outbox.envelope:${notice.rows[0]!.id}`);
  assert.equal(notice.rows[0]!.report_id, null);
  assert.match(env.body, /reply address of a case/);
  assert.ok(!env.body.includes(sampleReport.title));
});

test("Mutt (gpgme) signs and encrypts in one pass over an LF entity to the reporter address, asking for no key: relayed, and the member's signature verifies in the reporter's GnuPG", {
  skip: skipWithoutMutt,
}, async () => {
  const { reportId, address, copyId } = await newCase();
  // Alice has certified the team key (a member's keyring after the key-signing), so Mutt trusts it.
  await gpg.run(['--quick-lsign-key', team]);
  const sent = await muttSend({
    gnupgHome: gpg.home,
    from: 'Alice Central <alice@tf.example>',
    to: [address],
    subject: 'Re: your report',
    body: 'Hello Rita,\n\nwe reproduced the overflow; the fix lands in v2.12.\n\nAlice\n',
    signAs: aliceKey.fingerprint,
    // Mutt finds the team key by the address (a user ID of it): no crypt-hook, no keyID prompt.
    headers: { 'In-Reply-To': `<${copyId}>`, References: `<${copyId}>` },
  });
  assert.ok(sent.raw, `Mutt sent nothing: ${sent.events.join(', ')}\n${sent.screen}`);
  // What Mutt made: one OpenPGP message, signed and encrypted in one pass, over an entity with LF line ends.
  const made = await openpgp.decrypt({
    message: await openpgp.readMessage({
      armoredMessage: /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(sent.raw.toString('latin1'))![0],
    }),
    decryptionKeys: await allTeamKeys(h.app),
    verificationKeys: [await openpgp.readKey({ armoredKey: aliceKey.publicArmored })],
    format: 'binary',
  });
  const entity = Buffer.from(made.data as Uint8Array).toString('latin1');
  assert.ok(entity.includes('\n') && !entity.includes('\r\n'), 'LF line ends only');
  assert.equal(made.signatures.length, 1);
  await made.signatures[0]!.verified;
  const row = await mailIn(new Uint8Array(sent.raw), 'alice@tf.example', address);
  assert.deepEqual([row.status, row.outcome, row.signer_person_id], ['done', 'member_relayed', alice.personId], row.error ?? '');
  const copies = await deliveredTo('rita@research.example', sink.received.length);
  assert.equal(copies.length, 1);
  assert.ok(!copies[0]!.raw.toString('latin1').includes('reproduced'), 'nothing readable outside the encryption');
  const opened = await openRelayed(gpg, copies[0]!);
  assert.equal(opened.signer, aliceKey.fingerprint, "GnuPG's VALIDSIG is the member's key");
  assert.match(opened.text, /the fix lands in v2\.12/);
  assert.equal((await thread(reportId)).at(-1)!.kind, 'to_reporter');
});

test("gpg -es over an entity with LF line ends (binary signature over the bytes as written) is relayed with the member's signature", async () => {
  const { address } = await newCase();
  const armored = await gpg.encrypt(CONTENT, { recipients: [team], signWith: aliceKey.fingerprint });
  const raw = pgpMime({ From: 'Alice Central <alice@tf.example>', To: address, Subject: 'Re: your report' }, armored);
  const row = await mailIn(raw, 'alice@tf.example', address);
  assert.equal(row.outcome, 'member_relayed', row.error ?? '');
  const copies = await deliveredTo('rita@research.example', sink.received.length);
  assert.equal(copies.length, 1);
  const opened = await openRelayed(gpg, copies[0]!);
  assert.equal(opened.signer, aliceKey.fingerprint);
  // Exactly what Alice signed, LF line ends and all.
  assert.ok(opened.inner.equals(Buffer.from(CONTENT, 'utf8')));
});

test("Reply in Mutt on the team's copy goes to the team (a note), never to the reporter; the copy says how to reach the reporter", {
  skip: skipWithoutMutt,
}, async () => {
  const { reportId } = await newCase();
  await gpg.run(['--quick-lsign-key', team]);
  const since = sink.received.length;
  await runDeliveryPass(h.app);
  const copy = sink.received.slice(since).find((m) => m.rcptTo.includes('alice@tf.example') && m.messageId === latestCopyId);
  assert.ok(copy, "Alice's copy of the note");
  const replyTo = headerValue(copy.raw, 'Reply-To');
  assert.equal(replyTo, ALIAS, 'Reply goes to the alias');
  const inside = await gpg.decrypt(/-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(copy.raw.toString('latin1'))![0]);
  const text = Buffer.from(parseEntity(new Uint8Array(inside.stdout), DEFAULT_MIME_LIMITS, []).decodedBody()).toString('utf8');
  assert.match(text, /Reply to this mail goes to the team only/);
  assert.match(text, /address it to security\+reporter@lists\.trustedfirmware\.org/);
  const sent = await muttSend({
    gnupgHome: gpg.home,
    from: 'Alice Central <alice@tf.example>',
    to: [replyTo!],
    subject: 'Re: note',
    body: 'Between us: I think the reporter overstates the impact.\n',
    signAs: aliceKey.fingerprint,
    headers: { 'In-Reply-To': `<${latestCopyId}>`, References: `<${latestCopyId}>` },
  });
  assert.ok(sent.raw, `Mutt sent nothing: ${sent.events.join(', ')}`);
  const before = sink.received.length;
  const row = await mailIn(new Uint8Array(sent.raw), 'alice@tf.example', replyTo!);
  assert.deepEqual([row.status, row.outcome], ['done', 'member_reply'], row.error ?? '');
  const last = (await thread(reportId)).at(-1)!;
  assert.equal(last.kind, 'note');
  assert.match(last.body, /overstates the impact/);
  assert.equal((await deliveredTo('rita@research.example', before)).length, 0, 'nothing to the reporter');
});
