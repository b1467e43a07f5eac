import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { projectActions, type CaseAction } from '../../domain/access.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { moveReportState, recordTransition, visibleCase, type LoadedCase } from './case.ts';
import { reassignClocks, startClocks, stopAllClocks, stopClocks } from '../sla/clocks.ts';
import { messageReporter, templateVars } from './messaging.ts';
import { rulesOf } from '../admin/instance.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { requireAction } from './triage.ts';

// Project handling (TF) and assignment by subsystem (Tock), plus pulling people into one case.

async function withProjectPart<T>(
  ctx: Ctx,
  reportId: string,
  projectSlug: string,
  action: CaseAction,
  fn: (tx: Queryable, c: LoadedCase, part: LoadedCase['projects'][number], rules: ProfileRules, now: Date) => Promise<T>,
): Promise<T> {
  requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const c = await visibleCase(ctx, tx, reportId, true);
    const part = c.projects.find((p) => p.slug === projectSlug);
    if (!part) throw new NotFoundError('project on this incident');
    if (action === 'project.claim' && part.handlerId !== null && part.rmState === 'received') {
      throw new ConflictError('Someone else claimed this incident first.');
    }
    if (!projectActions(ctx.principal, c.facts, part.projectId).includes(action)) {
      throw new ForbiddenError(`You cannot ${action.replace('.', ': ').replace('_', ' ')} for ${projectSlug} now.`);
    }
    return fn(tx, c, part, await rulesOf(tx), now);
  });
}

/** TF project handling 2: a project team member becomes the project incident handler; one wins. */
export async function claimHandler(ctx: Ctx, reportId: string, projectSlug: string): Promise<void> {
  const me = requirePerson(ctx);
  await withProjectPart(ctx, reportId, projectSlug, 'project.claim', async (tx, c, part, rules, now) => {
    const won = await tx.query(
      'UPDATE incident_projects SET handler_id = $3 WHERE incident_id = $1 AND project_id = $2 AND handler_id IS NULL',
      [c.row.incidentId, part.projectId, me.personId],
    );
    if (won.rowCount !== 1) throw new ConflictError('Someone else claimed this incident first.');
    await becomeHandler(ctx, tx, c, part.projectId, rules, now, `${me.name} claimed`);
    await startClocks(
      tx,
      rules,
      'handler_claimed',
      { reportId, incidentId: c.row.incidentId, projectId: part.projectId },
      now,
      () => me.personId,
    );
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
    const r = await tx.query(
      'UPDATE incident_projects SET handler_id = $3 WHERE incident_id = $1 AND project_id = $2 AND handler_id = $4',
      [c.row.incidentId, part.projectId, me.personId, part.handlerId],
    );
    if (r.rowCount !== 1) throw new ConflictError('The handler changed meanwhile; reload and try again.');
    await becomeHandler(ctx, tx, c, part.projectId, rules, now, `${me.name} took over: ${reason}`);
    await audit(ctx, tx, now, {
      action: 'project.handler_taken_over',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug, from: part.handlerId, reason },
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
  await reassignClocks(tx, rules, { reportId: c.row.reportId, projectId }, clockIds, me.personId, now, why);
  if (rules.workflow.singleProjectHandlerIsContact && c.projects.length === 1) {
    await tx.query('UPDATE incidents SET contact_id = $2, updated_at = $3 WHERE id = $1', [c.row.incidentId, me.personId, now]);
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
    await closeProjectPart(ctx, tx, c, part, rules, now, 'rejected', reason);
    const mail = rules.render('rejection', await templateVars(ctx, tx, rules, c, { reason }));
    await messageReporter(ctx, tx, now, rules, c, { templateId: 'rejection', ...mail });
    await audit(ctx, tx, now, {
      action: 'project.rejected',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug, reason },
    });
  });
}

/** TF 3a/4: a normal bug. The public bug link is recorded, the reporter told why, the task closed. */
export async function downgradeToBug(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const { reason, bugLink } = DowngradeInput.parse(raw);
  await withProjectPart(ctx, reportId, projectSlug, 'project.downgrade', async (tx, c, part, rules, now) => {
    await tx.query('UPDATE incidents SET bug_link = $2 WHERE id = $1', [c.row.incidentId, bugLink]);
    await closeProjectPart(ctx, tx, c, part, rules, now, 'downgraded', reason);
    const mail = rules.render(
      'rejection',
      await templateVars(ctx, tx, rules, c, { reason: `${reason}\n\nIt is tracked as a normal bug: ${bugLink}`, bug_link: bugLink }),
    );
    await messageReporter(ctx, tx, now, rules, c, { templateId: 'rejection', ...mail });
    await audit(ctx, tx, now, {
      action: 'project.downgraded',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug, reason, bugLink },
    });
  });
}

async function closeProjectPart(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  part: LoadedCase['projects'][number],
  rules: ProfileRules,
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
  await tx.query('UPDATE incident_projects SET outcome = $3 WHERE incident_id = $1 AND project_id = $2', [
    c.row.incidentId,
    part.projectId,
    outcome,
  ]);
  // A downgrade is also a rejection as a security report: clocks stopping on either stop here.
  for (const e of outcome === 'downgraded' ? (['downgraded_to_bug', 'report_rejected'] as const) : (['report_rejected'] as const)) {
    await stopClocks(tx, rules, e, { reportId: c.row.reportId, projectId: part.projectId }, now);
  }
  // The task closes when no project still handles it.
  const open = await tx.query(`SELECT 1 FROM incident_projects WHERE incident_id = $1 AND rm_state <> 'closed'`, [c.row.incidentId]);
  if (open.rows.length === 0) {
    await tx.query(`UPDATE incidents SET status = 'closed', outcome = $2, closed_at = $3, updated_at = $3 WHERE id = $1`, [
      c.row.incidentId,
      outcome,
      now,
    ]);
    await recordTransition(ctx, tx, 'task', c.row.reportId, 'case', 'open', 'closed', now, reason);
    await stopAllClocks(tx, c.row.reportId, now, 'incident_closed');
  }
}

export const ConfirmInput = z.strictObject({ note: z.string().trim().max(10_000).default('') });

/** TF 3b: the handler accepts that it is (or may be) a vulnerability: the project's report is Accepted. */
export async function confirmVulnerability(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const { note } = ConfirmInput.parse(raw ?? {});
  await withProjectPart(ctx, reportId, projectSlug, 'project.confirm', async (tx, c, part, rules, now) => {
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
    await tx.query('UPDATE incident_projects SET outcome = $3 WHERE incident_id = $1 AND project_id = $2', [
      c.row.incidentId,
      part.projectId,
      'confirmed',
    ]);
    await stopClocks(tx, rules, 'vulnerability_confirmed', { reportId, projectId: part.projectId }, now);
    await startClocks(
      tx,
      rules,
      'vulnerability_confirmed',
      { reportId, incidentId: c.row.incidentId, projectId: part.projectId },
      now,
      () => part.handlerId,
    );
    await audit(ctx, tx, now, { action: 'project.confirmed', subjectType: 'report', subjectId: reportId, data: { project: projectSlug } });
  });
}

export const AssignInput = z.strictObject({ subsystem: z.string().trim().min(1).max(100) });

/**
 * Tock 2.1: assign through the subsystem contact table: the primary contact, or the secondary when
 * the primary is unavailable (marked away or out of office now). The report becomes Accepted.
 */
export async function assignBySubsystem(
  ctx: Ctx,
  reportId: string,
  raw: unknown,
): Promise<{ assigneeId: string; via: 'primary' | 'secondary' }> {
  const { subsystem } = AssignInput.parse(raw);
  requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const c = await visibleCase(ctx, tx, reportId, true);
    const rules = await rulesOf(tx);
    requireAction(ctx, c, rules, 'incident.assign');
    const part = c.projects[0]!;
    const s = await tx.query<{
      id: string;
      name: string;
      primary_contact_id: string | null;
      secondary_contact_id: string | null;
      p_ok: boolean | null;
      s_ok: boolean | null;
    }>(
      `SELECT s.id, s.name, s.primary_contact_id, s.secondary_contact_id,
              (pp.available AND NOT pp.disabled AND (pp.away_until IS NULL OR pp.away_until <= $3)) AS p_ok,
              (sp.available AND NOT sp.disabled AND (sp.away_until IS NULL OR sp.away_until <= $3)) AS s_ok
         FROM subsystems s
         LEFT JOIN people pp ON pp.id = s.primary_contact_id
         LEFT JOIN people sp ON sp.id = s.secondary_contact_id
        WHERE s.project_id = $1 AND lower(s.name) = lower($2)`,
      [part.projectId, subsystem, now],
    );
    const row = s.rows[0];
    if (!row)
      throw new ValidationError(`The project has no subsystem ${subsystem}.`, [{ path: 'subsystem', message: 'unknown subsystem' }]);
    const via = row.primary_contact_id && row.p_ok ? 'primary' : row.secondary_contact_id && row.s_ok ? 'secondary' : null;
    if (!via)
      throw new ConflictError(`Neither contact of ${row.name} is available; set the subsystem's contacts or their availability first.`);
    const assigneeId = (via === 'primary' ? row.primary_contact_id : row.secondary_contact_id)!;
    await tx.query(
      `INSERT INTO case_participants (report_id, person_id, role, added_by, added_at) VALUES ($1, $2, 'assignee', $3, $4) ON CONFLICT DO NOTHING`,
      [reportId, assigneeId, requirePerson(ctx).personId, now],
    );
    // The subsystem is kept: its secondary contact is the backup when the resolution target passes.
    await tx.query('UPDATE incident_projects SET handler_id = $3, subsystem_id = $4 WHERE incident_id = $1 AND project_id = $2', [
      c.row.incidentId,
      part.projectId,
      assigneeId,
      row.id,
    ]);
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
    await stopClocks(tx, rules, 'subsystem_assigned', { reportId }, now);
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
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const c = await visibleCase(ctx, tx, reportId, true);
    const rules = await rulesOf(tx);
    requireAction(ctx, c, rules, 'case.pull_in');
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
