-- Sessions end after sessionIdleMinutes without a request (last_seen_at, written at most once a
-- minute) as well as at expires_at; verified_at is when the person last entered their password and
-- authenticator code in this session (signing in, or again for a sensitive action: step-up).
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz, ADD COLUMN verified_at timestamptz;
UPDATE sessions SET last_seen_at = created_at, verified_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_seen_at SET NOT NULL, ALTER COLUMN verified_at SET NOT NULL;

-- What a receiving server answered about a delivery (a bounce, a 4xx or 5xx reply) often quotes the
-- recipient's address or lines of the message: sealed at rest like the recipient (migration 022). The
-- clear columns stay for rows written before; the desk seals them at its next start
-- (src/app/admin/at-rest.ts), and the CHECK says a row holds each value in one form only.
ALTER TABLE deliveries
  ADD COLUMN last_error_sealed text,
  ADD COLUMN failure_sealed text,
  ADD CONSTRAINT deliveries_errors_sealed_once CHECK (
    (last_error IS NULL OR last_error_sealed IS NULL) AND (failure IS NULL OR failure_sealed IS NULL));
