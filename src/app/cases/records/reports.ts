import type { Queryable } from '../../../store/db.ts';
import type { ReportState } from '../../../domain/report-management.ts';

// The one writer of `reports`. Every change that can race is a guarded UPDATE: it says whether it
// won (one row changed), and the use case turns a lost race into a conflict.

export interface NewReport {
  id: string;
  number: number;
  channel: string;
  receivedAt: Date;
  titleSealed: string;
  bodySealed: string;
  reporterSealed: string;
  sensitiveSealed: string;
  creditPreference: string;
  /** 'reporter' when the reporter stated the preference; null when nobody did (a report by mail). */
  creditPreferenceBy: 'reporter' | null;
  statusTokenHash: string;
  /** The status token sealed, for a reporter who was not shown it (mail, import); else null. */
  statusTokenSealed: string | null;
}

export async function insertReport(tx: Queryable, r: NewReport): Promise<void> {
  await tx.query(
    `INSERT INTO reports (id, number, channel, received_at, title_sealed, body_sealed, reporter_sealed, sensitive_sealed,
                          credit_preference, credit_preference_by, rm_state, status_token_hash, status_token_sealed, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'received', $11, $12, $4)`,
    [
      r.id,
      r.number,
      r.channel,
      r.receivedAt,
      r.titleSealed,
      r.bodySealed,
      r.reporterSealed,
      r.sensitiveSealed,
      r.creditPreference,
      r.creditPreferenceBy,
      r.statusTokenHash,
      r.statusTokenSealed,
    ],
  );
}

/** The coordinator's report-management state, from the state read to the next; false when it moved meanwhile. */
export async function moveReportRm(tx: Queryable, reportId: string, from: ReportState, to: ReportState, at: Date): Promise<boolean> {
  const r = await tx.query('UPDATE reports SET rm_state = $3, updated_at = $4 WHERE id = $1 AND rm_state = $2', [reportId, from, to, at]);
  return r.rowCount === 1;
}

/** Claims the triager role while nobody holds it; false when someone else was first. */
export async function claimTriager(tx: Queryable, reportId: string, personId: string, at: Date): Promise<boolean> {
  const r = await tx.query('UPDATE reports SET triager_id = $2, updated_at = $3 WHERE id = $1 AND triager_id IS NULL', [
    reportId,
    personId,
    at,
  ]);
  return r.rowCount === 1;
}

/** Takes the triager role over from the one read; false when the triager changed meanwhile. */
export async function takeOverTriager(tx: Queryable, reportId: string, personId: string, from: string | null, at: Date): Promise<boolean> {
  const r = await tx.query('UPDATE reports SET triager_id = $2, updated_at = $3 WHERE id = $1 AND triager_id = $4', [
    reportId,
    personId,
    at,
    from,
  ]);
  return r.rowCount === 1;
}

/** The coordinator who decides on a report nobody claimed becomes its triager (Tock). */
export async function setTriager(tx: Queryable, reportId: string, personId: string): Promise<void> {
  await tx.query('UPDATE reports SET triager_id = $2 WHERE id = $1', [reportId, personId]);
}

/** Records the acknowledgment once; false when the report was acknowledged already. */
export async function markAcknowledged(tx: Queryable, reportId: string, personId: string, at: Date): Promise<boolean> {
  const r = await tx.query(
    'UPDATE reports SET acknowledged_at = $2, triager_id = COALESCE(triager_id, $3), updated_at = $2 WHERE id = $1 AND acknowledged_at IS NULL',
    [reportId, at, personId],
  );
  return r.rowCount === 1;
}

export async function linkIncident(tx: Queryable, reportId: string, incidentId: string): Promise<void> {
  await tx.query('UPDATE reports SET incident_id = $2 WHERE id = $1', [reportId, incidentId]);
}

/** The reporter's credit preference, stated by the reporter or recorded for them by the team. */
export async function writeCreditPreference(
  tx: Queryable,
  reportId: string,
  preference: string,
  aliasSealed: string | null,
  at: Date,
  by: 'reporter' | 'team' = 'reporter',
): Promise<void> {
  await tx.query(
    'UPDATE reports SET credit_preference = $2, credit_alias_sealed = $3, credit_preference_set_at = $4, credit_preference_by = $5, updated_at = $4 WHERE id = $1',
    [reportId, preference, aliasSealed, at, by],
  );
}

/** The title and summary outsiders read, sealed; null keeps the case's own title (labelled) and no summary. */
export async function writeOutsideText(
  tx: Queryable,
  reportId: string,
  titleSealed: string | null,
  summarySealed: string | null,
  at: Date,
): Promise<void> {
  await tx.query('UPDATE reports SET outside_title_sealed = $2, outside_summary_sealed = $3, updated_at = $4 WHERE id = $1', [
    reportId,
    titleSealed,
    summarySealed,
    at,
  ]);
}
