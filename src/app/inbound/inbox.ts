import { createHash } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { NotFoundError, ValidationError, ConflictError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { aad, audit, requireAdmin, type App, type Ctx } from '../context.ts';

// The durable inbox. Every door (SMTP, IMAP, `embargo mail import`) commits the raw message here
// before it acknowledges it to anyone: an SMTP 250, an IMAP move or flag, a printed id. Only then does
// the intake job process it, so a crash loses nothing that was acknowledged.
//
// Lifecycle: received → processing (claimed, with a lease) → done | rejected | failed.
// - The pipeline's writes and the move to done/rejected commit in one transaction that also checks
//   the claim is still this attempt's: a crash mid-way rolls everything back and the message is
//   claimed again once the lease has passed; a slow processor whose lease was taken over commits
//   nothing.
// - A message whose processing throws is marked failed with the error and kept; an admin can retry
//   it. A message that was claimed MAX_ATTEMPTS times without finishing (its processing crashed the
//   process each time) is marked failed too, so one poisonous message cannot stall the inbox.

export type Via = 'smtp' | 'imap' | 'import';
export type InboxStatus = 'received' | 'processing' | 'done' | 'rejected' | 'failed';

/** What processing made of a message (recorded with done and rejected). */
export type Outcome =
  | 'new_report'
  | 'reporter_reply'
  | 'member_reply'
  | 'third_party'
  | 'bounce'
  | 'auto_reply'
  | 'loop'
  | 'member_unverified'
  | 'rejected'
  // A desk member's mail to a case's reply address (src/app/relay/relay-mail.ts).
  | 'member_relayed'
  | 'member_not_relayed';

export const MAX_ATTEMPTS = 5;

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'mail-gateway' };

export function sha256Hex(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex');
}

export interface IncomingMail {
  raw: Buffer;
  via: Via;
  /** SMTP MAIL FROM ('' for the null sender <>); for IMAP and import what Return-Path or From says. */
  envelopeFrom: string;
  envelopeTo: string[];
}

export interface Stored {
  id: string;
  /** The same bytes were stored before (an IMAP re-fetch, a sender's retry): nothing new was stored. */
  duplicate: boolean;
}

/**
 * Commits the raw message (sealed) and returns once it is durable. Identical bytes are stored once.
 */
export async function storeRaw(app: App, mail: IncomingMail): Promise<Stored> {
  const now = app.clock();
  const hash = sha256Hex(mail.raw);
  const id = crypto.randomUUID();
  const { sealer } = app;
  return app.db.transaction(async (tx) => {
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO mail_inbox (id, received_at, via, envelope_from_sealed, envelope_to_sealed, size, sha256, raw_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (sha256) DO NOTHING RETURNING id`,
      [
        id,
        now,
        mail.via,
        sealer.seal(mail.envelopeFrom, aad('mail_inbox', 'envelope_from', id)),
        sealer.sealJson(mail.envelopeTo, aad('mail_inbox', 'envelope_to', id)),
        mail.raw.length,
        hash,
        sealer.seal(mail.raw.toString('base64'), aad('mail_inbox', 'raw', id)),
      ],
    );
    if (inserted.rows.length === 0) {
      const existing = await tx.query<{ id: string }>('SELECT id FROM mail_inbox WHERE sha256 = $1', [hash]);
      return { id: existing.rows[0]!.id, duplicate: true };
    }
    await audit({ app, principal: SYSTEM }, tx, now, {
      action: 'mail.received',
      subjectType: 'mail',
      subjectId: id,
      data: { via: mail.via, size: mail.raw.length },
    });
    return { id, duplicate: false };
  });
}

export interface Claim {
  id: string;
  attempt: number;
  via: Via;
  receivedAt: Date;
  raw: Buffer;
  envelopeFrom: string;
  envelopeTo: string[];
}

/**
 * Claims the oldest message waiting (received, or processing with an expired lease) for one attempt.
 * Several intake jobs may run: SKIP LOCKED lets each take a different message.
 */
export async function claimNext(app: App, leaseMs: number): Promise<Claim | null> {
  const now = app.clock();
  for (;;) {
    const r = await app.db.query<{
      id: string;
      attempts: number;
      via: Via;
      received_at: Date;
      raw_sealed: string;
      envelope_from_sealed: string;
      envelope_to_sealed: string;
    }>(
      `UPDATE mail_inbox SET status = 'processing', attempts = attempts + 1, lease_until = $2
        WHERE id = (SELECT id FROM mail_inbox
                     WHERE status = 'received' OR (status = 'processing' AND lease_until < $1)
                     ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, attempts, via, received_at, raw_sealed, envelope_from_sealed, envelope_to_sealed`,
      [now, new Date(now.getTime() + leaseMs)],
    );
    const row = r.rows[0];
    if (!row) return null;
    if (row.attempts > MAX_ATTEMPTS) {
      await app.db.query(
        `UPDATE mail_inbox SET status = 'failed', lease_until = NULL, processed_at = $3,
                error = $2 WHERE id = $1 AND attempts = $4`,
        [
          row.id,
          `Processing did not finish in ${MAX_ATTEMPTS} attempts (each one crashed or timed out); kept for an admin to look at.`,
          now,
          row.attempts,
        ],
      );
      continue;
    }
    const { sealer } = app;
    return {
      id: row.id,
      attempt: row.attempts,
      via: row.via,
      receivedAt: new Date(row.received_at),
      raw: Buffer.from(sealer.open(row.raw_sealed, aad('mail_inbox', 'raw', row.id)), 'base64'),
      envelopeFrom: sealer.open(row.envelope_from_sealed, aad('mail_inbox', 'envelope_from', row.id)),
      envelopeTo: sealer.openJson<string[]>(row.envelope_to_sealed, aad('mail_inbox', 'envelope_to', row.id)),
    };
  }
}

/**
 * Locks the claimed row inside the finishing transaction; false if the claim is no longer this
 * attempt's (its lease expired and another processor took it), in which case nothing must be written.
 */
export async function holdClaim(tx: Queryable, claim: Claim): Promise<boolean> {
  const r = await tx.query('SELECT 1 FROM mail_inbox WHERE id = $1 AND status = $2 AND attempts = $3 FOR UPDATE', [
    claim.id,
    'processing',
    claim.attempt,
  ]);
  return r.rows.length === 1;
}

/** What OpenPGP and hygiene found, recorded with the outcome. */
export interface MailFacts {
  encryption: 'none' | 'pgp-mime' | 'inline' | 'undecryptable' | null;
  signature: 'none' | 'valid' | 'invalid' | 'unknown_key' | null;
  signatureShape: string | null;
  signerFingerprint: string | null;
  signerPersonId: string | null;
  protectedSubject: boolean | null;
  htmlConverted: boolean | null;
}

export const NO_FACTS: MailFacts = {
  encryption: null,
  signature: null,
  signatureShape: null,
  signerFingerprint: null,
  signerPersonId: null,
  protectedSubject: null,
  htmlConverted: null,
};

export async function finishClaim(
  tx: Queryable,
  claim: Claim,
  at: Date,
  result: { status: 'done' | 'rejected'; outcome: Outcome; reportId: string | null; error: string | null; facts: MailFacts },
): Promise<void> {
  const f = result.facts;
  await tx.query(
    `UPDATE mail_inbox SET status = $2, outcome = $3, report_id = $4, error = $5, processed_at = $6, lease_until = NULL,
            encryption = $7, signature = $8, signature_shape = $9, signer_fingerprint = $10, signer_person_id = $11,
            protected_subject = $12, html_converted = $13
      WHERE id = $1 AND attempts = $14`,
    [
      claim.id,
      result.status,
      result.outcome,
      result.reportId,
      result.error,
      at,
      f.encryption,
      f.signature,
      f.signatureShape,
      f.signerFingerprint,
      f.signerPersonId,
      f.protectedSubject,
      f.htmlConverted,
      claim.attempt,
    ],
  );
}

/** Processing threw: the message is kept, marked failed with the error, for an admin to retry. */
export async function failClaim(app: App, claim: Claim, error: string): Promise<void> {
  const now = app.clock();
  await app.db.transaction(async (tx) => {
    const r = await tx.query(
      `UPDATE mail_inbox SET status = 'failed', error = $2, processed_at = $3, lease_until = NULL WHERE id = $1 AND attempts = $4 AND status = 'processing'`,
      [claim.id, error.slice(0, 2000), now, claim.attempt],
    );
    if (r.rowCount === 1) {
      await audit({ app, principal: SYSTEM }, tx, now, {
        action: 'mail.failed',
        subjectType: 'mail',
        subjectId: claim.id,
        data: { attempt: claim.attempt },
      });
    }
  });
}

export interface InboxEntry {
  id: string;
  receivedAt: string;
  via: Via;
  size: number;
  status: InboxStatus;
  attempts: number;
  outcome: string | null;
  error: string | null;
  reportId: string | null;
  incidentRef: string | null;
}

const ENTRY_SQL = `SELECT m.id, m.received_at, m.via, m.size, m.status, m.attempts, m.outcome, m.error, m.report_id, i.ref
                     FROM mail_inbox m LEFT JOIN reports r ON r.id = m.report_id LEFT JOIN incidents i ON i.id = r.incident_id`;

type EntryRow = {
  id: string;
  received_at: Date;
  via: Via;
  size: number;
  status: InboxStatus;
  attempts: number;
  outcome: string | null;
  error: string | null;
  report_id: string | null;
  ref: string | null;
};

const toEntry = (r: EntryRow): InboxEntry => ({
  id: r.id,
  receivedAt: new Date(r.received_at).toISOString(),
  via: r.via,
  size: r.size,
  status: r.status,
  attempts: r.attempts,
  outcome: r.outcome,
  error: r.error,
  reportId: r.report_id,
  incidentRef: r.ref,
});

/** One inbox row by id (for the door that stored it: `embargo mail import` waits for its outcome). */
export async function inboxEntry(app: App, id: string): Promise<InboxEntry | null> {
  const r = await app.db.query<EntryRow>(`${ENTRY_SQL} WHERE m.id = $1`, [id]);
  return r.rows[0] ? toEntry(r.rows[0]) : null;
}

/** Messages for an admin's attention (failed and rejected by default); no content, no addresses. */
export async function listInbox(ctx: Ctx, filter: { status?: InboxStatus[]; limit?: number } = {}): Promise<InboxEntry[]> {
  requireAdmin(ctx);
  const statuses = filter.status ?? ['failed', 'rejected'];
  const r = await ctx.app.db.query<EntryRow>(`${ENTRY_SQL} WHERE m.status = ANY($1) ORDER BY m.seq DESC LIMIT $2`, [
    statuses,
    Math.min(filter.limit ?? 100, 1000),
  ]);
  return r.rows.map(toEntry);
}

/**
 * What an admin sees of a stored message that needs attention: metadata, the envelope sender (to tell
 * a loop, a bounce or a misconfigured relay from a person's mail) and the reason. Never the content,
 * and not the case it may have landed on: the sender next to a case would tell an admin, who does not
 * see cases, who reported what.
 */
export interface InboxAttention {
  id: string;
  receivedAt: string;
  via: Via;
  envelopeFrom: string;
  size: number;
  status: InboxStatus;
  /** Waiting (received or processing) longer than it should: no intake job took it, or its processor died. */
  stuck: boolean;
  attempts: number;
  outcome: string | null;
  /** Why it failed or was rejected; for a stuck message, what it is waiting for. */
  reason: string | null;
  retryable: boolean;
}

/**
 * A waiting message is stuck when nothing finished it in time: a processing one whose lease passed
 * (its processor died and no intake job took it over), a received one not taken within the lease
 * period (or, after a retry, within the lease period from the retry, which sets lease_until).
 */
const STUCK_SQL = `(m.status = 'processing' AND m.lease_until < $1)
                   OR (m.status = 'received' AND coalesce(m.lease_until, m.received_at + make_interval(secs => $2)) < $1)`;

/** Failed, rejected and stuck messages, newest first, for the admin page and API (admins only). */
export async function inboxAttention(ctx: Ctx, filter: { limit?: number } = {}): Promise<InboxAttention[]> {
  requireAdmin(ctx);
  const { app } = ctx;
  const now = app.clock();
  const stuckAfterSeconds = app.config.mailLeaseSeconds;
  const r = await app.db.query<EntryRow & { envelope_from_sealed: string; stuck: boolean }>(
    `SELECT m.id, m.received_at, m.via, m.size, m.status, m.attempts, m.outcome, m.error, m.envelope_from_sealed, (${STUCK_SQL}) AS stuck
       FROM mail_inbox m
      WHERE m.status IN ('failed', 'rejected') OR ${STUCK_SQL}
      ORDER BY m.seq DESC LIMIT $3`,
    [now, stuckAfterSeconds, Math.min(Math.max(filter.limit ?? 200, 1), 1000)],
  );
  return r.rows.map((row) => {
    const stuck = row.stuck === true && (row.status === 'received' || row.status === 'processing');
    return {
      id: row.id,
      receivedAt: new Date(row.received_at).toISOString(),
      via: row.via,
      envelopeFrom: app.sealer.open(row.envelope_from_sealed, aad('mail_inbox', 'envelope_from', row.id)),
      size: row.size,
      status: row.status,
      stuck,
      attempts: row.attempts,
      outcome: row.outcome,
      reason:
        row.error ??
        (stuck
          ? row.status === 'processing'
            ? 'Its processor stopped before finishing (the lease passed); the intake job of a running server takes it over.'
            : 'Not taken by the intake job yet: is a server running (embargo serve)?'
          : null),
      retryable: row.status === 'failed',
    };
  });
}

/** Puts a failed message back in the queue; the intake job processes it again. */
export async function retryInbox(ctx: Ctx, id: string): Promise<void> {
  requireAdmin(ctx);
  if (!isUuid(id)) throw new ValidationError('Give the id of a stored message.');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const cur = await tx.query<{ status: InboxStatus }>('SELECT status FROM mail_inbox WHERE id = $1 FOR UPDATE', [id]);
    const row = cur.rows[0];
    if (!row) throw new NotFoundError('stored message');
    if (row.status !== 'failed') throw new ConflictError(`The message is ${row.status}; only a failed message can be retried.`);
    // lease_until on a received message is the time it should have been taken by (see STUCK_SQL).
    const takeBy = new Date(now.getTime() + ctx.app.config.mailLeaseSeconds * 1000);
    await tx.query(`UPDATE mail_inbox SET status = 'received', attempts = 0, error = NULL, lease_until = $2 WHERE id = $1`, [id, takeBy]);
    await audit(ctx, tx, now, { action: 'mail.retried', subjectType: 'mail', subjectId: id });
  });
}
