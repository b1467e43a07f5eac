import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(dir + f, 'utf8') }));
  // Two files with one number would leave the second silently unapplied on databases that have the first.
  const seen = new Map<number, string>();
  for (const m of migrations) {
    const other = seen.get(m.version);
    if (other) throw new Error(`Migrations ${other} and ${m.name} share the number ${m.version}; renumber one.`);
    seen.set(m.version, m.name);
  }
  return migrations;
}

/**
 * Applies pending migrations, each in its own transaction, and returns the names applied.
 * An advisory lock keeps two servers starting at once from applying the same migration twice.
 * Every start calls this: one read of the versions applied tells whether anything is pending, so a
 * desk that is up to date opens no transaction and takes no lock.
 */
export async function migrate(db: Db): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
  const pending = listMigrations().filter((m) => !done.has(m.version));
  const applied: string[] = [];
  // Checked again under the lock: another server may have applied it since the read above.
  for (const m of pending) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(727274)');
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return applied;
}
