import { auditAll, type App, type AuditEntry, type Ctx } from '../context.ts';
import { openRecipient, sealCopy, sealDeliveryText, syncOutboxStatus } from './deliveries.ts';

// The states of a delivery attempt: claimed for sending, its built copy stored, its outcome recorded.
//
// A claim marks due rows 'sending' with a lease in a short transaction (FOR UPDATE SKIP LOCKED, so
// several servers never take the same row); the sending itself happens outside any transaction (an
// SMTP exchange must not hold one open). Every later write is guarded by the claim (status 'sending'
// and the attempt count it was claimed with): once a lease ran out and another pass took the row
// over, this pass's writes change nothing.
// - sent: recorded with its instant.
// - failed: at once for a permanent failure (the server's reply as the reason), or after the last
//   attempt.
// - retried: queued again after a backoff that doubles each attempt (first delay the base, at most 6
//   hours); an attempt that was not the recipient's fault (no team key yet) is refunded.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'mail-delivery' };
const MAX_BACKOFF_MS = 6 * 3600_000;

export interface ClaimedRow {
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

/**
 * Claims up to `batch` due rows (queued and due, or 'sending' with a lease that ran out) for `leaseMs`,
 * the copies of one message together (by outbox row): a pass builds each message's shared parts, and
 * signs it, once for the copies it claimed.
 */
export async function claimDue(app: App, now: Date, batch: number, leaseMs: number): Promise<ClaimedRow[]> {
  return app.db.transaction(async (tx) => {
    const r = await tx.query<Omit<ClaimedRow, 'recipient'> & { recipient_sealed: string }>(
      `UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, lease_until = $2
         FROM (SELECT id FROM deliveries
                WHERE (status = 'queued' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1)
                ORDER BY next_attempt_at, outbox_id, id LIMIT $3 FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id
        RETURNING d.id, d.outbox_id, d.report_id, d.recipient_sealed, d.person_id, d.recipient_kind, d.notice_only, d.message_id, d.raw_sealed, d.mode, d.attempts`,
      [now, new Date(now.getTime() + leaseMs), batch],
    );
    return r.rows.map(({ recipient_sealed, ...row }) => ({ ...row, recipient: openRecipient(app, { id: row.id, recipient_sealed }) }));
  });
}

export type Outcome =
  | { sent: true; mode: string | null }
  /** held: refused for want of the recipient's key; confirming one queues it again (reporter-plan.ts). */
  | { failed: string; held?: boolean }
  | { retryAt: Date; error: string; refund?: boolean };

export interface Attempt {
  d: ClaimedRow;
  outcome: Outcome;
}

/** The next attempt after a transient failure, or the final failure once the attempts are used up. */
export function retryOrFail(d: ClaimedRow, message: string, now: Date, maxAttempts: number, baseMs: number): Outcome {
  return d.attempts >= maxAttempts
    ? { failed: `gave up after ${d.attempts} attempts; last: ${message}` }
    : { retryAt: new Date(now.getTime() + backoffMs(d.attempts, baseMs)), error: message };
}

/**
 * Stores built copies sealed, each only if its row is still ours and has no copy yet, in one
 * statement; returns the ids stored. A row taken over meanwhile is sent by the other pass, with its own build.
 * Each copy is a parameter of its own, not an element of an array parameter: a copy is tens of
 * kilobytes, and an array's text form is quoted element by element on the way in and parsed again
 * on the other side.
 */
export async function storeCopies(
  app: App,
  built: readonly { d: ClaimedRow; raw: Uint8Array; mode: string | null }[],
): Promise<Set<string>> {
  if (built.length === 0) return new Set();
  const rows = built.map((_, i) => `($${4 * i + 1}::uuid, $${4 * i + 2}::int, $${4 * i + 3}::text, $${4 * i + 4}::text)`);
  const stored = await app.db.query<{ id: string }>(
    `UPDATE deliveries d SET raw_sealed = u.raw, mode = u.mode
       FROM (VALUES ${rows.join(', ')}) AS u(id, attempts, raw, mode)
      WHERE d.id = u.id AND d.status = 'sending' AND d.attempts = u.attempts AND d.raw_sealed IS NULL
      RETURNING d.id`,
    built.flatMap((b) => [b.d.id, b.d.attempts, sealCopy(app, b.d.id, b.raw), b.mode]),
  );
  return new Set(stored.rows.map((row) => row.id));
}

/**
 * Records the outcomes of attempts in one transaction, each only if its row is still ours (the same
 * claim: 'sending' with the attempt count we claimed it with; otherwise our lease ran out and another
 * pass took the row over). One audit event per delivery outcome, as for a single copy; the outbox
 * rows follow their deliveries, unless the caller knows their status cannot change (syncOutboxes
 * false: see runDeliveryPass). Returns the ids recorded.
 */
export async function recordOutcomes(app: App, attempts: readonly Attempt[], now: Date, syncOutboxes = true): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const ctx: Ctx = { app, principal: SYSTEM };
  const status = (o: Outcome) => ('sent' in o ? 'sent' : 'failed' in o ? 'failed' : 'queued');
  return app.db.transaction(async (tx) => {
    const r = await tx.query<{ id: string }>(
      `UPDATE deliveries d SET
          status = u.status,
          sent_at = CASE WHEN u.status = 'sent' THEN $7::timestamptz ELSE d.sent_at END,
          failure = CASE WHEN u.status = 'failed' THEN NULL ELSE d.failure END,
          failure_sealed = CASE WHEN u.status = 'failed' THEN u.reason ELSE d.failure_sealed END,
          failed_at = CASE WHEN u.status = 'failed' THEN $7::timestamptz ELSE d.failed_at END,
          next_attempt_at = CASE WHEN u.status = 'queued' THEN u.retry_at::timestamptz ELSE d.next_attempt_at END,
          last_error = CASE WHEN u.status IN ('sent', 'queued') THEN NULL ELSE d.last_error END,
          last_error_sealed = CASE u.status WHEN 'sent' THEN NULL WHEN 'queued' THEN u.reason ELSE d.last_error_sealed END,
          attempts = d.attempts - u.refund,
          held_for_key = u.status = 'failed' AND u.held,
          lease_until = NULL
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $8::boolean[])
              AS u(id, attempts, status, reason, retry_at, refund, held)
        WHERE d.id = u.id AND d.status = 'sending' AND d.attempts = u.attempts
        RETURNING d.id`,
      [
        attempts.map((a) => a.d.id),
        attempts.map((a) => a.d.attempts),
        attempts.map((a) => status(a.outcome)),
        // The server's words, sealed for the column they go to (they quote addresses and the message).
        attempts.map(({ d, outcome: o }) =>
          'failed' in o
            ? sealDeliveryText(app, d.id, 'failure', o.failed)
            : 'error' in o
              ? sealDeliveryText(app, d.id, 'last_error', o.error)
              : null,
        ),
        attempts.map(({ outcome: o }) => ('retryAt' in o ? o.retryAt.toISOString() : null)),
        attempts.map(({ outcome: o }) => ('refund' in o && o.refund ? 1 : 0)),
        now,
        attempts.map(({ outcome: o }) => 'failed' in o && o.held === true),
      ],
    );
    const ours = new Set(r.rows.map((row) => row.id));
    const recorded = attempts.filter((a) => ours.has(a.d.id));
    if (syncOutboxes) for (const outboxId of new Set(recorded.map((a) => a.d.outbox_id))) await syncOutboxStatus(tx, outboxId, now);
    // One audit event per delivery outcome, appended in one statement for the whole batch.
    await auditAll(
      ctx,
      tx,
      now,
      recorded.flatMap(({ d, outcome }): AuditEntry[] =>
        'sent' in outcome
          ? [
              {
                action: 'mail.delivered',
                subjectType: 'delivery',
                subjectId: d.id,
                data: { reportId: d.report_id, kind: d.recipient_kind, mode: outcome.mode, attempt: d.attempts },
              },
            ]
          : 'failed' in outcome
            ? [
                {
                  action: 'mail.delivery_failed',
                  subjectType: 'delivery',
                  subjectId: d.id,
                  data: { reportId: d.report_id, kind: d.recipient_kind, attempt: d.attempts },
                  secret: { reason: outcome.failed },
                },
              ]
            : [],
      ),
    );
    return ours;
  });
}
