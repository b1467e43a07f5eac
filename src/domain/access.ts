// Access policy: who may see a case and which actions each person may take on it now.
// Need-to-know per case: the central security team sees every case; a project's security team sees
// the incidents forwarded to its project; people pulled into one case see that case only.
// Admins manage the instance but do not see cases unless they are also on a team.
// Everything not granted here is denied.

import { isPublicAt } from './publication.ts';

export type Principal =
  | {
      kind: 'person';
      personId: string;
      name: string;
      isAdmin: boolean;
      central: boolean;
      /** Projects whose security team this person is on. */
      projectIds: readonly string[];
      /**
       * Set when the request came with a browser session: when the person last entered their password
       * and authenticator code in it (signing in, or again for a step-up action). An API token or the
       * desk's own code acting as the person has none (see STEP_UP_ACTIONS).
       */
      session?: { verifiedAt: Date };
    }
  | { kind: 'reporter'; reportId: string }
  /** A stakeholder organisation signed in to the portal: it sees only incidents released to its tier. */
  | { kind: 'stakeholder'; orgId: string; name: string }
  /** The operator at the server's shell (the CLI): may administer the instance, sees no case. */
  | { kind: 'system'; label: string }
  | { kind: 'anonymous' };

export type PersonPrincipal = Extract<Principal, { kind: 'person' }>;

export type TriageMode = 'claim' | 'coordinator';
export type AssignmentMode = 'forward-to-project' | 'subsystem-contacts';

export interface CaseProjectFacts {
  projectId: string;
  rmState: string;
  handlerId: string | null;
}

export interface CaseFacts {
  reportId: string;
  incidentId: string | null;
  rmState: string;
  triagerId: string | null;
  acknowledged: boolean;
  incidentOpen: boolean;
  /** Deemed serious enough for a response-team channel (Tock 2.2). */
  serious: boolean;
  projects: readonly CaseProjectFacts[];
  /** People pulled into the case, with their role there. */
  participants: readonly { personId: string; role: 'collaborator' | 'assignee' }[];
}

export type CaseAction =
  | 'triage.claim'
  | 'triage.take_over'
  | 'triage.accept'
  | 'triage.reject'
  | 'triage.acknowledge'
  | 'triage.assess'
  | 'incident.assign'
  /** Forward the incident to one more affected project, or take back a project it does not affect (TF 3). */
  | 'incident.add_project'
  | 'incident.remove_project'
  /** Deem the incident serious and open the response team's channel, or stand it down (Tock 2.2). */
  | 'incident.mark_serious'
  | 'project.claim'
  | 'project.take_over'
  | 'project.reject'
  | 'project.downgrade'
  | 'project.confirm'
  | 'case.pull_in'
  | 'case.note'
  | 'case.reply'
  | 'case.status_update'
  /** Mark values and passages sensitive, take marks back, rephrase what outsiders read: the security teams. */
  | 'case.redact'
  | 'incident.change_severity'
  /** Negotiate the disclosure timeline, end the embargo, record that an exploit is public or attacks are seen. */
  | 'incident.disclosure'
  /** Record the fix as it grows, mark it ready, hold it under export control. */
  | 'incident.fix'
  /** After disclosure: note what monitoring the public fix finds, reopen the fix when it proves incomplete (Tock §6.1). */
  | 'incident.after_disclosure'
  /** Record the retrospective and propose an edit of the process from it (Tock §6.2–6.3), also once closed. */
  | 'incident.retrospective'
  | 'incident.close'
  | 'incident.reopen';

export function isProjectMember(p: PersonPrincipal, projectId: string): boolean {
  return p.projectIds.includes(projectId);
}

function isParticipant(p: PersonPrincipal, c: CaseFacts): boolean {
  return c.participants.some((x) => x.personId === p.personId);
}

export function canSeeCase(p: Principal, c: CaseFacts): boolean {
  if (p.kind === 'reporter') return p.reportId === c.reportId;
  if (p.kind !== 'person') return false;
  if (p.central || isParticipant(p, c)) return true;
  return c.incidentId !== null && c.projects.some((x) => isProjectMember(p, x.projectId));
}

/** Can see the reporter's identity and other sensitive fields: the security teams, not collaborators. */
export function canSeeSensitive(p: Principal, c: CaseFacts): boolean {
  if (p.kind !== 'person') return false;
  if (p.central) return true;
  return c.incidentId !== null && c.projects.some((x) => isProjectMember(p, x.projectId));
}

export interface WorkflowModes {
  triage: TriageMode;
  assignment: AssignmentMode;
}

/** The actions on the case as a whole (not tied to one project of a multi-project incident). */
export function caseActions(p: Principal, c: CaseFacts, wf: WorkflowModes): CaseAction[] {
  if (p.kind !== 'person' || !canSeeCase(p, c)) return [];
  const actions: CaseAction[] = [];
  const inTriage = c.incidentId === null && c.rmState === 'received';
  const isTriager = c.triagerId === p.personId;
  const teamMember = p.central || c.projects.some((x) => isProjectMember(p, x.projectId));

  if (p.central && inTriage) {
    if (wf.triage === 'claim') {
      if (c.triagerId === null) actions.push('triage.claim');
      else if (!isTriager) actions.push('triage.take_over');
      if (isTriager) actions.push('triage.accept', 'triage.reject');
    } else {
      if (!c.acknowledged) actions.push('triage.acknowledge');
      actions.push('triage.assess', 'triage.reject');
    }
  }
  if (p.central && wf.assignment === 'subsystem-contacts' && c.incidentId !== null && c.incidentOpen && c.rmState === 'valid') {
    actions.push('incident.assign');
  }
  // TF 3: until the relevant projects are clear the triager (or another central member, step 5)
  // forwards to more projects and takes back a forward to a project that turns out not to be affected
  // (one whose team has not decided on it yet).
  if (p.central && wf.assignment === 'forward-to-project' && c.incidentId !== null && c.incidentOpen) {
    actions.push('incident.add_project');
    if (c.projects.some((x) => x.rmState === 'received')) actions.push('incident.remove_project');
  }
  if (teamMember || isTriager) actions.push('case.pull_in');
  actions.push('case.note');
  if (teamMember) actions.push('case.reply', 'case.status_update', 'case.redact');
  if (c.incidentId !== null && (p.central || c.projects.some((x) => x.handlerId === p.personId))) {
    if (c.incidentOpen)
      actions.push('incident.change_severity', 'incident.disclosure', 'incident.fix', 'incident.mark_serious', 'incident.after_disclosure');
    actions.push('incident.retrospective', c.incidentOpen ? 'incident.close' : 'incident.reopen');
  }
  return actions;
}

/** The actions on one project's part of an incident (project handling in the TF process). */
export function projectActions(p: Principal, c: CaseFacts, projectId: string): CaseAction[] {
  if (p.kind !== 'person' || c.incidentId === null || !c.incidentOpen) return [];
  const part = c.projects.find((x) => x.projectId === projectId);
  if (!part || !isProjectMember(p, projectId)) return [];
  // P4: while the handler consolidates what is known of a confirmed vulnerability it may still turn
  // out to be a normal bug; the handler downgrades it then (another member takes the duty over first).
  if (part.rmState === 'accepted') {
    if (part.handlerId === p.personId) return ['project.downgrade'];
    return part.handlerId === null ? ['project.claim'] : ['project.take_over'];
  }
  if (part.rmState !== 'received') return [];
  if (part.handlerId === null) return ['project.claim'];
  if (part.handlerId !== p.personId) return ['project.take_over'];
  return ['project.reject', 'project.downgrade', 'project.confirm'];
}

// --- Advisories ---
// An advisory follows its incident: the security teams handling the incident (who may see the
// reporter's identity, which a draft's credits carry) work on it; people pulled into the case do not.
// Which actions the state allows is decided here too, so a page offers exactly what a use case
// accepts; a refusal says why, as a conflict (the state forbids it now) or as forbidden (never you).

export type AdvisoryAction =
  | 'advisory.create'
  | 'advisory.edit'
  | 'advisory.approve'
  | 'advisory.request_changes'
  | 'advisory.circulate'
  | 'advisory.publish'
  | 'advisory.withdraw'
  | 'advisory.assign_cve';

export const ADVISORY_ACTIONS: readonly AdvisoryAction[] = [
  'advisory.create',
  'advisory.edit',
  'advisory.approve',
  'advisory.request_changes',
  'advisory.circulate',
  'advisory.publish',
  'advisory.withdraw',
  'advisory.assign_cve',
];

export interface AdvisoryFacts {
  state: 'draft' | 'approved' | 'published' | 'withdrawn';
  headVersion: number;
  approvedVersion: number | null;
  publishAt: Date | null;
  /** The version the public sees from publishAt on (null: never scheduled). */
  publishedVersion: number | null;
  /** Who wrote the content of the head version (a version the desk made counts as its nearest human author's). */
  headAuthorId: string | null;
}

export interface Refusal {
  kind: 'forbidden' | 'conflict';
  message: string;
}

/** The security teams of the incident (central, or a project team on it) work on its advisories. */
export function worksOnAdvisories(p: Principal, c: CaseFacts): boolean {
  return canSeeSensitive(p, c);
}

/** The four-eyes rule: a version is reviewed by someone other than the person who wrote it. */
export function isSecondReviewer(p: Principal, authorId: string | null): boolean {
  return p.kind === 'person' && authorId !== p.personId;
}

const TEAM_ONLY: Refusal = {
  kind: 'forbidden',
  message: "Only the security teams handling this incident work on its advisories (drafts carry the reporter's identity).",
};

/**
 * Why the person may not take the action on the advisory now, or null when they may. `a` is null
 * for an advisory not yet created.
 */
export function advisoryRefusal(p: Principal, c: CaseFacts, a: AdvisoryFacts | null, action: AdvisoryAction, now: Date): Refusal | null {
  if (!worksOnAdvisories(p, c)) return TEAM_ONLY;
  if (action === 'advisory.create') {
    return c.incidentId === null
      ? { kind: 'conflict', message: 'Only an incident (an accepted report) has an advisory; accept the report first.' }
      : null;
  }
  if (!a) return { kind: 'conflict', message: 'There is no such advisory yet.' };
  const withdrawn = a.state === 'withdrawn';
  switch (action) {
    case 'advisory.circulate':
      return null;
    case 'advisory.edit':
      return withdrawn ? { kind: 'conflict', message: 'The advisory is withdrawn; it takes no more edits.' } : null;
    case 'advisory.assign_cve':
      return withdrawn ? { kind: 'conflict', message: 'The advisory is withdrawn.' } : null;
    case 'advisory.approve':
    case 'advisory.request_changes':
      if (withdrawn) return { kind: 'conflict', message: 'The advisory is withdrawn.' };
      if (!isSecondReviewer(p, a.headAuthorId)) {
        return { kind: 'forbidden', message: 'You wrote this version: a second team member reviews and approves it.' };
      }
      if (action === 'advisory.approve' && a.approvedVersion === a.headVersion) {
        return { kind: 'conflict', message: `Version ${a.headVersion} is already approved.` };
      }
      return null;
    case 'advisory.publish':
      if (withdrawn) return { kind: 'conflict', message: 'The advisory is withdrawn.' };
      if (a.approvedVersion !== a.headVersion) {
        return {
          kind: 'conflict',
          message: `Only an approved version is published: version ${a.headVersion} is not approved yet. A second team member reviews it first.`,
        };
      }
      return null;
    case 'advisory.withdraw':
      if (withdrawn) return { kind: 'conflict', message: 'The advisory is already withdrawn.' };
      if (a.state !== 'published' || !isPublicAt(a, now)) {
        return {
          kind: 'conflict',
          message: 'Only a public advisory is withdrawn; before its publication time, change or cancel the draft instead.',
        };
      }
      return null;
  }
}

/** The actions the person may take on the advisory now (what its page offers). */
export function advisoryActions(p: Principal, c: CaseFacts, a: AdvisoryFacts | null, now: Date): AdvisoryAction[] {
  // Without an advisory, the one question is whether to start one; with one, what to do with it.
  const candidates = a === null ? ['advisory.create' as const] : ADVISORY_ACTIONS.filter((x) => x !== 'advisory.create');
  return candidates.filter((action) => advisoryRefusal(p, c, a, action, now) === null);
}

// --- Desk-wide resources ---
// Resources that belong to no one case: the instance (people, teams, projects, profile), the team's
// CVE pool and CNA account, the mail operations and the desk's metrics. The operator at the
// server's shell (the system principal) may do all of these; they see no case.

export type DeskAction =
  /** People, teams, projects, the instance and its profile. */
  | 'admin.manage'
  /** Enter blocks of CVE ids, reserve and release them. */
  | 'cve_pool.manage'
  /** See which advisory each CVE id went to (its public id names an embargoed case). */
  | 'cve_pool.see_advisories'
  /** The CVE Services (CNA) account and its key. */
  | 'cna_account.manage'
  /** Stored inbound messages that failed intake: look, retry. */
  | 'mail.inbox'
  /** Failed outbound deliveries: look, resend. */
  | 'mail.deliveries'
  /** Aliases, IMAP accounts and the relay host, and a test mail through it. */
  | 'mail.settings'
  /** Desk-wide SLA metrics. */
  | 'metrics.read'
  /** Stakeholder organisations: their applications, keys and tiers. */
  | 'stakeholders.manage';

const DESK_RULES: Record<DeskAction, { admin: boolean; central: boolean; refusal: string }> = {
  'admin.manage': { admin: true, central: false, refusal: 'Only an admin may do this.' },
  'cve_pool.manage': { admin: true, central: true, refusal: "Only the central security team or an admin manages the team's CVE ids." },
  'cve_pool.see_advisories': {
    admin: false,
    central: true,
    refusal: 'Only the central security team sees which advisory a CVE id went to.',
  },
  'cna_account.manage': { admin: true, central: false, refusal: 'Only an admin may do this.' },
  'mail.inbox': { admin: true, central: false, refusal: 'Only an admin may do this.' },
  'mail.deliveries': { admin: true, central: true, refusal: 'Only admins and the central security team see failed deliveries.' },
  'mail.settings': { admin: true, central: false, refusal: 'Only an admin may do this.' },
  'metrics.read': { admin: true, central: true, refusal: 'Only admins and the central security team may read the metrics.' },
  'stakeholders.manage': {
    admin: true,
    central: true,
    refusal: 'Only admins and the central security team manage the stakeholder organisations.',
  },
};

export const DESK_ACTIONS = Object.keys(DESK_RULES) as DeskAction[];

export function mayDo(p: Principal, action: DeskAction): boolean {
  if (p.kind === 'system') return true;
  if (p.kind !== 'person') return false;
  const rule = DESK_RULES[action];
  return (rule.admin && p.isAdmin) || (rule.central && p.central);
}

/** What a person sees when they may not: the sentence of the refusal. */
export function deskRefusal(action: DeskAction): string {
  return DESK_RULES[action].refusal;
}

/** Everything desk-wide the principal may do (the navigation offers exactly these). */
export function deskActions(p: Principal): DeskAction[] {
  return DESK_ACTIONS.filter((a) => mayDo(p, a));
}

// --- Step-up ---
// Actions that hand out or take away access to the desk, or point its secrets at other servers, need
// more than a session: the password and authenticator code entered again within the last
// stepUpMinutes (ASVS 3.7.1). A stolen session cookie alone cannot lock the team out, let someone in,
// mint an API token or send the desk's mail or CVE key elsewhere. API tokens are not asked: a token
// is shown once to a person who had just stepped up to make it, and it can only be held, not
// re-proven, as GitHub's sudo mode treats its tokens too.

export type StepUpAction =
  /** Disable a person or enable them again. */
  | 'person.disable'
  /** Reset a person's password and authenticator (a new enrollment link). */
  | 'person.reset'
  /** Add a person as an admin. */
  | 'person.add_admin'
  /** Put a person on a team or take them off it (a team sees cases). */
  | 'team.membership'
  /** Create an API token. */
  | 'api_token.create'
  /** The SMTP relay, the IMAP accounts and the aliases the desk answers. */
  | 'mail.servers'
  /** The CVE Services (CNA) account and its key. */
  | 'cna_account.change'
  /** Generate or import the team's OpenPGP key. */
  | 'team_key.change'
  /** Confirm a stakeholder organisation's key and put it in a tier (it will receive embargoed details). */
  | 'stakeholder.admit';

export const STEP_UP_ACTIONS: Readonly<Record<StepUpAction, string>> = {
  'person.disable': 'disabling or enabling a person',
  'person.reset': "resetting a person's password and authenticator",
  'person.add_admin': 'adding an admin',
  'team.membership': "changing a team's members",
  'api_token.create': 'creating an API token',
  'mail.servers': "changing the desk's mail servers and aliases",
  'cna_account.change': 'changing the CVE Services account',
  'team_key.change': "changing the team's OpenPGP key",
  'stakeholder.admit': 'admitting a stakeholder organisation or changing its tiers',
};

/**
 * Why the principal must enter their password and code again before the action, or null when they
 * need not: a browser session verified longer ago than the window asks again.
 */
export function stepUpRefusal(p: Principal, action: StepUpAction, now: Date, windowMinutes: number): string | null {
  if (p.kind !== 'person' || !p.session) return null;
  if (now.getTime() - p.session.verifiedAt.getTime() <= windowMinutes * 60_000) return null;
  return `Confirm it is you: ${STEP_UP_ACTIONS[action]} needs your password and authenticator code, entered within the last ${windowMinutes} minutes.`;
}

// --- Calendars ---
// A person's availability, holiday region and days off: themselves, an admin, or the operator.
// Anyone else is told there is no such person (calendars reveal who is on the desk and when).

export function mayManageCalendarOf(p: Principal, personId: string): boolean {
  if (p.kind === 'system') return true;
  return p.kind === 'person' && (p.personId === personId || p.isAdmin);
}
