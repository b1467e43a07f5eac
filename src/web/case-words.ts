import { FLAGS, type Flag } from '../domain/case-state.ts';
import { html, type Html } from './html.ts';
import { plainTime, plainWhen, relativeDueText } from './format.ts';

// The case page in plain words: the state machines' codes (Vultron's "vfdpxa", report management's
// "received → valid"), the events that stop clocks ("report_accepted") and due times as people say
// them ("due in 2 days", "5 h overdue"). Dates carry no zone name: the page names its one zone once.

/** A date on the case page: "Fri 4 Dec 2026, 19:14", the exact instant (to the second) in datetime. */
export const at = plainWhen;

/** "due in 2 days", "due in 40 min", "5 h overdue": the queue's words, with "due" before a time to come. */
export function relativeDue(dueIso: string, now: Date): string {
  const text = relativeDueText(dueIso, now);
  return text.startsWith('in ') ? `due ${text}` : text;
}

/** What the events a clock stops on mean, as a sentence's end: "stopped: the report was accepted". */
const EVENT_WORDS: Record<string, string> = {
  report_received: 'the report arrived',
  triager_claimed: 'a triager claimed it',
  report_acknowledged: 'receipt was acknowledged to the reporter',
  severity_assessed: 'the severity was assessed',
  report_accepted: 'the report was accepted',
  report_rejected: 'the report was rejected',
  forwarded_to_project: 'it was forwarded to a project',
  project_received: 'the project team received it',
  handler_claimed: 'a handler claimed it',
  subsystem_assigned: 'it was assigned to the subsystem maintainers',
  vulnerability_confirmed: 'the vulnerability was confirmed',
  downgraded_to_bug: 'it was downgraded to a normal bug',
  fix_ready: 'the fix became ready',
  fix_shared: 'the fix was shared',
  embargo_started: 'the embargo started',
  embargo_ended: 'the embargo ended',
  fix_published: 'the fix was made public',
  advisory_published: 'the advisory was published',
  incident_closed: 'the incident was closed',
  fix_reopened: 'the fix was reopened',
  waiting_for_reporter: 'the team waits for the reporter',
  reporter_replied: 'the reporter answered',
};

/** A clock's stop reason in words: an event name becomes a phrase; other reasons are kept, underscores spaced. */
export function stopWords(reason: string | null, timeZone: string): string {
  if (!reason) return 'stopped';
  const [head, ...rest] = reason.split(': ');
  const words = EVENT_WORDS[head!] ?? head!.replace(/_/g, ' ');
  return rest.length ? `${words}: ${pausedWords(rest.join(': '), timeZone)}` : words;
}

/**
 * A clock that resumed after a pause records "paused from <instant> until <event>" (the API keeps
 * that form); the page reads the instant in its zone and the event in words.
 */
function pausedWords(why: string, timeZone: string): string {
  const paused = /^paused from (\S+) until (\w+)$/.exec(why);
  const from = paused ? new Date(paused[1]!) : null;
  if (!paused || !from || Number.isNaN(from.getTime())) return why;
  return `paused from ${plainTime(from, timeZone)} until ${EVENT_WORDS[paused[2]!] ?? paused[2]!.replace(/_/g, ' ')}`;
}

/** A clock's name in words: "project-analysis" → "project analysis". */
export function clockWords(clock: string): string {
  return clock.replace(/[-_]/g, ' ');
}

/** The report as a whole (its coordinator: triage). */
const REPORT_STATE_WORDS: Record<string, string> = {
  received: 'The report was received',
  valid: 'The report was found valid',
  invalid: 'The report was found not to be a vulnerability',
  accepted: 'The report was accepted',
  deferred: 'Work on it was deferred',
  closed: 'It was closed',
};

/** One project's part of an incident. */
const PROJECT_STATE_WORDS: Record<string, string> = {
  received: 'the project team received the incident',
  valid: 'the project team took the incident on',
  invalid: 'not a vulnerability for this project',
  accepted: 'the vulnerability was confirmed',
  deferred: 'work on it was deferred',
  closed: 'closed for this project',
};

const FLAG_WORDS: Record<Flag, string> = {
  vendorAware: 'the vendor is aware',
  fixReady: 'a fix is ready',
  fixDeployed: 'the fix is deployed',
  publicAware: 'the vulnerability is public',
  exploitPublic: 'an exploit is public',
  attacksObserved: 'attacks are observed',
};

/** "vfdpxa" → the flags it sets, in words: "The vendor is aware; a fix is ready". */
function caseStateWords(from: string, to: string): string {
  const set = (code: string, i: number) => code.length === FLAGS.length && code[i] === code[i]!.toUpperCase();
  const now = FLAGS.filter((_, i) => set(to, i));
  const added = FLAGS.filter((_, i) => set(to, i) && !set(from, i));
  if (now.length === 0) return 'Nothing is known yet: no vendor aware, no fix, nothing public';
  const sentence = now.map((f) => FLAG_WORDS[f]).join('; ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${added.length && added.length < now.length ? ` (new: ${added.map((f) => FLAG_WORDS[f]).join(', ')})` : ''}`;
}

const EMBARGO_WORDS: Record<string, string> = {
  none: 'No embargo is agreed',
  proposed: 'An embargo was proposed',
  active: 'The embargo is in force',
  revise: 'A revision of the embargo was proposed',
  exited: 'The embargo ended',
};

const PHASE_WORDS: Record<string, string> = {
  undisclosed: 'Not disclosed',
  'post-disclosure': 'The advisory is public: after disclosure',
  remediation: 'The public fix proved incomplete: back to remediation',
};

export interface TimelineEntry {
  machine: string;
  participant: string;
  from: string;
  to: string;
}

/** One timeline entry as a sentence. Score and severity changes keep their values (they are the news). */
export function timelineSentence(t: TimelineEntry): Html {
  const who = t.participant.startsWith('project ') ? `${t.participant.charAt(0).toUpperCase()}${t.participant.slice(1)}: ` : '';
  switch (t.machine) {
    case 'report-management': {
      const phrase = (who ? PROJECT_STATE_WORDS : REPORT_STATE_WORDS)[t.to];
      if (!phrase) break;
      return html`${who}${phrase}${t.from === 'closed' ? ' (reopened)' : ''}`;
    }
    case 'task':
      return html`${t.to === 'closed' ? 'The incident was closed' : 'The incident was reopened'}`;
    case 'projects':
      return html`${who}${t.to === 'removed' ? 'the forward was taken back: the project is not affected' : `${t.from} → ${t.to}`}`;
    case 'serious':
      return html`${t.to === 'yes' ? 'The incident was deemed serious: a response-team channel is open' : 'The response team stood down'}`;
    case 'case-state':
      return html`${caseStateWords(t.from, t.to)}`;
    case 'embargo-management':
      return html`${EMBARGO_WORDS[t.to] ?? t.to}${t.from === 'proposed' && t.to === 'proposed' ? ' (a new proposal)' : ''}`;
    case 'disclosure-phase':
      return html`${PHASE_WORDS[t.to] ?? t.to}`;
    case 'severity':
      return html`Severity changed: ${t.from} → ${t.to}`;
    default:
      break;
  }
  return html`<strong>${t.participant}</strong> ${t.from} → ${t.to}`;
}

/** The report's state in plain words, for the summary. */
export function reportStateWords(rmState: string, triager: string | null, incident: boolean): string {
  if (!incident) {
    if (rmState === 'received') return triager ? `In triage with ${triager}` : 'Awaiting triage: nobody has claimed it';
    if (rmState === 'invalid' || rmState === 'closed') return 'Rejected: not a vulnerability';
  }
  if (rmState === 'accepted') return 'Accepted: the incident is with the project team(s)';
  return REPORT_STATE_WORDS[rmState] ?? rmState;
}

/** A project's part of the incident in words. */
export function projectStateWords(rmState: string, handler: string | null): string {
  switch (rmState) {
    case 'received':
      return handler ? `being analysed by ${handler}` : 'waiting for a handler';
    case 'valid':
      return handler ? `being analysed by ${handler}` : 'waiting for a handler';
    case 'accepted':
      return `confirmed vulnerability${handler ? `, handled by ${handler}` : ''}`;
    case 'invalid':
      return 'not a vulnerability';
    case 'deferred':
      return 'deferred';
    case 'closed':
      return 'closed';
    default:
      return rmState;
  }
}
