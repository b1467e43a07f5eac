import type { Queryable } from '../../store/db.ts';
import { canSeeCase } from '../../domain/access.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { aad, audit, type Ctx } from '../context.ts';
import { type LoadedCase, loadCase } from '../cases/case.ts';
import { queueMail, type EnvelopeAttachment } from '../cases/messaging.ts';
import { deskUrl } from '../../config.ts';
import { rulesOf } from '../admin/instance.ts';
import { reporterAddress } from '../inbound/threading.ts';
import { principalsOf } from './deliveries.ts';

// Fan-out: a message on a case (a reporter's mail, a member's reply that came in by mail) goes to
// every person with access to the case, each copy encrypted to that person's own key and signed by
// the team key. This queues one outbox row addressed to each of them; planning (src/app/delivery/deliveries.ts)
// turns it into one delivery per person with its own Message-ID, in this same transaction, and the
// delivery job builds each copy with the key the person has when it is sent: encrypted, or a notice
// that a message is waiting (no key, or a collaborator who may not see the reporter's identity).

export interface FanOutResult {
  /** null when nobody else may see the case. */
  outboxId: string | null;
  recipients: number;
}

/** The people (not disabled) who may see the case, by the same policy every door applies. */
export async function peopleWithAccess(tx: Queryable, reportId: string): Promise<{ personId: string; email: string }[]> {
  const c = await loadCase(tx, reportId);
  if (!c) throw new NotFoundError('report');
  return peopleWithAccessTo(tx, c);
}

/** peopleWithAccess for a case just loaded in this transaction. */
async function peopleWithAccessTo(tx: Queryable, c: LoadedCase): Promise<{ personId: string; email: string }[]> {
  const reportId = c.row.reportId;
  const candidates = await tx.query<{ person_id: string }>(
    `SELECT tm.person_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.kind = 'central'
     UNION SELECT tm.person_id FROM team_members tm JOIN projects p ON p.security_team_id = tm.team_id
            JOIN incident_projects ip ON ip.project_id = p.id WHERE ip.incident_id = $2
     UNION SELECT person_id FROM case_participants WHERE report_id = $1`,
    [reportId, c.row.incidentId],
  );
  const people = await principalsOf(
    tx,
    candidates.rows.map((r) => r.person_id),
  );
  return [...people.values()]
    .filter((p) => canSeeCase(p, c.facts))
    .map((p) => ({ personId: p.personId, email: p.email }))
    .sort((a, b) => a.email.localeCompare(b.email));
}

/**
 * Queues the copies of one thread message (messages.id) to everyone with access, except its author.
 * Call it in the transaction that stored the message: nothing is sent if that rolls back.
 */
export async function fanOutMessage(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  opts: { reportId: string; messageId: string },
): Promise<FanOutResult> {
  const m = await tx.query<{ kind: string; author_id: string | null; body_sealed: string; report_id: string }>(
    'SELECT kind, author_id, body_sealed, report_id FROM messages WHERE id = $1',
    [opts.messageId],
  );
  const msg = m.rows[0];
  if (!msg || msg.report_id !== opts.reportId) throw new NotFoundError('message');
  const c = await loadCase(tx, opts.reportId);
  if (!c) throw new NotFoundError('report');
  const recipients = (await peopleWithAccessTo(tx, c)).filter((p) => p.personId !== msg.author_id);
  if (recipients.length === 0) return { outboxId: null, recipients: 0 };
  const text = ctx.app.sealer.open(msg.body_sealed, aad('messages', 'body', opts.messageId));
  const files = await attachmentsOfMessage(ctx, tx, opts.reportId, opts.messageId);
  const body = `${text}${files.lines.length ? `\n\nAttachments:\n${files.lines.join('\n')}` : ''}\n\n${await whereRepliesGo(ctx, tx, opts.reportId)}`;
  const label = c.row.incidentRef ?? `Report #${c.row.number}`;
  const what = msg.kind === 'from_reporter' ? 'Message from the reporter' : msg.kind === 'to_reporter' ? 'Reply to the reporter' : 'Note';
  const outboxId = await queueMail(ctx, tx, at, {
    reportId: opts.reportId,
    incidentId: c.row.incidentId,
    templateId: 'fan-out',
    // Only inside each encrypted copy; the outer subject of an encrypted message says nothing.
    // A copy the desk distributes, not a message a person wrote to this recipient (RFC 3834).
    envelope: {
      to: recipients.map((r) => r.email),
      cc: [],
      subject: `[${label}] ${what}`,
      body,
      automatic: 'auto-generated',
      ...(files.attached.length ? { attachments: files.attached } : {}),
    },
  });
  await audit(ctx, tx, at, {
    action: 'mail.fanned_out',
    subjectType: 'report',
    subjectId: opts.reportId,
    data: { messageId: opts.messageId, outboxId, recipients: recipients.map((r) => r.personId) },
  });
  return { outboxId, recipients: recipients.length };
}

/** Attachments travel inside each encrypted copy up to this total; beyond it they are named with a link. */
export const MAX_COPY_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/**
 * The files that came with a thread message: attached to the copies (inside each member's encryption;
 * a member without a usable key gets a notice, never the file) while they fit, else named with the
 * desk's link. Either way each is named in the text, so none is dropped without a word.
 */
async function attachmentsOfMessage(
  ctx: Ctx,
  tx: Queryable,
  reportId: string,
  messageId: string,
): Promise<{ attached: EnvelopeAttachment[]; lines: string[] }> {
  const r = await tx.query<{ id: string; filename_sealed: string; content_type: string; size: number; data_sealed: string }>(
    'SELECT id, filename_sealed, content_type, size, data_sealed FROM attachments WHERE message_id = $1 ORDER BY created_at, id',
    [messageId],
  );
  const attached: EnvelopeAttachment[] = [];
  const lines: string[] = [];
  let total = 0;
  for (const row of r.rows) {
    const filename = ctx.app.sealer.open(row.filename_sealed, aad('attachments', 'filename', row.id));
    const link = `${deskUrl(ctx.app.config)}/api/reports/${reportId}/attachments/${row.id}`;
    if (total + row.size <= MAX_COPY_ATTACHMENT_BYTES) {
      total += row.size;
      attached.push({
        filename,
        contentType: row.content_type,
        contentBase64: ctx.app.sealer.open(row.data_sealed, aad('attachments', 'data', row.id)),
      });
      lines.push(`- ${filename} (${row.content_type}, ${row.size} bytes): attached to this mail; also at ${link}`);
    } else {
      lines.push(`- ${filename} (${row.content_type}, ${row.size} bytes): too large to mail with the others, at ${link}`);
    }
  }
  return { attached, lines };
}

/** What the team's copies say about answering: Reply reaches the team; the reporter only by the reporter address. */
async function whereRepliesGo(ctx: Ctx, tx: Queryable, reportId: string): Promise<string> {
  const team = (await rulesOf(tx)).centralAlias;
  const toReporter = await reporterAddress(tx, ctx.app.config.mailAliases);
  const onDesk = `${deskUrl(ctx.app.config)}/cases/${reportId}`;
  return [
    '-- ',
    `Reply to this mail goes to the team only${team ? ` (${team})` : ''}: a note on the case, never sent to the reporter.`,
    toReporter
      ? `To answer the reporter, reply to this mail and address it to ${toReporter} instead, signed with your own key and encrypted to the team key; or answer on the desk: ${onDesk}`
      : `To answer the reporter, use the desk: ${onDesk}`,
  ].join('\n');
}
