import type { Queryable } from '../../store/db.ts';
import { ConflictError } from '../../domain/errors.ts';
import type { ProfileRules } from '../profile/rules.ts';

// The rows of a team and of a project with its security team: written by the admin use cases and by
// setup (the projects a profile starts with), inside the caller's transaction.

export async function insertTeam(
  tx: Queryable,
  t: { id: string; slug: string; name: string; kind: string; alias: string | null },
  now: Date,
): Promise<void> {
  const r = await tx.query(
    'INSERT INTO teams (id, slug, name, kind, alias, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING',
    [t.id, t.slug, t.name, t.kind, t.alias, now],
  );
  if (r.rowCount !== 1) throw new ConflictError(`A team ${t.slug} exists already.`);
}

/**
 * A project's rows: its security team (alias from the profile), the project, its subsystem table
 * (the given names, else the profile's). Also what setup runs for the projects a profile starts with.
 */
export async function insertProject(
  tx: Queryable,
  rules: ProfileRules,
  input: { slug: string; name: string; bugTrackerUrl?: string | null; subsystems?: readonly string[] | undefined },
  now: Date,
): Promise<{ projectId: string; teamSlug: string }> {
  const teamId = crypto.randomUUID();
  const teamSlug = `${input.slug}-security`;
  await insertTeam(
    tx,
    { id: teamId, slug: teamSlug, name: `${input.name} security team`, kind: 'project', alias: rules.projectAlias(input.slug) },
    now,
  );
  const projectId = crypto.randomUUID();
  const r = await tx.query(
    'INSERT INTO projects (id, slug, name, security_team_id, bug_tracker_url, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING',
    [projectId, input.slug, input.name, teamId, input.bugTrackerUrl ?? null, now],
  );
  if (r.rowCount !== 1) throw new ConflictError(`A project ${input.slug} exists already.`);
  for (const name of new Set(input.subsystems ?? rules.defaultSubsystems)) {
    await tx.query('INSERT INTO subsystems (id, project_id, name) VALUES ($1, $2, $3)', [crypto.randomUUID(), projectId, name]);
  }
  return { projectId, teamSlug };
}
