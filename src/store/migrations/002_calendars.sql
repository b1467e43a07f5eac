-- Calendars: a person's public-holiday region and their days off / out-of-office periods.
-- Deadlines counted in working days skip both (src/domain/deadline.ts, src/app/clocks.ts).

-- A date-holidays region code: 'GB-ENG', 'US-CA', 'IN', 'NZ', 'DE-BY' (validated by the use case).
ALTER TABLE people ADD COLUMN holiday_region text;

-- Inclusive local dates in the person's own time zone.
CREATE TABLE person_days_off (
  id         uuid PRIMARY KEY,
  person_id  uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  starts_on  date NOT NULL,
  ends_on    date NOT NULL,
  reason     text,
  created_at timestamptz NOT NULL,
  CONSTRAINT person_days_off_range CHECK (ends_on >= starts_on)
);
CREATE INDEX person_days_off_person ON person_days_off (person_id, starts_on);
