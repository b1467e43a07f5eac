import { createTransport, type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { PrivateKey } from 'openpgp';
import type { Queryable } from '../store/db.ts';
import { aad, audit, type App, type Ctx } from '../app/context.ts';
import { loadCase } from '../app/cases.ts';
import { rulesOf } from '../app/instance.ts';
import { stageOf, type Envelope } from '../app/messaging.ts';
import { activeTeamKey, confirmedKeyFor, confirmedKeyOfPerson } from '../app/keys.ts';
import { smtpRelay, type SmtpRelay } from '../app/mail-settings.ts';
import { messageIdDomain, syncOutboxStatus, verpAddress } from '../app/deliveries.ts';
import { LOOP_HEADER, loopMarker } from '../mail/inbound-hygiene.ts';
import type { OutboundAttachment } from '../mail/types.ts';
import { keyUsability } from '../mail/key-quality.ts';
import { sealOutbound } from '../mail/pgp-out.ts';
import { replyAddress } from '../mail/threading.ts';
import { EmbargoError } from '../domain/errors.ts';

// The delivery job: sends the outbox's per-recipient deliveries over the SMTP relay.
//
// A pass claims due rows in a short transaction (FOR UPDATE SKIP LOCKED, so several servers never
// take the same row), marking them 'sending' with a lease, then sends each one outside any
// transaction (an SMTP exchange must not hold a database transaction open) and records the outcome:
// - 250: sent.
// - 5xx: failed at once, with the server's reply as the reason (a permanent failure stays one).
// - 4xx, connection or TLS trouble: queued again after a backoff that doubles each attempt (first
//   delay mailDeliveryBackoffSeconds, at most 6 hours), failed after mailDeliveryMaxAttempts.
// The first attempt builds the copy and stores it sealed; retries send the same bytes, with the same
// Message-ID. The envelope sender is the bounce address with the delivery's token (VERP), so a
// bounce names the delivery it is about (handleBounce).
//
// Crash window: a job that dies after the relay answered 250 and before the row is marked sent leaves
// the row 'sending'; once its lease runs out another pass sends it again. Delivery is therefore at
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

function transportFor(relay: SmtpRelay): Transporter {
  return createTransport({
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
  const { publicUrl, host, port } = app.config;
  return (publicUrl ?? `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/$/, '');
}

async function composePlain(m: {
  from: string; to: string[]; cc?: string[]; subject: string; text: string; messageId: string; date: Date; headers: Record<string, string>; attachments?: OutboundAttachment[];
}): Promise<Uint8Array> {
  const mail = new MailComposer({
    from: m.from, to: m.to, ...(m.cc?.length ? { cc: m.cc } : {}), subject: m.subject, text: m.text,
    messageId: `<${m.messageId}>`, date: m.date, headers: m.headers, textEncoding: 'quoted-printable',
    ...(m.attachments?.length
      ? { attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.bytes), contentDisposition: 'attachment' as const })) }
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
  return (env.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, bytes: new Uint8Array(Buffer.from(a.contentBase64, 'base64')) }));
}

/** Builds the copy for one delivery, with the keys and policy as they are now. */
async function buildCopy(app: App, tx: Queryable, d: ClaimedRow, teamKey: PrivateKey | null, now: Date): Promise<Built> {
  const o = await tx.query<{ envelope_sealed: string; template_id: string | null }>('SELECT envelope_sealed, template_id FROM outbox WHERE id = $1', [d.outbox_id]);
  const env = app.sealer.openJson<Envelope>(o.rows[0]!.envelope_sealed, aad('outbox', 'envelope', d.outbox_id));
  const templateId = o.rows[0]!.template_id;
  const rules = await rulesOf(tx);
  const c = d.report_id ? await loadCase(tx, d.report_id) : null;
  const projectAlias = c && stageOf(c) === 'project' ? c.projects.find((p) => p.alias)?.alias : undefined;
  const fromAddress = projectAlias ?? rules.centralAlias;
  const from = `"${rules.teamName.replace(/["\\\r\n]/g, '')}" <${fromAddress}>`;
  // Replies to a case's mail go to its reply address (alias+token), which threads them onto the case.
  const replyTo = (d.report_id ? await replyAddress(tx, app.sealer, d.report_id, now, app.config.mailAliases) : null) ?? fromAddress;
  const loop = { [LOOP_HEADER]: loopMarker(await messageIdDomain({ app, principal: SYSTEM }, tx)) };
  const answers = env.inReplyTo && /^[^\s<>]+@[^\s<>]+$/.test(env.inReplyTo) ? `<${env.inReplyTo}>` : null;
  // Auto-Submitted is what the queueing code said the mail is (RFC 3834), never guessed here.
  const headers: Record<string, string> = {
    'Message-ID': `<${d.message_id}>`,
    'Reply-To': replyTo,
    ...(answers ? { 'In-Reply-To': answers, References: answers } : {}),
    ...(env.automatic ? { 'Auto-Submitted': env.automatic } : {}),
    ...loop,
  };
  const attachments = attachmentsOf(env);
  // A fan-out copy names only its recipient; other mail shows its real addressees.
  const to = templateId === 'fan-out' ? [d.recipient] : env.to;
  const cc = templateId === 'fan-out' ? [] : env.cc;

  const encrypted = async (key: Awaited<ReturnType<typeof confirmedKeyFor>>): Promise<Built> => {
    if (!teamKey) return { wait: 'the desk has no team key yet (generate or import one under Mail settings)' };
    const raw = await sealOutbound({ from, to, cc, subject: env.subject, text: env.body, attachments, headers, recipientKeys: [key!], signingKey: teamKey, date: now });
    return { mode: 'encrypted', raw };
  };

  if (d.recipient_kind === 'member') {
    const own = d.person_id ? await confirmedKeyOfPerson(tx, d.person_id) : null;
    const usability = own ? await keyUsability(own.key, now, own.email) : { usable: false, reason: 'no OpenPGP key is on file for you' };
    if (!d.notice_only && usability.usable) return encrypted(own!.key);
    const link = d.report_id ? `${baseUrl(app)}/cases/${d.report_id}` : `${baseUrl(app)}/`;
    const why = d.notice_only
      ? 'this case is shared with you without the reporter\'s details, so its messages are shown only on the desk'
      : `it could not be encrypted to you: ${usability.reason ?? 'no usable key'}. Upload your OpenPGP public key at ${baseUrl(app)}/me to receive messages encrypted to it`;
    const raw = await composePlain({
      from, to: [d.recipient], subject: `[${rules.teamName}] A message is waiting for you`,
      text: `A message is waiting for you at ${link}\n\nIts content is not in this mail because ${why}.\n`,
      messageId: d.message_id, date: now, headers: { 'Reply-To': replyTo, 'Auto-Submitted': 'auto-generated', ...loop },
    });
    return { mode: 'notice', raw };
  }
  const key = await confirmedKeyFor(tx, d.recipient);
  const usability = key ? await keyUsability(key, now, d.recipient) : { usable: false, reason: 'no confirmed OpenPGP key is on file for this address' };
  if (usability.usable) return encrypted(key);
  // Mail that holds nothing confidential (the answer to undecryptable mail) may go in clear.
  if (rules.unencryptedMail !== 'allow' && !env.nothingSecret) {
    return { refuse: `not sent: ${usability.reason ?? 'no usable key'}, and the process profile does not allow unencrypted mail (unencryptedMail: refuse)` };
  }
  const raw = await composePlain({ from, to, cc, subject: env.subject, text: env.body, attachments, messageId: d.message_id, date: now, headers });
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

/** Records the outcome of one attempt, only if the row is still ours (same claim). */
async function settle(
  app: App, d: ClaimedRow, now: Date,
  outcome: { sent: true; mode: string | null } | { failed: string } | { retryAt: Date; error: string; refund?: boolean },
): Promise<boolean> {
  const ctx: Ctx = { app, principal: SYSTEM };
  return app.db.transaction(async (tx) => {
    let r;
    if ('sent' in outcome) {
      r = await tx.query(`UPDATE deliveries SET status = 'sent', sent_at = $3, lease_until = NULL, last_error = NULL WHERE id = $1 AND status = 'sending' AND attempts = $2`, [d.id, d.attempts, now]);
    } else if ('failed' in outcome) {
      r = await tx.query(`UPDATE deliveries SET status = 'failed', failure = $3, failed_at = $4, lease_until = NULL WHERE id = $1 AND status = 'sending' AND attempts = $2`, [d.id, d.attempts, outcome.failed, now]);
    } else {
      r = await tx.query(
        `UPDATE deliveries SET status = 'queued', next_attempt_at = $3, last_error = $4, lease_until = NULL, attempts = attempts - $5
          WHERE id = $1 AND status = 'sending' AND attempts = $2`,
        [d.id, d.attempts, outcome.retryAt, outcome.error, outcome.refund ? 1 : 0],
      );
    }
    if (r.rowCount !== 1) return false; // our lease ran out and another pass took the row over
    await syncOutboxStatus(tx, d.outbox_id, now);
    if ('sent' in outcome) {
      await audit(ctx, tx, now, { action: 'mail.delivered', subjectType: 'delivery', subjectId: d.id, data: { reportId: d.report_id, kind: d.recipient_kind, mode: outcome.mode, attempt: d.attempts } });
    } else if ('failed' in outcome) {
      await audit(ctx, tx, now, { action: 'mail.delivery_failed', subjectType: 'delivery', subjectId: d.id, data: { reportId: d.report_id, kind: d.recipient_kind, reason: outcome.failed, attempt: d.attempts } });
    }
    return true;
  });
}

/** One pass: claim what is due, build what is not built yet, send, record. */
export async function runDeliveryPass(app: App, opts: DeliveryOptions = {}): Promise<DeliveryPassResult> {
  const result: DeliveryPassResult = { claimed: 0, sent: 0, retried: 0, failed: 0, waiting: null };
  const relay = await smtpRelay(app);
  if (!relay) return { ...result, waiting: 'no SMTP relay is configured' };
  const maxAttempts = opts.maxAttempts ?? app.config.mailDeliveryMaxAttempts;
  const baseMs = opts.backoffMs ?? app.config.mailDeliveryBackoffSeconds * 1000;
  const now = app.clock();
  const claimed = await claim(app, now, opts.batch ?? 50, opts.leaseMs ?? 10 * 60_000);
  result.claimed = claimed.length;
  if (claimed.length === 0) return result;
  const teamKey = await activeTeamKey(app);
  const marker = loopMarker(await messageIdDomain({ app, principal: SYSTEM }, app.db));
  const transport = transportFor(relay);
  try {
    for (const d of claimed) {
      let raw: Uint8Array;
      let mode = d.mode;
      try {
        if (d.raw_sealed) {
          raw = Buffer.from(app.sealer.open(d.raw_sealed, aad('deliveries', 'raw', d.id)), 'base64');
        } else {
          const built = await buildCopy(app, app.db, d, teamKey, now);
          if ('refuse' in built) {
            if (await settle(app, d, now, { failed: built.refuse })) result.failed++;
            continue;
          }
          if ('wait' in built) {
            // Not the recipient's fault: the attempt is not counted.
            await settle(app, d, now, { retryAt: new Date(now.getTime() + baseMs), error: built.wait, refund: true });
            result.waiting = built.wait;
            continue;
          }
          raw = built.raw;
          mode = built.mode;
          const stored = await app.db.query(
            `UPDATE deliveries SET raw_sealed = $3, mode = $4 WHERE id = $1 AND status = 'sending' AND attempts = $2 AND raw_sealed IS NULL`,
            [d.id, d.attempts, app.sealer.seal(Buffer.from(raw).toString('base64'), aad('deliveries', 'raw', d.id)), mode],
          );
          if (stored.rowCount !== 1) continue; // taken over meanwhile: the other pass sends its own build
        }
      } catch (e) {
        const message = `could not build the message: ${e instanceof Error ? e.message : String(e)}`;
        if (d.attempts >= maxAttempts) {
          if (await settle(app, d, now, { failed: message })) result.failed++;
        } else if (await settle(app, d, now, { retryAt: new Date(now.getTime() + backoffMs(d.attempts, baseMs)), error: message })) result.retried++;
        continue;
      }
      try {
        await transport.sendMail({ envelope: { from: verpAddress(relay.bounceAddress, d.id), to: [d.recipient] }, raw: Buffer.from(withLoopHeader(raw, marker)) });
      } catch (e) {
        const f = classify(e);
        if (f.permanent || d.attempts >= maxAttempts) {
          const reason = f.permanent ? f.message : `gave up after ${d.attempts} attempts; last: ${f.message}`;
          if (await settle(app, d, now, { failed: reason })) result.failed++;
        } else if (await settle(app, d, now, { retryAt: new Date(now.getTime() + backoffMs(d.attempts, baseMs)), error: f.message })) {
          result.retried++;
        }
        continue;
      }
      if (await settle(app, d, now, { sent: true, mode })) result.sent++;
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
export function startMailDelivery(app: App, opts: DeliveryOptions & { intervalMs: number; onError?: (e: unknown) => void; onPass?: (r: DeliveryPassResult) => void }): DeliveryHandle {
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
