-- Replies to the reporter signed by the member's own key (src/app/relay.ts): from their mail client to
-- the case's reply address, or from the web UI where the browser signs.
--
-- The reporter's copy is built once, when the reply is accepted: the member's signed entity put inside
-- the encryption to the reporter's key byte for byte (or, where the profile allows mail in clear to a
-- reporter without a key, sent as it is). It is stored in deliveries.raw_sealed before the delivery
-- job ever sees the row, so the job sends exactly those bytes.
CREATE TABLE relayed_replies (
  -- The thread message (kind to_reporter) the reply is.
  message_id          uuid PRIMARY KEY REFERENCES messages(id),
  report_id           uuid NOT NULL REFERENCES reports(id),
  -- The reporter's delivery carrying the signed copy; null when the reporter gave no address (the
  -- reply is on their status page only).
  delivery_id         uuid UNIQUE REFERENCES deliveries(id),
  signer_person_id    uuid NOT NULL REFERENCES people(id),
  signer_fingerprint  text NOT NULL CHECK (signer_fingerprint = upper(signer_fingerprint)),
  via                 text NOT NULL CHECK (via IN ('mail', 'web')),
  -- encrypted: to the reporter's confirmed key; plaintext: signed only (profile allows it); none: no address.
  mode                text NOT NULL CHECK (mode IN ('encrypted', 'plaintext', 'none')),
  -- SHA-256 of the signed entity: a signed reply relayed once cannot be replayed (anyone who received
  -- it could send it again to the reply address and it would still verify as the member's).
  signed_sha256       text NOT NULL UNIQUE,
  created_at          timestamptz NOT NULL
);
CREATE INDEX relayed_replies_report ON relayed_replies (report_id);

-- A resend from the failed-delivery list rebuilds a copy from the outbox envelope (a team-signed
-- message); for a relayed reply that would drop the member's signature. The prebuilt bytes of a
-- relayed copy are therefore kept whatever an UPDATE asks: a resend sends the same signed message.
CREATE FUNCTION deliveries_keep_relayed_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.raw_sealed IS NULL AND EXISTS (SELECT 1 FROM relayed_replies WHERE delivery_id = OLD.id) THEN
    NEW.raw_sealed := OLD.raw_sealed;
    NEW.mode := OLD.mode;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER deliveries_keep_relayed_copy BEFORE UPDATE OF raw_sealed ON deliveries
  FOR EACH ROW WHEN (OLD.raw_sealed IS NOT NULL AND NEW.raw_sealed IS NULL)
  EXECUTE FUNCTION deliveries_keep_relayed_copy();
