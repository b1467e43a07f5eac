import type { Queryable } from '../../store/db.ts';
import { isUuid } from '../../domain/ids.ts';

// An advisory's stored row and the author of its content: what the gate reads to decide what the
// viewer may do with it.

export type AdvisoryState = 'draft' | 'approved' | 'published' | 'withdrawn';

export interface AdvisoryRow {
  id: string;
  publicId: string;
  incidentId: string;
  state: AdvisoryState;
  headVersion: number;
  approvedVersion: number | null;
  publishedVersion: number | null;
  publishAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function loadAdvisoryRow(tx: Queryable, advisoryId: string, lock: boolean): Promise<AdvisoryRow | null> {
  if (!isUuid(advisoryId)) return null;
  const r = await tx.query<{
    id: string;
    public_id: string;
    incident_id: string;
    state: AdvisoryState;
    head_version: number;
    approved_version: number | null;
    published_version: number | null;
    publish_at: Date | null;
    created_by: string | null;
    created_at: Date;
    updated_at: Date;
  }>(`SELECT * FROM advisories WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [advisoryId]);
  const a = r.rows[0];
  if (!a) return null;
  return {
    id: a.id,
    publicId: a.public_id,
    incidentId: a.incident_id,
    state: a.state,
    headVersion: a.head_version,
    approvedVersion: a.approved_version,
    publishedVersion: a.published_version,
    publishAt: a.publish_at ? new Date(a.publish_at) : null,
    createdBy: a.created_by,
    createdAt: new Date(a.created_at),
    updatedAt: new Date(a.updated_at),
  };
}

/** Who wrote the content of a version: its author, or for a version the desk made, the nearest human author before it. */
export async function contentAuthor(tx: Queryable, advisoryId: string, version: number): Promise<string | null> {
  const r = await tx.query<{ author_id: string | null }>(
    'SELECT author_id FROM advisory_versions WHERE advisory_id = $1 AND version <= $2 AND author_id IS NOT NULL ORDER BY version DESC LIMIT 1',
    [advisoryId, version],
  );
  return r.rows[0]?.author_id ?? null;
}
