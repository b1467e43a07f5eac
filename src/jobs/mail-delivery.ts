import { createTransport, type Transporter } from 'nodemailer';
import type { App } from '../app/context.ts';
import { rulesOf } from '../app/admin/instance.ts';
import { activeTeamKey, confirmedKeysOfPeople } from '../app/keys/keys.ts';
import { type Endpoint, mailServerEndpoint, smtpRelay, type SmtpRelay } from '../app/delivery/settings.ts';
import { verpAddress } from '../app/delivery/deliveries.ts';
import { type Attempt, type ClaimedRow, claimDue, type Outcome, recordOutcomes, retryOrFail } from '../app/delivery/attempts.ts';
import { type CopySettings, copiesOf, deskLoopMarker, type Ready, withLoopHeader } from '../app/delivery/copies.ts';
import { EmbargoError } from '../domain/errors.ts';
import { startLoop } from './loop.ts';

// The delivery job: sends the outbox's per-recipient deliveries over the SMTP relay.
//
// A pass claims due rows (src/app/delivery/attempts.ts), has the copies of each outbox row built and
// stored before any is sent (src/app/delivery/copies.ts), sends them over one pooled transport per
// pass (a few connections, not one per copy), and records their outcomes in one transaction, at most
// SETTLE_EVERY copies at a time. The envelope sender is the bounce address with the delivery's token
// (VERP), so a bounce names the delivery it is about (handleBounce).
// - 250: sent.
// - 5xx: failed at once, with the server's reply as the reason (a permanent failure stays one).
// - 4xx, connection or TLS trouble: queued again after a backoff that doubles each attempt (first
//   delay mailDeliveryBackoffSeconds, at most 6 hours), failed after mailDeliveryMaxAttempts.
//
// Crash window: a job that dies after the relay answered 250 and before the row is marked sent leaves
// the row 'sending'; once its lease runs out another pass sends it again. Since outcomes are recorded
// together, one crash can repeat up to SETTLE_EVERY copies (those in flight at once). Delivery is therefore at
// least once at the SMTP level, and exactly once for the recipient because the copy carries the same
// Message-ID, by which MTAs and mail clients drop the duplicate. The crash test asserts exactly this.

export interface DeliveryOptions {
  /** Rows claimed per pass. */
  batch?: number;
  /** How long a claimed row is ours before another pass may take it over. */
  leaseMs?: number;
  maxAttempts?: number;
  backoffMs?: number;
}

export interface DeliveryPassResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  /** Why nothing could be sent (no relay, no team key), if so. */
  waiting: string | null;
}

/** Most copies sent at once; the pool opens at most this many connections to the relay. */
const MAX_CONNECTIONS = 3;

/**
 * Copies sent before their outcomes are recorded, at most. A crash in between sends them again (same
 * bytes, same Message-ID). It equals the copies in flight at once: recording after each round of
 * concurrent sends repeats, after a crash, only what was on the wire together anyway, and costs one
 * transaction per round instead of one per copy.
 */
export const SETTLE_EVERY = MAX_CONNECTIONS;

/**
 * One pooled transport per pass: the copies of a pass share a few connections (and their TLS
 * handshakes). It connects to the relay's checked address (resolved and judged once per pass), with
 * the relay's name for TLS, so nodemailer never resolves the name itself.
 */
function transportFor(relay: SmtpRelay, at: Endpoint): Transporter {
  return createTransport({
    pool: true,
    maxConnections: MAX_CONNECTIONS,
    maxMessages: 100,
    host: at.address,
    ...(at.servername ? { servername: at.servername } : {}),
    port: relay.port,
    secure: relay.tls === 'tls',
    requireTLS: relay.tls === 'starttls',
    ignoreTLS: relay.tls === 'none',
    ...(relay.username ? { auth: { user: relay.username, pass: relay.password ?? '' } } : {}),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
}

interface SmtpFailure {
  permanent: boolean;
  message: string;
}

function classify(e: unknown): SmtpFailure {
  const err = e as { responseCode?: number; response?: string; code?: string; message?: string };
  const text = (err.response ?? err.message ?? String(e)).replace(/[\r\n]+/g, ' ').slice(0, 500);
  if (typeof err.responseCode === 'number') {
    return { permanent: err.responseCode >= 500 && err.responseCode < 600, message: `SMTP ${err.responseCode}: ${text}` };
  }
  return { permanent: false, message: `${err.code ? `${err.code}: ` : ''}${text}` };
}

/** Claimed rows by outbox row, in claim order: the copies of one message share its envelope and case. */
function byOutboxRow(rows: readonly ClaimedRow[]): ClaimedRow[][] {
  const groups = new Map<string, ClaimedRow[]>();
  for (const d of rows) groups.set(d.outbox_id, [...(groups.get(d.outbox_id) ?? []), d]);
  return [...groups.values()];
}

/** One pass: claim what is due, build what is not built yet, send, record. */
export async function runDeliveryPass(app: App, opts: DeliveryOptions = {}): Promise<DeliveryPassResult> {
  const result: DeliveryPassResult = { claimed: 0, sent: 0, retried: 0, failed: 0, waiting: null };
  const relay = await smtpRelay(app);
  if (!relay) return { ...result, waiting: 'no SMTP relay is configured' };
  const now = app.clock();
  const claimed = await claimDue(app, now, opts.batch ?? 50, opts.leaseMs ?? 10 * 60_000);
  result.claimed = claimed.length;
  if (claimed.length === 0) return result;
  let rules: ReturnType<typeof rulesOf> | undefined;
  // Every member's key the pass may need, in one query, parsed once for as long as the key is unchanged.
  const people = claimed.flatMap((d) => (d.recipient_kind === 'member' && d.person_id && !d.raw_sealed ? [d.person_id] : []));
  const p: CopySettings = {
    now,
    maxAttempts: opts.maxAttempts ?? app.config.mailDeliveryMaxAttempts,
    baseMs: opts.backoffMs ?? app.config.mailDeliveryBackoffSeconds * 1000,
    teamKey: await activeTeamKey(app),
    facts: { marker: await deskLoopMarker(app), rules: () => (rules ??= rulesOf(app.db)) },
    keys: { members: await confirmedKeysOfPeople(app, app.db, people, app), usability: new Map() },
  };
  // Opened at the first copy to send: a pass with nothing ready resolves nothing. A refused address
  // fails every copy of the pass like an unreachable relay (retried later: an admin may fix it).
  let transport: Transporter | null = null;
  let opening: Promise<Transporter> | null = null;
  const open = () =>
    (opening ??= mailServerEndpoint(app, relay.host, 'The SMTP relay').then((at) => {
      transport = transportFor(relay, at);
      return transport;
    }));
  const send = async (c: Ready): Promise<Outcome> => {
    try {
      await (await open()).sendMail({
        envelope: { from: verpAddress(relay.bounceAddress, c.d.id), to: [c.d.recipient] },
        raw: Buffer.from(withLoopHeader(c.raw, p.facts.marker)),
      });
      return { sent: true, mode: c.mode };
    } catch (e) {
      const f = classify(e);
      return f.permanent ? { failed: f.message } : retryOrFail(c.d, f.message, now, p.maxAttempts, p.baseMs);
    }
  };
  const count = (attempts: readonly Attempt[], recorded: Set<string>) => {
    for (const { d, outcome } of attempts) {
      if (!recorded.has(d.id)) continue;
      if ('sent' in outcome) result.sent++;
      else if ('failed' in outcome) result.failed++;
      else if (!outcome.refund) result.retried++;
    }
  };
  try {
    for (const group of byOutboxRow(claimed)) {
      const { ready, early, waiting } = await copiesOf(app, group, p);
      if (waiting) result.waiting = waiting;
      let pending = early;
      for (let i = 0; i === 0 || i < ready.length; i += SETTLE_EVERY) {
        const sent = await Promise.all(
          ready.slice(i, i + SETTLE_EVERY).map(async (c): Promise<Attempt> => ({ d: c.d, outcome: await send(c) })),
        );
        const attempts = [...pending, ...sent];
        pending = [];
        // The outbox row follows its deliveries: 'sending' from the first copies recorded, 'sent' or
        // 'failed' once the last of them is. Between the first and the last round of its copies that
        // this pass claimed, while every copy is sent, its status is 'sending' before and after (the
        // pass's later copies are still pending), so those rounds leave it alone.
        const first = i === 0;
        const last = i + SETTLE_EVERY >= ready.length;
        const settled = first || last || attempts.some((a) => !('sent' in a.outcome));
        count(attempts, await recordOutcomes(app, attempts, now, settled));
      }
    }
  } finally {
    (transport as Transporter | null)?.close();
  }
  return result;
}

export interface DeliveryHandle {
  stop(): Promise<void>;
  /** Runs a pass now (after the current one): for tests and for a just-queued message. */
  kick(): Promise<void>;
  /** Mail was just queued: a pass soon, unless one is already waiting to start (see loop.ts). */
  nudge(): void;
}

/** Runs passes every intervalMs until stopped (`embargo serve`); a full batch is followed by another pass at once. */
export function startMailDelivery(
  app: App,
  opts: DeliveryOptions & { intervalMs: number; onError?: (e: unknown) => void; onPass?: (r: DeliveryPassResult) => void },
): DeliveryHandle {
  const batch = opts.batch ?? 50;
  const pass = async () => {
    try {
      const r = await runDeliveryPass(app, opts);
      opts.onPass?.(r);
      return r.claimed === batch;
    } catch (e) {
      if (e instanceof EmbargoError && e.code === 'conflict') return false; // a desk not set up yet sends nothing
      throw e;
    }
  };
  const loop = startLoop({
    name: 'mail delivery',
    intervalMs: opts.intervalMs,
    pass,
    startNow: false,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return { stop: () => loop.stop(), kick: () => loop.wake(), nudge: () => loop.nudge() };
}
