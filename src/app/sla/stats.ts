import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import type { PersonPrincipal } from '../../domain/access.ts';
import { isValidTimeZone } from '../../domain/calendar.ts';
import { ValidationError } from '../../domain/errors.ts';
import { SUPERSEDING_PREFIX, SUPERSEDING_REASONS } from '../../domain/sla-outcome.ts';
import { requireDesk, requirePerson, type Ctx } from '../context.ts';
import { rulesOf } from '../admin/instance.ts';
import { viewerTimeZone } from '../viewer.ts';

// SLA statistics: how well the team keeps the profile's clocks, over a period, for the cases a person
// may see (the queue's rule: the central team sees every case, a project team the incidents forwarded
// to its project, anyone pulled into a case that case). All aggregation runs in SQL; the statements
// are exported so bench/sla.ts times them raw next to the use case and the HTTP route.
//
// A deadline row counts unless it was superseded: a row stopped because the owner changed, the
// clock resumed after a pause ('reassigned: ...'), the priority changed or the deadline was
// recomputed is history, replaced by the row that carries on (src/domain/sla-outcome.ts has the same
// rule for one row). For each counted row:
//   met       stopped on or before its due time                      (counted when it stopped)
//   missed    stopped after its due time                             (counted when it stopped)
//   breached  its due time passed before it was stopped, whether it was stopped later or still
//             runs                                                   (counted when it fell due)
//   running   started and not stopped at the end of the period; paused ones are running but
//             never overdue; overdue = running, not paused, past its due time
// A clock paused before its due time and stopped while paused is due later by the pause.
// Share met = met / (met + breached): of the deadlines decided in the period, how many were kept. A
// deadline nobody acts on counts against the share from the moment it falls due, not only once
// someone finally stops it.

export const SlaQuery = z.strictObject({
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  bucket: z.enum(['week', 'month']).default('week'),
  timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone like Europe/London').optional(),
});

export const DEFAULT_PERIOD_DAYS = 90;
/** The longest period the dashboard aggregates (weekly buckets stay a few hundred). */
export const MAX_PERIOD_DAYS = 1830;
const DAY_MS = 86_400_000;

/**
 * Histogram buckets by upper bound, in seconds (hours for acknowledgment, months for fixes): bucket i
 * holds durations in (bound[i-1], bound[i]], the first from 0, and one more bucket holds the rest.
 * Upper bounds included, as Prometheus's "le" buckets are.
 */
export const DURATION_BOUNDS_SECONDS = [
  4 * 3600,
  86_400,
  2 * 86_400,
  3 * 86_400,
  5 * 86_400,
  7 * 86_400,
  14 * 86_400,
  30 * 86_400,
  60 * 86_400,
  90 * 86_400,
] as const;

export const MEASURES = ['acknowledge', 'triage', 'fix', 'disclose'] as const;
export type Measure = (typeof MEASURES)[number];

const MEASURE_LABEL: Record<Measure, string> = {
  acknowledge: 'Time to acknowledge',
  triage: 'Time to triage',
  fix: 'Time to fix',
  disclose: 'Time to disclose',
};

// --- SQL ---
// Parameters shared by every statement: $1 central (boolean), $2 the person's project ids (uuid[]),
// $3 the person's id, $4 the start of the period, $5 its end ("as of": never later than now).

/**
 * The queue's visibility rule: the cases a person was pulled into and the incidents of their projects,
 * computed once per statement (only when it is needed: not for the central team).
 */
const VISIBLE_CTE = `vis AS MATERIALIZED (
  SELECT cp.report_id FROM case_participants cp WHERE cp.person_id = $3::uuid
  UNION
  SELECT i.report_id FROM incident_projects ip JOIN incidents i ON i.id = ip.incident_id WHERE ip.project_id = ANY($2::uuid[]))`;
/** For a report id column; the statement's WITH must include VISIBLE_CTE. */
const visible = (reportId: string) => `($1::boolean OR ${reportId} IN (SELECT report_id FROM vis))`;

/** Rows replaced by another row of the same clock (owner change, resumed pause, priority change, recomputation). */
export const SUPERSEDED_SQL = `(dl.stop_reason IS NOT NULL AND (dl.stop_reason LIKE '${SUPERSEDING_PREFIX}%' OR dl.stop_reason IN (${SUPERSEDING_REASONS.map((r) => `'${r}'`).join(', ')})))`;

/** Counted deadline rows that matter for the period, with their effective due time (later by a pause). */
const COUNTED_DEADLINES = `
  SELECT dl.clock, dl.started_at, dl.stopped_at, dl.due_at,
         (dl.paused_at IS NOT NULL AND dl.paused_at <= $5) AS paused,
         CASE WHEN dl.paused_at IS NOT NULL AND dl.paused_at <= $5 AND dl.paused_at < dl.due_at
              THEN dl.due_at + (LEAST(COALESCE(dl.stopped_at, $5::timestamptz), $5::timestamptz) - dl.paused_at)
              ELSE dl.due_at END AS eff_due
    FROM deadlines dl
   WHERE NOT ${SUPERSEDED_SQL}
     AND dl.started_at <= $5
     AND (dl.stopped_at IS NULL OR dl.stopped_at >= $4 OR dl.due_at >= $4)
     AND ${visible('dl.report_id')}`;

/** Per clock: finished, met, missed, breached in the period; running, paused, overdue at its end. */
export const SLA_CLOCK_COUNTS_SQL = `
WITH ${VISIBLE_CTE},
d AS (${COUNTED_DEADLINES})
SELECT clock,
       count(*) FILTER (WHERE stopped_at BETWEEN $4 AND $5)::int AS finished,
       count(*) FILTER (WHERE stopped_at BETWEEN $4 AND $5 AND stopped_at <= eff_due)::int AS met,
       count(*) FILTER (WHERE stopped_at BETWEEN $4 AND $5 AND stopped_at > eff_due)::int AS missed,
       count(*) FILTER (WHERE eff_due >= $4 AND eff_due < $5 AND (stopped_at IS NULL OR stopped_at > eff_due))::int AS breached,
       count(*) FILTER (WHERE stopped_at IS NULL OR stopped_at > $5)::int AS running,
       count(*) FILTER (WHERE (stopped_at IS NULL OR stopped_at > $5) AND paused)::int AS paused,
       count(*) FILTER (WHERE (stopped_at IS NULL OR stopped_at > $5) AND NOT paused AND due_at < $5)::int AS overdue
  FROM d
 GROUP BY clock`;

/**
 * Per clock and calendar bucket (week or month in $7's zone): deadlines met (by when they stopped) and
 * breached (by when they fell due). $6 'week' | 'month', $7 time zone, $8 the profile's clock ids
 * (listed even without data). Every bucket of the period is listed, empty ones with zeros.
 */
export const SLA_SERIES_SQL = `
WITH ${VISIBLE_CTE},
d AS (${COUNTED_DEADLINES}),
ev AS (
  SELECT clock, date_trunc($6::text, stopped_at AT TIME ZONE $7::text) AS b, 1 AS met, 0 AS breached
    FROM d WHERE stopped_at BETWEEN $4 AND $5 AND stopped_at <= eff_due
  UNION ALL
  SELECT clock, date_trunc($6::text, eff_due AT TIME ZONE $7::text), 0, 1
    FROM d WHERE eff_due >= $4 AND eff_due < $5 AND (stopped_at IS NULL OR stopped_at > eff_due)
),
agg AS (SELECT clock, b, sum(met)::int AS met, sum(breached)::int AS breached FROM ev GROUP BY clock, b),
buckets AS (
  SELECT generate_series(date_trunc($6::text, $4::timestamptz AT TIME ZONE $7::text), $5::timestamptz AT TIME ZONE $7::text, ('1 ' || $6::text)::interval) AS b
),
clocks AS (SELECT unnest($8::text[]) AS clock UNION SELECT clock FROM agg)
SELECT c.clock, (bk.b AT TIME ZONE $7::text) AS bucket_start, COALESCE(a.met, 0) AS met, COALESCE(a.breached, 0) AS breached
  FROM clocks c CROSS JOIN buckets bk
  LEFT JOIN agg a ON a.clock = c.clock AND a.b = bk.b
 ORDER BY c.clock, bk.b`;

/**
 * Distributions, one row per measure, of events in the period, in seconds:
 *   acknowledge  report received → acknowledged: the acknowledgment to the reporter (Tock) or the stop
 *                of the first-response clock ($6: TF triage, Tock initial-review), whichever came first;
 *                one sample per counted row of that clock (a report has one)
 *   triage       report received → the coordinator's first decision (Received → Valid/Invalid/Accepted;
 *                a decision after a reopening is not a first one)
 *   fix          report received → fix ready (Vultron F, incidents.fix_ready_at)
 *   disclose     report received → public aware (Vultron P, incidents.public_aware_at)
 * n, p50 and p90 (nearest rank: observed values; left out for the metrics, which do not show them),
 * the sum, and counts per histogram bucket (DURATION_BOUNDS_SECONDS), all in one pass over the samples.
 * A measure without data has n = 0, no percentiles and empty buckets.
 */
function durationsSql(percentiles: boolean): string {
  const bounds: readonly number[] = DURATION_BOUNDS_SECONDS;
  const buckets = [...bounds, null].map((upper, i) => {
    const lower = i === 0 ? null : bounds[i - 1]!;
    const cond = [lower === null ? null : `secs > ${lower}`, upper === null ? null : `secs <= ${upper}`].filter(Boolean).join(' AND ');
    return `count(*) FILTER (WHERE ${cond})::int`;
  });
  return `
WITH ${VISIBLE_CTE},
samples AS (
  SELECT 'acknowledge'::text AS measure, GREATEST(extract(epoch FROM LEAST(r.acknowledged_at, dl.stopped_at) - r.received_at)::float8, 0) AS secs
    FROM deadlines dl JOIN reports r ON r.id = dl.report_id
   WHERE dl.clock = ANY($6::text[]) AND NOT ${SUPERSEDED_SQL}
     AND (dl.stopped_at IS NULL OR dl.stopped_at >= $4)
     AND LEAST(r.acknowledged_at, dl.stopped_at) BETWEEN $4 AND $5
     AND ${visible('dl.report_id')}
  UNION ALL
  SELECT 'triage', GREATEST(extract(epoch FROM t.at - r.received_at)::float8, 0)
    FROM transitions t JOIN reports r ON r.id = t.subject_id
   WHERE t.machine = 'report-management' AND t.participant = 'coordinator' AND t.from_state = 'received'
     AND t.at BETWEEN $4 AND $5
     AND NOT EXISTS (SELECT 1 FROM transitions e
                      WHERE e.subject_id = t.subject_id AND e.id < t.id
                        AND e.machine = 'report-management' AND e.participant = 'coordinator' AND e.from_state = 'received')
     AND ${visible('r.id')}
  UNION ALL
  SELECT v.measure, GREATEST(extract(epoch FROM v.at - r.received_at)::float8, 0)
    FROM incidents i JOIN reports r ON r.id = i.report_id
   CROSS JOIN LATERAL (VALUES ('fix', i.fix_ready_at), ('disclose', i.public_aware_at)) AS v(measure, at)
   WHERE (i.fix_ready_at BETWEEN $4 AND $5 OR i.public_aware_at BETWEEN $4 AND $5)
     AND v.at BETWEEN $4 AND $5
     AND ${visible('r.id')}
),
stats AS (
  -- The sum in numeric: exact, so a parallel plan adds up to the same value every time.
  SELECT measure, count(*)::int AS n, sum(secs::numeric)::float8 AS total,
         ${percentiles ? '(percentile_disc(0.5) WITHIN GROUP (ORDER BY secs))::float8' : 'NULL::float8'} AS p50,
         ${percentiles ? '(percentile_disc(0.9) WITHIN GROUP (ORDER BY secs))::float8' : 'NULL::float8'} AS p90,
         ARRAY[${buckets.join(', ')}] AS histogram
    FROM samples GROUP BY measure
)
SELECT m.measure, COALESCE(s.n, 0) AS n, COALESCE(s.total, 0)::float8 AS total, s.p50, s.p90,
       COALESCE(s.histogram, array_fill(0, ARRAY[${bounds.length + 1}])) AS histogram
  FROM unnest(ARRAY['acknowledge', 'triage', 'fix', 'disclose']) WITH ORDINALITY AS m(measure, ord)
  LEFT JOIN stats s ON s.measure = m.measure
 ORDER BY m.ord`;
}

export const SLA_DURATIONS_SQL = durationsSql(true);
/** The same without percentiles, for /metrics (Prometheus derives quantiles from the buckets). */
export const SLA_METRICS_DURATIONS_SQL = durationsSql(false);

/** Desk-wide queue gauges for /metrics. */
export const SLA_QUEUE_GAUGES_SQL = `
SELECT (SELECT count(*) FROM reports WHERE incident_id IS NULL AND rm_state <> 'closed')::int AS in_triage,
       (SELECT count(*) FROM reports WHERE incident_id IS NULL AND rm_state = 'received' AND triager_id IS NULL)::int AS awaiting_triage,
       (SELECT count(*) FROM incidents WHERE status = 'open')::int AS open_incidents`;

// --- Parameters and shaping ---

export interface SlaScope {
  central: boolean;
  projectIds: readonly string[];
  personId: string | null;
}

export const scopeOf = (p: PersonPrincipal): SlaScope => ({ central: p.central, projectIds: p.projectIds, personId: p.personId });
/** Everything on the desk (the metrics for an admin or the central team). */
export const DESK_SCOPE: SlaScope = { central: true, projectIds: [], personId: null };

export function slaParams(scope: SlaScope, from: Date | null, asOf: Date): unknown[] {
  return [scope.central, scope.projectIds, scope.personId, from ?? '-infinity', asOf];
}

export interface ClockInfo {
  id: string;
  name: string;
  stage: string;
}

export interface ClockCounts {
  clock: string;
  name: string;
  stage: string;
  finished: number;
  met: number;
  missed: number;
  breached: number;
  running: number;
  paused: number;
  overdue: number;
  /** met / (met + breached), or null when nothing was decided in the period. */
  shareMet: number | null;
}

export interface SeriesBucket {
  start: string;
  met: number;
  breached: number;
  shareMet: number | null;
}

export interface Distribution {
  measure: Measure;
  label: string;
  /** What is measured, from which data. */
  source: string;
  n: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
  meanSeconds: number | null;
  sumSeconds: number;
  /** Durations in (fromSeconds, toSeconds]; the first bucket includes 0, the last has no upper bound. */
  histogram: { fromSeconds: number; toSeconds: number | null; count: number }[];
}

export interface SlaDashboard {
  period: { from: string; to: string; asOf: string; bucket: 'week' | 'month'; timeZone: string };
  clocks: ClockCounts[];
  series: { clock: string; name: string; stage: string; buckets: SeriesBucket[] }[];
  distributions: Distribution[];
}

const share = (met: number, breached: number) => (met + breached === 0 ? null : met / (met + breached));

/** The profile's clocks with their names and stages, in the profile's order. */
export async function profileClocks(tx: Queryable): Promise<ClockInfo[]> {
  return (await rulesOf(tx)).clocks.map((c) => ({ id: c.id, name: c.name, stage: c.stage }));
}

/** The first-response clocks: the profile's first clock started by the report's arrival. */
export async function acknowledgeClocks(tx: Queryable): Promise<string[]> {
  const rules = await rulesOf(tx);
  const first = rules.clocks.find((c) => c.startsOn === 'report_received');
  return first ? [first.id] : [];
}

function sourceOf(measure: Measure, ackClocks: readonly string[]): string {
  switch (measure) {
    case 'acknowledge':
      return `report received to its acknowledgment or the stop of the first-response clock (${ackClocks.join(', ') || 'none in this profile'}), whichever came first`;
    case 'triage':
      return 'report received to the first triage decision (valid, invalid or accepted)';
    case 'fix':
      return 'report received to fix ready (Vultron F)';
    case 'disclose':
      return 'report received to public aware (Vultron P)';
  }
}

function orderClocks<T extends { clock: string }>(rows: T[], clocks: ClockInfo[]): T[] {
  const index = (id: string) => {
    const i = clocks.findIndex((c) => c.id === id);
    return i < 0 ? clocks.length : i;
  };
  return [...rows].sort((a, b) => index(a.clock) - index(b.clock) || a.clock.localeCompare(b.clock));
}

function infoOf(clocks: ClockInfo[], id: string): ClockInfo {
  return clocks.find((c) => c.id === id) ?? { id, name: id, stage: 'unknown' };
}

export async function clockCounts(
  db: Queryable,
  scope: SlaScope,
  from: Date | null,
  asOf: Date,
  clocks: ClockInfo[],
): Promise<ClockCounts[]> {
  const r = await db.query<{
    clock: string;
    finished: number;
    met: number;
    missed: number;
    breached: number;
    running: number;
    paused: number;
    overdue: number;
  }>(SLA_CLOCK_COUNTS_SQL, slaParams(scope, from, asOf));
  const zero = { finished: 0, met: 0, missed: 0, breached: 0, running: 0, paused: 0, overdue: 0 };
  const rows = [...r.rows];
  for (const c of clocks) if (!rows.some((x) => x.clock === c.id)) rows.push({ clock: c.id, ...zero });
  return orderClocks(rows, clocks).map((x) => {
    const info = infoOf(clocks, x.clock);
    return {
      clock: x.clock,
      name: info.name,
      stage: info.stage,
      finished: x.finished,
      met: x.met,
      missed: x.missed,
      breached: x.breached,
      running: x.running,
      paused: x.paused,
      overdue: x.overdue,
      shareMet: share(x.met, x.breached),
    };
  });
}

export async function distributions(
  db: Queryable,
  scope: SlaScope,
  from: Date | null,
  asOf: Date,
  ackClocks: string[],
  sql = SLA_DURATIONS_SQL,
): Promise<Distribution[]> {
  const bounds: readonly number[] = DURATION_BOUNDS_SECONDS;
  const r = await db.query<{ measure: Measure; n: number; total: number; p50: number | null; p90: number | null; histogram: number[] }>(
    sql,
    [...slaParams(scope, from, asOf), ackClocks],
  );
  return r.rows.map((x) => ({
    measure: x.measure,
    label: MEASURE_LABEL[x.measure],
    source: sourceOf(x.measure, ackClocks),
    n: x.n,
    p50Seconds: x.p50,
    p90Seconds: x.p90,
    meanSeconds: x.n ? x.total / x.n : null,
    sumSeconds: x.total,
    histogram: [...bounds, null].map((upper, i) => ({
      fromSeconds: i === 0 ? 0 : bounds[i - 1]!,
      toSeconds: upper,
      count: Number(x.histogram[i] ?? 0),
    })),
  }));
}

export interface Period {
  from: Date;
  to: Date;
  asOf: Date;
  bucket: 'week' | 'month';
  timeZone: string;
}

/** The period asked for, checked: default the last 90 days; "as of" is the end, never later than now. */
export async function periodOf(ctx: Ctx, raw: unknown): Promise<Period> {
  const p = requirePerson(ctx);
  const q = SlaQuery.parse(raw ?? {});
  const now = ctx.app.clock();
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from >= to) throw new ValidationError('The period must start before it ends.', [{ path: 'from', message: 'must be before to' }]);
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new ValidationError(`The period may be at most ${MAX_PERIOD_DAYS} days long.`, [
      { path: 'from', message: `at most ${MAX_PERIOD_DAYS} days before to` },
    ]);
  }
  if (from > now) throw new ValidationError('The period must start in the past.', [{ path: 'from', message: 'must not be in the future' }]);
  // biome-ignore lint/complexity/useMathMinMax: these are Dates, and Math.min would answer a number
  const asOf = to < now ? to : now;
  const timeZone = q.timeZone ?? (await viewerTimeZone(ctx.app, p.personId)) ?? 'UTC';
  return { from, to, asOf, bucket: q.bucket, timeZone };
}

/** The SLA dashboard for the cases this person may see. */
export async function slaDashboard(ctx: Ctx, raw: unknown): Promise<SlaDashboard> {
  const p = requirePerson(ctx);
  const period = await periodOf(ctx, raw);
  const db = ctx.app.db;
  const scope = scopeOf(p);
  const clocks = await profileClocks(db);
  const ackClocks = await acknowledgeClocks(db);
  const [counts, series, dist] = await Promise.all([
    clockCounts(db, scope, period.from, period.asOf, clocks),
    db.query<{ clock: string; bucket_start: Date; met: number; breached: number }>(SLA_SERIES_SQL, [
      ...slaParams(scope, period.from, period.asOf),
      period.bucket,
      period.timeZone,
      clocks.map((c) => c.id),
    ]),
    distributions(db, scope, period.from, period.asOf, ackClocks),
  ]);
  const byClock = new Map<string, SeriesBucket[]>();
  for (const row of series.rows) {
    const list = byClock.get(row.clock) ?? [];
    list.push({
      start: new Date(row.bucket_start).toISOString(),
      met: row.met,
      breached: row.breached,
      shareMet: share(row.met, row.breached),
    });
    byClock.set(row.clock, list);
  }
  return {
    period: {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      asOf: period.asOf.toISOString(),
      bucket: period.bucket,
      timeZone: period.timeZone,
    },
    clocks: counts,
    series: orderClocks(
      [...byClock].map(([clock, buckets]) => ({ clock, buckets })),
      clocks,
    ).map((s) => ({ clock: s.clock, ...pick(infoOf(clocks, s.clock)), buckets: s.buckets })),
    distributions: dist,
  };
}

const pick = (c: ClockInfo) => ({ name: c.name, stage: c.stage });

// --- Metrics ---

export interface SlaMetrics {
  clocks: ClockCounts[];
  /** Without percentiles: Prometheus derives quantiles from the histogram buckets. */
  distributions: Distribution[];
  queue: { inTriage: number; awaitingTriage: number; openIncidents: number };
}

/**
 * Desk-wide figures for Prometheus: all-time finished deadlines by outcome, running and overdue ones
 * now, the queue, and the distributions. For admins and the central team: counts only, no case.
 */
export async function slaMetrics(ctx: Ctx): Promise<SlaMetrics> {
  requireDesk(ctx, 'metrics.read');
  const db = ctx.app.db;
  const now = ctx.app.clock();
  const clocks = await profileClocks(db);
  const ackClocks = await acknowledgeClocks(db);
  const [counts, dist, queue] = await Promise.all([
    clockCounts(db, DESK_SCOPE, null, now, clocks),
    distributions(db, DESK_SCOPE, null, now, ackClocks, SLA_METRICS_DURATIONS_SQL),
    db.query<{ in_triage: number; awaiting_triage: number; open_incidents: number }>(SLA_QUEUE_GAUGES_SQL),
  ]);
  const q = queue.rows[0]!;
  return {
    clocks: counts,
    distributions: dist,
    queue: { inTriage: q.in_triage, awaitingTriage: q.awaiting_triage, openIncidents: q.open_incidents },
  };
}

// --- Running clocks of listed cases (the queue) ---

/**
 * The running clocks of the given cases, earliest due first within each case (paused ones last), for
 * the cases among them this person may see. $4: the report ids.
 */
export const RUNNING_CLOCKS_SQL = `
WITH ${VISIBLE_CTE}
SELECT dl.report_id, dl.clock, dl.due_at, dl.paused_at, p.name AS owner, pr.slug AS project
  FROM deadlines dl
  LEFT JOIN people p ON p.id = dl.owner_id
  LEFT JOIN projects pr ON pr.id = dl.project_id
 WHERE dl.report_id = ANY($4::uuid[]) AND dl.stopped_at IS NULL
   AND ${visible('dl.report_id')}
 ORDER BY dl.report_id, dl.paused_at IS NOT NULL, dl.due_at, dl.clock`;

export interface RunningClock {
  clock: string;
  name: string;
  project: string | null;
  owner: string | null;
  dueAt: string;
  paused: boolean;
  overdue: boolean;
}

/** Which clocks run on each of these cases, and who owns them (the queue shows the first of each). */
export async function runningClocks(ctx: Ctx, reportIds: readonly string[]): Promise<Map<string, RunningClock[]>> {
  const p = requirePerson(ctx);
  const out = new Map<string, RunningClock[]>();
  if (reportIds.length === 0) return out;
  const now = ctx.app.clock();
  const clocks = await profileClocks(ctx.app.db);
  const r = await ctx.app.db.query<{
    report_id: string;
    clock: string;
    due_at: Date;
    paused_at: Date | null;
    owner: string | null;
    project: string | null;
  }>(RUNNING_CLOCKS_SQL, [p.central, p.projectIds, p.personId, [...new Set(reportIds)]]);
  for (const row of r.rows) {
    const list = out.get(row.report_id) ?? [];
    const due = new Date(row.due_at);
    list.push({
      clock: row.clock,
      name: infoOf(clocks, row.clock).name,
      project: row.project,
      owner: row.owner,
      dueAt: due.toISOString(),
      paused: row.paused_at !== null,
      overdue: row.paused_at === null && due < now,
    });
    out.set(row.report_id, list);
  }
  return out;
}
