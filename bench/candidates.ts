// Candidate rewrites of the queue's incident query, measured by bench/queue.ts next to the query in
// src/app/cases/queries.ts on the same data; the bench checks that each returns exactly the same rows.
// Nothing in src/ uses these.

const PAGE_FILTER = `
     WHERE i.status = $1
       AND ($2::boolean
            OR EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = i.id AND ip.project_id = ANY($3::uuid[]))
            OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = i.report_id AND cp.person_id = $4))
     ORDER BY i.next_due_at ASC NULLS LAST, i.id
     LIMIT $5 OFFSET $6`;

/**
 * "paged": the page is chosen first over incident ids only (an index-only scan of incidents_queue for
 * the central team), then the owner and rm_states subqueries run for the rows of the page alone, not
 * for every row skipped by OFFSET. Same parameters as incidentQueueParams().
 */
export const PAGED_QUEUE_SQL = `
  WITH page AS MATERIALIZED (
    SELECT i.id, i.next_due_at
      FROM incidents i ${PAGE_FILTER})
  SELECT i.report_id, i.ref, i.id, i.title_sealed, i.status, i.severity, i.priority, i.next_due_at, i.created_at,
         (SELECT name FROM people WHERE id = i.contact_id) AS owner,
         (SELECT string_agg(ip.rm_state, ',' ORDER BY ip.project_id) FROM incident_projects ip WHERE ip.incident_id = i.id) AS rm_states
    FROM page JOIN incidents i ON i.id = page.id
   ORDER BY page.next_due_at ASC NULLS LAST, page.id`;

/**
 * "denorm" (schema change): incident_projects carries a copy of its incident's status and
 * next_due_at, indexed per project in queue order. The application would keep the copies in step
 * wherever incidents.status or incidents.next_due_at change (or a trigger would). The bench applies
 * this to its own schema after the other measurements.
 */
export const DENORMALIZED_SETUP_SQL = `
  ALTER TABLE incident_projects ADD COLUMN incident_status text, ADD COLUMN incident_next_due_at timestamptz;
  UPDATE incident_projects ip SET incident_status = i.status, incident_next_due_at = i.next_due_at FROM incidents i WHERE i.id = ip.incident_id;
  CREATE INDEX incident_projects_queue ON incident_projects (project_id, incident_status, incident_next_due_at NULLS LAST, incident_id);
  VACUUM ANALYZE incident_projects`;

/**
 * The queue for a person who is not on the central team, on the denormalized index: for each of
 * their projects the first offset+limit incidents straight from the index, plus the cases they were
 * pulled into, merged and paged. The central team keeps INCIDENT_QUEUE_SQL ($2 true: one index scan).
 * Same parameters as incidentQueueParams() ($2 unused here but kept so the parameter list is the same).
 */
export const DENORMALIZED_MEMBER_QUEUE_SQL = `
  WITH page AS MATERIALIZED (
    SELECT id, next_due_at FROM (
      SELECT x.incident_id AS id, x.incident_next_due_at AS next_due_at
        FROM unnest($3::uuid[]) AS p(project_id)
        CROSS JOIN LATERAL (
          SELECT ip.incident_id, ip.incident_next_due_at FROM incident_projects ip
           WHERE ip.project_id = p.project_id AND ip.incident_status = $1
           ORDER BY ip.incident_next_due_at ASC NULLS LAST, ip.incident_id
           LIMIT $5::int + $6::int) AS x
      UNION
      SELECT i.id, i.next_due_at FROM case_participants cp JOIN incidents i ON i.report_id = cp.report_id
       WHERE cp.person_id = $4 AND i.status = $1 AND NOT $2::boolean) AS v
     ORDER BY next_due_at ASC NULLS LAST, id
     LIMIT $5 OFFSET $6)
  SELECT i.report_id, i.ref, i.id, i.title_sealed, i.status, i.severity, i.priority, i.next_due_at, i.created_at,
         (SELECT name FROM people WHERE id = i.contact_id) AS owner,
         (SELECT string_agg(ip.rm_state, ',' ORDER BY ip.project_id) FROM incident_projects ip WHERE ip.incident_id = i.id) AS rm_states
    FROM page JOIN incidents i ON i.id = page.id
   ORDER BY page.next_due_at ASC NULLS LAST, page.id`;
