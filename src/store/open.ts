import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface StoreConfig {
  databaseUrl: string | null;
  dataDir: string;
  schema?: string;
}

/** DATABASE_URL selects a PostgreSQL server; without it the embedded PGlite keeps data in dataDir. */
export async function openStore(config: StoreConfig): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgres({ connectionString: config.databaseUrl, ...(config.schema ? { schema: config.schema } : {}) });
  }
  // ":memory:" keeps the embedded database in memory (tests, trying things out).
  return openPglite(config.dataDir === ':memory:' ? null : `${config.dataDir}/pglite`);
}
