import type { Queryable } from '../../../store/db.ts';
import type { ReportState } from '../../../domain/report-management.ts';
import type { Sealer } from '../../../crypto/sealed.ts';
import { aad } from '../../context.ts';

// The one writer of `incidents` and of `incident_projects` (each project's part of an incident).
// Changes that can race are guarded UPDATEs that say whether they won.

export interface NewIncident {
  id: string;
  ref: string;
  reportId: string;
  /** The title, sealed by the caller for this incident's id (AAD incidents.title:<id>). */
  titleSealed: string;
  severity: string | null;
  priority: string | null;
  components: readonly string[];
  triagerId: string | null;
  contactId: string | null;
  /** Vultron: the vendor (the project) is aware once the incident exists. */
  at: Date;
}

export async function insertIncident(tx: Queryable, i: NewIncident): Promise<void> {
  // Born with its case's earliest running deadline (refreshNextDue runs only when a clock changes).
  await tx.query(
    `INSERT INTO incidents (id, ref, report_id, title_sealed, status, severity, priority, affected_components, triager_id, contact_id,
                            vendor_aware_at, created_at, updated_at, next_due_at)
     VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $10, $10,
             (SELECT min(due_at) FROM deadlines WHERE report_id = $3 AND stopped_at IS NULL AND paused_at IS NULL))`,
    [i.id, i.ref, i.reportId, i.titleSealed, i.severity, i.priority, i.components, i.triagerId, i.contactId, i.at],
  );
}

/** Closes an open incident; false when it was closed already. */
export async function closeIncidentRow(tx: Queryable, incidentId: string, at: Date): Promise<boolean> {
  const r = await tx.query(
    `UPDATE incidents SET status = 'closed', outcome = COALESCE(outcome, 'closed'), closed_at = $2, updated_at = $2 WHERE id = $1 AND status = 'open'`,
    [incidentId, at],
  );
  return r.rowCount === 1;
}

/** Closes the incident with the outcome of its last project part (rejected, downgraded). */
export async function closeIncidentWithOutcome(tx: Queryable, incidentId: string, outcome: string, at: Date): Promise<void> {
  await tx.query(`UPDATE incidents SET status = 'closed', outcome = $2, closed_at = $3, updated_at = $3 WHERE id = $1`, [
    incidentId,
    outcome,
    at,
  ]);
}

/** Reopens a closed incident; false when it was open already. */
export async function reopenIncidentRow(tx: Queryable, incidentId: string, at: Date): Promise<boolean> {
  const r = await tx.query(
    `UPDATE incidents SET status = 'open', outcome = NULL, closed_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'closed'`,
    [incidentId, at],
  );
  return r.rowCount === 1;
}

export async function setIncidentContact(tx: Queryable, incidentId: string, personId: string, at: Date): Promise<void> {
  await tx.query('UPDATE incidents SET contact_id = $2, updated_at = $3 WHERE id = $1', [incidentId, personId, at]);
}

export async function setBugLink(tx: Queryable, incidentId: string, bugLink: string): Promise<void> {
  await tx.query('UPDATE incidents SET bug_link = $2 WHERE id = $1', [incidentId, bugLink]);
}

export async function setResolutionDue(tx: Queryable, incidentId: string, dueAt: Date | null): Promise<void> {
  await tx.query('UPDATE incidents SET resolution_due_at = $2 WHERE id = $1', [incidentId, dueAt]);
}

export async function writeCvssVectors(tx: Queryable, incidentId: string, vectors: readonly string[], at: Date): Promise<void> {
  await tx.query('UPDATE incidents SET cvss_vectors = $2, updated_at = $3 WHERE id = $1', [incidentId, vectors, at]);
}

/** Severity and priority; a resolution target only replaces the stored one when there is a new one. */
export async function setSeverity(
  tx: Queryable,
  incidentId: string,
  severity: string,
  priority: string | null,
  resolutionDueAt: Date | null,
  at: Date,
): Promise<void> {
  await tx.query(
    'UPDATE incidents SET severity = $2, priority = $3, resolution_due_at = COALESCE($4, resolution_due_at), updated_at = $5 WHERE id = $1',
    [incidentId, severity, priority, resolutionDueAt, at],
  );
}

// --- A project's part of an incident ---

export async function insertIncidentProject(tx: Queryable, incidentId: string, projectId: string, at: Date): Promise<void> {
  await tx.query(`INSERT INTO incident_projects (incident_id, project_id, rm_state, received_at) VALUES ($1, $2, 'received', $3)`, [
    incidentId,
    projectId,
    at,
  ]);
}

/** The project's report-management state, from the state read to the next; false when it moved meanwhile. */
export async function moveProjectRm(
  tx: Queryable,
  incidentId: string,
  projectId: string,
  from: ReportState,
  to: ReportState,
): Promise<boolean> {
  const r = await tx.query('UPDATE incident_projects SET rm_state = $4 WHERE incident_id = $1 AND project_id = $2 AND rm_state = $3', [
    incidentId,
    projectId,
    from,
    to,
  ]);
  return r.rowCount === 1;
}

/** A reopened incident begins a new cycle for a closed project part: received again, no outcome yet. */
export async function restartProjectPart(tx: Queryable, incidentId: string, projectId: string, to: ReportState): Promise<void> {
  await tx.query('UPDATE incident_projects SET rm_state = $3, outcome = NULL WHERE incident_id = $1 AND project_id = $2', [
    incidentId,
    projectId,
    to,
  ]);
}

/** Claims the project's handler role while nobody holds it; false when someone else was first. */
export async function claimProjectHandler(tx: Queryable, incidentId: string, projectId: string, personId: string): Promise<boolean> {
  const r = await tx.query(
    'UPDATE incident_projects SET handler_id = $3 WHERE incident_id = $1 AND project_id = $2 AND handler_id IS NULL',
    [incidentId, projectId, personId],
  );
  return r.rowCount === 1;
}

/** Takes the handler role over from the one read; false when the handler changed meanwhile. */
export async function takeOverProjectHandler(
  tx: Queryable,
  incidentId: string,
  projectId: string,
  personId: string,
  from: string | null,
): Promise<boolean> {
  const r = await tx.query('UPDATE incident_projects SET handler_id = $3 WHERE incident_id = $1 AND project_id = $2 AND handler_id = $4', [
    incidentId,
    projectId,
    personId,
    from,
  ]);
  return r.rowCount === 1;
}

/** Tock: the subsystem's contact handles the project's part; the subsystem is kept for its backup contact. */
export async function assignProjectHandler(
  tx: Queryable,
  incidentId: string,
  projectId: string,
  personId: string,
  subsystemId: string,
): Promise<void> {
  await tx.query('UPDATE incident_projects SET handler_id = $3, subsystem_id = $4 WHERE incident_id = $1 AND project_id = $2', [
    incidentId,
    projectId,
    personId,
    subsystemId,
  ]);
}

export async function setProjectOutcome(tx: Queryable, incidentId: string, projectId: string, outcome: string): Promise<void> {
  await tx.query('UPDATE incident_projects SET outcome = $3 WHERE incident_id = $1 AND project_id = $2', [incidentId, projectId, outcome]);
}

/** Moves the case-state flags by a conditional update on the state read; false when it changed meanwhile. */
export async function moveCaseStateRow(
  tx: Queryable,
  incidentId: string,
  from: string,
  to: string,
  instantColumns: readonly string[],
  at: Date,
): Promise<boolean> {
  // The instant columns are the case-state flags' own (fix_ready_at, ...), named by code, never by input.
  const instants = instantColumns.map((column) => `${column} = COALESCE(${column}, $4)`);
  const r = await tx.query(
    `UPDATE incidents SET case_state = $3, ${[...instants, 'updated_at = $4'].join(', ')} WHERE id = $1 AND case_state = $2`,
    [incidentId, from, to, at],
  );
  return r.rowCount === 1;
}

/** Moves the embargo state (and its end instant when `end` is given) conditionally; false when it changed. */
export async function moveEmbargoRow(
  tx: Queryable,
  incidentId: string,
  from: string,
  to: string,
  end: Date | null | undefined,
  at: Date,
): Promise<boolean> {
  const r = await tx.query(
    `UPDATE incidents SET embargo_state = $3, embargo_ends_at = CASE WHEN $5 THEN $4::timestamptz ELSE embargo_ends_at END, updated_at = $6
      WHERE id = $1 AND embargo_state = $2`,
    [incidentId, from, to, end ?? null, end !== undefined, at],
  );
  return r.rowCount === 1;
}

/** The earliest running deadline of the case, kept on the report and its incident for the queue (one statement for both). */
export async function refreshNextDue(tx: Queryable, reportId: string): Promise<void> {
  await tx.query(
    `WITH next AS (SELECT min(due_at) AS due FROM deadlines WHERE report_id = $1 AND stopped_at IS NULL AND paused_at IS NULL),
          report AS (UPDATE reports SET next_due_at = (SELECT due FROM next) WHERE id = $1)
     UPDATE incidents SET next_due_at = (SELECT due FROM next) WHERE report_id = $1`,
    [reportId],
  );
}

/** Seals the titles of incidents written before titles were sealed (the start-up step of src/app/admin/at-rest.ts). */
export async function sealClearIncidentTitles(tx: Queryable, sealer: Sealer): Promise<number> {
  const rows = (await tx.query<{ id: string; title: string }>('SELECT id, title FROM incidents WHERE title IS NOT NULL FOR UPDATE')).rows;
  for (const r of rows) {
    await tx.query('UPDATE incidents SET title_sealed = $2, title = NULL WHERE id = $1', [
      r.id,
      sealer.seal(r.title, aad('incidents', 'title', r.id)),
    ]);
  }
  return rows.length;
}

/**
 * Takes a project off an incident it turned out not to affect, while its team has not decided on it
 * (its part is still Received); false when it decided meanwhile or is not on the incident.
 */
export async function removeIncidentProject(tx: Queryable, incidentId: string, projectId: string): Promise<boolean> {
  const r = await tx.query(`DELETE FROM incident_projects WHERE incident_id = $1 AND project_id = $2 AND rm_state = 'received'`, [
    incidentId,
    projectId,
  ]);
  return r.rowCount === 1;
}

/** Deems the incident serious (Tock 2.2) with where the response team talks; false when it was already. */
export async function markIncidentSerious(
  tx: Queryable,
  incidentId: string,
  personId: string,
  channel: string | null,
  at: Date,
): Promise<boolean> {
  const r = await tx.query(
    'UPDATE incidents SET serious_at = $3, serious_by = $2, response_channel = $4, updated_at = $3 WHERE id = $1 AND serious_at IS NULL',
    [incidentId, personId, at, channel],
  );
  return r.rowCount === 1;
}

/** Stands the response team down; false when the incident was not deemed serious. */
export async function clearIncidentSerious(tx: Queryable, incidentId: string, at: Date): Promise<boolean> {
  const r = await tx.query(
    'UPDATE incidents SET serious_at = NULL, serious_by = NULL, response_channel = NULL, updated_at = $2 WHERE id = $1 AND serious_at IS NOT NULL',
    [incidentId, at],
  );
  return r.rowCount === 1;
}
