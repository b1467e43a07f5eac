import { convert as htmlToText } from 'html-to-text';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { aad, audit, type App, type Ctx } from '../context.ts';
import { loadCase, openReporter, type LoadedCase } from '../cases/case.ts';
import { addMessage, queueMail } from '../cases/messaging.ts';
import { recordReporterReply, submitReportIn } from '../intake/intake.ts';
import { fanOutMessage } from '../delivery/fan-out.ts';
import { memberMailToReplyAddress } from '../relay/relay-mail.ts';
import { handleBounce, messageIdDomain, principalsOf } from '../delivery/deliveries.ts';
import { allTeamKeys, confirmedKeyOfPerson, confirmedKeys, recordOfferedKey, teamPublicKey } from '../keys/keys.ts';
import { rulesOf } from '../admin/instance.ts';
import { canSeeCase } from '../../domain/access.ts';
import { parseMessage } from '../../mail/mime.ts';
import { openInbound } from '../../mail/pgp-in.ts';
import { DEFAULT_MIME_LIMITS, MessageRejectedError, UndecryptableError, type OpenedMessage, type ParsedMessage } from '../../mail/types.ts';
import { failClaim, finishClaim, holdClaim, NO_FACTS, type Claim, type MailFacts } from './inbox.ts';
import { checkHygiene, type Hygiene } from '../../mail/inbound-hygiene.ts';
import { acceptedAliases, aliasOf, caseOfMessageIds, caseOfReplyToken, caseOfTag, recordMessageIds, subjectTags } from './threading.ts';

// The inbound pipeline: one stored message (a claim on the inbox) in, its effect on the desk out.
//
// Phase 1, outside any transaction (OpenPGP is slow and must not hold the database):
//   parse → hygiene (RFC 3834, bounces, loops, size) → decrypt and verify with the team keys.
// Phase 2, one transaction that also finishes the claim: thread it onto a case or open a report,
//   record it, store its attachments sealed, keep offered keys as unverified candidates, queue the
//   automatic reply for undecryptable mail, fan the message out. A crash anywhere rolls all of it
//   back and the message is processed again; nothing is done twice.
//
// Who may add what (the threading rule, see threading.ts):
// - the case's reporter (From is the reporter's address): a message from the reporter; the clocks
//   waiting for the reporter resume, as when they answer on their status page;
// - a member who may see the case, whose signature verifies against their own confirmed key: their
//   reply is recorded with the signed entity kept sealed (relayed to the reporter later); without a
//   verifying signature it is rejected (anyone can write a member's From);
// - anyone else reaching the case through its reply address or a Message-ID of its mail: recorded as
//   a note "mail from a third party" (no clock resumes);
// - a subject tag alone counts only for the reporter or a member; for anyone else it is ignored and
//   the mail opens a new report.
// Automatic mail (auto-replies, list mail) never opens a report, never resumes a clock and is never
// answered; bounces go to handleBounce; loops are kept in the inbox and go no further.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'mail-gateway' };
const MAX_ATTACHMENTS = 50;
const MAX_TEXT = 190_000;

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
  // Issue 3.5 (src/app/relay/relay-mail.ts): a member's mail to a case's reply address.
  | 'member_relayed'
  | 'member_not_relayed';

export interface ProcessResult {
  status: 'done' | 'rejected' | 'failed';
  outcome: Outcome | null;
  reportId: string | null;
  error: string | null;
}

interface Prepared {
  outer: ParsedMessage | null;
  opened: OpenedMessage | null;
  undecryptable: UndecryptableError | null;
  rejected: MessageRejectedError | null;
  hygiene: Hygiene | null;
  text: string;
  htmlConverted: boolean;
}

/** Runs one claimed message through the pipeline; a throw marks it failed (kept, retryable). */
export async function processClaim(app: App, claim: Claim): Promise<ProcessResult> {
  try {
    const prepared = await prepare(app, claim);
    const result = await app.db.transaction(async (tx) => {
      if (!(await holdClaim(tx, claim))) return null; // another processor took it over after our lease ran out
      return record(app, tx, claim, prepared);
    });
    return result ?? { status: 'done', outcome: null, reportId: null, error: 'claim taken over by another processor' };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await failClaim(app, claim, message);
    return { status: 'failed', outcome: null, reportId: null, error: message };
  }
}

async function prepare(app: App, claim: Claim): Promise<Prepared> {
  const base: Prepared = { outer: null, opened: null, undecryptable: null, rejected: null, hygiene: null, text: '', htmlConverted: false };
  const limits = { ...DEFAULT_MIME_LIMITS, maxBytes: app.config.mailMaxBytes };
  let outer: ParsedMessage;
  try {
    outer = parseMessage(claim.raw, limits);
  } catch (e) {
    if (e instanceof MessageRejectedError) return { ...base, rejected: e };
    throw e;
  }
  const ctx: Ctx = { app, principal: SYSTEM };
  const aliases = await acceptedAliases(app);
  const hygiene = checkHygiene(outer, claim.envelopeFrom, { aliases, messageIdDomain: await messageIdDomain(ctx, app.db) });
  if (hygiene.loop || hygiene.bounce) return { ...base, outer, hygiene };
  // Both come from the job's key cache: only rows not parsed before (a new or rotated team key, a key
  // confirmed since the last message) are parsed; the rows themselves are read for every message.
  const teamKeys = await allTeamKeys(app);
  const known = (await confirmedKeys(app.db, app)).map((k) => k.key);
  let opened: OpenedMessage;
  try {
    opened = await openInbound(claim.raw, { teamKeys, knownKeys: known }, limits);
  } catch (e) {
    if (e instanceof UndecryptableError) return { ...base, outer, hygiene, undecryptable: e };
    if (e instanceof MessageRejectedError) return { ...base, outer, hygiene, rejected: e };
    throw e;
  }
  let text = opened.inner.text ?? '';
  let htmlConverted = false;
  if (!text.trim() && opened.inner.html) {
    // HTML-only mail becomes plain text; the HTML itself is never rendered.
    text = htmlToText(opened.inner.html, {
      wordwrap: 100,
      selectors: [
        { selector: 'img', format: 'skip' },
        { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ],
    });
    htmlConverted = true;
  }
  // eslint-disable-next-line no-control-regex
  text = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  if (text.length > MAX_TEXT)
    text = `${text.slice(0, MAX_TEXT)}\n\n[The text was longer and has been cut here; the whole message is kept in the mail inbox.]`;
  return { ...base, outer, opened, hygiene, text, htmlConverted };
}

function factsOf(p: Prepared, signerPersonId: string | null): MailFacts {
  const o = p.opened;
  if (p.undecryptable) return { ...NO_FACTS, encryption: 'undecryptable', signature: 'none' };
  if (!o) return NO_FACTS;
  const s = o.security.signature;
  const signature =
    s.status === 'valid'
      ? 'valid'
      : s.status === 'none'
        ? 'none'
        : s.status === 'unknown_key' || s.status === 'valid_offered_key'
          ? 'unknown_key'
          : 'invalid';
  return {
    encryption: o.security.encrypted ? (o.security.encryptionShape ?? 'pgp-mime') : 'none',
    signature,
    signatureShape: s.shape
      ? `${s.shape}${s.status === 'valid_offered_key' ? ' (key offered in the message itself)' : s.detail && signature !== 'valid' ? `: ${s.detail.slice(0, 300)}` : ''}`
      : null,
    signerFingerprint: s.signerFingerprint ?? s.signerKeyId ?? null,
    signerPersonId,
    protectedSubject: o.security.protectedHeaders,
    htmlConverted: p.htmlConverted,
  };
}

type Role = 'reporter' | 'member' | 'third_party';

async function roleIn(tx: Queryable, app: App, c: LoadedCase, sender: string): Promise<{ role: Role; personId: string | null }> {
  if (!sender) return { role: 'third_party', personId: null };
  const reporter = openReporter({ app, principal: SYSTEM }, c);
  if (reporter.email && reporter.email.toLowerCase() === sender) return { role: 'reporter', personId: null };
  const person = await tx.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [sender]);
  const personId = person.rows[0]?.person_id;
  if (personId) {
    const p = (await principalsOf(tx, [personId])).get(personId);
    if (p && canSeeCase(p, c.facts)) return { role: 'member', personId };
  }
  return { role: 'third_party', personId: null };
}

/** The case this mail threads onto, and the sender's role in it; null for a new report. */
async function threadOf(
  tx: Queryable,
  app: App,
  claim: Claim,
  m: ParsedMessage,
  subject: string,
  sender: string,
): Promise<{ c: LoadedCase; role: Role; personId: string | null; via: string } | null> {
  const aliases = await acceptedAliases(app, [], tx);
  const recipients = [...claim.envelopeTo, ...m.to.map((a) => a.address), ...m.cc.map((a) => a.address)];
  for (const r of recipients) {
    const match = aliasOf(r, aliases);
    if (!match?.token) continue;
    const reportId = await caseOfReplyToken(tx, match.token);
    const c = reportId ? await loadCase(tx, reportId) : null;
    if (c) return { c, ...(await roleIn(tx, app, c, sender)), via: 'reply address' };
  }
  const byId = await caseOfMessageIds(tx, [...m.inReplyTo, ...[...m.references].reverse()]);
  const cById = byId ? await loadCase(tx, byId) : null;
  if (cById) return { c: cById, ...(await roleIn(tx, app, cById, sender)), via: 'Message-ID' };
  for (const tag of subjectTags(subject)) {
    const reportId = await caseOfTag(tx, tag);
    const c = reportId ? await loadCase(tx, reportId) : null;
    if (!c) continue;
    const role = await roleIn(tx, app, c, sender);
    // A tag is easy to write: it counts only for a party of the case.
    if (role.role !== 'third_party') return { c, ...role, via: 'subject tag' };
  }
  return null;
}

const EmailSchema = z.string().trim().toLowerCase().email().max(320);

async function record(app: App, tx: Queryable, claim: Claim, p: Prepared): Promise<ProcessResult> {
  const now = app.clock();
  const ctx: Ctx = { app, principal: SYSTEM };
  const done = async (
    status: 'done' | 'rejected',
    outcome: Outcome,
    reportId: string | null,
    error: string | null,
    facts: MailFacts = factsOf(p, null),
  ): Promise<ProcessResult> => {
    await finishClaim(tx, claim, now, { status, outcome, reportId, error, facts });
    await audit(ctx, tx, now, {
      action: `mail.${outcome}`,
      subjectType: reportId ? 'report' : 'mail',
      subjectId: reportId ?? claim.id,
      data: { inboxId: claim.id, status, ...(error ? { error: error.slice(0, 300) } : {}) },
    });
    return { status, outcome, reportId, error };
  };

  if (p.rejected || !p.outer || !p.hygiene) {
    return done('rejected', 'rejected', null, p.rejected?.message ?? 'The message could not be read.');
  }
  const outer = p.outer;
  const hygiene = p.hygiene;
  if (hygiene.loop) return done('done', 'loop', null, `Not processed: ${hygiene.loop}.`);
  if (hygiene.bounce) {
    const b = hygiene.bounce;
    const r = await handleBounce(ctx, tx, now, { ...b, bounceAddress: claim.envelopeTo[0] ?? null });
    return done('done', 'bounce', null, r ? null : 'The bounce names none of our deliveries.');
  }

  const inner = p.opened?.inner ?? outer;
  const subject = inner.subject.trim();
  const senderRaw = (inner.from ?? outer.from)?.address ?? claim.envelopeFrom;
  const parsedSender = EmailSchema.safeParse(senderRaw);
  const sender = parsedSender.success ? parsedSender.data : '';
  const thread = await threadOf(tx, app, claim, outer, subject, sender);

  if (hygiene.automatic) {
    // Vacation notices and list mail: kept in the inbox, never a report, never a reply to the case.
    return done('done', 'auto_reply', thread?.c.row.reportId ?? null, `Automatic mail (${hygiene.noReplyReason}): not recorded on a case.`);
  }

  const body = p.undecryptable
    ? `[This message was encrypted, but the desk could not decrypt it: ${p.undecryptable.message}` +
      `${p.undecryptable.recipientKeyIds.length ? ` It was encrypted to key ID ${p.undecryptable.recipientKeyIds.join(', ')}.` : ''}` +
      ' The encrypted message is kept as an attachment; the sender was asked to send it again.]'
    : p.text.trim() || '(The message had no text.)';

  // [Relay, issue 3.5: src/app/relay/relay-mail.ts] A desk person's mail to the case's reply address is a
  // reply to the reporter: relayed with their signature intact, or kept as a team note with the reason
  // (the sender is told). Mail reaching a case any other way goes on below as before.
  const relayed =
    thread && thread.via === 'reply address' && thread.role !== 'reporter' && !p.undecryptable
      ? await memberMailToReplyAddress(app, tx, now, {
          c: thread.c,
          sender,
          raw: claim.raw,
          opened: p.opened,
          subject,
          text: body,
          messageId: outer.messageId,
        })
      : null;

  // Who signed, and is it the member they say they are?
  let signerPersonId: string | null = relayed?.signerPersonId ?? null;
  if (thread?.role === 'member' && thread.personId && !relayed) {
    const own = await confirmedKeyOfPerson(tx, thread.personId);
    const sig = p.opened?.security.signature;
    const fp = sig?.signerFingerprint?.toUpperCase();
    if (own && sig?.status === 'valid' && fp && own.key.getFingerprint().toUpperCase() === fp) signerPersonId = thread.personId;
    if (!signerPersonId) {
      return done(
        'rejected',
        'member_unverified',
        thread.c.row.reportId,
        'Mail from a member is recorded only when it is signed with their own confirmed OpenPGP key, and this signature does not verify against it.',
      );
    }
  }
  const facts = factsOf(p, signerPersonId);

  let reportId: string;
  let messageId: string;
  let outcome: Outcome;
  let role: Role;
  if (!thread) {
    const name = (inner.from ?? outer.from)?.name?.trim().slice(0, 200) || null;
    const report = await submitReportIn(ctx, tx, now, 'email', {
      title: (subject.length >= 3 ? subject : `Report by mail${subject ? `: ${subject}` : ''}`).slice(0, 300),
      body: body.length >= 10 ? body : `${body}\n\n(received by mail)`,
      reporter: { name, email: sender || null, organisation: null, handle: null },
    });
    reportId = report.reportId;
    // The mail itself opens the thread, so its OpenPGP facts show there and it is fanned out like any message.
    const c = (await loadCase(tx, reportId))!;
    messageId = await addMessage({ app, principal: { kind: 'reporter', reportId } }, tx, now, c, 'from_reporter', body);
    outcome = 'new_report';
    role = 'reporter';
  } else {
    reportId = thread.c.row.reportId;
    role = relayed?.role ?? thread.role;
    if (relayed) {
      messageId = relayed.messageId;
      outcome = relayed.outcome;
    } else if (role === 'reporter') {
      messageId = (await recordReporterReply(app, tx, now, reportId, body)).messageId;
      outcome = 'reporter_reply';
    } else if (role === 'member') {
      const member = (await principalsOf(tx, [signerPersonId!])).get(signerPersonId!)!;
      messageId = await addMessage({ app, principal: member }, tx, now, thread.c, 'note', body);
      outcome = 'member_reply';
    } else {
      messageId = await addMessage(
        ctx,
        tx,
        now,
        thread.c,
        'note',
        `Mail from a third party, ${sender || 'no valid sender address'} (threaded by ${thread.via}):\n\n${body}`,
      );
      outcome = 'third_party';
    }
  }

  // A member's reply keeps the entity exactly as they signed it, to relay it with their signature intact.
  const se = role === 'member' ? p.opened?.signedEntity : undefined;
  const signedEntity = se
    ? JSON.stringify(se.kind === 'multipart-signed' ? { kind: se.kind, rawBase64: Buffer.from(se.raw).toString('base64') } : se)
    : null;
  await tx.query('INSERT INTO message_mail (message_id, inbox_id, sender_role, signed_entity_sealed) VALUES ($1, $2, $3, $4)', [
    messageId,
    claim.id,
    role,
    signedEntity ? app.sealer.seal(signedEntity, aad('message_mail', 'signed_entity', messageId)) : null,
  ]);
  if (outer.messageId) await recordMessageIds(tx, reportId, [outer.messageId], 'in', now);
  await storeAttachments(app, tx, reportId, p, claim, now);
  if (sender && p.opened) {
    for (const k of p.opened.offeredKeys) {
      await recordOfferedKey(ctx, tx, now, { email: sender, armored: k.armored, source: k.source, reportId });
    }
  }
  if (p.undecryptable && hygiene.mayAutoReply && sender) {
    await queueUndecryptableReply(ctx, tx, now, reportId, sender, outer.messageId ?? null, p.undecryptable);
  }
  // A relayed reply reaches the team through the profile's copy rules, as a web reply does.
  if (relayed?.outcome !== 'member_relayed') await fanOutMessage(ctx, tx, now, { reportId, messageId });
  await done('done', outcome, reportId, null, facts);
  return { status: 'done', outcome, reportId, error: null };
}

async function storeAttachments(app: App, tx: Queryable, reportId: string, p: Prepared, claim: Claim, now: Date): Promise<void> {
  const list: { filename: string; contentType: string; bytes: Uint8Array }[] = [];
  if (p.undecryptable) {
    // Kept so the team can decrypt it by hand (with an older key, say).
    list.push({ filename: 'undecrypted-message.eml', contentType: 'message/rfc822', bytes: claim.raw });
  } else if (p.opened) {
    for (const a of p.opened.inner.attachments.slice(0, MAX_ATTACHMENTS)) list.push(a);
  }
  for (const a of list) {
    const id = crypto.randomUUID();
    const type = /^[\w.+-]+\/[\w.+-]+$/.test(a.contentType) ? a.contentType : 'application/octet-stream';
    await tx.query(
      'INSERT INTO attachments (id, report_id, filename_sealed, content_type, size, data_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        id,
        reportId,
        app.sealer.seal(a.filename || 'attachment', aad('attachments', 'filename', id)),
        type,
        a.bytes.length,
        app.sealer.seal(Buffer.from(a.bytes).toString('base64'), aad('attachments', 'data', id)),
        now,
      ],
    );
  }
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
  e: UndecryptableError,
): Promise<void> {
  const recent = await tx.query(
    `SELECT 1 FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
      WHERE o.template_id = $1 AND d.recipient = $2 AND d.created_at > $3 LIMIT 1`,
    [UNDECRYPTABLE_TEMPLATE, to.toLowerCase(), new Date(now.getTime() - UNDECRYPTABLE_REPLY_PERIOD_MS)],
  );
  if (recent.rows.length) return;
  const rules = await rulesOf(tx);
  const key = await teamPublicKey(tx);
  const c = await loadCase(tx, reportId);
  const body = [
    `Hello,`,
    ``,
    `${rules.teamName} received your encrypted message, but could not decrypt it:`,
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
  await queueMail(ctx, tx, now, {
    reportId,
    incidentId: c?.row.incidentId ?? null,
    templateId: UNDECRYPTABLE_TEMPLATE,
    envelope: {
      to: [to],
      cc: [],
      subject: `Could not decrypt your message`,
      body,
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
