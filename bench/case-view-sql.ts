import {
  CASE_AUDIT_COUNTS_SQL,
  CASE_AUDIT_SHOWN,
  CASE_AUDIT_SQL,
  THREAD_COUNT_SQL,
  THREAD_PAGE_SIZE,
  THREAD_PAGE_SQL,
} from '../src/app/cases/queries.ts';

// The baseline of bench/case-view.ts: the statements caseView (src/app/cases/queries.ts) runs for
// the first page of a case, raw, with nothing decrypted, rendered or authorised. The thread and audit
// statements are the use case's own constants; the other reads are written as caseView writes them.

export function caseViewStatements(reportId: string, page = 1): [string, unknown[]][] {
  return [
    ['SELECT body_sealed, sensitive_sealed FROM reports WHERE id = $1', [reportId]],
    [
      `SELECT ref, title, status, outcome, severity, priority, cvss_vectors, affected_components, bug_link, resolution_due_at, created_at,
              closed_at, vendor_aware_at, fix_ready_at, public_aware_at, exploit_public_at, attacks_observed_at
         FROM incidents WHERE report_id = $1`,
      [reportId],
    ],
    [
      `SELECT id, name FROM people WHERE id IN (SELECT triager_id FROM reports WHERE id = $1 UNION SELECT contact_id FROM incidents WHERE report_id = $1
         UNION SELECT handler_id FROM incident_projects ip JOIN incidents i ON i.id = ip.incident_id WHERE i.report_id = $1
         UNION SELECT person_id FROM case_participants WHERE report_id = $1 UNION SELECT owner_id FROM deadlines WHERE report_id = $1
         UNION SELECT actor_id FROM transitions WHERE subject_id = $1 UNION SELECT author_id FROM messages WHERE report_id = $1)`,
      [reportId],
    ],
    [
      'SELECT clock, owner_id, time_zone, started_at, due_at, stopped_at, stop_reason, project_id, paused_at FROM deadlines WHERE report_id = $1 ORDER BY started_at, stopped_at NULLS LAST, due_at',
      [reportId],
    ],
    [
      'SELECT id::text AS id, machine, participant, from_state, to_state, actor_id, at, reason_sealed FROM transitions WHERE subject_id = $1 ORDER BY id',
      [reportId],
    ],
    [THREAD_COUNT_SQL, [reportId]],
    [THREAD_PAGE_SQL, [reportId, THREAD_PAGE_SIZE, (page - 1) * THREAD_PAGE_SIZE]],
    ['SELECT id, filename_sealed, content_type, size FROM attachments WHERE report_id = $1 ORDER BY created_at', [reportId]],
    [
      `SELECT id, slug FROM projects WHERE id IN (SELECT project_id FROM deadlines WHERE report_id = $1
         UNION SELECT substring(participant FROM 9)::uuid FROM transitions WHERE subject_id = $1 AND participant LIKE 'project:%')`,
      [reportId],
    ],
    [CASE_AUDIT_SQL, [reportId, CASE_AUDIT_SHOWN]],
    [CASE_AUDIT_COUNTS_SQL, [reportId]],
  ];
}
