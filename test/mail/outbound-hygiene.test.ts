import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALIAS, count, deliver, plainMail, startMailDesk, type MailDesk } from '../inbound/support.ts';
import { pgpMime } from './pgp-support.ts';
import { api } from '../support/harness.ts';
import { startSmtpSink, headerValue, type SmtpSink, type SinkMessage } from '../support/smtp-sink.ts';
import { startGpg, type GpgPeer } from '../support/gpg.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { recordOfferedKey } from '../../src/app/keys/keys.ts';
import { reporterAddressOf } from '../../src/app/inbound/threading.ts';
import { parseMessage } from '../../src/mail/mime.ts';
import { DEFAULT_MIME_LIMITS } from '../../src/mail/types.ts';
import { LOOP_HEADER, loopMarker } from '../../src/mail/inbound-hygiene.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import type { Ctx } from '../../src/app/context.ts';

// Outbound hygiene end to end, with what the delivery job really sent to an SMTP server on loopback:
// - every copy carries the desk's X-Loop marker, and a copy fed back into the inbound pipeline is a
//   loop (never answered, never a report), even after a forwarder rewrote its From;
// - Auto-Submitted comes from what the queueing code said the mail is (RFC 3834): auto-replied for
//   the answer to undecryptable mail and the relay's "not relayed" notice, auto-generated for fan-out;
// - the answer to undecryptable mail quotes nothing of it, carries the team key as an
//   application/pgp-keys attachment (GnuPG imports it), goes in clear to a sender without a key even
//   though the TF profile refuses mail in clear, encrypted to a sender's confirmed key, at most once a
//   day per sender, and never to list mail.

const DOMAIN = 'desk.example.org';
const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'test' };
let d: MailDesk;
let sink: SmtpSink;

before(async () => {
  d = await startMailDesk();
  sink = await startSmtpSink();
  await setSmtpRelay(d.admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: `bounces@${DOMAIN}` });
});
after(async () => {
  await sink?.close();
  await d?.close();
});

function copiesTo(address: string): SinkMessage[] {
  return sink.received.filter((m) => m.rcptTo.includes(address));
}

/** What a GnuPG keyring holds after importing the armored text: the primary fingerprints. */
async function fingerprintsImportedBy(armored: string): Promise<string[]> {
  const peer: GpgPeer = await startGpg();
  try {
    await peer.importKey(armored);
    const exported = await peer.exportPublic(d.team.fingerprint);
    return exported.includes('BEGIN PGP PUBLIC KEY BLOCK') ? [d.team.fingerprint] : [];
  } finally {
    await peer.close();
  }
}

async function undecryptableFrom(from: string, secretSubject: string, secretBody: string, extra: Record<string, string> = {}) {
  const stranger = await d.gpg.generateKey(`Someone Else <else-${crypto.randomUUID().slice(0, 8)}@elsewhere.example>`, {
    algorithm: 'ed25519',
  });
  const armored = await d.gpg.encrypt(`Content-Type: text/plain\r\n\r\n${secretBody}\r\n`, { recipients: [stranger.fingerprint] });
  const messageId = `${crypto.randomUUID()}@research.example`;
  const raw = pgpMime({ From: from, To: ALIAS, Subject: secretSubject, 'Message-ID': `<${messageId}>`, ...extra }, armored);
  const r = await deliver(d.h, raw, { from: /<([^>]+)>/.exec(from)?.[1] ?? from });
  return { ...r, messageId };
}

test('the answer to undecryptable mail: auto-replied, X-Loop, in clear despite unencryptedMail: refuse, quoting nothing, the team key attached; fed back it is a loop', async () => {
  const secretSubject = 'Heap overflow in the SPM mailbox';
  const r = await undecryptableFrom('Nora Newcomer <nora@research.example>', secretSubject, 'the secret details');
  assert.equal(r.row.outcome, 'new_report');
  assert.equal(r.row.encryption, 'undecryptable');
  const pass = await runDeliveryPass(d.h.app);
  assert.equal(pass.failed, 0, 'the answer is not refused by the profile: it holds nothing secret');
  const [reply] = copiesTo('nora@research.example');
  assert.ok(reply, 'the answer reached the sender');
  const raw = reply.raw.toString('latin1');

  assert.equal(headerValue(reply.raw, 'Auto-Submitted'), 'auto-replied');
  assert.equal(headerValue(reply.raw, LOOP_HEADER), loopMarker(DOMAIN));
  assert.equal(headerValue(reply.raw, 'In-Reply-To'), `<${r.messageId}>`);
  assert.doesNotMatch(raw, /Heap overflow|SPM mailbox|secret details/, 'nothing of the undecryptable mail is quoted');
  assert.doesNotMatch(headerValue(reply.raw, 'Content-Type') ?? '', /multipart\/encrypted/, 'in clear: the sender has no key');

  const parsed = parseMessage(new Uint8Array(reply.raw), DEFAULT_MIME_LIMITS);
  assert.match(parsed.text ?? '', new RegExp(d.team.fingerprint));
  assert.doesNotMatch(parsed.text ?? '', /BEGIN PGP PUBLIC KEY BLOCK/, 'the key is attached, not pasted into the text');
  const keys = parsed.attachments.filter((a) => a.contentType === 'application/pgp-keys');
  assert.equal(keys.length, 1, `one application/pgp-keys attachment: ${parsed.attachments.map((a) => a.contentType).join(', ')}`);
  assert.deepEqual(await fingerprintsImportedBy(Buffer.from(keys[0]!.bytes).toString('utf8')), [d.team.fingerprint]);

  // The copy comes back (a misrouted alias, a forward): recognised by its X-Loop marker.
  const reports = await count(d.h, 'SELECT count(*) AS n FROM reports');
  const outbox = await count(d.h, 'SELECT count(*) AS n FROM outbox');
  const back = await deliver(d.h, reply.raw, { from: 'nora@research.example' });
  assert.equal(back.row.outcome, 'loop');
  assert.match(back.row.error ?? '', /X-Loop/);
  // A forwarder that rewrote From and dropped Auto-Submitted: only the X-Loop marker says it is ours.
  const head = raw.slice(0, raw.search(/\r\n\r\n/));
  const forwardedHead = head
    .replace(/^From:.*(\r\n[ \t].*)*/im, 'From: Forwarder <fwd@forwarder.example>')
    .replace(/^Auto-Submitted:.*\r\n/im, '')
    .replace(/^Message-ID:.*/im, `Message-ID: <${crypto.randomUUID()}@forwarder.example>`);
  const forwarded = await deliver(d.h, Buffer.from(forwardedHead + raw.slice(head.length), 'latin1'), { from: 'fwd@forwarder.example' });
  assert.equal(forwarded.row.outcome, 'loop');
  assert.match(forwarded.row.error ?? '', /X-Loop/);
  assert.equal(await count(d.h, 'SELECT count(*) AS n FROM reports'), reports, 'no report opened');
  assert.equal(await count(d.h, 'SELECT count(*) AS n FROM outbox'), outbox, 'nothing answered');

  // Every copy the job sent carries the marker: the team's fan-out copies too, marked auto-generated.
  assert.ok(sink.received.length >= 2);
  for (const m of sink.received) assert.equal(headerValue(m.raw, LOOP_HEADER), loopMarker(DOMAIN));
  const fanOut = copiesTo('tess@tf.example');
  assert.ok(fanOut.length >= 1);
  for (const m of fanOut) assert.equal(headerValue(m.raw, 'Auto-Submitted'), 'auto-generated');

  // A second undecryptable message from the same sender the same day: kept, not answered again.
  const before = copiesTo('nora@research.example').length;
  const again = await undecryptableFrom('Nora Newcomer <nora@research.example>', 'Once more', 'still secret');
  assert.equal(again.row.encryption, 'undecryptable');
  await runDeliveryPass(d.h.app);
  assert.equal(copiesTo('nora@research.example').length, before);
});

test("the answer to undecryptable mail is encrypted to the sender's confirmed key, the team key attached inside", async () => {
  // Rita's key is on file and confirmed (first a report that offers it, then a member confirms it).
  const first = await deliver(d.h, plainMail({}, 'A first report in clear, long enough to open a report.'));
  const reportId = first.row.report_id!;
  const offered = await d.h.app.db.transaction((tx) =>
    recordOfferedKey({ app: d.h.app, principal: SYSTEM }, tx, d.h.clock.now, {
      email: 'rita@research.example',
      armored: d.reporterKey.publicArmored,
      source: 'attachment',
      reportId,
    }),
  );
  assert.ok(offered.stored);
  const confirmed = await api(d.h, 'POST', `/api/keys/${offered.stored ? offered.keyId : ''}/confirm`, { as: d.triager });
  assert.equal(confirmed.status, 200, confirmed.body);

  const r = await undecryptableFrom('Rita Reporter <rita@research.example>', 'Encrypted to an old key', 'secret');
  assert.equal(r.row.encryption, 'undecryptable');
  await runDeliveryPass(d.h.app);
  const reply = copiesTo('rita@research.example').find((m) => headerValue(m.raw, 'In-Reply-To') === `<${r.messageId}>`);
  assert.ok(reply, 'the answer reached Rita');
  assert.equal(headerValue(reply.raw, 'Auto-Submitted'), 'auto-replied');
  assert.match(headerValue(reply.raw, 'Content-Type') ?? '', /multipart\/encrypted/);
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(reply.raw.toString('latin1'))![0];
  const dec = await d.gpg.decrypt(armored);
  assert.equal(dec.code, 0, dec.stderr);
  const inner = parseMessage(new Uint8Array(Buffer.concat([Buffer.from('MIME-Version: 1.0\r\n'), dec.stdout])), DEFAULT_MIME_LIMITS);
  const keys = inner.attachments.filter((a) => a.contentType === 'application/pgp-keys');
  assert.equal(keys.length, 1);
  assert.deepEqual(await fingerprintsImportedBy(Buffer.from(keys[0]!.bytes).toString('utf8')), [d.team.fingerprint]);
});

test('no answer to undecryptable list mail (List-Post alone), nor to an auto-reply', async () => {
  const outbox = await count(d.h, 'SELECT count(*) AS n FROM outbox');
  let r = await undecryptableFrom('List Member <member@list.example>', 'x', 'y', { 'List-Post': '<mailto:list@list.example>' });
  assert.equal(r.row.outcome, 'auto_reply');
  r = await undecryptableFrom('Away <away@research.example>', 'x', 'y', { 'Auto-Submitted': 'auto-replied' });
  assert.equal(r.row.outcome, 'auto_reply');
  assert.equal(await count(d.h, 'SELECT count(*) AS n FROM outbox'), outbox);
});

test('the relay\'s "not relayed" notice is auto-replied, answers the member\'s mail, and carries X-Loop', async () => {
  const reportMessageId = `${crypto.randomUUID()}@research.example`;
  const first = await deliver(
    d.h,
    plainMail(
      { from: 'Rita Reporter <rita@research.example>', subject: 'Another report', messageId: reportMessageId },
      'Another report in clear, long enough to open a report.',
    ),
  );
  assert.ok(first.row.report_id, first.row.error ?? '');
  const to = reporterAddressOf(ALIAS);
  const messageId = `${crypto.randomUUID()}@tf.example`;
  // Tess answers the reporter's mail at the reporter address without signing: not relayed, and she is told why.
  const r = await deliver(
    d.h,
    plainMail(
      {
        from: 'Tess Triager <tess@tf.example>',
        to,
        subject: 'Unsigned answer',
        messageId,
        extra: { 'In-Reply-To': `<${reportMessageId}>` },
      },
      'We will fix it next week.',
    ),
    { from: 'tess@tf.example', to: [to] },
  );
  assert.equal(r.row.outcome, 'member_not_relayed');
  await runDeliveryPass(d.h.app);
  const notice = copiesTo('tess@tf.example').find((m) => headerValue(m.raw, 'In-Reply-To') === `<${messageId}>`);
  assert.ok(notice, 'the notice reached Tess');
  assert.equal(headerValue(notice.raw, 'Auto-Submitted'), 'auto-replied');
  assert.equal(headerValue(notice.raw, LOOP_HEADER), loopMarker(DOMAIN));
});
