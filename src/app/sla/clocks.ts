import { refreshNextDue } from '../cases/records/incidents.ts';
import type { Queryable } from '../../store/db.ts';
import { dueAt, type OwnerCalendar } from '../../domain/deadline.ts';
import type { CaseEvent, ProfileRules } from '../profile/rules.ts';
import { EMITTED_EVENTS, type EmittedEvent } from '../../process/events.ts';
import { SUPERSEDING_PREFIX, supersededReason, type StopReason } from '../../domain/sla-outcome.ts';
import type { Sealer } from '../../crypto/sealed.ts';
import { aad } from '../context.ts';
import { personCalendarExtras } from './calendars.ts';

// SLA clocks are rows in `deadlines`: started when the profile's start event happens, stopped by its
// stop events, and recomputed (old row stopped with a reason, new row started) when the owner changes.
// reports.next_due_at and incidents.next_due_at cache the earliest running deadline for the queue;
// each function here refreshes them when it changed a running clock, and only then.

export interface ClockScope {
  reportId: string;
  incidentId?: string | null;
  projectId?: string | null;
}

/**
 * The calendar a clock's deadline is counted in: the owner's time zone and working week, the public
 * holidays of their holiday region and their days off (src/app/sla/calendars.ts). Unowned clocks use the
 * desk's default time zone, Monday to Friday.
 */
export async function ownerCalendar(tx: Queryable, ownerId: string | null): Promise<OwnerCalendar> {
  if (ownerId) {
    const r = await tx.query<{ time_zone: string; working_week: number[] }>('SELECT time_zone, working_week FROM people WHERE id = $1', [
      ownerId,
    ]);
    const row = r.rows[0];
    if (row) return { timeZone: row.time_zone, workingWeek: row.working_week, ...(await personCalendarExtras(tx, ownerId)) };
  }
  const i = await tx.query<{ default_time_zone: string }>('SELECT default_time_zone FROM instance WHERE id = 1');
  return { timeZone: i.rows[0]?.default_time_zone ?? 'UTC', workingWeek: [1, 2, 3, 4, 5] };
}

async function insertDeadline(
  tx: Queryable,
  scope: ClockScope,
  clock: string,
  ownerId: string | null,
  timeZone: string,
  start: Date,
  due: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO deadlines (id, report_id, incident_id, project_id, clock, owner_id, time_zone, started_at, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [crypto.randomUUID(), scope.reportId, scope.incidentId ?? null, scope.projectId ?? null, clock, ownerId, timeZone, start, due],
  );
}

export async function startClocks(
  tx: Queryable,
  rules: ProfileRules,
  event: CaseEvent,
  scope: ClockScope,
  start: Date,
  ownerFor: (ownerRole: string) => string | null,
  priorityDays: number | null = null,
): Promise<void> {
  let started = 0;
  for (const rule of rules.clocksStartingOn(event)) {
    // A clock whose length comes from the priority starts only once a priority is known.
    const amount = rule.amount ?? priorityDays;
    if (amount === null) continue;
    const ownerId = ownerFor(rule.ownerRole);
    const cal = await ownerCalendar(tx, ownerId);
    await insertDeadline(tx, scope, rule.id, ownerId, cal.timeZone, start, dueAt({ amount, unit: rule.unit }, start, cal));
    started++;
  }
  if (started > 0) await refreshNextDue(tx, scope.reportId);
}

export async function stopClocks(tx: Queryable, rules: ProfileRules, event: CaseEvent, scope: ClockScope, at: Date): Promise<void> {
  const ids = rules.clocksStoppingOn(event);
  if (ids.length === 0) return;
  const r = await tx.query(
    `UPDATE deadlines SET stopped_at = $3, stop_reason = $4
      WHERE report_id = $1 AND clock = ANY($2) AND stopped_at IS NULL
        AND ($5::uuid IS NULL OR project_id = $5)`,
    [scope.reportId, ids, at, event, scope.projectId ?? null],
  );
  if (r.rowCount > 0) await refreshNextDue(tx, scope.reportId);
}

/** Stops every running clock of one project's part (the project was taken off the incident). */
export async function stopProjectClocks(tx: Queryable, reportId: string, projectId: string, at: Date, why: string): Promise<void> {
  const r = await tx.query(
    'UPDATE deadlines SET stopped_at = $3, stop_reason = $4 WHERE report_id = $1 AND project_id = $2 AND stopped_at IS NULL',
    [reportId, projectId, at, supersededReason(why)],
  );
  if (r.rowCount > 0) await refreshNextDue(tx, reportId);
}

/** Stops every running clock of the case (it was closed or rejected). */
export async function stopAllClocks(tx: Queryable, reportId: string, at: Date, reason: StopReason<EmittedEvent>): Promise<void> {
  const r = await tx.query('UPDATE deadlines SET stopped_at = $2, stop_reason = $3 WHERE report_id = $1 AND stopped_at IS NULL', [
    reportId,
    at,
    reason,
  ]);
  if (r.rowCount > 0) await refreshNextDue(tx, reportId);
}

/**
 * Stops rows replaced by another row of their clock. The stop reason says so ("reassigned", what the
 * SLA figures count by); why it happened, which names people and quotes what they wrote (a take-over's
 * reason, a severity change's), is sealed beside it (AAD deadlines.stop_note:<id>).
 */
async function supersede(tx: Queryable, sealer: Sealer, ids: readonly string[], at: Date, why: string): Promise<void> {
  for (const id of ids) {
    await tx.query('UPDATE deadlines SET stopped_at = $2, stop_reason = $3, stop_note_sealed = $4 WHERE id = $1', [
      id,
      at,
      SUPERSEDING_PREFIX,
      sealer.seal(why, aad('deadlines', 'stop_note', id)),
    ]);
  }
}

/**
 * The owner of running clocks changed (a triager claimed, a handler took over): the deadline is
 * recomputed from the clock's original start in the new owner's calendar; the old row is kept, stopped,
 * with the reason, so the history shows why the due date moved.
 */
export async function reassignClocks(
  tx: Queryable,
  rules: ProfileRules,
  scope: ClockScope,
  clockIds: readonly string[],
  newOwnerId: string,
  at: Date,
  reason: string,
  sealer: Sealer,
): Promise<void> {
  const running = await tx.query<{ id: string; clock: string; started_at: Date; incident_id: string | null; project_id: string | null }>(
    `SELECT id, clock, started_at, incident_id, project_id FROM deadlines
      WHERE report_id = $1 AND clock = ANY($2) AND stopped_at IS NULL AND ($3::uuid IS NULL OR project_id = $3)`,
    [scope.reportId, clockIds, scope.projectId ?? null],
  );
  if (running.rows.length === 0) return;
  const cal = await ownerCalendar(tx, newOwnerId);
  let replaced = 0;
  for (const d of running.rows) {
    const rule = rules.clockRule(d.clock);
    // Priority-length clocks count calendar days and keep their due date when the owner changes.
    if (!rule || rule.amount === null) continue;
    await supersede(tx, sealer, [d.id], at, reason);
    const start = new Date(d.started_at);
    const where = { reportId: scope.reportId, incidentId: d.incident_id, projectId: d.project_id };
    await insertDeadline(tx, where, d.clock, newOwnerId, cal.timeZone, start, dueAt({ amount: rule.amount, unit: rule.unit }, start, cal));
    replaced++;
  }
  if (replaced > 0) await refreshNextDue(tx, scope.reportId);
}

/**
 * Starts the clocks whose length is the priority's resolution time (Tock: P0 7 days ... P3 60), once
 * the priority is known. Each counts from when its start event happened, not from the assessment.
 */
export async function startPriorityClocks(
  tx: Queryable,
  rules: ProfileRules,
  scope: ClockScope,
  eventTimes: Partial<Record<CaseEvent, Date>>,
  ownerId: string | null,
  days: number,
  now: Date,
  sealer: Sealer,
  why = 'priority changed',
): Promise<Date | null> {
  let latest: Date | null = null;
  let started = 0;
  for (const rule of rules.clocks) {
    if (rule.amount !== null) continue;
    const start = eventTimes[rule.startsOn];
    if (!start) continue;
    // A clock its own stop event has ended (Tock's resolution, stopped when the fix went public) has
    // nothing left to time: a priority changed afterwards does not start it again.
    const stops = EMITTED_EVENTS.filter((e) => rules.clocksStoppingOn(e).includes(rule.id));
    const ended = await tx.query(
      'SELECT 1 FROM deadlines WHERE report_id = $1 AND clock = $2 AND stopped_at IS NOT NULL AND stop_reason = ANY($3) LIMIT 1',
      [scope.reportId, rule.id, stops],
    );
    if (ended.rows.length > 0) continue;
    const cal = await ownerCalendar(tx, ownerId);
    const due = dueAt({ amount: days, unit: rule.unit }, start, cal);
    const replaced = await tx.query<{ id: string }>('SELECT id FROM deadlines WHERE report_id = $1 AND clock = $2 AND stopped_at IS NULL', [
      scope.reportId,
      rule.id,
    ]);
    await supersede(
      tx,
      sealer,
      replaced.rows.map((r) => r.id),
      now,
      why,
    );
    await insertDeadline(tx, scope, rule.id, ownerId, cal.timeZone, start, due);
    started++;
    if (!latest || due > latest) latest = due;
  }
  if (started > 0) await refreshNextDue(tx, scope.reportId);
  return latest;
}

/** Pauses the running clocks whose rule pauses on this event; a paused clock is not due. */
export async function pauseClocks(tx: Queryable, rules: ProfileRules, event: CaseEvent, reportId: string, at: Date): Promise<number> {
  const ids = rules.clocks.filter((c) => c.pausesOn.includes(event)).map((c) => c.id);
  if (ids.length === 0) return 0;
  const r = await tx.query(
    'UPDATE deadlines SET paused_at = $3 WHERE report_id = $1 AND clock = ANY($2) AND stopped_at IS NULL AND paused_at IS NULL',
    [reportId, ids, at],
  );
  if (r.rowCount > 0) await refreshNextDue(tx, reportId);
  return r.rowCount;
}

/**
 * Resumes paused clocks whose rule resumes on this event: each is replaced by a clock due later by
 * the elapsed time it was paused (the old row stays, stopped, with the pause in its reason).
 */
export async function resumeClocks(tx: Queryable, rules: ProfileRules, event: CaseEvent, reportId: string, at: Date): Promise<number> {
  const ids = rules.clocks.filter((c) => c.resumesOn.includes(event)).map((c) => c.id);
  if (ids.length === 0) return 0;
  const paused = await tx.query<{
    id: string;
    incident_id: string | null;
    project_id: string | null;
    clock: string;
    owner_id: string | null;
    time_zone: string;
    started_at: Date;
    due_at: Date;
    paused_at: Date;
  }>(
    `SELECT id, incident_id, project_id, clock, owner_id, time_zone, started_at, due_at, paused_at FROM deadlines
      WHERE report_id = $1 AND clock = ANY($2) AND stopped_at IS NULL AND paused_at IS NOT NULL FOR UPDATE`,
    [reportId, ids],
  );
  for (const d of paused.rows) {
    const pausedAt = new Date(d.paused_at);
    const due = new Date(new Date(d.due_at).getTime() + (at.getTime() - pausedAt.getTime()));
    await tx.query('UPDATE deadlines SET stopped_at = $2, stop_reason = $3 WHERE id = $1', [
      d.id,
      at,
      supersededReason(`paused from ${pausedAt.toISOString()} until ${event}`),
    ]);
    await insertDeadline(
      tx,
      { reportId, incidentId: d.incident_id, projectId: d.project_id },
      d.clock,
      d.owner_id,
      d.time_zone,
      new Date(d.started_at),
      due,
    );
  }
  if (paused.rows.length > 0) await refreshNextDue(tx, reportId);
  return paused.rows.length;
}
