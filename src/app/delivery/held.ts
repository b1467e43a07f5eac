import type { Queryable } from '../../store/db.ts';
import { audit, type Ctx } from '../context.ts';
import { CLEAR_DELIVERY_TEXTS, sealDeliveryText, syncOutboxStatus } from './deliveries.ts';

// Deliveries to an outsider held for want of their key: the copy cannot be encrypted to them and the
// profile refuses mail in clear. A held copy is a failed delivery (listed with the reason,
// resendable); a reporter's copy is held from the moment it is queued (messageReporter), so what the
// reply form and the list's copy say about it is exactly what happened. Confirming a key for the
// address queues every held copy to it again: it then goes out encrypted to that key.

/** The failure recorded on a held delivery. */
export function heldReason(why: string): string {
  return `held: ${why}, and the process profile does not allow unencrypted mail (unencryptedMail: refuse); it is sent encrypted once a key for this address is confirmed`;
}

/** Marks the recipient's planned delivery of an outbox row held: failed now, with the reason. */
export async function holdDelivery(ctx: Ctx, tx: Queryable, at: Date, outboxId: string, recipient: string, why: string): Promise<void> {
  const r = await tx.query<{ id: string }>(
    `SELECT id FROM deliveries WHERE outbox_id = $1 AND recipient_index = $2 AND status = 'queued' FOR UPDATE`,
    [outboxId, ctx.app.blind.of('email', recipient)],
  );
  for (const row of r.rows) {
    await tx.query(
      `UPDATE deliveries SET status = 'failed', failure = NULL, failure_sealed = $2, failed_at = $3, held_for_key = true WHERE id = $1`,
      [row.id, sealDeliveryText(ctx.app, row.id, 'failure', heldReason(why)), at],
    );
  }
  await syncOutboxStatus(tx, outboxId, at);
  for (const row of r.rows) {
    await audit(ctx, tx, at, { action: 'mail.delivery_held', subjectType: 'delivery', subjectId: row.id, data: { outboxId } });
  }
}

/**
 * Queues again every delivery held for want of a key for this address (called when a key for it is
 * confirmed): rebuilt from its envelope, so it is encrypted to the key; same Message-ID. Returns how many.
 */
export async function releaseHeld(ctx: Ctx, tx: Queryable, at: Date, email: string): Promise<number> {
  const r = await tx.query<{ id: string; outbox_id: string }>(
    `UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_at = $2, raw_sealed = NULL, mode = NULL, ${CLEAR_DELIVERY_TEXTS},
            failed_at = NULL, lease_until = NULL, held_for_key = false
      WHERE recipient_index = $1 AND status = 'failed' AND held_for_key RETURNING id, outbox_id`,
    [ctx.app.blind.of('email', email), at],
  );
  for (const outboxId of new Set(r.rows.map((row) => row.outbox_id))) await syncOutboxStatus(tx, outboxId, at);
  for (const row of r.rows) {
    await audit(ctx, tx, at, {
      action: 'mail.delivery_released',
      subjectType: 'delivery',
      subjectId: row.id,
      data: { reason: 'key confirmed' },
    });
  }
  return r.rows.length;
}
