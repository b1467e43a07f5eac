import { z } from 'zod';
import { isLocalDate, readableDate } from '../../domain/reader-dates.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { reportManagement, type ReportState } from '../../domain/report-management.ts';
import { audit, type Ctx } from '../context.ts';
import { closeIncidentRow, reopenIncidentRow, restartProjectPart } from './records/incidents.ts';
import { withCase } from '../gate.ts';
import { moveReportState, recordTransition } from './case.ts';
import { emit } from '../events.ts';
import { addMessage, defaultReporterSubject, messageReporter, templateVars } from './messaging.ts';
import { fanOutMessage } from '../delivery/fan-out.ts';

// The case thread (internal notes, replies to the reporter, status updates) and the task's own
// open/closed status with reopening.

export const Body = z.strictObject({ body: z.string().trim().min(1).max(100_000) });

export async function addNote(ctx: Ctx, reportId: string, raw: unknown): Promise<{ messageId: string }> {
  const { body } = Body.parse(raw);
  return withCase(ctx, reportId, { action: 'case.note' }, async (tx, c, _rules, now) => {
    const messageId = await addMessage(ctx, tx, now, c, 'note', body);
    // An incident deemed serious (Tock 2.2) has the response team's channel open: notes reach everyone on it by mail.
    const mailed = c.facts.serious ? (await fanOutMessage(ctx, tx, now, { reportId, messageId })).recipients : 0;
    await audit(ctx, tx, now, { action: 'case.note_added', subjectType: 'report', subjectId: reportId, data: { messageId, mailed } });
    return { messageId };
  });
}

export const ReplyInput = z.strictObject({
  subject: z.string().trim().min(1).max(300).optional(),
  body: z.string().trim().min(1).max(100_000),
  /** The reply asks the reporter something: clocks whose profile rule pauses while waiting pause. */
  waitForReporter: z.boolean().default(false),
});

/** A free-text reply to the reporter, copied to the list as the profile's copy rules say. */
export async function replyToReporter(ctx: Ctx, reportId: string, raw: unknown): Promise<{ messageId: string; outboxId: string | null }> {
  const input = ReplyInput.parse(raw);
  return withCase(ctx, reportId, { action: 'case.reply' }, async (tx, c, rules, now) => {
    const result = await messageReporter(ctx, tx, now, rules, c, {
      templateId: null,
      // Unnamed: "Re:" the reporter's latest mail, so their client shows the answer in their thread.
      subject: input.subject ?? (await defaultReporterSubject(ctx, tx, c, rules.teamName)),
      body: input.body,
    });
    const paused = input.waitForReporter ? (await emit(ctx, tx, 'waiting_for_reporter', { reportId, at: now })).paused : 0;
    await audit(ctx, tx, now, {
      action: 'case.replied',
      subjectType: 'report',
      subjectId: reportId,
      data: { messageId: result.messageId, waitForReporter: input.waitForReporter, clocksPaused: paused },
    });
    return result;
  });
}

export const StatusUpdateInput = z.strictObject({
  status: z.string().trim().min(1).max(200),
  // A date the reporter can hold the team to: a real calendar date, written for them when sent.
  resolutionDate: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'the estimated resolution date must be a date of the form YYYY-MM-DD, like 2026-12-11')
    .refine(isLocalDate, 'the estimated resolution date is not a real calendar date')
    .optional(),
  details: z.string().trim().max(20_000).optional(),
});

/** The profile's status update template (Tock), sent to the reporter. */
export async function sendStatusUpdate(ctx: Ctx, reportId: string, raw: unknown): Promise<{ messageId: string }> {
  const input = StatusUpdateInput.parse(raw);
  return withCase(ctx, reportId, { action: 'case.status_update' }, async (tx, c, rules, now) => {
    const status = statusOf(input.status, rules.statusStates);
    const vars = await templateVars(ctx, tx, rules, c, {
      status,
      resolution_date: input.resolutionDate ? readableDate(input.resolutionDate, 'resolutionDate') : 'to be determined',
      details: input.details ?? '',
    });
    const mail = rules.render('status_update', vars);
    const { messageId } = await messageReporter(ctx, tx, now, rules, c, { templateId: 'status_update', ...mail });
    await audit(ctx, tx, now, {
      action: 'case.status_update_sent',
      subjectType: 'report',
      subjectId: reportId,
      data: { status },
    });
    return { messageId };
  });
}

/**
 * The status as sent: one of the profile's states when it lists them (Tock's "Assessment/In
 * Development/Testing/Preparing Release"), written as the profile writes it; the sender's own words
 * otherwise.
 */
function statusOf(status: string, states: readonly string[]): string {
  if (states.length === 0) return status;
  const state = states.find((s) => s.toLowerCase() === status.toLowerCase());
  if (!state) {
    throw new ValidationError(`The status must be one of the process's states: ${states.join(', ')}.`, [
      { path: 'status', message: `not one of ${states.join(', ')}` },
    ]);
  }
  return state;
}

export const Reason = z.strictObject({ reason: z.string().trim().min(3).max(10_000) });

/** Closes the task: each participant still handling it moves to Closed where Vultron allows it. */
export async function closeIncident(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const { reason } = Reason.parse(raw);
  await withCase(ctx, reportId, { lock: true, action: 'incident.close' }, async (tx, c, _rules, now) => {
    // Each participant still handling the case closes by a direct, legal move: Vultron never closes
    // from Valid (accept or defer it first) nor from Received (reject or confirm it first).
    for (const p of c.projects) {
      if (p.rmState === 'closed') continue;
      reportManagement.assertMove(p.rmState, 'closed', p.rmState === 'valid' ? 'accept or defer it first' : 'decide on it first');
      await moveReportState(
        ctx,
        tx,
        reportId,
        { kind: 'project', incidentId: c.row.incidentId!, projectId: p.projectId },
        p.rmState,
        'closed',
        now,
        reason,
      );
    }
    if (!(await closeIncidentRow(tx, c.row.incidentId!, now))) throw new ConflictError('The incident is already closed.');
    await recordTransition(ctx, tx, 'task', reportId, 'case', 'open', 'closed', now, reason);
    await emit(ctx, tx, 'incident_closed', { reportId, at: now });
    await audit(ctx, tx, now, { action: 'incident.closed', subjectType: 'report', subjectId: reportId, secret: { reason } });
  });
}

/**
 * Reopens a closed task. Vultron has no way out of Closed, so a reopened case begins a new
 * report-management cycle for each closed participant (closed → received, recorded with the reason).
 */
export async function reopenIncident(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const { reason } = Reason.parse(raw);
  await withCase(ctx, reportId, { lock: true, action: 'incident.reopen' }, async (tx, c, _rules, now) => {
    if (!(await reopenIncidentRow(tx, c.row.incidentId!, now))) throw new ConflictError('The incident is already open.');
    await recordTransition(ctx, tx, 'task', reportId, 'case', 'closed', 'open', now, reason);
    for (const p of c.projects) {
      if (p.rmState !== 'closed') continue;
      const to: ReportState = 'received';
      await restartProjectPart(tx, c.row.incidentId!, p.projectId, to);
      await recordTransition(ctx, tx, 'report-management', reportId, `project:${p.projectId}`, 'closed', to, now, `reopened: ${reason}`);
    }
    await audit(ctx, tx, now, { action: 'incident.reopened', subjectType: 'report', subjectId: reportId, secret: { reason } });
  });
}
