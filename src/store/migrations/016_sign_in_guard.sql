-- Sign-in guard: failed sign-ins counted per account (src/app/auth/guard.ts), whatever address they
-- come from. A bucket is one account seen from places it has not signed in from ('person:<id>'), one
-- account at one place it did sign in from ('person:<id>@<place>'), or an address the desk does not
-- know ('address:<sha256>'), so that an unknown address is backed off and locked exactly like a known
-- one without the address typed by a stranger being kept.
CREATE TABLE sign_in_guards (
  bucket            text PRIMARY KEY,
  person_id         uuid REFERENCES people(id) ON DELETE CASCADE,
  failures          integer NOT NULL DEFAULT 0,
  last_failure_at   timestamptz,
  last_place        text,
  -- No attempt is checked before this instant (the growing delay).
  blocked_until     timestamptz,
  -- Locked: no attempt is checked until the person's unlock link or an admin clears it.
  locked_at         timestamptz,
  unlock_token_hash text UNIQUE,
  unlock_expires_at timestamptz
);
CREATE INDEX sign_in_guards_person ON sign_in_guards (person_id) WHERE person_id IS NOT NULL;

-- Places (an IPv4 address, an IPv6 /64) a person signed in from: a sign-in from elsewhere is news to
-- them, and failures from elsewhere do not lock them out where they work.
CREATE TABLE sign_in_places (
  person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  place     text NOT NULL,
  first_at  timestamptz NOT NULL,
  last_at   timestamptz NOT NULL,
  PRIMARY KEY (person_id, place)
);

-- Places an API token was used from: its first use from each is audited.
CREATE TABLE api_token_places (
  token_id uuid NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
  place    text NOT NULL,
  first_at timestamptz NOT NULL,
  PRIMARY KEY (token_id, place)
);

-- The admin page of sign-ins reads these events newest first.
CREATE INDEX audit_auth_events ON audit_events (seq DESC) WHERE action LIKE 'auth.%';
