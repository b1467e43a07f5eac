import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, EmbargoError, ValidationError } from '../../domain/errors.ts';
import { actorId, audit, requirePerson, type Ctx } from '../context.ts';
import { insertIncident, insertIncidentProject, setResolutionDue } from './records/incidents.ts';
import { claimTriager, linkIncident, markAcknowledged, setTriager, takeOverTriager } from './records/reports.ts';
import { insertTransition } from './records/transitions.ts';
import { requireCaseAction, withCase } from '../gate.ts';
import { moveReportState, sealIncidentTitle, visibleCase, type LoadedCase } from './case.ts';
import { emit, handOverClocks, priorityChanged } from '../events.ts';
import { setCaseFlags } from '../disclosure/case-state.ts';
import { messageReporter, templateVars } from './messaging.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { announceTriager, forwardToProjectList } from './list-mail.ts';

// Triage use cases: TF (a central member claims the triager role, then accepts or rejects) and
// Tock (the triage coordinator acknowledges, assesses severity and priority, or rejects).
// Each: authorise → domain transition → persist → audit → queue messages, in one transaction.

/** TF: a central member claims the triager role. Two claiming at once: exactly one wins. */
export async function claimTriage(ctx: Ctx, reportId: string): Promise<void> {
  const me = requirePerson(ctx);
  await withCase(ctx, reportId, { lock: true }, async (tx, c, rules, now) => {
    // The loser of a race gets a conflict that says so, not a bare "not allowed".
    if (c.row.triagerId !== null && c.row.rmState === 'received') throw new ConflictError('Someone else claimed this report first.');
    requireCaseAction(ctx, c, rules, 'triage.claim');
    if (!(await claimTriager(tx, reportId, me.personId, now))) throw new ConflictError('Someone else claimed this report first.');
    await handOverClocks(ctx, tx, { reportId }, rules.clocksStoppingOn('report_accepted'), me.personId, now, `${me.name} claimed triage`);
    await emit(ctx, tx, 'triager_claimed', { reportId, owner: me.personId, at: now });
    // T2: "replies to the list ... to say they will be the triager".
    await announceTriager(ctx, tx, now, c, rules, { name: me.name });
    await audit(ctx, tx, now, { action: 'triage.claimed', subjectType: 'report', subjectId: reportId });
  });
}

/** TF step 5: another central member picks up the triager's duties; the reason is recorded. */
export const TakeOverTriageInput = z.strictObject({ reason: z.string().trim().min(3).max(2000) });

export async function takeOverTriage(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const me = requirePerson(ctx);
  const { reason } = TakeOverTriageInput.parse(raw);
  await withCase(ctx, reportId, { lock: true, action: 'triage.take_over' }, async (tx, c, rules, now) => {
    if (!(await takeOverTriager(tx, reportId, me.personId, c.row.triagerId, now)))
      throw new ConflictError('The triager changed meanwhile; reload and try again.');
    await handOverClocks(
      ctx,
      tx,
      { reportId },
      rules.clocksStoppingOn('report_accepted'),
      me.personId,
      now,
      `${me.name} took over: ${reason}`,
    );
    await announceTriager(ctx, tx, now, c, rules, { name: me.name, previous: await personName(tx, c.row.triagerId), reason });
    await audit(ctx, tx, now, {
      action: 'triage.taken_over',
      subjectType: 'report',
      subjectId: reportId,
      data: { from: c.row.triagerId },
      secret: { reason },
    });
  });
}

export const RejectInput = z.strictObject({
  reason: z.string().trim().min(10, 'give the reporter specific reasoning (at least 10 characters)').max(10_000),
});

/** Rejects with specific reasoning: Received → Invalid → Closed, standard rejection response to the reporter. */
export async function rejectReport(ctx: Ctx, reportId: string, raw: unknown): Promise<void> {
  const { reason } = RejectInput.parse(raw);
  await withCase(ctx, reportId, { lock: true, action: 'triage.reject' }, async (tx, c, rules, now) => {
    if (rules.workflow.triage === 'coordinator' && c.row.triagerId === null) {
      await setTriager(tx, reportId, requirePerson(ctx).personId);
    }
    await moveReportState(ctx, tx, reportId, { kind: 'report' }, c.row.rmState, 'closed', now, reason);
    await emit(ctx, tx, 'report_rejected', { reportId, endsCase: true, at: now });
    const vars = await templateVars(ctx, tx, rules, c, { reason });
    const mail = rules.render('rejection', vars);
    await messageReporter(ctx, tx, now, rules, c, { templateId: 'rejection', ...mail });
    await audit(ctx, tx, now, { action: 'triage.rejected', subjectType: 'report', subjectId: reportId, secret: { reason } });
  });
}

export const AcceptInput = z.strictObject({
  title: z.string().trim().min(3).max(300),
  /**
   * The affected projects. None when they are not clear yet (T3): the holding response says the team
   * is establishing them, and the triager forwards to each once it is determined (addProject).
   */
  projects: z.array(z.string().trim().min(1).max(100)).max(20),
});

/**
 * TF 3b: accept. Creates the security-incident task, forwards it to the project team(s), sends the
 * standard holding response. Multi-project incidents keep the triager as the reporter's point of
 * contact; a single-project one hands it to the project incident handler once one claims it.
 */
export async function acceptReport(ctx: Ctx, reportId: string, raw: unknown): Promise<{ incidentRef: string }> {
  const input = AcceptInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'triage.accept' }, async (tx, c, rules, now) => {
    const projects = await projectsBySlug(tx, input.projects);
    await moveReportState(ctx, tx, reportId, { kind: 'report' }, c.row.rmState, 'accepted', now, 'accepted in triage');
    const { incidentId, ref } = await createIncident(ctx, tx, c, rules, now, {
      title: input.title,
      projectIds: projects.map((p) => p.id),
      contactId: c.row.triagerId,
    });
    await emit(ctx, tx, 'report_accepted', { reportId, at: now });
    for (const p of projects) {
      await emit(ctx, tx, 'forwarded_to_project', { reportId, incidentId, projectId: p.id, at: now });
      await emit(ctx, tx, 'project_received', { reportId, incidentId, projectId: p.id, owner: null, at: now });
    }
    const fresh = (await visibleCase(ctx, tx, reportId))!;
    // T3b: "They forward the incident to the appropriate <project>-security@".
    for (const part of fresh.projects) await forwardToProjectList(ctx, tx, now, fresh, rules, part, requirePerson(ctx).name);
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

export async function personName(tx: Queryable, personId: string | null): Promise<string | null> {
  if (!personId) return null;
  return (await tx.query<{ name: string }>('SELECT name FROM people WHERE id = $1', [personId])).rows[0]?.name ?? null;
}

/** The incident of an accepted report, with its project parts received; the triager's or the mail gateway's. */
export async function createIncident(
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
  await insertIncident(tx, {
    id: incidentId,
    ref,
    reportId: c.row.reportId,
    titleSealed: sealIncidentTitle(ctx, incidentId, opts.title),
    severity: opts.severity ?? null,
    priority: opts.priority ?? null,
    components: opts.components ?? [],
    triagerId: c.row.triagerId,
    contactId: opts.contactId,
    at: now,
  });
  await linkIncident(tx, c.row.reportId, incidentId);
  const actor = actorId(ctx.principal);
  for (const projectId of opts.projectIds) {
    await insertIncidentProject(tx, incidentId, projectId, now);
    await insertTransition(tx, ctx.app.sealer, {
      machine: 'report-management',
      subjectId: c.row.reportId,
      participant: `project:${projectId}`,
      from: 'start',
      to: 'received',
      actorId: actor,
      at: now,
      reason: 'forwarded to the project team',
    });
  }
  await setCaseFlags(ctx, tx, { incidentId, reportId: c.row.reportId }, ['vendorAware'], now, 'vendor aware');
  return { incidentId, ref };
}

// --- Tock: acknowledge and assess. ---

/** Tock 1.2: the triage coordinator acknowledges receipt with the acknowledgment template. */
export async function acknowledgeReport(ctx: Ctx, reportId: string): Promise<void> {
  const me = requirePerson(ctx);
  await withCase(ctx, reportId, { lock: true, action: 'triage.acknowledge' }, async (tx, _c, rules, now) => {
    if (!(await markAcknowledged(tx, reportId, me.personId, now))) throw new ConflictError('This report was already acknowledged.');
    const fresh = (await visibleCase(ctx, tx, reportId))!;
    const mail = rules.render('acknowledgment', await templateVars(ctx, tx, rules, fresh));
    await messageReporter(ctx, tx, now, rules, fresh, { templateId: 'acknowledgment', ...mail });
    await emit(ctx, tx, 'report_acknowledged', { reportId, at: now });
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
  return withCase(ctx, reportId, { lock: true, action: 'triage.assess' }, async (tx, c, rules, now) => {
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
    if (c.row.triagerId === null) await setTriager(tx, reportId, me.personId);
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
    const days = priority ? rules.resolutionDays(priority) : null;
    const owner = c.row.triagerId ?? me.personId;
    const resolutionDueAt =
      days === null
        ? null
        : await priorityChanged(
            ctx,
            tx,
            { reportId, incidentId },
            { report_received: c.row.receivedAt, severity_assessed: now },
            owner,
            days,
            now,
          );
    await emit(ctx, tx, 'severity_assessed', { reportId, incidentId, owner, at: now });
    await setResolutionDue(tx, incidentId, resolutionDueAt);
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
