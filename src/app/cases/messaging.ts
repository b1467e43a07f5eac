import type { Queryable } from '../../store/db.ts';
import { reporterReference } from '../../domain/reporter-facing.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { aad, actorId, type Ctx } from '../context.ts';
import { openReporter, type LoadedCase, type Reporter } from './case.ts';
import { caseSensitiveValues } from './sensitive.ts';
import { outsideLeaks } from './outside-text.ts';
import type { ProfileRules, Stage } from '../profile/rules.ts';
import { addressBook, outsideOf, planDeliveries } from '../delivery/deliveries.ts';
import { hasStatusLink, reporterMailPlan, statusLinkOf } from '../delivery/reporter-plan.ts';
import { holdDelivery } from '../delivery/held.ts';
import { candidateKeysOf, HELD_NOTICE_TEMPLATE, heldNoticeEnvelope, noticeDue } from './reporter-notice.ts';
import { readableInstant } from '../../domain/reader-dates.ts';

// Messages in a case's thread, and mail queued in the outbox in the same transaction (transactional
// outbox): nothing is sent for a change that rolled back. The mail gateway delivers the outbox.

export interface Envelope {
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  /**
   * Set by the code that queues automatic mail (RFC 3834 Auto-Submitted): 'auto-replied' for an
   * automatic answer to a message, 'auto-generated' for other mail no person wrote (notices,
   * reminders). Absent: a person's message.
   */
  automatic?: AutoSubmitted;
  /** Message-ID (without angle brackets) of the message this one answers: In-Reply-To and References. */
  inReplyTo?: string;
  /**
   * The reporter's mail this one answers (Message-IDs without angle brackets, oldest first, the one
   * answered last): In-Reply-To and References on the reporter's copy only, so their client threads
   * the desk's answers under their own mail. Team copies do not carry the reporter's Message-IDs.
   */
  answersReporter?: string[];
  /**
   * Files sent with the message, sealed with the envelope. Where a copy may go in clear (external
   * recipients under unencryptedMail: allow, nothingSecret mail) only public material belongs here;
   * team copies are encrypted to each member or are a notice without them.
   */
  attachments?: EnvelopeAttachment[];
  /**
   * The message holds nothing confidential (it quotes nothing of a report), so where the recipient has
   * no usable key it may go in clear even if the profile refuses mail in clear. Encrypted as usual
   * when the recipient has a usable key.
   */
  nothingSecret?: boolean;
  /**
   * Added below the text in the copies to recipients outside the desk (the reporter) only, never in a
   * member's copy: the reporter's status link.
   */
  reporterOnly?: string;
  /**
   * Put above the text in the members' copies only (the list's copy of a message to the reporter):
   * what became of the reporter's copy when it was not sent, so the list never reads as a send that
   * did not happen.
   */
  teamNote?: string;
}

export type AutoSubmitted = 'auto-replied' | 'auto-generated';

const MESSAGE_ID = /^[^\s<>]+@[^\s<>]+$/;

/** In-Reply-To (the last id) and References (all of them, oldest first, at most 8) for a list of Message-IDs. */
export function threadHeaders(ids: readonly string[]): Record<string, string> {
  const ok = [...new Set(ids.filter((id) => MESSAGE_ID.test(id)))].slice(-8);
  const last = ok.at(-1);
  return last ? { 'In-Reply-To': `<${last}>`, References: ok.map((id) => `<${id}>`).join(' ') } : {};
}

/** "Re: " before a subject, once. */
export function replySubject(subject: string): string {
  return `Re: ${subject.replace(/^\s*((re|aw|sv|fwd?)\s*(\[\d+\])?\s*:\s*)+/i, '').trim()}`;
}

/** What the desk knows of the reporter's mail on a case: its Message-IDs (oldest first) and the latest Subject. */
export async function reporterMail(ctx: Ctx, tx: Queryable, reportId: string): Promise<{ messageIds: string[]; subject: string | null }> {
  const r = await tx.query<{ message_id: string; rfc_message_id_sealed: string; subject_sealed: string | null }>(
    `SELECT mm.message_id, mm.rfc_message_id_sealed, mm.subject_sealed FROM message_mail mm JOIN messages m ON m.id = mm.message_id
      WHERE m.report_id = $1 AND mm.sender_role = 'reporter' AND mm.rfc_message_id_sealed IS NOT NULL ORDER BY m.seq DESC LIMIT 8`,
    [reportId],
  );
  const rows = r.rows.reverse();
  const last = rows.at(-1);
  const subject = last?.subject_sealed ? ctx.app.sealer.open(last.subject_sealed, aad('message_mail', 'subject', last.message_id)) : null;
  return {
    messageIds: rows.map((row) => ctx.app.sealer.open(row.rfc_message_id_sealed, aad('message_mail', 'rfc_message_id', row.message_id))),
    subject: subject?.trim() || null,
  };
}

/** The subject of a reply to the reporter that names none: "Re:" their latest mail's, else the case's tag and the team. */
export async function defaultReporterSubject(ctx: Ctx, tx: Queryable, c: LoadedCase, teamName: string): Promise<string> {
  const mail = await reporterMail(ctx, tx, c.row.reportId);
  return mail.subject && mail.subject !== '...'
    ? replySubject(mail.subject)
    : `[${c.row.incidentRef ?? reporterReference(c.row.reportId)}] ${teamName}`;
}

export interface EnvelopeAttachment {
  filename: string;
  contentType: string;
  /** The bytes, base64: the envelope is sealed as JSON. */
  contentBase64: string;
}

export async function queueMail(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  opts: {
    reportId: string;
    incidentId: string | null;
    templateId: string | null;
    envelope: Envelope;
    /** Check for the case's sensitive values whoever receives it (notices, drafts): a second lock on the door. */
    guard?: boolean;
  },
): Promise<string> {
  // The leak guard: mail that reaches anyone outside the security teams but the reporter (an address
  // that is no member's and no list's) may not carry the case's sensitive values. A refusal comes
  // before anything is queued and names the part of the mail and the kinds, never a value.
  // Most mail goes to members, lists and the reporter: the reporter record is read only when an
  // address is neither a member's nor a list's.
  const book = await addressBook(tx, opts.envelope);
  const outside = opts.guard ? [] : outsideOf(book);
  const reporterAddress = outside.length > 0 ? await reporterAddressOf(ctx, tx, opts.reportId) : null;
  if (opts.guard || outside.some((a) => a !== reporterAddress)) {
    const leaks = outsideLeaks(
      { subject: opts.envelope.subject, body: opts.envelope.body },
      await caseSensitiveValues(ctx.app, tx, opts.reportId),
    );
    if (leaks.length > 0) {
      throw new EmbargoError(
        'leak_blocked',
        `The message would carry what only the security teams may know: ${leaks.map((l) => `its ${l.path} ${l.message}`).join('; ')}. Remove or rephrase it before sending.`,
        leaks,
      );
    }
  }
  const id = crypto.randomUUID();
  await tx.query(
    `INSERT INTO outbox (id, report_id, incident_id, template_id, envelope_sealed, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    [id, opts.reportId, opts.incidentId, opts.templateId, ctx.app.sealer.sealJson(opts.envelope, aad('outbox', 'envelope', id)), at],
  );
  // One delivery per recipient, each with its Message-ID fixed now (retries never change it).
  await planDeliveries(ctx, tx, at, { outboxId: id, reportId: opts.reportId, envelope: opts.envelope, book });
  return id;
}

/** The reporter's address on the case, lower case; null when they gave none. */
async function reporterAddressOf(ctx: Ctx, tx: Queryable, reportId: string): Promise<string | null> {
  const r = await tx.query<{ reporter_sealed: string }>('SELECT reporter_sealed FROM reports WHERE id = $1', [reportId]);
  const row = r.rows[0];
  return row
    ? (ctx.app.sealer.openJson<Reporter>(row.reporter_sealed, aad('reports', 'reporter', reportId)).email?.toLowerCase() ?? null)
    : null;
}

/**
 * Which stage's copy rule applies. The reporter's point of contact decides: while it is the triager
 * (in triage, and for multi-project incidents throughout) the central list is copied; once a project
 * incident handler is the contact, that project's list is. An incident that came in to a project's
 * own list has no triager: it is in project handling from the start.
 */
export function stageOf(c: LoadedCase): Stage {
  if (!c.row.incidentId) return 'triage';
  if (c.row.triagerId === null) return 'project';
  return c.row.contactId !== null && c.row.contactId !== c.row.triagerId ? 'project' : 'triage';
}

/**
 * A message to the reporter: stored in the thread (the reporter reads it on their status page) and,
 * if the reporter gave an address, queued as mail with the copy rules' cc. What becomes of the
 * reporter's copy is decided now (reporterMailPlan): encrypted to their key, in clear where the profile
 * allows it, or held (a failed delivery at once) where it refuses mail in clear; then the reporter is
 * mailed a notice without content saying how to receive it, and the list's copy says it was not sent.
 * A reporter who came by mail or import (no status page was shown to them) gets their status link
 * below the text of their own copy.
 */
export async function messageReporter(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  rules: ProfileRules,
  c: LoadedCase,
  content: {
    templateId: string | null;
    subject: string;
    body: string;
    advisoryId?: string;
    automatic?: AutoSubmitted;
    inReplyTo?: string | null;
  },
): Promise<{ messageId: string; outboxId: string | null }> {
  const reporter = openReporter(ctx, c);
  const cc = rules.ccFor(
    stageOf(c),
    c.projects.map((p) => p.slug),
  );
  const plan = await reporterMailPlan(ctx, tx, c, rules, at);
  let outboxId: string | null = null;
  if (plan.mode !== 'none' && reporter.email) {
    // The reporter's client threads the answer under their own mail.
    const answers = (await reporterMail(ctx, tx, c.row.reportId)).messageIds;
    const link = await statusLinkOf(ctx, tx, c.row.reportId);
    const held = plan.mode === 'refused';
    const page = held ? await hasStatusLink(ctx.app, tx, c.row.reportId, plan.address) : false;
    const notify = held && (await noticeDue(tx, c.row.reportId, at));
    const envelope: Envelope = {
      to: [reporter.email],
      cc,
      subject: content.subject,
      body: content.body,
      ...(content.automatic ? { automatic: content.automatic } : {}),
      ...(content.inReplyTo ? { inReplyTo: content.inReplyTo } : {}),
      ...(answers.length ? { answersReporter: answers } : {}),
      ...(link ? { reporterOnly: statusLinkParagraph(link) } : {}),
      ...(held ? { teamNote: heldTeamNote(plan.why, notify, page) } : {}),
    };
    outboxId = await queueMail(ctx, tx, at, {
      reportId: c.row.reportId,
      incidentId: c.row.incidentId,
      templateId: content.templateId,
      envelope,
    });
    if (held) {
      await holdDelivery(ctx, tx, at, outboxId, plan.address, plan.why);
      if (notify) {
        const notice = await heldNoticeEnvelope(ctx, tx, reporter.email, {
          teamName: rules.teamName,
          reportReference: reporterReference(c.row.reportId),
          receipt: content.templateId === RECEIPT_TEMPLATE,
          hasStatusPage: page,
          candidateKeys: await candidateKeysOf(ctx.app, tx, plan.address),
          inReplyTo: content.inReplyTo ?? null,
        });
        await queueMail(ctx, tx, at, {
          reportId: c.row.reportId,
          incidentId: c.row.incidentId,
          templateId: HELD_NOTICE_TEMPLATE,
          envelope: notice,
        });
      }
    }
  }
  const messageId = await addMessage(
    ctx,
    tx,
    at,
    c,
    'to_reporter',
    `Subject: ${content.subject}\n\n${content.body}`,
    outboxId,
    content.advisoryId ?? null,
  );
  return { messageId, outboxId };
}

/** The profile template of the automatic receipt of a new report (and of Tock's acknowledgment). */
export const RECEIPT_TEMPLATE = 'acknowledgment';

function statusLinkParagraph(link: string): string {
  return [
    '-- ',
    `Your report's private status page: ${link}`,
    'There you read every message about your report, write to the team and say how you want to be',
    'credited. Keep the link to yourself: whoever has it can do the same.',
  ].join('\n');
}

function heldTeamNote(why: string, notified: boolean, statusPage: boolean): string {
  return (
    `[Not sent to the reporter: ${why}, and the process profile refuses mail in clear. The message is held as a failed ` +
    `delivery and goes to them encrypted once a key of theirs is confirmed. ` +
    (notified ? 'They were mailed a notice without its content' : 'They had a notice without content less than a day ago') +
    (statusPage ? '; they can read it on their status page.]' : '; they have no status page link yet (it reaches them only encrypted).]')
  );
}

export async function addMessage(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  c: LoadedCase,
  kind: 'from_reporter' | 'to_reporter' | 'note',
  body: string,
  outboxId: string | null = null,
  /** The advisory whose draft the message carries to the reporter: outsiders read that it went, not its text. */
  advisoryId: string | null = null,
): Promise<string> {
  const id = crypto.randomUUID();
  await tx.query(
    `INSERT INTO messages (id, report_id, incident_id, kind, author_id, body_sealed, outbox_id, created_at, advisory_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      c.row.reportId,
      c.row.incidentId,
      kind,
      actorId(ctx.principal),
      ctx.app.sealer.seal(body, aad('messages', 'body', id)),
      outboxId,
      at,
      advisoryId,
    ],
  );
  return id;
}

/**
 * Template variables every reporter-facing template may use. An instant among the extra values is
 * written for the reporter to read, in the desk's default zone (the desk records no zone of the
 * reporter's): "3 December 2026, 06:54 UTC", never a machine instant.
 */
export async function templateVars(
  ctx: Ctx,
  tx: Queryable,
  rules: ProfileRules,
  c: LoadedCase,
  extra: Record<string, string | Date> = {},
): Promise<Record<string, string>> {
  const reporter = openReporter(ctx, c);
  const zone =
    (await tx.query<{ default_time_zone: string }>('SELECT default_time_zone FROM instance WHERE id = 1')).rows[0]?.default_time_zone ??
    'UTC';
  const written = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v instanceof Date ? readableInstant(v, zone) : v]));
  const names = await tx.query<{ id: string; name: string }>('SELECT id, name FROM people WHERE id = ANY($1)', [
    [c.row.triagerId, c.row.contactId, ...c.projects.map((p) => p.handlerId)].filter((x): x is string => x !== null),
  ]);
  const nameOf = (id: string | null) => names.rows.find((r) => r.id === id)?.name ?? '';
  const me = ctx.principal.kind === 'person' ? ctx.principal.name : rules.teamName;
  // The public instant of the timeline agreed with the reporter, in the zone it was agreed in.
  const agreed = c.row.incidentId
    ? (
        await tx.query<{ public_at: Date; time_zone: string }>(
          `SELECT p.public_at, p.time_zone FROM embargo_proposals p JOIN incidents i ON i.id = p.incident_id
            WHERE p.incident_id = $1 AND p.status = 'accepted' AND i.embargo_state IN ('active', 'revise') ORDER BY p.seq DESC LIMIT 1`,
          [c.row.incidentId],
        )
      ).rows[0]
    : undefined;
  return {
    ...(agreed ? { disclosure_date: readableInstant(new Date(agreed.public_at), agreed.time_zone) } : {}),
    reporter_name: reporter.name ?? reporter.handle ?? 'reporter',
    // What the reporter reads: never the desk's running number (it tells how many reports there are).
    report_id: reporterReference(c.row.reportId),
    incident_id: c.row.incidentRef ?? reporterReference(c.row.reportId),
    team_name: rules.teamName,
    coordinator_name: me,
    sender_name: me,
    triager_name: nameOf(c.row.triagerId) || me,
    handler_name: nameOf(c.row.contactId) || me,
    project_name: c.projects.map((p) => p.name).join(', '),
    // A guard only: blank for one project, so the template takes its single-project branch.
    several_projects: c.projects.length > 1 ? 'yes' : '',
    ...written,
  };
}
