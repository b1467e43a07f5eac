import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { aad, type Ctx } from '../context.ts';
import type { Envelope } from '../cases/messaging.ts';
import { planDeliveries } from '../delivery/deliveries.ts';

// Mail about a person's own account (the unlock link, a sign-in from a new place), tied to no case.
// It goes through the desk's normal outbox, queued in the transaction of the change that caused it:
// encrypted to the person's own key when they have a usable one, like all member mail. It quotes
// nothing of any case, so where they have no usable key it goes in clear (nothingSecret) rather than
// as the "a message is waiting on the desk" notice: a person locked out of the desk could not read that.

export const UNLOCK_TEMPLATE = 'auth.unlock';
export const NEW_PLACE_TEMPLATE = 'auth.new_place';

/** The person's primary address (any address if none is marked) and zone, or null when they have no address. */
async function recipientOf(tx: Queryable, personId: string): Promise<{ email: string; timeZone: string } | null> {
  const r = await tx.query<{ email: string; time_zone: string }>(
    `SELECT e.email, p.time_zone FROM person_emails e JOIN people p ON p.id = e.person_id
      WHERE e.person_id = $1 ORDER BY e.is_primary DESC, e.email LIMIT 1`,
    [personId],
  );
  const row = r.rows[0];
  return row ? { email: row.email, timeZone: row.time_zone } : null;
}

/**
 * Queues one account mail to the person; returns the outbox id, or null when they have no address.
 * A body given as a function is written in the person's own time zone (the instants it names).
 */
export async function queueAccountMail(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  opts: { personId: string; templateId: string; subject: string; body: string | ((timeZone: string) => string) },
): Promise<string | null> {
  const recipient = await recipientOf(tx, opts.personId);
  if (!recipient) return null;
  const to = recipient.email;
  const body = typeof opts.body === 'string' ? opts.body : opts.body(recipient.timeZone);
  const outboxId = randomUUID();
  const envelope: Envelope = {
    to: [to],
    cc: [],
    subject: opts.subject,
    body,
    automatic: 'auto-generated',
    nothingSecret: true,
  };
  await tx.query(
    `INSERT INTO outbox (id, report_id, incident_id, template_id, envelope_sealed, next_attempt_at, created_at) VALUES ($1, NULL, NULL, $2, $3, $4, $4)`,
    [outboxId, opts.templateId, ctx.app.sealer.sealJson(envelope, aad('outbox', 'envelope', outboxId)), at],
  );
  await planDeliveries(ctx, tx, at, { outboxId, reportId: null, envelope });
  return outboxId;
}
