import type { Queryable } from '../../store/db.ts';
import { canSeeCase, type CaseFacts } from '../../domain/access.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { reportManagement, type ReportState } from '../../domain/report-management.ts';
import { aad, actorId, type Ctx } from '../context.ts';
import { moveProjectRm } from './records/incidents.ts';
import { moveReportRm } from './records/reports.ts';
import { insertTransition } from './records/transitions.ts';
import { isUuid, NO_SUCH_ID } from '../../domain/ids.ts';

// Loading a case (a report and, once accepted, its incident) with the facts the access policy needs,
// and moving its report-management states with every step recorded.

export interface CaseRow {
  reportId: string;
  number: number;
  channel: string;
  receivedAt: Date;
  rmState: ReportState;
  triagerId: string | null;
  acknowledgedAt: Date | null;
  incidentId: string | null;
  incidentRef: string | null;
  incidentStatus: 'open' | 'closed' | null;
  contactId: string | null;
  reporterSealed: string;
  titleSealed: string;
  creditPreference: string;
}

export interface LoadedCase {
  row: CaseRow;
  facts: CaseFacts;
  projects: { projectId: string; slug: string; name: string; rmState: ReportState; handlerId: string | null; alias: string | null }[];
}

export async function loadCase(tx: Queryable, reportId: string, lock = false): Promise<LoadedCase | null> {
  // One statement whether the report exists, is hidden or is unknown: visibleCase's "not found" must
  // not be quicker for an id that does not exist. Its projects and participants come as JSON arrays.
  const r = await tx.query<{
    id: string;
    number: number;
    channel: string;
    received_at: Date;
    rm_state: ReportState;
    triager_id: string | null;
    acknowledged_at: Date | null;
    incident_id: string | null;
    ref: string | null;
    status: 'open' | 'closed' | null;
    contact_id: string | null;
    serious_at: Date | null;
    reporter_sealed: string;
    title_sealed: string;
    credit_preference: string;
    projects: {
      project_id: string;
      slug: string;
      name: string;
      rm_state: ReportState;
      handler_id: string | null;
      alias: string | null;
    }[];
    participants: { person_id: string; role: 'collaborator' | 'assignee' }[];
  }>(
    `SELECT r.id, r.number, r.channel, r.received_at, r.rm_state, r.triager_id, r.acknowledged_at, r.incident_id,
            i.ref, i.status, i.contact_id, i.serious_at, r.reporter_sealed, r.title_sealed, r.credit_preference,
            (SELECT coalesce(json_agg(json_build_object('project_id', ip.project_id, 'slug', p.slug, 'name', p.name, 'rm_state', ip.rm_state,
                                                        'handler_id', ip.handler_id, 'alias', t.alias) ORDER BY p.slug), '[]')
               FROM incident_projects ip JOIN projects p ON p.id = ip.project_id JOIN teams t ON t.id = p.security_team_id
              WHERE ip.incident_id = r.incident_id) AS projects,
            (SELECT coalesce(json_agg(json_build_object('person_id', cp.person_id, 'role', cp.role)), '[]')
               FROM case_participants cp WHERE cp.report_id = r.id) AS participants
       FROM reports r LEFT JOIN incidents i ON i.id = r.incident_id
      WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
    [reportId],
  );
  const row = r.rows[0];
  if (!row) return null;
  const projects = row.projects;
  return {
    row: {
      reportId: row.id,
      number: row.number,
      channel: row.channel,
      receivedAt: new Date(row.received_at),
      rmState: row.rm_state,
      triagerId: row.triager_id,
      acknowledgedAt: row.acknowledged_at,
      incidentId: row.incident_id,
      incidentRef: row.ref,
      incidentStatus: row.status,
      contactId: row.contact_id,
      reporterSealed: row.reporter_sealed,
      titleSealed: row.title_sealed,
      creditPreference: row.credit_preference,
    },
    facts: {
      reportId: row.id,
      incidentId: row.incident_id,
      rmState: row.rm_state,
      triagerId: row.triager_id,
      acknowledged: row.acknowledged_at !== null,
      incidentOpen: row.status === 'open',
      serious: row.serious_at !== null,
      projects: projects.map((p) => ({ projectId: p.project_id, rmState: p.rm_state, handlerId: p.handler_id })),
      participants: row.participants.map((p) => ({ personId: p.person_id, role: p.role })),
    },
    projects: projects.map((p) => ({
      projectId: p.project_id,
      slug: p.slug,
      name: p.name,
      rmState: p.rm_state,
      handlerId: p.handler_id,
      alias: p.alias,
    })),
  };
}

/** Loads a case the principal may see; anything else is "not found", never "forbidden". */
export async function visibleCase(ctx: Ctx, tx: Queryable, reportId: string, lock = false): Promise<LoadedCase> {
  if (!isUuid(reportId)) throw new NotFoundError('report');
  const c = await loadCase(tx, reportId, lock);
  if (!c || !canSeeCase(ctx.principal, c.facts)) throw new NotFoundError('report');
  return c;
}

/**
 * The report of an incident by its id (TF-2026-0007). An unknown id gives NO_SUCH_ID instead of an
 * early refusal: the caller then walks the same path (the gate's transaction and queries) to the same
 * "not found" as for a case the person may not see, so neither the words nor the work tell them apart.
 */
export async function reportIdOfIncident(tx: Queryable, ref: string): Promise<string> {
  const r = await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE ref = $1', [ref.toUpperCase()]);
  return r.rows[0]?.report_id ?? NO_SUCH_ID;
}

export interface Reporter {
  name: string | null;
  email: string | null;
  organisation: string | null;
  handle: string | null;
}

export function openReporter(ctx: Ctx, c: LoadedCase): Reporter {
  return ctx.app.sealer.openJson<Reporter>(c.row.reporterSealed, aad('reports', 'reporter', c.row.reportId));
}

export function openTitle(ctx: Ctx, c: LoadedCase): string {
  return ctx.app.sealer.open(c.row.titleSealed, aad('reports', 'title', c.row.reportId));
}

type Participant = { kind: 'report' } | { kind: 'project'; incidentId: string; projectId: string };

/**
 * Moves one participant's report-management state along the shortest legal path of the Vultron table,
 * recording every step. The update is conditional on the state read, so of two concurrent moves one
 * wins and the other gets a conflict instead of silently overwriting.
 */
export async function moveReportState(
  ctx: Ctx,
  tx: Queryable,
  reportId: string,
  who: Participant,
  from: ReportState,
  to: ReportState,
  at: Date,
  reason: string | null,
): Promise<void> {
  const path = reportManagement.pathTo(from, to);
  const changed =
    who.kind === 'report'
      ? await moveReportRm(tx, reportId, from, to, at)
      : await moveProjectRm(tx, who.incidentId, who.projectId, from, to);
  if (!changed) throw new ConflictError('The case changed while you were acting on it; reload and try again.');
  for (let i = 1; i < path.length; i++) {
    await insertTransition(tx, ctx.app.sealer, {
      machine: 'report-management',
      subjectId: reportId,
      participant: who.kind === 'report' ? 'coordinator' : `project:${who.projectId}`,
      from: path[i - 1]!,
      to: path[i]!,
      actorId: actorId(ctx.principal),
      at,
      reason,
    });
  }
}

export async function recordTransition(
  ctx: Ctx,
  tx: Queryable,
  machine: string,
  reportId: string,
  participant: string,
  from: string,
  to: string,
  at: Date,
  reason: string | null,
): Promise<void> {
  await insertTransition(tx, ctx.app.sealer, {
    machine,
    subjectId: reportId,
    participant,
    from,
    to,
    actorId: actorId(ctx.principal),
    at,
    reason,
  });
}

/** The incident's title is sealed like the report's (it starts as the report's title). */
export const sealIncidentTitle = (ctx: Ctx, incidentId: string, title: string): string =>
  ctx.app.sealer.seal(title, aad('incidents', 'title', incidentId));

export const openIncidentTitle = (ctx: Ctx, row: { id: string; title_sealed: string }): string =>
  ctx.app.sealer.open(row.title_sealed, aad('incidents', 'title', row.id));
