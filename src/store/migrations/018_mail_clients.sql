-- Mail as the clients security teams use see it.

-- The desk's mail to a reporter answers their latest mail (In-Reply-To, References) and keeps its
-- subject: the Message-ID and Subject of each mail that became a thread message. Sealed, as a
-- Message-ID often names the sender's domain and a subject may name a product.
ALTER TABLE message_mail ADD COLUMN rfc_message_id_sealed text, ADD COLUMN subject_sealed text;

-- The thread message an attachment came with, so every team copy of that message carries it (or
-- names it with a link). Attachments stored before this migration have none.
ALTER TABLE attachments ADD COLUMN message_id uuid REFERENCES messages(id);
CREATE INDEX attachments_message ON attachments (message_id) WHERE message_id IS NOT NULL;

-- Every case a key was offered on: the same key offered again with a second report is listed there
-- too (correspondent_keys.report_id keeps the first).
CREATE TABLE correspondent_key_offers (
  key_id      uuid NOT NULL REFERENCES correspondent_keys(id) ON DELETE CASCADE,
  report_id   uuid NOT NULL REFERENCES reports(id),
  offered_at  timestamptz NOT NULL,
  PRIMARY KEY (key_id, report_id)
);
CREATE INDEX correspondent_key_offers_report ON correspondent_key_offers (report_id);
INSERT INTO correspondent_key_offers (key_id, report_id, offered_at)
  SELECT id, report_id, created_at FROM correspondent_keys WHERE report_id IS NOT NULL;
