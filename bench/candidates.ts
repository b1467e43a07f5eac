// Candidate rewrites of the queue's incident query, measured by bench/queue.ts next to the query in
// src/app/queries.ts on the same data; the bench checks that each returns exactly the same rows.
// Nothing in src/ uses these.

/**
 * INCIDENT_QUEUE_SQL with the page chosen first: the ORDER BY / LIMIT / OFFSET runs over incident
 * ids only (an index-only scan of incidents_queue for the central team), and the owner and
 * rm_states subqueries run for the rows of the page alone, not for every row skipped by OFFSET.
 * Same parameters as incidentQueueParams().
 */
export const PAGED_QUEUE_SQL = `
  WITH page AS MATERIALIZED (
    SELECT i.id, i.next_due_at
      FROM incidents i
     WHERE i.status = $1
       AND ($2::boolean
            OR EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = i.id AND ip.project_id = ANY($3::uuid[]))
            OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = i.report_id AND cp.person_id = $4))
     ORDER BY i.next_due_at ASC NULLS LAST, i.id
     LIMIT $5 OFFSET $6)
  SELECT i.report_id, i.ref, i.title, i.status, i.severity, i.priority, i.next_due_at, i.created_at,
         (SELECT name FROM people WHERE id = i.contact_id) AS owner,
         (SELECT string_agg(ip.rm_state, ',' ORDER BY ip.project_id) FROM incident_projects ip WHERE ip.incident_id = i.id) AS rm_states
    FROM page JOIN incidents i ON i.id = page.id
   ORDER BY page.next_due_at ASC NULLS LAST, page.id`;
