-- Mail ingress: the durable inbox every received message is committed to before anyone acknowledges
-- it, the Message-IDs that thread mail onto cases, per-case reply-address tokens, and what the
-- gateway found out about each message it recorded on a case (encryption, signature, signer).

CREATE TABLE mail_inbox (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL,
  received_at     timestamptz NOT NULL,
  via             text NOT NULL CHECK (via IN ('smtp', 'imap', 'import')),
  -- The SMTP envelope (or, for IMAP and import, what the headers say); the sender is personal data.
  envelope_from_sealed text NOT NULL,
  envelope_to_sealed   text NOT NULL,
  size            integer NOT NULL CHECK (size >= 0),
  -- SHA-256 of the message bytes as received: an IMAP re-fetch or a sender's retry of a message
  -- already committed stores nothing new.
  sha256          text NOT NULL UNIQUE,
  raw_sealed      text NOT NULL,
  status          text NOT NULL DEFAULT 'received'
                  CHECK (status IN ('received', 'processing', 'done', 'rejected', 'failed')),
  -- Each claim by the intake job counts; a claim is good until lease_until (a crashed processor's
  -- message is claimed again after it), and the finishing write names the attempt it finishes.
  attempts        integer NOT NULL DEFAULT 0,
  lease_until     timestamptz,
  error           text,
  -- What the pipeline did: new_report, reporter_reply, member_reply, third_party, bounce, auto_reply, loop, ...
  outcome         text,
  report_id       uuid REFERENCES reports(id),
  processed_at    timestamptz,
  -- What OpenPGP said about the message (set when it was processed).
  encryption          text CHECK (encryption IN ('none', 'pgp-mime', 'inline', 'undecryptable')),
  signature           text CHECK (signature IN ('none', 'valid', 'invalid', 'unknown_key')),
  signature_shape     text,
  signer_fingerprint  text,
  signer_person_id    uuid REFERENCES people(id),
  protected_subject   boolean,
  html_converted      boolean
);
CREATE INDEX mail_inbox_pending ON mail_inbox (seq) WHERE status IN ('received', 'processing');
CREATE INDEX mail_inbox_attention ON mail_inbox (seq) WHERE status IN ('failed', 'rejected');

-- Message-IDs of mail in and out of a case, hashed (a Message-ID names the sender's host and is
-- looked up, never shown). In-Reply-To and References are matched against this table.
CREATE TABLE mail_message_ids (
  message_id_hash text PRIMARY KEY,
  report_id       uuid NOT NULL REFERENCES reports(id),
  direction       text NOT NULL CHECK (direction IN ('in', 'out')),
  created_at      timestamptz NOT NULL
);
CREATE INDEX mail_message_ids_report ON mail_message_ids (report_id);

-- The unguessable token of a case's reply address (alias+token@domain): hashed for lookup, sealed so
-- the address can be shown again.
CREATE TABLE mail_reply_tokens (
  report_id    uuid PRIMARY KEY REFERENCES reports(id),
  token_hash   text NOT NULL UNIQUE,
  token_sealed text NOT NULL,
  created_at   timestamptz NOT NULL
);

-- A thread message that came in by mail: which inbox row it came from (its OpenPGP facts are there),
-- who sent it, and for a member's reply the entity exactly as signed, to relay it intact.
CREATE TABLE message_mail (
  message_id           uuid PRIMARY KEY REFERENCES messages(id),
  inbox_id             uuid NOT NULL REFERENCES mail_inbox(id),
  sender_role          text NOT NULL CHECK (sender_role IN ('reporter', 'member', 'third_party')),
  signed_entity_sealed text
);
CREATE INDEX message_mail_inbox ON message_mail (inbox_id);
