-- SLA reminders and escalations (src/jobs/sla-scheduler.ts).
--
-- Every notice sent is a row here. The UNIQUE constraint is what makes each notice go out once even
-- when several servers run the scheduler: each claims a notice with INSERT ... ON CONFLICT DO
-- NOTHING, and only the transaction whose row went in queues the mail (outbox) and the audit event.
CREATE TABLE notices (
  id          uuid PRIMARY KEY,
  deadline_id uuid NOT NULL REFERENCES deadlines(id),
  kind        text NOT NULL CHECK (kind IN ('reminder', 'escalation')),
  person_id   uuid NOT NULL REFERENCES people(id),
  outbox_id   uuid REFERENCES outbox(id),
  created_at  timestamptz NOT NULL,
  CONSTRAINT notices_once UNIQUE (deadline_id, kind, person_id)
);
CREATE INDEX notices_person ON notices (person_id, created_at);

-- Tock assigns an incident to a subsystem's contacts; the escalation goes to that subsystem's
-- secondary contact, so the subsystem chosen is kept with the project's part of the incident.
ALTER TABLE incident_projects ADD COLUMN subsystem_id uuid REFERENCES subsystems(id);

-- One row per running scheduler (server): when it last finished a pass and what that pass did.
-- Operators see whether reminders are being sent at all; nothing depends on it for correctness.
CREATE TABLE scheduler_heartbeats (
  scheduler_id     text PRIMARY KEY,
  last_pass_at     timestamptz NOT NULL,
  last_reminders   integer NOT NULL,
  last_escalations integer NOT NULL,
  last_error       text
);
