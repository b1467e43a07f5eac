-- Steps of the shipped processes that the desk could not take before.

-- Tock 2.2: "Establish a communication channel for the response team if deemed serious enough."
-- When, by whom, why, and where the response team talks besides the case itself (a room, a call
-- bridge; null: the case thread, whose notes are then mailed to everyone on the case).
ALTER TABLE incidents
  ADD COLUMN serious_at timestamptz,
  ADD COLUMN serious_by uuid REFERENCES people(id),
  ADD COLUMN response_channel text;

-- Roles a profile fills by appointment (Tock's triage coordinator): who holds each one now. The
-- appointee owns the clocks of that role from the moment a report arrives.
CREATE TABLE role_appointments (
  role          text PRIMARY KEY,
  person_id     uuid NOT NULL REFERENCES people(id),
  appointed_by  uuid REFERENCES people(id),
  appointed_at  timestamptz NOT NULL
);
