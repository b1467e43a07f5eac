import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app/bootstrap.ts';
import { buildServer } from '../src/http/server.ts';
import { aad, type App } from '../src/app/context.ts';
import { loadPrincipal } from '../src/app/auth/auth.ts';
import type { PersonPrincipal } from '../src/domain/access.ts';
import { TestClock, setupDesk, addMember, addProject, type Harness, type Member } from '../test/support/harness.ts';

// Benchmark support: an App on PGlite (in memory) or on a PostgreSQL server in a schema of its own,
// a desk set up through the real use cases (the test harness helpers), and a set-based bulk load that
// bypasses the use cases but keeps every constraint of the schema valid.

export type Backend = 'pglite' | 'postgres';

/** Writes a run's figures to bench/results/<name>-<backend>.json (gitignored) and returns the path. */
export function writeResults(name: string, backend: Backend, out: unknown): string {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}-${backend}.json`, dir);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  return file.pathname;
}

/** A command-line integer within bounds, or a clear error naming the flag. */
export function intArg(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** --backend=pglite|postgres|both as the list of back ends to run. */
export function backendsArg(value: string): Backend[] {
  const backends: Backend[] = value === 'both' ? ['pglite', 'postgres'] : value === 'pglite' || value === 'postgres' ? [value] : [];
  if (!backends.length) throw new Error('--backend must be pglite, postgres or both');
  return backends;
}

export const POSTGRES_URL = process.env.EMBARGO_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchEnv extends Harness {
  backend: Backend;
  schema: string | null;
  /** Set once the server listens on a loopback socket. */
  baseUrl: string | null;
}

export interface OpenBenchOptions {
  /** Extra config settings (e.g. mailAliases for the mail benches). */
  config?: Record<string, unknown>;
  /** Prefix of the PostgreSQL schema's name (a random suffix follows). */
  schemaPrefix?: string;
}

/** Opens an App and its HTTP server; close() drops the PostgreSQL schema and removes the temp dir. */
export async function openBench(backend: Backend, clockIso = '2026-11-23T09:00:00Z', opts: OpenBenchOptions = {}): Promise<BenchEnv> {
  const clock = new TestClock(clockIso);
  const dataDir = backend === 'postgres' ? mkdtempSync(join(tmpdir(), 'embargo-bench-')) : ':memory:';
  const schema = backend === 'postgres' ? `${opts.schemaPrefix ?? 'bench_queue'}_${randomBytes(5).toString('hex')}` : null;
  // loadConfig gets an empty environment: the bench never picks up DATABASE_URL or EMBARGO_CONFIG by accident.
  const config = loadConfig(
    {},
    {
      databaseUrl: backend === 'postgres' ? POSTGRES_URL : null,
      dataDir,
      instanceKey: randomBytes(32).toString('base64'),
      passwordCostLog2: 14,
      // The bench's relay and listeners are on loopback, allow-listed as an on-premise relay would be.
      allowPrivateHosts: ['127.0.0.1'],
      ...opts.config,
    },
  );
  const app = await createApp(config, { clock: clock.fn, ...(schema ? { schema } : {}) });
  const server = await buildServer(app);
  let closed = false;
  return {
    backend,
    schema,
    app,
    server,
    clock,
    baseUrl: null,
    async close() {
      if (closed) return;
      closed = true;
      await server.close().catch(() => {});
      try {
        if (schema) await app.db.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await app.db.close();
        if (dataDir !== ':memory:') rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export interface BenchProject {
  slug: string;
  name: string;
  id: string;
  /** Share of incidents whose first project this is. */
  weight: number;
}

export interface BenchDesk {
  admin: Member;
  central: Member;
  projectMember: Member;
  memberProject: BenchProject;
  projects: BenchProject[];
}

/** Trusted Firmware's projects, weighted roughly like a real desk: a few large projects, a long tail. */
export const PROJECTS: Omit<BenchProject, 'id'>[] = [
  { slug: 'tf-a', name: 'TF-A', weight: 0.35 },
  { slug: 'mbedtls', name: 'Mbed TLS', weight: 0.3 },
  { slug: 'tf-m', name: 'TF-M', weight: 0.15 },
  { slug: 'op-tee', name: 'OP-TEE', weight: 0.1 },
  { slug: 'hafnium', name: 'Hafnium', weight: 0.06 },
  { slug: 'tf-rmm', name: 'TF-RMM', weight: 0.04 },
];

/** The desk through the real use cases: TF profile, projects, a central and a project-team member with API tokens. */
export async function setupBenchDesk(h: Harness, memberProjectSlug: string): Promise<BenchDesk> {
  const admin = await setupDesk(h, 'trusted-firmware');
  const projects: BenchProject[] = [];
  for (const p of PROJECTS) {
    const { projectId } = await addProject(admin, p.slug, p.name);
    projects.push({ ...p, id: projectId });
  }
  const memberProject = projects.find((p) => p.slug === memberProjectSlug);
  if (!memberProject) throw new Error(`unknown project ${memberProjectSlug}; one of ${projects.map((p) => p.slug).join(', ')}`);
  const central = await addMember(h, admin, { name: 'Cora Central', email: 'cora@tf.example', teams: ['security'] });
  const projectMember = await addMember(h, admin, {
    name: 'Pete Project',
    email: 'pete@tf.example',
    teams: [`${memberProject.slug}-security`],
  });
  return { admin, central, projectMember, memberProject, projects };
}

export async function principalOf(app: App, m: Member): Promise<PersonPrincipal> {
  const p = await loadPrincipal(app.db, m.personId);
  if (!p) throw new Error(`no principal for ${m.email}`);
  return p;
}

export interface BulkOptions {
  incidents: number;
  /** Reports still in triage (sealed per row: the queue opens their titles). */
  triage: number;
  /** Staff people (handlers, contacts, collaborators) inserted directly. */
  staff: number;
}

export interface BulkResult {
  reports: number;
  incidents: number;
  openIncidents: number;
  incidentProjects: number;
  caseParticipants: number;
  triageReports: number;
  /** Open incidents the project member may see (through the project or by being pulled in). */
  openVisibleToProjectMember: number;
  loadMs: number;
  analyzeMs: number;
}

// A deterministic uniform number in [0, 1) from the row number and a salt: the same data on both back ends.
const u = (salt: number) => `((hashint4(g * 16 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;

/**
 * One statement inserts reports, incidents, incident_projects, case_participants and the incident
 * counters from generate_series. Reports and incidents reference each other; the foreign-key checks
 * of a statement run when it ends, so one statement with data-modifying CTEs satisfies both.
 */
export const BULK_SQL = `
WITH base AS (
  SELECT g, $2::timestamptz - ((($1::int - g)::float8 / $1::int) * interval '3650 days') - interval '1 hour' AS created_at
    FROM generate_series(1, $1::int) AS g
), gen AS MATERIALIZED (
  SELECT g, created_at,
         md5('bench-report-' || g)::uuid AS report_id,
         md5('bench-incident-' || g)::uuid AS incident_id,
         ${u(1)} < 0.04 + 0.64 * power(g::float8 / $1::int, 3) AS is_open,
         width_bucket(${u(2)}, $4::float8[]) AS p1,
         CASE WHEN ${u(3)} < 0.12
              THEN ((width_bucket(${u(2)}, $4::float8[]) - 1 + 1 + floor(${u(4)} * (cardinality($3::uuid[]) - 1))::int) % cardinality($3::uuid[])) + 1
         END AS p2,
         ${u(5)} AS u_due,
         ${u(6)} AS u_null,
         (ARRAY['critical', 'high', 'medium', 'low'])[1 + floor(${u(7)} * 4)::int] AS severity,
         ${u(8)} AS u_cp,
         ($5::uuid[])[1 + (g % cardinality($5::uuid[]))] AS staff_id,
         ($5::uuid[])[1 + ((g / 7) % cardinality($5::uuid[]))] AS staff2_id,
         extract(year FROM created_at AT TIME ZONE 'UTC')::int AS yr,
         row_number() OVER (PARTITION BY extract(year FROM created_at AT TIME ZONE 'UTC') ORDER BY g) AS seq
    FROM base
), rep AS (
  INSERT INTO reports (id, number, channel, received_at, title_sealed, body_sealed, reporter_sealed, sensitive_sealed,
                       credit_preference, rm_state, triager_id, acknowledged_at, incident_id, status_token_hash, next_due_at, updated_at)
  SELECT report_id, g, CASE WHEN g % 10 = 0 THEN 'import' ELSE 'email' END, created_at - interval '2 days', $7::text, $8::text, $9::text, $10::text,
         (ARRAY['name', 'handle', 'anonymous'])[1 + g % 3], CASE WHEN is_open THEN 'accepted' ELSE 'closed' END, $6::uuid,
         created_at - interval '1 day', incident_id, encode(sha256(convert_to('bench-status-' || g, 'UTF8')), 'hex'), NULL, created_at
    FROM gen
  RETURNING 1
), inc AS (
  INSERT INTO incidents (id, ref, report_id, title_sealed, status, outcome, severity, affected_components, triager_id, contact_id,
                         vendor_aware_at, fix_ready_at, next_due_at, created_at, updated_at, closed_at)
  SELECT incident_id, 'TF-' || yr || '-' || lpad(seq::text, greatest(4, length(seq::text)), '0'), report_id,
         $7::text,
         CASE WHEN is_open THEN 'open' ELSE 'closed' END,
         CASE WHEN is_open THEN NULL ELSE (ARRAY['closed', 'rejected', 'downgraded'])[1 + g % 3] END,
         severity, ARRAY['component-' || (g % 13)], $6::uuid, CASE WHEN p2 IS NULL THEN staff_id ELSE $6::uuid END,
         created_at, CASE WHEN is_open THEN NULL ELSE created_at + interval '40 days' END,
         CASE WHEN is_open THEN CASE WHEN u_null < 0.08 THEN NULL ELSE $2::timestamptz + (u_due * 120 - 30) * interval '1 day' END
              ELSE CASE WHEN u_null < 0.97 THEN NULL ELSE created_at + u_due * 90 * interval '1 day' END END,
         created_at, created_at, CASE WHEN is_open THEN NULL ELSE created_at + interval '60 days' END
    FROM gen
  RETURNING 1
), ip AS (
  INSERT INTO incident_projects (incident_id, project_id, rm_state, handler_id, received_at, fix_deployed_at, outcome)
  SELECT gen.incident_id, ($3::uuid[])[v.b],
         CASE WHEN NOT is_open THEN 'closed' WHEN u_due < 0.3 THEN 'received' WHEN u_due < 0.6 THEN 'valid' ELSE 'accepted' END,
         CASE WHEN is_open AND u_due < 0.3 THEN NULL ELSE v.handler END, created_at,
         CASE WHEN is_open THEN NULL ELSE created_at + interval '50 days' END,
         CASE WHEN is_open THEN NULL ELSE 'confirmed' END
    FROM gen CROSS JOIN LATERAL (VALUES (gen.p1, gen.staff_id), (gen.p2, gen.staff2_id)) AS v(b, handler)
   WHERE v.b IS NOT NULL
  RETURNING 1
), cp AS (
  INSERT INTO case_participants (report_id, person_id, role, added_by, added_at)
  SELECT report_id, staff2_id, 'collaborator', staff_id, created_at + interval '3 days' FROM gen WHERE u_cp < 0.03 AND staff2_id <> staff_id
  UNION ALL
  SELECT report_id, $11::uuid, 'collaborator', $6::uuid, created_at + interval '3 days' FROM gen WHERE g % 2000 = 1000
  RETURNING 1
), cnt AS (
  INSERT INTO incident_counters (prefix, year, last)
  SELECT 'TF', yr, max(seq) FROM gen GROUP BY yr
  ON CONFLICT (prefix, year) DO UPDATE SET last = GREATEST(incident_counters.last, EXCLUDED.last)
  RETURNING 1
)
SELECT (SELECT count(*) FROM rep) AS reports, (SELECT count(*) FROM inc) AS incidents,
       (SELECT count(*) FROM ip) AS incident_projects, (SELECT count(*) FROM cp) AS case_participants,
       (SELECT count(*) FROM gen WHERE is_open) AS open_incidents`;

/** Fills the desk with opts.incidents incidents (and their reports) plus reports in triage, then VACUUM ANALYZE. */
export async function bulkLoad(h: BenchEnv, desk: BenchDesk, opts: BulkOptions): Promise<BulkResult> {
  const { app } = h;
  const now = app.clock();
  const t0 = performance.now();
  const projectIds = desk.projects.map((p) => p.id);
  const thresholds: number[] = [];
  let acc = 0;
  for (const p of desk.projects) {
    thresholds.push(acc);
    acc += p.weight;
  }
  // The queue only opens the titles of reports still in triage; reports that became incidents carry
  // one real envelope per column (sealed once, bound to a template id), so they look right but are
  // not meant to be opened (the case page of a bulk incident would refuse them).
  const tmpl = 'bench-template';
  const placeholder = {
    title: app.sealer.seal('Bulk-loaded benchmark report', aad('reports', 'title', tmpl)),
    body: app.sealer.seal('A benchmark report body. '.repeat(20), aad('reports', 'body', tmpl)),
    reporter: app.sealer.sealJson({ name: 'Rita Reporter', email: 'rita@research.example' }, aad('reports', 'reporter', tmpl)),
    sensitive: app.sealer.sealJson({ product: null, fields: [] }, aad('reports', 'sensitive', tmpl)),
  };

  const counts = await app.db.transaction(async (tx) => {
    // Staff: handlers, points of contact and collaborators, each on one project team.
    await tx.query(
      `INSERT INTO people (id, name, time_zone, created_at)
       SELECT md5('bench-person-' || g)::uuid, 'Staff Member ' || g, 'Europe/London', $2 FROM generate_series(1, $1::int) AS g`,
      [opts.staff, now],
    );
    await tx.query(
      `INSERT INTO team_members (team_id, person_id)
       SELECT pr.security_team_id, md5('bench-person-' || g)::uuid
         FROM generate_series(1, $1::int) AS g JOIN projects pr ON pr.id = ($2::uuid[])[1 + (g % cardinality($2::uuid[]))]`,
      [opts.staff, projectIds],
    );
    const staff = (
      await tx.query<{ id: string }>(`SELECT md5('bench-person-' || g)::uuid AS id FROM generate_series(1, $1::int) AS g`, [opts.staff])
    ).rows.map((r) => r.id);
    const r = await tx.query<{
      reports: number;
      incidents: number;
      incident_projects: number;
      case_participants: number;
      open_incidents: number;
    }>(BULK_SQL, [
      opts.incidents,
      now,
      projectIds,
      thresholds,
      staff,
      desk.central.personId,
      placeholder.title,
      placeholder.body,
      placeholder.reporter,
      placeholder.sensitive,
      desk.projectMember.personId,
    ]);

    // The queue opens every listed incident's title: each is sealed for its own row, in batches.
    const incidents = (await tx.query<{ id: string; ref: string }>('SELECT id, ref FROM incidents')).rows;
    const TOPICS = ['stack overflow in the image loader', 'missing bounds check in SMC handler', 'timing side channel in RSA'];
    for (let at = 0; at < incidents.length; at += 5000) {
      const batch = incidents.slice(at, at + 5000);
      await tx.query('UPDATE incidents i SET title_sealed = v.t FROM unnest($1::uuid[], $2::text[]) AS v(id, t) WHERE i.id = v.id', [
        batch.map((x) => x.id),
        batch.map((x, n) =>
          app.sealer.seal(`Bench incident ${x.ref}: ${TOPICS[(at + n) % TOPICS.length]}`, aad('incidents', 'title', x.id)),
        ),
      ]);
    }

    // Reports in triage, sealed per row (AAD binds the row id) in one multi-row INSERT with parameters.
    const cols = 13;
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < opts.triage; i++) {
      const id = crypto.randomUUID();
      const received = new Date(now.getTime() - (i % 5) * 86400_000 - i * 3600_000);
      const due = i % 7 === 6 ? null : new Date(now.getTime() + (((i * 37) % 96) - 24) * 3600_000);
      const row = [
        id,
        opts.incidents + 1 + i,
        i % 4 === 0 ? 'import' : 'email',
        received,
        app.sealer.seal(`Triage report ${i + 1}: possible memory corruption in BL31`, aad('reports', 'title', id)),
        app.sealer.seal('Details of the issue. '.repeat(10), aad('reports', 'body', id)),
        app.sealer.sealJson({ name: `Reporter ${i + 1}`, email: `r${i + 1}@research.example` }, aad('reports', 'reporter', id)),
        app.sealer.sealJson({ product: null, fields: [] }, aad('reports', 'sensitive', id)),
        i % 2 === 0 ? desk.central.personId : null,
        randomBytes(32).toString('hex'),
        due,
        received,
        'name',
      ];
      values.push(`(${row.map((_, k) => `$${i * cols + k + 1}`).join(', ')}, 'received')`);
      params.push(...row);
    }
    if (opts.triage > 0) {
      await tx.query(
        `INSERT INTO reports (id, number, channel, received_at, title_sealed, body_sealed, reporter_sealed, sensitive_sealed,
                              triager_id, status_token_hash, next_due_at, updated_at, credit_preference, rm_state)
         VALUES ${values.join(',\n')}`,
        params,
      );
      // The project member was pulled into two of them.
      await tx.query(
        `INSERT INTO case_participants (report_id, person_id, role, added_by, added_at)
         SELECT id, $1, 'collaborator', $2, $3 FROM reports WHERE incident_id IS NULL ORDER BY number LIMIT 2`,
        [desk.projectMember.personId, desk.central.personId, now],
      );
    }
    await tx.query(`SELECT setval('report_numbers', $1::bigint)`, [opts.incidents + opts.triage]);
    return r.rows[0]!;
  });
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  await app.db.exec('VACUUM ANALYZE');
  const analyzeMs = performance.now() - t1;

  const visible = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM incidents i WHERE i.status = 'open'
        AND (EXISTS (SELECT 1 FROM incident_projects ip WHERE ip.incident_id = i.id AND ip.project_id = $1)
             OR EXISTS (SELECT 1 FROM case_participants cp WHERE cp.report_id = i.report_id AND cp.person_id = $2))`,
    [desk.memberProject.id, desk.projectMember.personId],
  );
  return {
    reports: Number(counts.reports) + opts.triage,
    incidents: Number(counts.incidents),
    openIncidents: Number(counts.open_incidents),
    incidentProjects: Number(counts.incident_projects),
    caseParticipants: Number(counts.case_participants) + (opts.triage > 0 ? Math.min(2, opts.triage) : 0),
    triageReports: opts.triage,
    openVisibleToProjectMember: visible.rows[0]!.n,
    loadMs,
    analyzeMs,
  };
}

// --- Statistics ---

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles over the samples, in milliseconds. */
export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  const sum = s.reduce((a, b) => a + b, 0);
  return { n: s.length, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), mean: sum / s.length, min: s[0]!, max: s[s.length - 1]! };
}

export async function timeLoop(iterations: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    out[i] = performance.now() - t;
  }
  return out;
}

export interface Sample {
  /** performance.now() at the start of the sample. */
  start: number;
  ms: number;
}

export interface GcPause {
  start: number;
  ms: number;
}

/** Collects the GC pauses of this process until stop(). */
export function watchGc(): { stop(): Promise<GcPause[]> } {
  const pauses: GcPause[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) pauses.push({ start: e.startTime, ms: e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // GC entries are delivered asynchronously: give the last ones a turn of the event loop.
      await new Promise((r) => setTimeout(r, 50));
      obs.disconnect();
      return pauses;
    },
  };
}

export interface GcShare {
  /** Sum of the GC pauses that began while one of these samples ran. */
  totalMs: number;
  /** How many of those pauses took 5 ms or more. */
  over5ms: number;
}

export function gcShare(samples: Sample[], pauses: GcPause[]): GcShare {
  let totalMs = 0;
  let over5ms = 0;
  const sorted = [...samples].sort((a, b) => a.start - b.start);
  for (const p of pauses) {
    // The sample running when the pause began: the last one starting at or before it.
    let lo = 0;
    let hi = sorted.length - 1;
    let hit = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start <= p.start) {
        hit = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const s = hit >= 0 ? sorted[hit]! : null;
    if (s && p.start <= s.start + s.ms) {
      totalMs += p.ms;
      if (p.ms >= 5) over5ms++;
    }
  }
  return { totalMs, over5ms };
}
