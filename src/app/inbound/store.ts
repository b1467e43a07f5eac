import type { Queryable } from '../../store/db.ts';
import { aad, type Ctx } from '../context.ts';
import { recordOfferedKey } from '../keys/keys.ts';
import type { Claim } from './inbox.ts';
import type { Letter } from './read.ts';
import type { Entry } from './record.ts';
import { recordMessageIds } from './threading.ts';

// What the desk keeps of the mail beside its text on the case: which stored message it came from and
// by whom (with a member's signed entity), its Message-ID for threading replies, its attachments
// sealed, and the keys it offered as unverified candidates.

const MAX_ATTACHMENTS = 50;

export async function storeMail(ctx: Ctx, tx: Queryable, now: Date, claim: Claim, letter: Letter, entry: Entry): Promise<void> {
  await linkToInbox(ctx, tx, claim, letter, entry);
  if (letter.outer.messageId) await recordMessageIds(tx, entry.reportId, [letter.outer.messageId], 'in', now);
  await storeAttachments(ctx, tx, now, claim, letter, entry.reportId, entry.messageId);
  if (letter.sender && letter.opened) {
    for (const k of letter.opened.offeredKeys) {
      await recordOfferedKey(ctx, tx, now, { email: letter.sender, armored: k.armored, source: k.source, reportId: entry.reportId });
    }
  }
}

/** The thread message's mail record. A member's reply keeps the entity exactly as they signed it, to relay it with their signature intact. */
async function linkToInbox(ctx: Ctx, tx: Queryable, claim: Claim, letter: Letter, entry: Entry): Promise<void> {
  const se = entry.role === 'member' ? letter.opened?.signedEntity : undefined;
  const signedEntity = se
    ? JSON.stringify(
        se.kind === 'multipart-signed'
          ? { kind: se.kind, rawBase64: Buffer.from(se.raw).toString('base64') }
          : se.kind === 'openpgp-signed'
            ? { kind: se.kind, binaryBase64: Buffer.from(se.binary).toString('base64') }
            : se,
      )
    : null;
  // Its Message-ID and Subject, so the desk's answer to a reporter threads under it (sealed: a
  // Message-ID often names the sender's domain).
  const rfcId = letter.outer.messageId?.trim().replace(/^<|>$/g, '') || null;
  await tx.query(
    `INSERT INTO message_mail (message_id, inbox_id, sender_role, signed_entity_sealed, rfc_message_id_sealed, subject_sealed)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      entry.messageId,
      claim.id,
      entry.role,
      signedEntity ? ctx.app.sealer.seal(signedEntity, aad('message_mail', 'signed_entity', entry.messageId)) : null,
      rfcId ? ctx.app.sealer.seal(rfcId, aad('message_mail', 'rfc_message_id', entry.messageId)) : null,
      letter.subject ? ctx.app.sealer.seal(letter.subject.slice(0, 998), aad('message_mail', 'subject', entry.messageId)) : null,
    ],
  );
}

async function storeAttachments(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  claim: Claim,
  letter: Letter,
  reportId: string,
  messageId: string,
): Promise<void> {
  const { sealer } = ctx.app;
  const list: { filename: string; contentType: string; bytes: Uint8Array }[] = [];
  if (letter.undecryptable) {
    // Kept so the team can decrypt it by hand (with an older key, say).
    list.push({ filename: 'undecrypted-message.eml', contentType: 'message/rfc822', bytes: claim.raw });
  } else if (letter.opened) {
    for (const a of letter.opened.inner.attachments.slice(0, MAX_ATTACHMENTS)) list.push(a);
  }
  for (const a of list) {
    const id = crypto.randomUUID();
    const type = /^[\w.+-]+\/[\w.+-]+$/.test(a.contentType) ? a.contentType : 'application/octet-stream';
    await tx.query(
      'INSERT INTO attachments (id, report_id, message_id, filename_sealed, content_type, size, data_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [
        id,
        reportId,
        messageId,
        sealer.seal(a.filename || 'attachment', aad('attachments', 'filename', id)),
        type,
        a.bytes.length,
        sealer.seal(Buffer.from(a.bytes).toString('base64'), aad('attachments', 'data', id)),
        now,
      ],
    );
  }
}
