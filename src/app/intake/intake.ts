import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { newSecret, secretHash } from '../../crypto/password.ts';
import { aad, audit, type Ctx } from '../context.ts';
import { insertReport } from '../cases/records/reports.ts';
import { insertTransition } from '../cases/records/transitions.ts';
import { emit } from '../events.ts';
import { loadCase, openTitle, type Reporter } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { marksOf } from '../cases/marks.ts';
import { disclosureOf, type DisclosureView } from '../disclosure/negotiation.ts';
import { rulesOf } from '../admin/instance.ts';
import { sendReceipt } from './receipt.ts';
import { reporterReference } from '../../domain/reporter-facing.ts';
import { effectiveDue } from '../../domain/sla-outcome.ts';
import { publicAtSql } from '../../domain/publication.ts';
import { advisoryPageUrl } from '../../config.ts';

// Intake: a report arrives on any channel (web form, API, import from a file; the mail gateway and
// GitHub later) and becomes a report in the queue with its triage clock running.

const MAX_BODY = 200_000;

export const SensitiveFieldInput = z.strictObject({
  label: z.string().trim().min(1).max(200),
  value: z.string().trim().min(1).max(5000),
});

export const AttachmentInput = z.strictObject({
  filename: z.string().trim().min(1).max(255),
  contentType: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like text/plain'),
  /** Base64 content; decoded size is limited below. */
  contentBase64: z
    .string()
    .max(7_000_000)
    .regex(/^[A-Za-z0-9+/=\s]*$/, 'must be base64'),
});

export const ReportInput = z.strictObject({
  title: z.string().trim().min(3).max(300),
  body: z.string().trim().min(10).max(MAX_BODY),
  reporter: z.strictObject({
    name: z.string().trim().min(1).max(200).nullable().default(null),
    email: z.string().trim().toLowerCase().email().max(320).nullable().default(null),
    organisation: z.string().trim().min(1).max(200).nullable().default(null),
    handle: z.string().trim().min(1).max(100).nullable().default(null),
  }),
  product: z.string().trim().max(5000).nullable().default(null),
  sensitive: z.array(SensitiveFieldInput).max(50).default([]),
  creditPreference: z.enum(['name', 'handle', 'anonymous']).default('name'),
  attachments: z.array(AttachmentInput).max(10).default([]),
});
export type ReportInput = z.input<typeof ReportInput>;

export type Channel = 'web' | 'email' | 'github' | 'api' | 'import';

export interface SubmittedReport {
  reportId: string;
  /** The desk's running number: for the team only (it tells how many reports the desk has). */
  number: number;
  /** The reference the reporter knows the report by (reporterReference). */
  reference: string;
  /** The reporter's secret link token: shown once, stored only as a hash. */
  statusToken: string;
}

const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

/** Channels whose reporter is not shown the status link when the report is recorded. */
const UNSHOWN_LINK: readonly Channel[] = ['email', 'import'];

/** A report from the web form, the API or an import, with its automatic receipt where the profile sends one. */
export async function submitReport(ctx: Ctx, channel: Channel, raw: unknown): Promise<SubmittedReport> {
  ReportInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const submitted = await submitReportIn(ctx, tx, now, channel, raw);
    await sendReceipt(ctx, tx, now, submitted.reportId);
    return submitted;
  });
}

/**
 * submitReport inside a caller's transaction, without the receipt (the mail gateway commits it with
 * the inbox row and sends the receipt as its follow-up step).
 */
export async function submitReportIn(ctx: Ctx, tx: Queryable, now: Date, channel: Channel, raw: unknown): Promise<SubmittedReport> {
  const input = ReportInput.parse(raw);
  // The reporter states how to be credited on the web form and may in the API or an import; a report
  // by mail states nothing, and then the team records what the reporter asks for (advisories.ts).
  const stated = typeof raw === 'object' && raw !== null && (raw as { creditPreference?: unknown }).creditPreference !== undefined;
  const decoded = input.attachments.map((a) => ({ ...a, data: Buffer.from(a.contentBase64, 'base64') }));
  for (const a of decoded) {
    if (a.data.length > MAX_ATTACHMENT_BYTES) throw new ValidationError(`Attachment ${a.filename} is larger than 5 MB.`);
  }
  const id = crypto.randomUUID();
  const statusToken = newSecret('rpt');
  const { sealer } = ctx.app;
  const n = await tx.query<{ n: number }>("SELECT nextval('report_numbers') AS n");
  const number = Number(n.rows[0]!.n);
  const reporter: Reporter = input.reporter;
  await insertReport(tx, {
    id,
    number,
    channel,
    receivedAt: now,
    titleSealed: sealer.seal(input.title, aad('reports', 'title', id)),
    bodySealed: sealer.seal(input.body, aad('reports', 'body', id)),
    reporterSealed: sealer.sealJson(reporter, aad('reports', 'reporter', id)),
    sensitiveSealed: sealer.sealJson({ product: input.product, fields: input.sensitive }, aad('reports', 'sensitive', id)),
    creditPreference: input.creditPreference,
    creditPreferenceBy: stated ? 'reporter' : null,
    statusTokenHash: secretHash(statusToken),
    // Shown to nobody on these channels: kept sealed so the desk can mail it to the reporter.
    statusTokenSealed: UNSHOWN_LINK.includes(channel) ? sealer.seal(statusToken, aad('reports', 'status_token', id)) : null,
  });
  for (const a of decoded) {
    const aid = crypto.randomUUID();
    await tx.query(
      `INSERT INTO attachments (id, report_id, filename_sealed, content_type, size, data_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        aid,
        id,
        sealer.seal(a.filename, aad('attachments', 'filename', aid)),
        a.contentType,
        a.data.length,
        sealer.seal(a.data.toString('base64'), aad('attachments', 'data', aid)),
        now,
      ],
    );
  }
  await insertTransition(tx, sealer, {
    machine: 'report-management',
    subjectId: id,
    participant: 'coordinator',
    from: 'start',
    to: 'received',
    actorId: null,
    at: now,
    reason: `received via ${channel}`,
  });
  await emit(ctx, tx, 'report_received', { reportId: id, owner: null, at: now });
  await audit(ctx, tx, now, {
    action: 'report.received',
    subjectType: 'report',
    subjectId: id,
    data: { channel, number, attachments: decoded.length },
  });
  return { reportId: id, number, reference: reporterReference(id), statusToken };
}

// --- The reporter's own view, through the secret link. ---

export async function reportIdForToken(tx: Queryable, token: string): Promise<string> {
  const r = await tx.query<{ id: string }>('SELECT id FROM reports WHERE status_token_hash = $1', [secretHash(token)]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError('report');
  return row.id;
}

export interface ReporterView {
  /** The reference the reporter knows the report by; never the desk's running number. */
  reference: string;
  title: string;
  receivedAt: string;
  status: string;
  incidentRef: string | null;
  /** How the reporter wants to be credited in the advisory, and the other name or handle for 'handle'. */
  credit: { preference: 'name' | 'handle' | 'anonymous'; alias: string | null };
  /**
   * The messages: `body` as stored ("Subject: …", a blank line, the text, for mail), and the same
   * split for reading, the subject (a heading) apart from the `text`.
   */
  messages: { id: string; kind: 'from_reporter' | 'to_reporter'; body: string; subject: string | null; text: string; at: string }[];
  /** What happened to the report so far, oldest first, in plain words. */
  timeline: { at: string; text: string }[];
  /** When the team next aims to act: the earliest running clock's due instant (a paused clock waits for the reporter). */
  nextExpected: { at: string; waitingForYou: boolean } | null;
  /** The advisories of the report that are public, with their public page. */
  advisories: { id: string; title: string; url: string; publishedAt: string }[];
  /** What the reporter marked sensitive: the team keeps it from everyone outside the security teams. */
  marks: { id: string; kind: string; value: string; name: string | null }[];
  /** The disclosure timeline: agreed, or proposed and waiting for the reporter's answer. */
  disclosure: DisclosureView | null;
}

/** What the reporter sees: their report, its public status and the messages exchanged with them. Never internal notes. */
export async function reporterView(ctx: Ctx, token: string): Promise<ReporterView> {
  const tx = ctx.app.db;
  const reportId = await reportIdForToken(tx, token);
  const c = (await loadCase(tx, reportId))!;
  const msgs = await tx.query<{ id: string; kind: 'from_reporter' | 'to_reporter'; body_sealed: string; created_at: Date }>(
    `SELECT id, kind, body_sealed, created_at FROM messages WHERE report_id = $1 AND kind IN ('from_reporter', 'to_reporter') ORDER BY seq`,
    [reportId],
  );
  const messages = msgs.rows.map((m) => {
    const text = ctx.app.sealer.open(m.body_sealed, aad('messages', 'body', m.id));
    const { subject, body } = splitSubject(text);
    return { id: m.id, kind: m.kind, body: text, subject, text: body, at: new Date(m.created_at).toISOString() };
  });
  const disclosure = await disclosureOf(ctx, tx, c, await rulesOf(tx));
  const advisories = await publicAdvisoriesOf(ctx, tx, reportId);
  return {
    reference: reporterReference(reportId),
    title: openTitle(ctx, c),
    receivedAt: c.row.receivedAt.toISOString(),
    status: reporterStatus(c.row.rmState, c.row.incidentStatus),
    incidentRef: c.row.incidentRef,
    credit: await creditOf(ctx, tx, reportId),
    messages,
    timeline: await timelineOf(tx, reportId, c.row.receivedAt, disclosure, advisories),
    nextExpected: await nextExpectedOf(ctx, tx, reportId),
    advisories,
    marks: (await marksOf(ctx.app.sealer, tx, reportId, 'reporter-mark')).map((m) => ({
      id: m.id,
      kind: m.kind,
      value: m.value,
      name: m.name,
    })),
    disclosure,
  };
}

/** A message stored as "Subject: …" and a blank line before the text: the subject apart, as the heading. */
export function splitSubject(text: string): { subject: string | null; body: string } {
  const m = /^Subject: ([^\r\n]*)\r?\n(?:\r?\n)?/u.exec(text);
  if (!m) return { subject: null, body: text };
  return { subject: m[1]!.trim() || null, body: text.slice(m[0].length) };
}

// The report-management states in the reporter's words. Only the coordinator's state is told: the
// projects' own states are the team's business.
const STATE_WORDS: Record<string, string> = {
  valid: 'The team confirmed that your report describes a security issue.',
  invalid: 'The team concluded that your report does not describe a security vulnerability.',
  accepted: 'The team accepted your report and is handling it.',
  deferred: 'The team put the handling of your report on hold.',
  closed: 'The team closed your report.',
};

async function timelineOf(
  tx: Queryable,
  reportId: string,
  receivedAt: Date,
  disclosure: DisclosureView | null,
  advisories: ReporterView['advisories'],
): Promise<ReporterView['timeline']> {
  const moves = await tx.query<{ to_state: string; at: Date }>(
    `SELECT to_state, at FROM transitions WHERE machine = 'report-management' AND subject_id = $1 AND participant = 'coordinator' ORDER BY at, id`,
    [reportId],
  );
  const out: ReporterView['timeline'] = [{ at: receivedAt.toISOString(), text: 'We received your report.' }];
  for (const t of moves.rows) {
    const text = STATE_WORDS[t.to_state];
    if (text) out.push({ at: new Date(t.at).toISOString(), text });
  }
  if (disclosure?.agreed)
    out.push({ at: disclosure.agreed.createdAt, text: 'A disclosure timeline was proposed that you and the team then agreed on.' });
  for (const a of advisories) out.push({ at: a.publishedAt, text: `The advisory ${a.id} was published.` });
  return out.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
}

async function nextExpectedOf(ctx: Ctx, tx: Queryable, reportId: string): Promise<ReporterView['nextExpected']> {
  const now = ctx.app.clock();
  const r = await tx.query<{ due_at: Date; paused_at: Date | null; started_at: Date }>(
    'SELECT due_at, paused_at, started_at FROM deadlines WHERE report_id = $1 AND stopped_at IS NULL',
    [reportId],
  );
  if (r.rows.length === 0) return null;
  const dues = r.rows.map((d) => ({
    at: effectiveDue({ startedAt: d.started_at, dueAt: d.due_at, stoppedAt: null, stopReason: null, pausedAt: d.paused_at }, now),
    paused: d.paused_at !== null,
  }));
  const running = dues.filter((d) => !d.paused);
  // Every clock paused: the team waits for the reporter, and no date would be honest.
  if (running.length === 0) return { at: dues.sort((a, b) => a.at.getTime() - b.at.getTime())[0]!.at.toISOString(), waitingForYou: true };
  return { at: running.sort((a, b) => a.at.getTime() - b.at.getTime())[0]!.at.toISOString(), waitingForYou: false };
}

async function publicAdvisoriesOf(ctx: Ctx, tx: Queryable, reportId: string): Promise<ReporterView['advisories']> {
  const r = await tx.query<{ id: string; public_id: string; publish_at: Date; version: number; document_sealed: string }>(
    `SELECT a.id, a.public_id, a.publish_at, v.version, v.document_sealed FROM advisories a
       JOIN incidents i ON i.id = a.incident_id
       JOIN advisory_versions v ON v.advisory_id = a.id AND v.version = a.published_version
      WHERE i.report_id = $2 AND a.state = 'published' AND ${publicAtSql('a', '$1')} ORDER BY a.publish_at`,
    [ctx.app.clock(), reportId],
  );
  return r.rows.map((a) => {
    const doc = ctx.app.sealer.openJson<{ title: string }>(a.document_sealed, aad('advisory_versions', 'document', `${a.id}/${a.version}`));
    return {
      id: a.public_id,
      title: doc.title,
      url: advisoryPageUrl(ctx.app.config, a.public_id),
      publishedAt: new Date(a.publish_at).toISOString(),
    };
  });
}

async function creditOf(ctx: Ctx, tx: Queryable, reportId: string): Promise<ReporterView['credit']> {
  const r = await tx.query<{ credit_preference: ReporterView['credit']['preference']; credit_alias_sealed: string | null }>(
    'SELECT credit_preference, credit_alias_sealed FROM reports WHERE id = $1',
    [reportId],
  );
  const row = r.rows[0]!;
  return {
    preference: row.credit_preference,
    alias: row.credit_alias_sealed ? ctx.app.sealer.open(row.credit_alias_sealed, aad('reports', 'credit_alias', reportId)) : null,
  };
}

function reporterStatus(rm: string, incident: string | null): string {
  if (incident === 'closed' || rm === 'closed') return 'closed';
  if (incident === 'open') return 'being handled';
  if (rm === 'received') return 'awaiting triage';
  return 'in triage';
}

export const ReporterMessageInput = z.strictObject({ body: z.string().trim().min(1).max(MAX_BODY) });

export async function replyAsReporter(ctx: Ctx, token: string, raw: unknown): Promise<{ messageId: string }> {
  const { body } = ReporterMessageInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const reportId = await reportIdForToken(tx, token);
    return recordReporterReply(ctx.app, tx, now, reportId, body);
  });
}

/**
 * A message from the reporter on their case (status page, or a reply by mail): stored in the thread,
 * and the clocks that wait for the reporter resume.
 */
export async function recordReporterReply(
  app: Ctx['app'],
  tx: Queryable,
  now: Date,
  reportId: string,
  body: string,
): Promise<{ messageId: string }> {
  const c = await loadCase(tx, reportId);
  if (!c) throw new NotFoundError('report');
  const reporterCtx: Ctx = { app, principal: { kind: 'reporter', reportId } };
  const messageId = await addMessage(reporterCtx, tx, now, c, 'from_reporter', body);
  const { resumed } = await emit(reporterCtx, tx, 'reporter_replied', { reportId, at: now });
  await audit(reporterCtx, tx, now, {
    action: 'case.reporter_replied',
    subjectType: 'report',
    subjectId: reportId,
    data: { messageId, clocksResumed: resumed },
  });
  return { messageId };
}
