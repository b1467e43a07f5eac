import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { ALIAS, count, plainMail, startMailDesk, type MailDesk } from './support.ts';
import { startDovecot, type Dovecot } from '../support/dovecot.ts';
import { pollImapOnce, STORED_KEYWORD, TOO_LARGE_KEYWORD, type ImapAccount } from '../../src/listeners/imap.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { skipWithoutDovecot } from '../support/tools.ts';

// The IMAP poller against a real IMAP server: Dovecot from Debian, started for this file.

let d: MailDesk;
let dovecot: Dovecot;
before(async () => {
  if (skipWithoutDovecot) return;
  d = await startMailDesk({ mailMaxBytes: 256 * 1024 });
  dovecot = await startDovecot();
});
after(async () => {
  await dovecot?.stop();
  await d?.close();
});

function account(mode: 'auto' | 'flag' = 'auto'): ImapAccount {
  return {
    host: dovecot.host,
    port: dovecot.port,
    tls: 'none',
    user: dovecot.user,
    password: dovecot.password,
    mailbox: 'INBOX',
    processedFolder: 'Embargo/Processed',
    mode,
    alias: ALIAS,
  };
}

async function imap<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

const statusOf = (path: string) =>
  imap(async (c) => {
    const s = await c.status(path, { messages: true });
    return s ? (s.messages ?? 0) : 0;
  });

test('IMAP: messages are stored, then moved to the processed folder (created), and become reports', {
  skip: skipWithoutDovecot,
}, async () => {
  await imap(async (c) => {
    await c.append('INBOX', plainMail({ subject: 'IMAP report one', messageId: 'imap-1@research.example' }));
    await c.append('INBOX', plainMail({ subject: 'IMAP report two', messageId: 'imap-2@research.example' }));
  });
  const r = await pollImapOnce(d.h.app, account());
  assert.deepEqual(r, { stored: 2, duplicates: 0, moved: 2, flagged: 0, tooLarge: 0 });
  assert.equal(await statusOf('INBOX'), 0);
  assert.equal(await statusOf('Embargo/Processed'), 2);
  const pass = await runIntakePass(d.h.app, { leaseMs: 60_000 });
  assert.deepEqual(
    pass.results.map((x) => x.outcome),
    ['new_report', 'new_report'],
  );
  // An empty poll changes nothing.
  assert.deepEqual(await pollImapOnce(d.h.app, account()), { stored: 0, duplicates: 0, moved: 0, flagged: 0, tooLarge: 0 });
});

test('IMAP: a message fetched again (after a crash before the move) is stored once', { skip: skipWithoutDovecot }, async () => {
  const raw = plainMail({ subject: 'Fetched twice', messageId: 'imap-twice@research.example' });
  await imap((c) => c.append('INBOX', raw));
  await pollImapOnce(d.h.app, account());
  // The same bytes appear again in the INBOX, as if the move had not happened.
  await imap((c) => c.append('INBOX', raw));
  const before = await count(d.h, 'SELECT count(*) AS n FROM mail_inbox');
  const r = await pollImapOnce(d.h.app, account());
  assert.equal(r.duplicates, 1);
  assert.equal(r.stored, 0);
  assert.equal(await count(d.h, 'SELECT count(*) AS n FROM mail_inbox'), before);
});

test('IMAP without moving: \\Seen plus the keyword; marked messages are not fetched again; too large ones stay unread', {
  skip: skipWithoutDovecot,
}, async () => {
  await imap(async (c) => {
    await c.append('INBOX', plainMail({ subject: 'Flag mode', messageId: 'imap-flag@research.example' }));
    await c.append('INBOX', plainMail({ subject: 'Too large', messageId: 'imap-big@research.example' }, 'x'.repeat(300 * 1024)));
  });
  const r = await pollImapOnce(d.h.app, account('flag'));
  assert.deepEqual(r, { stored: 1, duplicates: 0, moved: 0, flagged: 1, tooLarge: 1 });
  const flags = await imap(async (c) => {
    await c.mailboxOpen('INBOX');
    const out: string[][] = [];
    for await (const m of c.fetch('1:*', { flags: true })) out.push([...(m.flags ?? [])].sort());
    return out;
  });
  assert.deepEqual(flags, [[STORED_KEYWORD, '\\Seen'].sort(), [TOO_LARGE_KEYWORD]]);
  assert.deepEqual(await pollImapOnce(d.h.app, account('flag')), { stored: 0, duplicates: 0, moved: 0, flagged: 0, tooLarge: 0 });
});

test('IMAP: a wrong password or a dead server is an error for this poll, and nothing is lost', { skip: skipWithoutDovecot }, async () => {
  await imap((c) => c.append('INBOX', plainMail({ subject: 'Waiting', messageId: 'imap-wait@research.example' })));
  await assert.rejects(pollImapOnce(d.h.app, { ...account(), password: 'wrong' }));
  await assert.rejects(pollImapOnce(d.h.app, { ...account(), port: 1 }));
  const r = await pollImapOnce(d.h.app, account());
  assert.equal(r.stored, 1);
});
