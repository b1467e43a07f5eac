import { ImapFlow } from 'imapflow';
import type { App } from '../app/context.ts';
import { storeRaw } from '../app/inbound/inbox.ts';
import { type Endpoint, mailServerEndpoint } from '../app/delivery/settings.ts';

// The IMAP door, for aliases hosted at a mail provider. Each poll:
// 1. lists the messages in the mailbox not yet marked as stored by us (the keyword, in flag mode),
// 2. for each, fetches its bytes and commits them to the inbox (storeRaw; identical bytes are
//    stored once, so a message fetched again after a crash stores nothing new),
// 3. only then moves it to the processed folder (created if missing), or, where the server has no
//    MOVE (or the account is set to flag), adds \Seen and the keyword $EmbargoStored.
// Nothing is ever deleted or marked before it is stored. A message over the size limit is left in
// place, marked $EmbargoTooLarge (not \Seen), for a person to deal with. A poll that fails half-way
// (connection lost, server error) is simply run again: what it stored is stored, what it had not
// moved yet is found again and deduplicated.

export interface ImapAccount {
  host: string;
  port: number;
  /** 'tls': implicit TLS (993); 'starttls': upgrade on 143; 'none': loopback or tests only. */
  tls: 'tls' | 'starttls' | 'none';
  user: string;
  password: string;
  mailbox: string;
  /** Folder path with '/' between levels; converted to the server's delimiter. */
  processedFolder: string;
  /** 'auto': move where MOVE is supported, else flag; 'flag': always flag, never move. */
  mode?: 'auto' | 'flag';
  /** Accepted addresses to record as the envelope recipients (the alias this mailbox is for). */
  alias?: string | null;
}

export const STORED_KEYWORD = '$EmbargoStored';
export const TOO_LARGE_KEYWORD = '$EmbargoTooLarge';

export interface PollResult {
  stored: number;
  duplicates: number;
  moved: number;
  flagged: number;
  tooLarge: number;
}

/** A client for the account's checked address (judged at each poll), with the account's host name for TLS. */
function clientFor(account: ImapAccount, at: Endpoint): ImapFlow {
  return new ImapFlow({
    host: at.address,
    ...(at.servername ? { servername: at.servername } : {}),
    port: account.port,
    secure: account.tls === 'tls',
    doSTARTTLS: account.tls === 'starttls' ? true : account.tls === 'none' ? false : undefined,
    auth: { user: account.user, pass: account.password },
    logger: false,
    // Connection and greeting limits: a stuck server ends this poll, the next one tries again.
    connectionTimeout: 30_000,
    greetingTimeout: 15_000,
    socketTimeout: 120_000,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

/** Creates the processed folder unless it exists; returns its path in the server's notation. */
async function ensureFolder(client: ImapFlow, folder: string): Promise<string> {
  const parts = folder.split('/').filter(Boolean);
  const created = await client.mailboxCreate(parts);
  return created.path;
}

/**
 * The envelope sender as the provider recorded it (Return-Path; '' for the null sender <> of a
 * bounce), else the From address: the hygiene checks tell bounces from people by it.
 */
function envelopeSenderOf(raw: Buffer): string {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = end >= 0 ? head.slice(0, end) : head;
  const rp = /^return-path:[ \t]*<([^>\r\n]*)>/im.exec(block);
  if (rp) return rp[1]!.trim();
  const from = /^from:[^\r\n]*?<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*$/im.exec(block);
  // Not the null sender: a message without any sender is still a person's until shown otherwise.
  return from ? from[1]!.trim() : '(unknown)';
}

/** One poll of one mailbox. */
export async function pollImapOnce(app: App, account: ImapAccount, maxBytes = app.config.mailMaxBytes): Promise<PollResult> {
  const result: PollResult = { stored: 0, duplicates: 0, moved: 0, flagged: 0, tooLarge: 0 };
  const client = clientFor(account, await mailServerEndpoint(app, account.host, `The IMAP account ${account.user}@${account.host}`));
  client.on('error', () => {}); // surfaced as a rejected command below; an unhandled 'error' would crash the process
  await client.connect();
  try {
    const canMove = (account.mode ?? 'auto') === 'auto' && client.capabilities.has('MOVE');
    const destination = canMove ? await ensureFolder(client, account.processedFolder) : null;
    const lock = await client.getMailboxLock(account.mailbox);
    try {
      const uids = (await client.search({ unKeyword: STORED_KEYWORD }, { uid: true })) || [];
      for (const uid of uids) {
        const meta = await client.fetchOne(String(uid), { uid: true, size: true, flags: true }, { uid: true });
        if (!meta) continue; // expunged meanwhile by someone else
        if (meta.flags?.has(TOO_LARGE_KEYWORD)) continue;
        if ((meta.size ?? 0) > maxBytes) {
          await client.messageFlagsAdd(String(uid), [TOO_LARGE_KEYWORD], { uid: true });
          result.tooLarge++;
          continue;
        }
        const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
        // biome-ignore lint/complexity/useOptionalChain: fetchOne answers false, which optional chaining does not narrow
        if (!msg || !msg.source) continue;
        const raw = Buffer.from(msg.source);
        const stored = await storeRaw(app, {
          raw,
          via: 'imap',
          envelopeFrom: envelopeSenderOf(raw),
          envelopeTo: account.alias ? [account.alias] : [],
        });
        if (stored.duplicate) result.duplicates++;
        else result.stored++;
        // Stored and committed: now, and only now, the message may leave the mailbox or be marked.
        if (destination) {
          await client.messageMove(String(uid), destination, { uid: true });
          result.moved++;
        } else {
          await client.messageFlagsAdd(String(uid), ['\\Seen', STORED_KEYWORD], { uid: true });
          result.flagged++;
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

export interface ImapPollerHandle {
  stop(): Promise<void>;
  /** Runs a poll now (tests, an admin's "check now"); resolves when it is done. */
  pollNow(): Promise<PollResult | null>;
}

/** Polls every intervalMs; an error is reported and the next poll tries again. */
export function startImapPoller(
  app: App,
  account: ImapAccount,
  opts: { intervalMs: number; onError?: (e: unknown) => void; onPoll?: (r: PollResult) => void },
): ImapPollerHandle {
  const onError =
    opts.onError ??
    ((e: unknown) => console.error(`embargo imap (${account.user}@${account.host}): ${e instanceof Error ? e.message : String(e)}`));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<PollResult | null> | null = null;
  const poll = (): Promise<PollResult | null> => {
    if (running) return running;
    running = pollImapOnce(app, account)
      .then((r) => {
        opts.onPoll?.(r);
        return r;
      })
      .catch((e) => {
        onError(e);
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const loop = () => {
    if (stopped) return;
    void poll().finally(() => {
      if (!stopped) {
        timer = setTimeout(loop, opts.intervalMs);
        timer.unref?.();
      }
    });
  };
  loop();
  return {
    pollNow: poll,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}

/** The account from config, or null when no IMAP host is configured. */
export function imapAccountFromConfig(app: App): ImapAccount | null {
  const c = app.config;
  if (!c.imapHost || !c.imapUser || !c.imapPassword) return null;
  return {
    host: c.imapHost,
    port: c.imapPort,
    tls: c.imapTls ? 'tls' : 'none',
    user: c.imapUser,
    password: c.imapPassword,
    mailbox: c.imapMailbox,
    processedFolder: c.imapProcessedFolder,
    alias: c.mailAliases[0] ?? null,
  };
}
