// `embargo sla due`: the deadline calculator, for scripts and for checking a profile's rules. It
// computes what the desk would store when a clock starts, from the profile, the arrival instant and
// the owner's calendar given on the command line. It opens no database and reads no desk data.
//
// `embargo sla regions [COUNTRY]`: the public-holiday region codes --holidays accepts.
//
// Their help is in commands/sla.ts.

import { EmbargoError, ValidationError } from '../domain/errors.ts';
import {
  addDaysToLocalDate,
  assertTimeZone,
  isoWeekday,
  isoWithOffset,
  localDate,
  localDayExists,
  parseLocalDate,
  parseWorkingWeek,
  type WorkingWeek,
} from '../domain/calendar.ts';
import { dueAt } from '../domain/deadline.ts';
import { listHolidayRegions, normalizeHolidayRegion, publicHolidayDetails } from '../domain/holidays.ts';
import { loadProfile } from '../process/loader.ts';
import type { ProcessProfile, SlaRule } from '../process/schema.ts';
import { rulesFromProfile } from '../app/profile/from-profile.ts';
import { parse, UsageError } from './args.ts';
import type { Out } from './command.ts';
import { SLA_DUE_HELP, SLA_REGIONS_HELP } from './commands/sla.ts';

const SLA_USAGE = `Usage: embargo sla due ...      compute when an SLA clock is due (--help for options)
       embargo sla regions [COUNTRY]   list public-holiday region codes
`;

const Usage = UsageError;

/** `args` are the words after "sla". Returns the exit code. */
export async function slaCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? err : out).write(SLA_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'due' && sub !== 'regions') {
    err.write(`embargo sla: unknown command "sla ${sub}"\n\n${SLA_USAGE}`);
    return 2;
  }
  const help = sub === 'due' ? SLA_DUE_HELP : SLA_REGIONS_HELP;
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(help);
    return 0;
  }
  try {
    return sub === 'due' ? due(rest, out) : regions(rest, out);
  } catch (e) {
    if (e instanceof Usage || e instanceof ValidationError || (e instanceof EmbargoError && e.code === 'not_found')) {
      err.write(`embargo sla ${sub}: ${e.message}\n${detailLines(e)}Run "embargo sla ${sub} --help" for the options.\n`);
      return 2;
    }
    if (e instanceof EmbargoError) {
      err.write(`embargo sla ${sub}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function detailLines(e: Error): string {
  if (!(e instanceof ValidationError)) return '';
  return e.details
    .filter((d) => d.path && !e.message.includes(d.message))
    .map((d) => `  ${d.path}: ${d.message}\n`)
    .join('');
}

// ---------------------------------------------------------------------------------------------

function regions(args: string[], out: Out): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length > 1) throw new Usage('give at most one COUNTRY');
  const list = listHolidayRegions(positionals[0]);
  if (values.json) out.write(`${JSON.stringify(list, null, 2)}\n`);
  else for (const r of list) out.write(`${r.code.padEnd(16)} ${r.name}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------

const ARRIVAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** An instant written with its offset or Z; a local time alone is ambiguous and refused. */
export function parseArrival(text: string): Date {
  const m = ARRIVAL.exec(text.trim());
  if (!m) {
    const local = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/.test(text.trim());
    throw new Usage(
      `--arrival "${text}" ${local ? 'has no offset, so it would name a different instant in every zone' : 'is not an ISO 8601 date and time'}; ` +
        'write it with Z or its offset, e.g. 2026-11-27T18:00:00Z or 2026-11-28T07:00:00+13:00.',
    );
  }
  const [, date, hh, mm, ss = '00', frac = '', zone] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
    string,
  ];
  try {
    parseLocalDate(date);
  } catch {
    throw new Usage(`--arrival "${text}": ${date} is not a calendar date.`);
  }
  const offsetOk = zone.toUpperCase() === 'Z' || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4, 6)) <= 59);
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59 || !offsetOk)
    throw new Usage(`--arrival "${text}" has an impossible time or offset.`);
  const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
  const instant = new Date(`${date}T${hh}:${mm}:${ss}${ms}${zone.toUpperCase()}`);
  if (Number.isNaN(instant.getTime())) throw new Usage(`--arrival "${text}" is not a valid instant.`);
  return instant;
}

const MAX_PERIOD_DAYS = 366;

/** "2026-12-01,2026-12-03..2026-12-05" → every date, sorted, no repeats. */
export function parseDaysOff(values: readonly string[]): string[] {
  const days = new Set<string>();
  for (const value of values) {
    for (const raw of value.split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const [from, to = from, extra] = item.split('..').map((s) => s.trim()) as [string, string | undefined, string | undefined];
      for (const d of [from, to]) {
        try {
          parseLocalDate(d);
        } catch {
          throw new Usage(`--days-off: "${item}" is not a date YYYY-MM-DD or a range FROM..TO.`);
        }
      }
      if (extra !== undefined || to < from) throw new Usage(`--days-off: "${item}" is not a range FROM..TO with TO on or after FROM.`);
      if (addDaysToLocalDate(from, MAX_PERIOD_DAYS - 1) < to)
        throw new Usage(`--days-off: "${item}" is longer than ${MAX_PERIOD_DAYS} days.`);
      for (let d = from; d <= to; d = addDaysToLocalDate(d, 1)) days.add(d);
    }
  }
  return [...days].sort();
}

function parseWeek(text: string | undefined): WorkingWeek {
  if (text === undefined) return parseWorkingWeek(undefined);
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^[1-7]$/.test(p))) {
    throw new Usage(
      `--working-week "${text}" must list ISO weekdays 1..7 separated by commas (1 = Monday ... 7 = Sunday), e.g. 1,2,3,4,5.`,
    );
  }
  return parseWorkingWeek(parts.map(Number), 'working-week');
}

interface Selected {
  rule: SlaRule;
  /** The priority the length came from, when it did. */
  priority: string | null;
  amount: number;
  unit: 'working-days' | 'days' | 'hours';
}

function selectClock(
  profile: ProcessProfile,
  v: { stage?: string | undefined; clock?: string | undefined; priority?: string | undefined },
): Selected {
  const clocks = profile.sla;
  const clockList = clocks.map((c) => `${c.id} (stage ${c.stage})`).join(', ');
  if (v.stage !== undefined && v.clock !== undefined) throw new Usage('give either --stage or --clock, not both');
  let candidates: SlaRule[];
  if (v.clock !== undefined) {
    candidates = clocks.filter((c) => c.id === v.clock || c.id.toLowerCase() === v.clock!.toLowerCase());
    if (candidates.length === 0) throw new Usage(`profile ${profile.id} has no clock "${v.clock}"; its clocks: ${clockList}.`);
  } else if (v.stage !== undefined) {
    candidates = clocks.filter((c) => c.stage === v.stage || c.stage.toLowerCase() === v.stage!.toLowerCase());
    if (candidates.length === 0) {
      const stages = [...new Set(clocks.map((c) => c.stage))].join(', ');
      throw new Usage(`profile ${profile.id} has no clock in stage "${v.stage}"; stages with a clock: ${stages}.`);
    }
    if (candidates.length > 1 && v.priority !== undefined) candidates = candidates.filter((c) => c.durationFrom === 'priority');
    if (candidates.length > 1) {
      throw new Usage(`stage "${v.stage}" has several clocks (${candidates.map((c) => c.id).join(', ')}); choose one with --clock.`);
    }
  } else if (v.priority !== undefined) {
    candidates = clocks.filter((c) => c.durationFrom === 'priority');
    if (candidates.length === 0)
      throw new Usage(`profile ${profile.id} has no clock whose length comes from the priority; its clocks: ${clockList}.`);
    if (candidates.length > 1)
      throw new Usage(
        `several clocks take their length from the priority (${candidates.map((c) => c.id).join(', ')}); choose one with --clock.`,
      );
  } else {
    throw new Usage(`give --stage, --clock or --priority; profile ${profile.id} has the clocks ${clockList}.`);
  }
  const rule = candidates[0]!;
  // The unit and amount as the desk reads them (rules-from-profile.ts).
  const clock = rulesFromProfile(profile, profile.name).clockRule(rule.id)!;
  if (clock.amount !== null) {
    if (v.priority !== undefined) {
      throw new Usage(
        `clock ${rule.id} lasts ${clock.amount} ${clock.unit} whatever the priority; --priority applies only to a clock whose length comes from the priority.`,
      );
    }
    return { rule, priority: null, amount: clock.amount, unit: clock.unit };
  }
  const priorities = profile.severity.priorities;
  const known = priorities
    .filter((p) => p.resolutionDays !== undefined)
    .map((p) => `${p.id} (${p.resolutionDays} days)`)
    .join(', ');
  if (v.priority === undefined)
    throw new Usage(`clock ${rule.id} takes its length from the priority; give --priority (${known || 'the profile sets none'}).`);
  const p = priorities.find((x) => x.id === v.priority || x.id.toLowerCase() === v.priority!.toLowerCase());
  if (!p || p.resolutionDays === undefined)
    throw new Usage(`profile ${profile.id} has no priority "${v.priority}" with a resolution time; its priorities: ${known || 'none'}.`);
  return { rule, priority: p.id, amount: p.resolutionDays, unit: clock.unit };
}

const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function due(args: string[], out: Out): number {
  const { values, positionals } = parse(args, {
    profile: { type: 'string' },
    stage: { type: 'string' },
    clock: { type: 'string' },
    priority: { type: 'string' },
    arrival: { type: 'string' },
    'time-zone': { type: 'string' },
    holidays: { type: 'string' },
    'days-off': { type: 'string', multiple: true },
    'working-week': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new Usage(`unexpected argument "${positionals[0]}"`);
  for (const k of ['profile', 'arrival', 'time-zone'] as const) if (!values[k]) throw new Usage(`--${k} is required`);
  const timeZone = values['time-zone']!;
  assertTimeZone(timeZone, 'time-zone');
  const arrival = parseArrival(values.arrival!);
  const holidayRegion = values.holidays !== undefined ? normalizeHolidayRegion(values.holidays, 'holidays') : null;
  const daysOff = parseDaysOff(values['days-off'] ?? []);
  const workingWeek = parseWeek(values['working-week']);

  const profile = loadProfile(values.profile!);
  const sel = selectClock(profile, values);
  const dueInstant = dueAt({ amount: sel.amount, unit: sel.unit }, arrival, { timeZone, workingWeek, holidayRegion, daysOff });
  const dueText = isoWithOffset(dueInstant, timeZone);
  if (!values.json) {
    out.write(`${dueText}\n`);
    return 0;
  }

  // The days between arrival and deadline, for checking by eye: which counted, which were skipped, why.
  let counted: string[] | undefined;
  let skipped: { date: string; why: string }[] | undefined;
  if (sel.unit === 'working-days') {
    counted = [];
    skipped = [];
    const first = localDate(arrival, timeZone);
    const last = localDate(new Date(dueInstant.getTime() - 1), timeZone);
    const names = new Map<string, string>();
    if (holidayRegion) {
      for (const h of publicHolidayDetails(holidayRegion, Number(first.slice(0, 4)), Number(last.slice(0, 4)))) names.set(h.date, h.name);
    }
    const off = new Set(daysOff);
    for (let d = addDaysToLocalDate(first, 1); d <= last; d = addDaysToLocalDate(d, 1)) {
      const wd = isoWeekday(d);
      if (!workingWeek.includes(wd)) skipped.push({ date: d, why: `not a working day (${WEEKDAY_NAMES[wd]})` });
      else if (names.has(d)) skipped.push({ date: d, why: `public holiday: ${names.get(d)}` });
      else if (off.has(d)) skipped.push({ date: d, why: 'day off' });
      else if (!localDayExists(d, timeZone)) skipped.push({ date: d, why: `the date does not exist in ${timeZone}` });
      else counted.push(d);
    }
  }
  const result = {
    due: dueText,
    dueUtc: dueInstant.toISOString(),
    clock: {
      id: sel.rule.id,
      name: sel.rule.name ?? null,
      stage: sel.rule.stage,
      startsOn: sel.rule.startsOn,
      stopsOn: sel.rule.stopsOn,
      owner: sel.rule.owner,
    },
    rule: { amount: sel.amount, unit: sel.unit, ...(sel.priority ? { durationFrom: 'priority', priority: sel.priority } : {}) },
    inputs: {
      profile: profile.id,
      arrival: arrival.toISOString(),
      arrivalLocal: isoWithOffset(arrival, timeZone),
      timeZone,
      workingWeek: [...workingWeek],
      holidayRegion,
      daysOff,
    },
    ...(counted ? { countedDays: counted, skippedDays: skipped } : {}),
  };
  out.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
