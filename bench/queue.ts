// Benchmark: GET /api/queue with a large desk (default 100,000 incidents) on PGlite and PostgreSQL.
//
//   PATH=$PWD/node_modules/.bin:$PATH node bench/queue.ts [--backend=pglite|postgres|both]
//        [--incidents=100000] [--requests=400] [--warmup=50] [--triage=40] [--member-project=tf-m]
//        [--probe-iterations=15] [--skip-probes] [--explain]
//
// For a central-team member (sees every incident) and a project-team member (sees their project's
// incidents and the cases they were pulled into) it times, after a warm-up, one call at a time and
// interleaved (each round runs every mode once, so load from elsewhere hits all modes alike):
//   http      GET /api/queue over a real loopback socket (node's fetch, keep-alive): the headline
//   inject    the same request through fastify.inject (no socket)
//   usecase   queue(ctx) called directly: both queries and the mapping, no HTTP and no authentication
//   auth      principalFromApiToken: the per-request token lookup (an UPDATE) and principal load
//   raw       INCIDENT_QUEUE_SQL with incidentQueueParams on the Db: the incident query alone
// and prints HTTP/raw ratios, with the GC pauses that fell into each mode and the load average.
// Then, raw SQL only, it probes the incident query for other principals and pages (each project's
// team, a collaborator on no team, closed, deep offsets) next to candidate rewrites
// (bench/candidates.ts: "paged", and last "denorm", which first adds columns and an index to
// the bench's own schema), each checked to return the same rows; and it times one sealer.open (the
// queue opens the title of every report in triage it lists).
//
// PostgreSQL runs in a schema of its own (EMBARGO_BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres), dropped at the end; EXPLAIN (ANALYZE, BUFFERS) of the
// incident query is printed for both principals there (and on PGlite with --explain).
// Results go to bench/results/queue-<backend>.json (gitignored).

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { INCIDENT_QUEUE_SQL, incidentQueueParams, queue, QueueQuery } from '../src/app/cases/queries.ts';
import { principalFromApiToken } from '../src/app/auth/auth.ts';
import { aad, type Ctx } from '../src/app/context.ts';
import type { PersonPrincipal } from '../src/domain/access.ts';
import type { Member } from '../test/support/harness.ts';
import { DENORMALIZED_MEMBER_QUEUE_SQL, DENORMALIZED_SETUP_SQL, PAGED_QUEUE_SQL } from './candidates.ts';
import {
  backendsArg,
  writeResults,
  bulkLoad,
  gcShare,
  intArg,
  openBench,
  principalOf,
  setupBenchDesk,
  stats,
  timeLoop,
  watchGc,
  type Backend,
  type BenchDesk,
  type BenchEnv,
  type BulkResult,
  type GcShare,
  type Sample,
  type Stats,
} from './support.ts';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    incidents: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '50' },
    triage: { type: 'string', default: '40' },
    'member-project': { type: 'string', default: 'tf-m' },
    explain: { type: 'boolean', default: false },
    'probe-iterations': { type: 'string', default: '15' },
    'skip-probes': { type: 'boolean', default: false },
  },
  strict: true,
});

const backends = backendsArg(args.backend);
const INCIDENTS = intArg('incidents', args.incidents, 10, 2_000_000);
const REQUESTS = intArg('requests', args.requests, 10, 100_000);
const WARMUP = intArg('warmup', args.warmup, 0, 10_000);
const TRIAGE = intArg('triage', args.triage, 0, 200);
const MEMBER_PROJECT = args['member-project'];
const PROBE_ITERATIONS = intArg('probe-iterations', args['probe-iterations'], 1, 1000);

const MODES = ['http', 'inject', 'usecase', 'auth', 'raw'] as const;
type Mode = (typeof MODES)[number];

interface PrincipalResult {
  label: string;
  central: boolean;
  projectIds: readonly string[];
  incidentsReturned: number;
  reportsReturned: number;
  responseBytes: number;
  modes: Record<Mode, Stats>;
  /** GC pauses that began during each mode's samples. */
  gc: Record<Mode, GcShare>;
  ratio: { httpP50: number; httpP99: number; injectP50: number; injectP99: number };
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

async function explain(h: BenchEnv, p: PersonPrincipal): Promise<string> {
  const r = await h.app.db.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${INCIDENT_QUEUE_SQL}`,
    incidentQueueParams(p, QueueQuery.parse({})),
  );
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

async function benchPrincipal(h: BenchEnv, baseUrl: string, label: string, m: Member): Promise<PrincipalResult> {
  const principal = await principalOf(h.app, m);
  const ctx: Ctx = { app: h.app, principal };
  const params = incidentQueueParams(principal, QueueQuery.parse({}));
  const headers = { authorization: `Bearer ${m.token}` };

  // One checked request per door: the answers must agree with the raw query.
  const res = await fetch(`${baseUrl}/api/queue`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${label}: GET /api/queue answered ${res.status}: ${text}`);
  const body = JSON.parse(text) as { reports: unknown[]; incidents: { reportId: string }[] };
  const raw = await h.app.db.query<{ report_id: string }>(INCIDENT_QUEUE_SQL, params);
  if (raw.rows.map((r) => r.report_id).join() !== body.incidents.map((i) => i.reportId).join()) {
    throw new Error(`${label}: the HTTP answer and the raw query disagree`);
  }
  const injected = await h.server.inject({ method: 'GET', url: '/api/queue', headers });
  if (injected.statusCode !== 200 || injected.body !== text)
    throw new Error(`${label}: inject answered differently (${injected.statusCode})`);

  const run: Record<Mode, () => Promise<unknown>> = {
    http: async () => {
      const r = await fetch(`${baseUrl}/api/queue`, { headers });
      await r.text();
      if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
    },
    inject: async () => {
      const r = await h.server.inject({ method: 'GET', url: '/api/queue', headers });
      if (r.statusCode !== 200) throw new Error(`${label}: ${r.statusCode}`);
    },
    usecase: async () => JSON.stringify(await queue(ctx, {})),
    auth: async () => {
      if (!(await principalFromApiToken(h.app, m.token, { ip: '127.0.0.1' }))) throw new Error(`${label}: token refused`);
    },
    raw: () => h.app.db.query(INCIDENT_QUEUE_SQL, params),
  };
  for (const mode of MODES) await timeLoop(WARMUP, run[mode]);
  // Interleaved: each round runs every mode once (starting at a different mode each round), so a
  // burst of load from elsewhere on the machine or a GC pause hits all modes alike and the ratios hold.
  const samples = Object.fromEntries(MODES.map((m) => [m, [] as Sample[]])) as Record<Mode, Sample[]>;
  const gc = watchGc();
  for (let i = 0; i < REQUESTS; i++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(i + k) % MODES.length]!;
      const start = performance.now();
      await run[mode]();
      samples[mode].push({ start, ms: performance.now() - start });
    }
  }
  const pauses = await gc.stop();
  const modes = {} as Record<Mode, Stats>;
  const gcByMode = {} as Record<Mode, GcShare>;
  for (const mode of MODES) {
    modes[mode] = stats(samples[mode].map((x) => x.ms));
    gcByMode[mode] = gcShare(samples[mode], pauses);
  }
  return {
    label,
    central: principal.central,
    projectIds: principal.projectIds,
    incidentsReturned: body.incidents.length,
    reportsReturned: body.reports.length,
    responseBytes: Buffer.byteLength(text),
    modes,
    gc: gcByMode,
    ratio: {
      httpP50: modes.http.p50 / modes.raw.p50,
      httpP99: modes.http.p99 / modes.raw.p99,
      injectP50: modes.inject.p50 / modes.raw.p50,
      injectP99: modes.inject.p99 / modes.raw.p99,
    },
  };
}

interface ProbeResult {
  label: string;
  query: { status: 'open' | 'closed'; limit: number; offset: number };
  rows: number;
  current: Stats;
  /** Candidate rewrites (bench/candidates.ts), each checked to return the same rows. */
  candidates: Record<string, Stats>;
}

// ("inline", which chose the page first, is now the query in src/app/cases/queries.ts.)
const CANDIDATES: [string, string][] = [['paged', PAGED_QUEUE_SQL]];

/**
 * Raw SQL only: the incident query for other principals and pages, next to the candidate rewrites.
 * Last, it adds the denormalized columns and index to the bench's own schema and times that
 * candidate for the principals who are not on the central team.
 */
async function probes(h: BenchEnv, desk: BenchDesk): Promise<{ list: ProbeResult[]; denormSetupMs: number }> {
  const member = await principalOf(h.app, desk.projectMember);
  const central = await principalOf(h.app, desk.central);
  const open = { status: 'open' as const, limit: 50, offset: 0 };
  const cases = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_participants WHERE person_id = $1', [
    member.personId,
  ]);
  const list: { label: string; p: PersonPrincipal; q: ProbeResult['query'] }[] = [
    ...desk.projects.map((x) => ({
      label: `team ${x.slug} (${Math.round(x.weight * 100)}% of incidents)`,
      p: { ...member, projectIds: [x.id] },
      q: open,
    })),
    { label: `collaborator on no team (${cases.rows[0]!.n} cases)`, p: { ...member, projectIds: [] }, q: open },
    { label: `team ${desk.memberProject.slug}, offset 1000`, p: member, q: { ...open, offset: 1000 } },
    { label: `team ${desk.memberProject.slug}, closed`, p: member, q: { ...open, status: 'closed' } },
    { label: 'central, closed', p: central, q: { ...open, status: 'closed' } },
    { label: 'central, limit 200', p: central, q: { ...open, limit: 200 } },
    { label: 'central, offset 1000', p: central, q: { ...open, offset: 1000 } },
    { label: 'central, offset 10000', p: central, q: { ...open, offset: 10000 } },
  ];
  const warm = Math.min(3, PROBE_ITERATIONS);
  const measure = async (label: string, name: string, sql: string, params: unknown[], expected: string | null) => {
    if (expected !== null && JSON.stringify((await h.app.db.query(sql, params)).rows) !== expected) {
      throw new Error(`probe ${label}: the ${name} query returns different rows`);
    }
    await timeLoop(warm, () => h.app.db.query(sql, params));
    return stats(await timeLoop(PROBE_ITERATIONS, () => h.app.db.query(sql, params)));
  };
  const out: (ProbeResult & { params: unknown[]; expected: string; central: boolean })[] = [];
  for (const x of list) {
    const params = incidentQueueParams(x.p, QueueQuery.parse(x.q));
    const a = await h.app.db.query(INCIDENT_QUEUE_SQL, params);
    const expected = JSON.stringify(a.rows);
    const current = await measure(x.label, 'current', INCIDENT_QUEUE_SQL, params, null);
    const candidates: Record<string, Stats> = {};
    // Candidates take the first six parameters: they have no due-date filter.
    for (const [name, sql] of CANDIDATES) candidates[name] = await measure(x.label, name, sql, params.slice(0, 6), expected);
    out.push({ label: x.label, query: x.q, rows: a.rows.length, current, candidates, params, expected, central: x.p.central });
  }
  const t = performance.now();
  const [alter, vacuum] = DENORMALIZED_SETUP_SQL.split(/;\s*(?=VACUUM)/);
  await h.app.db.transaction((tx) => tx.exec(alter!));
  await h.app.db.exec(vacuum!);
  const denormSetupMs = performance.now() - t;
  for (const x of out) {
    if (!x.central) x.candidates.denorm = await measure(x.label, 'denorm', DENORMALIZED_MEMBER_QUEUE_SQL, x.params.slice(0, 6), x.expected);
  }
  return { list: out.map(({ params: _p, expected: _e, central: _c, ...r }) => r), denormSetupMs };
}

function printProbes(backend: Backend, list: ProbeResult[]) {
  const names = [...CANDIDATES.map(([n]) => n), 'denorm'];
  const head = ['probe (raw incident query)', 'rows', 'current p50', 'p99', ...names.flatMap((n) => [`${n} p50`, 'p99'])];
  const rows = list.map((r) => [
    r.label,
    String(r.rows),
    ms(r.current.p50),
    ms(r.current.p99),
    ...names.flatMap((n) => (r.candidates[n] ? [ms(r.candidates[n].p50), ms(r.candidates[n].p99)] : ['-', '-'])),
  ]);
  const widths = head.map((x, i) => Math.max(x.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  log(`\n${backend}: ${PROBE_ITERATIONS} runs each, ms; candidates from bench/candidates.ts return the same rows (checked)`);
  log(line(head));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) log(line(r));
}

/** Microseconds per sealer.open of a report title (the queue opens one per listed report in triage). */
function sealerOpenMicros(h: BenchEnv): number {
  const id = crypto.randomUUID();
  const sealed = h.app.sealer.seal('Triage report: possible memory corruption in BL31', aad('reports', 'title', id));
  const n = 2000;
  for (let i = 0; i < 200; i++) h.app.sealer.open(sealed, aad('reports', 'title', id));
  const t = performance.now();
  for (let i = 0; i < n; i++) h.app.sealer.open(sealed, aad('reports', 'title', id));
  return ((performance.now() - t) * 1000) / n;
}

function printTable(backend: Backend, results: PrincipalResult[]) {
  const head = ['backend', 'principal', 'mode', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'max ms', 'gc ms (n≥5ms)'];
  const rows: string[][] = [];
  for (const r of results) {
    for (const mode of MODES) {
      const s = r.modes[mode];
      const g = r.gc[mode];
      rows.push([
        backend,
        r.label,
        mode,
        String(s.n),
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        ms(s.mean),
        ms(s.max),
        `${ms(g.totalMs)} (${g.over5ms})`,
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  log(line(head));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) log(line(r));
  log('');
  for (const r of results) {
    log(
      `${backend} ${r.label}: HTTP/raw p50 ${r.ratio.httpP50.toFixed(1)}x, p99 ${r.ratio.httpP99.toFixed(1)}x; inject/raw p50 ${r.ratio.injectP50.toFixed(1)}x, p99 ${r.ratio.injectP99.toFixed(1)}x` +
        ` (${r.incidentsReturned} incidents + ${r.reportsReturned} reports, ${r.responseBytes} bytes)`,
    );
  }
}

async function runBackend(backend: Backend) {
  const started = performance.now();
  log(`\n=== ${backend}: ${INCIDENTS} incidents, ${REQUESTS} requests per mode after ${WARMUP} warm-up ===`);
  const load = { cores: cpus().length, loadavgAtStart: loadavg(), loadavgAtEnd: [] as number[] };
  const h = await openBench(backend);
  try {
    const desk = await setupBenchDesk(h, MEMBER_PROJECT);
    log(`desk set up (${((performance.now() - started) / 1000).toFixed(1)} s)${h.schema ? `, schema ${h.schema}` : ''}`);
    const data: BulkResult = await bulkLoad(h, desk, { incidents: INCIDENTS, triage: TRIAGE, staff: 20 });
    log(
      `loaded ${data.incidents} incidents (${data.openIncidents} open), ${data.reports} reports (${data.triageReports} in triage), ` +
        `${data.incidentProjects} incident_projects, ${data.caseParticipants} case_participants in ${(data.loadMs / 1000).toFixed(1)} s; ` +
        `VACUUM ANALYZE ${(data.analyzeMs / 1000).toFixed(1)} s; the ${desk.memberProject.slug} member may see ${data.openVisibleToProjectMember} open incidents`,
    );

    const plans: Record<string, string> = {};
    if (backend === 'postgres' || args.explain) {
      for (const [label, m] of [
        ['central', desk.central],
        ['project member', desk.projectMember],
      ] as const) {
        plans[label] = await explain(h, await principalOf(h.app, m));
        log(`\n--- EXPLAIN (ANALYZE, BUFFERS) incident queue, ${label} (${backend}) ---\n${plans[label]}`);
      }
      log('');
    }

    await h.server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.server.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    h.baseUrl = baseUrl;
    const results = [
      await benchPrincipal(h, baseUrl, 'central', desk.central),
      await benchPrincipal(h, baseUrl, `project member (${desk.memberProject.slug})`, desk.projectMember),
    ];
    printTable(backend, results);
    load.loadavgAtEnd = loadavg();
    log(
      `load average ${load.loadavgAtEnd.map((x) => x.toFixed(2)).join(' ')} on ${load.cores} cores` +
        (load.loadavgAtEnd[0]! > load.cores ? ': the machine was busy with other work; tail latencies include waiting for a CPU' : ''),
    );
    const openMicros = sealerOpenMicros(h);
    log(`sealer.open of one title: ${openMicros.toFixed(0)} µs (x ${TRIAGE} reports in triage listed for the central member)`);
    const probeResults = args['skip-probes'] ? null : await probes(h, desk);
    if (probeResults) {
      printProbes(backend, probeResults.list);
      log(
        `(denorm: adding the columns and index to ${data.incidentProjects} incident_projects rows took ${(probeResults.denormSetupMs / 1000).toFixed(1)} s)`,
      );
    }

    const elapsed = (performance.now() - started) / 1000;
    const out = {
      benchmark: 'queue',
      backend,
      at: new Date().toISOString(),
      node: process.version,
      elapsedSeconds: elapsed,
      load,
      options: { incidents: INCIDENTS, requests: REQUESTS, warmup: WARMUP, triage: TRIAGE, memberProject: MEMBER_PROJECT },
      data,
      results,
      sealerOpenMicros: openMicros,
      probes: probeResults?.list ?? [],
      denormSetupMs: probeResults?.denormSetupMs ?? null,
      explain: plans,
    };
    log(`${backend} done in ${elapsed.toFixed(0)} s; wrote ${writeResults('queue', backend, out)}`);
  } finally {
    await h.close();
  }
}

for (const b of backends) await runBackend(b);
