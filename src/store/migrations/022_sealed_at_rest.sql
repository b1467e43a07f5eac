-- What a reporter or a team member wrote about a case, and the reporter's address and key, sealed at
-- rest like the report itself (AES-256-GCM bound to table, column and row: src/crypto/sealed.ts).
-- Where the desk finds a row by such a value (a key by its address, the deliveries held for an
-- address) the row also holds a keyed blind index of it (HMAC-SHA-256 under a key derived from the
-- instance key: src/crypto/blind-index.ts), never a plain hash, which anyone could compute over a list
-- of guesses.
--
-- SQL cannot seal: rows written before this migration keep their value in the old column until the
-- desk seals them at its next start (src/app/admin/at-rest.ts, run by createApp right after the
-- migrations, before anything is served). From then on the old columns are always NULL; the CHECKs
-- say that a row holds its value in one form only.

-- Keys of people and correspondents: the address, the user IDs (a name, often an organisation) and
-- the armored key (which carries the user IDs too).
ALTER TABLE correspondent_keys
  ADD COLUMN email_index text,
  ADD COLUMN email_sealed text,
  ADD COLUMN user_ids_sealed text,
  ADD COLUMN armored_sealed text,
  ALTER COLUMN email DROP NOT NULL,
  ALTER COLUMN user_ids DROP NOT NULL,
  ALTER COLUMN armored DROP NOT NULL,
  DROP CONSTRAINT correspondent_keys_email_fingerprint_key,
  ADD CONSTRAINT correspondent_keys_sealed_once CHECK (
    (email IS NULL) <> (email_sealed IS NULL) AND (user_ids IS NULL) <> (user_ids_sealed IS NULL)
    AND (armored IS NULL) <> (armored_sealed IS NULL) AND (email_sealed IS NULL OR email_index IS NOT NULL));
DROP INDEX correspondent_keys_one_confirmed;
CREATE UNIQUE INDEX correspondent_keys_address_fingerprint ON correspondent_keys (email_index, fingerprint);
CREATE UNIQUE INDEX correspondent_keys_one_confirmed ON correspondent_keys (email_index) WHERE status = 'confirmed';
-- Until a row is sealed its address is still the old column's (the unique rules above see it then).
CREATE UNIQUE INDEX correspondent_keys_clear_address ON correspondent_keys (email, fingerprint) WHERE email IS NOT NULL;

-- The incident's title (prefilled from the report's sealed title).
ALTER TABLE incidents
  ADD COLUMN title_sealed text,
  ALTER COLUMN title DROP NOT NULL,
  ADD CONSTRAINT incidents_title_sealed_once CHECK ((title IS NULL) <> (title_sealed IS NULL));

-- Why a state changed (a rejection, a take-over, a severity change, a close or reopen).
ALTER TABLE transitions
  ADD COLUMN reason_sealed text,
  ADD CONSTRAINT transitions_reason_sealed_once CHECK (reason IS NULL OR reason_sealed IS NULL);

-- Why a clock row stopped: stop_reason keeps what the SLA figures count by (the event's name, or
-- 'reassigned' for a row replaced by another of its clock); what a person wrote about it (who took
-- over and why, the severity change's reason) is sealed beside it.
ALTER TABLE deadlines ADD COLUMN stop_note_sealed text;

-- The comment a member wrote on an advisory version (the advisory is unpublished until its time).
ALTER TABLE advisory_versions
  ADD COLUMN comment_sealed text,
  ADD CONSTRAINT advisory_versions_comment_sealed_once CHECK (comment IS NULL OR comment_sealed IS NULL);

-- Each copy's recipient (the reporter's address on their copies).
ALTER TABLE deliveries
  ADD COLUMN recipient_index text,
  ADD COLUMN recipient_sealed text,
  ALTER COLUMN recipient DROP NOT NULL,
  DROP CONSTRAINT deliveries_outbox_id_recipient_key,
  ADD CONSTRAINT deliveries_recipient_sealed_once CHECK (
    (recipient IS NULL) <> (recipient_sealed IS NULL) AND (recipient_sealed IS NULL OR recipient_index IS NOT NULL));
CREATE UNIQUE INDEX deliveries_outbox_recipient ON deliveries (outbox_id, recipient_index);
CREATE UNIQUE INDEX deliveries_clear_recipient ON deliveries (outbox_id, recipient) WHERE recipient IS NOT NULL;
DROP INDEX deliveries_held;
CREATE INDEX deliveries_held ON deliveries (recipient_index) WHERE held_for_key;
