import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import {
  assignProjectHandler,
  claimProjectHandler,
  closeIncidentWithOutcome,
  setBugLink,
  setIncidentContact,
  setProjectOutcome,
  takeOverProjectHandler,
} from './records/incidents.ts';
import { withCase, withProjectPart } from '../gate.ts';
import { moveReportState, recordTransition, type LoadedCase } from './case.ts';
import { emit, handOverClocks } from '../events.ts';
import { messageReporter, templateVars } from './messaging.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { presentAt } from '../sla/presence.ts';
import { announceHandler } from './list-mail.ts';
import { personName } from './triage.ts';

// Project handling (TF) and assignment by subsystem (Tock), plus pulling people into one case.

/** TF project handling 2: a project team member becomes the project incident handler; one wins. */
export async function claimHandler(ctx: Ctx, reportId: string, projectSlug: string): Promise<void> {
  const me = requirePerson(ctx);
  await withProjectPart(ctx, reportId, projectSlug, 'project.claim', async (tx, c, part, rules, now) => {
    if (!(await claimProjectHandler(tx, c.row.incidentId!, part.projectId, me.personId)))
      throw new ConflictError('Someone else claimed this incident first.');
    await becomeHandler(ctx, tx, c, part.projectId, rules, now, `${me.name} claimed`);
    await emit(ctx, tx, 'handler_claimed', {
      reportId,
      incidentId: c.row.incidentId,
      projectId: part.projectId,
      owner: me.personId,
      at: now,
    });
    // P2: "immediately replies to the list to say they will be the project incident handler".
    await announceHandler(ctx, tx, now, c, rules, part, { name: me.name });
    await audit(ctx, tx, now, {
      action: 'project.handler_claimed',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug },
    });
  });
}

export const TakeOverHandlerInput = z.strictObject({ reason: z.string().trim().min(3).max(2000) });

export async function takeOverHandler(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const me = requirePerson(ctx);
  const { reason } = TakeOverHandlerInput.parse(raw);
  await withProjectPart(ctx, reportId, projectSlug, 'project.take_over', async (tx, c, part, rules, now) => {
    if (!(await takeOverProjectHandler(tx, c.row.incidentId!, part.projectId, me.personId, part.handlerId)))
      throw new ConflictError('The handler changed meanwhile; reload and try again.');
    await becomeHandler(ctx, tx, c, part.projectId, rules, now, `${me.name} took over: ${reason}`);
    await announceHandler(ctx, tx, now, c, rules, part, { name: me.name, previous: await personName(tx, part.handlerId), reason });
    await audit(ctx, tx, now, {
      action: 'project.handler_taken_over',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug, from: part.handlerId },
      secret: { reason },
    });
  });
}

/** The handler owns the project's clocks; for a single-project incident they become the reporter's contact. */
async function becomeHandler(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  projectId: string,
  rules: ProfileRules,
  now: Date,
  why: string,
): Promise<void> {
  const me = requirePerson(ctx);
  const clockIds = [...new Set([...rules.clocksStoppingOn('vulnerability_confirmed'), ...rules.clocksStoppingOn('report_rejected')])];
  await handOverClocks(ctx, tx, { reportId: c.row.reportId, projectId }, clockIds, me.personId, now, why);
  if (rules.workflow.singleProjectHandlerIsContact && c.projects.length === 1) {
    await setIncidentContact(tx, c.row.incidentId!, me.personId, now);
  }
}

export const Reason = z.strictObject({ reason: z.string().trim().min(10, 'give specific reasoning (at least 10 characters)').max(10_000) });
export const DowngradeInput = z.strictObject({
  reason: z.string().trim().min(10).max(10_000),
  bugLink: z
    .string()
    .trim()
    .url()
    .max(2000)
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) link to the public bug'),
});

/** TF project handling 3a: not a security vulnerability. Standard rejection response, task closed. */
export async function handlerReject(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const { reason } = Reason.parse(raw);
  await withProjectPart(ctx, reportId, projectSlug, 'project.reject', async (tx, c, part, rules, now) => {
    await closeProjectPart(ctx, tx, c, part, now, 'rejected', reason);
    const mail = rules.render('rejection', await templateVars(ctx, tx, rules, c, { reason }));
    await messageReporter(ctx, tx, now, rules, c, { templateId: 'rejection', ...mail });
    await audit(ctx, tx, now, {
      action: 'project.rejected',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug },
      secret: { reason },
    });
  });
}

/**
 * TF 3a/4: a normal bug, found in the analysis (before confirmation) or while the confirmed
 * vulnerability's information is consolidated (P4: "it's possible that the (potential) vulnerability
 * is downgraded to a normal bug"). The public bug link is recorded, the reporter told why, the task
 * closed once no project still handles it.
 */
export async function downgradeToBug(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const { reason, bugLink } = DowngradeInput.parse(raw);
  await withProjectPart(ctx, reportId, projectSlug, 'project.downgrade', async (tx, c, part, rules, now) => {
    await setBugLink(tx, c.row.incidentId!, bugLink);
    await closeProjectPart(ctx, tx, c, part, now, 'downgraded', reason);
    // The rejection template gives the bug link its own paragraph: the reason stays the reason.
    const mail = rules.render('rejection', await templateVars(ctx, tx, rules, c, { reason, bug_link: bugLink }));
    await messageReporter(ctx, tx, now, rules, c, { templateId: 'rejection', ...mail });
    await audit(ctx, tx, now, {
      action: 'project.downgraded',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug, bugLink },
      secret: { reason },
    });
  });
}

async function closeProjectPart(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  part: LoadedCase['projects'][number],
  now: Date,
  outcome: 'rejected' | 'downgraded',
  reason: string,
): Promise<void> {
  await moveReportState(
    ctx,
    tx,
    c.row.reportId,
    { kind: 'project', incidentId: c.row.incidentId!, projectId: part.projectId },
    part.rmState,
    'closed',
    now,
    reason,
  );
  await setProjectOutcome(tx, c.row.incidentId!, part.projectId, outcome);
  // A downgrade is also a rejection as a security report: clocks stopping on either stop here.
  if (outcome === 'downgraded') await emit(ctx, tx, 'downgraded_to_bug', { reportId: c.row.reportId, projectId: part.projectId, at: now });
  await emit(ctx, tx, 'report_rejected', { reportId: c.row.reportId, projectId: part.projectId, at: now });
  // The task closes when no project still handles it.
  const open = await tx.query(`SELECT 1 FROM incident_projects WHERE incident_id = $1 AND rm_state <> 'closed'`, [c.row.incidentId]);
  if (open.rows.length === 0) {
    await closeIncidentWithOutcome(tx, c.row.incidentId!, outcome, now);
    await recordTransition(ctx, tx, 'task', c.row.reportId, 'case', 'open', 'closed', now, reason);
    await emit(ctx, tx, 'incident_closed', { reportId: c.row.reportId, at: now });
  }
}

export const ConfirmInput = z.strictObject({ note: z.string().trim().max(10_000).default('') });

/** TF 3b: the handler accepts that it is (or may be) a vulnerability: the project's report is Accepted. */
export async function confirmVulnerability(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const { note } = ConfirmInput.parse(raw ?? {});
  await withProjectPart(ctx, reportId, projectSlug, 'project.confirm', async (tx, c, part, _rules, now) => {
    await moveReportState(
      ctx,
      tx,
      reportId,
      { kind: 'project', incidentId: c.row.incidentId!, projectId: part.projectId },
      part.rmState,
      'accepted',
      now,
      note || 'confirmed as a vulnerability',
    );
    await setProjectOutcome(tx, c.row.incidentId!, part.projectId, 'confirmed');
    await emit(ctx, tx, 'vulnerability_confirmed', {
      reportId,
      incidentId: c.row.incidentId,
      projectId: part.projectId,
      owner: part.handlerId,
      at: now,
    });
    await audit(ctx, tx, now, { action: 'project.confirmed', subjectType: 'report', subjectId: reportId, data: { project: projectSlug } });
  });
}

export const AssignInput = z.strictObject({ subsystem: z.string().trim().min(1).max(100) });

/**
 * Tock 2.1: assign through the subsystem contact table: the primary contact, or the secondary when
 * the primary is not present now (unavailable, away or on a day off: the scheduler's rule). The report becomes Accepted.
 */
export async function assignBySubsystem(
  ctx: Ctx,
  reportId: string,
  raw: unknown,
): Promise<{ assigneeId: string; via: 'primary' | 'secondary' }> {
  const { subsystem } = AssignInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'incident.assign' }, async (tx, c, _rules, now) => {
    const part = c.projects[0]!;
    const s = await tx.query<{
      id: string;
      name: string;
      primary_contact_id: string | null;
      secondary_contact_id: string | null;
    }>(
      `SELECT s.id, s.name, s.primary_contact_id, s.secondary_contact_id
         FROM subsystems s
        WHERE s.project_id = $1 AND lower(s.name) = lower($2)`,
      [part.projectId, subsystem],
    );
    const row = s.rows[0];
    if (!row)
      throw new ValidationError(`The project has no subsystem ${subsystem}.`, [{ path: 'subsystem', message: 'unknown subsystem' }]);
    const present = await presentAt(tx, [row.primary_contact_id, row.secondary_contact_id], now);
    const via =
      row.primary_contact_id && present.has(row.primary_contact_id)
        ? 'primary'
        : row.secondary_contact_id && present.has(row.secondary_contact_id)
          ? 'secondary'
          : null;
    if (!via)
      throw new ConflictError(`Neither contact of ${row.name} is available; set the subsystem's contacts or their availability first.`);
    const assigneeId = (via === 'primary' ? row.primary_contact_id : row.secondary_contact_id)!;
    await tx.query(
      `INSERT INTO case_participants (report_id, person_id, role, added_by, added_at) VALUES ($1, $2, 'assignee', $3, $4) ON CONFLICT DO NOTHING`,
      [reportId, assigneeId, requirePerson(ctx).personId, now],
    );
    // The subsystem is kept: its secondary contact is the backup when the resolution target passes.
    await assignProjectHandler(tx, c.row.incidentId!, part.projectId, assigneeId, row.id);
    await moveReportState(
      ctx,
      tx,
      reportId,
      { kind: 'report' },
      c.row.rmState,
      'accepted',
      now,
      `assigned to the ${row.name} ${via} contact`,
    );
    await emit(ctx, tx, 'subsystem_assigned', { reportId, at: now });
    await audit(ctx, tx, now, {
      action: 'incident.assigned',
      subjectType: 'report',
      subjectId: reportId,
      data: { subsystem: row.name, assigneeId, via },
    });
    return { assigneeId, via };
  });
}

export const PullInInput = z.strictObject({ email: z.string().trim().toLowerCase().email() });

/** Pull a person into this one case (TF: other security members or trusted contributors). */
export async function pullIn(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const { email } = PullInInput.parse(raw);
  const me = requirePerson(ctx);
  await withCase(ctx, reportId, { lock: true, action: 'case.pull_in' }, async (tx, _c, _rules, now) => {
    const p = await tx.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [email]);
    const personId = p.rows[0]?.person_id;
    if (!personId)
      throw new ValidationError(`No person with the address ${email}; an admin adds people first.`, [
        { path: 'email', message: 'unknown person' },
      ]);
    const r = await tx.query(
      `INSERT INTO case_participants (report_id, person_id, role, added_by, added_at) VALUES ($1, $2, 'collaborator', $3, $4) ON CONFLICT DO NOTHING`,
      [reportId, personId, me.personId, now],
    );
    if (r.rowCount !== 1) throw new ConflictError('This person is already pulled into the case.');
    await audit(ctx, tx, now, { action: 'case.pulled_in', subjectType: 'report', subjectId: reportId, data: { personId } });
  });
}
