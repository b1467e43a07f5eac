import { requireAdmin, type Ctx } from '../context.ts';
import { outboundMailStatus } from '../delivery/outbound-status.ts';

// What a new desk still lacks before it can run its process, read from the desk as it is (nothing
// is ticked off by hand): projects with their teams, people on them, outbound mail, and a first
// report through the link the team shares. The admin's start page and the dashboard show it.

export type FirstRunStep = 'projects' | 'people' | 'teams' | 'mail' | 'report';

export interface FirstRunItem {
  step: FirstRunStep;
  done: boolean;
  /** Facts for the sentence the page writes: counts and names, no secrets. */
  facts: {
    projects?: number;
    people?: number;
    notEnrolled?: number;
    emptyTeams?: string[];
    mailProblems?: string[];
    reports?: number;
  };
}

export interface FirstRunChecklist {
  items: FirstRunItem[];
  allDone: boolean;
}

export async function firstRunChecklist(ctx: Ctx): Promise<FirstRunChecklist> {
  requireAdmin(ctx);
  const r = await ctx.app.db.query<{ projects: number; people: number; not_enrolled: number; reports: number; empty_teams: string[] }>(
    `SELECT (SELECT count(*)::int FROM projects) AS projects,
            (SELECT count(*)::int FROM people WHERE NOT disabled) AS people,
            (SELECT count(*)::int FROM people WHERE NOT disabled AND password_hash IS NULL) AS not_enrolled,
            (SELECT count(*)::int FROM reports) AS reports,
            ARRAY(SELECT t.slug FROM teams t WHERE t.kind IN ('central', 'project')
                     AND NOT EXISTS (SELECT 1 FROM team_members tm JOIN people p ON p.id = tm.person_id
                                      WHERE tm.team_id = t.id AND NOT p.disabled)
                   ORDER BY t.kind, t.slug) AS empty_teams`,
  );
  const row = r.rows[0]!;
  const mail = await outboundMailStatus(ctx);
  const items: FirstRunItem[] = [
    { step: 'projects', done: row.projects > 0, facts: { projects: row.projects } },
    // The first admin alone is no team: someone else must be on the desk.
    { step: 'people', done: row.people > 1, facts: { people: row.people, notEnrolled: row.not_enrolled } },
    { step: 'teams', done: row.projects > 0 && row.empty_teams.length === 0, facts: { emptyTeams: row.empty_teams } },
    { step: 'mail', done: mail.canSend && mail.problems.length === 0, facts: { mailProblems: mail.problems } },
    { step: 'report', done: row.reports > 0, facts: { reports: row.reports } },
  ];
  return { items, allDone: items.every((i) => i.done) };
}
