-- A running clock can be paused (for example while the team waits for the reporter, where the
-- process allows it). A paused clock is not due; on resume it is replaced by one due later by the
-- time it was paused, and the old row is kept, stopped, with the reason.
ALTER TABLE deadlines ADD COLUMN paused_at timestamptz;
DROP INDEX deadlines_running;
CREATE INDEX deadlines_running ON deadlines (due_at) WHERE stopped_at IS NULL AND paused_at IS NULL;
