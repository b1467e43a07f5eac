import { reporterSensitiveValues } from '../app/cases/sensitive.ts';
import { deskUrl } from '../config.ts';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../store/db.ts';
import { audit, type App, type Ctx } from '../app/context.ts';
import { rulesOf } from '../app/admin/instance.ts';
import { queueMail, type Envelope } from '../app/cases/messaging.ts';
import type { ClockRule, ProfileRules } from '../app/profile/rules.ts';
import type { EscalationTarget } from '../process/schema.ts';
import { EmbargoError } from '../domain/errors.ts';
import { addDaysToLocalDate, isoWithOffset, localDate, type WorkingCalendar } from '../domain/calendar.ts';
import { isHolidayRegion, publicHolidays } from '../domain/holidays.ts';
import { maxLeadMs, reminderAt, type ReminderLead } from '../domain/reminder.ts';

// The SLA scheduler: reminders before a clock is due and escalations once it has passed.
//
// A pass finds the running clocks (deadlines not stopped and not paused) whose reminder time has come
// or whose deadline has passed and that have no notice of that kind yet. Each is handled in its own
// transaction: lock the deadline row (a clock stopped meanwhile is skipped), decide the recipients,
// claim one `notices` row per recipient with INSERT ... ON CONFLICT DO NOTHING, and only for the rows
// this transaction inserted queue the mail in the outbox and append the audit event. Several servers
// may run passes at the same time: the unique (deadline, kind, person) row decides who sends.
//
// Once a deadline has notices of a kind, that kind is settled for it: the recipients are the people
// who were available when it was first sent. A clock with no available recipient is retried at
// every pass. A reassigned clock is a new deadline row, so its (new) owner is reminded afresh.
//
// Recipients:
// - reminder: the owner; with no owner yet, or an owner who is away, the team the owner role comes
//   from (the central team for triage clocks, the project's security team for project clocks).
// - escalation: the profile's escalateTo targets (central-team, project-team, secondary-contact,
//   triage-role), never the owner; if none of them is available, the central team.
// People marked unavailable, disabled, away (away_until in the future) or on a day off today (in
// their own time zone) are skipped.
//
// Notices never carry the reporter's identity, the report's title or body: they name the case by its
// number or incident id and link to it. queueMail's leak guard checks them against the reporter's
// sensitive values; if it refuses one (a team member shares a name with the reporter, say), a
// minimal notice without names or links is sent instead.

export type NoticeKind = 'reminder' | 'escalation';

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

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'sla-scheduler' };
/** At most this many deadlines per pass, earliest due first; the rest wait for the next pass. */
const BATCH = 1000;

interface DeadlineRow {
  id: string;
  report_id: string;
  incident_id: string | null;
  project_id: string | null;
  clock: string;
  owner_id: string | null;
  time_zone: string;
  due_at: Date;
  owner_working_week: number[] | null;
  /** Reminder candidates only: the owner's holiday region and days-off periods near the deadline. */
  owner_holiday_region?: string | null;
  owner_days_off?: string[];
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
  const horizon = new Date(now.getTime() + Math.max(maxLeadMs(defaultLead), ...rules.clocks.map((c) => maxLeadMs(leadOf(c.id)))));

  const work: [NoticeKind, DeadlineRow][] = [];
  for (const d of await candidates(app.db, now, horizon)) {
    if (d.kind === 'escalation') work.push(['escalation', d]);
    else if (reminderInstant(d, leadOf(d.clock)) <= now.getTime()) work.push(['reminder', d]);
  }
  for (const [kind, d] of work) {
    try {
      const sent = await notify(app, rules, kind, d, now);
      if (kind === 'reminder') result.reminders += sent;
      else result.escalations += sent;
    } catch (e) {
      result.failures.push({ deadlineId: d.id, kind, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

/**
 * Running clocks past their deadline without an escalation, and clocks due within the horizon without
 * a reminder (with their owner's calendar: a lead in working days counts in it), in one scan of the
 * running deadlines, earliest due first.
 */
async function candidates(db: Queryable, now: Date, horizon: Date): Promise<(DeadlineRow & { kind: NoticeKind })[]> {
  const r = await db.query<DeadlineRow & { kind: NoticeKind }>(
    `SELECT CASE WHEN d.due_at <= $1 THEN 'escalation' ELSE 'reminder' END AS kind,
            d.id, d.report_id, d.incident_id, d.project_id, d.clock, d.owner_id, d.time_zone, d.due_at,
            o.working_week AS owner_working_week, o.holiday_region AS owner_holiday_region,
            CASE WHEN d.owner_id IS NULL OR d.due_at <= $1 THEN NULL
                 ELSE ARRAY(SELECT x.starts_on::text || '/' || x.ends_on::text FROM person_days_off x
                             WHERE x.person_id = d.owner_id AND x.ends_on >= (d.due_at - interval '120 days')::date
                               AND x.starts_on <= (d.due_at + interval '1 day')::date ORDER BY x.starts_on) END AS owner_days_off
       FROM deadlines d LEFT JOIN people o ON o.id = d.owner_id
      WHERE d.stopped_at IS NULL AND d.paused_at IS NULL AND d.due_at <= $2
        AND NOT EXISTS (SELECT 1 FROM notices n
                         WHERE n.deadline_id = d.id AND n.kind = CASE WHEN d.due_at <= $1 THEN 'escalation' ELSE 'reminder' END)
      ORDER BY d.due_at
      LIMIT ${BATCH}`,
    [now, horizon],
  );
  return r.rows;
}

// A deadline row's due instant never changes (a moved deadline is a new row), so its reminder instant
// is computed once per calendar and kept, bounded, across passes.
const reminderCache = new Map<string, number>();
const REMINDER_CACHE_SIZE = 20_000;

function reminderInstant(d: DeadlineRow, lead: ReminderLead): number {
  const key = `${d.id}|${new Date(d.due_at).getTime()}|${lead.amount} ${lead.unit}|${d.time_zone}|${d.owner_working_week?.join() ?? ''}|${d.owner_holiday_region ?? ''}|${d.owner_days_off?.join() ?? ''}`;
  let at = reminderCache.get(key);
  if (at === undefined) {
    at = reminderAt(new Date(d.due_at), lead, reminderCalendar(d)).getTime();
    if (reminderCache.size >= REMINDER_CACHE_SIZE) reminderCache.clear();
    reminderCache.set(key, at);
  }
  return at;
}

/**
 * The calendar a reminder lead in working days counts in: the one the deadline was computed in (the
 * owner's zone, working week, public holidays of their region and days off; Monday to Friday in the
 * deadline's zone for a clock without an owner).
 */
function reminderCalendar(d: DeadlineRow): WorkingCalendar {
  const daysOff = new Set<string>();
  for (const period of d.owner_days_off ?? []) {
    const [from, to] = period.split('/') as [string, string];
    for (let day = from; day <= to; day = addDaysToLocalDate(day, 1)) daysOff.add(day);
  }
  const region = d.owner_holiday_region && isHolidayRegion(d.owner_holiday_region) ? d.owner_holiday_region : null;
  const year = Number(localDate(new Date(d.due_at), d.time_zone).slice(0, 4));
  return {
    timeZone: d.time_zone,
    workingWeek: d.owner_working_week ?? [1, 2, 3, 4, 5],
    holidays: region ? publicHolidays(region, year - 1, year) : [],
    daysOff: [...daysOff],
  };
}

interface CaseFacts {
  number: number;
  triagerId: string | null;
  incidentId: string | null;
  ref: string | null;
  components: string[];
  reporterSealed: string;
  sensitiveSealed: string;
  projects: { projectId: string; slug: string; name: string; teamId: string; handlerId: string | null; subsystemId: string | null }[];
}

async function loadFacts(tx: Queryable, reportId: string): Promise<CaseFacts> {
  const r = await tx.query<{
    number: number;
    triager_id: string | null;
    incident_id: string | null;
    ref: string | null;
    affected_components: string[] | null;
    reporter_sealed: string;
    sensitive_sealed: string;
    projects:
      | {
          project_id: string;
          slug: string;
          name: string;
          security_team_id: string;
          handler_id: string | null;
          subsystem_id: string | null;
        }[]
      | null;
  }>(
    `SELECT r.number, r.triager_id, i.id AS incident_id, i.ref, i.affected_components, r.reporter_sealed, r.sensitive_sealed,
            (SELECT json_agg(json_build_object('project_id', ip.project_id, 'slug', p.slug, 'name', p.name, 'security_team_id', p.security_team_id,
                                               'handler_id', ip.handler_id, 'subsystem_id', ip.subsystem_id) ORDER BY p.slug)
               FROM incident_projects ip JOIN projects p ON p.id = ip.project_id WHERE ip.incident_id = i.id) AS projects
       FROM reports r LEFT JOIN incidents i ON i.id = r.incident_id WHERE r.id = $1`,
    [reportId],
  );
  const row = r.rows[0]!;
  return {
    number: Number(row.number),
    triagerId: row.triager_id,
    incidentId: row.incident_id,
    ref: row.ref,
    components: row.affected_components ?? [],
    reporterSealed: row.reporter_sealed,
    sensitiveSealed: row.sensitive_sealed,
    projects: (row.projects ?? []).map((p) => ({
      projectId: p.project_id,
      slug: p.slug,
      name: p.name,
      teamId: p.security_team_id,
      handlerId: p.handler_id,
      subsystemId: p.subsystem_id,
    })),
  };
}

interface Person {
  id: string;
  name: string;
  timeZone: string;
  email: string | null;
  present: boolean;
}

/** Why a person gets the notice; decides the sentence that tells them. */
type Because = 'owner' | 'stage-team' | EscalationTarget | 'fallback';

interface Recipient {
  person: Person;
  because: Because;
}

interface Decision {
  recipients: Recipient[];
  owner: Person | null;
  centralIds: ReadonlySet<string>;
  projectTeamIds: ReadonlySet<string>;
  subsystemName: string | null;
}

async function decideRecipients(
  tx: Queryable,
  kind: NoticeKind,
  d: DeadlineRow,
  rule: ClockRule | undefined,
  c: CaseFacts,
  now: Date,
): Promise<Decision> {
  const scope = d.project_id ? c.projects.filter((p) => p.projectId === d.project_id) : c.projects;
  const teams = await tx.query<{ person_id: string; central: boolean }>(
    `SELECT DISTINCT tm.person_id, t.kind = 'central' AS central FROM team_members tm JOIN teams t ON t.id = tm.team_id
      WHERE t.kind = 'central' OR t.id = ANY($1::uuid[]) ORDER BY 1`,
    [scope.map((p) => p.teamId)],
  );
  const central = teams.rows.filter((m) => m.central).map((m) => m.person_id);
  const projectTeam = [...new Set(teams.rows.filter((m) => !m.central).map((m) => m.person_id))];
  const stageTeam = (rule?.ownerTeam ?? 'central') === 'central' || scope.length === 0 ? central : projectTeam;

  // Who the profile's targets name, in order, each with the reason they are told.
  const wanted: [string, Because][] = [];
  let subsystemName: string | null = null;
  if (kind === 'reminder') {
    if (d.owner_id) wanted.push([d.owner_id, 'owner']);
    for (const id of stageTeam) wanted.push([id, 'stage-team']);
  } else {
    for (const target of rule?.escalateTo ?? ['central-team']) {
      if (target === 'central-team') for (const id of central) wanted.push([id, target]);
      if (target === 'project-team') for (const id of projectTeam) wanted.push([id, target]);
      if (target === 'triage-role' && c.triagerId) wanted.push([c.triagerId, target]);
      if (target === 'secondary-contact') {
        const handlers = new Set(scope.map((p) => p.handlerId).filter((x): x is string => x !== null));
        for (const s of await subsystemsOf(tx, scope, c.components)) {
          subsystemName ??= s.name;
          // The secondary backs up the primary; when the secondary has the work, the primary backs them up.
          const busy = (id: string | null) => id !== null && (id === d.owner_id || handlers.has(id));
          const backup = busy(s.secondary_contact_id) ? s.primary_contact_id : s.secondary_contact_id;
          if (backup) wanted.push([backup, target]);
        }
      }
    }
    for (const id of central) wanted.push([id, 'fallback']);
  }

  const ids = [...new Set([...wanted.map(([id]) => id), ...(d.owner_id ? [d.owner_id] : [])])];
  const people = await loadPeople(tx, ids, now);
  const owner = d.owner_id ? (people.get(d.owner_id) ?? null) : null;
  const reachable = (id: string) => {
    const p = people.get(id);
    return p?.present && p.email !== null;
  };
  const chosen = new Map<string, Because>();
  if (kind === 'reminder') {
    if (owner && reachable(owner.id)) chosen.set(owner.id, 'owner');
    else for (const [id, because] of wanted) if (because === 'stage-team' && id !== d.owner_id && reachable(id)) chosen.set(id, because);
  } else {
    for (const [id, because] of wanted) {
      if (because === 'fallback' || id === d.owner_id || chosen.has(id) || !reachable(id)) continue;
      chosen.set(id, because);
    }
    if (chosen.size === 0)
      for (const [id, because] of wanted) if (because === 'fallback' && id !== d.owner_id && reachable(id)) chosen.set(id, because);
  }
  return {
    recipients: [...chosen].map(([id, because]) => ({ person: people.get(id)!, because })),
    owner,
    centralIds: new Set(central),
    projectTeamIds: new Set(projectTeam),
    subsystemName,
  };
}

async function subsystemsOf(tx: Queryable, scope: CaseFacts['projects'], components: readonly string[]) {
  const assigned = scope.map((p) => p.subsystemId).filter((x): x is string => x !== null);
  // Assigned subsystems first; before assignment, the subsystems named by the affected components.
  const r = await tx.query<{ id: string; name: string; primary_contact_id: string | null; secondary_contact_id: string | null }>(
    `SELECT id, name, primary_contact_id, secondary_contact_id FROM subsystems
      WHERE CASE WHEN cardinality($1::uuid[]) > 0 THEN id = ANY($1::uuid[])
                 ELSE project_id = ANY($2::uuid[]) AND lower(name) = ANY($3::text[]) END
      ORDER BY name`,
    [assigned, scope.map((p) => p.projectId), components.map((x) => x.toLowerCase())],
  );
  return r.rows;
}

/** The people, with whether they are present now: available, not disabled, not away, not on a day off today (in their zone). */
async function loadPeople(tx: Queryable, ids: string[], now: Date): Promise<Map<string, Person>> {
  if (ids.length === 0) return new Map();
  const r = await tx.query<{ id: string; name: string; time_zone: string; email: string | null; present: boolean }>(
    `SELECT p.id, p.name, p.time_zone,
            (SELECT e.email FROM person_emails e WHERE e.person_id = p.id ORDER BY e.is_primary DESC, e.email LIMIT 1) AS email,
            (p.available AND NOT p.disabled AND (p.away_until IS NULL OR p.away_until <= $2)
             AND NOT EXISTS (SELECT 1 FROM person_days_off o WHERE o.person_id = p.id
                               AND ($2::timestamptz AT TIME ZONE p.time_zone)::date BETWEEN o.starts_on AND o.ends_on)) AS present
       FROM people p WHERE p.id = ANY($1::uuid[])`,
    [ids, now],
  );
  return new Map(r.rows.map((p) => [p.id, { id: p.id, name: p.name, timeZone: p.time_zone, email: p.email, present: p.present === true }]));
}

/** Sends the notices of one kind for one deadline, in one transaction; returns how many it sent. */
async function notify(app: App, rules: ProfileRules, kind: NoticeKind, d: DeadlineRow, now: Date): Promise<number> {
  const ctx: Ctx = { app, principal: SYSTEM };
  return app.db.transaction(async (tx) => {
    // Locks in the use cases' order, case before clock: a use case locks the report (FOR UPDATE), then
    // stops or reassigns its clocks. Taking the report's key-share lock first (which the outbox row's
    // foreign key takes anyway) and then the deadline's means the two wait for each other instead of
    // deadlocking, and a clock stopped meanwhile is seen as stopped.
    await tx.query('SELECT 1 FROM reports WHERE id = $1 FOR KEY SHARE', [d.report_id]);
    const live = await tx.query('SELECT id FROM deadlines WHERE id = $1 AND stopped_at IS NULL AND paused_at IS NULL FOR UPDATE', [d.id]);
    if (live.rows.length === 0) return 0;
    const rule = rules.clockRule(d.clock);
    const c = await loadFacts(tx, d.report_id);
    const decision = await decideRecipients(tx, kind, d, rule, c, now);
    if (decision.recipients.length === 0) return 0;
    const guard = reporterSensitiveValues(app.sealer, d.report_id, { reporter: c.reporterSealed, sensitive: c.sensitiveSealed });
    const events: Parameters<typeof audit>[3][] = [];
    // Claim every recipient's notice in one statement; the rows that went in are this pass's to send.
    const ids = decision.recipients.map(() => crypto.randomUUID());
    const claimed = await tx.query<{ id: string; person_id: string }>(
      `INSERT INTO notices (id, deadline_id, kind, person_id, created_at)
       SELECT n.id, $3, $4, n.person_id, $5 FROM unnest($1::uuid[], $2::uuid[]) AS n(id, person_id)
       ON CONFLICT (deadline_id, kind, person_id) DO NOTHING RETURNING id, person_id`,
      [ids, decision.recipients.map((r) => r.person.id), d.id, kind, now],
    );
    const won = new Map(claimed.rows.map((row) => [row.person_id, row.id]));
    const sent: [string, string][] = [];
    for (const r of decision.recipients) {
      const noticeId = won.get(r.person.id);
      if (!noticeId) continue; // another scheduler sent this one
      const mail = { reportId: d.report_id, incidentId: c.incidentId, templateId: `sla.${kind}`, sensitiveValues: guard };
      let redacted = false;
      let outboxId: string;
      try {
        outboxId = await queueMail(ctx, tx, now, {
          ...mail,
          envelope: composeNotice({ kind, d, rule, c, rules, recipient: r, decision, now, base: baseUrl(app) }),
        });
      } catch (e) {
        if (!(e instanceof EmbargoError && e.code === 'leak_blocked')) throw e;
        redacted = true;
        outboxId = await queueMail(ctx, tx, now, { ...mail, envelope: minimalNotice(kind, d, c, r.person) });
      }
      sent.push([noticeId, outboxId]);
      events.push({
        action: kind === 'reminder' ? 'sla.reminder_sent' : 'sla.escalated',
        subjectType: 'report',
        subjectId: d.report_id,
        data: {
          noticeId,
          deadlineId: d.id,
          clock: d.clock,
          projectId: d.project_id,
          ownerId: d.owner_id,
          recipientId: r.person.id,
          because: r.because,
          dueAt: new Date(d.due_at).toISOString(),
          outboxId,
          redacted,
          // The reporter's sensitive values were opened only to check this notice against them.
          leakGuard: true,
        },
      });
    }
    if (sent.length) {
      await tx.query(
        'UPDATE notices SET outbox_id = s.outbox_id FROM unnest($1::uuid[], $2::uuid[]) AS s(id, outbox_id) WHERE notices.id = s.id',
        [sent.map(([n]) => n), sent.map(([, o]) => o)],
      );
    }
    // Appending to the audit chain locks its head until commit: last, as in every use case.
    for (const e of events) await audit(ctx, tx, now, e);
    return events.length;
  });
}

function baseUrl(app: App): string {
  return deskUrl(app.config);
}

interface NoticeInput {
  kind: NoticeKind;
  d: DeadlineRow;
  rule: ClockRule | undefined;
  c: CaseFacts;
  rules: ProfileRules;
  recipient: Recipient;
  decision: Decision;
  now: Date;
  base: string;
}

function caseLabel(c: CaseFacts): string {
  return c.ref ?? `report #${c.number}`;
}

/**
 * "Friday 27 November 2026 at 00:00 (America/Los_Angeles; 2026-11-27T00:00:00-08:00)" in the reader's
 * zone for the body, "Fri 27 Nov 00:00 GMT-8" for the subject. Assembled from parts, so the wording
 * does not depend on a locale's punctuation.
 */
function when(instant: Date, timeZone: string): { long: string; short: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const time = `${get('hour')}:${get('minute')}`;
  return {
    long: `${get('weekday')} ${get('day')} ${get('month')} ${get('year')} at ${time} (${timeZone}; ${isoWithOffset(instant, timeZone)})`,
    short: `${get('weekday').slice(0, 3)} ${get('day')} ${get('month').slice(0, 3)} ${time} ${get('timeZoneName')}`,
  };
}

function span(ms: number): string {
  const hours = Math.round(Math.abs(ms) / 3_600_000);
  if (hours < 1) return 'less than an hour';
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.round(hours / 24)} days`;
}

function composeNotice(n: NoticeInput): Envelope {
  const { kind, d, rule, c, recipient, decision } = n;
  const due = new Date(d.due_at);
  const zone = recipient.person.timeZone;
  const at = when(due, zone);
  const clockName = rule?.name ?? d.clock;
  const project = d.project_id ? c.projects.find((p) => p.projectId === d.project_id) : undefined;
  const what = `the clock "${clockName}"${project ? ` for ${project.name}` : ''} of ${caseLabel(c)}`;
  const link = `${n.base}/cases/${d.report_id}`;
  const ownerName = decision.owner?.name ?? null;
  const lines: string[] = [`Hello ${recipient.person.name},`, ''];
  let subject: string;

  if (kind === 'reminder') {
    subject = `[Embargo] Reminder: ${clockName} for ${caseLabel(c)} is due ${at.short}`;
    lines.push(`Reminder: ${what} is due on ${at.long}, in ${span(due.getTime() - n.now.getTime())}.`, '');
    if (recipient.because === 'owner') lines.push('You own this clock.');
    else if (ownerName) lines.push(`Its owner, ${ownerName}, is away; you are on the team it falls to.`);
    else lines.push('Nobody owns it yet; you are on the team it falls to.');
  } else {
    subject = `[Embargo] Overdue: ${clockName} for ${caseLabel(c)}${ownerName ? ` (owner ${ownerName})` : ' (unclaimed)'}`;
    lines.push(`Escalation: ${what} passed its deadline on ${at.long}, ${span(n.now.getTime() - due.getTime())} ago.`);
    lines.push(ownerName ? `Its owner is ${ownerName}.` : 'Nobody has claimed it.', '');
    lines.push(`You are told as a backup: ${becauseText(recipient.because, project?.name ?? null, decision.subsystemName)}.`);
  }
  const action = oneClickAction(n);
  if (action) lines.push('', action);
  lines.push(
    '',
    `Open the case: ${link}`,
    '',
    'This notice does not repeat the report; open the case to read it.',
    '',
    'Embargo SLA scheduler',
    '',
  );
  return { to: [recipient.person.email!], cc: [], subject, body: lines.join('\n'), automatic: 'auto-generated' };
}

function becauseText(because: Because, project: string | null, subsystem: string | null): string {
  switch (because) {
    case 'central-team':
      return "the members of the central security team pick up the owner's duties";
    case 'project-team':
      return `you are on the ${project ?? 'project'} security team, which can take the duties over`;
    case 'secondary-contact':
      return `you are a contact of the ${subsystem ?? 'affected'} subsystem and back up the one who has the work`;
    case 'triage-role':
      return 'as the triager you make sure the project team handles the incident in time';
    case 'fallback':
      return 'none of the people who back this clock up is available, and you are on the central security team';
    default:
      return 'you are on the team this clock falls to';
  }
}

/** The claim or take-over the recipient can do in one click, if any. */
function oneClickAction(n: NoticeInput): string | null {
  const { d, rule, c, rules, recipient, decision } = n;
  const me = recipient.person.id;
  const api = `/api/reports/${d.report_id}`;
  if (
    rule?.ownerDuty === 'triage' &&
    rules.workflow.triage === 'claim' &&
    c.incidentId === null &&
    decision.centralIds.has(me) &&
    d.owner_id !== me
  ) {
    return d.owner_id === null
      ? `You can claim it in one click: "Claim" on the case page (API: POST ${api}/claim).`
      : `You can take over in one click: "Take over the triager's duties" on the case page (API: POST ${api}/take-over with a reason).`;
  }
  const project = d.project_id
    ? c.projects.find((p) => p.projectId === d.project_id)
    : recipient.because === 'secondary-contact'
      ? c.projects[0]
      : undefined;
  if (
    project &&
    decision.projectTeamIds.has(me) &&
    project.handlerId !== me &&
    (rule?.ownerDuty === 'handler' || recipient.because === 'secondary-contact')
  ) {
    return project.handlerId === null
      ? `You can claim it in one click: "${project.name}: Become the incident handler" on the case page (API: POST ${api}/projects/${project.slug}/claim).`
      : `You can take over in one click: "${project.name}: Take over the handler's duties" on the case page (API: POST ${api}/projects/${project.slug}/take-over with a reason).`;
  }
  return null;
}

/** A notice with nothing but the case number and the path of its page, for when the leak guard refused the full one. */
function minimalNotice(kind: NoticeKind, d: DeadlineRow, c: CaseFacts, to: Person): Envelope {
  const state = kind === 'reminder' ? 'is due soon' : 'is overdue';
  return {
    automatic: 'auto-generated',
    to: [to.email!],
    cc: [],
    subject: `[Embargo] ${kind === 'reminder' ? 'Reminder' : 'Overdue'}: a clock of case ${c.number} ${state}`,
    body: `A clock of case ${c.number} ${state} (due ${new Date(d.due_at).toISOString()}).\n\nOpen the desk at /cases/${d.report_id} to see it.\n`,
  };
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
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;

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
    try {
      await app.db.query(
        `INSERT INTO scheduler_heartbeats (scheduler_id, last_pass_at, last_reminders, last_escalations, last_error)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (scheduler_id) DO UPDATE SET last_pass_at = $2, last_reminders = $3, last_escalations = $4, last_error = $5`,
        [id, now, result?.reminders ?? 0, result?.escalations ?? 0, error],
      );
    } catch (e) {
      onError(e);
    }
  };
  const loop = () => {
    if (stopped) return;
    running = pass().finally(() => {
      running = null;
      if (!stopped) {
        timer = setTimeout(loop, opts.intervalMs);
        timer.unref?.();
      }
    });
  };
  loop();
  return {
    id,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
