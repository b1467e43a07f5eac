import { deskUrl } from '../config.ts';
import { createTransport, type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { PrivateKey } from 'openpgp';
import type { Queryable } from '../store/db.ts';
import { aad, audit, type App, type Ctx } from '../app/context.ts';
import { loadCase } from '../app/cases/case.ts';
import { rulesOf } from '../app/admin/instance.ts';
import { stageOf, type Envelope } from '../app/cases/messaging.ts';
import { activeTeamKey, confirmedKeyFor, confirmedKeyOfPerson } from '../app/keys/keys.ts';
import { smtpRelay, type SmtpRelay } from '../app/delivery/settings.ts';
import { messageIdDomain, syncOutboxStatus, verpAddress } from '../app/delivery/deliveries.ts';
import { LOOP_HEADER, loopMarker } from '../mail/inbound-hygiene.ts';
import type { OutboundAttachment } from '../mail/types.ts';
import { keyUsability } from '../mail/key-quality.ts';
import { sealOutbound } from '../mail/pgp-out.ts';
import { replyAddress } from '../app/inbound/threading.ts';
import { EmbargoError } from '../domain/errors.ts';

// The delivery job: sends the outbox's per-recipient deliveries over the SMTP relay.
//
// A pass claims due rows in a short transaction (FOR UPDATE SKIP LOCKED, so several servers never
// take the same row), marking them 'sending' with a lease, then sends them outside any transaction
// (an SMTP exchange must not hold a database transaction open) and records the outcomes. The copies
// of one outbox row are handled together: what they share (the envelope, the case, the reply
// address) is loaded once, the missing copies are built and stored sealed in one statement before
// any is sent, they go out over one pooled transport per pass (a few connections, not one per copy),
// and their outcomes are recorded in one transaction, at most SETTLE_EVERY copies at a time:
// - 250: sent.
// - 5xx: failed at once, with the server's reply as the reason (a permanent failure stays one).
// - 4xx, connection or TLS trouble: queued again after a backoff that doubles each attempt (first
//   delay mailDeliveryBackoffSeconds, at most 6 hours), failed after mailDeliveryMaxAttempts.
// The first attempt builds the copy and stores it sealed; retries send the same bytes, with the same
// Message-ID. The envelope sender is the bounce address with the delivery's token (VERP), so a
// bounce names the delivery it is about (handleBounce).
//
// Crash window: a job that dies after the relay answered 250 and before the row is marked sent leaves
// the row 'sending'; once its lease runs out another pass sends it again. Since outcomes are recorded
// together, one crash can repeat up to SETTLE_EVERY copies (those in flight at once). Delivery is therefore at
// least once at the SMTP level, and exactly once for the recipient because the copy carries the same
// Message-ID, by which MTAs and mail clients drop the duplicate. The crash test asserts exactly this.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'mail-delivery' };
const MAX_BACKOFF_MS = 6 * 3600_000;

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

interface ClaimedRow {
  id: string;
  outbox_id: string;
  report_id: string | null;
  recipient: string;
  person_id: string | null;
  recipient_kind: 'member' | 'external';
  notice_only: boolean;
  message_id: string;
  raw_sealed: string | null;
  mode: string | null;
  attempts: number;
}

export function backoffMs(attempts: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

async function claim(app: App, now: Date, batch: number, leaseMs: number): Promise<ClaimedRow[]> {
  return app.db.transaction(async (tx) => {
    const r = await tx.query<ClaimedRow>(
      `UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, lease_until = $2
         FROM (SELECT id FROM deliveries
                WHERE (status = 'queued' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1)
                ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id
        RETURNING d.id, d.outbox_id, d.report_id, d.recipient, d.person_id, d.recipient_kind, d.notice_only, d.message_id, d.raw_sealed, d.mode, d.attempts`,
      [now, new Date(now.getTime() + leaseMs), batch],
    );
    return r.rows;
  });
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

/** One pooled transport per pass: the copies of a pass share a few connections (and their TLS handshakes). */
function transportFor(relay: SmtpRelay): Transporter {
  return createTransport({
    pool: true,
    maxConnections: MAX_CONNECTIONS,
    maxMessages: 100,
    host: relay.host,
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

type Built = { mode: 'encrypted' | 'notice' | 'plaintext'; raw: Uint8Array } | { refuse: string } | { wait: string };

function baseUrl(app: App): string {
  return deskUrl(app.config);
}

async function composePlain(m: {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  messageId: string;
  date: Date;
  headers: Record<string, string>;
  attachments?: OutboundAttachment[];
}): Promise<Uint8Array> {
  const mail = new MailComposer({
    from: m.from,
    to: m.to,
    ...(m.cc?.length ? { cc: m.cc } : {}),
    subject: m.subject,
    text: m.text,
    messageId: `<${m.messageId}>`,
    date: m.date,
    headers: m.headers,
    textEncoding: 'quoted-printable',
    ...(m.attachments?.length
      ? {
          attachments: m.attachments.map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: Buffer.from(a.bytes),
            contentDisposition: 'attachment' as const,
          })),
        }
      : {}),
  });
  return mail.compile().build();
}

/**
 * Every copy the job sends carries the desk's X-Loop marker, whoever built it (copies prebuilt
 * elsewhere, such as a relayed signed reply, included): the inbound hygiene check recognises it when
 * the copy comes back (a forward, an auto-reply quoting headers, a misrouted alias). Outer headers are
 * outside any signature or encryption, so adding one changes nothing a recipient verifies.
 */
export function withLoopHeader(raw: Uint8Array, marker: string): Uint8Array {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end >= 0 ? text.slice(0, end) : text;
  const present = new RegExp(`^${LOOP_HEADER}:[ \\t]*(.*)$`, 'gim');
  for (const m of head.replace(/\r?\n[ \t]+/g, ' ').matchAll(present)) {
    if (m[1]!.trim().toLowerCase() === marker) return raw;
  }
  return new Uint8Array(Buffer.concat([Buffer.from(`${LOOP_HEADER}: ${marker}\r\n`, 'latin1'), Buffer.from(raw)]));
}

function attachmentsOf(env: Envelope): OutboundAttachment[] {
  return (env.attachments ?? []).map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    bytes: new Uint8Array(Buffer.from(a.contentBase64, 'base64')),
  }));
}

/** What every copy of one outbox row shares: loaded once per row and pass, not once per copy. */
interface Shared {
  env: Envelope;
  templateId: string | null;
  from: string;
  replyTo: string;
  teamName: string;
  unencryptedMail: Awaited<ReturnType<typeof rulesOf>>['unencryptedMail'];
  loop: Record<string, string>;
  attachments: OutboundAttachment[];
}

/** The outbox row's envelope (unsealed), its sender, its reply address: the same for all its copies. */
async function loadShared(app: App, tx: Queryable, outboxId: string, reportId: string | null, now: Date, pass: PassFacts): Promise<Shared> {
  const o = await tx.query<{ envelope_sealed: string; template_id: string | null }>(
    'SELECT envelope_sealed, template_id FROM outbox WHERE id = $1',
    [outboxId],
  );
  const env = app.sealer.openJson<Envelope>(o.rows[0]!.envelope_sealed, aad('outbox', 'envelope', outboxId));
  const rules = await pass.rules();
  const c = reportId ? await loadCase(tx, reportId) : null;
  const projectAlias = c && stageOf(c) === 'project' ? c.projects.find((p) => p.alias)?.alias : undefined;
  const fromAddress = projectAlias ?? rules.centralAlias;
  // Replies to a case's mail go to its reply address (alias+token), which threads them onto the case.
  const replyTo = (reportId ? await replyAddress(tx, app.sealer, reportId, now, app.config.mailAliases) : null) ?? fromAddress;
  return {
    env,
    templateId: o.rows[0]!.template_id,
    replyTo,
    teamName: rules.teamName,
    unencryptedMail: rules.unencryptedMail,
    from: `"${rules.teamName.replace(/["\\\r\n]/g, '')}" <${fromAddress}>`,
    loop: { [LOOP_HEADER]: pass.marker },
    attachments: attachmentsOf(env),
  };
}

/** Read once per pass. */
interface PassFacts {
  marker: string;
  rules: () => ReturnType<typeof rulesOf>;
}

/** Builds the copy for one delivery, with the keys and policy as they are now. */
async function buildCopy(app: App, tx: Queryable, d: ClaimedRow, shared: Shared, teamKey: PrivateKey | null, now: Date): Promise<Built> {
  const { env, templateId, from, replyTo, loop, attachments } = shared;
  const answers = env.inReplyTo && /^[^\s<>]+@[^\s<>]+$/.test(env.inReplyTo) ? `<${env.inReplyTo}>` : null;
  // Auto-Submitted is what the queueing code said the mail is (RFC 3834), never guessed here.
  const headers: Record<string, string> = {
    'Message-ID': `<${d.message_id}>`,
    'Reply-To': replyTo,
    ...(answers ? { 'In-Reply-To': answers, References: answers } : {}),
    ...(env.automatic ? { 'Auto-Submitted': env.automatic } : {}),
    ...loop,
  };
  // A fan-out copy names only its recipient; other mail shows its real addressees.
  const to = templateId === 'fan-out' ? [d.recipient] : env.to;
  const cc = templateId === 'fan-out' ? [] : env.cc;

  const encrypted = async (key: Awaited<ReturnType<typeof confirmedKeyFor>>): Promise<Built> => {
    if (!teamKey) return { wait: 'the desk has no team key yet (generate or import one under Mail settings)' };
    const raw = await sealOutbound({
      from,
      to,
      cc,
      subject: env.subject,
      text: env.body,
      attachments,
      headers,
      recipientKeys: [key!],
      signingKey: teamKey,
      date: now,
    });
    return { mode: 'encrypted', raw };
  };

  if (d.recipient_kind === 'member') {
    const own = d.person_id ? await confirmedKeyOfPerson(tx, d.person_id) : null;
    const usability = own ? await keyUsability(own.key, now, own.email) : { usable: false, reason: 'no OpenPGP key is on file for you' };
    if (!d.notice_only && usability.usable) return encrypted(own!.key);
    const link = d.report_id ? `${baseUrl(app)}/cases/${d.report_id}` : `${baseUrl(app)}/`;
    const why = d.notice_only
      ? "this case is shared with you without the reporter's details, so its messages are shown only on the desk"
      : `it could not be encrypted to you: ${usability.reason ?? 'no usable key'}. Upload your OpenPGP public key at ${baseUrl(app)}/me to receive messages encrypted to it`;
    const raw = await composePlain({
      from,
      to: [d.recipient],
      subject: `[${shared.teamName}] A message is waiting for you`,
      text: `A message is waiting for you at ${link}\n\nIts content is not in this mail because ${why}.\n`,
      messageId: d.message_id,
      date: now,
      headers: { 'Reply-To': replyTo, 'Auto-Submitted': 'auto-generated', ...loop },
    });
    return { mode: 'notice', raw };
  }
  const key = await confirmedKeyFor(tx, d.recipient);
  const usability = key
    ? await keyUsability(key, now, d.recipient)
    : { usable: false, reason: 'no confirmed OpenPGP key is on file for this address' };
  if (usability.usable) return encrypted(key);
  // Mail that holds nothing confidential (the answer to undecryptable mail) may go in clear.
  if (shared.unencryptedMail !== 'allow' && !env.nothingSecret) {
    return {
      refuse: `not sent: ${usability.reason ?? 'no usable key'}, and the process profile does not allow unencrypted mail (unencryptedMail: refuse)`,
    };
  }
  const raw = await composePlain({
    from,
    to,
    cc,
    subject: env.subject,
    text: env.body,
    attachments,
    messageId: d.message_id,
    date: now,
    headers,
  });
  return { mode: 'plaintext', raw };
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

type Outcome = { sent: true; mode: string | null } | { failed: string } | { retryAt: Date; error: string; refund?: boolean };

interface Attempt {
  d: ClaimedRow;
  outcome: Outcome;
}

/**
 * Records the outcomes of attempts in one transaction, each only if its row is still ours (the same
 * claim: 'sending' with the attempt count we claimed it with; otherwise our lease ran out and another
 * pass took the row over). One audit event per delivery outcome, as for a single copy; the outbox
 * rows follow their deliveries. Returns the ids recorded.
 */
async function settle(app: App, attempts: readonly Attempt[], now: Date): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const ctx: Ctx = { app, principal: SYSTEM };
  const status = (o: Outcome) => ('sent' in o ? 'sent' : 'failed' in o ? 'failed' : 'queued');
  return app.db.transaction(async (tx) => {
    const r = await tx.query<{ id: string }>(
      `UPDATE deliveries d SET
          status = u.status,
          sent_at = CASE WHEN u.status = 'sent' THEN $7::timestamptz ELSE d.sent_at END,
          failure = CASE WHEN u.status = 'failed' THEN u.reason ELSE d.failure END,
          failed_at = CASE WHEN u.status = 'failed' THEN $7::timestamptz ELSE d.failed_at END,
          next_attempt_at = CASE WHEN u.status = 'queued' THEN u.retry_at::timestamptz ELSE d.next_attempt_at END,
          last_error = CASE u.status WHEN 'sent' THEN NULL WHEN 'queued' THEN u.reason ELSE d.last_error END,
          attempts = d.attempts - u.refund,
          lease_until = NULL
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[]) AS u(id, attempts, status, reason, retry_at, refund)
        WHERE d.id = u.id AND d.status = 'sending' AND d.attempts = u.attempts
        RETURNING d.id`,
      [
        attempts.map((a) => a.d.id),
        attempts.map((a) => a.d.attempts),
        attempts.map((a) => status(a.outcome)),
        attempts.map(({ outcome: o }) => ('failed' in o ? o.failed : 'error' in o ? o.error : null)),
        attempts.map(({ outcome: o }) => ('retryAt' in o ? o.retryAt.toISOString() : null)),
        attempts.map(({ outcome: o }) => ('refund' in o && o.refund ? 1 : 0)),
        now,
      ],
    );
    const ours = new Set(r.rows.map((row) => row.id));
    const recorded = attempts.filter((a) => ours.has(a.d.id));
    for (const outboxId of new Set(recorded.map((a) => a.d.outbox_id))) await syncOutboxStatus(tx, outboxId, now);
    for (const { d, outcome } of recorded) {
      if ('sent' in outcome) {
        await audit(ctx, tx, now, {
          action: 'mail.delivered',
          subjectType: 'delivery',
          subjectId: d.id,
          data: { reportId: d.report_id, kind: d.recipient_kind, mode: outcome.mode, attempt: d.attempts },
        });
      } else if ('failed' in outcome) {
        await audit(ctx, tx, now, {
          action: 'mail.delivery_failed',
          subjectType: 'delivery',
          subjectId: d.id,
          data: { reportId: d.report_id, kind: d.recipient_kind, reason: outcome.failed, attempt: d.attempts },
        });
      }
    }
    return ours;
  });
}

interface Ready {
  d: ClaimedRow;
  raw: Uint8Array;
  mode: string | null;
}

/** Claimed rows by outbox row, in claim order: the copies of one message share its envelope and case. */
function byOutboxRow(rows: readonly ClaimedRow[]): ClaimedRow[][] {
  const groups = new Map<string, ClaimedRow[]>();
  for (const d of rows) groups.set(d.outbox_id, [...(groups.get(d.outbox_id) ?? []), d]);
  return [...groups.values()];
}

interface PassSettings {
  now: Date;
  maxAttempts: number;
  baseMs: number;
  teamKey: PrivateKey | null;
  facts: PassFacts;
}

const retryOrFail = (d: ClaimedRow, message: string, p: PassSettings): Outcome =>
  d.attempts >= p.maxAttempts
    ? { failed: `gave up after ${d.attempts} attempts; last: ${message}` }
    : { retryAt: new Date(p.now.getTime() + backoffMs(d.attempts, p.baseMs)), error: message };

/**
 * The copies of one outbox row's claimed deliveries: stored ones opened, missing ones built (the
 * shared parts loaded once) and stored sealed, all in one statement, before any of them is sent.
 * Deliveries that cannot be built now come back as outcomes to record.
 */
async function copiesOf(
  app: App,
  group: readonly ClaimedRow[],
  p: PassSettings,
): Promise<{ ready: Ready[]; early: Attempt[]; waiting: string | null }> {
  const ready: Ready[] = [];
  const early: Attempt[] = [];
  const built: Ready[] = [];
  let waiting: string | null = null;
  let shared: Promise<Shared> | undefined;
  for (const d of group) {
    try {
      if (d.raw_sealed) {
        ready.push({ d, raw: Buffer.from(app.sealer.open(d.raw_sealed, aad('deliveries', 'raw', d.id)), 'base64'), mode: d.mode });
        continue;
      }
      shared ??= loadShared(app, app.db, d.outbox_id, d.report_id, p.now, p.facts);
      const b = await buildCopy(app, app.db, d, await shared, p.teamKey, p.now);
      if ('refuse' in b) early.push({ d, outcome: { failed: b.refuse } });
      // Not the recipient's fault: the attempt is not counted.
      else if ('wait' in b)
        early.push({ d, outcome: { retryAt: new Date(p.now.getTime() + p.baseMs), error: (waiting = b.wait), refund: true } });
      else built.push({ d, raw: b.raw, mode: b.mode });
    } catch (e) {
      const message = `could not build the message: ${e instanceof Error ? e.message : String(e)}`;
      early.push({ d, outcome: d.attempts >= p.maxAttempts ? { failed: message } : retryOrFail(d, message, p) });
    }
  }
  if (built.length) {
    const stored = await app.db.query<{ id: string }>(
      `UPDATE deliveries d SET raw_sealed = u.raw, mode = u.mode
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS u(id, attempts, raw, mode)
        WHERE d.id = u.id AND d.status = 'sending' AND d.attempts = u.attempts AND d.raw_sealed IS NULL
        RETURNING d.id`,
      [
        built.map((b) => b.d.id),
        built.map((b) => b.d.attempts),
        built.map((b) => app.sealer.seal(Buffer.from(b.raw).toString('base64'), aad('deliveries', 'raw', b.d.id))),
        built.map((b) => b.mode),
      ],
    );
    const ours = new Set(stored.rows.map((row) => row.id));
    for (const b of built) if (ours.has(b.d.id)) ready.push(b); // else taken over meanwhile: the other pass sends its own build
  }
  return { ready, early, waiting };
}

/** One pass: claim what is due, build what is not built yet, send, record. */
export async function runDeliveryPass(app: App, opts: DeliveryOptions = {}): Promise<DeliveryPassResult> {
  const result: DeliveryPassResult = { claimed: 0, sent: 0, retried: 0, failed: 0, waiting: null };
  const relay = await smtpRelay(app);
  if (!relay) return { ...result, waiting: 'no SMTP relay is configured' };
  const now = app.clock();
  const claimed = await claim(app, now, opts.batch ?? 50, opts.leaseMs ?? 10 * 60_000);
  result.claimed = claimed.length;
  if (claimed.length === 0) return result;
  let rules: ReturnType<typeof rulesOf> | undefined;
  const p: PassSettings = {
    now,
    maxAttempts: opts.maxAttempts ?? app.config.mailDeliveryMaxAttempts,
    baseMs: opts.backoffMs ?? app.config.mailDeliveryBackoffSeconds * 1000,
    teamKey: await activeTeamKey(app),
    facts: { marker: loopMarker(await messageIdDomain({ app, principal: SYSTEM }, app.db)), rules: () => (rules ??= rulesOf(app.db)) },
  };
  const send = async (c: Ready): Promise<Outcome> => {
    try {
      await transport.sendMail({
        envelope: { from: verpAddress(relay.bounceAddress, c.d.id), to: [c.d.recipient] },
        raw: Buffer.from(withLoopHeader(c.raw, p.facts.marker)),
      });
      return { sent: true, mode: c.mode };
    } catch (e) {
      const f = classify(e);
      return f.permanent ? { failed: f.message } : retryOrFail(c.d, f.message, p);
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
  const transport = transportFor(relay);
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
        count(attempts, await settle(app, attempts, now));
      }
    }
  } finally {
    transport.close();
  }
  return result;
}

export interface DeliveryHandle {
  stop(): Promise<void>;
  /** Runs a pass now (after the current one): for tests and for a just-queued message. */
  kick(): Promise<void>;
}

/** Runs passes every intervalMs until stopped (`embargo serve`). */
export function startMailDelivery(
  app: App,
  opts: DeliveryOptions & { intervalMs: number; onError?: (e: unknown) => void; onPass?: (r: DeliveryPassResult) => void },
): DeliveryHandle {
  const onError = opts.onError ?? ((e: unknown) => console.error(`embargo mail delivery: ${e instanceof Error ? e.message : String(e)}`));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      const r = await runDeliveryPass(app, opts);
      opts.onPass?.(r);
    } catch (e) {
      if (!(e instanceof EmbargoError && e.code === 'conflict')) onError(e); // a desk not set up yet sends nothing
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = running.then(pass).finally(schedule);
    }, opts.intervalMs);
    timer.unref?.();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    kick() {
      running = running.then(pass);
      return running;
    },
  };
}
