-- Remediation and what follows disclosure (Tock §3–§6, TF P6–P8).

-- The remediation checklist of an incident: the profile's items (remediation.checklist), copied when
-- the incident's checklist is first touched so that a later edit of the profile leaves a running case's
-- list as it was; each with an owner (a team member) and a done mark (who, when).
CREATE TABLE remediation_checklist (
  incident_id uuid NOT NULL REFERENCES incidents(id),
  item        text NOT NULL,
  seq         integer NOT NULL,
  name        text NOT NULL,
  stage       text,
  owner_id    uuid REFERENCES people(id),
  done_at     timestamptz,
  done_by     uuid REFERENCES people(id),
  PRIMARY KEY (incident_id, item)
);

-- Where an incident stands once its advisory is public: post-disclosure (monitoring the fix), or back
-- in remediation because the public fix proved incomplete. No row: not disclosed yet. Each move is a
-- transition row (machine "disclosure-phase") with its reason.
CREATE TABLE incident_disclosure_phase (
  incident_id  uuid PRIMARY KEY REFERENCES incidents(id),
  phase        text NOT NULL CHECK (phase IN ('post-disclosure', 'remediation')),
  disclosed_at timestamptz NOT NULL,
  since        timestamptz NOT NULL,
  reopened     integer NOT NULL DEFAULT 0
);
-- Incidents whose advisory went public before this migration are in post-disclosure from that instant.
INSERT INTO incident_disclosure_phase (incident_id, phase, disclosed_at, since)
SELECT a.incident_id, 'post-disclosure', min(a.publish_at), min(a.publish_at)
  FROM advisories a
 WHERE a.incident_id IS NOT NULL AND a.publication_emitted_at IS NOT NULL
 GROUP BY a.incident_id;

-- Tock §6.1: "Monitor for any issues with the fix". Sealed like the case they belong to.
CREATE TABLE monitoring_notes (
  id          uuid PRIMARY KEY,
  seq         bigserial NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents(id),
  text_sealed text NOT NULL,
  added_by    uuid REFERENCES people(id),
  created_at  timestamptz NOT NULL
);
CREATE INDEX monitoring_notes_incident ON monitoring_notes (incident_id, seq);

-- Tock §6.2: "Conduct a retrospective to improve the security response process": what went well,
-- what did not (sealed), and the actions agreed, each with an owner and a done mark.
CREATE TABLE retrospectives (
  incident_id       uuid PRIMARY KEY REFERENCES incidents(id),
  went_well_sealed  text,
  went_badly_sealed text,
  updated_by        uuid REFERENCES people(id),
  updated_at        timestamptz NOT NULL
);
CREATE TABLE retrospective_actions (
  id          uuid PRIMARY KEY,
  seq         bigserial NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents(id),
  text_sealed text NOT NULL,
  owner_id    uuid REFERENCES people(id),
  done_at     timestamptz,
  done_by     uuid REFERENCES people(id),
  created_at  timestamptz NOT NULL
);
CREATE INDEX retrospective_actions_incident ON retrospective_actions (incident_id, seq);

-- Tock §6.3: "Update this document with any lessons learned": an edit of the desk's profile proposed
-- as a unified diff against the text it was written for (its SHA-256), reviewed and applied (or
-- rejected) by an admin. Applying lints the result; a profile that does not lint is never stored.
CREATE TABLE profile_proposals (
  id          uuid PRIMARY KEY,
  seq         bigserial NOT NULL,
  incident_id uuid REFERENCES incidents(id),
  summary     text NOT NULL,
  patch       text NOT NULL,
  base_sha256 text NOT NULL,
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'applied', 'rejected')),
  proposed_by uuid REFERENCES people(id),
  created_at  timestamptz NOT NULL,
  decided_by  uuid REFERENCES people(id),
  decided_at  timestamptz,
  decision_note text
);
CREATE INDEX profile_proposals_open ON profile_proposals (status, seq);
