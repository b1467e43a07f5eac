// Benchmark: SLA due dates and the compliance dashboard over a large desk (default 100,000
// incidents), on PGlite and PostgreSQL.
//
//   PATH=$PWD/node_modules/.bin:$PATH node bench/sla.ts [--backend=pglite|postgres|both]
//        [--incidents=100000] [--rounds=6] [--metrics-rounds=3] [--warmup=1] [--member-project=tf-m] [--explain]
//
// 1. Due dates, in JS: dueAt (src/domain/deadline.ts) for every clock of every incident — the triage
//    clock (3 working days in the triager's zone, public holidays of England and Wales) and one
//    project-analysis clock per project (7 calendar days in the handler's zone) — timed per kind,
//    next to addHours-only dueAt calls on the same starts as the baseline.
// 2. Those deadlines are loaded with set-based SQL (the due dates as arrays, the rest derived in SQL),
//    with stop times that meet or miss them, superseded rows (a claim that recomputed the deadline),
//    clocks still running, and the triage transitions; VACUUM ANALYZE.
// 3. The dashboard, for a central-team member (every case) and a project-team member, the default
//    period (90 days) and a year, timed interleaved (each round runs every mode once):
//      http     GET /api/sla/dashboard over a real loopback socket (fetch, keep-alive)
//      usecase  slaDashboard(ctx): the period, the profile's clocks and the three statements, shaped
//      raw      the three statements (SLA_CLOCK_COUNTS_SQL, SLA_SERIES_SQL, SLA_DURATIONS_SQL) alone, at
//               once as the use case runs them (PGlite serialises them; a server's pool does not)
//    and /metrics (all time, desk-wide) against its raw statements; prints HTTP/raw and usecase/raw
//    ratios and each statement's share. The central member's counts are checked against the same
//    counts computed in JS from the generated rows.
//
// PostgreSQL runs in a schema of its own (EMBARGO_BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres), dropped at the end. Results go to
// bench/results/sla-<backend>.json (gitignored).

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { dueAt, type OwnerCalendar } from '../src/domain/deadline.ts';
import {
  acknowledgeClocks,
  DESK_SCOPE,
  profileClocks,
  SLA_CLOCK_COUNTS_SQL,
  SLA_DURATIONS_SQL,
  SLA_METRICS_DURATIONS_SQL,
  SLA_QUEUE_GAUGES_SQL,
  SLA_SERIES_SQL,
  slaDashboard,
  slaMetrics,
  slaParams,
  scopeOf,
  type SlaScope,
} from '../src/app/sla/stats.ts';
import type { Ctx } from '../src/app/context.ts';
import type { Member } from '../test/support/harness.ts';
import {
  backendsArg,
  writeResults,
  bulkLoad,
  intArg,
  openBench,
  principalOf,
  setupBenchDesk,
  stats,
  timeLoop,
  type Backend,
  type BenchEnv,
  type Stats,
} from './support.ts';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    incidents: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '6' },
    'metrics-rounds': { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'member-project': { type: 'string', default: 'tf-m' },
    explain: { type: 'boolean', default: false },
  },
  strict: true,
});

const backends = backendsArg(args.backend);
const INCIDENTS = intArg('incidents', args.incidents, 10, 2_000_000);
const ROUNDS = intArg('rounds', args.rounds, 1, 10_000);
const WARMUP = intArg('warmup', args.warmup, 0, 1000);
const METRICS_ROUNDS = intArg('metrics-rounds', args['metrics-rounds'], 1, 10_000);
const MEMBER_PROJECT = args['member-project'];

const log = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const DAY = 86_400_000;

// Handlers' calendars: four zones with their public holidays; the triager works in London.
const ZONES: { timeZone: string; holidayRegion: string }[] = [
  { timeZone: 'Europe/London', holidayRegion: 'GB-ENG' },
  { timeZone: 'America/Los_Angeles', holidayRegion: 'US-CA' },
  { timeZone: 'Asia/Kolkata', holidayRegion: 'IN' },
  { timeZone: 'Pacific/Auckland', holidayRegion: 'NZ' },
];

interface DueTimings {
  triageCalls: number;
  triageMs: number;
  projectCalls: number;
  projectMs: number;
  baselineCalls: number;
  baselineMs: number;
}

interface DueDates {
  reportIds: string[];
  /** The triager's deadline (London, GB-ENG holidays), ms. */
  triageDue: number[];
  /** The deadline before anyone claimed (desk default, no holidays), ms: the superseded row's. */
  unownedDue: number[];
  incidentIds: string[];
  projectIds: string[];
  projectDue: number[];
  timings: DueTimings;
}

/** Reads every clock's start and owner and computes its due date with dueAt, timed per kind. */
async function computeDueDates(h: BenchEnv): Promise<DueDates> {
  const reports = await h.app.db.query<{ id: string; received_at: Date }>('SELECT id, received_at FROM reports ORDER BY number');
  const parts = await h.app.db.query<{ incident_id: string; project_id: string; handler_id: string | null; received_at: Date }>(
    'SELECT incident_id, project_id, handler_id, received_at FROM incident_projects ORDER BY incident_id, project_id',
  );
  const triageCal: OwnerCalendar = { timeZone: 'Europe/London', workingWeek: [1, 2, 3, 4, 5], holidayRegion: 'GB-ENG' };
  const unowned: OwnerCalendar = { timeZone: 'Europe/London', workingWeek: [1, 2, 3, 4, 5] };
  const handlerCal = new Map<string, OwnerCalendar>();
  const calOf = (handlerId: string | null): OwnerCalendar => {
    if (!handlerId) return unowned;
    let c = handlerCal.get(handlerId);
    if (!c) {
      const z = ZONES[handlerCal.size % ZONES.length]!;
      c = { timeZone: z.timeZone, workingWeek: [1, 2, 3, 4, 5], holidayRegion: z.holidayRegion };
      handlerCal.set(handlerId, c);
    }
    return c;
  };
  const triageStarts = reports.rows.map((r) => new Date(r.received_at));
  const partStarts = parts.rows.map((p) => new Date(p.received_at));
  const partCals = parts.rows.map((p) => calOf(p.handler_id));

  // Each loop does nothing but call dueAt.
  let t = performance.now();
  const triageDue = triageStarts.map((s) => dueAt({ amount: 3, unit: 'working-days' }, s, triageCal).getTime());
  const triageMs = performance.now() - t;
  t = performance.now();
  const projectDue = partStarts.map((s, i) => dueAt({ amount: 7, unit: 'days' }, s, partCals[i]!).getTime());
  const projectMs = performance.now() - t;
  t = performance.now();
  const baseline = triageStarts.map((s) => dueAt({ amount: 72, unit: 'hours' }, s, unowned).getTime());
  const baselineMs = performance.now() - t;
  if (baseline.length !== triageStarts.length) throw new Error('unreachable');
  // Untimed: the unowned deadline of the rows a claim superseded.
  const unownedDue = triageStarts.map((s) => dueAt({ amount: 3, unit: 'working-days' }, s, unowned).getTime());
  return {
    reportIds: reports.rows.map((r) => r.id),
    triageDue,
    unownedDue,
    incidentIds: parts.rows.map((p) => p.incident_id),
    projectIds: parts.rows.map((p) => p.project_id),
    projectDue,
    timings: {
      triageCalls: triageStarts.length,
      triageMs,
      projectCalls: partStarts.length,
      projectMs,
      baselineCalls: triageStarts.length,
      baselineMs,
    },
  };
}

// A deterministic whole number in [0, modulus) from an integer and a salt. Integer arithmetic only,
// so both back ends make exactly the same rows.
const u = (expr: string, salt: number, modulus: number) => `((hashint4((${expr}) * 16 + ${salt}) & 2147483647) % ${modulus})`;
/** An instant from epoch milliseconds, exactly. */
const ms2ts = (expr: string) => `(timestamptz 'epoch' + (${expr})::bigint * interval '1 millisecond')`;

/**
 * The deadline rows, set-based, with the due dates computed in JS: every report's triage clock
 * (decided 2 hours to 7 days after the report, so met or missed; still running for reports in
 * triage), a superseded unowned row before it for a third of them (claimed an hour in), and every
 * incident project's analysis clock (stopped 0–12 days after receipt; running while unclaimed).
 */
const INSERT_TRIAGE_SQL = `
INSERT INTO deadlines (id, report_id, incident_id, project_id, clock, owner_id, time_zone, started_at, due_at, stopped_at, stop_reason)
SELECT gen_random_uuid(), r.id, NULL, NULL, 'triage', v.owner, 'Europe/London', r.received_at, ${ms2ts('v.due')}, v.stopped, v.reason
  FROM unnest($1::uuid[], $2::int8[], $3::int8[]) AS x(report_id, due, unowned_due)
  JOIN reports r ON r.id = x.report_id
  CROSS JOIN LATERAL (
    SELECT $4::uuid AS owner, x.due,
           CASE WHEN r.incident_id IS NULL THEN NULL ELSE r.received_at + interval '2 hours' + ${u('r.number', 2, 7 * 86_400)} * interval '1 second' END AS stopped,
           CASE WHEN r.incident_id IS NULL THEN NULL ELSE 'report_accepted' END AS reason
    UNION ALL
    SELECT NULL, x.unowned_due, r.received_at + interval '1 hour', 'reassigned: claimed triage' WHERE ${u('r.number', 1, 100)} < 33
  ) AS v`;

const INSERT_PROJECT_SQL = `
INSERT INTO deadlines (id, report_id, incident_id, project_id, clock, owner_id, time_zone, started_at, due_at, stopped_at, stop_reason)
SELECT gen_random_uuid(), i.report_id, i.id, ip.project_id, 'project-analysis', ip.handler_id, COALESCE(p.time_zone, 'Europe/London'),
       ip.received_at, ${ms2ts('x.due')},
       CASE WHEN i.status = 'open' AND ip.rm_state = 'received' THEN NULL ELSE ip.received_at + ${u('hashtext(i.ref) & 134217727', 3, 12 * 86_400)} * interval '1 second' END,
       CASE WHEN i.status = 'open' AND ip.rm_state = 'received' THEN NULL ELSE 'vulnerability_confirmed' END
  FROM unnest($1::uuid[], $2::uuid[], $3::int8[]) AS x(incident_id, project_id, due)
  JOIN incident_projects ip ON ip.incident_id = x.incident_id AND ip.project_id = x.project_id
  JOIN incidents i ON i.id = ip.incident_id
  LEFT JOIN people p ON p.id = ip.handler_id`;

interface Row {
  clock: string;
  startedAt: Date;
  dueAt: Date;
  stoppedAt: Date | null;
  stopReason: string | null;
}

async function loadDeadlines(
  h: BenchEnv,
  due: DueDates,
  triagerId: string,
): Promise<{ insertMs: number; transitionsMs: number; analyzeMs: number; rows: Row[] }> {
  const now = h.app.clock();
  let t = performance.now();
  let insertMs = 0;
  await h.app.db.transaction(async (tx) => {
    await tx.query(INSERT_TRIAGE_SQL, [due.reportIds, due.triageDue, due.unownedDue, triagerId]);
    await tx.query(INSERT_PROJECT_SQL, [due.incidentIds, due.projectIds, due.projectDue]);
    // Stops after the bench's "now" have not happened yet: a claim not yet made supersedes nothing,
    // a decision not yet taken leaves its clock running.
    await tx.query(`DELETE FROM deadlines WHERE stopped_at > $1 AND stop_reason LIKE 'reassigned%'`, [now]);
    await tx.query('UPDATE deadlines SET stopped_at = NULL, stop_reason = NULL WHERE stopped_at > $1', [now]);
    insertMs = performance.now() - t;
    t = performance.now();
    // The coordinator's report management: start → received at arrival, received → accepted when triage stopped.
    await tx.query(
      `INSERT INTO transitions (machine, subject_type, subject_id, participant, from_state, to_state, actor_id, at, reason)
       SELECT 'report-management', 'report', r.id, 'coordinator', 'start', 'received', NULL, r.received_at, 'bench' FROM reports r`,
    );
    await tx.query(
      `INSERT INTO transitions (machine, subject_type, subject_id, participant, from_state, to_state, actor_id, at, reason)
       SELECT 'report-management', 'report', d.report_id, 'coordinator', 'received', 'accepted', d.owner_id, d.stopped_at, 'bench'
         FROM deadlines d WHERE d.clock = 'triage' AND d.stop_reason = 'report_accepted'`,
    );
  });
  const transitionsMs = performance.now() - t;
  t = performance.now();
  await h.app.db.exec('VACUUM ANALYZE');
  const analyzeMs = performance.now() - t;
  const back = await h.app.db.query<{ clock: string; started_at: Date; due_at: Date; stopped_at: Date | null; stop_reason: string | null }>(
    'SELECT clock, started_at, due_at, stopped_at, stop_reason FROM deadlines',
  );
  const rows = back.rows.map((r) => ({
    clock: r.clock,
    startedAt: new Date(r.started_at),
    dueAt: new Date(r.due_at),
    stoppedAt: r.stopped_at ? new Date(r.stopped_at) : null,
    stopReason: r.stop_reason,
  }));
  return { insertMs, transitionsMs, analyzeMs, rows };
}

/** The central member's counts for a period, computed in JS from the generated rows: the check. */
function expectedCounts(rows: Row[], from: Date, asOf: Date) {
  const out: Record<string, { finished: number; met: number; missed: number; breached: number; running: number; overdue: number }> = {};
  for (const r of rows) {
    if (r.stopReason?.startsWith('reassigned')) continue;
    if (r.startedAt > asOf) continue;
    const c = (out[r.clock] ??= { finished: 0, met: 0, missed: 0, breached: 0, running: 0, overdue: 0 });
    const stopped = r.stoppedAt;
    if (stopped && stopped >= from && stopped <= asOf) {
      c.finished++;
      if (stopped <= r.dueAt) c.met++;
      else c.missed++;
    }
    if (r.dueAt >= from && r.dueAt < asOf && (!stopped || stopped > r.dueAt)) c.breached++;
    if (!stopped || stopped > asOf) {
      c.running++;
      if (r.dueAt < asOf) c.overdue++;
    }
  }
  return out;
}

const MODES = ['http', 'usecase', 'raw'] as const;
type Mode = (typeof MODES)[number];

interface Scenario {
  label: string;
  modes: Record<Mode, Stats>;
  /** Each raw statement timed alone, same rounds. */
  statements: Record<string, Stats>;
  ratio: { httpP50: number; usecaseP50: number; httpMean: number };
  responseBytes: number;
}

async function interleave(run: Record<string, () => Promise<unknown>>, rounds = ROUNDS, warmup = WARMUP): Promise<Record<string, Stats>> {
  const names = Object.keys(run);
  for (const n of names) await timeLoop(warmup, run[n]!);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(i + k) % names.length]!;
      const t = performance.now();
      await run[n]!();
      samples[n]!.push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, stats(samples[n]!)]));
}

async function benchDashboard(h: BenchEnv, baseUrl: string, label: string, m: Member, days: number): Promise<Scenario> {
  const principal = await principalOf(h.app, m);
  const ctx: Ctx = { app: h.app, principal };
  const now = h.app.clock();
  const from = new Date(now.getTime() - days * DAY).toISOString();
  const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(now.toISOString())}&bucket=week`;
  const headers = { authorization: `Bearer ${m.token}` };
  const clocks = (await profileClocks(h.app.db)).map((c) => c.id);
  const ack = await acknowledgeClocks(h.app.db);
  const scope: SlaScope = scopeOf(principal);
  const base = slaParams(scope, new Date(from), now);
  const tz = 'Europe/London';
  const statements: Record<string, () => Promise<unknown>> = {
    counts: () => h.app.db.query(SLA_CLOCK_COUNTS_SQL, base),
    series: () => h.app.db.query(SLA_SERIES_SQL, [...base, 'week', tz, clocks]),
    durations: () => h.app.db.query(SLA_DURATIONS_SQL, [...base, ack]),
  };

  // One checked request: HTTP and the use case agree.
  const res = await fetch(`${baseUrl}/api/sla/dashboard?${query}`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${label}: GET /api/sla/dashboard answered ${res.status}: ${text}`);
  const direct = await slaDashboard(ctx, { from, to: now.toISOString(), bucket: 'week' });
  if (JSON.stringify(direct) !== text) {
    const a = JSON.stringify(direct);
    let i = 0;
    while (i < a.length && a[i] === text[i]) i++;
    throw new Error(
      `${label}: the HTTP answer and the use case disagree at ${i}: …${a.slice(Math.max(0, i - 200), i + 100)}… vs …${text.slice(Math.max(0, i - 200), i + 100)}…`,
    );
  }

  const run: Record<Mode, () => Promise<unknown>> = {
    http: async () => {
      const r = await fetch(`${baseUrl}/api/sla/dashboard?${query}`, { headers });
      await r.text();
      if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
    },
    usecase: async () => JSON.stringify(await slaDashboard(ctx, { from, to: now.toISOString(), bucket: 'week' })),
    // As the use case runs them: all three at once (PGlite serialises them; a server pool does not).
    raw: () => Promise.all([statements.counts!(), statements.series!(), statements.durations!()]),
  };
  const modes = (await interleave(run)) as Record<Mode, Stats>;
  const each = await interleave(statements);
  return {
    label: `${label}, ${days} days`,
    modes,
    statements: each,
    responseBytes: Buffer.byteLength(text),
    ratio: {
      httpP50: modes.http.p50 / modes.raw.p50,
      usecaseP50: modes.usecase.p50 / modes.raw.p50,
      httpMean: modes.http.mean / modes.raw.mean,
    },
  };
}

async function benchMetrics(h: BenchEnv, baseUrl: string, m: Member): Promise<Scenario> {
  const ctx: Ctx = { app: h.app, principal: await principalOf(h.app, m) };
  const headers = { authorization: `Bearer ${m.token}` };
  const now = h.app.clock();
  const ack = await acknowledgeClocks(h.app.db);
  const base = slaParams(DESK_SCOPE, null, now);
  const statements: Record<string, () => Promise<unknown>> = {
    counts: () => h.app.db.query(SLA_CLOCK_COUNTS_SQL, base),
    durations: () => h.app.db.query(SLA_METRICS_DURATIONS_SQL, [...base, ack]),
    gauges: () => h.app.db.query(SLA_QUEUE_GAUGES_SQL),
  };
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text}`);
  const run: Record<Mode, () => Promise<unknown>> = {
    http: async () => {
      const r = await fetch(`${baseUrl}/metrics`, { headers });
      await r.text();
      if (r.status !== 200) throw new Error(`/metrics: ${r.status}`);
    },
    usecase: () => slaMetrics(ctx),
    raw: () => Promise.all([statements.counts!(), statements.durations!(), statements.gauges!()]),
  };
  // All time is the heavy case: fewer rounds, one warm-up.
  const modes = (await interleave(run, METRICS_ROUNDS, Math.min(1, WARMUP))) as Record<Mode, Stats>;
  const each = await interleave(statements, METRICS_ROUNDS, 0);
  return {
    label: '/metrics (central, all time)',
    modes,
    statements: each,
    responseBytes: Buffer.byteLength(text),
    ratio: {
      httpP50: modes.http.p50 / modes.raw.p50,
      usecaseP50: modes.usecase.p50 / modes.raw.p50,
      httpMean: modes.http.mean / modes.raw.mean,
    },
  };
}

function printScenarios(backend: Backend, list: Scenario[]) {
  const head = ['backend', 'scenario', 'mode', 'n', 'p50 ms', 'p90 ms', 'mean ms', 'max ms'];
  const rows: string[][] = [];
  for (const s of list) {
    for (const mode of MODES) {
      const x = s.modes[mode];
      rows.push([backend, s.label, mode, String(x.n), ms(x.p50), ms(x.p90), ms(x.mean), ms(x.max)]);
    }
    for (const [name, x] of Object.entries(s.statements))
      rows.push([backend, s.label, `  raw ${name}`, String(x.n), ms(x.p50), ms(x.p90), ms(x.mean), ms(x.max)]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  log(line(head));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) log(line(r));
  log('');
  for (const s of list) {
    log(
      `${backend} ${s.label}: HTTP/raw p50 ${s.ratio.httpP50.toFixed(2)}x (mean ${s.ratio.httpMean.toFixed(2)}x), use case/raw p50 ${s.ratio.usecaseP50.toFixed(2)}x (${s.responseBytes} bytes)`,
    );
  }
}

async function explain(h: BenchEnv, scope: SlaScope): Promise<string> {
  const now = h.app.clock();
  const base = slaParams(scope, new Date(now.getTime() - 90 * DAY), now);
  const out: string[] = [];
  for (const [name, sql, params] of [
    ['counts', SLA_CLOCK_COUNTS_SQL, base],
    ['durations', SLA_DURATIONS_SQL, [...base, await acknowledgeClocks(h.app.db)]],
  ] as const) {
    const r = await h.app.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [...params]);
    out.push(`--- ${name} ---`, ...r.rows.map((x) => x['QUERY PLAN']));
  }
  return out.join('\n');
}

async function runBackend(backend: Backend) {
  const started = performance.now();
  log(`\n=== ${backend}: ${INCIDENTS} incidents, ${ROUNDS} rounds per mode after ${WARMUP} warm-up ===`);
  const load = { cores: cpus().length, loadavgAtStart: loadavg(), loadavgAtEnd: [] as number[] };
  const h = await openBench(backend);
  try {
    const desk = await setupBenchDesk(h, MEMBER_PROJECT);
    const data = await bulkLoad(h, desk, { incidents: INCIDENTS, triage: 40, staff: 20 });
    log(
      `loaded ${data.incidents} incidents (${data.openIncidents} open), ${data.reports} reports, ${data.incidentProjects} incident_projects in ${(data.loadMs / 1000).toFixed(1)} s`,
    );

    const due = await computeDueDates(h);
    const timings = due.timings;
    const per = (msTotal: number, n: number) => `${((msTotal * 1000) / n).toFixed(2)} µs/call`;
    log(
      `dueAt in JS: ${timings.triageCalls} triage clocks (3 working days, London + GB-ENG holidays) ${ms(timings.triageMs)} ms, ${per(timings.triageMs, timings.triageCalls)}; ` +
        `${timings.projectCalls} project-analysis clocks (7 days, 4 zones) ${ms(timings.projectMs)} ms, ${per(timings.projectMs, timings.projectCalls)}; ` +
        `baseline 72 hours ${ms(timings.baselineMs)} ms, ${per(timings.baselineMs, timings.baselineCalls)}`,
    );
    log(
      `  working days/baseline ${(timings.triageMs / timings.baselineMs).toFixed(1)}x, calendar days/baseline ${(timings.projectMs / timings.projectCalls / (timings.baselineMs / timings.baselineCalls)).toFixed(1)}x per call; ` +
        `all ${timings.triageCalls + timings.projectCalls} clocks ${ms(timings.triageMs + timings.projectMs)} ms`,
    );
    const { rows, ...deadlineLoad } = await loadDeadlines(h, due, desk.central.personId);
    log(
      `loaded ${rows.length} deadline rows (${rows.filter((r) => r.stopReason?.startsWith('reassigned')).length} superseded, ${rows.filter((r) => !r.stoppedAt).length} running) ` +
        `in ${(deadlineLoad.insertMs / 1000).toFixed(1)} s, the triage transitions in ${(deadlineLoad.transitionsMs / 1000).toFixed(1)} s, VACUUM ANALYZE ${(deadlineLoad.analyzeMs / 1000).toFixed(1)} s`,
    );

    // The check: the central member's counts equal the same counts computed in JS.
    const central = await principalOf(h.app, desk.central);
    const now = h.app.clock();
    for (const days of [90, 365]) {
      const from = new Date(now.getTime() - days * DAY);
      const d = await slaDashboard({ app: h.app, principal: central }, { from: from.toISOString(), to: now.toISOString() });
      const got = Object.fromEntries(
        d.clocks.map((c) => [
          c.clock,
          { finished: c.finished, met: c.met, missed: c.missed, breached: c.breached, running: c.running, overdue: c.overdue },
        ]),
      );
      const want = expectedCounts(rows, from, now);
      if (JSON.stringify(got) !== JSON.stringify(Object.fromEntries(Object.keys(got).map((k) => [k, want[k]])))) {
        throw new Error(`counts for ${days} days differ from the JS check:\n${JSON.stringify(got)}\n${JSON.stringify(want)}`);
      }
      log(
        `checked ${days} days: ${JSON.stringify(got)}; distributions n = ${d.distributions.map((x) => `${x.measure} ${x.n}`).join(', ')}`,
      );
    }

    const plans: Record<string, string> = {};
    if (backend === 'postgres' || args.explain) {
      plans.central = await explain(h, scopeOf(central));
      plans.member = await explain(h, scopeOf(await principalOf(h.app, desk.projectMember)));
      log(
        `\n--- EXPLAIN (ANALYZE, BUFFERS), central, 90 days (${backend}) ---\n${plans.central}\n--- project member ---\n${plans.member}\n`,
      );
    }

    await h.server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.server.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    h.baseUrl = baseUrl;
    const scenarios = [
      await benchDashboard(h, baseUrl, 'central', desk.central, 90),
      await benchDashboard(h, baseUrl, `project member (${desk.memberProject.slug})`, desk.projectMember, 90),
      await benchDashboard(h, baseUrl, 'central', desk.central, 365),
      await benchMetrics(h, baseUrl, desk.central),
    ];
    printScenarios(backend, scenarios);
    load.loadavgAtEnd = loadavg();
    log(`load average ${load.loadavgAtEnd.map((x) => x.toFixed(2)).join(' ')} on ${load.cores} cores`);
    const elapsed = (performance.now() - started) / 1000;
    const out = {
      benchmark: 'sla',
      backend,
      at: new Date().toISOString(),
      node: process.version,
      elapsedSeconds: elapsed,
      load,
      options: { incidents: INCIDENTS, rounds: ROUNDS, metricsRounds: METRICS_ROUNDS, warmup: WARMUP, memberProject: MEMBER_PROJECT },
      data: { ...data, deadlines: rows.length, deadlineLoad },
      dueAt: timings,
      scenarios,
      explain: plans,
    };
    log(`${backend} done in ${elapsed.toFixed(0)} s; wrote ${writeResults('sla', backend, out)}`);
  } finally {
    await h.close();
  }
}

for (const b of backends) await runBackend(b);
