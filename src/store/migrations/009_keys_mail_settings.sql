-- OpenPGP keys and mail settings (src/app/keys.ts, src/app/mail-settings.ts).

-- The team key. One is active (it signs outbound mail and is the key reporters encrypt to); earlier
-- ones are kept to decrypt old mail. The private key is sealed with the instance key.
CREATE TABLE team_keys (
  id              uuid PRIMARY KEY,
  fingerprint     text NOT NULL UNIQUE CHECK (fingerprint = upper(fingerprint)),
  algorithm       text NOT NULL,
  user_ids        text[] NOT NULL,
  public_armored  text NOT NULL,
  private_sealed  text NOT NULL,
  source          text NOT NULL CHECK (source IN ('generated', 'imported')),
  active          boolean NOT NULL,
  created_at      timestamptz NOT NULL,
  retired_at      timestamptz
);
CREATE UNIQUE INDEX team_keys_one_active ON team_keys ((true)) WHERE active;

-- Public keys of people (members and correspondents such as reporters), by the address they are for.
-- A key a member uploads while signed in is confirmed at once; a key offered by mail (Autocrypt
-- header, attached key) is a candidate and is never used until confirmed.
CREATE TABLE correspondent_keys (
  id            uuid PRIMARY KEY,
  email         text NOT NULL CHECK (email = lower(email)),
  person_id     uuid REFERENCES people(id) ON DELETE CASCADE,
  fingerprint   text NOT NULL CHECK (fingerprint = upper(fingerprint)),
  algorithm     text NOT NULL,
  user_ids      text[] NOT NULL,
  expires_at    timestamptz,
  armored       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('candidate', 'confirmed', 'replaced', 'rejected')),
  source        text NOT NULL CHECK (source IN ('upload', 'autocrypt', 'attachment')),
  -- The case the key was offered on (a reporter's key offered by mail).
  report_id     uuid REFERENCES reports(id),
  created_at    timestamptz NOT NULL,
  confirmed_at  timestamptz,
  confirmed_by  uuid REFERENCES people(id),
  UNIQUE (email, fingerprint)
);
CREATE UNIQUE INDEX correspondent_keys_one_confirmed ON correspondent_keys (email) WHERE status = 'confirmed';
CREATE INDEX correspondent_keys_person ON correspondent_keys (person_id);

-- Extra aliases (each team also has the alias its profile gives it, teams.alias).
CREATE TABLE mail_aliases (
  address    text PRIMARY KEY CHECK (address = lower(address)),
  team_id    uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  -- config: written from the config file at start-up and read-only in the admin UI.
  source     text NOT NULL CHECK (source IN ('config', 'admin')),
  updated_at timestamptz NOT NULL
);

-- The SMTP relay outbound mail goes through (one row).
CREATE TABLE smtp_relay (
  id              integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  host            text NOT NULL,
  port            integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  tls             text NOT NULL CHECK (tls IN ('none', 'starttls', 'tls')),
  username        text,
  password_sealed text,
  -- Envelope sender (MAIL FROM): where bounces go.
  bounce_address  text NOT NULL,
  source          text NOT NULL CHECK (source IN ('config', 'admin')),
  updated_at      timestamptz NOT NULL
);

-- Mailboxes at a provider that the IMAP poller reads.
CREATE TABLE imap_accounts (
  id               uuid PRIMARY KEY,
  name             text NOT NULL UNIQUE,
  host             text NOT NULL,
  port             integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  tls              text NOT NULL CHECK (tls IN ('none', 'starttls', 'tls')),
  username         text NOT NULL,
  password_sealed  text NOT NULL,
  folder           text NOT NULL,
  enabled          boolean NOT NULL DEFAULT true,
  source           text NOT NULL CHECK (source IN ('config', 'admin')),
  updated_at       timestamptz NOT NULL
);
