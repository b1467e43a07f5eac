import { z } from 'zod';
import { reporterReference } from '../../domain/reporter-facing.ts';
import { advisoryActions, caseActions, projectActions, type PersonPrincipal } from '../../domain/access.ts';
import { audienceOf, readsUnredacted } from '../../domain/audience.ts';
import { aad, audit, requirePerson, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import { openIncidentTitle, openReporter, openTitle } from './case.ts';
import { EmbargoError, NotFoundError } from '../../domain/errors.ts';
import { findSensitive } from '../../domain/redaction.ts';
import { scoredVectors } from '../scoring/scoring.ts';
import { renderForAudience, renderMessage, type CaseRenderer } from './render-for-audience.ts';
import { caseSensitiveValues } from './sensitive.ts';
import { marksOf } from './marks.ts';
import { disclosureOf } from '../disclosure/negotiation.ts';
import { fixOf, type FixView } from '../disclosure/fix.ts';
import { caseStakeholders } from '../stakeholders/portal.ts';
import { releasesOf } from '../releases/plan.ts';
import { pendingUpdates } from '../stakeholders/notify.ts';
import { checklistOf } from '../disclosure/checklist.ts';
import { afterDisclosureOf } from '../disclosure/after-disclosure.ts';
import { retrospectiveOf } from '../disclosure/retrospective.ts';
import { proposalsOfCase } from '../profile/proposals.ts';
import type { Queryable } from '../../store/db.ts';
import type { LoadedCase } from './case.ts';
import { outsideTextOf } from './outside-text.ts';
import { SENSITIVE_KINDS } from '../../domain/sensitive.ts';
import { SEVERITIES } from '../../domain/severity.ts';
import { REPORT_STATES } from '../../domain/report-management.ts';
import { transitionReasonAad } from './records/transitions.ts';

// Read models: the queue and the case page. Reads of sensitive data are audited; the case page is
// rendered for the reader's audience, so those outside the security teams read labels, not values.

/** The columns the queue sorts by; the title is sealed at rest, so it is not one of them. */
export const QUEUE_SORTS = ['due', 'ref', 'severity', 'priority', 'owner', 'received'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export const QueueQuery = z.strictObject({
  status: z.enum(['open', 'closed']).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** Only cases due before this instant (with offset); `overdue=true` means due before now. */
  dueBefore: z.string().datetime({ offset: true }).optional(),
  overdue: flag,
  /** Only incidents forwarded to this project (by slug); reports still in triage have none. */
  project: z
    .string()
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a project slug like "tf-a"')
    .max(64)
    .optional(),
  /** Only cases in this report-management state: the report's, or any of the incident's projects'. */
  state: z.enum(REPORT_STATES).optional(),
  /** Only incidents of this severity (reports in triage have none yet). */
  severity: z.enum(SEVERITIES).optional(),
  /** Only cases this person owns (the report's triager, the incident's contact), or `nobody` for unowned ones. */
  owner: z.union([z.uuid(), z.literal('nobody')]).optional(),
  /** Only the caller's own: owned by them, or (incidents) a project part they handle. */
  mine: flag,
  sort: z.enum(QUEUE_SORTS).default('due'),
  dir: z.enum(['asc', 'desc']).default('asc'),
});

export interface QueueItem {
  kind: 'report' | 'incident';
  reportId: string;
  ref: string;
  title: string;
  state: string;
  severity: string | null;
  priority: string | null;
  owner: string | null;
  dueAt: string | null;
  overdue: boolean;
  receivedAt: string;
}

type QueueOptions = z.output<typeof QueueQuery>;

const SEVERITY_RANK = `CASE $a.severity ${SEVERITIES.map((s, n) => `WHEN '${s}' THEN ${n}`).join(' ')} END`;

/** The ORDER BY of one sort, over the alias `a` of an incidents row; every order ends on the id, so pages are stable. */
function incidentOrder(sort: QueueSort, dir: 'asc' | 'desc', a: string): string {
  const d = dir === 'desc' ? 'DESC' : 'ASC';
  const due = `${a}.next_due_at ASC NULLS LAST, ${a}.id`;
  switch (sort) {
    case 'due':
      return `${a}.next_due_at ${d} NULLS LAST, ${a}.id`;
    case 'ref':
      return `${a}.ref ${d}, ${a}.id`;
    case 'severity':
      return `${SEVERITY_RANK.replace('$a', a)} ${d} NULLS LAST, ${due}`;
    case 'priority':
      return `${a}.priority ${d} NULLS LAST, ${due}`;
    case 'owner':
      return `(SELECT name FROM people WHERE id = ${a}.contact_id) ${d} NULLS LAST, ${due}`;
    case 'received':
      return `${a}.created_at ${d}, ${a}.id`;
  }
}

function reportOrder(sort: QueueSort, dir: 'asc' | 'desc'): string {
  const d = dir === 'desc' ? 'DESC' : 'ASC';
  const due = 'r.next_due_at ASC NULLS LAST, r.id';
  switch (sort) {
    case 'due':
      return `r.next_due_at ${d} NULLS LAST, r.id`;
    case 'ref':
      return `r.number ${d}`;
    case 'owner':
      return `(SELECT name FROM people WHERE id = r.triager_id) ${d} NULLS LAST, ${due}`;
    case 'received':
      return `r.received_at ${d}, r.id`;
    // Reports in triage have no severity or priority yet: those orders fall back to the due date.
    default:
      return due;
  }
}

/**
 * The SQL behind the incident half of the queue, for one order; exported so the benchmark times the
 * same query raw. The filters only narrow the cases the person may see ($2–$4): none of them
 * widens it, so a filter never reveals a case.
 */
// The page is chosen first, on the incidents_queue index; the per-row look-ups (owner, project
// states) then run only for the rows of the page, not for every row skipped by OFFSET.
export function incidentQueueSql(sort: QueueSort = 'due', dir: 'asc' | 'desc' = 'asc'): string {
  return `
  SELECT p.report_id, p.ref, p.id, p.title_sealed, p.status, p.severity, p.priority, p.next_due_at, p.created_at,
         (SELECT name FROM people WHERE id = p.contact_id) AS owner,
         (SELECT string_agg(ip.rm_state, ',' ORDER BY ip.project_id) FROM incident_projects ip WHERE ip.incident_id = p.id) AS rm_states,
         ($2::boolean OR EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = p.id AND ip.project_id = ANY($3::uuid[]))) AS on_team
    FROM (SELECT i.id, i.report_id, i.ref, i.title_sealed, i.status, i.severity, i.priority, i.next_due_at, i.created_at, i.contact_id
            FROM incidents i
           WHERE i.status = $1
             AND ($2::boolean
                  OR EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = i.id AND ip.project_id = ANY($3::uuid[]))
                  OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = i.report_id AND cp.person_id = $4))
             AND ($7::timestamptz IS NULL OR i.next_due_at < $7)
             AND (($8::text IS NULL AND $9::text IS NULL)
                  OR EXISTS (SELECT 1 FROM incident_projects ip JOIN projects pr ON pr.id = ip.project_id
                              WHERE ip.incident_id = i.id AND ($8::text IS NULL OR pr.slug = $8) AND ($9::text IS NULL OR ip.rm_state = $9)))
             AND ($10::text IS NULL OR i.severity = $10)
             AND ($11::text IS NULL OR ($11 = 'nobody' AND i.contact_id IS NULL) OR i.contact_id::text = $11)
             AND (NOT $12::boolean OR i.contact_id = $4
                  OR EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = i.id AND ip.handler_id = $4))
           ORDER BY ${incidentOrder(sort, dir, 'i')}
           LIMIT $5 OFFSET $6) AS p
   ORDER BY ${incidentOrder(sort, dir, 'p')}`;
}

/** The default order's query, as the benchmark measures it. */
export const INCIDENT_QUEUE_SQL = incidentQueueSql();

export function incidentQueueParams(p: PersonPrincipal, q: QueueOptions, now: Date = new Date()): unknown[] {
  return [
    q.status,
    p.central,
    p.projectIds,
    p.personId,
    q.limit,
    q.offset,
    dueBefore(q, now),
    q.project ?? null,
    q.state ?? null,
    q.severity ?? null,
    q.owner ?? null,
    q.mine === true,
  ];
}

function dueBefore(q: QueueOptions, now: Date): Date | null {
  const times = [q.dueBefore ? new Date(q.dueBefore) : null, q.overdue ? now : null].filter((t): t is Date => t !== null);
  return times.length ? new Date(Math.min(...times.map((t) => t.getTime()))) : null;
}

/**
 * The queue as this person may see it: reports still in triage and incidents, in the order asked,
 * narrowed by the filters. Each case appears once: a report that became an incident is listed as the
 * incident only.
 */
export async function queue(ctx: Ctx, raw: unknown): Promise<{ reports: QueueItem[]; incidents: QueueItem[] }> {
  const p = requirePerson(ctx);
  const q = QueueQuery.parse(raw ?? {});
  const now = ctx.app.clock();
  const db = ctx.app.db;
  const incidents = await db.query<{
    report_id: string;
    ref: string;
    id: string;
    title_sealed: string;
    status: string;
    next_due_at: Date | null;
    created_at: Date;
    owner: string | null;
    rm_states: string | null;
    severity: string | null;
    priority: string | null;
    on_team: boolean;
  }>(incidentQueueSql(q.sort, q.dir), incidentQueueParams(p, q, now));
  // Reports still in triage: the central team's work, and those someone was pulled into. They have
  // no project or severity yet, so either filter leaves them out.
  const reports =
    q.status === 'open' && q.offset === 0 && !q.project && !q.severity
      ? await db.query<{
          id: string;
          number: number;
          title_sealed: string;
          rm_state: string;
          next_due_at: Date | null;
          received_at: Date;
          owner: string | null;
        }>(
          `SELECT r.id, r.number, r.title_sealed, r.rm_state, r.next_due_at, r.received_at, (SELECT name FROM people WHERE id = r.triager_id) AS owner
           FROM reports r
          WHERE r.incident_id IS NULL AND r.rm_state <> 'closed'
            AND ($1::boolean OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = r.id AND cp.person_id = $2))
            AND ($3::timestamptz IS NULL OR r.next_due_at < $3)
            AND ($4::text IS NULL OR r.rm_state = $4)
            AND ($5::text IS NULL OR ($5 = 'nobody' AND r.triager_id IS NULL) OR r.triager_id::text = $5)
            AND (NOT $6::boolean OR r.triager_id = $2)
          ORDER BY ${reportOrder(q.sort, q.dir)} LIMIT 200`,
          [p.central, p.personId, dueBefore(q, now), q.state ?? null, q.owner ?? null, q.mine === true],
        )
      : { rows: [] };
  const due = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  // A person pulled into a case from outside the security teams reads its title as outsiders do.
  const titleFor = async (reportId: string, title: string, onTeam: boolean) => (onTeam ? title : outsideTitle(ctx, reportId, title));
  const reportTitles = await Promise.all(
    reports.rows.map((r) => titleFor(r.id, ctx.app.sealer.open(r.title_sealed, aad('reports', 'title', r.id)), p.central)),
  );
  const incidentTitles = await Promise.all(incidents.rows.map((i) => titleFor(i.report_id, openIncidentTitle(ctx, i), i.on_team)));
  return {
    reports: reports.rows.map((r, n) => ({
      kind: 'report',
      reportId: r.id,
      ref: `#${r.number}`,
      title: reportTitles[n]!,
      state: r.rm_state === 'received' && r.owner ? 'in triage' : r.rm_state === 'received' ? 'awaiting triage' : r.rm_state,
      severity: null,
      priority: null,
      owner: r.owner,
      dueAt: due(r.next_due_at),
      overdue: r.next_due_at !== null && new Date(r.next_due_at) < now,
      receivedAt: new Date(r.received_at).toISOString(),
    })),
    incidents: incidents.rows.map((i, n) => ({
      kind: 'incident',
      reportId: i.report_id,
      ref: i.ref,
      title: incidentTitles[n]!,
      state: i.status === 'closed' ? 'closed' : [...new Set((i.rm_states ?? '').split(',').filter(Boolean))].join(', '),
      severity: i.severity,
      priority: i.priority,
      owner: i.owner,
      dueAt: due(i.next_due_at),
      overdue: i.next_due_at !== null && new Date(i.next_due_at) < now,
      receivedAt: new Date(i.created_at).toISOString(),
    })),
  };
}

/**
 * What the queue's filters offer this person: the projects whose incidents they may see, and the
 * owners of the open cases they may see (never the name of someone who owns only cases they may not).
 */
export async function queueFilterOptions(
  ctx: Ctx,
): Promise<{ projects: { slug: string; name: string }[]; owners: { id: string; name: string }[] }> {
  const p = requirePerson(ctx);
  const db = ctx.app.db;
  const projects = await db.query<{ slug: string; name: string }>(
    `SELECT slug, name FROM projects WHERE $1::boolean OR id = ANY($2::uuid[]) ORDER BY name, slug`,
    [p.central, p.projectIds],
  );
  const owners = await db.query<{ id: string; name: string }>(
    `SELECT pe.id, pe.name FROM people pe
      WHERE pe.id IN (
        SELECT r.triager_id FROM reports r
         WHERE r.incident_id IS NULL AND r.rm_state <> 'closed'
           AND ($1::boolean OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = r.id AND cp.person_id = $3))
        UNION
        SELECT i.contact_id FROM incidents i
         WHERE $1::boolean
            OR EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = i.id AND ip.project_id = ANY($2::uuid[]))
            OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = i.report_id AND cp.person_id = $3))
      ORDER BY pe.name, pe.id`,
    [p.central, p.projectIds, p.personId],
  );
  return { projects: projects.rows, owners: owners.rows };
}

async function fixFor(ctx: Ctx, tx: Queryable, c: LoadedCase, sensitive: boolean, r: CaseRenderer): Promise<FixView | null> {
  const fix = await fixOf(ctx, tx, c);
  if (!fix || sensitive) return fix;
  if (fix.exportControlled) return null;
  return { ...fix, exportNote: null, items: fix.items.map((i) => ({ ...i, text: r.text(i.text) })) };
}

async function afterDisclosureFor(ctx: Ctx, tx: Queryable, c: LoadedCase, sensitive: boolean, r: CaseRenderer) {
  const after = await afterDisclosureOf(ctx, tx, c);
  if (!after || sensitive) return after;
  return { ...after, monitoring: after.monitoring.map((n) => ({ ...n, text: r.text(n.text) })) };
}

/** A case's title as outsiders read it: the team's rephrasing, else the title, with the labels either way. */
async function outsideTitle(ctx: Ctx, reportId: string, title: string): Promise<string> {
  const db = ctx.app.db;
  const outside = await outsideTextOf(ctx.app.sealer, db, reportId);
  return renderForAudience({ kind: 'collaborator' }, await caseSensitiveValues(ctx.app, db, reportId)).text(outside.title ?? title);
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** Messages of the thread per page of the case view, newest page first. */
export const THREAD_PAGE_SIZE = 50;
/** The newest audit events the case view lists; older ones are counted in its summary. */
export const CASE_AUDIT_SHOWN = 50;

/** The statements of the case view's thread and audit parts; exported so the benchmark times them raw. */
export const THREAD_COUNT_SQL = 'SELECT count(*)::int AS n FROM messages WHERE report_id = $1';
// The page is chosen first, on messages (report_id, seq); what became of each message's mail (its
// deliveries, one per recipient) is then counted for the page's messages only.
export const THREAD_PAGE_SQL = `
  SELECT m.id, m.kind, m.author_id, m.body_sealed, m.created_at, m.outbox_id, m.advisory_id, d.sent, d.pending, d.failed
    FROM (SELECT id, seq, kind, author_id, body_sealed, created_at, outbox_id, advisory_id
            FROM messages WHERE report_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3) AS m
    LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
                              count(*) FILTER (WHERE status IN ('queued', 'sending')) AS pending,
                              count(*) FILTER (WHERE status = 'failed') AS failed
                         FROM deliveries WHERE outbox_id = m.outbox_id) AS d ON true
   ORDER BY m.seq DESC`;
export const CASE_AUDIT_SQL = 'SELECT seq, at, actor_label, action FROM audit_events WHERE subject_id = $1 ORDER BY seq DESC LIMIT $2';
export const CASE_AUDIT_COUNTS_SQL =
  'SELECT action, count(*)::int AS n, max(at) AS last_at FROM audit_events WHERE subject_id = $1 GROUP BY action ORDER BY action';

export const CaseViewQuery = z.strictObject({
  /** Page of the thread: 1 is the newest messages, 2 the ones before them, and so on. */
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

/**
 * Everything the case page shows, limited to what this person may see, with the actions they may take
 * now. A long thread comes a page at a time, newest first, and only that page's messages are unsealed.
 */
export async function caseView(ctx: Ctx, reportId: string, raw: unknown = {}) {
  const p = requirePerson(ctx);
  const q = CaseViewQuery.parse(raw ?? {});
  return withCase(ctx, reportId, {}, async (tx, c, rules, now) => {
    // withCase let the person see the case, so they have an audience.
    const audience = audienceOf(p, c.facts)!;
    const sensitive = readsUnredacted(audience);
    const values = await caseSensitiveValues(ctx.app, tx, c.row.reportId);
    const r = renderForAudience(audience, values);
    // What every audience outside the security teams reads: the team's preview, everyone else's page.
    const outsiders = renderForAudience({ kind: 'collaborator' }, values);
    const outside = await outsideTextOf(ctx.app.sealer, tx, reportId);
    const report = await tx.query<{ body_sealed: string; sensitive_sealed: string }>(
      'SELECT body_sealed, sensitive_sealed FROM reports WHERE id = $1',
      [reportId],
    );
    const incident = c.row.incidentId
      ? (
          await tx.query<Record<string, unknown>>(
            'SELECT id, ref, title_sealed, status, outcome, severity, priority, cvss_vectors, affected_components, bug_link, resolution_due_at, created_at, closed_at, serious_at, serious_by, response_channel, vendor_aware_at, fix_ready_at, public_aware_at, exploit_public_at, attacks_observed_at FROM incidents WHERE id = $1',
            [c.row.incidentId],
          )
        ).rows[0]
      : null;
    const people = await tx.query<{ id: string; name: string }>(
      `SELECT id, name FROM people WHERE id IN (SELECT triager_id FROM reports WHERE id = $1 UNION SELECT contact_id FROM incidents WHERE report_id = $1
         UNION SELECT handler_id FROM incident_projects ip JOIN incidents i ON i.id = ip.incident_id WHERE i.report_id = $1
         UNION SELECT person_id FROM case_participants WHERE report_id = $1 UNION SELECT owner_id FROM deadlines WHERE report_id = $1
         UNION SELECT actor_id FROM transitions WHERE subject_id = $1 UNION SELECT author_id FROM messages WHERE report_id = $1
         UNION SELECT serious_by FROM incidents WHERE report_id = $1)`,
      [reportId],
    );
    const nameOf = (id: string | null) => (id ? (people.rows.find((x) => x.id === id)?.name ?? null) : null);
    const deadlines = await tx.query<{
      clock: string;
      owner_id: string | null;
      time_zone: string;
      started_at: Date;
      due_at: Date;
      stopped_at: Date | null;
      id: string;
      stop_reason: string | null;
      stop_note_sealed: string | null;
      project_id: string | null;
      paused_at: Date | null;
    }>(
      'SELECT id, clock, owner_id, time_zone, started_at, due_at, stopped_at, stop_reason, stop_note_sealed, project_id, paused_at FROM deadlines WHERE report_id = $1 ORDER BY started_at, stopped_at NULLS LAST, due_at',
      [reportId],
    );
    const transitions = await tx.query<{
      id: string;
      machine: string;
      participant: string;
      from_state: string;
      to_state: string;
      actor_id: string | null;
      at: Date;
      reason_sealed: string | null;
    }>(
      'SELECT id::text AS id, machine, participant, from_state, to_state, actor_id, at, reason_sealed FROM transitions WHERE subject_id = $1 ORDER BY id',
      [reportId],
    );
    // The page's messages only (newest first, then shown oldest to newest), and how many there are in all.
    const messageCount = await tx.query<{ n: number }>(THREAD_COUNT_SQL, [reportId]);
    const messages = await tx.query<{
      id: string;
      kind: string;
      author_id: string | null;
      body_sealed: string;
      created_at: Date;
      outbox_id: string | null;
      advisory_id: string | null;
      sent: string;
      pending: string;
      failed: string;
    }>(THREAD_PAGE_SQL, [reportId, THREAD_PAGE_SIZE, (q.page - 1) * THREAD_PAGE_SIZE]);
    messages.rows.reverse();
    const totalMessages = messageCount.rows[0]!.n;
    const attachments = await tx.query<{ id: string; filename_sealed: string; content_type: string; size: number }>(
      'SELECT id, filename_sealed, content_type, size FROM attachments WHERE report_id = $1 ORDER BY created_at',
      [reportId],
    );
    // Every view by the security teams appends a read to the case's audit trail: list the newest events
    // and count the rest by action, so the answer does not grow with each view.
    const events = await tx.query<{ seq: number; at: Date; actor_label: string; action: string }>(CASE_AUDIT_SQL, [
      reportId,
      CASE_AUDIT_SHOWN,
    ]);
    events.rows.reverse();
    const eventCounts = await tx.query<{ action: string; n: number; last_at: Date }>(CASE_AUDIT_COUNTS_SQL, [reportId]);
    // Projects named in the history include those taken off the incident since.
    const named = await tx.query<{ id: string; slug: string }>(
      `SELECT id, slug FROM projects WHERE id IN (SELECT project_id FROM deadlines WHERE report_id = $1
         UNION SELECT substring(participant FROM 9)::uuid FROM transitions WHERE subject_id = $1 AND participant LIKE 'project:%')`,
      [reportId],
    );
    const projectName = (id: string) => c.projects.find((x) => x.projectId === id)?.slug ?? named.rows.find((x) => x.id === id)?.slug ?? id;
    const reporter = sensitive ? openReporter(ctx, c) : null;
    const sensitiveFields = sensitive
      ? ctx.app.sealer.openJson<{ product: string | null; fields: { label: string; value: string }[] }>(
          report.rows[0]!.sensitive_sealed,
          aad('reports', 'sensitive', reportId),
        )
      : null;
    if (sensitive) {
      // Who read which kinds of what only the security teams may know: the central team sees it in the log.
      const kinds = SENSITIVE_KINDS.filter((k) => values.some((v) => v.kind === k));
      await audit(ctx, tx, now, { action: 'case.sensitive_read', subjectType: 'report', subjectId: reportId, data: { kinds } });
    }
    const title = openTitle(ctx, c);
    const incidentTitle = incident ? openIncidentTitle(ctx, incident as { id: string; title_sealed: string }) : null;
    const body = ctx.app.sealer.open(report.rows[0]!.body_sealed, aad('reports', 'body', reportId));
    return {
      reportId,
      number: c.row.number,
      /** The reference the reporter knows the report by (their pages and mail), to find it when they quote it. */
      reporterReference: reporterReference(reportId),
      channel: c.row.channel,
      receivedAt: c.row.receivedAt.toISOString(),
      title: sensitive ? title : outsiders.text(outside.title ?? title),
      body: r.text(body),
      /** The summary outsiders read above the redacted report, when the team wrote one. */
      summary: outsiders.maybe(outside.summary),
      /**
       * For the security teams: the marks on the case, and the title, summary and report body as every
       * audience outside the security teams reads them (collaborators, stakeholders, the public).
       */
      redaction: sensitive
        ? {
            marks: await marksOf(ctx.app.sealer, tx, reportId),
            rephrased: outside,
            outsiders: {
              title: outsiders.text(outside.title ?? title),
              summary: outsiders.maybe(outside.summary),
              body: outsiders.text(body),
            },
          }
        : null,
      rmState: c.row.rmState,
      triager: nameOf(c.row.triagerId),
      acknowledgedAt: iso(c.row.acknowledgedAt),
      reporter: reporter ?? { redacted: true },
      sensitive: sensitiveFields ?? { redacted: true },
      creditPreference: c.row.creditPreference,
      incident: incident
        ? {
            ref: incident.ref,
            title: sensitive ? incidentTitle! : outsiders.text(outside.title ?? incidentTitle!),
            status: incident.status,
            outcome: incident.outcome,
            severity: incident.severity,
            priority: incident.priority,
            cvss: scoredVectors(incident.cvss_vectors as string[]),
            affectedComponents: incident.affected_components,
            bugLink: incident.bug_link,
            resolutionDueAt: iso(incident.resolution_due_at as Date | null),
            pointOfContact: nameOf(c.row.contactId),
            /** Deemed serious (Tock 2.2): when, by whom, and where the response team talks besides the case. */
            serious: incident.serious_at
              ? {
                  at: iso(incident.serious_at as Date),
                  by: nameOf(incident.serious_by as string | null),
                  channel: r.maybe(incident.response_channel as string | null),
                }
              : null,
            createdAt: iso(incident.created_at as Date),
            closedAt: iso(incident.closed_at as Date | null),
            caseState: {
              vendorAware: iso(incident.vendor_aware_at as Date | null),
              fixReady: iso(incident.fix_ready_at as Date | null),
              publicAware: iso(incident.public_aware_at as Date | null),
              exploitPublic: iso(incident.exploit_public_at as Date | null),
              attacksObserved: iso(incident.attacks_observed_at as Date | null),
            },
          }
        : null,
      projects: c.projects.map((x) => ({
        slug: x.slug,
        name: x.name,
        alias: x.alias,
        rmState: x.rmState,
        handler: nameOf(x.handlerId),
        actions: projectActions(p, c.facts, x.projectId),
      })),
      participants: c.facts.participants.map((x) => ({ name: nameOf(x.personId), role: x.role })),
      actions: caseActions(p, c.facts, rules.workflow),
      /** The embargo: its state, the timeline agreed with the reporter and the proposal waiting for an answer. */
      disclosure: await disclosureOf(ctx, tx, c, rules),
      /**
       * The fix as it grows. Collaborators (who may help develop it) read it relabelled, and nothing of
       * it while it is under export control.
       */
      fix: await fixFor(ctx, tx, c, sensitive, r),
      /**
       * Who is warned early is itself confidential (the security teams only): per organisation of the
       * incident's tiers, what it was sent, whether it opened and acknowledged it, and its questions;
       * and the timed releases, planned and done.
       */
      stakeholders: sensitive ? await caseStakeholders(ctx, tx, c, rules) : [],
      releases: sensitive && c.row.incidentId ? await releasesOf(tx, c.row.incidentId) : [],
      /** Updates to the tiers told that the profile keeps for a team member to review. */
      stakeholderUpdates: sensitive && c.row.incidentId ? await pendingUpdates(ctx, tx, c.row.incidentId) : [],
      /** The profile's remediation checklist for this incident: owners and done marks. */
      checklist: await checklistOf(tx, c, rules),
      /** After the advisory is public: post-disclosure or reopened, with the monitoring notes (relabelled for collaborators). */
      afterDisclosure: await afterDisclosureFor(ctx, tx, c, sensitive, r),
      /** The retrospective and the profile edits proposed from it: the security teams only. */
      retrospective: sensitive ? await retrospectiveOf(ctx, tx, c) : null,
      profileProposals: sensitive ? await proposalsOfCase(tx, c) : [],
      /** The states a status update may name (the profile's); empty: free text. */
      statusStates: rules.statusStates,
      /** Whether this person may start (and so work on) the incident's advisories. */
      advisoryActions: advisoryActions(p, c.facts, null, now),
      severities: rules.severities,
      priorities: rules.priorities,
      deadlines: deadlines.rows.map((d) => ({
        clock: d.clock,
        project: d.project_id ? projectName(d.project_id) : null,
        owner: nameOf(d.owner_id),
        timeZone: d.time_zone,
        startedAt: iso(d.started_at),
        dueAt: iso(d.due_at),
        stoppedAt: iso(d.stopped_at),
        stopReason: r.maybe(
          d.stop_note_sealed === null
            ? d.stop_reason
            : `${d.stop_reason}: ${ctx.app.sealer.open(d.stop_note_sealed, aad('deadlines', 'stop_note', d.id))}`,
        ),
        pausedAt: iso(d.paused_at),
        overdue: !d.stopped_at && !d.paused_at && new Date(d.due_at) < now,
      })),
      timeline: transitions.rows.map((t) => ({
        machine: t.machine,
        participant: t.participant.startsWith('project:') ? `project ${projectName(t.participant.slice(8))}` : t.participant,
        from: t.from_state,
        to: t.to_state,
        actor: nameOf(t.actor_id),
        at: iso(t.at),
        reason: r.maybe(t.reason_sealed === null ? null : ctx.app.sealer.open(t.reason_sealed, transitionReasonAad(t.id))),
      })),
      thread: messages.rows.map((m) => ({
        id: m.id,
        kind: m.kind,
        author: m.kind === 'from_reporter' ? 'reporter' : nameOf(m.author_id),
        at: iso(m.created_at),
        queuedMail: m.outbox_id !== null,
        advisoryDraft: m.advisory_id !== null,
        mail: m.outbox_id === null ? null : mailState(Number(m.sent), Number(m.pending), Number(m.failed)),
        body: renderMessage(
          r,
          { kind: m.kind, advisoryId: m.advisory_id },
          ctx.app.sealer.open(m.body_sealed, aad('messages', 'body', m.id)),
        ),
      })),
      attachments: attachments.rows.map((a) => ({
        id: a.id,
        filename: r.text(ctx.app.sealer.open(a.filename_sealed, aad('attachments', 'filename', a.id))),
        contentType: a.content_type,
        size: a.size,
      })),
      /** The thread's page: which one, how many messages in all, and whether older or newer pages exist. */
      threadPage: {
        page: q.page,
        pageSize: THREAD_PAGE_SIZE,
        totalMessages,
        older: q.page * THREAD_PAGE_SIZE < totalMessages,
        newer: q.page > 1,
      },
      /** The newest audit events of the case, oldest of them first. */
      audit: events.rows.map((e) => ({ seq: Number(e.seq), at: iso(e.at), actor: e.actor_label, action: e.action })),
      /** Every audit event of the case, counted by action, with the last time each happened. */
      auditSummary: {
        total: eventCounts.rows.reduce((sum, e) => sum + e.n, 0),
        shown: events.rows.length,
        byAction: eventCounts.rows.map((e) => ({ action: e.action, count: e.n, lastAt: iso(e.last_at) })),
      },
    };
  });
}

export type CaseView = Awaited<ReturnType<typeof caseView>>;

/**
 * What became of a message's mail, from its deliveries: sent to everyone, failed for someone,
 * still waiting (none sent yet, or some), or nobody to send it to.
 */
export interface MailState {
  state: 'sent' | 'failed' | 'queued' | 'partly-sent' | 'no-recipients';
  sent: number;
  queued: number;
  failed: number;
}

export function mailState(sent: number, queued: number, failed: number): MailState {
  const state = failed > 0 ? 'failed' : queued > 0 ? (sent > 0 ? 'partly-sent' : 'queued') : sent > 0 ? 'sent' : 'no-recipients';
  return { state, sent, queued, failed };
}

/**
 * An attachment's bytes, for people who may see the case; served as a download, never inline. An
 * audience outside the security teams reads the name with the labels, and a text file with the labels
 * in it; a binary file (a PoC image, a PDF) cannot be relabelled, so it reaches them only when none of
 * the case's sensitive values can be found in its bytes (as UTF-8, Latin-1 or UTF-16 text).
 */
export async function attachmentContent(ctx: Ctx, reportId: string, attachmentId: string) {
  const p = requirePerson(ctx);
  return withCase(ctx, reportId, {}, async (tx, c) => {
    const r = await tx.query<{ id: string; filename_sealed: string; content_type: string; data_sealed: string }>(
      'SELECT id, filename_sealed, content_type, data_sealed FROM attachments WHERE report_id = $1 AND id::text = $2',
      [c.row.reportId, attachmentId],
    );
    const row = r.rows[0];
    if (!row) throw new NotFoundError('attachment');
    const filename = ctx.app.sealer.open(row.filename_sealed, aad('attachments', 'filename', row.id));
    const data = Buffer.from(ctx.app.sealer.open(row.data_sealed, aad('attachments', 'data', row.id)), 'base64');
    const audience = audienceOf(p, c.facts)!;
    if (readsUnredacted(audience)) return { filename, data };
    const values = await caseSensitiveValues(ctx.app, tx, c.row.reportId);
    const outsiders = renderForAudience(audience, values);
    const text = utf8Text(data);
    if (text !== null) return { filename: outsiders.text(filename), data: Buffer.from(outsiders.text(text), 'utf8') };
    const found = findSensitive([data.toString('latin1'), data.toString('utf16le')].join('\n'), values);
    if (found.length > 0) {
      throw new EmbargoError(
        'leak_blocked',
        `This file carries what only the security teams may know (${SENSITIVE_KINDS.filter((k) => found.some((v) => v.kind === k)).join(', ')}) and cannot be relabelled; ask the security team for a redacted copy.`,
      );
    }
    return { filename: outsiders.text(filename), data };
  });
}

/** The bytes as text when they are valid UTF-8 without control characters other than line ends and tabs. */
function utf8Text(data: Buffer): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    return /[\u0000-\u0008\u000b\u000e-\u001f]/.test(text) ? null : text;
  } catch {
    return null;
  }
}
