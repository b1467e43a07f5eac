-- The team's CNA account at CVE Services (the CVE Program's API): one row, set by an admin. The API
-- key is sealed (AAD cve_services_account.api_key:1) and never shown back. A CNA account given in
-- the configuration file takes precedence over this row (see src/app/cve-account.ts).
CREATE TABLE cve_services_account (
  id             integer PRIMARY KEY CHECK (id = 1),
  base_url       text NOT NULL,
  short_name     text NOT NULL,
  api_user       text NOT NULL,
  api_key_sealed text NOT NULL,
  updated_by     uuid REFERENCES people(id),
  updated_at     timestamptz NOT NULL
);

-- CVE records this desk has published through the CNA account: whether the next publication of an
-- id creates the record (POST /cve/{id}/cna) or updates it (PUT), and from which advisory version.
CREATE TABLE cve_publications (
  cve_id           text PRIMARY KEY CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
  advisory_id      uuid NOT NULL REFERENCES advisories(id),
  advisory_version integer NOT NULL,
  state            text NOT NULL CHECK (state IN ('PUBLISHED', 'REJECTED')),
  first_at         timestamptz NOT NULL,
  last_at          timestamptz NOT NULL,
  last_by          uuid REFERENCES people(id)
);
CREATE INDEX cve_publications_advisory ON cve_publications (advisory_id);
