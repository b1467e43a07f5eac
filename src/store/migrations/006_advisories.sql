-- Advisories: drafted on the desk from an incident, versioned on every save, reviewed and approved
-- by a second member, circulated in draft with the exact version sent, then published at a
-- scheduled time. The document is the domain Advisory (src/domain/advisory.ts) as JSON, sealed
-- (AAD advisory_versions.document:<advisory id>/<version>) because it describes an unfixed
-- vulnerability until its publication time.

CREATE TABLE advisories (
  id                uuid PRIMARY KEY,
  -- The advisory's public id (Advisory.id, e.g. "TF-2026-0001"): the key of its stable public URLs.
  public_id         text NOT NULL UNIQUE,
  incident_id       uuid REFERENCES incidents(id),
  -- draft: being written; approved: the head version was approved by a member who did not write it;
  -- published: publication scheduled at publish_at (public from then on, without anyone acting);
  -- withdrawn: still public, with the withdrawal notice of the published version.
  state             text NOT NULL CHECK (state IN ('draft', 'approved', 'published', 'withdrawn')),
  head_version      integer NOT NULL,
  approved_version  integer,
  published_version integer,
  publish_at        timestamptz,
  created_by        uuid REFERENCES people(id),
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  CHECK ((state IN ('published', 'withdrawn')) = (published_version IS NOT NULL AND publish_at IS NOT NULL))
);
CREATE INDEX advisories_incident ON advisories (incident_id);
CREATE INDEX advisories_public ON advisories (publish_at) WHERE published_version IS NOT NULL;

CREATE TABLE advisory_versions (
  advisory_id     uuid NOT NULL REFERENCES advisories(id),
  version         integer NOT NULL CHECK (version >= 1),
  document_sealed text NOT NULL,
  author_id       uuid REFERENCES people(id),
  comment         text,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (advisory_id, version)
);

CREATE TABLE advisory_reviews (
  id             uuid PRIMARY KEY,
  advisory_id    uuid NOT NULL REFERENCES advisories(id),
  version        integer NOT NULL,
  reviewer_id    uuid NOT NULL REFERENCES people(id),
  verdict        text NOT NULL CHECK (verdict IN ('approved', 'changes_requested')),
  comment_sealed text,
  at             timestamptz NOT NULL,
  FOREIGN KEY (advisory_id, version) REFERENCES advisory_versions (advisory_id, version)
);
CREATE INDEX advisory_reviews_advisory ON advisory_reviews (advisory_id, at);

-- Each time a draft leaves the desk (to the reporter, to stakeholders), with the exact version sent.
CREATE TABLE advisory_circulations (
  id                uuid PRIMARY KEY,
  advisory_id       uuid NOT NULL REFERENCES advisories(id),
  version           integer NOT NULL,
  audience          text NOT NULL CHECK (audience IN ('reporter', 'stakeholders', 'other')),
  recipients_sealed text NOT NULL,
  outbox_id         uuid REFERENCES outbox(id),
  sent_by           uuid REFERENCES people(id),
  at                timestamptz NOT NULL,
  FOREIGN KEY (advisory_id, version) REFERENCES advisory_versions (advisory_id, version)
);
CREATE INDEX advisory_circulations_advisory ON advisory_circulations (advisory_id, at);

-- CVE identifiers the team holds: a reserved block entered by hand, or ids reserved through the
-- team's CNA account. Each is assigned to at most one advisory.
CREATE TABLE cve_pool (
  cve_id      text PRIMARY KEY CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
  source      text NOT NULL CHECK (source IN ('reserved_block', 'cna')),
  advisory_id uuid REFERENCES advisories(id),
  added_by    uuid REFERENCES people(id),
  added_at    timestamptz NOT NULL,
  assigned_at timestamptz,
  CHECK ((advisory_id IS NULL) = (assigned_at IS NULL))
);
CREATE INDEX cve_pool_free ON cve_pool (cve_id) WHERE advisory_id IS NULL;

-- The incident's CVSS vectors (at most one per version), scored by the handler; severity and
-- priority follow from the profile.
ALTER TABLE incidents ADD COLUMN cvss_vectors text[] NOT NULL DEFAULT '{}';
