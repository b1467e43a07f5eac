// Access policy: who may see a case and which actions each person may take on it now.
// Need-to-know per case: the central security team sees every case; a project's security team sees
// the incidents forwarded to its project; people pulled into one case see that case only.
// Admins manage the instance but do not see cases unless they are also on a team.
// Everything not granted here is denied.

export type Principal =
  | {
      kind: 'person';
      personId: string;
      name: string;
      isAdmin: boolean;
      central: boolean;
      /** Projects whose security team this person is on. */
      projectIds: readonly string[];
    }
  | { kind: 'reporter'; reportId: string }
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
  | 'project.claim'
  | 'project.take_over'
  | 'project.reject'
  | 'project.downgrade'
  | 'project.confirm'
  | 'case.pull_in'
  | 'case.note'
  | 'case.reply'
  | 'case.status_update'
  | 'incident.change_severity'
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
  if (teamMember || isTriager) actions.push('case.pull_in');
  actions.push('case.note');
  if (teamMember) actions.push('case.reply', 'case.status_update');
  if (c.incidentId !== null && (p.central || c.projects.some((x) => x.handlerId === p.personId))) {
    if (c.incidentOpen) actions.push('incident.change_severity');
    actions.push(c.incidentOpen ? 'incident.close' : 'incident.reopen');
  }
  return actions;
}

/** The actions on one project's part of an incident (project handling in the TF process). */
export function projectActions(p: Principal, c: CaseFacts, projectId: string): CaseAction[] {
  if (p.kind !== 'person' || c.incidentId === null || !c.incidentOpen) return [];
  const part = c.projects.find((x) => x.projectId === projectId);
  if (!part || !isProjectMember(p, projectId)) return [];
  if (part.rmState !== 'received') return [];
  if (part.handlerId === null) return ['project.claim'];
  if (part.handlerId !== p.personId) return ['project.take_over'];
  return ['project.reject', 'project.downgrade', 'project.confirm'];
}
