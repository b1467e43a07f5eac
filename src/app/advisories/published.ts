import type { App } from '../context.ts';
import { aad } from '../context.ts';
import { lastChanged, parseAdvisory, type Advisory } from '../../domain/advisory.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { publicAtSql } from '../../domain/publication.ts';

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
}

const PUBLIC = publicAtSql('a', '$1');

// Versions are append-only (every save is a new version; a published one is never rewritten), so a
// document opened and validated once is kept, keyed by advisory and version: listing the site
// then reads only the small advisories rows, and decrypts only versions it has not seen.
const openedByApp = new WeakMap<App, Map<string, Advisory>>();
const OPENED_MAX = 5000;

const keyOf = (row: { id: string; published_version: number }) => `${row.id}/${row.published_version}`;

function openedOf(app: App): Map<string, Advisory> {
  let opened = openedByApp.get(app);
  if (!opened) openedByApp.set(app, (opened = new Map()));
  return opened;
}

/** The public id is the URL: a document naming another id would publish under a wrong name. */
function checkId(row: Row, advisory: Advisory): Advisory {
  if (advisory.id !== row.public_id)
    throw new EmbargoError('internal', `Advisory ${row.id}: its published document's id does not match its public id.`);
  return advisory;
}

function cached(app: App, row: Row): Advisory | undefined {
  const advisory = openedOf(app).get(keyOf(row));
  return advisory && checkId(row, advisory);
}

function openDocument(app: App, row: Row, sealed: string): Advisory {
  const key = keyOf(row);
  const advisory = checkId(row, parseAdvisory(app.sealer.openJson<unknown>(sealed, aad('advisory_versions', 'document', key))));
  const opened = openedOf(app);
  if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
  opened.set(key, advisory);
  return advisory;
}

function toPublic(row: Row, advisory: Advisory): PublicAdvisory {
  const publishAt = row.publish_at instanceof Date ? row.publish_at : new Date(row.publish_at);
  return { advisory, publishAt: publishAt.toISOString().replace('.000Z', 'Z'), version: row.published_version };
}

/** The publication time an advisory shows: its document's own, else the time it went public. */
export const publishedAt = (p: PublicAdvisory): string => p.advisory.published ?? p.publishAt;

/** When it last changed (published, updated or withdrawn), as it shows it. */
export const updatedAt = (p: PublicAdvisory): string => lastChanged(p.advisory) ?? p.publishAt;

/** Every public advisory, newest publication first (as each shows it; ties by id, so the order is stable). */
export async function listPublicAdvisories(app: App): Promise<PublicAdvisory[]> {
  const r = await app.db.query<Row>(`SELECT a.id, a.public_id, a.published_version, a.publish_at FROM advisories a WHERE ${PUBLIC}`, [
    app.clock(),
  ]);
  const found = new Map<string, Advisory>();
  const missing: Row[] = [];
  for (const row of r.rows) {
    const advisory = cached(app, row);
    if (advisory) found.set(keyOf(row), advisory);
    else missing.push(row);
  }
  if (missing.length > 0) {
    const docs = await app.db.query<{ advisory_id: string; version: number; document_sealed: string }>(
      `SELECT v.advisory_id, v.version, v.document_sealed
         FROM advisory_versions v JOIN unnest($1::uuid[], $2::integer[]) AS w(id, version) ON v.advisory_id = w.id AND v.version = w.version`,
      [missing.map((row) => row.id), missing.map((row) => row.published_version)],
    );
    const sealed = new Map(docs.rows.map((d) => [`${d.advisory_id}/${d.version}`, d.document_sealed]));
    for (const row of missing) {
      const text = sealed.get(keyOf(row));
      if (text === undefined)
        throw new EmbargoError('internal', `Advisory ${row.id}: its published version ${row.published_version} is missing.`);
      found.set(keyOf(row), openDocument(app, row, text));
    }
  }
  return r.rows
    .map((row) => toPublic(row, found.get(keyOf(row))!))
    .sort((x, y) =>
      publishedAt(x) < publishedAt(y)
        ? 1
        : publishedAt(x) > publishedAt(y)
          ? -1
          : x.advisory.id < y.advisory.id
            ? -1
            : x.advisory.id > y.advisory.id
              ? 1
              : 0,
    );
}

/** One public advisory by its public id, or null: for an unknown id and for one not yet public alike. */
export async function findPublicAdvisory(app: App, publicId: string): Promise<PublicAdvisory | null> {
  const r = await app.db.query<Row & { document_sealed: string }>(
    `SELECT a.id, a.public_id, a.published_version, a.publish_at, v.document_sealed
       FROM advisories a JOIN advisory_versions v ON v.advisory_id = a.id AND v.version = a.published_version
      WHERE ${PUBLIC} AND a.public_id = $2`,
    [app.clock(), publicId],
  );
  const row = r.rows[0];
  if (!row) return null;
  return toPublic(row, cached(app, row) ?? openDocument(app, row, row.document_sealed));
}

/** The desk's name, for the site's title; null before the desk is set up. */
export async function siteOwner(app: App): Promise<string | null> {
  const r = await app.db.query<{ name: string }>('SELECT name FROM instance WHERE id = 1');
  return r.rows[0]?.name ?? null;
}
