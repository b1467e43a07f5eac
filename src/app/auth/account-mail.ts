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

/** The person's primary address (any address if none is marked), or null when they have none. */
async function addressOf(tx: Queryable, personId: string): Promise<string | null> {
  const r = await tx.query<{ email: string }>(
    'SELECT email FROM person_emails WHERE person_id = $1 ORDER BY is_primary DESC, email LIMIT 1',
    [personId],
  );
  return r.rows[0]?.email ?? null;
}

/** Queues one account mail to the person; returns the outbox id, or null when they have no address. */
export async function queueAccountMail(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  opts: { personId: string; templateId: string; subject: string; body: string },
): Promise<string | null> {
  const to = await addressOf(tx, opts.personId);
  if (!to) return null;
  const outboxId = randomUUID();
  const envelope: Envelope = {
    to: [to],
    cc: [],
    subject: opts.subject,
    body: opts.body,
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
