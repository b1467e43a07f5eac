import type { TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { TEST_PASSWORD_COST_LOG2 } from './password-cost.ts';
import { cloneTemplateDatabase, seedPgliteDataDir } from './templates.ts';

// bin/embargo as a user, an operator or an MTA runs it: a real process, judged by its exit code and
// its output, against the embedded database or the PostgreSQL server of the test run.

export const embargoBin = new URL('../../bin/embargo', import.meta.url).pathname;

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs bin/embargo; its standard input gets `stdin` (nothing by default) and is then closed, so a
 * command that reads it sees the end instead of waiting forever. */
export function runEmbargo(env: NodeJS.ProcessEnv, args: string[], stdin: string | Buffer = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Passwords at the suite's test-only cost unless the test sets one.
    const child = spawn(embargoBin, args, {
      env: { EMBARGO_TEST_PASSWORD_COST_LOG2: String(TEST_PASSWORD_COST_LOG2), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    // Decoded as a stream, so a character split across two chunks is not mangled.
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(stdin);
  });
}

/**
 * The DATABASE_URL for the bin/embargo processes of one test: '' (the embedded database in the data
 * directory) on PGlite; on the PostgreSQL server of the test run, a database or schema of its own,
 * created now and dropped when the test ends.
 *
 * Given the test's data directory, the desk's database is there already migrated: on PGlite a copy of
 * the suite's template put in the directory, on PostgreSQL a database copied from the template
 * (./templates.ts), so the test's processes skip creating it. A test about the first start of a desk
 * leaves dataDir out: on PostgreSQL it gets an empty schema, chosen through the connection's options
 * because every process opens its own pool, that its first process migrates.
 */
export async function cliDatabase(
  t: TestContext,
  prefix: string,
  dataDir?: string,
): Promise<{ databaseUrl: string; schema: string | null }> {
  const server = process.env.EMBARGO_TEST_DATABASE_URL;
  if (!server) {
    if (dataDir) await seedPgliteDataDir(dataDir);
    return { databaseUrl: '', schema: null };
  }
  if (dataDir) {
    const clone = await cloneTemplateDatabase(server, prefix);
    t.after(() => clone.drop());
    return { databaseUrl: clone.url, schema: null };
  }
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  t.after(async () => {
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  });
  return { databaseUrl: `${server}${server.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`, schema };
}
