import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { deskUrl } from '../../config.ts';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import type { PersonPrincipal } from '../../domain/access.ts';
import { aad, audit, requireDesk, requirePerson, type Ctx } from '../context.ts';
import { rulesOf } from '../admin/instance.ts';
import type { Envelope } from '../cases/messaging.ts';
import { openDeliveryText, openRecipient, planDeliveries } from './deliveries.ts';

// Whether outbound mail can go out, what waits, and a test mail through the relay. The outbox takes
// mail whatever the settings: a desk with no relay, or no team key, or no delivery job running,
// keeps every message queued. This says so, and why, to the people who can fix it.

/** A queued delivery that has waited this long past its due time has no delivery job taking it. */
export const STALE_AFTER_MS = 10 * 60_000;

export interface OutboundMailStatus {
  /** False when nothing can go out at all (no SMTP relay). */
  canSend: boolean;
  /** Why mail waits, one sentence each, what to do included; empty when mail goes out. */
  problems: string[];
  /** Deliveries not sent yet (queued, or being sent), and since when the oldest waits. */
  queued: number;
  oldestQueuedAt: string | null;
  failed: number;
}

/** Admins run the mail system; the central team answers for the cases' mail (the same rule as the failed list). */
function requireMailOperator(ctx: Ctx): PersonPrincipal | null {
  if (ctx.principal.kind === 'system') return null;
  requireDesk(ctx, 'mail.deliveries');
  return requirePerson(ctx);
}

/** Why outbound mail waits, from the settings and the queue as they are now. */
export async function outboundMailStatus(ctx: Ctx): Promise<OutboundMailStatus> {
  requireMailOperator(ctx);
  return statusOf(ctx.app.db, ctx.app.clock());
}

async function statusOf(db: Queryable, now: Date): Promise<OutboundMailStatus> {
  const r = await db.query<{
    relay: boolean;
    team_key: boolean;
    queued: string;
    oldest: Date | null;
    stale: string;
    failed: string;
  }>(
    `SELECT EXISTS (SELECT 1 FROM smtp_relay WHERE id = 1) AS relay,
            EXISTS (SELECT 1 FROM team_keys WHERE active) AS team_key,
            count(*) FILTER (WHERE status IN ('queued', 'sending')) AS queued,
            min(created_at) FILTER (WHERE status IN ('queued', 'sending')) AS oldest,
            count(*) FILTER (WHERE status = 'queued' AND next_attempt_at < $1) AS stale,
            count(*) FILTER (WHERE status = 'failed') AS failed
       FROM deliveries`,
    [new Date(now.getTime() - STALE_AFTER_MS)],
  );
  const row = r.rows[0]!;
  const queued = Number(row.queued);
  const stale = Number(row.stale);
  const problems: string[] = [];
  if (!row.relay) {
    problems.push('No SMTP relay is set up, so no mail goes out: set one under Mail settings (or EMBARGO_SMTP_RELAY_HOST).');
  }
  if (!row.team_key) {
    problems.push(
      'There is no team key, so mail that must be encrypted and signed waits: generate or import one under Mail settings (or embargo keys generate).',
    );
  }
  // With a relay and a key, mail due long ago that nobody has tried: no delivery job is running.
  if (row.relay && stale > 0) {
    problems.push(
      `${stale} ${stale === 1 ? 'delivery has' : 'deliveries have'} waited more than ${STALE_AFTER_MS / 60_000} minutes past ${stale === 1 ? 'its' : 'their'} time without being tried: is embargo serve running?`,
    );
  }
  return {
    canSend: row.relay,
    problems,
    queued,
    oldestQueuedAt: row.oldest ? new Date(row.oldest).toISOString() : null,
    failed: Number(row.failed),
  };
}

export interface QueuedDelivery {
  id: string;
  recipient: string;
  reportId: string | null;
  caseLabel: string | null;
  status: 'queued' | 'sending';
  attempts: number;
  queuedAt: Date;
  nextAttemptAt: Date;
  /** Why the last attempt did not send it (a 4xx, a connection failure, "no team key yet"), if one was made. */
  lastError: string | null;
}

const withoutAddresses = (text: string): string => text.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '(an external address)');

/** Deliveries not sent yet, oldest first. An admin outside the central team sees no reporter's address, as on the failed list. */
export async function listQueuedDeliveries(ctx: Ctx, limit = 200): Promise<QueuedDelivery[]> {
  const p = requireMailOperator(ctx);
  const showExternal = p === null || p.central;
  const r = await ctx.app.db.query<{
    id: string;
    recipient_sealed: string;
    recipient_kind: 'member' | 'external';
    report_id: string | null;
    ref: string | null;
    number: number | null;
    status: 'queued' | 'sending';
    attempts: number;
    created_at: Date;
    next_attempt_at: Date;
    last_error: string | null;
    last_error_sealed: string | null;
  }>(
    `SELECT d.id, d.recipient_sealed, d.recipient_kind, d.report_id, i.ref, r.number, d.status, d.attempts, d.created_at, d.next_attempt_at,
            d.last_error, d.last_error_sealed
       FROM deliveries d LEFT JOIN reports r ON r.id = d.report_id LEFT JOIN incidents i ON i.id = r.incident_id
      WHERE d.status IN ('queued', 'sending') ORDER BY d.created_at, d.id LIMIT $1`,
    [Math.max(1, Math.min(limit, 1000))],
  );
  return r.rows.map((row) => {
    const hide = row.recipient_kind === 'external' && !showExternal;
    const lastError = openDeliveryText(ctx.app, row.id, 'last_error', row.last_error_sealed, row.last_error);
    return {
      id: row.id,
      recipient: hide ? '(an external recipient)' : openRecipient(ctx.app, row),
      reportId: row.report_id,
      caseLabel: row.ref ?? (row.number !== null ? `report #${row.number}` : null),
      status: row.status,
      attempts: row.attempts,
      queuedAt: new Date(row.created_at),
      nextAttemptAt: new Date(row.next_attempt_at),
      lastError: lastError && hide ? withoutAddresses(lastError) : lastError,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// A test mail

export const TEST_MAIL_TEMPLATE = 'mail.test';

export const TestMailInput = z.strictObject({
  /** Where it goes; absent: the admin's own address. */
  to: z.string().trim().toLowerCase().email().max(320).optional(),
});

export interface TestMail {
  to: string;
  deliveryIds: string[];
}

/**
 * Queues a test mail through the outbox, the way every mail goes: one delivery, its copy built by
 * the delivery job (encrypted to the recipient's key where there is one, signed with the team key),
 * sent over the relay, and listed with the others until it is sent or fails. It says nothing about
 * any case, so it may go in clear. Refused while no relay is set up: it could only wait.
 */
export async function sendTestMail(ctx: Ctx, raw: unknown): Promise<TestMail> {
  requireDesk(ctx, 'mail.settings');
  const input = TestMailInput.parse(raw ?? {});
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const to = input.to ?? (await ownAddress(tx, ctx));
    const status = await statusOf(tx, now);
    if (!status.canSend) throw new ConflictError(`A test mail could only wait: ${status.problems[0]}`);
    const rules = await rulesOf(tx);
    const who = ctx.principal.kind === 'person' ? ctx.principal.name : 'the operator';
    const envelope: Envelope = {
      to: [to],
      cc: [],
      subject: `[${rules.teamName}] Test mail from the desk`,
      body: [
        `This is a test mail from ${rules.teamName}'s Embargo desk at ${deskUrl(ctx.app.config)}, sent at ${who}'s request.`,
        '',
        'If you read it, outbound mail works: the desk built it, the SMTP relay accepted it and it reached you.',
        'Nothing needs to be done with it.',
      ].join('\n'),
      automatic: 'auto-generated',
      nothingSecret: true,
    };
    const outboxId = randomUUID();
    await tx.query(
      `INSERT INTO outbox (id, report_id, incident_id, template_id, envelope_sealed, next_attempt_at, created_at) VALUES ($1, NULL, NULL, $2, $3, $4, $4)`,
      [outboxId, TEST_MAIL_TEMPLATE, ctx.app.sealer.sealJson(envelope, aad('outbox', 'envelope', outboxId)), now],
    );
    const planned = await planDeliveries(ctx, tx, now, { outboxId, reportId: null, envelope });
    await audit(ctx, tx, now, {
      action: 'mail.test_queued',
      subjectType: 'outbox',
      subjectId: outboxId,
      data: { to, deliveries: planned.map((d) => d.id) },
    });
    return { to, deliveryIds: planned.map((d) => d.id) };
  });
}

async function ownAddress(tx: Queryable, ctx: Ctx): Promise<string> {
  if (ctx.principal.kind !== 'person')
    throw new ValidationError('Say where the test mail goes.', [{ path: 'to', message: 'give an address' }]);
  const r = await tx.query<{ email: string }>(
    'SELECT email FROM person_emails WHERE person_id = $1 ORDER BY is_primary DESC, email LIMIT 1',
    [ctx.principal.personId],
  );
  const email = r.rows[0]?.email;
  if (!email)
    throw new ValidationError('You have no address on file; say where the test mail goes.', [{ path: 'to', message: 'give an address' }]);
  return email;
}

export interface TestMailRecord {
  recipient: string;
  queuedAt: Date;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  /** The failure, or the last attempt's error while it waits. */
  detail: string | null;
}

/** The latest test mails and what became of them, for the deliveries page. */
export async function recentTestMails(ctx: Ctx, limit = 5): Promise<TestMailRecord[]> {
  requireDesk(ctx, 'mail.settings');
  const r = await ctx.app.db.query<{
    id: string;
    recipient_sealed: string;
    created_at: Date;
    status: TestMailRecord['status'];
    failure: string | null;
    failure_sealed: string | null;
    last_error: string | null;
    last_error_sealed: string | null;
  }>(
    `SELECT d.id, d.recipient_sealed, d.created_at, d.status, d.failure, d.failure_sealed, d.last_error, d.last_error_sealed
       FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
      WHERE o.template_id = $1 ORDER BY d.created_at DESC, d.id LIMIT $2`,
    [TEST_MAIL_TEMPLATE, Math.max(1, Math.min(limit, 50))],
  );
  return r.rows.map((row) => ({
    recipient: openRecipient(ctx.app, row),
    queuedAt: new Date(row.created_at),
    status: row.status,
    detail:
      openDeliveryText(ctx.app, row.id, 'failure', row.failure_sealed, row.failure) ??
      openDeliveryText(ctx.app, row.id, 'last_error', row.last_error_sealed, row.last_error),
  }));
}
