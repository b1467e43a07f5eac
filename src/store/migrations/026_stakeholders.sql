-- Stakeholders: organisations told before the public, per project and per tier of the profile
-- (Trusted Firmware: ESS under the primary embargo, then trusted stakeholders). An organisation is
-- reached at a contact alias (Xen asks for an alias, not a person's address) whose OpenPGP key is kept
-- with the correspondents' keys (confirmed by its fingerprint), and joins by an application the
-- central team approves. Its name, alias and what it said about itself are sealed: the list of who is
-- warned early is itself confidential.
CREATE TABLE stakeholder_orgs (
  id                 uuid PRIMARY KEY,
  name_sealed        text NOT NULL,
  alias_sealed       text NOT NULL,
  alias_index        text NOT NULL UNIQUE,
  about_sealed       text,
  time_zone          text NOT NULL,
  -- Where its people keep public holidays (date-holidays region, e.g. US, DE-BY): a timeline that
  -- ends on one is warned about.
  holiday_region     text,
  -- The organisation's statement that it accepts the disclosure policy, as it gave it, and when.
  policy_statement_sealed text,
  status             text NOT NULL CHECK (status IN ('applied', 'approved', 'rejected', 'removed')),
  key_fingerprint    text CHECK (key_fingerprint = upper(key_fingerprint)),
  created_at         timestamptz NOT NULL,
  decided_by         uuid REFERENCES people(id),
  decided_at         timestamptz,
  decision_note_sealed text
);

-- An application: the tier asked for and the key offered (sealed, unconfirmed until approval).
CREATE TABLE stakeholder_applications (
  org_id     uuid PRIMARY KEY REFERENCES stakeholder_orgs(id) ON DELETE CASCADE,
  project_id uuid NOT NULL REFERENCES projects(id),
  tier       text NOT NULL,
  key_sealed text NOT NULL
);

-- Which tier of which project an organisation is in (one tier per project).
CREATE TABLE stakeholder_tiers (
  org_id     uuid NOT NULL REFERENCES stakeholder_orgs(id) ON DELETE CASCADE,
  project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  tier       text NOT NULL,
  PRIMARY KEY (org_id, project_id)
);
CREATE INDEX stakeholder_tiers_project ON stakeholder_tiers (project_id, tier);

-- A key offered for a stakeholder alias is confirmed by its fingerprint, like a reporter's.
ALTER TABLE correspondent_keys DROP CONSTRAINT correspondent_keys_source_check;
ALTER TABLE correspondent_keys ADD CONSTRAINT correspondent_keys_source_check
  CHECK (source IN ('upload', 'autocrypt', 'attachment', 'stakeholder'));

-- "At instant T, release X to audience Y": the one schedule of everything an embargo times. A
-- release is done by the pass that claims it (FOR UPDATE SKIP LOCKED, marked done in the same
-- transaction as what it does), so several servers do each exactly once. A changed timeline cancels
-- what was planned and plans anew; an ended embargo cancels the rest.
CREATE TABLE timed_releases (
  id           uuid PRIMARY KEY,
  incident_id  uuid NOT NULL REFERENCES incidents(id),
  kind         text NOT NULL CHECK (kind IN ('tier_notice', 'fix_public', 'reporter_disclosure', 'embargo_ended', 'cve_records')),
  tier         text,
  advisory_id  uuid REFERENCES advisories(id),
  due_at       timestamptz NOT NULL,
  state        text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'done', 'cancelled')),
  done_at      timestamptz,
  done_by      text,
  outcome      text,
  -- Why an embargo ended early (told to every tier), sealed.
  note_sealed  text,
  -- A release that failed (a leak refused, a profile without the template) is tried again later;
  -- the team is told on the first failure.
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  retry_at     timestamptz,
  created_at   timestamptz NOT NULL
);
CREATE INDEX timed_releases_due ON timed_releases (due_at) WHERE state = 'scheduled';
CREATE INDEX timed_releases_incident ON timed_releases (incident_id);

-- "Released to whom, when": the instant each tier of an incident was told. A stakeholder sees the
-- case from that instant on, never before.
CREATE TABLE tier_releases (
  incident_id  uuid NOT NULL REFERENCES incidents(id),
  tier         text NOT NULL,
  released_at  timestamptz NOT NULL,
  PRIMARY KEY (incident_id, tier)
);

-- The fix became public (by its timed release, or with the advisory): fix_published fires once.
-- The fix was first shared outside the security teams (fix_shared fires once).
ALTER TABLE incident_fixes ADD COLUMN published_at timestamptz, ADD COLUMN shared_at timestamptz;

-- What each organisation was sent, and whether it opened and acknowledged it (shown per
-- organisation to the handler, as VINCE shows per vendor).
CREATE TABLE stakeholder_receipts (
  id               uuid PRIMARY KEY,
  incident_id      uuid NOT NULL REFERENCES incidents(id),
  org_id           uuid NOT NULL REFERENCES stakeholder_orgs(id),
  what             text NOT NULL,
  -- The text as sent (after the leak guard): the portal shows the organisation what it was sent.
  body_sealed      text NOT NULL,
  outbox_id        uuid REFERENCES outbox(id),
  sent_at          timestamptz NOT NULL
);
CREATE INDEX stakeholder_receipts_incident ON stakeholder_receipts (incident_id, org_id);

CREATE TABLE stakeholder_case_state (
  incident_id      uuid NOT NULL REFERENCES incidents(id),
  org_id           uuid NOT NULL REFERENCES stakeholder_orgs(id),
  opened_at        timestamptz,
  acknowledged_at  timestamptz,
  PRIMARY KEY (incident_id, org_id)
);

-- A question thread per organisation and incident: the organisation and the security teams write,
-- other organisations never see it.
CREATE TABLE stakeholder_messages (
  id           uuid PRIMARY KEY,
  seq          bigserial NOT NULL,
  incident_id  uuid NOT NULL REFERENCES incidents(id),
  org_id       uuid NOT NULL REFERENCES stakeholder_orgs(id),
  from_team    boolean NOT NULL,
  author_id    uuid REFERENCES people(id),
  body_sealed  text NOT NULL,
  created_at   timestamptz NOT NULL
);
CREATE INDEX stakeholder_messages_thread ON stakeholder_messages (incident_id, org_id, seq);

-- Portal sign-in: a one-time link mailed to the alias (encrypted to its key), then a session of the
-- organisation. Only digests of the secrets are stored.
CREATE TABLE stakeholder_links (
  digest      text PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES stakeholder_orgs(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE TABLE stakeholder_sessions (
  digest      text PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES stakeholder_orgs(id) ON DELETE CASCADE,
  csrf_token  text NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL
);

-- An update to the tiers told, kept for review where the profile says so (embargo.updates:
-- after-review): what it says, until a team member sends or discards it.
CREATE TABLE stakeholder_updates (
  id           uuid PRIMARY KEY,
  incident_id  uuid NOT NULL REFERENCES incidents(id),
  what         text NOT NULL,
  subject_sealed text NOT NULL,
  lead_sealed  text NOT NULL,
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'discarded')),
  created_at   timestamptz NOT NULL,
  decided_by   uuid REFERENCES people(id),
  decided_at   timestamptz
);
CREATE INDEX stakeholder_updates_pending ON stakeholder_updates (incident_id) WHERE state = 'pending';
