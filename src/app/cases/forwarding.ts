import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { insertIncidentProject, removeIncidentProject, setIncidentContact } from './records/incidents.ts';
import { setTriager } from './records/reports.ts';
import { insertTransition } from './records/transitions.ts';
import { withCase } from '../gate.ts';
import { loadCase, moveReportState, recordTransition, visibleCase, type LoadedCase } from './case.ts';
import { emit, projectRemoved } from '../events.ts';
import { rulesOf } from '../admin/instance.ts';
import { createIncident, projectsBySlug } from './triage.ts';
import { forwardToProjectList } from './list-mail.ts';

// Which projects an incident is forwarded to, after acceptance (TF triage 3: "If the relevant
// project(s) are not clear then the triager pulls in other members ... until this is determined"),
// and the incident that "comes into <project>-security@" straight from a reporter (project handling 1).

export const AddProjectInput = z.strictObject({ project: z.string().trim().min(1).max(100) });

/** Forwards the incident to one more affected project: its part is Received and its team is mailed the incident. */
export async function addProject(ctx: Ctx, reportId: string, raw: unknown): Promise<{ project: string }> {
  const { project } = AddProjectInput.parse(raw);
  const me = requirePerson(ctx);
  return withCase(ctx, reportId, { lock: true, action: 'incident.add_project' }, async (tx, c, rules, now) => {
    const [p] = await projectsBySlug(tx, [project]);
    if (c.projects.some((x) => x.projectId === p!.id)) throw new ConflictError(`The incident is forwarded to ${project} already.`);
    const incidentId = c.row.incidentId!;
    await insertIncidentProject(tx, incidentId, p!.id, now);
    await insertTransition(tx, ctx.app.sealer, {
      machine: 'report-management',
      subjectId: reportId,
      participant: `project:${p!.id}`,
      from: 'start',
      to: 'received',
      actorId: me.personId,
      at: now,
      reason: 'forwarded to the project team',
    });
    // The central member who forwards an incident that came in to a project's list acts as its triager.
    if (c.row.triagerId === null) await setTriager(tx, reportId, me.personId);
    await emit(ctx, tx, 'forwarded_to_project', { reportId, incidentId, projectId: p!.id, at: now });
    await emit(ctx, tx, 'project_received', { reportId, incidentId, projectId: p!.id, owner: null, at: now });
    const fresh = await visibleCase(ctx, tx, reportId);
    await settleContact(tx, fresh, rules.workflow.singleProjectHandlerIsContact, now);
    await forwardToProjectList(ctx, tx, now, fresh, rules, fresh.projects.find((x) => x.projectId === p!.id)!, me.name);
    await audit(ctx, tx, now, { action: 'incident.project_added', subjectType: 'report', subjectId: reportId, data: { project } });
    return { project };
  });
}

export const RemoveProjectInput = z.strictObject({
  reason: z.string().trim().min(10, 'say why the project is not affected (at least 10 characters)').max(2000),
});

/**
 * Takes a project off the incident that turned out not to affect it, while its team has not decided
 * on it: its team no longer sees the case, its clocks stop. A project that decided (rejected,
 * downgraded, confirmed) stays, with its outcome, on the record.
 */
export async function removeProject(ctx: Ctx, reportId: string, projectSlug: string, raw: unknown): Promise<void> {
  const { reason } = RemoveProjectInput.parse(raw);
  await withCase(ctx, reportId, { lock: true, action: 'incident.remove_project' }, async (tx, c, rules, now) => {
    const part = c.projects.find((p) => p.slug === projectSlug);
    if (!part) throw new NotFoundError('project on this incident');
    if (part.rmState !== 'received' || !(await removeIncidentProject(tx, c.row.incidentId!, part.projectId))) {
      throw new ConflictError(
        `The ${part.name} team has decided on this incident already; its decision stays on the record (reopen or close the incident instead).`,
      );
    }
    await recordTransition(ctx, tx, 'projects', reportId, `project:${part.projectId}`, 'forwarded', 'removed', now, reason);
    await projectRemoved(ctx, tx, { reportId, projectId: part.projectId }, now, `${part.slug} taken off the incident: ${reason}`);
    await settleContact(tx, await visibleCase(ctx, tx, reportId), rules.workflow.singleProjectHandlerIsContact, now);
    await audit(ctx, tx, now, {
      action: 'incident.project_removed',
      subjectType: 'report',
      subjectId: reportId,
      data: { project: projectSlug },
      secret: { reason },
    });
  });
}

/**
 * The reporter's point of contact once the projects changed (TF triage 3): the triager while several
 * projects (or none yet) are affected; the one project's incident handler, once there is one, where
 * the profile hands single-project incidents to the handler.
 */
async function settleContact(tx: Queryable, c: LoadedCase, handOff: boolean, now: Date): Promise<void> {
  const only = c.projects.length === 1 ? c.projects[0]! : null;
  const contact = handOff && only?.handlerId ? only.handlerId : c.row.triagerId;
  if (contact && contact !== c.row.contactId) await setIncidentContact(tx, c.row.incidentId!, contact, now);
}

/** The projects whose team's list a new report came in to, and that list. */
export interface ArrivedAt {
  alias: string;
  projects: { id: string; slug: string }[];
}

/**
 * Project handling 1: "New incident comes into <project>-security@". A report mailed straight to a
 * project's list (and to no other list of the desk) is that project's from the start: the incident is
 * created and forwarded to the project by the mail gateway, the project's team sees it and its
 * analysis clock runs; the central team sees it as every case, and no triage clock runs for it.
 * Runs in the mail gateway's transaction, as the gateway (a system principal).
 */
export async function forwardOnArrival(ctx: Ctx, tx: Queryable, now: Date, reportId: string, arrived: ArrivedAt): Promise<string> {
  const c = (await loadCase(tx, reportId, true))!;
  const rules = await rulesOf(tx);
  const why = `came in to ${arrived.alias}: the project team handles it`;
  await moveReportState(ctx, tx, reportId, { kind: 'report' }, c.row.rmState, 'accepted', now, why);
  const { incidentId, ref } = await createIncident(ctx, tx, c, rules, now, {
    // Not the reporter's subject: the incident's title is read outside the sealed report.
    title: `Report #${c.row.number} to ${arrived.alias}`,
    projectIds: arrived.projects.map((p) => p.id),
    contactId: null,
  });
  await emit(ctx, tx, 'report_accepted', { reportId, at: now });
  for (const p of arrived.projects) {
    await emit(ctx, tx, 'forwarded_to_project', { reportId, incidentId, projectId: p.id, at: now });
    await emit(ctx, tx, 'project_received', { reportId, incidentId, projectId: p.id, owner: null, at: now });
  }
  await audit(ctx, tx, now, {
    action: 'report.came_to_project',
    subjectType: 'report',
    subjectId: reportId,
    data: { alias: arrived.alias, incident: ref, projects: arrived.projects.map((p) => p.slug) },
  });
  return ref;
}
