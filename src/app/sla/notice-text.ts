import type { Envelope } from '../cases/messaging.ts';
import type { ClockRule, ProfileRules } from '../profile/rules.ts';
import { isoWithOffset } from '../../domain/calendar.ts';
import { dateTimeFormat } from '../../domain/date-formats.ts';
import { readableInstant } from '../../domain/reader-dates.ts';
import type { Because, CaseFacts, Decision, NoticeKind, Person, Recipient, RunningDeadline } from './recipients.ts';

// The text of the SLA notices. They never carry the reporter's identity, the report's title or body:
// they name the case by its number or incident id and link to it.

export interface NoticeInput {
  kind: NoticeKind;
  d: RunningDeadline;
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
  const parts = dateTimeFormat('en-GB', {
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

export function composeNotice(n: NoticeInput): Envelope {
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
export function minimalNotice(kind: NoticeKind, d: RunningDeadline, c: CaseFacts, to: Person): Envelope {
  const state = kind === 'reminder' ? 'is due soon' : 'is overdue';
  return {
    automatic: 'auto-generated',
    to: [to.email!],
    cc: [],
    subject: `[Embargo] ${kind === 'reminder' ? 'Reminder' : 'Overdue'}: a clock of case ${c.number} ${state}`,
    body: `A clock of case ${c.number} ${state} (due ${readableInstant(new Date(d.due_at), to.timeZone)}).\n\nOpen the desk at /cases/${d.report_id} to see it.\n`,
  };
}
