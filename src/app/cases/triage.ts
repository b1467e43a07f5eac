import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { caseActions, type CaseAction } from '../../domain/access.ts';
import { ConflictError, EmbargoError, ForbiddenError, ValidationError } from '../../domain/errors.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { moveReportState, visibleCase, type LoadedCase } from './case.ts';
import { reassignClocks, startClocks, startPriorityClocks, stopAllClocks, stopClocks } from '../sla/clocks.ts';
import { messageReporter, templateVars } from './messaging.ts';
import { rulesOf } from '../admin/instance.ts';
import type { ProfileRules } from '../profile/rules.ts';

// Triage use cases: TF (a central member claims the triager role, then accepts or rejects) and
// Tock (the triage coordinator acknowledges, assesses severity and priority, or rejects).
// Each: authorise → domain transition → persist → audit → queue messages, in one transaction.

export function requireAction(ctx: Ctx, c: LoadedCase, rules: ProfileRules, action: CaseAction): void {
  if (!caseActions(ctx.principal, c.facts, rules.workflow).includes(action)) {
    throw new ForbiddenError(`You cannot ${action.replace('.', ': ').replace('_', ' ')} on this case now.`);
  }
}

async function withCase<T>(
  ctx: Ctx,
  reportId: string,
  fn: (tx: Queryable, c: LoadedCase, rules: ProfileRules, now: Date) => Promise<T>,
): Promise<T> {
  requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const c = await visibleCase(ctx, tx, reportId, true);
    const rules = await rulesOf(tx);
    return fn(tx, c, rules, now);
  });
}

/** TF: a central member claims the triager role. Two claiming at once: exactly one wins. */
export async function claimTriage(ctx: Ctx, reportId: string): Promise<void> {
  const me = requirePerson(ctx);
  await withCase(ctx, reportId, async (tx, c, rules, now) => {
    // The loser of a race gets a conflict that says so, not a bare "not allowed".
    if (c.row.triagerId !== null && c.row.rmState === 'received') throw new ConflictError('Someone else claimed this report first.');
    requireAction(ctx, c, rules, 'triage.claim');
    const won = await tx.query('UPDATE reports SET triager_id = $2, updated_at = $3 WHERE id = $1 AND triager_id IS NULL', [
      reportId,
      me.personId,
      now,
    ]);
    if (won.rowCount !== 1) throw new ConflictError('Someone else claimed this report first.');
    await reassignClocks(tx, rules, { reportId }, rules.clocksStoppingOn('report_accepted'), me.personId, now, `${me.name} claimed triage`);
    await startClocks(tx, rules, 'triager_claimed', { reportId }, now, () => me.personId);
    await audit(ctx, tx, now, { action: 'triage.claimed', subjectType: 'report', subjectId: reportId });
  });
}

/** TF step 5: another central member picks up the triager's duties; the reason is recorded. */
export const TakeOverTriageInput = z.strictObject({ reason: z.string().trim().min(3).max(2000) });

export async function takeOverTriage(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const me = requirePerson(ctx);
  const { reason } = TakeOverTriageInput.parse(raw);
  await withCase(ctx, reportId, async (tx, c, rules, now) => {
    requireAction(ctx, c, rules, 'triage.take_over');
    const r = await tx.query('UPDATE reports SET triager_id = $2, updated_at = $3 WHERE id = $1 AND triager_id = $4', [
      reportId,
      me.personId,
      now,
      c.row.triagerId,
    ]);
    if (r.rowCount !== 1) throw new ConflictError('The triager changed meanwhile; reload and try again.');
    await reassignClocks(
      tx,
      rules,
      { reportId },
      rules.clocksStoppingOn('report_accepted'),
      me.personId,
      now,
      `${me.name} took over: ${reason}`,
    );
    await audit(ctx, tx, now, {
      action: 'triage.taken_over',
      subjectType: 'report',
      subjectId: reportId,
      data: { from: c.row.triagerId, reason },
    });
  });
}

export const RejectInput = z.strictObject({
  reason: z.string().trim().min(10, 'give the reporter specific reasoning (at least 10 characters)').max(10_000),
});

/** Rejects with specific reasoning: Received → Invalid → Closed, standard rejection response to the reporter. */
export async function rejectReport(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const { reason } = RejectInput.parse(raw);
  await withCase(ctx, reportId, async (tx, c, rules, now) => {
    requireAction(ctx, c, rules, 'triage.reject');
    if (rules.workflow.triage === 'coordinator' && c.row.triagerId === null) {
      await tx.query('UPDATE reports SET triager_id = $2 WHERE id = $1', [reportId, requirePerson(ctx).personId]);
    }
    await moveReportState(ctx, tx, reportId, { kind: 'report' }, c.row.rmState, 'closed', now, reason);
    await stopAllClocks(tx, reportId, now, 'report_rejected');
    const vars = await templateVars(ctx, tx, rules, c, { reason });
    const mail = rules.render('rejection', vars);
    await messageReporter(ctx, tx, now, rules, c, { templateId: 'rejection', ...mail });
    await audit(ctx, tx, now, { action: 'triage.rejected', subjectType: 'report', subjectId: reportId, data: { reason } });
  });
}

export const AcceptInput = z.strictObject({
  title: z.string().trim().min(3).max(300),
  projects: z.array(z.string().trim().min(1).max(100)).min(1, 'name at least one affected project').max(20),
});

/**
 * TF 3b: accept. Creates the security-incident task, forwards it to the project team(s), sends the
 * standard holding response. Multi-project incidents keep the triager as the reporter's point of
 * contact; a single-project one hands it to the project incident handler once one claims it.
 */
export async function acceptReport(ctx: Ctx, reportId: string, raw: unknown): Promise<{ incidentRef: string }> {
  const input = AcceptInput.parse(raw);
  return withCase(ctx, reportId, async (tx, c, rules, now) => {
    requireAction(ctx, c, rules, 'triage.accept');
    const projects = await projectsBySlug(tx, input.projects);
    await moveReportState(ctx, tx, reportId, { kind: 'report' }, c.row.rmState, 'accepted', now, 'accepted in triage');
    const { incidentId, ref } = await createIncident(ctx, tx, c, rules, now, {
      title: input.title,
      projectIds: projects.map((p) => p.id),
      contactId: c.row.triagerId,
    });
    await stopClocks(tx, rules, 'report_accepted', { reportId }, now);
    for (const p of projects) {
      await startClocks(tx, rules, 'project_received', { reportId, incidentId, projectId: p.id }, now, () => null);
    }
    const fresh = (await visibleCase(ctx, tx, reportId))!;
    const mail = rules.render('holding', await templateVars(ctx, tx, rules, fresh));
    await messageReporter(ctx, tx, now, rules, fresh, { templateId: 'holding', ...mail });
    await audit(ctx, tx, now, {
      action: 'triage.accepted',
      subjectType: 'report',
      subjectId: reportId,
      data: { incident: ref, projects: input.projects },
    });
    return { incidentRef: ref };
  });
}

export async function projectsBySlug(tx: Queryable, slugs: readonly string[]): Promise<{ id: string; slug: string }[]> {
  const unique = [...new Set(slugs)];
  const r = await tx.query<{ id: string; slug: string }>('SELECT id, slug FROM projects WHERE slug = ANY($1)', [unique]);
  const missing = unique.filter((s) => !r.rows.some((p) => p.slug === s));
  if (missing.length)
    throw new ValidationError(
      `Unknown project(s): ${missing.join(', ')}.`,
      missing.map((m) => ({ path: 'projects', message: `unknown project ${m}` })),
    );
  return r.rows;
}

async function createIncident(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  rules: ProfileRules,
  now: Date,
  opts: {
    title: string;
    projectIds: string[];
    contactId: string | null;
    severity?: string | null;
    priority?: string | null;
    components?: string[];
  },
): Promise<{ incidentId: string; ref: string }> {
  const year = now.getUTCFullYear();
  const counter = await tx.query<{ last: number }>(
    `INSERT INTO incident_counters (prefix, year, last) VALUES ($1, $2, 1)
     ON CONFLICT (prefix, year) DO UPDATE SET last = incident_counters.last + 1 RETURNING last`,
    [rules.incidentPrefix, year],
  );
  const ref = `${rules.incidentPrefix}-${year}-${String(counter.rows[0]!.last).padStart(4, '0')}`;
  const incidentId = crypto.randomUUID();
  // Vultron: the vendor (the project) is aware once the incident exists.
  await tx.query(
    `INSERT INTO incidents (id, ref, report_id, title, status, severity, priority, affected_components, triager_id, contact_id,
                            vendor_aware_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $10, $10)`,
    [
      incidentId,
      ref,
      c.row.reportId,
      opts.title,
      opts.severity ?? null,
      opts.priority ?? null,
      opts.components ?? [],
      c.row.triagerId,
      opts.contactId,
      now,
    ],
  );
  await tx.query('UPDATE reports SET incident_id = $2 WHERE id = $1', [c.row.reportId, incidentId]);
  for (const projectId of opts.projectIds) {
    await tx.query(`INSERT INTO incident_projects (incident_id, project_id, rm_state, received_at) VALUES ($1, $2, 'received', $3)`, [
      incidentId,
      projectId,
      now,
    ]);
    await tx.query(
      `INSERT INTO transitions (machine, subject_type, subject_id, participant, from_state, to_state, actor_id, at, reason)
       VALUES ('report-management', 'report', $1, $2, 'start', 'received', $3, $4, 'forwarded to the project team')`,
      [c.row.reportId, `project:${projectId}`, requirePerson(ctx).personId, now],
    );
  }
  await tx.query(
    `INSERT INTO transitions (machine, subject_type, subject_id, participant, from_state, to_state, actor_id, at, reason)
     VALUES ('case-state', 'report', $1, 'case', 'vfdpxa', 'Vfdpxa', $2, $3, 'vendor aware')`,
    [c.row.reportId, requirePerson(ctx).personId, now],
  );
  return { incidentId, ref };
}

// --- Tock: acknowledge and assess. ---

/** Tock 1.2: the triage coordinator acknowledges receipt with the acknowledgment template. */
export async function acknowledgeReport(ctx: Ctx, reportId: string): Promise<void> {
  const me = requirePerson(ctx);
  await withCase(ctx, reportId, async (tx, c, rules, now) => {
    requireAction(ctx, c, rules, 'triage.acknowledge');
    const r = await tx.query(
      'UPDATE reports SET acknowledged_at = $2, triager_id = COALESCE(triager_id, $3), updated_at = $2 WHERE id = $1 AND acknowledged_at IS NULL',
      [reportId, now, me.personId],
    );
    if (r.rowCount !== 1) throw new ConflictError('This report was already acknowledged.');
    const fresh = (await visibleCase(ctx, tx, reportId))!;
    const mail = rules.render('acknowledgment', await templateVars(ctx, tx, rules, fresh));
    await messageReporter(ctx, tx, now, rules, fresh, { templateId: 'acknowledgment', ...mail });
    await stopClocks(tx, rules, 'report_acknowledged', { reportId }, now);
    await audit(ctx, tx, now, { action: 'triage.acknowledged', subjectType: 'report', subjectId: reportId });
  });
}

export const AssessInput = z.strictObject({
  title: z.string().trim().min(3).max(300),
  severity: z.string().trim().min(1).max(50),
  /** Normally follows from the severity; an explicit priority overrides the profile's mapping. */
  priority: z.string().trim().min(1).max(20).optional(),
  components: z.array(z.string().trim().min(1).max(100)).min(1, 'name at least one affected component').max(50),
  project: z.string().trim().min(1).max(100),
});

/**
 * Tock 1.3–1.4: initial assessment of a valid report: severity, affected components and priority;
 * the report becomes Valid and an incident (Tock's private advisory) is created. The resolution
 * target clock starts with the priority's length.
 */
export async function assessReport(
  ctx: Ctx,
  reportId: string,
  raw: unknown,
): Promise<{ incidentRef: string; priority: string | null; resolutionDueAt: string | null }> {
  const input = AssessInput.parse(raw);
  const me = requirePerson(ctx);
  return withCase(ctx, reportId, async (tx, c, rules, now) => {
    requireAction(ctx, c, rules, 'triage.assess');
    if (!rules.severities.includes(input.severity)) {
      throw new ValidationError(`Unknown severity ${input.severity}; the profile knows ${rules.severities.join(', ')}.`, [
        { path: 'severity', message: 'unknown severity' },
      ]);
    }
    const priority = input.priority ?? rules.priorityOf(input.severity);
    if (priority !== null && rules.resolutionDays(priority) === null && input.priority) {
      throw new ValidationError(`Unknown priority ${priority}.`, [{ path: 'priority', message: 'unknown priority' }]);
    }
    const [project] = await projectsBySlug(tx, [input.project]);
    if (c.row.triagerId === null) await tx.query('UPDATE reports SET triager_id = $2 WHERE id = $1', [reportId, me.personId]);
    await moveReportState(
      ctx,
      tx,
      reportId,
      { kind: 'report' },
      c.row.rmState,
      'valid',
      now,
      `assessed ${input.severity}${priority ? `/${priority}` : ''}`,
    );
    const { incidentId, ref } = await createIncident(ctx, tx, c, rules, now, {
      title: input.title,
      projectIds: [project!.id],
      contactId: c.row.triagerId ?? me.personId,
      severity: input.severity,
      priority,
      components: input.components,
    });
    await stopClocks(tx, rules, 'severity_assessed', { reportId }, now);
    const days = priority ? rules.resolutionDays(priority) : null;
    const owner = c.row.triagerId ?? me.personId;
    const resolutionDueAt =
      days === null
        ? null
        : await startPriorityClocks(
            tx,
            rules,
            { reportId, incidentId },
            { report_received: c.row.receivedAt, severity_assessed: now },
            owner,
            days,
            now,
          );
    await startClocks(tx, rules, 'severity_assessed', { reportId, incidentId }, now, () => owner);
    await tx.query('UPDATE incidents SET resolution_due_at = $2 WHERE id = $1', [incidentId, resolutionDueAt]);
    await audit(ctx, tx, now, {
      action: 'triage.assessed',
      subjectType: 'report',
      subjectId: reportId,
      data: {
        incident: ref,
        severity: input.severity,
        priority,
        components: input.components,
        resolutionDueAt: resolutionDueAt?.toISOString() ?? null,
      },
    });
    return { incidentRef: ref, priority, resolutionDueAt: resolutionDueAt?.toISOString() ?? null };
  });
}

export function assertNotClosed(c: LoadedCase): void {
  if (c.row.incidentStatus === 'closed') throw new EmbargoError('conflict', 'This incident is closed; reopen it first.');
}
