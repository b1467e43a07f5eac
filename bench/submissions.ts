import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app/bootstrap.ts';
import type { Queryable } from '../src/store/db.ts';
import { submitReport } from '../src/app/intake/intake.ts';
import { sampleReport } from '../test/support/harness.ts';
import { intArg, POSTGRES_URL, writeResults } from './support.ts';

// Report submissions per second through real `embargo serve` processes on one PostgreSQL database,
// with 1 and 2 processes: what the audit chain's write path lets through. Each tree (this one and,
// with --before=DIR, a checkout of the code before a change) gets a database of its own, created by
// its own `embargo init`, and N processes of its own `bin/embargo serve`, wired exactly as a desk
// runs (every job included); the load is POST /api/reports over keep-alive connections, spread over
// the processes. While it runs, pg_stat_activity is sampled: how many of the database's connections
// are active and how many of them wait on a lock.
//
// The baseline, in the same run and interleaved with the desk: the very SQL statements one real
// submission runs (recorded from submitReport, this tree), replayed with fresh ids, one transaction
// per submission, at the same concurrency over a pool of the same size as the processes' (10 each).

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2' },
    submissions: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    before: { type: 'string' },
    'base-port': { type: 'string', default: '18400' },
  },
});
const PROCESSES = values.processes.split(',').map((p) => intArg('processes', p, 1, 8));
const SUBMISSIONS = intArg('submissions', values.submissions, 10, 1_000_000);
const WARMUP = intArg('warmup', values.warmup, 0, 100_000);
const CONCURRENCY = intArg('concurrency', values.concurrency, 1, 512);
const ROUNDS = intArg('rounds', values.rounds, 1, 20);
const BASE_PORT = intArg('base-port', values['base-port'], 1024, 65000);
const HERE = resolve(import.meta.dirname, '..');
const trees: { name: string; dir: string }[] = [
  ...(values.before ? [{ name: 'before', dir: resolve(values.before) }] : []),
  { name: values.before ? 'after' : 'desk', dir: HERE },
];
for (const t of trees) if (!existsSync(join(t.dir, 'bin/embargo'))) throw new Error(`${t.dir}/bin/embargo not found`);

const INSTANCE_KEY = randomBytes(32).toString('base64');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function dbUrl(name: string): string {
  const u = new URL(POSTGRES_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function createDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `bench_sub_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return { name, url: dbUrl(name), drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))) };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? ok(out) : fail(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

function deskEnv(url: string, dataDir: string, port = 0): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE,
    DATABASE_URL: url,
    EMBARGO_DATA_DIR: dataDir,
    EMBARGO_INSTANCE_KEY: INSTANCE_KEY,
    EMBARGO_HOST: '127.0.0.1',
    EMBARGO_PORT: String(port),
    EMBARGO_PUBLIC_FORM_RATE_PER_MINUTE: '100000000',
    EMBARGO_PASSWORD_COST_LOG2: '14',
  };
}

async function initDesk(treeDir: string, url: string, dataDir: string) {
  await run(
    join(treeDir, 'bin/embargo'),
    [
      'init',
      '--profile',
      'trusted-firmware',
      '--name',
      'Bench',
      '--time-zone',
      'UTC',
      '--mail-domain',
      'lists.bench.example',
      '--admin-name',
      'Ada',
      '--admin-email',
      'ada@bench.example',
    ],
    deskEnv(url, dataDir),
  );
}

async function startServe(treeDir: string, url: string, dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(join(treeDir, 'bin/embargo'), ['serve'], { env: deskEnv(url, dataDir, port), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Sign in at')) ok();
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('close', (code) => fail(new Error(`serve exited ${code} before listening: ${out}`)));
  });
  child.removeAllListeners('close');
  return child;
}

async function stopServe(child: ChildProcess) {
  if (child.exitCode !== null) return;
  await new Promise<void>((ok) => {
    child.once('close', () => ok());
    child.kill('SIGTERM');
  });
}

/** Runs `count` jobs with at most `concurrency` at once; returns the seconds it took. */
async function timed(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

interface Activity {
  samples: number;
  active: number;
  lockWaits: number;
}

/** Samples the database's connections every 20 ms until stopped: mean active, mean waiting on a lock. */
function sampleActivity(database: string) {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  const totals = { samples: 0, active: 0, lockWaits: 0 };
  let running = true;
  const loop = (async () => {
    await c.connect();
    while (running) {
      const r = await c.query<{ active: number; lock_waits: number }>(
        `SELECT count(*) FILTER (WHERE state = 'active')::int AS active,
                count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')::int AS lock_waits
           FROM pg_stat_activity WHERE datname = $1`,
        [database],
      );
      totals.samples++;
      totals.active += r.rows[0]!.active;
      totals.lockWaits += r.rows[0]!.lock_waits;
      await new Promise((ok) => setTimeout(ok, 20));
    }
    await c.end();
  })();
  return async (): Promise<Activity> => {
    running = false;
    await loop;
    const n = Math.max(1, totals.samples);
    return { samples: totals.samples, active: totals.active / n, lockWaits: totals.lockWaits / n };
  };
}

const body = JSON.stringify(sampleReport);

async function deskRound(tree: { name: string; dir: string }, processes: number) {
  const db = await createDatabase();
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  try {
    const initDir = mkdtempSync(join(tmpdir(), 'embargo-bench-sub-'));
    dirs.push(initDir);
    await initDesk(tree.dir, db.url, initDir);
    for (let i = 0; i < processes; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'embargo-bench-sub-'));
      dirs.push(dataDir);
      children.push(await startServe(tree.dir, db.url, dataDir, BASE_PORT + i));
    }
    const urls = children.map((_, i) => `http://127.0.0.1:${BASE_PORT + i}/api/reports`);
    let failures = 0;
    const submit = async (i: number) => {
      const res = await fetch(urls[i % urls.length]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      if (res.status !== 201 && res.status !== 200) failures++;
    };
    await timed(WARMUP, CONCURRENCY, submit);
    const loadBefore = load();
    const stop = sampleActivity(db.name);
    const seconds = await timed(SUBMISSIONS, CONCURRENCY, submit);
    const activity = await stop();
    if (failures) throw new Error(`${failures} submissions failed`);
    const stored = await admin(async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM reports')).rows[0]!.n;
      } finally {
        await c.end();
      }
    });
    if (stored !== WARMUP + SUBMISSIONS) throw new Error(`${stored} reports stored, ${WARMUP + SUBMISSIONS} submitted`);
    return { rate: SUBMISSIONS / seconds, seconds, activity, load: `${loadBefore} → ${load()}` };
  } finally {
    for (const c of children) await stopServe(c);
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

interface Statement {
  sql: string;
  params: unknown[];
}

/** The statements of one real submission (this tree's submitReport), recorded on a desk of its own. */
async function recordSubmission(url: string): Promise<Statement[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'embargo-bench-sub-'));
  try {
    await initDesk(HERE, url, dataDir);
    const app = await createApp(loadConfig({}, { databaseUrl: url, dataDir, instanceKey: INSTANCE_KEY, passwordCostLog2: 14 }));
    // Numbers far from any the replays draw, so a recorded one is never mistaken for another value.
    await app.db.query("SELECT setval('report_numbers', 1000000000)");
    const recorded: Statement[] = [];
    const record = (q: Queryable): Queryable => ({
      exec: q.exec,
      query: (sql, params = []) => {
        recorded.push({ sql, params });
        return q.query(sql, params);
      },
    });
    const db = { ...app.db, transaction: <T>(fn: (tx: Queryable) => Promise<T>) => app.db.transaction((tx) => fn(record(tx))) };
    await submitReport({ app: { ...app, db }, principal: { kind: 'anonymous' } }, 'web', sampleReport);
    await app.db.close();
    return recorded;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Connections the server ended under a replay (another user of a shared server may end them): retried. */
let connectionsEnded = 0;
const endedByServer = (e: unknown) => (e as { code?: string }).code === '57P01';

async function replay(pool: pg.Pool, statements: Statement[]): Promise<void> {
  for (;;) {
    try {
      return await replayOnce(pool, statements);
    } catch (e) {
      if (!endedByServer(e)) throw e;
      connectionsEnded++;
    }
  }
}

/** One replay of the recorded submission: fresh ids, hashes and report number, in one transaction. */
async function replayOnce(pool: pg.Pool, statements: Statement[]) {
  const client = await pool.connect();
  try {
    const fresh = new Map<unknown, unknown>();
    const map = (v: unknown): unknown => {
      if (fresh.has(v)) return fresh.get(v);
      if (typeof v === 'string' && UUID.test(v)) fresh.set(v, randomUUID());
      else if (typeof v === 'string' && HEX64.test(v)) fresh.set(v, randomBytes(32).toString('hex'));
      else return v;
      return fresh.get(v);
    };
    await client.query('BEGIN');
    for (const s of statements) {
      const r = await client.query(s.sql, s.params.map(map));
      if (/nextval\('report_numbers'\)/.test(s.sql)) {
        const recordedNumber = 1_000_000_001;
        fresh.set(recordedNumber, Number(r.rows[0].n));
      }
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

async function rawRound(processes: number) {
  const db = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 10 * processes });
  pool.on('error', () => {}); // an idle connection ended by the server is dropped; the next query opens another
  try {
    const statements = await recordSubmission(db.url);
    await timed(WARMUP, CONCURRENCY, () => replay(pool, statements));
    const loadBefore = load();
    const stop = sampleActivity(db.name);
    const seconds = await timed(SUBMISSIONS, CONCURRENCY, () => replay(pool, statements));
    const activity = await stop();
    return { rate: SUBMISSIONS / seconds, seconds, activity, load: `${loadBefore} → ${load()}`, statements: statements.length };
  } finally {
    await pool.end();
    await db.drop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(
  `Submissions through embargo serve on PostgreSQL: ${SUBMISSIONS} per round after ${WARMUP} warm-up, ${CONCURRENCY} at once, ` +
    `${ROUNDS} rounds; ${cpus().length} cores, load average ${load()}`,
);
const results: Record<string, { rate: number; active: number; lockWaits: number; load: string }[]> = {};
for (let round = 1; round <= ROUNDS; round++) {
  for (const n of PROCESSES) {
    for (const mode of [...trees.map((t) => t.name), 'raw']) {
      const r = mode === 'raw' ? await rawRound(n) : await deskRound(trees.find((t) => t.name === mode)!, n);
      const key = `${mode} × ${n}`;
      (results[key] ??= []).push({ rate: r.rate, active: r.activity.active, lockWaits: r.activity.lockWaits, load: r.load });
      console.log(
        `round ${round}  ${key.padEnd(12)} ${r.rate.toFixed(0).padStart(6)} submissions/s  ` +
          `connections active ${r.activity.active.toFixed(2)}, waiting on a lock ${r.activity.lockWaits.toFixed(2)}  (load ${r.load})`,
      );
    }
  }
}

console.log(`\nMedian of ${ROUNDS} rounds (load average now ${load()}):`);
console.log('| mode × processes | submissions/s | vs raw SQL | active connections | of them waiting on a lock |');
console.log('|---|---|---|---|---|');
for (const n of PROCESSES) {
  const raw = median(results[`raw × ${n}`]!.map((r) => r.rate));
  for (const mode of [...trees.map((t) => t.name), 'raw']) {
    const rs = results[`${mode} × ${n}`]!;
    const rate = median(rs.map((r) => r.rate));
    console.log(
      `| ${mode} × ${n} | ${rate.toFixed(0)} | ${(rate / raw).toFixed(2)} | ${median(rs.map((r) => r.active)).toFixed(2)} | ${median(rs.map((r) => r.lockWaits)).toFixed(2)} |`,
    );
  }
}
if (connectionsEnded) console.log(`(${connectionsEnded} baseline transactions retried: the server ended their connection)`);
console.log(
  `results: ${writeResults('submissions', 'postgres', { submissions: SUBMISSIONS, concurrency: CONCURRENCY, rounds: ROUNDS, loadavg: loadavg(), results })}`,
);
