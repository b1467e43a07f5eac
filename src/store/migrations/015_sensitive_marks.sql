-- What is sensitive in a case beyond the reporter record and the report form: the values and
-- passages the reporter or the security team marked, and what the desk read off the mail the
-- reporter sent (the display names and addresses of its From, Reply-To and Sender headers), and every
-- name the reporter asked to be credited by (kept after they change their mind: it still names them).
-- Sealed like the report and bound to their row. A mark is never deleted: removing it sets
-- removed_at, so the audit log and this table say who marked and unmarked what, and when.
CREATE TABLE sensitive_marks (
  id             uuid PRIMARY KEY,
  report_id      uuid NOT NULL REFERENCES reports(id),
  kind           text NOT NULL
                 CHECK (kind IN ('identity', 'contact', 'organisation', 'product', 'reporter-marked', 'team-marked')),
  source         text NOT NULL CHECK (source IN ('mail-header', 'credit', 'reporter-mark', 'team-mark')),
  -- The value; for a passage, the text selected.
  value_sealed   text NOT NULL,
  -- What the marker called it ("customer"): the label outsiders read, "[sensitive: customer]".
  name_sealed    text,
  -- A passage: the text it was selected in ('body', or a thread message's id) and its offsets there
  -- (UTF-16 code units, as a browser selects). Bodies and messages never change, so the offsets stay true.
  passage_of     text,
  passage_start  integer,
  passage_end    integer,
  marked_by      uuid REFERENCES people(id),
  created_at     timestamptz NOT NULL,
  removed_at     timestamptz,
  removed_by     uuid REFERENCES people(id),
  CHECK ((passage_of IS NULL) = (passage_start IS NULL) AND (passage_start IS NULL) = (passage_end IS NULL)),
  CHECK (passage_start IS NULL OR (passage_start >= 0 AND passage_end > passage_start))
);
CREATE INDEX sensitive_marks_report ON sensitive_marks (report_id) WHERE removed_at IS NULL;

-- The title and summary outsiders read when the team rephrased them (sealed; null: the redacted
-- title, and no summary).
ALTER TABLE reports ADD COLUMN outside_title_sealed text;
ALTER TABLE reports ADD COLUMN outside_summary_sealed text;

-- A thread message that carried an advisory draft to the reporter names the advisory: outsiders
-- read that a draft went, never its text.
ALTER TABLE messages ADD COLUMN advisory_id uuid REFERENCES advisories(id);
