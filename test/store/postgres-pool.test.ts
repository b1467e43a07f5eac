import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { openPostgres } from '../../src/store/postgres.ts';
import { cloneTemplateDatabase } from '../support/templates.ts';

// PostgreSQL ending an idle connection (a restart, a failover, an administrator) must not end the
// desk: the pool drops that client, says so, and the next query opens a new connection.

// The PostgreSQL run of the suite names its server; CI has one at the usual address for the PGlite
// run too, so there the test runs as well and never skips.
const server =
  process.env.EMBARGO_TEST_DATABASE_URL ?? (process.env.CI === 'true' ? 'postgres://postgres@127.0.0.1:5432/postgres' : undefined);

test('an idle connection the server ends is dropped and noted, and the desk goes on querying', {
  skip: !server && 'runs in the PostgreSQL run of the suite (EMBARGO_TEST_DATABASE_URL)',
}, async (t) => {
  const clone = await cloneTemplateDatabase(server!);
  const db = await openPostgres({ connectionString: clone.url, max: 2 });
  const noted = new Promise<string>((resolve) => {
    t.mock.method(console, 'error', (message: string) => resolve(message));
  });
  try {
    await db.query('SELECT 1'); // leaves one idle connection in the pool
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    try {
      const ended = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1', [clone.name]);
      assert.ok(ended.rows.length >= 1, 'the pool had an idle connection to end');
    } finally {
      await admin.end();
    }
    assert.match(await noted, /an idle database connection ended/);
    const again = await db.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(again.rows[0]!.one, 1);
  } finally {
    await db.close();
    await clone.drop();
  }
});
