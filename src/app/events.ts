import type { Queryable } from '../store/db.ts';
import type { EmittedEvent } from '../process/events.ts';
import type { Ctx } from './context.ts';
import { rulesOf } from './admin/instance.ts';
import {
  pauseClocks,
  reassignClocks,
  resumeClocks,
  startClocks,
  startPriorityClocks,
  stopAllClocks,
  stopClocks,
  stopProjectClocks,
} from './sla/clocks.ts';
import { appointees } from './admin/appointments.ts';

// The one way a use case tells the desk that something happened on a case. `emit` reaches every clock
// rule of the profile that names the event, in whichever role it names it (starts, stops, pauses,
// resumes), so a profile can put any emitted event in any role and the clock follows. Use cases do not
// call the clock store (src/app/sla/clocks.ts) themselves.

export interface EventSubject {
  reportId: string;
  /** The incident clocks started by this event belong to. */
  incidentId?: string | null;
  /** The project part the event happened on: clocks it stops are that project's, clocks it starts are too. */
  projectId?: string | null;
  /** The owner of clocks the event starts (null: unowned until someone claims the duty). */
  owner?: string | null;
  /** The event ends the whole case: every running clock stops, with the event as the reason. */
  endsCase?: boolean;
  /** When it happened (the use case's clock reading). */
  at: Date;
}

export interface EmitResult {
  paused: number;
  resumed: number;
}

export async function emit(_ctx: Ctx, tx: Queryable, event: EmittedEvent, subject: EventSubject): Promise<EmitResult> {
  const { reportId, at } = subject;
  if (subject.endsCase || event === 'incident_closed') {
    await stopAllClocks(tx, reportId, at, event);
    return { paused: 0, resumed: 0 };
  }
  const rules = await rulesOf(tx);
  const scope = { reportId, incidentId: subject.incidentId ?? null, projectId: subject.projectId ?? null };
  await stopClocks(tx, rules, event, scope, at);
  const paused = await pauseClocks(tx, rules, event, reportId, at);
  const resumed = await resumeClocks(tx, rules, event, reportId, at);
  const owner = subject.owner ?? null;
  // A clock of a role filled by appointment (Tock's triage coordinator) belongs to its appointee from
  // the start, so its reminders reach them rather than the whole team.
  const starting = rules.clocksStartingOn(event);
  const appointed = owner === null && starting.length > 0 ? await appointees(tx) : new Map<string, string>();
  await startClocks(tx, rules, event, scope, at, (role) => owner ?? appointed.get(role) ?? null);
  return { paused, resumed };
}

/**
 * A project was taken off the incident (it turned out not to be affected): its running clocks stop,
 * with the reason. Not a profile event: the project's part is gone, not decided.
 */
export async function projectRemoved(
  _ctx: Ctx,
  tx: Queryable,
  subject: { reportId: string; projectId: string },
  at: Date,
  why: string,
): Promise<void> {
  await stopProjectClocks(tx, subject.reportId, subject.projectId, at, why);
}

/**
 * A duty changed hands (a triager claimed or took over, a handler took over): the named running clocks
 * are recomputed in the new owner's calendar. Not a profile event: no clock starts or stops on it.
 */
export async function handOverClocks(
  ctx: Ctx,
  tx: Queryable,
  subject: { reportId: string; projectId?: string | null },
  clockIds: readonly string[],
  newOwnerId: string,
  at: Date,
  why: string,
): Promise<void> {
  await reassignClocks(tx, await rulesOf(tx), subject, clockIds, newOwnerId, at, why, ctx.app.sealer);
}

/**
 * The incident's priority is known or changed: clocks whose length is the priority's resolution time
 * (re)start from their start events. Returns the latest due date, null when no such clock runs.
 */
export async function priorityChanged(
  ctx: Ctx,
  tx: Queryable,
  subject: { reportId: string; incidentId: string | null },
  eventTimes: Partial<Record<EmittedEvent, Date>>,
  ownerId: string | null,
  days: number,
  at: Date,
  why?: string,
): Promise<Date | null> {
  return startPriorityClocks(tx, await rulesOf(tx), subject, eventTimes, ownerId, days, at, ctx.app.sealer, why);
}
