import { createHash } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import type { PersonPrincipal } from '../../domain/access.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { aad, audit, type Ctx } from '../context.ts';
import { requireCaseAction } from '../gate.ts';
import type { LoadedCase } from '../cases/case.ts';
import { defaultReporterSubject, messageReporter, stageOf, threadHeaders, type Envelope } from '../cases/messaging.ts';
import { emit } from '../events.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { armoredSignedMessage, encodeWords, formatAddressList, relaySigned } from '../../mail/pgp-out.ts';
import { parseEntity } from '../../mail/mime.ts';
import { DEFAULT_MIME_LIMITS, type SignedEntity } from '../../mail/types.ts';
import { type ReporterMailPlan, reporterMailPlan } from '../delivery/reporter-plan.ts';
import { sealCopy } from '../delivery/deliveries.ts';

export { type ReporterMailPlan, reporterMailPlan };

// A reply to the reporter signed with the member's own OpenPGP key (the processes require outbound
// mail to other parties to carry the member's signature, not only the team's). Two doors lead here:
// the member's mail client, through the case's reply address (src/app/relay/relay-mail.ts), and the web UI,
// where the browser signs (src/app/relay/relay-web.ts). Both have checked the signature against the
// member's confirmed key before calling recordSignedReply.
//
// The reply is a thread message like any reply to the reporter (the status page shows it, the copy
// rules' cc apply, "waiting for the reporter" pauses clocks as for a web reply); what differs is the
// reporter's copy. It is built here, once, in the transaction that records the reply, and stored in
// the delivery row before the delivery job can see it (migration 012 keeps it through a resend):
// - the reporter has a confirmed, usable key: the member's signed entity, byte for byte, inside the
//   encryption to that key (relaySigned). The reporter's client verifies the member's signature.
// - no usable key, and the profile allows mail in clear (keyPolicy.unencryptedMail: allow): the
//   signed entity is sent as it is, so it is still verifiably the member's.
// - no usable key and the profile refuses: the reply is refused (RelayRefusedError), nothing recorded.
// - the reporter gave no address: the reply is on their status page only.

/** The reply cannot go to the reporter as it stands; the message says why and what would help. */
export class RelayRefusedError extends EmbargoError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'RelayRefusedError';
  }
}

/** Why a refused plan refuses, as a sentence for the member. */
export function refusalOf(plan: Extract<ReporterMailPlan, { mode: 'refused' }>): string {
  return (
    `Not sent: ${plan.why}, and this desk's process profile does not allow mail in clear (keyPolicy.unencryptedMail: refuse). ` +
    'Confirm a key the reporter offered (on the case page), or ask them for their key.'
  );
}

export interface SignedReply {
  /** The member who signed; the Ctx principal must be them. */
  signer: PersonPrincipal;
  signerFingerprint: string;
  /** Exactly as signed: relayed byte for byte. */
  signed: SignedEntity;
  /** The reply's text, for the thread and the status page (decoded from the signed entity). */
  text: string;
  subject?: string | undefined;
  waitForReporter: boolean;
  via: 'mail' | 'web';
}

export interface SignedReplyResult {
  messageId: string;
  outboxId: string | null;
  deliveryId: string | null;
  mode: 'encrypted' | 'plaintext' | 'none';
}

/**
 * Records a verified, signed reply to the reporter and queues the reporter's copy built from the
 * signed entity. Call in a transaction; the Ctx principal is the signer. Throws ForbiddenError when
 * the signer may not reply on this case now, RelayRefusedError when nothing may be sent to the reporter.
 */
export async function recordSignedReply(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  c: LoadedCase,
  rules: ProfileRules,
  reply: SignedReply,
): Promise<SignedReplyResult> {
  if (ctx.principal.kind !== 'person' || ctx.principal.personId !== reply.signer.personId) {
    throw new EmbargoError('internal', 'A signed reply is recorded in the name of its signer only.');
  }
  requireCaseAction(ctx, c, rules, 'case.reply');
  const signedSha256 = signedEntityDigest(reply.signed);
  const replayed = await tx.query('SELECT 1 FROM relayed_replies WHERE signed_sha256 = $1', [signedSha256]);
  if (replayed.rows.length > 0)
    throw new RelayRefusedError(
      'Not sent: this signed message was relayed to the reporter already; a signed reply is relayed once (a copy sent again is a replay).',
    );
  const plan = await reporterMailPlan(ctx, tx, c, rules, now);
  if (plan.mode === 'refused') throw new RelayRefusedError(refusalOf(plan));

  const subject = reply.subject?.replace(/[\r\n]+/g, ' ').trim() || (await defaultReporterSubject(ctx, tx, c, rules.teamName));
  const { messageId, outboxId } = await messageReporter(ctx, tx, now, rules, c, {
    templateId: SIGNED_REPLY_TEMPLATE,
    subject,
    body: reply.text,
  });

  let deliveryId: string | null = null;
  if (plan.mode !== 'none' && outboxId) {
    const d = await tx.query<{ id: string; message_id: string }>(
      'SELECT id, message_id FROM deliveries WHERE outbox_id = $1 AND recipient_index = $2',
      [outboxId, ctx.app.blind.of('email', plan.address)],
    );
    const row = d.rows[0];
    if (!row) throw new EmbargoError('internal', "The reporter's delivery was not planned.");
    const env = (await tx.query<{ envelope_sealed: string }>('SELECT envelope_sealed FROM outbox WHERE id = $1', [outboxId])).rows[0]!;
    const envelope = ctx.app.sealer.openJson<Envelope>(env.envelope_sealed, aad('outbox', 'envelope', outboxId));
    const teamFrom = c.projects.find((p) => p.alias && stageOf(c) === 'project')?.alias ?? rules.centralAlias;
    const visible = {
      from: `"${`${reply.signer.name} via ${rules.teamName}`.replace(/["\\\r\n]/g, '')}" <${teamFrom}>`,
      to: envelope.to,
      cc: envelope.cc,
      subject,
      headers: {
        'Message-ID': `<${row.message_id}>`,
        // Their answer goes to the alias (the team key's user ID) and threads onto the case by this Message-ID.
        'Reply-To': rules.centralAlias || teamFrom,
        ...threadHeaders(envelope.answersReporter ?? []),
      },
      date: now,
    };
    const raw =
      plan.mode === 'encrypted'
        ? await relaySigned({ ...visible, signed: reply.signed, recipientKeys: [plan.key] })
        : signedInClear({ ...visible, signed: reply.signed });
    await tx.query('UPDATE deliveries SET raw_sealed = $2, mode = $3 WHERE id = $1', [row.id, sealCopy(ctx.app, row.id, raw), plan.mode]);
    deliveryId = row.id;
  }
  await tx.query(
    `INSERT INTO relayed_replies (message_id, report_id, delivery_id, signer_person_id, signer_fingerprint, via, mode, signed_sha256, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      messageId,
      c.row.reportId,
      deliveryId,
      reply.signer.personId,
      reply.signerFingerprint.toUpperCase(),
      reply.via,
      plan.mode,
      signedSha256,
      now,
    ],
  );
  const paused = reply.waitForReporter ? (await emit(ctx, tx, 'waiting_for_reporter', { reportId: c.row.reportId, at: now })).paused : 0;
  await audit(ctx, tx, now, {
    action: 'case.replied',
    subjectType: 'report',
    subjectId: c.row.reportId,
    data: {
      messageId,
      signed: true,
      via: reply.via,
      signerFingerprint: reply.signerFingerprint.toUpperCase(),
      mode: plan.mode,
      waitForReporter: reply.waitForReporter,
      clocksPaused: paused,
    },
  });
  return { messageId, outboxId, deliveryId, mode: plan.mode };
}

/** Identifies a signed entity byte for byte (the signature inside it included). */
function signedEntityDigest(signed: SignedEntity): string {
  const bytes =
    signed.kind === 'multipart-signed'
      ? signed.raw
      : signed.kind === 'openpgp-signed'
        ? signed.binary
        : new TextEncoder().encode(signed.text);
  return createHash('sha256').update(bytes).digest('hex');
}

/** Template id of the outbox row of a signed reply (its cc copies are built by the delivery job). */
export const SIGNED_REPLY_TEMPLATE = 'relay.signed_reply';

function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * The signed entity as the body of a message in clear: the outer header block, then the entity's own
 * MIME header fields and body unchanged, so the member's signature verifies as sent.
 */
export function signedInClear(m: {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  headers: Record<string, string>;
  date: Date;
  signed: SignedEntity;
}): Uint8Array {
  for (const [name, value] of [['Subject', m.subject], ...Object.entries(m.headers)] as [string, string][]) {
    if (/[\r\n\0]/.test(value)) throw new EmbargoError('validation_failed', `Header ${name} contains a line break.`);
  }
  const head =
    `From: ${formatAddressList([m.from])}\r\nTo: ${formatAddressList(m.to)}\r\n` +
    (m.cc.length ? `Cc: ${formatAddressList(m.cc)}\r\n` : '') +
    `Subject: ${encodeWords(m.subject)}\r\nDate: ${rfc5322Date(m.date)}\r\n` +
    Object.entries(m.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    'MIME-Version: 1.0\r\n';
  const enc = new TextEncoder();
  if (m.signed.kind === 'openpgp-signed') {
    // The member's signed OpenPGP message, armored as the body (inline PGP): verified by any OpenPGP client.
    return enc.encode(
      `${head}Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${armoredSignedMessage(m.signed.binary).replace(/\r?\n/g, '\r\n')}`,
    );
  }
  if (m.signed.kind === 'clearsigned') {
    // A clearsigned text is its own proof; sent as 7bit-safe quoted-printable would change nothing it signs.
    const text = m.signed.text.replace(/\r?\n/g, '\r\n');
    if (!/^[\x20-\x7e\t\r\n]*$/.test(text)) {
      return enc.encode(`${head}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}\r\n`);
    }
    return enc.encode(`${head}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${text}\r\n`);
  }
  const part = parseEntity(m.signed.raw, DEFAULT_MIME_LIMITS, []);
  if (part.contentType.value !== 'multipart/signed' || part.children.length < 2) {
    throw new EmbargoError('validation_failed', 'The entity to relay is not a multipart/signed part with content and signature.');
  }
  const entityHead = part.headers.fields
    .filter((f) => /^content-/i.test(f.name))
    .map((f) => `${f.name}: ${f.rawValue}\r\n`)
    .join('');
  const h = enc.encode(`${head}${entityHead}\r\n`);
  // Line ends to CRLF as SMTP needs; the signature is over the CRLF-canonical form (RFC 3156 5), so it still verifies.
  const body = new Uint8Array(Buffer.from(Buffer.from(part.rawBody).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
  const out = new Uint8Array(h.length + body.length);
  out.set(h, 0);
  out.set(body, h.length);
  return out;
}
