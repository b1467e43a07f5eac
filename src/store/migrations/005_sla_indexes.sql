-- The SLA dashboard (src/app/sla-stats.ts) finds a period's deadlines, triage decisions and Vultron
-- fix/public events by time, so a short period reads its own rows rather than the whole history.
-- (All-time figures for /metrics still read everything; the planner chooses.)
CREATE INDEX deadlines_stopped ON deadlines (stopped_at);
CREATE INDEX deadlines_due ON deadlines (due_at);
CREATE INDEX transitions_triage_decisions ON transitions (at)
  WHERE machine = 'report-management' AND participant = 'coordinator' AND from_state = 'received';
CREATE INDEX incidents_fix_ready ON incidents (fix_ready_at) WHERE fix_ready_at IS NOT NULL;
CREATE INDEX incidents_public_aware ON incidents (public_aware_at) WHERE public_aware_at IS NOT NULL;
