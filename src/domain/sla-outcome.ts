// The outcome of one SLA deadline row, as the dashboard counts it (src/app/sla/stats.ts does the same
// in SQL for many rows at once; this is the rule for one row, for the case page's clock timeline).

/** Stop reasons of rows replaced by another row of the same clock: history, not a finished deadline. */
export const SUPERSEDING_REASONS = ['priority changed', 'recomputed'] as const;
export const SUPERSEDING_PREFIX = 'reassigned';

/**
 * Why a deadline row stopped: the emitted event that stopped it (its name, e.g. "fix_published"), or,
 * for a row replaced by another of the same clock (new owner, new priority, resumed after a pause),
 * "reassigned: <why>".
 */
export type StopReason<Event extends string = string> = Event | `${typeof SUPERSEDING_PREFIX}: ${string}`;

/** The stop reason of a row replaced by another row of the same clock. */
export function supersededReason(why: string): `${typeof SUPERSEDING_PREFIX}: ${string}` {
  return `${SUPERSEDING_PREFIX}: ${why}`;
}

export function isSuperseded(stopReason: string | null | undefined): boolean {
  if (!stopReason) return false;
  return stopReason.startsWith(SUPERSEDING_PREFIX) || (SUPERSEDING_REASONS as readonly string[]).includes(stopReason);
}

export type DeadlineOutcome = 'met' | 'missed' | 'superseded' | 'paused' | 'overdue' | 'running';

export interface DeadlineTimes {
  startedAt: Date;
  dueAt: Date;
  stoppedAt: Date | null;
  stopReason: string | null;
  pausedAt: Date | null;
}

/**
 * The due time that counts: a clock paused before its due time and stopped while paused is due
 * later by the pause (a paused clock is not due).
 */
export function effectiveDue(d: DeadlineTimes, now: Date): Date {
  if (d.pausedAt && d.pausedAt < d.dueAt && d.pausedAt <= now) {
    const until = d.stoppedAt && d.stoppedAt < now ? d.stoppedAt : now;
    return new Date(d.dueAt.getTime() + (until.getTime() - d.pausedAt.getTime()));
  }
  return d.dueAt;
}

export function deadlineOutcome(d: DeadlineTimes, now: Date): DeadlineOutcome {
  if (d.stoppedAt && d.stoppedAt <= now) {
    if (isSuperseded(d.stopReason)) return 'superseded';
    return d.stoppedAt <= effectiveDue(d, now) ? 'met' : 'missed';
  }
  if (d.pausedAt && d.pausedAt <= now) return 'paused';
  return d.dueAt < now ? 'overdue' : 'running';
}
