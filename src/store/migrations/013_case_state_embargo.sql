-- The Vultron case state and embargo of each incident, stored so that moves are conditional updates
-- (`WHERE case_state = $from`, `WHERE embargo_state = $from`) and each move is a row in `transitions`
-- (machine 'case-state' or 'embargo-management'), like report-management moves. The flag instants
-- (vendor_aware_at ... attacks_observed_at) stay: the dashboard measures from them.
ALTER TABLE incidents ADD COLUMN case_state text NOT NULL DEFAULT 'vfdpxa' CHECK (case_state ~ '^[vV][fF][dD][pP][xX][aA]$');
ALTER TABLE incidents ADD COLUMN embargo_state text NOT NULL DEFAULT 'none'
  CHECK (embargo_state IN ('none', 'proposed', 'active', 'revise', 'exited'));
-- The embargo's end instant (proposed, active or under revision); null without one.
ALTER TABLE incidents ADD COLUMN embargo_ends_at timestamptz;

UPDATE incidents i SET case_state =
  (CASE WHEN i.vendor_aware_at IS NULL THEN 'v' ELSE 'V' END) ||
  (CASE WHEN i.fix_ready_at IS NULL THEN 'f' ELSE 'F' END) ||
  (CASE WHEN EXISTS (SELECT 1 FROM incident_projects p WHERE p.incident_id = i.id AND p.fix_deployed_at IS NOT NULL) THEN 'D' ELSE 'd' END) ||
  (CASE WHEN i.public_aware_at IS NULL AND i.exploit_public_at IS NULL THEN 'p' ELSE 'P' END) ||
  (CASE WHEN i.exploit_public_at IS NULL THEN 'x' ELSE 'X' END) ||
  (CASE WHEN i.attacks_observed_at IS NULL THEN 'a' ELSE 'A' END);

-- The instant the desk emitted the advisory's publication events (advisory_published, fix_published).
-- Publication is scheduled: the advisory becomes public by the clock with nobody acting, so a job pass
-- emits them; setting this column with `WHERE publication_emitted_at IS NULL` makes that exactly once,
-- however many servers run the pass.
ALTER TABLE advisories ADD COLUMN publication_emitted_at timestamptz;
CREATE INDEX advisories_publication_due ON advisories (publish_at) WHERE published_version IS NOT NULL AND publication_emitted_at IS NULL;
