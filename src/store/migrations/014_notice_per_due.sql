-- A notice is for a clock and its due instant, not for one deadline row. Changing a severity and
-- changing it back stops the resolution clock and starts it again with the same due time: a new row,
-- the same clock. Keyed by the row alone, its people were reminded twice for one deadline; keyed by
-- the clock (case, project, clock name, owner) and its due instant, once. A clock handed to a new
-- owner still tells people afresh: that is news. The key is written by the claim
-- in src/app/sla/notices.ts with the same expression.
ALTER TABLE notices ADD COLUMN clock_due text;

-- Earlier notices get their key too, so a clock recreated after the upgrade is not reminded again.
-- Where duplicates were already sent, the first keeps the key and the others stay without one.
UPDATE notices n SET clock_due = k.clock_due
  FROM (
    SELECT DISTINCT ON (clock_due, x.kind, x.person_id) x.id, clock_due
      FROM (
        SELECT n2.id, n2.kind, n2.person_id, n2.created_at,
               d.report_id::text || '/' || coalesce(d.project_id::text, '-') || '/' || d.clock || '/' || coalesce(d.owner_id::text, '-') || '@' ||
                 ((extract(epoch FROM d.due_at) * 1000)::bigint)::text AS clock_due
          FROM notices n2 JOIN deadlines d ON d.id = n2.deadline_id
      ) x
     ORDER BY clock_due, x.kind, x.person_id, x.created_at, x.id
  ) k
 WHERE n.id = k.id;

CREATE UNIQUE INDEX notices_once_per_due ON notices (clock_due, kind, person_id);
