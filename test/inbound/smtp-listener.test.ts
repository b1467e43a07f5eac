import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { ALIAS, count, inboxRow, plainMail, sendWithNodemailer, startMailDesk, type MailDesk } from './support.ts';
import { startSmtpListener, type SmtpListener } from '../../src/listeners/smtp.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { caseView } from '../../src/app/cases/queries.ts';
import { skipWithoutSwaks } from '../support/tools.ts';

// Mail in over a real SMTP connection on loopback, from two SMTP clients nobody on the team wrote:
// swaks (Debian) and nodemailer.

const run = promisify(execFile);
const SWAKS = '/usr/bin/swaks';
const MAX = 1024 * 1024;

let d: MailDesk;
let smtp: SmtpListener;
before(async () => {
  d = await startMailDesk({ mailMaxBytes: MAX });
  smtp = await startSmtpListener(d.h.app, { host: '127.0.0.1', port: 0, maxBytes: MAX, aliases: [] });
});
after(async () => {
  await smtp?.close();
  await d?.close();
});

async function swaks(args: string[], port = smtp.port) {
  if (!existsSync(SWAKS)) throw new Error('swaks is not installed (Debian package swaks)');
  try {
    const r = await run(SWAKS, ['--server', '127.0.0.1', '--port', String(port), '--hide-informational', ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: r.stdout };
  } catch (e) {
    const x = e as { code: number; stdout: string };
    return { code: x.code, out: x.stdout };
  }
}

const inboxCount = () => count(d.h, 'SELECT count(*) AS n FROM mail_inbox');

test('swaks: a report to the alias gets 250 after it is stored and becomes a report', { skip: skipWithoutSwaks }, async () => {
  const before = await inboxCount();
  const r = await swaks([
    '--from',
    'rita@research.example',
    '--to',
    ALIAS,
    '--header',
    'Subject: Overflow via swaks',
    '--body',
    'A report sent with swaks over SMTP on loopback.',
  ]);
  assert.equal(r.code, 0, r.out);
  const m = /250 .*Stored as ([0-9a-f-]{36})/.exec(r.out);
  assert.ok(m, r.out);
  assert.equal(await inboxCount(), before + 1);
  await runIntakePass(d.h.app, { leaseMs: 60_000 });
  const row = await inboxRow(d.h, m[1]!);
  assert.equal(row.outcome, 'new_report');
  assert.equal((await caseView(d.triager.ctx, row.report_id!)).title, 'Overflow via swaks');
});

test('swaks: any other recipient gets 550 and nothing is stored; alias+token is accepted', { skip: skipWithoutSwaks }, async () => {
  const before = await inboxCount();
  let r = await swaks(['--from', 'x@evil.example', '--to', 'someone@elsewhere.example', '--body', 'relay me']);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /550 .*No such mailbox/);
  r = await swaks(['--from', 'x@evil.example', '--to', 'other@lists.trustedfirmware.org', '--body', 'not an alias']);
  assert.match(r.out, /550 /);
  // The alias+token form of the alias is accepted at RCPT (the pipeline checks the token).
  r = await swaks(['--from', 'rita@research.example', '--to', 'SECURITY+abc123@lists.trustedfirmware.org', '--body', 'to a reply address']);
  assert.equal(r.code, 0, r.out);
  assert.equal(await inboxCount(), before + 1);
});

test('nodemailer: a message with an attachment; a 30 MB attachment gets 552, nothing of it is stored, the listener keeps working', async () => {
  const before = await inboxCount();
  const sent = await sendWithNodemailer(smtp.port, {
    from: 'rita@research.example',
    to: [ALIAS],
    subject: 'With a proof of concept',
    text: 'See the attached file.',
    attachments: [{ filename: 'poc.bin', content: Buffer.from([0, 1, 2, 3, 255]) }],
  });
  assert.match(sent.response, /^250 /);
  assert.equal(await inboxCount(), before + 1);
  await runIntakePass(d.h.app, { leaseMs: 60_000 });

  const huge = Buffer.alloc(30 * 1024 * 1024, 0x41);
  await assert.rejects(
    sendWithNodemailer(smtp.port, {
      from: 'rita@research.example',
      to: [ALIAS],
      subject: 'huge',
      text: 'too big',
      attachments: [{ filename: 'big.bin', content: huge }],
    }),
    (e: { responseCode?: number; response?: string }) => {
      assert.equal(e.responseCode, 552, String(e.response));
      return true;
    },
  );
  // Without the SIZE parameter (a client that ignores it), the data itself is cut off at the limit.
  const reply = await rawSmtp(smtp.port, 'A'.repeat(MAX + 10_000));
  assert.match(reply, /552 /);
  assert.equal(await inboxCount(), before + 1, 'nothing of the oversized messages was stored');
  // Still answering.
  const ok = await sendWithNodemailer(smtp.port, {
    from: 'rita@research.example',
    to: [ALIAS],
    raw: plainMail({ subject: 'After the big one' }),
  });
  assert.match(ok.response, /^250 /);
});

/** A bare SMTP dialogue without SIZE, sending `body` as DATA; returns the server's answer to DATA's end. */
function rawSmtp(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const steps = [
      'EHLO client.example\r\n',
      `MAIL FROM:<rita@research.example>\r\n`,
      `RCPT TO:<${ALIAS}>\r\n`,
      'DATA\r\n',
      `Subject: big\r\n\r\n${body}\r\n.\r\n`,
      'QUIT\r\n',
    ];
    let buf = '';
    let last = '';
    sock.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\r\n');
      buf = lines.pop()!;
      for (const line of lines) {
        if (/^\d{3} /.test(line)) {
          last = line;
          const next = steps.shift();
          if (next?.startsWith('Subject')) sock.write(next);
          else if (next) sock.write(next);
          if (steps.length === 0 && next === undefined) sock.end();
          if (next === 'QUIT\r\n') resolve(last);
        }
      }
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(last));
  });
}

test('STARTTLS is offered with a configured certificate, and a message sent over TLS is stored', { skip: skipWithoutSwaks }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-smtp-tls-'));
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  const tls = await startSmtpListener(d.h.app, {
    host: '127.0.0.1',
    port: 0,
    maxBytes: MAX,
    tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
  });
  try {
    const before = await inboxCount();
    const r = await swaks(
      ['--tls', '--from', 'rita@research.example', '--to', ALIAS, '--header', 'Subject: Over TLS', '--body', 'Sent after STARTTLS.'],
      tls.port,
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /STARTTLS/);
    assert.match(r.out, /250 .*Stored as/);
    assert.equal(await inboxCount(), before + 1);
    // Without a certificate, STARTTLS is not offered.
    const plain = await swaks(['--tls', '--from', 'rita@research.example', '--to', ALIAS, '--body', 'x']);
    assert.notEqual(plain.code, 0);
  } finally {
    await tls.close();
  }
});
