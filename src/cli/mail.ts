import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { App, Ctx } from '../app/context.ts';
import { EmbargoError } from '../domain/errors.ts';
import { imapAccountsForPoller } from '../app/delivery/settings.ts';
import { runIntakePass, startMailIntake } from '../jobs/mail-intake.ts';
import { inboxEntry, listInbox, retryInbox, storeRaw, type InboxEntry } from '../app/inbound/inbox.ts';
import type { SmtpListener } from '../listeners/smtp.ts';
import type { ImapPollerHandle } from '../listeners/imap.ts';
import { parse, UsageError } from './args.ts';
import type { Io, Out } from './command.ts';
import { system, withApp } from './with-app.ts';

// The mail commands of the CLI (their help is in commands/mail.ts) and the mail ingress `embargo
// serve` runs.

/** `embargo mail import [FILE]`. */
export async function mailImportCommand(args: string[], { out, err }: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length > 1) throw new UsageError('give at most one FILE (without it, the message is read from standard input)');
  return withApp((app) => mailImport(app, positionals[0] && positionals[0] !== '-' ? positionals[0] : null, out, err));
}

/** `embargo mail inbox [--all]`. */
export async function mailInboxCommand(args: string[], { out }: Io): Promise<number> {
  const { values } = parse(args, { all: { type: 'boolean' } }, false);
  return withApp((app) => mailInbox(system(app), values.all ?? false, out));
}

/** `embargo mail retry ID`. */
export async function mailRetryCommand(args: string[], { out }: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length !== 1) throw new UsageError('give exactly one ID (see embargo mail inbox)');
  return withApp((app) => mailRetry(system(app), positionals[0]!, out));
}

const readAll = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};

/**
 * The address on the first `name:` header line of the head that ends in one, as in
 * `From: Name <local@domain>` or `Return-Path: local@domain`. A single pass over each line, never a
 * backtracking pattern: a hostile sender can send a very long header line.
 */
export function headerAddress(raw: Buffer, name: string): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const prefix = `${name.toLowerCase()}:`;
  for (const line of (end >= 0 ? head.slice(0, end) : head).split(/[\r\n]/)) {
    if (line.slice(0, prefix.length).toLowerCase() !== prefix) continue;
    const address = trailingAddress(line.slice(prefix.length));
    if (address) return address;
  }
  return null;
}

const isDelimiter = (c: string) => c === '<' || c === '>' || /\s/.test(c);

/** The `local@domain` that ends the value (before an optional `>` and white space), or null. */
function trailingAddress(value: string): string | null {
  let stop = value.length;
  while (stop > 0 && /\s/.test(value[stop - 1]!)) stop--;
  if (stop > 0 && value[stop - 1] === '>') stop--;
  let start = stop;
  while (start > 0 && !isDelimiter(value[start - 1]!)) start--;
  while (start < stop && value[start] === '@') start++;
  const at = value.indexOf('@', start);
  return at > start && at < stop - 1 ? value.slice(start, stop) : null;
}

const landedOn = (e: InboxEntry) => e.incidentRef ?? e.reportId;

/** `embargo mail import`: store, process, print where it landed. */
export async function mailImport(
  app: App,
  file: string | null,
  out: Out,
  err: Out,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  let raw: Buffer;
  try {
    raw = file ? readFileSync(file) : await readAll(stdin);
  } catch (e) {
    err.write(`embargo mail import: cannot read ${file ?? 'standard input'}: ${(e as Error).message}\n`);
    return 66; // EX_NOINPUT
  }
  if (raw.length === 0) {
    err.write('embargo mail import: the input is empty; give one RFC 5322 message.\n');
    return 1;
  }
  if (raw.length > app.config.mailMaxBytes) {
    err.write(
      `embargo mail import: the message is ${raw.length} bytes, over the limit of ${app.config.mailMaxBytes} bytes (mailMaxBytes).\n`,
    );
    return 1;
  }
  let id: string;
  try {
    const returnPath = /^return-path:[ \t]*<>/im.test(raw.subarray(0, 64 * 1024).toString('latin1')) ? '' : null;
    id = (
      await storeRaw(app, {
        raw,
        via: 'import',
        envelopeFrom: returnPath ?? headerAddress(raw, 'return-path') ?? headerAddress(raw, 'from') ?? '(unknown)',
        envelopeTo: [],
      })
    ).id;
  } catch (e) {
    err.write(`embargo mail import: the message could not be stored: ${(e as Error).message}\n`);
    return 75; // EX_TEMPFAIL: the MTA keeps it and tries again
  }
  // Process it here; a running server's intake job may have taken it, so wait for whoever did.
  const leaseMs = app.config.mailLeaseSeconds * 1000;
  for (let waited = 0; ; waited += 200) {
    await runIntakePass(app, { leaseMs });
    const e = (await inboxEntry(app, id))!;
    if (e.status === 'done' && landedOn(e)) {
      out.write(`${landedOn(e)}\n`);
      return 0;
    }
    if (e.status === 'done') {
      err.write(`embargo mail import: stored as ${id}; ${e.error ?? `not recorded on a case (${e.outcome})`}\n`);
      return 0;
    }
    if (e.status === 'rejected' || e.status === 'failed') {
      err.write(
        `embargo mail import: ${e.status}: ${e.error ?? 'no reason recorded'} (stored as ${id}${e.status === 'failed' ? '; an admin can retry it with embargo mail retry' : ''})\n`,
      );
      return 1;
    }
    if (waited > 120_000) {
      err.write(`embargo mail import: stored as ${id}; still being processed by another server.\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function mailInbox(ctx: Ctx, all: boolean, out: Out): Promise<number> {
  const rows = await listInbox(ctx, all ? { status: ['received', 'processing', 'done', 'rejected', 'failed'] } : {});
  for (const r of rows) {
    out.write(
      `${r.id}  ${r.receivedAt}  ${r.via.padEnd(6)} ${r.status.padEnd(9)} ${(r.outcome ?? '-').padEnd(17)} ${String(landedOn(r) ?? '-').padEnd(36)} ${(r.error ?? '').replace(/\s+/g, ' ').slice(0, 120)}\n`,
    );
  }
  if (!rows.length) out.write(all ? 'The mail inbox is empty.\n' : 'No failed or rejected mail.\n');
  return 0;
}

export async function mailRetry(ctx: Ctx, id: string, out: Out): Promise<number> {
  await retryInbox(ctx, id);
  out.write(`Queued ${id} again.\n`);
  return 0;
}

export interface MailIngress {
  smtp: SmtpListener | null;
  /** Re-reads the stored IMAP accounts now (they are re-read every imapIntervalSeconds anyway). */
  refreshImap(): Promise<void>;
  /** Names of the IMAP accounts being polled. */
  imapPolled(): string[];
  stop(): Promise<void>;
}

interface ImapSupervisor {
  refresh(): Promise<void>;
  polled(): string[];
  stop(): Promise<void>;
}

/**
 * The IMAP pollers follow the stored accounts (imap_accounts: the config file's, applied at start, and
 * those saved under Mail settings): read at start and again every refreshMs, a new account starts
 * being polled, a removed or disabled one stops, a changed one (host, port, TLS, user, password,
 * folder) is restarted with its new settings. A failed read keeps the pollers as they are.
 */
function superviseImapPollers(
  app: App,
  opts: { intervalMs: number; refreshMs: number; processedFolder: string; onStored: () => void; out: Out },
): ImapSupervisor {
  const running = new Map<string, { name: string; settings: string; handle: ImapPollerHandle }>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let chain: Promise<void> = Promise.resolve();
  const settingsOf = (a: Awaited<ReturnType<typeof imapAccountsForPoller>>[number]) =>
    createHash('sha256')
      .update(JSON.stringify([a.host, a.port, a.tls, a.username, a.password, a.folder]))
      .digest('hex');

  const reconcile = async () => {
    if (stopped) return;
    let accounts: Awaited<ReturnType<typeof imapAccountsForPoller>>;
    try {
      accounts = await imapAccountsForPoller(app);
    } catch (e) {
      if (!(e instanceof EmbargoError))
        console.error(`embargo mail: cannot read the IMAP accounts: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const wanted = new Map(accounts.map((a) => [a.id, a]));
    for (const [id, r] of running) {
      const a = wanted.get(id);
      if (a && settingsOf(a) === r.settings) continue;
      running.delete(id);
      await r.handle.stop();
      if (!a) opts.out.write(`Stopped polling IMAP account ${r.name}.\n`);
    }
    for (const a of accounts) {
      if (running.has(a.id) || stopped) continue;
      // The IMAP client (imapflow, about 5 MB of heap) is loaded once a desk has an account to poll.
      const { startImapPoller } = await import('../listeners/imap.ts');
      if (stopped) return;
      const handle = startImapPoller(
        app,
        {
          host: a.host,
          port: a.port,
          tls: a.tls,
          user: a.username,
          password: a.password,
          mailbox: a.folder,
          processedFolder: opts.processedFolder,
        },
        { intervalMs: opts.intervalMs, onPoll: (r) => (r.stored ? opts.onStored() : undefined) },
      );
      running.set(a.id, { name: a.name, settings: settingsOf(a), handle });
      opts.out.write(`Polling IMAP ${a.username}@${a.host}:${a.port} (${a.folder}) for account ${a.name}.\n`);
    }
  };
  const refresh = () => (chain = chain.then(reconcile));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void refresh().finally(schedule), opts.refreshMs);
    timer.unref?.();
  };
  void refresh().finally(schedule);
  return {
    refresh,
    polled: () => [...running.values()].map((r) => r.name).sort(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
      for (const r of running.values()) await r.handle.stop();
      running.clear();
    },
  };
}

/** What `embargo serve` runs for incoming mail: the intake job, the SMTP listener, the IMAP pollers. */
export async function startMailIngress(app: App, out: Out): Promise<MailIngress> {
  const c = app.config;
  const intake = startMailIntake(app, { intervalMs: c.mailIntakeIntervalSeconds * 1000, leaseMs: c.mailLeaseSeconds * 1000 });
  // The SMTP listener (smtp-server) is loaded here, by serve: `embargo mail import` shares this module.
  const { smtpOptionsFromConfig, startSmtpListener } = await import('../listeners/smtp.ts');
  const smtpOptions = smtpOptionsFromConfig(app);
  let smtp: SmtpListener | null = null;
  if (smtpOptions) {
    smtp = await startSmtpListener(app, { ...smtpOptions, onStored: () => intake.nudge() });
    out.write(`Receiving mail by SMTP on ${smtp.host}:${smtp.port}${smtpOptions.tls ? ' (STARTTLS offered)' : ''}.\n`);
  }
  const imap = superviseImapPollers(app, {
    intervalMs: c.imapIntervalSeconds * 1000,
    refreshMs: c.imapIntervalSeconds * 1000,
    processedFolder: c.imapProcessedFolder,
    onStored: () => intake.nudge(),
    out,
  });
  await imap.refresh(); // the accounts stored now are polled from the start
  return {
    smtp,
    refreshImap: imap.refresh,
    imapPolled: imap.polled,
    async stop() {
      await smtp?.close();
      await imap.stop();
      await intake.stop();
    },
  };
}
