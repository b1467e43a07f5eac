import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { intArg, writeResults } from './support.ts';

// What an `embargo` process costs before it does its work: `bin/embargo` started as an operator, a
// cron job or an MTA's pipe starts it, CPU (user + system, every thread) and wall time, with Node's
// compile cache warm as the test suite and a desk that sets NODE_COMPILE_CACHE run it. Commands:
// --help, `sla due` and `cvss` (no database), and `audit verify` on the embedded database of a desk
// made by `bin/embargo init`. With --before=DIR (a checkout of the code before a change, e.g. `git
// archive COMMIT | tar -x -C DIR` and a node_modules symlink) both trees run, round by round and in
// alternating order, so load from elsewhere on the machine falls on both alike.
//
// The baseline: `node -e 0` on the same binary and flags, what any Node.js process pays to start.
// Each child reports its own CPU time at exit (bench/cli-start-usage.ts, loaded with --import); the
// modules each command loads are counted in separate, untimed runs.

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    before: { type: 'string' },
  },
});
const RUNS = intArg('runs', values.runs, 1, 1000);
const WARMUP = intArg('warmup', values.warmup, 1, 100);
const HERE = resolve(import.meta.dirname, '..');
const USAGE_HOOK = join(HERE, 'bench/cli-start-usage.ts');
const trees: { name: string; dir: string }[] = [
  ...(values.before ? [{ name: 'before', dir: resolve(values.before) }] : []),
  { name: values.before ? 'after' : 'desk', dir: HERE },
];
for (const t of trees) if (!existsSync(join(t.dir, 'bin/embargo'))) throw new Error(`${t.dir}/bin/embargo not found`);

const COMMANDS: { name: string; args: string[]; status: number }[] = [
  { name: '--help', args: ['--help'], status: 0 },
  {
    name: 'sla due',
    args: ['sla', 'due', '--profile', 'tock', '--priority', 'P1', '--arrival', '2026-11-27T18:00:00Z', '--time-zone', 'UTC'],
    status: 0,
  },
  { name: 'cvss', args: ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'], status: 0 },
  { name: 'audit verify', args: ['audit', 'verify'], status: 0 },
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Usage {
  cpuMs: number;
  wallMs: number;
  maxRssMb: number;
  modules: string[];
}

const work = mkdtempSync(join(tmpdir(), 'embargo-bench-cli-'));
let seq = 0;

/** Runs `bin` with `args` to the end; its standard input is closed at once. */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv, status: number, countModules = false): Promise<Usage> {
  const file = join(work, `usage-${seq++}.json`);
  return new Promise((ok, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(bin, args, {
      env: {
        ...env,
        NODE_OPTIONS: `--import=${USAGE_HOOK}`,
        EMBARGO_BENCH_USAGE_FILE: file,
        ...(countModules ? { EMBARGO_BENCH_COUNT_MODULES: '1' } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== status) return fail(new Error(`${bin} ${args.join(' ')} exited ${code} (expected ${status}): ${err}`));
      const u = JSON.parse(readFileSync(file, 'utf8')) as { userUs: number; systemUs: number; maxRssKb: number; modules: string[] };
      rmSync(file);
      ok({ cpuMs: (u.userUs + u.systemUs) / 1000, wallMs, maxRssMb: u.maxRssKb / 1024, modules: u.modules });
    });
  });
}

interface Tree {
  name: string;
  bin: string;
  env: NodeJS.ProcessEnv;
}

async function setUp(t: { name: string; dir: string }): Promise<Tree> {
  const dir = join(work, t.name);
  mkdirSync(dir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    EMBARGO_DATA_DIR: join(dir, 'data'),
    NODE_COMPILE_CACHE: join(dir, 'compile-cache'),
  };
  const bin = join(t.dir, 'bin/embargo');
  process.stdout.write(`${t.name}: embargo init in ${dir} ...\n`);
  await run(
    bin,
    [
      'init',
      '--profile',
      'tock',
      '--name',
      'Bench desk',
      '--time-zone',
      'UTC',
      '--mail-domain',
      'bench.example.org',
      '--admin-name',
      'Bench Admin',
      '--admin-email',
      'admin@bench.example.org',
    ],
    env,
    0,
  );
  return { name: t.name, bin, env };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Which packages (by name) and how many of the desk's own modules a run loaded. */
function loadedSummary(modules: string[]) {
  const packages = new Set<string>();
  let own = 0;
  for (const url of modules) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
    else if (/\/src\/.*\.ts$/.test(url)) own++;
  }
  return { modules: modules.length, ownModules: own, packages: [...packages].sort() };
}

try {
  const set = [];
  for (const t of trees) set.push(await setUp(t));
  const node = join(HERE, 'node_modules/.bin/node');
  const floorEnv = { PATH: process.env.PATH, NODE_COMPILE_CACHE: join(work, 'compile-cache-floor') };

  // Warm the compile caches (and the page cache) before anything is timed.
  for (let i = 0; i < WARMUP; i++) {
    for (const tree of set) for (const c of COMMANDS) await run(tree.bin, c.args, tree.env, c.status);
    await run(node, ['--liftoff-only', '-e', '0'], floorEnv, 0);
  }
  const loadBefore = load();
  const samples = new Map<string, Usage[]>();
  const add = (key: string, u: Usage) => samples.set(key, [...(samples.get(key) ?? []), u]);
  for (let r = 0; r < RUNS; r++) {
    for (const c of COMMANDS) {
      // Alternate which tree goes first, so neither is always the one that runs after a warm CPU cache.
      for (const tree of r % 2 ? [...set].reverse() : set) add(`${c.name}\t${tree.name}`, await run(tree.bin, c.args, tree.env, c.status));
    }
    add('node -e 0\tfloor', await run(node, ['--liftoff-only', '-e', '0'], floorEnv, 0));
  }
  const loadAfter = load();

  const loaded = new Map<string, ReturnType<typeof loadedSummary>>();
  for (const c of COMMANDS) {
    for (const tree of set)
      loaded.set(`${c.name}\t${tree.name}`, loadedSummary((await run(tree.bin, c.args, tree.env, c.status, true)).modules));
  }

  const rows = [...samples].map(([key, us]) => {
    const [command, tree] = key.split('\t') as [string, string];
    const cpu = us.map((u) => u.cpuMs);
    const wall = us.map((u) => u.wallMs);
    return {
      command,
      tree,
      runs: us.length,
      cpuMs: { mean: mean(cpu), median: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
      wallMs: { mean: mean(wall), median: median(wall), min: Math.min(...wall), max: Math.max(...wall) },
      maxRssMb: median(us.map((u) => u.maxRssMb)),
      loaded: loaded.get(key) ?? null,
    };
  });

  process.stdout.write(`\n${RUNS} runs each, compile cache warm; load average ${loadBefore} before, ${loadAfter} after\n\n`);
  process.stdout.write(
    `${'command'.padEnd(14)} ${'tree'.padEnd(7)} ${'CPU ms mean'.padStart(11)} ${'median'.padStart(7)} ${'wall ms mean'.padStart(12)} ${'median'.padStart(7)} ${'RSS MB'.padStart(7)} ${'modules'.padStart(8)}\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.command.padEnd(14)} ${r.tree.padEnd(7)} ${r.cpuMs.mean.toFixed(0).padStart(11)} ${r.cpuMs.median.toFixed(0).padStart(7)} ${r.wallMs.mean.toFixed(0).padStart(12)} ${r.wallMs.median.toFixed(0).padStart(7)} ${r.maxRssMb.toFixed(0).padStart(7)} ${String(r.loaded?.modules ?? '').padStart(8)}\n`,
    );
  }
  if (set.length === 2) {
    process.stdout.write('\nbefore/after (mean):\n');
    for (const c of COMMANDS) {
      const b = rows.find((r) => r.command === c.name && r.tree === 'before')!;
      const a = rows.find((r) => r.command === c.name && r.tree === 'after')!;
      process.stdout.write(
        `  ${c.name.padEnd(14)} CPU ${(b.cpuMs.mean / a.cpuMs.mean).toFixed(2)}x  wall ${(b.wallMs.mean / a.wallMs.mean).toFixed(2)}x\n`,
      );
    }
  }
  for (const [key, l] of loaded) process.stdout.write(`\n${key.replace('\t', ' / ')}: ${l.packages.join(', ') || 'no packages'}`);
  process.stdout.write('\n');
  const file = writeResults('cli-start', 'pglite', { runs: RUNS, warmup: WARMUP, loadBefore, loadAfter, trees, rows });
  process.stdout.write(`\nFigures written to ${file}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
