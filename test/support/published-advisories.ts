import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app/context.ts';
import { aad } from '../../src/app/context.ts';
import { parseAdvisory, type AdvisoryInput } from '../../src/domain/advisory.ts';

// Advisory rows as the drafting workflow (src/app/advisories/advisories.ts) leaves them, written directly so
// the public site's tests do not depend on that workflow: each version's document is the validated
// Advisory as JSON, sealed with AAD advisory_versions.document:<advisory uuid>/<version>, exactly as
// the migration (006_advisories.sql) describes.

export interface StoredAdvisory {
  /** advisories.id */
  uuid: string;
  publicId: string;
}

async function insertVersion(app: App, uuid: string, version: number, input: AdvisoryInput, at: Date): Promise<void> {
  const document = parseAdvisory(input);
  const sealed = app.sealer.sealJson(document, aad('advisory_versions', 'document', `${uuid}/${version}`));
  await app.db.query(
    'INSERT INTO advisory_versions (advisory_id, version, document_sealed, author_id, comment, created_at) VALUES ($1, $2, $3, NULL, $4, $5)',
    [uuid, version, sealed, `version ${version}`, at],
  );
}

/** A draft: versions saved, nothing published. */
export async function insertDraft(app: App, input: AdvisoryInput): Promise<StoredAdvisory> {
  const uuid = randomUUID();
  const now = app.clock();
  await app.db.query(
    `INSERT INTO advisories (id, public_id, incident_id, state, head_version, created_at, updated_at)
     VALUES ($1, $2, NULL, 'draft', 1, $3, $3)`,
    [uuid, input.id, now],
  );
  await insertVersion(app, uuid, 1, input, now);
  return { uuid, publicId: input.id };
}

/**
 * An advisory whose version `publishedVersion` (default: the last of `versions`) is published at
 * `publishAt`: public from then on. Earlier versions are drafts nobody outside may see; a later
 * one is an unpublished edit.
 */
export async function insertPublished(
  app: App,
  versions: AdvisoryInput[],
  opts: { publishAt: string; publishedVersion?: number },
): Promise<StoredAdvisory> {
  const uuid = randomUUID();
  const now = app.clock();
  const last = versions[versions.length - 1]!;
  const published = opts.publishedVersion ?? versions.length;
  const state = versions[published - 1]!.withdrawn ? 'withdrawn' : 'published';
  await app.db.query(
    `INSERT INTO advisories (id, public_id, incident_id, state, head_version, approved_version, published_version, publish_at, created_at, updated_at)
     VALUES ($1, $2, NULL, $3, $4, $5, $5, $6, $7, $7)`,
    [uuid, last.id, state, versions.length, published, new Date(opts.publishAt), now],
  );
  for (const [i, input] of versions.entries()) await insertVersion(app, uuid, i + 1, input, now);
  return { uuid, publicId: last.id };
}

/** A new published version (an update or a withdrawal) of a stored advisory. */
export async function publishNewVersion(app: App, stored: StoredAdvisory, input: AdvisoryInput): Promise<number> {
  const r = await app.db.query<{ head_version: number }>('SELECT head_version FROM advisories WHERE id = $1', [stored.uuid]);
  const version = r.rows[0]!.head_version + 1;
  const now = app.clock();
  await insertVersion(app, stored.uuid, version, input, now);
  await app.db.query(
    `UPDATE advisories SET head_version = $2, approved_version = $2, published_version = $2, state = $3, updated_at = $4 WHERE id = $1`,
    [stored.uuid, version, input.withdrawn ? 'withdrawn' : 'published', now],
  );
  return version;
}
