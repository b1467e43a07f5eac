-- Core schema: instance, people and access, projects, reports, incidents, messages, outbox,
-- deadlines, state transitions and the hash-chained audit log.
-- Columns ending in _sealed hold AES-256-GCM envelopes (src/crypto/sealed.ts), never plaintext.

CREATE TABLE instance (
  id                integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  name              text NOT NULL,
  profile_id        text NOT NULL,
  profile_yaml      text NOT NULL,
  default_time_zone text NOT NULL,
  created_at        timestamptz NOT NULL
);

CREATE TABLE people (
  id                    uuid PRIMARY KEY,
  name                  text NOT NULL,
  time_zone             text NOT NULL,
  working_week          integer[] NOT NULL DEFAULT '{1,2,3,4,5}',
  available             boolean NOT NULL DEFAULT true,
  away_until            timestamptz,
  is_admin              boolean NOT NULL DEFAULT false,
  password_hash         text,
  totp_secret_sealed    text,
  totp_last_step        bigint,
  enrollment_token_hash text UNIQUE,
  enrollment_expires_at timestamptz,
  disabled              boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL
);

CREATE TABLE person_emails (
  email      text PRIMARY KEY CHECK (email = lower(email)),
  person_id  uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  is_primary boolean NOT NULL DEFAULT false
);
CREATE INDEX person_emails_person ON person_emails (person_id);

CREATE TABLE teams (
  id         uuid PRIMARY KEY,
  slug       text NOT NULL UNIQUE,
  name       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('central', 'project', 'ess', 'trusted')),
  alias      text,
  created_at timestamptz NOT NULL
);

CREATE TABLE team_members (
  team_id   uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, person_id)
);
CREATE INDEX team_members_person ON team_members (person_id);

CREATE TABLE projects (
  id               uuid PRIMARY KEY,
  slug             text NOT NULL UNIQUE,
  name             text NOT NULL,
  security_team_id uuid NOT NULL REFERENCES teams(id),
  ess_team_id      uuid REFERENCES teams(id),
  trusted_team_id  uuid REFERENCES teams(id),
  bug_tracker_url  text,
  created_at       timestamptz NOT NULL
);

CREATE TABLE subsystems (
  id                   uuid PRIMARY KEY,
  project_id           uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name                 text NOT NULL,
  primary_contact_id   uuid REFERENCES people(id),
  secondary_contact_id uuid REFERENCES people(id),
  UNIQUE (project_id, name)
);

CREATE SEQUENCE report_numbers;

CREATE TABLE reports (
  id                 uuid PRIMARY KEY,
  number             integer NOT NULL UNIQUE,
  channel            text NOT NULL CHECK (channel IN ('web', 'email', 'github', 'api', 'import')),
  received_at        timestamptz NOT NULL,
  title_sealed       text NOT NULL,
  body_sealed        text NOT NULL,
  reporter_sealed    text NOT NULL,
  sensitive_sealed   text NOT NULL,
  credit_preference  text NOT NULL CHECK (credit_preference IN ('name', 'handle', 'anonymous')),
  rm_state           text NOT NULL,
  triager_id         uuid REFERENCES people(id),
  acknowledged_at    timestamptz,
  incident_id        uuid,
  status_token_hash  text NOT NULL UNIQUE,
  next_due_at        timestamptz,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX reports_open_due ON reports (next_due_at NULLS LAST, id) WHERE incident_id IS NULL;

CREATE TABLE attachments (
  id                uuid PRIMARY KEY,
  report_id         uuid NOT NULL REFERENCES reports(id),
  filename_sealed   text NOT NULL,
  content_type      text NOT NULL,
  size              integer NOT NULL,
  data_sealed       text NOT NULL,
  created_at        timestamptz NOT NULL
);

CREATE TABLE incident_counters (
  prefix text NOT NULL,
  year   integer NOT NULL,
  last   integer NOT NULL,
  PRIMARY KEY (prefix, year)
);

CREATE TABLE incidents (
  id                   uuid PRIMARY KEY,
  ref                  text NOT NULL UNIQUE,
  report_id            uuid NOT NULL UNIQUE REFERENCES reports(id),
  title                text NOT NULL,
  status               text NOT NULL CHECK (status IN ('open', 'closed')),
  outcome              text,
  severity             text,
  priority             text,
  affected_components  text[] NOT NULL DEFAULT '{}',
  triager_id           uuid REFERENCES people(id),
  contact_id           uuid REFERENCES people(id),
  bug_link             text,
  vendor_aware_at      timestamptz,
  fix_ready_at         timestamptz,
  public_aware_at      timestamptz,
  exploit_public_at    timestamptz,
  attacks_observed_at  timestamptz,
  resolution_due_at    timestamptz,
  next_due_at          timestamptz,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  closed_at            timestamptz
);
CREATE INDEX incidents_queue ON incidents (status, next_due_at NULLS LAST, id);
ALTER TABLE reports ADD CONSTRAINT reports_incident_fk FOREIGN KEY (incident_id) REFERENCES incidents(id);

CREATE TABLE incident_projects (
  incident_id     uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  project_id      uuid NOT NULL REFERENCES projects(id),
  rm_state        text NOT NULL,
  handler_id      uuid REFERENCES people(id),
  received_at     timestamptz NOT NULL,
  fix_deployed_at timestamptz,
  outcome         text,
  PRIMARY KEY (incident_id, project_id)
);
CREATE INDEX incident_projects_project ON incident_projects (project_id, incident_id);

-- People pulled into one case (before or after it became an incident): access to that case only.
CREATE TABLE case_participants (
  report_id   uuid NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  person_id   uuid NOT NULL REFERENCES people(id),
  role        text NOT NULL CHECK (role IN ('collaborator', 'assignee')),
  added_by    uuid REFERENCES people(id),
  added_at    timestamptz NOT NULL,
  PRIMARY KEY (report_id, person_id, role)
);
CREATE INDEX case_participants_person ON case_participants (person_id, report_id);

CREATE TABLE messages (
  id           uuid PRIMARY KEY,
  seq          bigserial NOT NULL,
  report_id    uuid NOT NULL REFERENCES reports(id),
  incident_id  uuid REFERENCES incidents(id),
  kind         text NOT NULL CHECK (kind IN ('from_reporter', 'to_reporter', 'note')),
  author_id    uuid REFERENCES people(id),
  body_sealed  text NOT NULL,
  outbox_id    uuid,
  created_at   timestamptz NOT NULL
);
CREATE INDEX messages_report ON messages (report_id, created_at);

CREATE TABLE outbox (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL,
  report_id       uuid REFERENCES reports(id),
  incident_id     uuid REFERENCES incidents(id),
  template_id     text,
  envelope_sealed text NOT NULL,
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'queued';

CREATE TABLE deadlines (
  id           uuid PRIMARY KEY,
  report_id    uuid NOT NULL REFERENCES reports(id),
  incident_id  uuid REFERENCES incidents(id),
  project_id   uuid REFERENCES projects(id),
  clock        text NOT NULL,
  owner_id     uuid REFERENCES people(id),
  time_zone    text NOT NULL,
  started_at   timestamptz NOT NULL,
  due_at       timestamptz NOT NULL,
  stopped_at   timestamptz,
  stop_reason  text
);
CREATE INDEX deadlines_report ON deadlines (report_id);
CREATE INDEX deadlines_running ON deadlines (due_at) WHERE stopped_at IS NULL;

CREATE TABLE transitions (
  id           bigserial PRIMARY KEY,
  machine      text NOT NULL,
  subject_type text NOT NULL,
  subject_id   uuid NOT NULL,
  participant  text NOT NULL,
  from_state   text NOT NULL,
  to_state     text NOT NULL,
  actor_id     uuid REFERENCES people(id),
  at           timestamptz NOT NULL,
  reason       text
);
CREATE INDEX transitions_subject ON transitions (subject_id, id);

CREATE TABLE sessions (
  token_hash   text PRIMARY KEY,
  person_id    uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL
);

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY,
  person_id    uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  name         text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Append-only, hash-chained audit log. audit_head serialises appends so the chain never forks.
CREATE TABLE audit_events (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor_id     uuid,
  actor_label  text NOT NULL,
  action       text NOT NULL,
  subject_type text NOT NULL,
  subject_id   text NOT NULL,
  data         jsonb NOT NULL,
  prev_hash    text NOT NULL,
  hash         text NOT NULL
);
CREATE INDEX audit_subject ON audit_events (subject_id, seq);

CREATE TABLE audit_head (
  id   integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  seq  bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
