import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startHarness, setupDesk, type Harness, type Member } from '../support/harness.ts';
import { startDovecot, type Dovecot } from '../support/dovecot.ts';
import { plainMail } from './support.ts';
import { removeImapAccount, saveImapAccount } from '../../src/app/delivery/settings.ts';
import { startMailIngress, type MailIngress } from '../../src/cli/mail.ts';
import { skipWithoutDovecot } from '../support/tools.ts';

// An IMAP account saved under Mail settings (not in the config file) is polled by the mail ingress
// `embargo serve` runs, without a restart: the running ingress re-reads the stored accounts, starts
// polling the new one, follows a change of its settings and stops when it is removed. Against Dovecot.

let h: Harness;
let admin: Member;
let dovecot: Dovecot;
let ingress: MailIngress;
const log: string[] = [];

before(async () => {
  if (skipWithoutDovecot) return;
  h = await startHarness({
    config: { imapIntervalSeconds: 1, mailIntakeIntervalSeconds: 0.2, mailAliases: ['security@lists.trustedfirmware.org'] },
  });
  admin = await setupDesk(h, 'trusted-firmware');
  dovecot = await startDovecot();
  ingress = await startMailIngress(h.app, { write: (s: string) => log.push(s) });
});
after(async () => {
  await ingress?.stop();
  await dovecot?.stop();
  await h?.close();
});

async function append(raw: string): Promise<void> {
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
    await c.append('INBOX', raw);
  } finally {
    await c.logout();
  }
}

/** Waits until the condition holds; fails with what it waited for after a generous bound. */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`still waiting for: ${what}\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reports opened by mail that came in through IMAP. */
async function reportsByImap(): Promise<number> {
  const r = await h.app.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM mail_inbox WHERE via = 'imap' AND status = 'done' AND outcome = 'new_report'`,
  );
  return Number(r.rows[0]!.n);
}

test('an IMAP account saved through the app is polled by the running ingress, follows changes, and stops when removed', {
  skip: skipWithoutDovecot,
}, async () => {
  assert.deepEqual(ingress.imapPolled(), [], 'no account is stored yet, none in the config');
  await append(plainMail({ subject: 'Reported through the provider', messageId: 'imap-settings-1@research.example' }));

  await saveImapAccount(admin.ctx, {
    name: 'provider',
    host: dovecot.host,
    port: dovecot.port,
    tls: 'none',
    username: dovecot.user,
    password: dovecot.password,
    folder: 'INBOX',
  });
  const stored = await h.app.db.query<{ source: string }>('SELECT source FROM imap_accounts WHERE name = $1', ['provider']);
  assert.equal(stored.rows[0]?.source, 'admin');
  // No restart, no call into the ingress: it re-reads the stored accounts by itself.
  await until('the saved account is polled', () => ingress.imapPolled().includes('provider'));
  await until('the message in the mailbox became a report', async () => (await reportsByImap()) === 1);

  // A wrong password saved: the poller is restarted with it and stores nothing more.
  await saveImapAccount(admin.ctx, {
    name: 'provider',
    host: dovecot.host,
    port: dovecot.port,
    tls: 'none',
    username: dovecot.user,
    password: 'wrong-password',
    folder: 'INBOX',
  });
  const restarted = log.filter((l) => l.includes('for account provider')).length;
  await until('the changed account is restarted', () => log.filter((l) => l.includes('for account provider')).length > restarted);
  // The right password again, then a second message: picked up with the corrected settings.
  await saveImapAccount(admin.ctx, {
    name: 'provider',
    host: dovecot.host,
    port: dovecot.port,
    tls: 'none',
    username: dovecot.user,
    password: dovecot.password,
    folder: 'INBOX',
  });
  await append(plainMail({ subject: 'A second report through the provider', messageId: 'imap-settings-2@research.example' }));
  await until('the second message became a report', async () => (await reportsByImap()) === 2);

  await removeImapAccount(admin.ctx, 'provider');
  await until('the removed account is no longer polled', () => ingress.imapPolled().length === 0);
  assert.ok(log.some((l) => l.includes('Stopped polling IMAP account provider')));
});
