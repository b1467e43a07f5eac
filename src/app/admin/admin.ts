import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { timeZoneInput } from '../../domain/time-zones.ts';
import { mayManageCalendarOf } from '../../domain/access.ts';
import { audit, requireAdmin, requirePerson, requireStepUp, type Ctx } from '../context.ts';
import { issueEnrollment } from '../auth/auth.ts';
import { queueAccountMail } from '../auth/account-mail.ts';
import { deskUrl } from '../../config.ts';
import { rulesOf } from './instance.ts';
import { isUuid } from '../../domain/ids.ts';
import { insertProject } from './rows.ts';

// Admin use cases: people, teams and projects (with their subsystem contact table).

const tz = timeZoneInput;
const slug = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a lower-case slug like "tf-a"')
  .max(60);

export const PersonInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  emails: z.array(z.string().trim().toLowerCase().email().max(320)).min(1).max(10),
  timeZone: tz,
  workingWeek: z.array(z.number().int().min(1).max(7)).min(1).max(7).default([1, 2, 3, 4, 5]),
  isAdmin: z.boolean().default(false),
  /** Teams (slugs) the person joins: all or nothing, in the same transaction as the person. */
  teams: z.array(z.string().trim().min(1).max(80)).max(50).default([]),
});

/**
 * Adds a person, on the teams named; they set their password and second factor through the
 * enrollment link returned. One transaction: an unknown team refuses the whole addition, so a retry
 * with the right team does not find the address taken.
 */
export async function addPerson(ctx: Ctx, raw: unknown): Promise<{ personId: string; enrollmentToken: string }> {
  const r = await insertPerson(ctx, raw, false);
  return { personId: r.personId, enrollmentToken: r.enrollmentToken };
}

export type AddedPerson =
  | { personId: string; mailedTo: string; enrollmentToken?: never }
  | { personId: string; mailedTo: null; enrollmentToken: string };

/**
 * Adds a person like addPerson, and when the desk has an SMTP relay mails their enrollment link to
 * their primary address, queued in the same transaction; the link is then not returned, so it
 * exists in one place only. Without a relay nothing can go out: the link is returned for the admin to
 * hand over, as addPerson does.
 */
export async function addPersonMailingLink(ctx: Ctx, raw: unknown): Promise<AddedPerson> {
  const r = await insertPerson(ctx, raw, true);
  return r.mailedTo
    ? { personId: r.personId, mailedTo: r.mailedTo }
    : { personId: r.personId, mailedTo: null, enrollmentToken: r.enrollmentToken };
}

export const ENROLLMENT_TEMPLATE = 'auth.enrollment';

async function insertPerson(
  ctx: Ctx,
  raw: unknown,
  mail: boolean,
): Promise<{ personId: string; enrollmentToken: string; mailedTo: string | null }> {
  requireAdmin(ctx);
  const input = PersonInput.parse(raw);
  if (input.isAdmin) requireStepUp(ctx, 'person.add_admin');
  // Putting someone on a team opens its cases to them: the same confirmation as adding a member later.
  if (input.teams.length) requireStepUp(ctx, 'team.membership');
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const slugs = [...new Set(input.teams)];
    const teams = slugs.length
      ? (await tx.query<{ id: string; slug: string }>('SELECT id, slug FROM teams WHERE slug = ANY($1)', [slugs])).rows
      : [];
    const unknownTeams = slugs.filter((t) => !teams.some((x) => x.slug === t));
    if (unknownTeams.length) {
      const known = (await tx.query<{ slug: string }>('SELECT slug FROM teams ORDER BY slug')).rows.map((x) => x.slug);
      throw new ValidationError(
        `No team ${unknownTeams.join(', ')}; the teams are ${known.join(', ')}. Nobody was added.`,
        unknownTeams.map((t) => ({ path: 'teams', message: `unknown team ${t}` })),
      );
    }
    const taken = await tx.query('SELECT email FROM person_emails WHERE email = ANY($1)', [input.emails]);
    if (taken.rows.length) throw new ConflictError('One of these e-mail addresses already belongs to someone.');
    const personId = crypto.randomUUID();
    await tx.query('INSERT INTO people (id, name, time_zone, working_week, is_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      personId,
      input.name,
      input.timeZone,
      [...new Set(input.workingWeek)].sort(),
      input.isAdmin,
      now,
    ]);
    for (const [i, email] of [...new Set(input.emails)].entries()) {
      await tx.query('INSERT INTO person_emails (email, person_id, is_primary) VALUES ($1, $2, $3)', [email, personId, i === 0]);
    }
    const enrollmentToken = await issueEnrollment(tx, personId, now);
    const mailedTo = mail && (await hasRelay(tx)) ? await mailEnrollmentLink(ctx, tx, now, personId, enrollmentToken) : null;
    await audit(ctx, tx, now, {
      action: 'person.added',
      subjectType: 'person',
      subjectId: personId,
      data: { name: input.name, isAdmin: input.isAdmin, enrollmentMailed: mailedTo !== null },
    });
    for (const team of teams) {
      await tx.query('INSERT INTO team_members (team_id, person_id) VALUES ($1, $2)', [team.id, personId]);
      await audit(ctx, tx, now, { action: 'team.member_added', subjectType: 'team', subjectId: team.id, data: { personId } });
    }
    return { personId, enrollmentToken, mailedTo };
  });
}

async function hasRelay(tx: Queryable): Promise<boolean> {
  return (await tx.query('SELECT 1 FROM smtp_relay WHERE id = 1')).rows.length > 0;
}

/** Queues the enrollment link to the person's primary address; the address it goes to. */
async function mailEnrollmentLink(ctx: Ctx, tx: Queryable, now: Date, personId: string, token: string): Promise<string | null> {
  const desk = (await tx.query<{ name: string }>('SELECT name FROM instance WHERE id = 1')).rows[0]?.name ?? 'Embargo';
  const base = deskUrl(ctx.app.config);
  const queued = await queueAccountMail(ctx, tx, now, {
    personId,
    templateId: ENROLLMENT_TEMPLATE,
    subject: `Your account on ${desk}`,
    body: [
      `An admin of ${desk} added you to its vulnerability disclosure desk at ${base}.`,
      '',
      'Open this link to choose your password and set up your authenticator app (it works once, for 7 days):',
      '',
      `  ${base}/enroll/${encodeURIComponent(token)}`,
      '',
      'The link is your way in until you have enrolled: do not forward it. If you did not expect this mail,',
      'tell the security team; once someone has used the link it stops working.',
    ].join('\n'),
  });
  if (!queued) return null;
  const r = await tx.query<{ email: string }>(
    'SELECT email FROM person_emails WHERE person_id = $1 ORDER BY is_primary DESC, email LIMIT 1',
    [personId],
  );
  return r.rows[0]?.email ?? null;
}

export async function reissueEnrollment(ctx: Ctx, personId: string): Promise<{ enrollmentToken: string }> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'person.reset');
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    await personExists(tx, personId);
    await tx.query('UPDATE people SET password_hash = NULL, totp_secret_sealed = NULL, totp_last_step = NULL WHERE id = $1', [personId]);
    // A reset is what an admin does when a password or device may be in other hands: everything that
    // stood for the old credentials stops, the API tokens made with them too.
    const access = await endAccess(tx, personId, now);
    const enrollmentToken = await issueEnrollment(tx, personId, now);
    await audit(ctx, tx, now, { action: 'person.enrollment_reissued', subjectType: 'person', subjectId: personId, data: access });
    return { enrollmentToken };
  });
}

/** Ends a person's sessions and revokes their API tokens; says how many of each. */
async function endAccess(tx: Queryable, personId: string, now: Date): Promise<{ sessionsEnded: number; tokensRevoked: number }> {
  const sessions = await tx.query('DELETE FROM sessions WHERE person_id = $1', [personId]);
  const tokens = await tx.query('UPDATE api_tokens SET revoked_at = $2 WHERE person_id = $1 AND revoked_at IS NULL', [personId, now]);
  return { sessionsEnded: sessions.rowCount ?? 0, tokensRevoked: tokens.rowCount ?? 0 };
}

export const DisabledInput = z.strictObject({ disabled: z.boolean() });

/**
 * Disables a person (someone who left the team) or enables them again. Disabling ends their sessions
 * and revokes their API tokens at once; sign-in, sessions and tokens all refuse a disabled person
 * (loadPrincipal), so nothing they held keeps working. Enabling gives back sign-in, not the old tokens.
 * An admin cannot disable themselves: the desk would be left without the admin who could undo it.
 */
export async function setPersonDisabled(ctx: Ctx, personId: string, raw: unknown): Promise<{ disabled: boolean }> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'person.disable');
  const input = DisabledInput.parse(raw);
  const me = requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    await personExists(tx, personId);
    if (input.disabled && personId === me.personId) throw new ConflictError('You cannot disable yourself; ask another admin.');
    const changed = await tx.query('UPDATE people SET disabled = $2 WHERE id = $1 AND disabled <> $2', [personId, input.disabled]);
    const access = input.disabled ? await endAccess(tx, personId, now) : {};
    if (changed.rowCount === 1) {
      await audit(ctx, tx, now, {
        action: input.disabled ? 'person.disabled' : 'person.enabled',
        subjectType: 'person',
        subjectId: personId,
        data: access,
      });
    }
    return { disabled: input.disabled };
  });
}

export const AvailabilityInput = z.strictObject({
  available: z.boolean().optional(),
  awayUntil: z.string().datetime({ offset: true }).nullable().optional(),
  timeZone: tz.optional(),
  workingWeek: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
});

/** A person updates their own availability and calendar; an admin may update anyone's. */
export async function updateAvailability(ctx: Ctx, personId: string, raw: unknown): Promise<void> {
  if (!mayManageCalendarOf(requirePerson(ctx), personId)) throw new NotFoundError('person');
  const input = AvailabilityInput.parse(raw);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    await personExists(tx, personId);
    await tx.query(
      `UPDATE people SET available = COALESCE($2, available),
              away_until = CASE WHEN $3::boolean THEN $4::timestamptz ELSE away_until END,
              time_zone = COALESCE($5, time_zone), working_week = COALESCE($6, working_week) WHERE id = $1`,
      [
        personId,
        input.available ?? null,
        input.awayUntil !== undefined,
        input.awayUntil ?? null,
        input.timeZone ?? null,
        input.workingWeek ?? null,
      ],
    );
    await audit(ctx, tx, now, { action: 'person.availability_changed', subjectType: 'person', subjectId: personId, data: input });
  });
}

async function personExists(tx: Queryable, personId: string): Promise<void> {
  if (!isUuid(personId)) throw new NotFoundError('person');
  const r = await tx.query('SELECT 1 FROM people WHERE id = $1', [personId]);
  if (!r.rows.length) throw new NotFoundError('person');
}

export const TeamMemberInput = z.strictObject({ email: z.string().trim().toLowerCase().email() });

export async function setTeamMember(ctx: Ctx, teamSlug: string, raw: unknown, member: boolean): Promise<void> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'team.membership');
  const { email } = TeamMemberInput.parse(raw);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const team = await tx.query<{ id: string }>('SELECT id FROM teams WHERE slug = $1', [teamSlug]);
    const teamId = team.rows[0]?.id;
    if (!teamId) throw new NotFoundError('team');
    const person = await tx.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [email]);
    const personId = person.rows[0]?.person_id;
    if (!personId) throw new ValidationError(`No person with the address ${email}.`, [{ path: 'email', message: 'unknown person' }]);
    const r = member
      ? await tx.query('INSERT INTO team_members (team_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [teamId, personId])
      : await tx.query('DELETE FROM team_members WHERE team_id = $1 AND person_id = $2', [teamId, personId]);
    if (r.rowCount !== 1) throw new ConflictError(member ? 'Already a member.' : 'Not a member.');
    await audit(ctx, tx, now, {
      action: member ? 'team.member_added' : 'team.member_removed',
      subjectType: 'team',
      subjectId: teamId,
      data: { personId },
    });
  });
}

export const ProjectInput = z.strictObject({
  slug,
  name: z.string().trim().min(1).max(200),
  bugTrackerUrl: z.string().trim().url().max(2000).nullable().default(null),
  /** Subsystems; defaults to the profile's table (Tock: Kernel, IPC, MPU, ...). */
  subsystems: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
});

/** Creates a project with its security team (alias from the profile, e.g. <project>-security@...). */
export async function createProject(ctx: Ctx, raw: unknown): Promise<{ projectId: string; teamSlug: string }> {
  requireAdmin(ctx);
  const input = ProjectInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const created = await insertProject(tx, await rulesOf(tx), input, now);
    await audit(ctx, tx, now, {
      action: 'project.created',
      subjectType: 'project',
      subjectId: created.projectId,
      data: { slug: input.slug, name: input.name },
    });
    return created;
  });
}

export const ContactsInput = z.strictObject({
  primary: z.string().trim().toLowerCase().email().nullable(),
  secondary: z.string().trim().toLowerCase().email().nullable(),
});

/** Sets one row of the subsystem contact table; contacts must be on the project's security team. */
export async function setSubsystemContacts(ctx: Ctx, projectSlug: string, subsystem: string, raw: unknown): Promise<void> {
  requireAdmin(ctx);
  const input = ContactsInput.parse(raw);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const s = await tx.query<{ id: string; project_id: string; security_team_id: string }>(
      `SELECT s.id, s.project_id, p.security_team_id FROM subsystems s JOIN projects p ON p.id = s.project_id
        WHERE p.slug = $1 AND lower(s.name) = lower($2)`,
      [projectSlug, subsystem],
    );
    const row = s.rows[0];
    if (!row) throw new NotFoundError('subsystem');
    const resolve = async (email: string | null, path: string) => {
      if (!email) return null;
      const r = await tx.query<{ person_id: string; member: boolean }>(
        `SELECT e.person_id, EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = $2 AND tm.person_id = e.person_id) AS member
           FROM person_emails e WHERE e.email = $1`,
        [email, row.security_team_id],
      );
      const p = r.rows[0];
      if (!p) throw new ValidationError(`No person with the address ${email}.`, [{ path, message: 'unknown person' }]);
      if (!p.member)
        throw new ValidationError(`${email} is not on the project's security team.`, [{ path, message: 'not on the project team' }]);
      return p.person_id;
    };
    const primary = await resolve(input.primary, 'primary');
    const secondary = await resolve(input.secondary, 'secondary');
    await tx.query('UPDATE subsystems SET primary_contact_id = $2, secondary_contact_id = $3 WHERE id = $1', [row.id, primary, secondary]);
    await audit(ctx, tx, now, {
      action: 'project.subsystem_contacts_set',
      subjectType: 'project',
      subjectId: row.project_id,
      data: { subsystem, primary, secondary },
    });
  });
}

// --- Listings for the admin pages and the API. ---

export async function listPeople(ctx: Ctx) {
  requireAdmin(ctx);
  const r = await ctx.app.db.query<{
    id: string;
    name: string;
    time_zone: string;
    working_week: number[];
    available: boolean;
    away_until: Date | null;
    is_admin: boolean;
    disabled: boolean;
    enrolled: boolean;
    emails: string[];
    teams: string[];
  }>(
    `SELECT p.id, p.name, p.time_zone, p.working_week, p.available, p.away_until, p.is_admin, p.disabled, p.password_hash IS NOT NULL AS enrolled,
            ARRAY(SELECT email FROM person_emails e WHERE e.person_id = p.id ORDER BY is_primary DESC, email) AS emails,
            ARRAY(SELECT t.slug FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.person_id = p.id ORDER BY t.slug) AS teams
       FROM people p ORDER BY p.name`,
  );
  return r.rows.map((p) => ({
    id: p.id,
    name: p.name,
    emails: p.emails,
    timeZone: p.time_zone,
    workingWeek: p.working_week,
    available: p.available,
    awayUntil: p.away_until ? new Date(p.away_until).toISOString() : null,
    isAdmin: p.is_admin,
    disabled: p.disabled,
    enrolled: p.enrolled,
    teams: p.teams,
  }));
}

export async function listTeams(ctx: Ctx) {
  requireAdmin(ctx);
  const r = await ctx.app.db.query<{ id: string; slug: string; name: string; kind: string; alias: string | null; members: string[] }>(
    `SELECT t.id, t.slug, t.name, t.kind, t.alias,
            ARRAY(SELECT e.email FROM team_members tm JOIN person_emails e ON e.person_id = tm.person_id AND e.is_primary
                   WHERE tm.team_id = t.id ORDER BY e.email) AS members
       FROM teams t ORDER BY t.kind, t.slug`,
  );
  return r.rows;
}

/** Projects are listed to every signed-in team member: the triager needs them to forward a report. */
export async function listProjects(ctx: Ctx) {
  requirePerson(ctx);
  const r = await ctx.app.db.query<{
    id: string;
    slug: string;
    name: string;
    team: string;
    alias: string | null;
    bug_tracker_url: string | null;
    subsystems: { name: string; primary: string | null; secondary: string | null }[];
  }>(
    `SELECT p.id, p.slug, p.name, t.slug AS team, t.alias, p.bug_tracker_url,
            COALESCE((SELECT json_agg(json_build_object('name', s.name,
                        'primary', (SELECT email FROM person_emails WHERE person_id = s.primary_contact_id AND is_primary),
                        'secondary', (SELECT email FROM person_emails WHERE person_id = s.secondary_contact_id AND is_primary)) ORDER BY s.name)
                      FROM subsystems s WHERE s.project_id = p.id), '[]') AS subsystems
       FROM projects p JOIN teams t ON t.id = p.security_team_id ORDER BY p.slug`,
  );
  return r.rows.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    team: p.team,
    alias: p.alias,
    bugTrackerUrl: p.bug_tracker_url,
    subsystems: p.subsystems,
  }));
}
