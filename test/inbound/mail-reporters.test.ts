import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALIAS, acceptReport, casePage, plainMail, sendWithNodemailer, startMailDesk, type MailDesk } from './support.ts';
import { crlf, pgpMime } from '../mail/pgp-support.ts';
import { api, sampleReport } from '../support/harness.ts';
import { headerValue, startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.ts';
import { validSigPrimary } from '../support/gpg.ts';
import { startSmtpListener, type SmtpListener } from '../../src/listeners/smtp.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { confirmKey, recordOfferedKey } from '../../src/app/keys/keys.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { createAdvisory, saveAdvisory, advisoryView } from '../../src/app/advisories/advisories.ts';

// Reporters who write to the desk by mail, over a real SMTP connection into the listener, with GnuPG
// as their mail client, on the Trusted Firmware profile (mail in clear to reporters refused):
// - with a confirmed key: the automatic receipt reaches them encrypted, with their status link;
// - in clear without a key: a notice without content says how to get answers (send a key, use the
//   web form); the receipt and the holding response are held, and the list's copy says so; once the
//   key they then send is confirmed, both reach them encrypted, the status link with them;
// - the credit the team records for them from their mail is kept, and they can set it themselves.

const DESK = 'https://desk.example.org';
let d: MailDesk;
let smtp: SmtpListener;
let sink: SmtpSink;

before(async () => {
  d = await startMailDesk({ publicUrl: DESK });
  smtp = await startSmtpListener(d.h.app, { host: '127.0.0.1', port: 0, maxBytes: 1024 * 1024, aliases: [] });
  sink = await startSmtpSink();
  await setSmtpRelay(d.admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
});
after(async () => {
  await smtp?.close();
  await sink?.close();
  await d?.close();
});

/** A message in over SMTP (nodemailer as the client), then the intake and delivery jobs; the copies the desk sent. */
async function mailIn(raw: string | Uint8Array, from: string): Promise<{ reportId: string; sent: SinkMessage[] }> {
  const before = sink.received.length;
  await sendWithNodemailer(smtp.port, {
    from,
    to: [ALIAS],
    raw: typeof raw === 'string' ? raw.replace(/\r?\n/g, '\r\n') : Buffer.from(raw),
  });
  const pass = await runIntakePass(d.h.app, { leaseMs: 60_000 });
  assert.equal(pass.processed, 1);
  const row = await d.h.app.db.query<{ report_id: string; error: string | null }>(
    'SELECT report_id, error FROM mail_inbox ORDER BY received_at DESC, id DESC LIMIT 1',
  );
  assert.ok(row.rows[0]?.report_id, row.rows[0]?.error ?? 'no report');
  await runDeliveryPass(d.h.app);
  return { reportId: row.rows[0]!.report_id, sent: sink.received.slice(before) };
}

async function deliver(): Promise<SinkMessage[]> {
  const before = sink.received.length;
  await runDeliveryPass(d.h.app);
  return sink.received.slice(before);
}

const to = (sent: SinkMessage[], address: string) => sent.filter((m) => m.rcptTo.includes(address));

function decodeQp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Decrypts a PGP/MIME copy with the GnuPG home that holds the reporter's and the triager's keys; checks the team signed it. */
async function decrypted(m: SinkMessage): Promise<string> {
  assert.match(headerValue(m.raw, 'Content-Type') ?? '', /multipart\/encrypted/i);
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(m.raw.toString('latin1'));
  assert.ok(armored);
  const r = await d.gpg.decrypt(armored[0]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(validSigPrimary(r.status), d.team.fingerprint);
  return decodeQp(r.stdout.toString('latin1'));
}

const statusLinkIn = (text: string) => new RegExp(`${DESK.replace(/\./g, '\\.')}/status/(rpt_[A-Za-z0-9_-]+)`).exec(text)?.[1] ?? null;

async function statusPage(token: string) {
  return d.h.server.inject({ method: 'GET', url: `/status/${token}` });
}

async function deliveryRows(reportId: string, recipient: string) {
  const r = await d.h.app.db.query<{ template_id: string | null; status: string; mode: string | null; held_for_key: boolean }>(
    `SELECT o.template_id, d.status, d.mode, d.held_for_key FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
      WHERE d.report_id = $1 AND d.recipient_index = $2 ORDER BY o.seq`,
    [reportId, d.h.app.blind.of('email', recipient)],
  );
  return r.rows;
}

/** A reporter's key confirmed by the triager, as after a fingerprint check with them. */
async function confirmedReporterKey(email: string, armored: string, reportId: string) {
  const offered = await d.h.app.db.transaction((tx) =>
    recordOfferedKey({ app: d.h.app, principal: { kind: 'system', label: 'test' } }, tx, d.h.clock.now, {
      email,
      armored,
      source: 'attachment',
      reportId,
    }),
  );
  assert.ok(offered.stored);
  await confirmKey(d.triager.ctx, offered.keyId);
}

test('a reporter with a confirmed key who mails an encrypted report gets the receipt encrypted, with a status link that works', async () => {
  const { gpg, team, reporterKey } = d;
  // Rita's key was confirmed on an earlier report.
  const earlier = await submitReport(d.admin.ctx, 'web', sampleReport);
  await confirmedReporterKey('rita@research.example', reporterKey.publicArmored, earlier.reportId);
  await deliver();

  const inner = crlf('Content-Type: text/plain; charset=utf-8\n\nThe SMC handler of BL31 trusts a length from the normal world.\n');
  const armored = await gpg.encrypt(inner, { recipients: [team.fingerprint], signWith: reporterKey.fingerprint });
  const raw = pgpMime(
    {
      From: 'Rita Reporter <rita@research.example>',
      To: ALIAS,
      Subject: 'BL31 SMC length',
      'Message-ID': '<encrypted-report@research.example>',
      Date: 'Mon, 23 Nov 2026 09:00:00 +0000',
    },
    armored,
  );
  const { reportId, sent } = await mailIn(raw, 'rita@research.example');
  const mine = to(sent, 'rita@research.example');
  assert.equal(mine.length, 1, 'one mail to the reporter: the receipt');
  assert.equal(headerValue(mine[0]!.raw, 'In-Reply-To'), '<encrypted-report@research.example>');
  const text = await decrypted(mine[0]!);
  assert.match(text, /report received/);
  assert.match(text, /triage your report within 3 working days/);
  const token = statusLinkIn(text);
  assert.ok(token, `the receipt carries the status link: ${text}`);
  const page = await statusPage(token);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /BL31 SMC length/);

  // The list's copy of the receipt (cc security@, as the copy rules say) never carries the reporter's link.
  const tess = to(sent, 'tess@tf.example').filter((m) => /multipart\/encrypted/.test(headerValue(m.raw, 'Content-Type') ?? ''));
  assert.ok(tess.length >= 1);
  for (const m of tess) assert.equal(statusLinkIn(await decrypted(m)), null);
  assert.deepEqual(
    (await deliveryRows(reportId, 'rita@research.example')).map((r) => [r.template_id, r.status, r.mode]),
    [['acknowledgment', 'sent', 'encrypted']],
  );
});

test('an imported report and a web report whose reporter has a confirmed key get the receipt encrypted; only the imported one carries the link', async () => {
  const imported = await submitReport(d.admin.ctx, 'import', { ...sampleReport, title: 'Imported from the old tracker' });
  const web = await submitReport(d.admin.ctx, 'web', { ...sampleReport, title: 'From the web form' });
  const sent = await deliver();
  const mine = to(sent, 'rita@research.example');
  assert.equal(mine.length, 2);
  const texts = await Promise.all(mine.map(decrypted));
  const links = texts.map(statusLinkIn).filter((t): t is string => t !== null);
  assert.equal(links.length, 1, 'the web reporter saw their link on the page; the imported one gets it by mail');
  assert.match((await statusPage(links[0]!)).body, /Imported from the old tracker/);
  for (const id of [imported.reportId, web.reportId]) {
    assert.deepEqual(
      (await deliveryRows(id, 'rita@research.example')).map((r) => [r.template_id, r.status, r.mode]),
      [['acknowledgment', 'sent', 'encrypted']],
    );
  }
});

test('a reporter who mails in clear without a key: a notice without content, answers held and the list told so; the key they send, once confirmed, releases everything encrypted', async () => {
  const { h, gpg } = d;
  const other = await gpg.generateKey('Nora Nokey <nora@elsewhere.example>', { algorithm: 'ed25519' });
  h.clock.set(new Date(Date.now() + 60_000).toISOString());
  const report = plainMail(
    { from: 'Nora Nokey <nora@elsewhere.example>', subject: 'Secret TF-M attestation bypass', messageId: 'nora-1@elsewhere.example' },
    'The initial attestation service signs a token over an unchecked challenge size: a bypass.',
  );
  const { reportId, sent } = await mailIn(report, 'nora@elsewhere.example');

  // 1. The notice: in clear, automatic, threaded on her mail, and free of anything of the report.
  const mine = to(sent, 'nora@elsewhere.example');
  assert.equal(mine.length, 1, 'exactly one mail reaches her: the notice');
  const notice = mine[0]!;
  const noticeText = decodeQp(notice.raw.toString('latin1'));
  assert.doesNotMatch(headerValue(notice.raw, 'Content-Type') ?? '', /encrypted/);
  assert.equal(headerValue(notice.raw, 'Auto-Submitted'), 'auto-replied');
  assert.equal(headerValue(notice.raw, 'In-Reply-To'), '<nora-1@elsewhere.example>');
  for (const secret of ['Secret TF-M', 'attestation', 'challenge', 'Nora Nokey', '/status/', 'rpt_']) {
    assert.ok(!noticeText.includes(secret), `the notice carries nothing of the report nor a usable link (${secret})`);
  }
  assert.match(noticeText, /public key/i, 'it says how to get answers encrypted: send a key');
  assert.ok(noticeText.includes(`${DESK}/report`), 'or use the web form');
  assert.match(noticeText, new RegExp(d.team.fingerprint), "and carries the team's key to encrypt to");
  assert.match(noticeText, /application\/pgp-keys/);
  // The receipt is held, not lost.
  assert.deepEqual(
    (await deliveryRows(reportId, 'nora@elsewhere.example')).map((r) => [r.template_id, r.status, r.held_for_key]),
    [
      ['acknowledgment', 'failed', true],
      ['reporter.notice', 'sent', false],
    ],
  );

  // 2. The reply form tells the truth before anyone writes.
  const page = await casePage(h, d.triager, reportId);
  const note = /id="reply-mail-note">([^<]*)</.exec(page)?.[1] ?? '';
  assert.match(note, /Not mailed/);
  assert.match(note, /held/);
  assert.match(note, /notice without its content/);
  assert.doesNotMatch(note, /reads it on their status page/, 'she has no status page yet');

  // 3. The holding response is held too; the list's copy says it was not sent; no second notice the same day.
  h.clock.advance(60_000);
  await acceptReport(d, reportId);
  const afterAccept = await deliver();
  assert.equal(to(afterAccept, 'nora@elsewhere.example').length, 0);
  // Tess's copies: the list's copy of the holding response, and the list told that she triages it.
  const listTexts = await Promise.all(to(afterAccept, 'tess@tf.example').map((m) => decrypted(m)));
  assert.equal(listTexts.length, 2);
  assert.ok(listTexts.some((t) => /Tess Triager will be the triager/.test(t)));
  const listText = listTexts.find((t) => /report accepted for analysis/.test(t)) ?? '';
  assert.match(listText, /report accepted for analysis/);
  assert.match(listText, /Not sent to the reporter/);
  assert.doesNotMatch(listText, /\/status\//);
  assert.deepEqual(
    (await deliveryRows(reportId, 'nora@elsewhere.example')).map((r) => [r.template_id, r.status, r.held_for_key]),
    [
      ['acknowledgment', 'failed', true],
      ['reporter.notice', 'sent', false],
      ['holding', 'failed', true],
    ],
  );

  // 4. An eavesdropper with the notice has no link to open; she sends her key in a reply (in clear, as a
  // mail client attaches it); it is a candidate until the triager confirms it.
  const replyTo = headerValue(notice.raw, 'Reply-To')!;
  const withKey = crlf(
    `From: Nora Nokey <nora@elsewhere.example>\nTo: ${replyTo}\nSubject: Re: your report\nMessage-ID: <nora-2@elsewhere.example>\n` +
      `In-Reply-To: <${notice.messageId}>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n` +
      `--b\nContent-Type: text/plain; charset=utf-8\n\nHere is my key.\n--b\nContent-Type: application/pgp-keys; name="nora.asc"\n` +
      `Content-Disposition: attachment; filename="nora.asc"\n\n${other.publicArmored}\n--b--\n`,
  );
  await sendWithNodemailer(smtp.port, { from: 'nora@elsewhere.example', to: [replyTo], raw: withKey });
  await runIntakePass(h.app, { leaseMs: 60_000 });
  assert.equal(to(await deliver(), 'nora@elsewhere.example').length, 0, 'a candidate key releases nothing');
  const candidates = await api(h, 'GET', `/api/reports/${reportId}/keys`, { as: d.triager });
  assert.equal(candidates.json.keys[0].fingerprint, other.fingerprint);
  assert.equal((await api(h, 'POST', `/api/keys/${candidates.json.keys[0].id}/confirm`, { as: d.triager })).status, 200);

  // 5. Confirmed: the held receipt and holding response go out, encrypted to her key, the status link in the receipt.
  const released = to(await deliver(), 'nora@elsewhere.example');
  assert.equal(released.length, 2);
  const texts = await Promise.all(released.map(decrypted));
  assert.ok(texts.some((t) => /report received/.test(t)));
  assert.ok(texts.some((t) => /report accepted for analysis/.test(t)));
  const token = texts.map(statusLinkIn).find((t) => t !== null);
  assert.ok(token, 'the status link reached her, encrypted');
  const status = await statusPage(token!);
  assert.equal(status.statusCode, 200);
  assert.match(status.body, /report accepted for analysis/);
  assert.deepEqual(
    (await deliveryRows(reportId, 'nora@elsewhere.example')).map((r) => [r.template_id, r.status, r.mode]),
    [
      ['acknowledgment', 'sent', 'encrypted'],
      ['reporter.notice', 'sent', 'plaintext'],
      ['holding', 'sent', 'encrypted'],
    ],
  );
  // Now the form says she reads it on her status page too.
  const later = /id="reply-mail-note">([^<]*)</.exec(await casePage(h, d.triager, reportId))?.[1] ?? '';
  assert.match(later, /Mailed encrypted/);
});

test("a mail reporter's credit, as the team records it from their mail, is kept on save; they can set it themselves", async () => {
  const { h } = d;
  const { reportId, sent } = await mailIn(
    plainMail(
      { subject: 'Credit test report', messageId: 'credit-1@research.example' },
      'Please credit me as h4x0r; the overflow is in BL1.',
    ),
    'rita@research.example',
  );
  const token = statusLinkIn(await decrypted(to(sent, 'rita@research.example')[0]!));
  assert.ok(token);
  await acceptReport(d, reportId);
  const { advisoryId } = await createAdvisory(d.triager.ctx, reportId);
  let v = await advisoryView(d.triager.ctx, advisoryId);
  // The team records the handle Rita asked for in her mail.
  const handle = [{ type: 'reporter', preference: 'alias', alias: 'h4x0r', contact: [] }];
  await saveAdvisory(d.triager.ctx, advisoryId, { document: { ...v.head.document, credits: handle } });
  v = await advisoryView(d.triager.ctx, advisoryId);
  assert.deepEqual(v.head.document.credits, handle, 'kept, not replaced by her name');
  await saveAdvisory(d.triager.ctx, advisoryId, { document: { ...v.head.document, description: 'An overflow in BL1 (edited again).' } });
  v = await advisoryView(d.triager.ctx, advisoryId);
  assert.deepEqual(v.head.document.credits, handle, 'still kept on the next save');

  // She chooses for herself on her status page: no credit by name. That wins over the team's edits.
  const form = await h.server.inject({
    method: 'POST',
    url: `/status/${token}/credit`,
    payload: 'preference=anonymous',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.statusCode, 303, form.body);
  v = await advisoryView(d.triager.ctx, advisoryId);
  assert.equal(v.head.document.credits[0]!.preference, 'anonymous');
  await saveAdvisory(d.triager.ctx, advisoryId, { document: { ...v.head.document, credits: handle } });
  v = await advisoryView(d.triager.ctx, advisoryId);
  assert.equal(v.head.document.credits[0]!.preference, 'anonymous', "the reporter's own choice stands");
});

test('a web reporter without a key gets no receipt held (they were shown their link); an imported report without an address queues nothing', async () => {
  const web = await submitReport(d.admin.ctx, 'web', {
    ...sampleReport,
    reporter: { ...sampleReport.reporter, email: 'wendy@web.example' },
  });
  const imported = await submitReport(d.admin.ctx, 'import', { ...sampleReport, reporter: { ...sampleReport.reporter, email: null } });
  await deliver();
  assert.deepEqual(await deliveryRows(web.reportId, 'wendy@web.example'), []);
  const r = await d.h.app.db.query('SELECT 1 FROM deliveries WHERE report_id = $1 AND recipient_kind = $2', [
    imported.reportId,
    'external',
  ]);
  assert.equal(r.rows.length, 0);
});
