-- The fix of an incident as it grows (TF P6, Tock 3.x): patches, the private branch or pull request,
-- the fixed versions, review and test status, release notes, each an item that can be marked done;
-- when the fix is ready; and the export-control hold that keeps it from anyone outside the security
-- teams. Item texts are sealed like the case they belong to.
CREATE TABLE incident_fixes (
  incident_id       uuid PRIMARY KEY REFERENCES incidents(id),
  export_controlled boolean NOT NULL DEFAULT false,
  export_note_sealed text,
  ready_at          timestamptz,
  ready_by          uuid REFERENCES people(id),
  updated_at        timestamptz NOT NULL
);

CREATE TABLE fix_items (
  id           uuid PRIMARY KEY,
  seq          bigserial NOT NULL,
  incident_id  uuid NOT NULL REFERENCES incidents(id),
  kind         text NOT NULL CHECK (kind IN ('patch', 'branch', 'pull-request', 'fixed-version', 'review', 'test', 'release-notes', 'note')),
  text_sealed  text NOT NULL,
  done_at      timestamptz,
  added_by     uuid REFERENCES people(id),
  created_at   timestamptz NOT NULL
);
CREATE INDEX fix_items_incident ON fix_items (incident_id, seq);
