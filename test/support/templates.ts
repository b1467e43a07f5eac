import { createHash, randomBytes } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';

// One migrated template database per back end, cloned for each harness and each CLI test, so a test
// file pays neither PGlite's initdb (most of the time an embedded database takes to open) nor the
// migrations. The templates are built from the migrations by migrate() itself, once per set of
// migration files and PGlite version (the key names both), and reused across test processes and runs.
// test/store/migrate.test.ts still migrates an empty database and checks it matches the template.

const pgliteVersion = (): string => {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
};

/** Changes when a migration file or the PGlite version changes: a stale template is never used. */
export const templateKey = createHash('sha256')
  .update(`pglite ${pgliteVersion()}\n`)
  .update(
    listMigrations()
      .map((m) => `${m.name}\n${m.sql}`)
      .join('\n'),
  )
  .digest('hex')
  .slice(0, 16);

const cacheDir = join(tmpdir(), 'embargo-test-templates');

/**
 * Builds `path` once across processes: the first caller takes a lock file and builds, the others
 * wait for the file to appear. A lock left by a killed process is taken over after `staleMs`.
 */
async function buildOnce(path: string, build: (tmp: string) => Promise<void>, staleMs = 120_000): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const lock = `${path}.lock`;
  for (;;) {
    if (existsSync(path)) return;
    let fd: number | null = null;
    try {
      fd = openSync(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (fd !== null) {
      closeSync(fd);
      try {
        if (existsSync(path)) return;
        const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
        await build(tmp);
        renameSync(tmp, path);
        return;
      } finally {
        rmSync(lock, { force: true });
      }
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { force: true });
    } catch {
      // The builder finished (and removed its lock) between the two calls.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------------
// PGlite: an image of a migrated data directory (PGlite's own dumpDataDir tarball), loaded into each
// in-memory harness, and a data directory on disk copied for each CLI test.

const imagePath = join(cacheDir, `pglite-${templateKey}.tar`);
const dirPath = join(cacheDir, `pglite-${templateKey}.dir`);

let image: Promise<Blob> | null = null;

/** The migrated PGlite image, built on first use and kept for the process. */
export function pgliteImage(): Promise<Blob> {
  image ??= (async () => {
    await buildOnce(imagePath, async (tmp) => {
      const db = await openPglite(null);
      try {
        await migrate(db);
        writeFileSync(tmp, Buffer.from(await (await db.image()).arrayBuffer()));
      } finally {
        await db.close();
      }
    });
    return new Blob([readFileSync(imagePath)]);
  })();
  return image;
}

/**
 * Puts a copy of the migrated embedded database where `embargo` looks for it in `dataDir`
 * (`<dataDir>/pglite`), for tests that run bin/embargo on the embedded back end.
 */
export async function seedPgliteDataDir(dataDir: string): Promise<void> {
  await buildOnce(dirPath, async (tmp) => {
    const db = await openPglite(tmp, { image: await pgliteImage() });
    await db.close();
  });
  cpSync(dirPath, join(dataDir, 'pglite'), { recursive: true });
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: a template database, migrated once, that CREATE DATABASE ... TEMPLATE copies.

const templateDb = `embargo_template_${templateKey}`;

function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let template: Promise<void> | null = null;

/** Creates the migrated template database on the server unless it is there (once per process). */
function ensureTemplate(serverUrl: string): Promise<void> {
  template ??= admin(serverUrl, async (c) => {
    // Session lock on the server: test processes of this and other runs build it once between them.
    await c.query('SELECT pg_advisory_lock(727275)');
    try {
      const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [templateDb]);
      if (found.rows.length > 0) return;
      const building = `${templateDb}_building`;
      await c.query(`DROP DATABASE IF EXISTS ${building}`);
      await c.query(`CREATE DATABASE ${building}`);
      const db = await openPostgres({ connectionString: withDatabase(serverUrl, building), max: 1 });
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await c.query(`ALTER DATABASE ${building} RENAME TO ${templateDb}`);
      // A template nobody connects to: CREATE DATABASE refuses to copy one that has sessions.
      await c.query(`ALTER DATABASE ${templateDb} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } finally {
      await c.query('SELECT pg_advisory_unlock(727275)');
    }
  });
  return template;
}

export interface ClonedDatabase {
  /** Connection string of the new database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new database on the server, a copy of the migrated template; drop() removes it. */
export async function cloneTemplateDatabase(serverUrl: string, prefix = 't'): Promise<ClonedDatabase> {
  await ensureTemplate(serverUrl);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb}`));
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: () => admin(serverUrl, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
