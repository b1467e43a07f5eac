import type { Queryable } from '../../store/db.ts';
import type { ClockRule } from '../profile/rules.ts';
import type { EscalationTarget } from '../../process/schema.ts';
import { peopleAt, type PersonAt } from './presence.ts';

// Who is told about a running clock.
//
// - reminder: the owner; with no owner yet, or an owner who is not present, the team the owner role
//   comes from (the central team for triage clocks, the project's security team for project clocks).
// - escalation: the profile's escalateTo targets (central-team, project-team, secondary-contact,
//   triage-role), never the owner; if none of them is present, the central team.
// People who are not present (peopleAt: unavailable, disabled, away, or on a day off today in their
// own time zone) or have no address are skipped.

export type NoticeKind = 'reminder' | 'escalation';

/** A running clock as the scheduler selected it. */
export interface RunningDeadline {
  id: string;
  report_id: string;
  incident_id: string | null;
  project_id: string | null;
  clock: string;
  owner_id: string | null;
  time_zone: string;
  due_at: Date;
}

export interface CaseFacts {
  number: number;
  triagerId: string | null;
  incidentId: string | null;
  ref: string | null;
  components: string[];
  projects: { projectId: string; slug: string; name: string; teamId: string; handlerId: string | null; subsystemId: string | null }[];
}

export async function loadFacts(tx: Queryable, reportId: string): Promise<CaseFacts> {
  return (await loadFactsOf(tx, [reportId])).get(reportId)!;
}

/** The facts of several cases in one statement, by report id. */
export async function loadFactsOf(q: Queryable, reportIds: readonly string[]): Promise<Map<string, CaseFacts>> {
  const r = await q.query<{
    id: string;
    number: number;
    triager_id: string | null;
    incident_id: string | null;
    ref: string | null;
    affected_components: string[] | null;
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
    `SELECT r.id, r.number, r.triager_id, i.id AS incident_id, i.ref, i.affected_components,
            (SELECT json_agg(json_build_object('project_id', ip.project_id, 'slug', p.slug, 'name', p.name, 'security_team_id', p.security_team_id,
                                               'handler_id', ip.handler_id, 'subsystem_id', ip.subsystem_id) ORDER BY p.slug)
               FROM incident_projects ip JOIN projects p ON p.id = ip.project_id WHERE ip.incident_id = i.id) AS projects
       FROM reports r LEFT JOIN incidents i ON i.id = r.incident_id WHERE r.id = ANY($1::uuid[])`,
    [[...new Set(reportIds)]],
  );
  return new Map(
    r.rows.map((row) => [
      row.id,
      {
        number: Number(row.number),
        triagerId: row.triager_id,
        incidentId: row.incident_id,
        ref: row.ref,
        components: row.affected_components ?? [],
        projects: (row.projects ?? []).map((p) => ({
          projectId: p.project_id,
          slug: p.slug,
          name: p.name,
          teamId: p.security_team_id,
          handlerId: p.handler_id,
          subsystemId: p.subsystem_id,
        })),
      },
    ]),
  );
}

/** A person a notice may go to: their address, and whether they are present now. */
export type Person = PersonAt;

/** Why a person gets the notice; decides the sentence that tells them. */
export type Because = 'owner' | 'stage-team' | EscalationTarget | 'fallback';

export interface Recipient {
  person: Person;
  because: Because;
}

export interface Decision {
  recipients: Recipient[];
  owner: Person | null;
  centralIds: ReadonlySet<string>;
  projectTeamIds: ReadonlySet<string>;
  subsystemName: string | null;
}

/** One clock to decide the recipients of. */
export interface Undecided {
  kind: NoticeKind;
  d: RunningDeadline;
  rule: ClockRule | undefined;
  c: CaseFacts;
}

export async function decideRecipients(
  tx: Queryable,
  kind: NoticeKind,
  d: RunningDeadline,
  rule: ClockRule | undefined,
  c: CaseFacts,
  now: Date,
): Promise<Decision> {
  return (await decideAll(tx, [{ kind, d, rule, c }], now))[0]!;
}

/**
 * The recipients of several clocks at `now`, in the order given, with the same few statements however
 * many clocks there are: the members of the teams they name, the subsystems where a target needs
 * them, and the people with their presence.
 */
export async function decideAll(q: Queryable, clocks: readonly Undecided[], now: Date): Promise<Decision[]> {
  if (clocks.length === 0) return [];
  const scopes = clocks.map(({ d, c }) => (d.project_id ? c.projects.filter((p) => p.projectId === d.project_id) : c.projects));
  const members = await q.query<{ person_id: string; team_id: string; central: boolean }>(
    `SELECT tm.person_id, tm.team_id, t.kind = 'central' AS central FROM team_members tm JOIN teams t ON t.id = tm.team_id
      WHERE t.kind = 'central' OR t.id = ANY($1::uuid[]) ORDER BY tm.person_id, tm.team_id`,
    [[...new Set(scopes.flat().map((p) => p.teamId))]],
  );
  const central = [...new Set(members.rows.filter((m) => m.central).map((m) => m.person_id))];
  const targets: Targets[] = [];
  for (const [i, { kind, d, rule, c }] of clocks.entries()) {
    const scope = scopes[i]!;
    const teamIds = new Set(scope.map((p) => p.teamId));
    const projectTeam = [...new Set(members.rows.filter((m) => !m.central && teamIds.has(m.team_id)).map((m) => m.person_id))];
    const needsSubsystems = kind === 'escalation' && (rule?.escalateTo ?? []).includes('secondary-contact');
    const subsystems = needsSubsystems ? await subsystemsOf(q, scope, c.components) : [];
    targets.push(targetsOf(kind, d, rule, c, scope, central, projectTeam, subsystems));
  }
  const ids = new Set<string>();
  for (const [i, t] of targets.entries()) {
    for (const [id] of t.wanted) ids.add(id);
    const owner = clocks[i]!.d.owner_id;
    if (owner) ids.add(owner);
  }
  const people = await peopleAt(q, [...ids], now);
  return targets.map((t, i) => choose(clocks[i]!.kind, clocks[i]!.d, t, people));
}

/** Who the profile's targets name for one clock, in order, each with the reason they are told. */
interface Targets {
  wanted: [string, Because][];
  central: string[];
  projectTeam: string[];
  subsystemName: string | null;
}

function targetsOf(
  kind: NoticeKind,
  d: RunningDeadline,
  rule: ClockRule | undefined,
  c: CaseFacts,
  scope: CaseFacts['projects'],
  central: string[],
  projectTeam: string[],
  subsystems: readonly Subsystem[],
): Targets {
  const stageTeam = (rule?.ownerTeam ?? 'central') === 'central' || scope.length === 0 ? central : projectTeam;
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
        for (const s of subsystems) {
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
  return { wanted, central, projectTeam, subsystemName };
}

/** Those of the targets who are present and have an address. */
function choose(kind: NoticeKind, d: RunningDeadline, t: Targets, people: ReadonlyMap<string, Person>): Decision {
  const owner = d.owner_id ? (people.get(d.owner_id) ?? null) : null;
  const reachable = (id: string) => {
    const p = people.get(id);
    return p?.present && p.email !== null;
  };
  const chosen = new Map<string, Because>();
  if (kind === 'reminder') {
    if (owner && reachable(owner.id)) chosen.set(owner.id, 'owner');
    else for (const [id, because] of t.wanted) if (because === 'stage-team' && id !== d.owner_id && reachable(id)) chosen.set(id, because);
  } else {
    for (const [id, because] of t.wanted) {
      if (because === 'fallback' || id === d.owner_id || chosen.has(id) || !reachable(id)) continue;
      chosen.set(id, because);
    }
    if (chosen.size === 0)
      for (const [id, because] of t.wanted) if (because === 'fallback' && id !== d.owner_id && reachable(id)) chosen.set(id, because);
  }
  return {
    recipients: [...chosen].map(([id, because]) => ({ person: people.get(id)!, because })),
    owner,
    centralIds: new Set(t.central),
    projectTeamIds: new Set(t.projectTeam),
    subsystemName: t.subsystemName,
  };
}

interface Subsystem {
  id: string;
  name: string;
  primary_contact_id: string | null;
  secondary_contact_id: string | null;
}

async function subsystemsOf(tx: Queryable, scope: CaseFacts['projects'], components: readonly string[]): Promise<Subsystem[]> {
  const assigned = scope.map((p) => p.subsystemId).filter((x): x is string => x !== null);
  // Assigned subsystems first; before assignment, the subsystems named by the affected components.
  const r = await tx.query<Subsystem>(
    `SELECT id, name, primary_contact_id, secondary_contact_id FROM subsystems
      WHERE CASE WHEN cardinality($1::uuid[]) > 0 THEN id = ANY($1::uuid[])
                 ELSE project_id = ANY($2::uuid[]) AND lower(name) = ANY($3::text[]) END
      ORDER BY name`,
    [assigned, scope.map((p) => p.projectId), components.map((x) => x.toLowerCase())],
  );
  return r.rows;
}
