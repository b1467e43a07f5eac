import { randomUUID } from 'node:crypto';
import { aad } from '../../src/app/context.ts';
import { parseAdvisory, type AdvisoryInput } from '../../src/domain/advisory.ts';
import type { Harness } from '../support/harness.ts';

// Advisories for the CVE tests, stored the way migration 006 describes (the document sealed per
// version, AAD advisory_versions.document:<id>/<version>), so these tests do not depend on the
// drafting workflow's use cases.

export interface StoredAdvisory {
  id: string;
  publicId: string;
}

export async function storeAdvisory(
  h: Harness,
  input: AdvisoryInput,
  opts: { incidentId?: string | null; publishAt?: string | null; versions?: AdvisoryInput[] } = {},
): Promise<StoredAdvisory> {
  const docs = [input, ...(opts.versions ?? [])].map((d) => parseAdvisory(d));
  const id = randomUUID();
  const now = h.clock.now;
  const published = opts.publishAt ?? null;
  const head = docs.length;
  const withdrawn = docs[head - 1]!.withdrawn !== undefined;
  await h.app.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO advisories (id, public_id, incident_id, state, head_version, approved_version, published_version, publish_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [
        id,
        docs[0]!.id,
        opts.incidentId ?? null,
        published ? (withdrawn ? 'withdrawn' : 'published') : 'draft',
        head,
        published ? head : null,
        published ? head : null,
        published,
        now,
      ],
    );
    for (const [i, doc] of docs.entries()) {
      const v = i + 1;
      await tx.query('INSERT INTO advisory_versions (advisory_id, version, document_sealed, created_at) VALUES ($1, $2, $3, $4)', [
        id,
        v,
        h.app.sealer.sealJson(doc, aad('advisory_versions', 'document', `${id}/${v}`)),
        now,
      ]);
    }
  });
  return { id, publicId: docs[0]!.id };
}

/** Publishes a new version of a stored advisory (an update or a withdrawal). */
export async function publishNewVersion(h: Harness, a: StoredAdvisory, input: AdvisoryInput): Promise<void> {
  const doc = parseAdvisory(input);
  await h.app.db.transaction(async (tx) => {
    const r = await tx.query<{ head_version: number }>('SELECT head_version FROM advisories WHERE id = $1 FOR UPDATE', [a.id]);
    const v = r.rows[0]!.head_version + 1;
    await tx.query('INSERT INTO advisory_versions (advisory_id, version, document_sealed, created_at) VALUES ($1, $2, $3, $4)', [
      a.id,
      v,
      h.app.sealer.sealJson(doc, aad('advisory_versions', 'document', `${a.id}/${v}`)),
      h.clock.now,
    ]);
    await tx.query(`UPDATE advisories SET head_version = $2, approved_version = $2, published_version = $2, state = $3 WHERE id = $1`, [
      a.id,
      v,
      doc.withdrawn ? 'withdrawn' : 'published',
    ]);
  });
}

export async function poolCount(h: Harness): Promise<number> {
  return (await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cve_pool')).rows[0]!.n;
}

export async function auditHead(h: Harness): Promise<number> {
  return Number((await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events')).rows[0]!.seq);
}
