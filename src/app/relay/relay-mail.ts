import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { canSeeCase, caseActions } from '../../domain/access.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { aad, audit, type App, type Ctx } from '../context.ts';
import type { LoadedCase } from '../cases/case.ts';
import { confirmedKeyOfPerson } from '../keys/keys.ts';
import { planDeliveries, principalsOf } from '../delivery/deliveries.ts';
import { rulesOf } from '../admin/instance.ts';
import { recordSignedReply, RelayRefusedError } from './relay.ts';
import type { Envelope } from '../cases/messaging.ts';
import { keyUsability, whyUnusable } from '../../mail/key-quality.ts';
import { verifySignedMessage } from '../../mail/pgp-in.ts';
import type { OpenedSummary, SignedEntity } from '../../mail/types.ts';

// The mail door of signed replies: a desk member writes from their own mail client to a case's reply
// address (alias+token@...), signed with their key and encrypted to the team key. The inbound pipeline
// (src/app/inbound/pipeline.ts) hands such mail here, from a desk person to a reply address, and nothing else.
//
// Relayed to the reporter (recordSignedReply) only when all of these hold:
// - the sender may reply to the reporter on this case (access, and the case.reply action);
// - the signature verifies with the sender's own confirmed, usable key (a From line proves nothing);
// - the signature can be passed on unchanged: a multipart/signed entity or clearsigned text (as
//   openInbound hands it over), or a signature made in one pass with the encryption (RFC 3156 6.2,
//   what Thunderbird and GnuPG produce), which is taken out of the decrypted message and put beside
//   the signed bytes as multipart/signed; either way the reporter's client verifies the member's
//   own signature over the very bytes they signed;
// - the reporter's copy may be sent (a usable key, or the profile allows mail in clear).
// Otherwise nothing reaches the reporter: the mail is kept on the case as a note for the team with
// the reason, and the sender (at their desk address, never anyone else) is told why.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'mail-relay' };

export interface MemberMail {
  c: LoadedCase;
  /** The From address, lower case. */
  sender: string;
  /** The message as received. */
  raw: Uint8Array;
  opened: Pick<OpenedSummary, 'security' | 'signedEntity'> | null;
  subject: string;
  /** The decrypted text, as the pipeline records it. */
  text: string;
  /** The mail's Message-ID, which the notice to the sender answers. */
  messageId?: string | null;
}

export interface MemberMailOutcome {
  messageId: string;
  outcome: 'member_relayed' | 'member_not_relayed';
  /** The sender's part in the case, for the pipeline's record of the mail. */
  role: 'member' | 'third_party';
  /** The member whose signature was verified (relayed mail only). */
  signerPersonId: string | null;
}

/**
 * For mail to a case's reply address: null when the sender is not a desk person (the pipeline
 * handles the reporter and strangers), else the reply relayed or the note kept. Runs in the
 * pipeline's transaction.
 */
export async function memberMailToReplyAddress(app: App, tx: Queryable, now: Date, m: MemberMail): Promise<MemberMailOutcome | null> {
  if (!m.sender) return null;
  const person = await tx.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [m.sender]);
  const personId = person.rows[0]?.person_id;
  const member = personId ? (await principalsOf(tx, [personId])).get(personId) : undefined;
  if (!personId || !member) return null;
  const rules = await rulesOf(tx);
  const sees = canSeeCase(member, m.c.facts);
  let reason: string | null = null;
  let verified: { signed: SignedEntity; fingerprint: string } | null = null;
  if (!sees) reason = 'you do not have access to this case';
  else if (!caseActions(member, m.c.facts, rules.workflow).includes('case.reply'))
    reason = 'you may not reply to the reporter on this case now';
  else {
    const checked = await verifyMemberSignature(app, tx, now, personId, m);
    if ('reason' in checked) reason = checked.reason;
    else verified = checked;
  }
  if (verified) {
    try {
      const r = await recordSignedReply({ app, principal: member }, tx, now, m.c, rules, {
        signer: member,
        signerFingerprint: verified.fingerprint,
        signed: verified.signed,
        text: m.text,
        subject: m.subject || undefined,
        waitForReporter: false,
        via: 'mail',
      });
      return { messageId: r.messageId, outcome: 'member_relayed', role: 'member', signerPersonId: personId };
    } catch (e) {
      if (!(e instanceof RelayRefusedError) && !(e instanceof EmbargoError && e.code === 'forbidden')) throw e;
      reason = e.message.replace(/\.$/, '');
    }
  }
  const why = reason ?? 'it could not be relayed';
  const sysCtx: Ctx = { app, principal: SYSTEM };
  const messageId = randomUUID();
  const note =
    `Mail from ${member.name} <${m.sender}> to this case's reply address was NOT relayed to the reporter: ${why}.\n\n` +
    `Subject: ${m.subject || '(none)'}\n\n${m.text}`;
  await tx.query(
    `INSERT INTO messages (id, report_id, incident_id, kind, author_id, body_sealed, outbox_id, created_at) VALUES ($1, $2, $3, 'note', NULL, $4, NULL, $5)`,
    [messageId, m.c.row.reportId, m.c.row.incidentId, app.sealer.seal(note, aad('messages', 'body', messageId)), now],
  );
  await tellSender(sysCtx, tx, now, m, sees ? (m.c.row.incidentRef ?? `report #${m.c.row.number}`) : null, why);
  await audit(sysCtx, tx, now, {
    action: 'mail.member_not_relayed',
    subjectType: 'report',
    subjectId: m.c.row.reportId,
    data: { messageId, personId, reason: why.slice(0, 300) },
  });
  return { messageId, outcome: 'member_not_relayed', role: sees ? 'member' : 'third_party', signerPersonId: null };
}

async function verifyMemberSignature(
  app: App,
  tx: Queryable,
  now: Date,
  personId: string,
  m: MemberMail,
): Promise<{ signed: SignedEntity; fingerprint: string } | { reason: string }> {
  const own = await confirmedKeyOfPerson(app, tx, personId);
  if (!own) return { reason: 'you have no confirmed OpenPGP key on the desk (upload your public key on your account page)' };
  const usability = await keyUsability(own.key, now, own.email);
  if (!usability.usable) return { reason: `your key on the desk cannot be used: ${whyUnusable(usability)}` };
  const fingerprint = own.key.getFingerprint().toUpperCase();
  const sig = m.opened?.security.signature;
  if (!sig || sig.status === 'none') return { reason: 'the mail is not signed; sign it with your key on the desk' };
  if (sig.status !== 'valid' || sig.signerFingerprint?.toUpperCase() !== fingerprint) {
    if (sig.status === 'valid' || sig.status === 'unknown_key' || sig.status === 'valid_offered_key') {
      return {
        reason: `it is signed with key ${sig.signerFingerprint ?? sig.signerKeyId ?? 'unknown'}, not with your key on the desk (${fingerprint})`,
      };
    }
    return { reason: `the signature does not verify: ${sig.detail ?? sig.status}` };
  }
  const signed = m.opened?.signedEntity;
  if (!signed) {
    return {
      reason: `the desk verified your signature (${sig.shape ?? 'signed'}) but found no signed content it covers that can be passed on unchanged`,
    };
  }
  if (signed.kind === 'openpgp-signed') {
    // Checked again in the very form the reporter's client will see: the signed message on its own.
    const again = await verifySignedMessage(signed.binary, [own.key], { maxBytes: app.config.mailMaxBytes });
    if (again.status !== 'valid' || again.signerFingerprint?.toUpperCase() !== fingerprint) {
      return { reason: `your signed message does not verify once taken out of the encryption: ${again.detail ?? again.status}` };
    }
  }
  return { signed, fingerprint };
}

/** Tells the sender, at their desk address, why their mail went no further. No content of the case. */
async function tellSender(ctx: Ctx, tx: Queryable, now: Date, m: MemberMail, label: string | null, why: string): Promise<void> {
  const body = [
    `Your mail${m.subject ? ` "${m.subject.slice(0, 120)}"` : ''} to the reply address of ${label ?? 'a case'} was not passed on to the reporter:`,
    '',
    `  ${why}.`,
    '',
    label ? 'It is kept on the case as a note for the team.' : 'It is kept for the team that handles that case.',
    'To reply to the reporter by mail, sign your message with your own key on the desk and encrypt it to the team key; or reply from the case page on the desk.',
  ].join('\n');
  // Tied to no case: someone without access to the case is told only this much.
  const outboxId = randomUUID();
  // An automatic answer to their message (RFC 3834): marked so their responder never answers it.
  const envelope: Envelope = {
    to: [m.sender],
    cc: [],
    subject: `Not relayed to the reporter${m.subject ? `: ${m.subject.slice(0, 100)}` : ''}`,
    body,
    automatic: 'auto-replied',
    ...(m.messageId ? { inReplyTo: m.messageId } : {}),
  };
  await tx.query(
    `INSERT INTO outbox (id, report_id, incident_id, template_id, envelope_sealed, next_attempt_at, created_at) VALUES ($1, NULL, NULL, $2, $3, $4, $4)`,
    [outboxId, NOT_RELAYED_TEMPLATE, ctx.app.sealer.sealJson(envelope, aad('outbox', 'envelope', outboxId)), now],
  );
  await planDeliveries(ctx, tx, now, { outboxId, reportId: null, envelope });
}

export const NOT_RELAYED_TEMPLATE = 'relay.not_relayed';
