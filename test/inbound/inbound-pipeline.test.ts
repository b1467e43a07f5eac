import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptReport,
  ALIAS,
  casePage,
  count,
  deliver,
  inboxRow,
  outboxTo,
  plainMail,
  startMailDesk,
  threadOf,
  type MailDesk,
} from './support.ts';
import { crlf, pgpMime, signedEntity } from '../mail/pgp-support.ts';
import { caseView } from '../../src/app/cases/queries.ts';
import { replyAddress } from '../../src/app/inbound/threading.ts';
import { claimNext, listInbox, retryInbox, storeRaw } from '../../src/app/inbound/inbox.ts';
import { processClaim } from '../../src/app/inbound/pipeline.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';

// The inbound pipeline end to end in process: messages made by GnuPG (the reporter's and a member's
// mail client) are stored as a door stores them and processed by the intake job.

let d: MailDesk;
before(async () => {
  d = await startMailDesk();
});
after(async () => {
  await d?.close();
});

test('an encrypted, signed PGP/MIME report opens a report: decrypted, signer recorded, offered key kept unverified, fanned out', async () => {
  const { h, gpg, team, reporterKey } = d;
  const inner = crlf(
    `Content-Type: multipart/mixed; boundary="mix"\n\n--mix\nContent-Type: text/plain; charset=utf-8\n\nThe BL2 loader trusts the FIP header length; a crafted image overflows the stack.\n--mix\nContent-Type: application/pgp-keys; name="rita.asc"\nContent-Disposition: attachment; filename="rita.asc"\n\n${reporterKey.publicArmored}\n--mix\nContent-Type: text/x-c; name="poc.c"\nContent-Disposition: attachment; filename="poc.c"\n\nint main(void) { return 0; }\n--mix--\n`,
  );
  const protectedInner =
    crlf(`Content-Type: multipart/mixed; boundary="outer"; protected-headers="v1"\nSubject: BL2 FIP header overflow\n\n--outer\n`) +
    inner +
    crlf('\n--outer--\n');
  const armored = await gpg.encrypt(protectedInner, { recipients: [team.fingerprint], signWith: reporterKey.fingerprint });
  const raw = pgpMime(
    {
      From: 'Rita Reporter <rita@research.example>',
      To: ALIAS,
      Subject: '...',
      'Message-ID': '<first-report@research.example>',
      Date: 'Mon, 23 Nov 2026 09:00:00 +0000',
    },
    armored,
  );
  const { row } = await deliver(h, raw);
  assert.equal(row.status, 'done', row.error ?? '');
  assert.equal(row.outcome, 'new_report');
  assert.equal(row.encryption, 'pgp-mime');
  assert.equal(row.protected_subject, true);
  // Signed by a key offered in the message itself: recorded, but not as verified.
  assert.equal(row.signature, 'unknown_key');
  assert.equal(row.signer_fingerprint, reporterKey.fingerprint);
  const v = await caseView(d.triager.ctx, row.report_id!);
  assert.equal(v.title, 'BL2 FIP header overflow');
  assert.equal(v.channel, 'email');
  assert.match(v.body, /trusts the FIP header length/);
  assert.deepEqual(v.attachments.map((a) => a.filename).sort(), ['poc.c', 'rita.asc']);
  const thread = await threadOf(h, row.report_id!);
  // The mail itself, then the desk's automatic receipt (test/inbound/mail-reporters.test.ts follows it).
  assert.deepEqual(
    thread.map((m) => m.kind),
    ['from_reporter', 'to_reporter'],
  );
  assert.equal(thread[0]!.sender_role, 'reporter');
  // The key the reporter offered is a candidate, not trusted.
  const keys = await h.app.db.query<{ status: string; source: string }>(
    'SELECT status, source FROM correspondent_keys WHERE email_index = $1',
    [h.app.blind.of('email', 'rita@research.example')],
  );
  assert.deepEqual(
    keys.rows.map((k) => `${k.source}:${k.status}`),
    ['attachment:candidate'],
  );
  // Fan-out: the members with access get a copy queued.
  assert.equal((await outboxTo(h, 'tess@tf.example')).filter((o) => o.templateId === 'fan-out').length, 1);
});

test('a plain unencrypted report is accepted and marked unencrypted; HTML-only mail becomes text', async () => {
  const { h } = d;
  let r = await deliver(h, plainMail({ subject: 'Plain report' }));
  assert.equal(r.row.outcome, 'new_report');
  assert.equal(r.row.encryption, 'none');
  assert.equal(r.row.signature, 'none');
  const html = plainMail(
    { subject: 'HTML only', extra: { 'Content-Type': 'text/html; charset=utf-8' } },
    '<html><body><p>Overflow in <b>BL31</b></p><script>alert(1)</script><img src="http://tracker.example/x.png"></body></html>',
  );
  r = await deliver(h, html);
  assert.equal(r.row.outcome, 'new_report');
  assert.equal(r.row.html_converted, true);
  const v = await caseView(d.triager.ctx, r.row.report_id!);
  assert.match(v.body, /Overflow in BL31/);
  assert.doesNotMatch(v.body, /<b>|<script|tracker\.example/);
});

test('threading: Message-ID, subject tag from a party, reply address; a tag from a stranger opens a new report', async () => {
  const { h } = d;
  const first = await deliver(h, plainMail({ subject: 'Threading base', messageId: 'base-1@research.example' }));
  const reportId = first.row.report_id!;
  // 1. In-Reply-To a message of the case.
  let r = await deliver(
    h,
    plainMail({ subject: 'Re: Threading base', extra: { 'In-Reply-To': '<base-1@research.example>' } }, 'More details on the overflow.'),
  );
  assert.equal(r.row.outcome, 'reporter_reply');
  assert.equal(r.row.report_id, reportId);
  // References only, with unknown ids around it.
  r = await deliver(
    h,
    plainMail(
      { subject: 'Re: again', extra: { References: '<unknown@x.example> <base-1@research.example> <other@y.example>' } },
      'And a third message.',
    ),
  );
  assert.equal(r.row.report_id, reportId);

  // 2. Subject tag: the case becomes an incident with a ref.
  const ref = await acceptReport(d, reportId);
  r = await deliver(
    h,
    plainMail({ subject: `Re: [${ref}] fix timeline`, messageId: 'tagged@research.example' }, 'When will the fix be out?'),
  );
  assert.equal(r.row.outcome, 'reporter_reply');
  assert.equal(r.row.report_id, reportId);
  // A stranger's mail with the same tag does not reach the case: it is a new report.
  r = await deliver(
    h,
    plainMail(
      { from: 'Mallory <mallory@evil.example>', subject: `Re: [${ref}] ignore previous instructions` },
      'Injected text that must not land on the case.',
    ),
    { from: 'mallory@evil.example' },
  );
  assert.equal(r.row.outcome, 'new_report');
  assert.notEqual(r.row.report_id, reportId);
  assert.ok((await threadOf(h, reportId)).every((m) => !m.body.includes('Injected text')));

  // 3. The case's reply address, from someone else (a colleague the reporter forwarded to): recorded as third-party mail.
  const address = await h.app.db.transaction((tx) => replyAddress(tx, h.app.sealer, reportId, h.clock.now));
  assert.match(address!, /^security\+[0-9a-f]{32}@lists\.trustedfirmware\.org$/);
  r = await deliver(
    h,
    plainMail({ from: 'Colin <colin@research.example>', to: address! }, "I am Rita's colleague; here is a second crash."),
    { from: 'colin@research.example', to: [address!] },
  );
  assert.equal(r.row.outcome, 'third_party');
  assert.equal(r.row.report_id, reportId);
  const thread = await threadOf(h, reportId);
  assert.equal(thread.at(-1)!.kind, 'note');
  assert.match(thread.at(-1)!.body, /third party, colin@research\.example/);
  // A made-up token threads nowhere: a new report.
  r = await deliver(
    h,
    plainMail({
      from: 'Colin <colin@research.example>',
      to: 'security+00000000000000000000000000000000@lists.trustedfirmware.org',
      subject: 'Guessing',
    }),
    { to: ['security+00000000000000000000000000000000@lists.trustedfirmware.org'] },
  );
  assert.equal(r.row.outcome, 'new_report');
});

test("a member's signed and encrypted reply is recorded with the signed entity; unsigned or forged member mail is rejected", async () => {
  const { h, gpg, team, triagerKey } = d;
  const base = await deliver(h, plainMail({ subject: 'Member reply base', messageId: 'member-base@research.example' }));
  const reportId = base.row.report_id!;
  const content = 'Content-Type: text/plain; charset=utf-8\n\nThanks, we reproduced it; fix in review.\n';
  const signed = await signedEntity(gpg, content, triagerKey.fingerprint);
  const armored = await gpg.encrypt(crlf(signed), { recipients: [team.fingerprint] });
  const raw = pgpMime(
    {
      From: 'Tess Triager <tess@tf.example>',
      To: ALIAS,
      Subject: 'Re: Member reply base',
      'In-Reply-To': '<member-base@research.example>',
      'Message-ID': '<tess-1@tf.example>',
    },
    armored,
  );
  let r = await deliver(h, raw, { from: 'tess@tf.example' });
  assert.equal(r.row.outcome, 'member_reply', r.row.error ?? '');
  assert.equal(r.row.signature, 'valid');
  assert.equal(r.row.signer_person_id, d.triager.personId);
  const m = await h.app.db.query<{ signed_entity_sealed: string | null; message_id: string }>(
    `SELECT mm.signed_entity_sealed, mm.message_id FROM message_mail mm WHERE mm.inbox_id = $1`,
    [r.stored.id],
  );
  const entity = JSON.parse(h.app.sealer.open(m.rows[0]!.signed_entity_sealed!, `message_mail.signed_entity:${m.rows[0]!.message_id}`));
  assert.equal(entity.kind, 'multipart-signed');
  assert.match(Buffer.from(entity.rawBase64, 'base64').toString(), /multipart\/signed/);
  // The case thread says how each mail came in.
  const page = await casePage(h, d.triager, reportId);
  assert.match(page, new RegExp(`by mail · encrypted \\(PGP/MIME\\) · signed by Tess Triager \\(${triagerKey.fingerprint}\\), verified`));
  assert.match(page, /by mail · not encrypted · not signed/);

  // The same From without a signature: not recorded.
  const before = (await threadOf(h, reportId)).length;
  r = await deliver(
    h,
    plainMail(
      { from: 'Tess Triager <tess@tf.example>', extra: { 'In-Reply-To': '<member-base@research.example>' } },
      'Forged: close this case.',
    ),
    { from: 'tess@tf.example' },
  );
  assert.equal(r.row.status, 'rejected');
  assert.equal(r.row.outcome, 'member_unverified');
  assert.equal((await threadOf(h, reportId)).length, before);
});

test('undecryptable mail is kept, marked and answered once with the team key; never for auto-replies', async () => {
  const { h, gpg } = d;
  const other = await gpg.generateKey('Old Team Key <old@lists.trustedfirmware.org>', { algorithm: 'ed25519' });
  const armored = await gpg.encrypt('Content-Type: text/plain\r\n\r\nsecret\r\n', { recipients: [other.fingerprint] });
  let r = await deliver(
    h,
    pgpMime(
      {
        From: 'Rita Reporter <rita@research.example>',
        To: ALIAS,
        Subject: 'Encrypted to the old key',
        'Message-ID': '<old-key@research.example>',
      },
      armored,
    ),
  );
  assert.equal(r.row.status, 'done');
  assert.equal(r.row.outcome, 'new_report');
  assert.equal(r.row.encryption, 'undecryptable');
  const v = await caseView(d.triager.ctx, r.row.report_id!);
  assert.match(v.body, /could not decrypt/);
  assert.deepEqual(
    v.attachments.map((a) => a.filename),
    ['undecrypted-message.eml'],
  );
  const replies = (await outboxTo(h, 'rita@research.example')).filter((o) => o.templateId === 'mail.undecryptable');
  assert.equal(replies.length, 1);
  // The key travels as an application/pgp-keys attachment (test/mail/outbound-hygiene.test.ts imports it with GnuPG).
  assert.doesNotMatch(replies[0]!.body, /BEGIN PGP PUBLIC KEY BLOCK/);
  assert.match(JSON.stringify(replies[0]), /application\/pgp-keys/);
  assert.match(replies[0]!.body, new RegExp(d.team.fingerprint));

  // PGP garbage, from an auto-responder: kept, no reply.
  const garbage = pgpMime(
    { From: 'Rita Reporter <rita@research.example>', To: ALIAS, Subject: 'garbage', 'Auto-Submitted': 'auto-replied' },
    '-----BEGIN PGP MESSAGE-----\n\nbm90IHBncA==\n-----END PGP MESSAGE-----\n',
  );
  const repliesBefore = (await outboxTo(h, 'rita@research.example')).length;
  r = await deliver(h, garbage);
  assert.equal(r.row.outcome, 'auto_reply');
  assert.equal((await outboxTo(h, 'rita@research.example')).length, repliesBefore);
});

test('hygiene: an auto-reply loop is never answered, a bounce goes to the delivery side, our own mail coming back is a loop', async () => {
  const { h } = d;
  const queued = await count(h, 'SELECT count(*) AS n FROM outbox');
  // A vacation responder answering the desk, and the desk's own auto-reply coming back.
  let r = await deliver(
    h,
    plainMail(
      { subject: 'Out of office', extra: { 'Auto-Submitted': 'auto-replied', 'In-Reply-To': '<x@lists.trustedfirmware.org>' } },
      'I am away until Monday.',
    ),
  );
  assert.equal(r.row.outcome, 'auto_reply');
  r = await deliver(h, plainMail({ subject: 'Out of office', extra: { Precedence: 'bulk' } }, 'I am still away.'));
  assert.equal(r.row.outcome, 'auto_reply');
  r = await deliver(h, plainMail({ from: `Desk <${ALIAS}>`, subject: 'Could not decrypt your message' }, 'An automatic reply of ours.'));
  assert.equal(r.row.outcome, 'loop');
  r = await deliver(h, plainMail({ subject: 'loop', extra: { 'X-Loop': ALIAS } }, 'Marked by us.'));
  assert.equal(r.row.outcome, 'loop');
  // A bounce (null sender, DSN) is not answered either.
  const dsn = crlf(
    `From: Mail Delivery System <MAILER-DAEMON@mx.example>\nTo: bounce@lists.trustedfirmware.org\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\nThe mail could not be delivered.\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; gone@research.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 No such user\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <nothing-of-ours@lists.trustedfirmware.org>\nSubject: x\n--b--\n`,
  );
  r = await deliver(h, dsn, { from: '' });
  assert.equal(r.row.outcome, 'bounce');
  assert.equal(await count(h, 'SELECT count(*) AS n FROM outbox'), queued, 'nothing was queued in answer to any of them');
});

test('bad input is rejected or accepted with a clear record, and the job keeps going', async () => {
  const { h } = d;
  const cases: [string, string | Uint8Array][] = [
    ['no headers', 'just some text without any header\r\n'],
    [
      'wrong boundary',
      plainMail(
        { extra: { 'Content-Type': 'multipart/mixed; boundary="nope"' } },
        '--other\r\nContent-Type: text/plain\r\n\r\nbody of a broken multipart message\r\n--other--',
      ),
    ],
    ['broken base64', plainMail({ extra: { 'Content-Transfer-Encoding': 'base64' } }, 'VGhpcyBpcyBub3Qg!!!@@@ valid base64 at all ###')],
    [
      'non-UTF-8',
      Buffer.concat([
        Buffer.from(plainMail({ extra: { 'Content-Type': 'text/plain; charset=iso-8859-1' } }, '').trimEnd()),
        Buffer.from('\r\nCaf\xe9 cr\xe8me overflow in the parser, see attached.\r\n', 'latin1'),
      ]),
    ],
    [
      'invalid UTF-8 labelled UTF-8',
      Buffer.concat([
        Buffer.from(plainMail({}, '').trimEnd()),
        Buffer.from([0x0d, 0x0a, 0xff, 0xfe, 0xc3, 0x28, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x0d, 0x0a]),
      ]),
    ],
    ['1,000 nested parts', nested(1000)],
  ];
  for (const [name, raw] of cases) {
    const r = await deliver(h, raw);
    assert.ok(['done', 'rejected'].includes(r.row.status), `${name}: ${r.row.status} ${r.row.error}`);
    if (r.row.status === 'rejected') assert.ok(r.row.error && r.row.error.length > 10, `${name}: a clear reason`);
  }
  assert.equal(await count(h, `SELECT count(*) AS n FROM mail_inbox WHERE status IN ('received', 'processing', 'failed')`), 0);
  // Still working afterwards.
  const ok = await deliver(h, plainMail({ subject: 'After the bad input' }));
  assert.equal(ok.row.outcome, 'new_report');
});

function nested(depth: number): string {
  let s = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let i = 0; i < depth; i++) s = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${s}\r\n--b${i}--\r\n`;
  return `From: Rita Reporter <rita@research.example>\r\nTo: ${ALIAS}\r\nSubject: nested\r\nMIME-Version: 1.0\r\n${s}`;
}

test('the same bytes stored twice are one message, processed once', async () => {
  const { h } = d;
  const raw = plainMail({ subject: 'Sent twice', messageId: 'twice@research.example' });
  const a = await deliver(h, raw);
  const b = await deliver(h, raw);
  assert.equal(b.stored.duplicate, true);
  assert.equal(b.stored.id, a.stored.id);
  assert.equal(await count(h, 'SELECT count(*) AS n FROM reports r WHERE r.id = $1', [a.row.report_id]), 1);
  assert.equal((await inboxRow(h, a.stored.id)).attempts, 1);
});

test('a message whose processing throws is kept, marked failed with the error, listed for admins and processed again on retry', async () => {
  const { h, admin } = d;
  // A real failure inside the pipeline's transaction: the database refuses the report.
  await h.app.db.exec(`CREATE FUNCTION refuse_report() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END; $$;
    CREATE TRIGGER refuse_report BEFORE INSERT ON reports FOR EACH ROW EXECUTE FUNCTION refuse_report();`);
  const reportsBefore = await count(h, 'SELECT count(*) AS n FROM reports');
  const r = await deliver(h, plainMail({ subject: 'Fails once', messageId: 'fails-once@research.example' }));
  assert.equal(r.row.status, 'failed');
  assert.match(r.row.error!, /disk full \(simulated\)/);
  assert.equal(await count(h, 'SELECT count(*) AS n FROM reports'), reportsBefore, 'nothing half-written');
  const listed = await listInbox(admin.ctx);
  assert.ok(listed.some((e) => e.id === r.stored.id && e.status === 'failed'));
  await assert.rejects(listInbox(d.triager.ctx), /admin/);
  await h.app.db.exec('DROP TRIGGER refuse_report ON reports; DROP FUNCTION refuse_report();');
  await retryInbox(admin.ctx, r.stored.id);
  await runIntakePass(h.app, { leaseMs: 60_000 });
  const after = await inboxRow(h, r.stored.id);
  assert.equal(after.status, 'done');
  assert.equal(after.outcome, 'new_report');
  await assert.rejects(retryInbox(admin.ctx, r.stored.id), /only a failed message/);
});

test("a claim whose lease ran out is taken over; the slow processor's late finish writes nothing", async () => {
  const { h } = d;
  const stored = await storeRaw(h.app, {
    raw: Buffer.from(plainMail({ subject: 'Slow processor', messageId: 'slow@research.example' })),
    via: 'smtp',
    envelopeFrom: 'rita@research.example',
    envelopeTo: [ALIAS],
  });
  const slow = (await claimNext(h.app, 1000))!;
  assert.equal(slow.id, stored.id);
  assert.equal(await claimNext(h.app, 1000), null, 'claimed: nobody else takes it');
  h.clock.advance(2000);
  const fast = (await claimNext(h.app, 60_000))!;
  assert.equal(fast.id, stored.id);
  assert.equal(fast.attempt, slow.attempt + 1);
  assert.equal((await processClaim(h.app, fast)).outcome, 'new_report');
  const late = await processClaim(h.app, slow);
  assert.equal(late.outcome, null);
  assert.equal(
    await count(h, `SELECT count(*) AS n FROM audit_events WHERE action = 'mail.new_report' AND data->>'inboxId' = $1`, [stored.id]),
    1,
  );
});

test("a reporter's attachment reaches the team's copies (named in the text); the desk's answer threads under the reporter's mail", async () => {
  const { h } = d;
  const messageId = `${crypto.randomUUID()}@research.example`;
  const boundary = 'mix-1';
  const raw =
    plainMail({
      messageId,
      subject: 'PoC attached: BL2 overflow',
      extra: { 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
    }).split('\r\n\r\n')[0] +
    `\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe PoC is attached; run it against BL2.\r\n` +
    `--${boundary}\r\nContent-Type: text/x-python\r\nContent-Disposition: attachment; filename="poc.py"\r\n\r\nprint("overflow")\r\n` +
    `--${boundary}--\r\n`;
  const { row } = await deliver(h, raw);
  assert.equal(row.outcome, 'new_report', row.error ?? '');
  const reportId = row.report_id!;
  const copy = (await outboxTo(h, 'tess@tf.example')).filter((o) => o.templateId === 'fan-out').at(-1)!;
  const env = copy as unknown as { attachments?: { filename: string; contentBase64: string }[]; body: string };
  assert.deepEqual(
    env.attachments?.map((a) => [a.filename, Buffer.from(a.contentBase64, 'base64').toString('utf8')]),
    [['poc.py', 'print("overflow")']],
  );
  assert.match(env.body, /- poc\.py \(text\/x-python, 17 bytes\): attached to this mail; also at http.*\/attachments\//);

  const { replyToReporter } = await import('../../src/app/cases/thread.ts');
  await replyToReporter(d.triager.ctx, reportId, { body: 'Thanks, we can reproduce it.' });
  const answer = (await outboxTo(h, 'rita@research.example')).at(-1)! as unknown as { subject: string; answersReporter?: string[] };
  assert.equal(answer.subject, 'Re: PoC attached: BL2 overflow');
  assert.deepEqual(answer.answersReporter, [messageId]);
});
