import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export { DataDirLockedError, type LockHolder } from './dir-lock.ts';

export interface StoreConfig {
  databaseUrl: string | null;
  dataDir: string;
  schema?: string;
  /** Who opens the store ("embargo serve"): the embedded database's lock names it to anyone refused. */
  owner?: string;
}

/**
 * DATABASE_URL selects a PostgreSQL server; without it the embedded PGlite keeps data in dataDir, which
 * one process at a time may open (DataDirLockedError otherwise: see ./dir-lock.ts).
 */
export async function openStore(config: StoreConfig): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgres({ connectionString: config.databaseUrl, ...(config.schema ? { schema: config.schema } : {}) });
  }
  // ":memory:" keeps the embedded database in memory (tests, trying things out).
  return openPglite(config.dataDir === ':memory:' ? null : `${config.dataDir}/pglite`, config.owner ? { owner: config.owner } : {});
}
