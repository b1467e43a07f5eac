-- The audit log without a lock under every write, chained under a key the database does not hold.
--
-- Before: every append locked the one audit_head row until its transaction committed, so every
-- write of every server waited in line on it, and the chain was plain SHA-256, which anyone able to
-- write the table could recompute after rewriting or cutting off its newest events.
--
-- Now a write only inserts its event; seq comes from a sequence (no lock, no waiting). A separate
-- chaining step (src/app/admin/audit-chain.ts, run every second by `embargo serve`) takes the
-- events committed since its last pass, in seq order, gives each the next chain position and an
-- HMAC over the previous link under a key derived from the instance key (outside the database).
-- audit_chain_head is the chaining step's own row: only it locks it, with SKIP LOCKED, so one server
-- chains at a time and no writer ever waits for it. Signed checkpoints of the head (count, MAC) are
-- kept in audit_checkpoints and outside the database, so a cut-off end is found too.

-- The plain SHA-256 links of events written before this migration stay as they were, as a record;
-- they are chained under the key like every other event by the first pass after the upgrade.
ALTER TABLE audit_events RENAME COLUMN prev_hash TO legacy_prev_hash;
ALTER TABLE audit_events RENAME COLUMN hash TO legacy_hash;
ALTER TABLE audit_events ALTER COLUMN legacy_prev_hash DROP NOT NULL;
ALTER TABLE audit_events ALTER COLUMN legacy_hash DROP NOT NULL;

ALTER TABLE audit_events ADD COLUMN chain_pos bigint;
ALTER TABLE audit_events ADD COLUMN mac text;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_chained_whole CHECK ((chain_pos IS NULL) = (mac IS NULL));
CREATE UNIQUE INDEX audit_events_chain_pos ON audit_events (chain_pos) WHERE chain_pos IS NOT NULL;
-- What the chaining step reads: the events not chained yet, a handful at any moment.
CREATE INDEX audit_events_unchained ON audit_events (seq) WHERE chain_pos IS NULL;

CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq;
SELECT setval('audit_events_seq', (SELECT coalesce(max(seq), 0) + 1 FROM audit_events), false);
ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq');

DROP TABLE audit_head;
CREATE TABLE audit_chain_head (
  id  integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  pos bigint NOT NULL,
  mac text NOT NULL
);
INSERT INTO audit_chain_head (id, pos, mac) VALUES (1, 0, repeat('0', 64));

-- Still append-only, but for the one step of chaining: an unchained event gets its position and MAC
-- once, and nothing else about it may change.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.chain_pos IS NULL AND NEW.chain_pos IS NOT NULL
       AND (NEW.seq, NEW.at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.subject_type, NEW.subject_id, NEW.data,
            NEW.legacy_prev_hash, NEW.legacy_hash)
           IS NOT DISTINCT FROM
           (OLD.seq, OLD.at, OLD.actor_id, OLD.actor_label, OLD.action, OLD.subject_type, OLD.subject_id, OLD.data,
            OLD.legacy_prev_hash, OLD.legacy_hash) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$;

-- Signed checkpoints of the chain head the desk made (periodically, on `embargo audit checkpoint`,
-- or from the API), each the whole signed document as given out.
CREATE TABLE audit_checkpoints (
  count    bigint PRIMARY KEY,
  mac      text NOT NULL,
  made_at  timestamptz NOT NULL,
  document text NOT NULL
);
CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoints is append-only';
END;
$$;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
