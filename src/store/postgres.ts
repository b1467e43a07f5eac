import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.ts';

// node-postgres returns int8 and numeric as strings to avoid silent precision loss; our bigints are
// sequence numbers and counts far below 2^53, so parse them as numbers like PGlite does.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresOptions {
  connectionString: string;
  /** Search path for this pool: tests give each run its own schema. */
  schema?: string;
  max?: number;
}

export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle connection the server ends (a restart, a failover, an administrator) reports its error on
  // the pool; without a listener that error would end the whole process. The pool drops the client
  // and the next query opens a new one, so noting it is enough.
  pool.on('error', (e) => console.error(`embargo: an idle database connection ended: ${e.message}`));
  if (opts.schema) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`unsafe schema name: ${opts.schema}`);
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
  }
  const query = async <R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> => {
    const r = await pool.query(sql, params as unknown[]);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  };
  const exec = async (sql: string) => {
    await pool.query(sql);
  };
  return {
    kind: 'postgres',
    query,
    exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async exec(sql: string) {
            await client.query(sql);
          },
          async query<R>(sql: string, params: unknown[] = []) {
            const r = await client.query(sql, params as unknown[]);
            return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
