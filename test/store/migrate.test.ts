import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import type { Db, Queryable } from '../../src/store/db.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { cloneTemplateDatabase, pgliteImage } from '../support/templates.ts';

test('migrations are numbered 001, 002, ... without gaps or duplicates', () => {
  const versions = listMigrations().map((m) => m.version);
  assert.ok(versions.length >= 5);
  assert.deepEqual(
    versions,
    versions.map((_, i) => i + 1),
  );
});

/** Everything the migrations make: tables and columns, constraints, indexes, functions, triggers and every row. */
async function fingerprint(db: Queryable): Promise<Record<string, unknown>> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  const tables = (
    await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
  ).rows.map((r) => r.t);
  const rows: Record<string, unknown> = {};
  for (const t of tables.filter((t) => t !== 'schema_migrations')) rows[t] = await q(`SELECT * FROM ${t} ORDER BY 1`);
  return {
    tables,
    columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = current_schema() ORDER BY 1, 2`),
    constraints: await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`),
    indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2`),
    functions: await q(`SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc
      WHERE pronamespace = current_schema()::regnamespace ORDER BY 1, 2`),
    triggers: await q(`SELECT tgrelid::regclass::text AS rel, tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger
      WHERE NOT tgisinternal ORDER BY 1, 2`),
    migrations: await q('SELECT version, name FROM schema_migrations ORDER BY version'),
    rows,
  };
}

// The suite's harnesses start from a migrated template (test/support/templates.ts) instead of
// migrating each database: this runs every migration from an empty database, as a new desk does,
// and checks the template the other tests use is exactly what the migrations make.
test('every migration applies to an empty database, a second run applies none, and the test template is the same database', async () => {
  const server = process.env.EMBARGO_TEST_DATABASE_URL;
  let fresh: Db;
  let empty: { drop(): Promise<void> } | null = null;
  if (server) {
    const pg = (await import('pg')).default;
    const name = `migrate_${Date.now().toString(36)}_${process.pid}`;
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    fresh = await openPostgres({ connectionString: url.toString(), max: 1 });
    empty = {
      async drop() {
        await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  } else {
    fresh = await openPglite(null);
  }
  const clone = server ? await cloneTemplateDatabase(server) : null;
  const template: Db = clone
    ? await openPostgres({ connectionString: clone.url, max: 1 })
    : await openPglite(null, { image: await pgliteImage() });
  try {
    assert.equal(
      (await fresh.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()`)).rows[0]?.n,
      0,
    );
    assert.deepEqual(
      await migrate(fresh),
      listMigrations().map((m) => m.name),
    );
    assert.deepEqual(await migrate(fresh), [], 'nothing is applied twice');
    assert.deepEqual(await migrate(template), [], 'the template is fully migrated');
    const made = await fingerprint(fresh);
    assert.ok((made.tables as string[]).length >= 20, 'the fingerprint sees the tables');
    assert.deepEqual(await fingerprint(template), made);
  } finally {
    await fresh.close();
    await template.close();
    await empty?.drop();
    await clone?.drop();
  }
});

// Every start of the desk migrates: on an up-to-date database that must be a check, not a replay of
// every migration's transaction and lock.
test('migrating an up-to-date database opens no transaction: one read tells nothing is pending', async () => {
  const db = await openPglite(null, { image: await pgliteImage() });
  try {
    let transactions = 0;
    const statements: string[] = [];
    const counting: Db = {
      ...db,
      query: (sql, params) => (statements.push(sql), db.query(sql, params)),
      transaction: (fn) => (transactions++, db.transaction(fn)),
    };
    assert.deepEqual(await migrate(counting), []);
    assert.equal(transactions, 0);
    assert.equal(statements.length, 2, statements.join('\n'));
  } finally {
    await db.close();
  }
});

test('the embedded database runs with the desk’s smaller buffer pool', async () => {
  const db = await openPglite(null);
  try {
    const r = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
    assert.equal(r.rows[0]!.shared_buffers, '32MB');
  } finally {
    await db.close();
  }
});
