// Benchmark: the case page of a long-running case (default 1,000 messages, 100 people pulled in) on
// the embedded database, and the memory of `embargo serve` next to PGlite alone on the same directory.
//
//   PATH=$PWD/node_modules/.bin:$PATH node --liftoff-only bench/case-view.ts [--messages=1000] [--people=100]
//        [--requests=60] [--warmup=10] [--views=300] [--settle=5] [--skip-memory] [--skip-optimizing]
//
// 1. Latency, in this process, on a data directory as `embargo serve` opens it and with the server
//    serve builds (buildDeskServer), after a warm-up, interleaved round by round:
//      html     GET /cases/:id (the first page of the thread) over a loopback socket, signed in by cookie
//      json     GET /api/reports/:id over the socket, with an API token
//      usecase  caseView(ctx, id) serialised, no HTTP
//      unseal   sealer.open of the page's message bodies alone
//      raw      the baseline: the statements caseView runs for that page (bench/case-view-sql.ts), raw
//    and prints p50/p95 and html/raw, json/raw, with the GC pauses that fell into each mode.
// 2. Memory, in child processes on that same directory, one after the other: PGlite alone as
//    `new PGlite({ dataDir })` opens it, PGlite alone as the desk opens it, then `bin/embargo serve`
//    (and, unless --skip-optimizing, serve with the same heap bounds on V8's optimising WebAssembly
//    compiler, and serve on node without any flag): resident memory settled
//    after start, sampled through --views rounds of views (JSON and HTML, the first page and older
//    ones), settled again, and the high-water mark. "Flat" compares the second half's first and last
//    samples. The children run the same statements (PGlite alone) or serve the same pages.
//
// The load average is printed with each part. Results go to bench/results/case-view-pglite.json.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app/bootstrap.ts';
import { aad, type Ctx } from '../src/app/context.ts';
import { signIn } from '../src/app/auth/auth.ts';
import { caseView, THREAD_PAGE_SIZE, THREAD_PAGE_SQL } from '../src/app/cases/queries.ts';
import { totpCode } from '../src/crypto/totp.ts';
import { buildDeskServer } from '../src/cli/desk.ts';
import { TestClock, LOOPBACK, type Harness } from '../test/support/harness.ts';
import { loadBigCase } from '../test/support/big-case.ts';
import { caseViewStatements } from './case-view-sql.ts';
import { memoryOf } from './memory.ts';
import {
  gcShare,
  intArg,
  principalOf,
  setupBenchDesk,
  stats,
  timeLoop,
  watchGc,
  writeResults,
  type GcShare,
  type Sample,
  type Stats,
} from './support.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    people: { type: 'string', default: '100' },
    requests: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    views: { type: 'string', default: '300' },
    settle: { type: 'string', default: '5' },
    'skip-memory': { type: 'boolean', default: false },
    'skip-optimizing': { type: 'boolean', default: false },
  },
  strict: true,
});
const MESSAGES = intArg('messages', args.messages, 1, 100_000);
const PEOPLE = intArg('people', args.people, 1, 10_000);
const REQUESTS = intArg('requests', args.requests, 5, 10_000);
const WARMUP = intArg('warmup', args.warmup, 0, 1000);
const VIEWS = intArg('views', args.views, 10, 100_000);
const SETTLE_S = intArg('settle', args.settle, 1, 120);

const log = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const ROOT = new URL('..', import.meta.url).pathname;

// --- 1. Latency -----------------------------------------------------------------------------------

const MODES = ['html', 'json', 'usecase', 'unseal', 'raw'] as const;
type Mode = (typeof MODES)[number];

const dataDir = mkdtempSync(join(tmpdir(), 'embargo-bench-case-'));
const instanceKey = randomBytes(32).toString('base64');
// The real clock's now: serve, started later on this directory, must accept the same sessions.
const clock = new TestClock(new Date().toISOString());
const config = loadConfig({}, { dataDir, instanceKey, passwordCostLog2: 14 });
const app = await createApp(config, { clock: clock.fn, owner: 'bench/case-view.ts' });
const server = await buildDeskServer(app);
const h: Harness = { app, server, clock, baseUrl: null, close: async () => {} };

log(`case view on PGlite in ${dataDir}; ${cpus().length} cores; load average ${load()}`);
const desk = await setupBenchDesk(h, 'tf-a');
const t = performance.now();
const big = await loadBigCase(app, desk.central, { messages: MESSAGES, people: PEOPLE, project: 'tf-a' });
log(`loaded ${MESSAGES} messages and ${PEOPLE} people in ${(performance.now() - t).toFixed(0)} ms`);
await app.db.exec('VACUUM ANALYZE');

clock.advance(31_000);
const session = await signIn(
  app,
  { email: desk.central.email, password: desk.central.password, totp: totpCode(desk.central.totpSecret, clock.now) },
  LOOPBACK,
);
const cookie = `embargo_session=${session.token}`;
const bearer = `Bearer ${desk.central.token}`;
await server.listen({ host: '127.0.0.1', port: 0 });
const baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
const ctx: Ctx = { app, principal: await principalOf(app, desk.central) };

async function get(base: string, url: string, headers: Record<string, string>): Promise<string> {
  const r = await fetch(`${base}${url}`, { headers });
  const body = await r.text();
  if (r.status !== 200) throw new Error(`GET ${url} answered ${r.status}: ${body.slice(0, 300)}`);
  return body;
}

const firstJson = JSON.parse(await get(baseUrl, `/api/reports/${big.reportId}`, { authorization: bearer }));
if (firstJson.thread.length !== Math.min(THREAD_PAGE_SIZE, MESSAGES))
  throw new Error(`the first page holds ${firstJson.thread.length} messages`);
const firstHtml = await get(baseUrl, `/cases/${big.reportId}`, { cookie });
const page = await app.db.query<{ id: string; body_sealed: string }>(THREAD_PAGE_SQL, [big.reportId, THREAD_PAGE_SIZE, 0]);
const statements = caseViewStatements(big.reportId);

const run: Record<Mode, () => Promise<unknown>> = {
  html: () => get(baseUrl, `/cases/${big.reportId}`, { cookie }),
  json: () => get(baseUrl, `/api/reports/${big.reportId}`, { authorization: bearer }),
  usecase: async () => JSON.stringify(await caseView(ctx, big.reportId)),
  unseal: async () => page.rows.map((m) => app.sealer.open(m.body_sealed, aad('messages', 'body', m.id))),
  raw: () =>
    app.db.transaction(async (tx) => {
      for (const [sql, params] of statements) await tx.query(sql, params);
    }),
};
for (const mode of MODES) await timeLoop(WARMUP, run[mode]);
const samples = Object.fromEntries(MODES.map((m) => [m, [] as Sample[]])) as Record<Mode, Sample[]>;
const gc = watchGc();
const loadBefore = load();
for (let i = 0; i < REQUESTS; i++) {
  for (let k = 0; k < MODES.length; k++) {
    const mode = MODES[(i + k) % MODES.length]!;
    const start = performance.now();
    await run[mode]();
    samples[mode].push({ start, ms: performance.now() - start });
  }
}
const pauses = await gc.stop();
const latency = {} as Record<Mode, Stats & { gc: GcShare }>;
for (const mode of MODES) latency[mode] = { ...stats(samples[mode].map((s) => s.ms)), gc: gcShare(samples[mode], pauses) };
const ratio = {
  htmlP50: latency.html.p50 / latency.raw.p50,
  jsonP50: latency.json.p50 / latency.raw.p50,
  htmlP95: latency.html.p95 / latency.raw.p95,
  jsonP95: latency.json.p95 / latency.raw.p95,
};

log(`\nfirst page of the thread (${THREAD_PAGE_SIZE} of ${MESSAGES} messages), ${REQUESTS} rounds, load average ${loadBefore} → ${load()}`);
log(
  `answer: JSON ${(firstJson && JSON.stringify(firstJson).length / 1024).toFixed(0)} KiB, HTML ${(firstHtml.length / 1024).toFixed(0)} KiB`,
);
log('mode      p50      p95      GC ms (≥5 ms pauses)');
for (const mode of MODES) {
  const s = latency[mode];
  log(`${mode.padEnd(8)} ${ms(s.p50).padStart(7)}  ${ms(s.p95).padStart(7)}  ${s.gc.totalMs.toFixed(0)} (${s.gc.over5ms})`);
}
log(
  `html/raw ${ratio.htmlP50.toFixed(1)}× (p95 ${ratio.htmlP95.toFixed(1)}×), json/raw ${ratio.jsonP50.toFixed(1)}× (p95 ${ratio.jsonP95.toFixed(1)}×)`,
);

await server.close();
await app.db.close();

// --- 2. Memory --------------------------------------------------------------------------------------

interface MemoryRun {
  label: string;
  settledMb: number;
  /** RSS after each tenth of the views. */
  samplesMb: number[];
  afterViewsMb: number;
  settledAgainMb: number;
  highWaterMb: number;
  /** Last minus first sample of the second half of the views (MB): flat memory is about 0. */
  secondHalfDriftMb: number;
  /** Serve only: p50 of its views, ms. */
  viewP50?: number;
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${pattern.source}": ${out}`)));
  });
}

async function pgliteAlone(settings: 'defaults' | 'desk', nodeFlags: string[]): Promise<MemoryRun> {
  const file = join(tmpdir(), `embargo-bench-statements-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(statements));
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      join(ROOT, 'bench/pglite-alone.ts'),
      `--dir=${join(dataDir, 'pglite')}`,
      `--statements=${file}`,
      `--settings=${settings}`,
      `--rounds=${VIEWS}`,
      `--settle=${SETTLE_S}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const m = await waitForLine(child, /^(\{.*\})\n/m);
  await new Promise((r) => child.once('exit', r));
  rmSync(file, { force: true });
  const r = JSON.parse(m[1]!) as { open: number; afterRounds: number; settled: number; highWater: number };
  return {
    label: `PGlite alone (${settings === 'defaults' ? "PGlite's settings" : "the desk's settings"})`,
    settledMb: r.open,
    samplesMb: [],
    afterViewsMb: r.afterRounds,
    settledAgainMb: r.settled,
    highWaterMb: r.highWater,
    secondHalfDriftMb: Number.NaN,
  };
}

async function serve(label: string, command: string[]): Promise<MemoryRun> {
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
      EMBARGO_DATA_DIR: dataDir,
      EMBARGO_INSTANCE_KEY: instanceKey,
      EMBARGO_HOST: '127.0.0.1',
      EMBARGO_PORT: '0',
    },
  });
  try {
    const m = await waitForLine(child, /running at (http:\/\/\S+) /);
    const base = m[1]!.replace('localhost', '127.0.0.1');
    await sleep(SETTLE_S * 1000);
    const settled = memoryOf(child.pid!).rssMb;
    const pages = Math.max(1, Math.ceil(MESSAGES / THREAD_PAGE_SIZE));
    const samplesMb: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < VIEWS; i++) {
      const older = 1 + (i % pages);
      const t0 = performance.now();
      await get(base, `/cases/${big.reportId}`, { cookie });
      await get(base, `/api/reports/${big.reportId}`, { authorization: bearer });
      await get(base, `/cases/${big.reportId}?page=${older}`, { cookie });
      times.push(performance.now() - t0);
      if ((i + 1) % Math.max(1, Math.floor(VIEWS / 10)) === 0) samplesMb.push(memoryOf(child.pid!).rssMb);
    }
    const afterViewsMb = memoryOf(child.pid!).rssMb;
    await sleep(SETTLE_S * 1000);
    const end = memoryOf(child.pid!);
    const half = samplesMb.slice(Math.floor(samplesMb.length / 2));
    return {
      label,
      settledMb: settled,
      samplesMb,
      afterViewsMb,
      settledAgainMb: end.rssMb,
      highWaterMb: end.hwmMb,
      secondHalfDriftMb: half.length ? half.at(-1)! - half[0]! : Number.NaN,
      viewP50: stats(times).p50 / 3,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const memory: MemoryRun[] = [];
if (!args['skip-memory']) {
  log(
    `\nmemory (MB resident) on ${dataDir}, ${VIEWS} rounds of views (first page HTML and JSON, an older page HTML), load average ${load()}`,
  );
  const node = process.execPath;
  memory.push(await pgliteAlone('defaults', []));
  memory.push(await pgliteAlone('desk', ['--liftoff-only']));
  memory.push(await serve('embargo serve (bin/embargo)', [join(ROOT, 'bin/embargo'), 'serve']));
  if (!args['skip-optimizing']) {
    // The same heap bounds with V8's optimising WebAssembly compiler, then node as it comes.
    const heap = ['--max-old-space-size=384', '--max-semi-space-size=4'];
    memory.push(await serve('serve, bounded heap, optimising compiler', [node, ...heap, join(ROOT, 'src/cli/main.ts'), 'serve']));
    memory.push(await serve('serve on plain node (no flags)', [node, join(ROOT, 'src/cli/main.ts'), 'serve']));
  }
  log('run                                              settled  after views  settled again  high-water  drift (2nd half)  view p50 ms');
  for (const r of memory) {
    log(
      `${r.label.padEnd(48)} ${String(r.settledMb).padStart(7)}  ${String(r.afterViewsMb).padStart(11)}  ${String(r.settledAgainMb).padStart(13)}  ${String(r.highWaterMb).padStart(10)}  ${Number.isNaN(r.secondHalfDriftMb) ? '—'.padStart(16) : String(r.secondHalfDriftMb).padStart(16)}  ${r.viewP50 === undefined ? '—' : ms(r.viewP50)}`,
    );
  }
  for (const r of memory.filter((x) => x.samplesMb.length)) log(`${r.label}: RSS through the views ${r.samplesMb.join(' ')}`);
  log(`load average ${load()}`);
}

const file = writeResults('case-view', 'pglite', {
  at: new Date().toISOString(),
  loadAverage: loadavg(),
  cores: cpus().length,
  execArgv: process.execArgv,
  messages: MESSAGES,
  people: PEOPLE,
  requests: REQUESTS,
  latency,
  ratio,
  memory,
});
log(`\nwritten to ${file}`);
rmSync(dataDir, { recursive: true, force: true });
