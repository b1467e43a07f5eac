import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { EmbargoError, ValidationError } from '../../domain/errors.ts';
import { isValidTimeZone } from '../../domain/calendar.ts';
import { parseProfile, loadShippedProfileText } from '../../process/loader.ts';
import { checkProfileText, formatProblems } from '../../process/lint.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { rulesFromProfile } from '../profile/from-profile.ts';
import { issueEnrollment } from '../auth/auth.ts';
import { audit, requireAdmin, requirePerson, type App, type Ctx } from '../context.ts';

// The instance: its name, its active process profile (a copy the team may edit), its default time
// zone, and the central security team. Created once, by `embargo init` or the first-run setup page.

const cache = new Map<string, ProfileRules>();

export async function rulesOf(tx: Queryable): Promise<ProfileRules> {
  const r = await tx.query<{ name: string; profile_yaml: string }>('SELECT name, profile_yaml FROM instance WHERE id = 1');
  const row = r.rows[0];
  if (!row) throw new EmbargoError('conflict', 'This desk is not set up yet: run `embargo init` or open the setup page.');
  const key = createHash('sha256').update(row.name).update('\0').update(row.profile_yaml).digest('hex');
  let rules = cache.get(key);
  if (!rules) {
    const { profile, problems } = parseProfile(row.profile_yaml, 'instance profile');
    if (!profile) throw new EmbargoError('profile_invalid', `The stored process profile is invalid:\n${formatProblems(problems)}`);
    rules = rulesFromProfile(profile, row.name);
    cache.set(key, rules);
  }
  return rules;
}

export async function isInitialised(db: Queryable): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM instance WHERE id = 1');
  return r.rows.length > 0;
}

export const InitInput = z.strictObject({
  name: z.string().trim().min(2).max(200),
  profile: z.string().trim().min(1).max(100).optional(),
  profileYaml: z.string().max(500_000).optional(),
  timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone like Europe/London'),
  admin: z.strictObject({
    name: z.string().trim().min(1).max(200),
    email: z.string().trim().toLowerCase().email().max(320),
    timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone like Europe/London').optional(),
  }),
});

/** Creates the instance, the central security team and the first admin (also on the central team). */
export async function initInstance(app: App, raw: unknown): Promise<{ adminId: string; enrollmentToken: string }> {
  const input = InitInput.parse(raw);
  const yaml = input.profileYaml ?? loadShippedProfileText(input.profile ?? 'trusted-firmware');
  const { profile, problems } = parseProfile(yaml, input.profile ?? 'profile');
  if (!profile)
    throw new EmbargoError(
      'profile_invalid',
      'The process profile has problems.',
      problems.map((p) => ({ path: `${p.line}:${p.column} ${p.path}`, message: p.message })),
    );
  const now = app.clock();
  return app.db.transaction(async (tx) => {
    if (await isInitialised(tx)) throw new EmbargoError('conflict', 'This desk is already set up.');
    await tx.query(
      'INSERT INTO instance (id, name, profile_id, profile_yaml, default_time_zone, created_at) VALUES (1, $1, $2, $3, $4, $5)',
      [input.name, profile.id, yaml, input.timeZone, now],
    );
    const rules = rulesFromProfile(profile, input.name);
    const teamId = crypto.randomUUID();
    await tx.query(`INSERT INTO teams (id, slug, name, kind, alias, created_at) VALUES ($1, 'security', $2, 'central', $3, $4)`, [
      teamId,
      `${input.name} (central)`,
      rules.centralAlias || null,
      now,
    ]);
    const adminId = crypto.randomUUID();
    await tx.query('INSERT INTO people (id, name, time_zone, is_admin, created_at) VALUES ($1, $2, $3, true, $4)', [
      adminId,
      input.admin.name,
      input.admin.timeZone ?? input.timeZone,
      now,
    ]);
    await tx.query('INSERT INTO person_emails (email, person_id, is_primary) VALUES ($1, $2, true)', [input.admin.email, adminId]);
    await tx.query('INSERT INTO team_members (team_id, person_id) VALUES ($1, $2)', [teamId, adminId]);
    const enrollmentToken = await issueEnrollment(tx, adminId, now);
    await audit({ app, principal: { kind: 'anonymous' } }, tx, now, {
      action: 'instance.initialised',
      subjectType: 'instance',
      subjectId: '1',
      data: { profile: profile.id, adminId },
    });
    return { adminId, enrollmentToken };
  });
}

export function assertTimeZone(tz: string): void {
  if (!isValidTimeZone(tz)) throw new ValidationError(`Unknown time zone ${tz}.`, [{ path: 'timeZone', message: 'unknown time zone' }]);
}

/**
 * Replaces the desk's process profile with a team's edited copy. The text is validated and linted
 * first; any error refuses the change and lists every problem with its line and column.
 * Workflow modes cannot change under running cases, so a profile with another workflow is refused.
 */
export async function updateProfile(ctx: Ctx, yaml: string): Promise<{ profileId: string }> {
  requireAdmin(ctx);
  if (typeof yaml !== 'string' || yaml.length > 500_000) throw new ValidationError('Send the profile as YAML text of at most 500 kB.');
  const problems = checkProfileText(yaml, 'profile').filter((p) => p.severity === 'error');
  const { profile } = parseProfile(yaml, 'profile');
  if (!profile || problems.length) {
    throw new EmbargoError(
      'profile_invalid',
      'The process profile has problems.',
      problems.map((p) => ({ path: `${p.line}:${p.column} ${p.path}`, message: p.message })),
    );
  }
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const current = await rulesOf(tx);
    if (current.workflow.triage !== profile.workflow.triage || current.workflow.assignment !== profile.workflow.assignment) {
      throw new EmbargoError(
        'conflict',
        `The new profile changes the workflow (${profile.workflow.triage}/${profile.workflow.assignment}); set up a new desk for a different workflow.`,
      );
    }
    await tx.query('UPDATE instance SET profile_id = $1, profile_yaml = $2 WHERE id = 1', [profile.id, yaml]);
    await audit(ctx, tx, now, {
      action: 'instance.profile_updated',
      subjectType: 'instance',
      subjectId: '1',
      data: { profile: profile.id, version: profile.version },
    });
    return { profileId: profile.id };
  });
}

export async function currentProfileText(ctx: Ctx): Promise<string> {
  requirePerson(ctx);
  const r = await ctx.app.db.query<{ profile_yaml: string }>('SELECT profile_yaml FROM instance WHERE id = 1');
  return r.rows[0]?.profile_yaml ?? '';
}
