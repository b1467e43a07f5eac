import type { Db } from './db.ts';

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
  // Each back end's driver is loaded when it is opened: a desk on PGlite never loads pg, one on
  // PostgreSQL never loads PGlite, and every command that opens the store is spared the other.
  if (config.databaseUrl) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres({ connectionString: config.databaseUrl, ...(config.schema ? { schema: config.schema } : {}) });
  }
  // ":memory:" keeps the embedded database in memory (tests, trying things out).
  const { openPglite } = await import('./pglite.ts');
  return openPglite(config.dataDir === ':memory:' ? null : `${config.dataDir}/pglite`, config.owner ? { owner: config.owner } : {});
}
