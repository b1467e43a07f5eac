import type { App } from '../app/context.ts';
import { aad } from '../app/context.ts';
import { parseAdvisory, type Advisory } from '../domain/advisory.ts';
import { EmbargoError } from '../domain/errors.ts';

// What the public may see of the advisories: an advisory is public when a version of it was
// published (published_version) and its publication time has come by the app's clock. Nobody has
// to act at that time; the very next request shows it. Until then it is absent from every list
// and its id answers exactly like an id that does not exist: the condition is part of each query,
// so an unpublished advisory is never even read (no decryption, no count, no timing difference
// beyond a database lookup that finds nothing).
//
// Withdrawn advisories stay public: their published version carries `withdrawn` and the reason.

export interface PublicAdvisory {
  /** The published version's document. */
  advisory: Advisory;
  /** When it became public (advisories.publish_at). */
  publishAt: string;
  version: number;
}

interface Row {
  id: string;
  public_id: string;
  published_version: number;
  publish_at: Date | string;
  document_sealed: string;
}

const SELECT = `
  SELECT a.id, a.public_id, a.published_version, a.publish_at, v.document_sealed
    FROM advisories a
    JOIN advisory_versions v ON v.advisory_id = a.id AND v.version = a.published_version
   WHERE a.published_version IS NOT NULL AND a.publish_at <= $1`;

// Published versions never change, so an opened and validated document is kept, keyed by its row
// and checked against the sealed text (a re-sealed row is opened again).
const opened = new Map<string, { sealed: string; advisory: Advisory }>();
const OPENED_MAX = 5000;

function open(app: App, row: Row): PublicAdvisory {
  const key = `${row.id}/${row.published_version}`;
  let entry = opened.get(key);
  if (!entry || entry.sealed !== row.document_sealed) {
    const json = app.sealer.openJson<unknown>(row.document_sealed, aad('advisory_versions', 'document', key));
    const advisory = parseAdvisory(json);
    if (advisory.id !== row.public_id) {
      // The public URL is the public id; a document naming another id would publish under a wrong name.
      throw new EmbargoError('internal', `Advisory ${row.id}: its published document's id does not match its public id.`);
    }
    entry = { sealed: row.document_sealed, advisory };
    if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
    opened.set(key, entry);
  }
  const publishAt = row.publish_at instanceof Date ? row.publish_at : new Date(row.publish_at);
  return { advisory: entry.advisory, publishAt: publishAt.toISOString().replace('.000Z', 'Z'), version: row.published_version };
}

/** The publication time an advisory shows: its document's own, else the time it went public. */
export const publishedAt = (p: PublicAdvisory): string => p.advisory.published ?? p.publishAt;

/** Every public advisory, newest publication first (as each shows it; ties by id, so the order is stable). */
export async function listPublicAdvisories(app: App): Promise<PublicAdvisory[]> {
  const r = await app.db.query<Row>(SELECT, [app.clock()]);
  return r.rows
    .map((row) => open(app, row))
    .sort((x, y) => (publishedAt(x) < publishedAt(y) ? 1 : publishedAt(x) > publishedAt(y) ? -1 : x.advisory.id < y.advisory.id ? -1 : x.advisory.id > y.advisory.id ? 1 : 0));
}

/** One public advisory by its public id, or null: for an unknown id and for one not yet public alike. */
export async function findPublicAdvisory(app: App, publicId: string): Promise<PublicAdvisory | null> {
  const r = await app.db.query<Row>(`${SELECT} AND a.public_id = $2`, [app.clock(), publicId]);
  const row = r.rows[0];
  return row ? open(app, row) : null;
}

/** The desk's name, for the site's title; null before the desk is set up. */
export async function siteOwner(app: App): Promise<string | null> {
  const r = await app.db.query<{ name: string }>('SELECT name FROM instance WHERE id = 1');
  return r.rows[0]?.name ?? null;
}
