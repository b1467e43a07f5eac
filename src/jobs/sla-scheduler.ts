import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { App } from '../app/context.ts';
import { rulesOf } from '../app/admin/instance.ts';
import type { ProfileRules } from '../app/profile/rules.ts';
import { clocksWithRecipients, type NoticeKind, sendClockNotices } from '../app/sla/notices.ts';
import { recordSchedulerPass } from '../app/sla/heartbeats.ts';
import { type ClockDue, clocksDue } from '../app/sla/due.ts';
import { EmbargoError } from '../domain/errors.ts';
import { maxLeadMs, reminderAt, reminderCalendar, type ReminderLead } from '../domain/reminder.ts';
import { startLoop } from './loop.ts';

// The SLA scheduler: reminders before a clock is due and escalations once it has passed.
//
// A pass selects the running clocks (deadlines not stopped and not paused) whose reminder time has
// come or whose deadline has passed and that have no notice of that kind yet, keeps those with someone
// present to tell, and hands each to the notices use case (src/app/sla/notices.ts), which decides the
// recipients again under the clock's lock and claims each notice in the database, so that several
// servers running passes at once send each notice once.

export type { NoticeKind } from '../app/sla/notices.ts';

export interface SchedulerFailure {
  deadlineId: string;
  kind: NoticeKind;
  message: string;
}

export interface SchedulerResult {
  reminders: number;
  escalations: number;
  /** Deadlines whose notices could not be sent in this pass; they are retried at the next one. */
  failures: SchedulerFailure[];
}

/** One pass of the scheduler at the instant `now`. */
export async function runSlaScheduler(app: App, now: Date): Promise<SchedulerResult> {
  const result: SchedulerResult = { reminders: 0, escalations: 0, failures: [] };
  let rules: ProfileRules;
  try {
    rules = await rulesOf(app.db);
  } catch (e) {
    if (e instanceof EmbargoError && e.code === 'conflict') return result; // a desk not set up yet has no clocks
    throw e;
  }
  const defaultLead: ReminderLead = { amount: app.config.slaRemindBeforeHours, unit: 'hours' };
  const leadOf = (clock: string): ReminderLead => rules.clockRule(clock)?.remindBefore ?? defaultLead;
  // Each clock's own horizon: a lead in hours is exact in the selection, so only a lead in working
  // days brings the clocks that are not due yet, to be computed in the owner's calendar here.
  const ahead = (lead: ReminderLead) => new Date(now.getTime() + maxLeadMs(lead));
  const horizons = { byClock: new Map(rules.clocks.map((c) => [c.id, ahead(leadOf(c.id))])), other: ahead(defaultLead) };

  const work: ClockDue[] = [];
  for (const d of await clocksDue(app.db, now, horizons)) {
    if (d.kind === 'escalation' || reminderInstant(d, leadOf(d.clock)) <= now.getTime()) work.push(d);
  }
  // Clocks with nobody present to tell wait for a later pass without a transaction each; should that
  // joint read fail, every clock is tried on its own and a failure is reported with it.
  const toSend = await clocksWithRecipients(app, rules, work, now).catch(() => work);
  for (const d of toSend) {
    try {
      const sent = await sendClockNotices(app, rules, d.kind, d, now);
      if (d.kind === 'reminder') result.reminders += sent;
      else result.escalations += sent;
    } catch (e) {
      result.failures.push({ deadlineId: d.id, kind: d.kind, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

// A deadline row's due instant never changes (a moved deadline is a new row), so its reminder instant
// is computed once per calendar and kept, bounded, across passes.
const reminderCache = new Map<string, number>();
const REMINDER_CACHE_SIZE = 20_000;

function reminderInstant(d: ClockDue, lead: ReminderLead): number {
  const key = `${d.id}|${new Date(d.due_at).getTime()}|${lead.amount} ${lead.unit}|${d.time_zone}|${d.owner_working_week?.join() ?? ''}|${d.owner_holiday_region ?? ''}|${d.owner_days_off?.join() ?? ''}`;
  let at = reminderCache.get(key);
  if (at === undefined) {
    const calendar = reminderCalendar({
      dueAt: new Date(d.due_at),
      timeZone: d.time_zone,
      workingWeek: d.owner_working_week,
      holidayRegion: d.owner_holiday_region,
      daysOff: (d.owner_days_off ?? []).map((period) => {
        const [startsOn, endsOn] = period.split('/') as [string, string];
        return { startsOn, endsOn };
      }),
    });
    at = reminderAt(new Date(d.due_at), lead, calendar).getTime();
    if (reminderCache.size >= REMINDER_CACHE_SIZE) reminderCache.clear();
    reminderCache.set(key, at);
  }
  return at;
}

// --- Running passes on a timer ---------------------------------------------------------------

export interface SchedulerHandle {
  readonly id: string;
  /** Stops the timer and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  intervalMs: number;
  /** Names this scheduler in scheduler_heartbeats; default host:pid:random. */
  id?: string;
  onPass?: (result: SchedulerResult) => void;
  onError?: (error: unknown) => void;
}

/**
 * Runs a pass at once and then every intervalMs (measured from the end of a pass, so passes never
 * overlap), each at app.clock(). Every pass records a heartbeat row. stop() ends it cleanly.
 */
export function startScheduler(app: App, opts: SchedulerOptions): SchedulerHandle {
  const id = opts.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const onError = opts.onError ?? ((e: unknown) => console.error(`embargo scheduler: ${e instanceof Error ? e.message : String(e)}`));
  const pass = async () => {
    const now = app.clock();
    let result: SchedulerResult | null = null;
    let error: string | null = null;
    try {
      result = await runSlaScheduler(app, now);
      if (result.failures.length) {
        error = result.failures.map((f) => `${f.kind} for deadline ${f.deadlineId}: ${f.message}`).join('; ');
        onError(new Error(error));
      }
      opts.onPass?.(result);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      onError(e);
    }
    await recordSchedulerPass(app.db, {
      schedulerId: id,
      at: now,
      reminders: result?.reminders ?? 0,
      escalations: result?.escalations ?? 0,
      error,
    });
    // Clocks with nobody present stay candidates: another pass at once would find them again.
    return false;
  };
  const loop = startLoop({ name: 'scheduler', intervalMs: opts.intervalMs, pass, onError });
  return { id, stop: () => loop.stop() };
}
