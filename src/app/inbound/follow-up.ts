import type { Queryable } from '../../store/db.ts';
import type { Ctx } from '../context.ts';
import { rulesOf } from '../admin/instance.ts';
import { loadCase } from '../cases/case.ts';
import { queueMail } from '../cases/messaging.ts';
import { fanOutMessage } from '../delivery/fan-out.ts';
import { teamPublicKey } from '../keys/keys.ts';
import { sendReceipt } from '../intake/receipt.ts';
import type { Letter } from './read.ts';
import type { Entry } from './record.ts';

// The mail that follows from a recorded message, queued in the same transaction (sent after commit):
// the automatic answer to undecryptable mail, the automatic receipt of a new report (receipt.ts: with
// the reporter's status link, encrypted, or held with a notice without content), and the team's
// copies (fan-out).

export async function followUp(ctx: Ctx, tx: Queryable, now: Date, letter: Letter, entry: Entry): Promise<void> {
  if (letter.undecryptable && letter.hygiene.mayAutoReply && letter.sender) {
    await queueUndecryptableReply(ctx, tx, now, entry.reportId, letter.sender, letter.outer.messageId ?? null, letter.undecryptable);
  } else if (entry.outcome === 'new_report' && letter.hygiene.mayAutoReply && letter.sender) {
    await sendReceipt(ctx, tx, now, entry.reportId, letter.outer.messageId ?? null);
  }
  if (entry.fanOut) await fanOutMessage(ctx, tx, now, { reportId: entry.reportId, messageId: entry.messageId });
}

/** Template id of the automatic answer to undecryptable mail. */
export const UNDECRYPTABLE_TEMPLATE = 'mail.undecryptable';

/** At most one automatic answer to undecryptable mail per sender in this period (RFC 3834 2, backscatter). */
const UNDECRYPTABLE_REPLY_PERIOD_MS = 24 * 3600_000;

/**
 * The automatic answer to undecryptable mail (RFC 3834: the caller checked the mail is no bounce,
 * auto-reply, list or loop mail). It says what went wrong and carries the team's public key as an
 * application/pgp-keys attachment. It quotes nothing of the message, not even its subject (which a
 * reporter may have meant to protect), so it holds nothing secret and may go in clear to a sender
 * without a usable key even where the profile refuses mail in clear; to a sender with a confirmed
 * usable key it is encrypted as usual.
 */
async function queueUndecryptableReply(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  reportId: string,
  to: string,
  inReplyTo: string | null,
  e: NonNullable<Letter['undecryptable']>,
): Promise<void> {
  if (await answeredRecently(ctx, tx, now, to)) return;
  const rules = await rulesOf(tx);
  const key = await teamPublicKey(tx);
  const c = await loadCase(tx, reportId);
  await queueMail(ctx, tx, now, {
    reportId,
    incidentId: c?.row.incidentId ?? null,
    templateId: UNDECRYPTABLE_TEMPLATE,
    envelope: {
      to: [to],
      cc: [],
      subject: `Could not decrypt your message`,
      body: undecryptableReplyText(rules.teamName, e, key),
      automatic: 'auto-replied',
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(key
        ? {
            attachments: [
              {
                filename: `${key.fingerprint}.asc`,
                contentType: 'application/pgp-keys',
                contentBase64: Buffer.from(key.armored, 'utf8').toString('base64'),
              },
            ],
          }
        : {}),
      nothingSecret: true,
    },
  });
}

async function answeredRecently(ctx: Ctx, tx: Queryable, now: Date, to: string): Promise<boolean> {
  const recent = await tx.query(
    `SELECT 1 FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
      WHERE o.template_id = $1 AND d.recipient_index = $2 AND d.created_at > $3 LIMIT 1`,
    [UNDECRYPTABLE_TEMPLATE, ctx.app.blind.of('email', to), new Date(now.getTime() - UNDECRYPTABLE_REPLY_PERIOD_MS)],
  );
  return recent.rows.length > 0;
}

function undecryptableReplyText(teamName: string, e: NonNullable<Letter['undecryptable']>, key: { fingerprint: string } | null): string {
  return [
    `Hello,`,
    ``,
    `${teamName} received your encrypted message, but could not decrypt it:`,
    ``,
    `  ${e.message}`,
    ...(e.recipientKeyIds.length ? [``, `It was encrypted to key ID ${e.recipientKeyIds.join(', ')}, which is not the team's key.`] : []),
    ``,
    key
      ? `Please encrypt it again to the team's current public key (fingerprint ${key.fingerprint}), attached to this mail, and send it again. Your message is kept; nobody has read it.`
      : `Please send it again; your message is kept and nobody has read it.`,
    ``,
    `This is an automatic reply; the team has been told that your message arrived.`,
  ].join('\n');
}
