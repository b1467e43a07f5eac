import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embargoBin, runEmbargo, type CliResult } from '../support/cli.ts';
import { seedPgliteDataDir } from '../support/templates.ts';
import { TEST_PASSWORD_COST_LOG2 } from '../support/password-cost.ts';
import { openPglite } from '../../src/store/pglite.ts';

// The embedded database is one process's: while `embargo serve` holds a data directory, every command
// that would open it, and a second server, is refused (exit 75, nothing that reads as success), and the
// server's own data stays whole. A server killed with SIGKILL leaves its lock behind; the next opener
// takes it over. Always on PGlite, whatever back end the rest of the run uses: the lock is PGlite's.

const EXIT_DESK_HELD = 75;

function desk(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-lock-'));
  return {
    dir,
    env: {
      ...process.env,
      DATABASE_URL: '',
      EMBARGO_DATA_DIR: dir,
      EMBARGO_HOST: '127.0.0.1',
      EMBARGO_PORT: '0',
      EMBARGO_INSTANCE_KEY: randomBytes(32).toString('base64'),
      EMBARGO_PASSWORD_COST_LOG2: '14',
      EMBARGO_TEST_PASSWORD_COST_LOG2: String(TEST_PASSWORD_COST_LOG2),
    },
  };
}

interface Server {
  child: ChildProcess;
  base: string;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** `embargo serve` as a process of its own, resolved once it says where it listens. */
async function startServer(t: TestContext, env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(embargoBin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | NodeJS.Signals | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Embargo is running at (\S+) /.exec(out);
      if (m) resolve(m[1]!);
    });
    exited.then((code) => reject(new Error(`embargo serve ended (${code}) before listening:\n${out}${err}`)));
  });
  return { child, base, exited };
}

/** A report through the server's API: its id, once the server has answered 201. */
async function submit(base: string, title: string): Promise<string> {
  const r = await fetch(`${base}/api/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, body: 'A report the running server stores.', reporter: { name: 'Rita', email: 'rita@example.net' } }),
  });
  const body = (await r.json()) as { reportId: string };
  assert.equal(r.status, 201, JSON.stringify(body));
  return body.reportId;
}

/** A refusal: status 75, nothing on standard output, and a message naming the server and a way out. */
function assertRefused(r: CliResult, command: string, serverPid: number): void {
  assert.equal(r.code, EXIT_DESK_HELD, `${command}: ${r.out}${r.err}`);
  assert.equal(r.out, '', `${command} printed nothing that reads as success`);
  assert.match(
    r.err,
    new RegExp(`^embargo ${command}: The embedded database in \\S+ is in use by embargo serve \\(pid ${serverPid}, since `),
  );
  assert.match(r.err, /Nothing was done/);
  assert.match(r.err, /PostgreSQL \(DATABASE_URL\)/);
}

/** What the data directory holds, read once nothing else has it open. */
async function contents(dir: string) {
  const db = await openPglite(join(dir, 'pglite'));
  try {
    const reports = await db.query<{ id: string }>('SELECT id FROM reports ORDER BY number');
    const people = await db.query<{ email: string }>('SELECT email FROM person_emails ORDER BY email');
    return { reports: reports.rows.map((r) => r.id), emails: people.rows.map((r) => r.email) };
  } finally {
    await db.close();
  }
}

test('embedded database held by embargo serve: commands and a second server are refused, nothing is lost', async (t) => {
  const { dir, env } = desk();
  await seedPgliteDataDir(dir);
  const init = await runEmbargo(env, [
    'init',
    ...['--profile', 'trusted-firmware', '--name', 'TF Security', '--time-zone', 'Europe/London', '--mail-domain', 'tf.example'],
    ...['--admin-name', 'Ada', '--admin-email', 'ada@tf.example'],
  ]);
  assert.equal(init.code, 0, init.err);

  const server = await startServer(t, env);
  const pid = server.child.pid!;
  const before = await submit(server.base, 'Before the commands');

  const tom = ['user', 'add', '--name', 'Tom', '--email', 'tom@tf.example', '--time-zone', 'Europe/Paris', '--team', 'security'];
  assertRefused(await runEmbargo(env, tom), 'user add', pid);
  assertRefused(await runEmbargo(env, ['audit', 'verify']), 'audit verify', pid);
  assertRefused(await runEmbargo(env, ['advisory', 'export', 'TF-2026-0001', '--format', 'osv']), 'advisory export', pid);
  // Mail piped in by an MTA: 75 is EX_TEMPFAIL, so the MTA keeps the message and tries again later.
  const mail = 'From: Rita <rita@example.net>\r\nTo: security@tf.example\r\nSubject: Hello\r\n\r\nA report by mail.\r\n';
  assertRefused(await runEmbargo(env, ['mail', 'import'], mail), 'mail import', pid);
  // A second server on the same directory.
  assertRefused(await runEmbargo(env, ['serve']), 'serve', pid);

  // The server never saw Tom, and answers as for anyone unknown (not a 500); it still works.
  const signIn = await fetch(`${server.base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tom@tf.example', password: 'correct horse battery staple', totp: '123456' }),
  });
  assert.equal(signIn.status, 401);
  const after = await submit(server.base, 'After the commands');

  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.equal(existsSync(join(dir, 'pglite.lock')), false, 'a server that stops releases the directory');

  // What the server wrote is there; the refused commands wrote nothing.
  assert.deepEqual(await contents(dir), { reports: [before, after], emails: ['ada@tf.example'] });
  const verify = await runEmbargo(env, ['audit', 'verify']);
  assert.equal(verify.code, 0, verify.err);
  // With the server stopped, the same command works.
  const added = await runEmbargo(env, tom);
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /\/enroll\/enr_/);
  assert.deepEqual((await contents(dir)).emails, ['ada@tf.example', 'tom@tf.example']);
});

test('embedded database: the lock of a server killed with SIGKILL is taken over by the next opener', async (t) => {
  const { dir, env } = desk();
  await seedPgliteDataDir(dir);
  const init = await runEmbargo(env, [
    'init',
    ...['--profile', 'tock', '--name', 'Tock Security', '--time-zone', 'UTC', '--mail-domain', 'tock.example'],
    ...['--admin-name', 'Ada', '--admin-email', 'ada@tock.example'],
  ]);
  assert.equal(init.code, 0, init.err);

  const server = await startServer(t, env);
  const stored = await submit(server.base, 'Stored before the crash');
  server.child.kill('SIGKILL');
  assert.equal(await server.exited, 'SIGKILL');
  // The killed server could not remove its lock: it is still there, naming the dead process.
  assert.equal(JSON.parse(readFileSync(join(dir, 'pglite.lock'), 'utf8')).pid, server.child.pid);

  const r = await runEmbargo(env, ['user', 'add', '--name', 'Tom', '--email', 'tom@tock.example', '--time-zone', 'UTC']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\/enroll\/enr_/);
  assert.equal(existsSync(join(dir, 'pglite.lock')), false, 'the command released the lock it took over');

  // A new server starts on the directory too, and everything written before the crash is there.
  const again = await startServer(t, env);
  again.child.kill('SIGTERM');
  assert.equal(await again.exited, 0);
  assert.deepEqual(await contents(dir), { reports: [stored], emails: ['ada@tock.example', 'tom@tock.example'] });
  const verify = await runEmbargo(env, ['audit', 'verify']);
  assert.equal(verify.code, 0, verify.err);
});
