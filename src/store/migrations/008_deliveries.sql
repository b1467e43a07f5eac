-- Outbound delivery (src/jobs/mail-delivery.ts): one row per recipient copy of an outbox message.
--
-- Each copy has its own Message-ID, assigned in the transaction that queued the mail and never
-- changed afterwards: retries and resends carry the same Message-ID, so a receiving MTA or mail
-- client that already has the message drops the duplicate. The built message (encrypted to the
-- recipient's key and signed by the team key, or the keyless notice) is stored sealed on the first
-- attempt, so every retry sends the same bytes.
--
-- status: queued (due at next_attempt_at) → sending (claimed by one job until lease_until) → sent,
-- or → queued again (temporary failure, backoff) or → failed (permanent failure, too many attempts,
-- a bounce, or nothing may be sent: see failure). A 'sending' row whose lease ran out (the job died
-- mid-send) is claimed again: delivery is at least once at the SMTP level; see docs/decisions.md.
CREATE TABLE deliveries (
  id              uuid PRIMARY KEY,
  outbox_id       uuid NOT NULL REFERENCES outbox(id),
  report_id       uuid REFERENCES reports(id),
  recipient       text NOT NULL CHECK (recipient = lower(recipient)),
  person_id       uuid REFERENCES people(id),
  -- member: a desk member (their own key, else a notice); external: anyone else (the reporter).
  recipient_kind  text NOT NULL CHECK (recipient_kind IN ('member', 'external')),
  -- A member who may see the case but not its sensitive fields (a collaborator) gets a notice only.
  notice_only     boolean NOT NULL DEFAULT false,
  -- Without angle brackets, e.g. 7c9e...@desk.example.org.
  message_id      text NOT NULL UNIQUE,
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  -- How the copy was built: encrypted (and signed), notice (no content), plaintext (signed, where allowed).
  mode            text CHECK (mode IN ('encrypted', 'notice', 'plaintext')),
  raw_sealed      text,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,
  last_error      text,
  failure         text,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  failed_at       timestamptz,
  UNIQUE (outbox_id, recipient)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_failed ON deliveries (failed_at DESC) WHERE status = 'failed';
CREATE INDEX deliveries_report ON deliveries (report_id);
