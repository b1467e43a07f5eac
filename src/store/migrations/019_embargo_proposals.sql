-- Embargo negotiation: each proposal of a disclosure timeline (the end of each stakeholder tier's
-- embargo, in the profile's order, and the public instant, in a named time zone), by the team or by
-- the reporter, and what became of it. At most one proposal is open per incident; accepting one
-- makes the embargo active (incidents.embargo_state, embargo_ends_at = its public instant), and the
-- accepted proposal is the agreed timeline.
CREATE TABLE embargo_proposals (
  id           uuid PRIMARY KEY,
  seq          bigserial NOT NULL,
  incident_id  uuid NOT NULL REFERENCES incidents(id),
  by_party     text NOT NULL CHECK (by_party IN ('team', 'reporter')),
  by_person    uuid REFERENCES people(id),
  -- [{"tier": "ess", "endsAt": "2027-01-10T09:00:00.000Z"}, ...] in the profile's tier order.
  tiers        jsonb NOT NULL,
  public_at    timestamptz NOT NULL,
  time_zone    text NOT NULL,
  note_sealed  text,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected', 'superseded', 'withdrawn', 'ended')),
  decided_at   timestamptz,
  created_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX embargo_proposals_one_open ON embargo_proposals (incident_id) WHERE status = 'open';
CREATE INDEX embargo_proposals_incident ON embargo_proposals (incident_id, seq);
