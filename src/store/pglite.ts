import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { Db, Queryable, QueryResult } from './db.ts';
import { lockDataDir } from './dir-lock.ts';

// PGlite is one PostgreSQL backend in this process: it runs one transaction at a time. Its own
// transaction() queues callers, so concurrent use cases are serialised rather than interleaved.

function wrap(q: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable {
  return {
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      const result = await q.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

/**
 * PostgreSQL settings of the embedded database, on top of PGlite's own. PostgreSQL's default buffer
 * pool (shared_buffers, 128 MB) is allocated and zeroed inside PGlite's WebAssembly memory as it
 * starts, so it is resident for the life of the process however small the desk; the files it would
 * cache are in the operating system's page cache anyway (or, in memory, in PGlite's own file system),
 * so a smaller pool costs a copy on a miss, not a disk read. 32 MB holds a desk's hot pages (the
 * queue's and a case's indexes and rows) and keeps the process about 110 MB smaller.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '32MB' };

/** PGlite's start parameters with PGLITE_SETTINGS added (each a `-c name=value`). */
export const pgliteStartParams = (): string[] => [
  ...PGlite.defaultStartParams,
  ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
];

export interface PgliteOptions {
  /**
   * A data directory image (PGlite's dumpDataDir tarball) to start from instead of creating an empty
   * cluster: initdb is skipped, which is most of the time an embedded database takes to open.
   */
  image?: Blob;
  /** Who opens it, as the lock file records it for anyone refused meanwhile ("embargo serve"). */
  owner?: string;
}

export interface PgliteDb extends Db {
  /** The data directory as an image that openPglite can start from (an uncompressed tarball). */
  image(): Promise<Blob>;
}

/**
 * Opens the embedded database in dataDir (null: in memory). A directory is held by one process at a
 * time: the lock file `<dataDir>.lock` beside it names the holder, and an open while that holder lives
 * throws DataDirLockedError (./dir-lock.ts) before PGlite touches a file.
 */
export async function openPglite(dataDir: string | null, opts: PgliteOptions = {}): Promise<PgliteDb> {
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Beside the directory, not in it: an image or copy of the directory never carries a lock.
  const lock = dataDir ? lockDataDir(dataDir, `${dataDir.replace(/\/+$/, '')}.lock`, opts.owner ?? 'another process') : null;
  let pg: PGlite;
  try {
    pg = new PGlite({
      ...(dataDir ? { dataDir } : {}),
      ...(opts.image ? { loadDataDir: opts.image } : {}),
      startParams: pgliteStartParams(),
    });
    await pg.waitReady;
  } catch (e) {
    lock?.release();
    throw e;
  }
  const plain = wrap(pg);
  return {
    kind: 'pglite',
    query: plain.query,
    exec: plain.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async image() {
      return pg.dumpDataDir('none');
    },
    async close() {
      try {
        await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}
