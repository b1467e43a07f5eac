import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { EmbargoError, ValidationError } from '../../domain/errors.ts';
import { isValidTimeZone } from '../../domain/calendar.ts';
import { timeZoneInput } from '../../domain/time-zones.ts';
import { parseProfile, loadShippedProfileText } from '../../process/loader.ts';
import { checkProfileText, formatProblems, type Problem } from '../../process/lint.ts';
import {
  aliasesOf,
  DOMAIN_PLACEHOLDER,
  domainPlaceholders,
  MAIL_DOMAIN,
  withDeskAddresses,
  type DeskAlias,
} from '../../process/desk-addresses.ts';
import type { ProcessProfile } from '../../process/schema.ts';
import { insertProject, insertTeam } from './rows.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { rulesFromProfile } from '../profile/from-profile.ts';
import { issueEnrollment } from '../auth/auth.ts';
import { audit, requireAdmin, requirePerson, type App, type Ctx } from '../context.ts';

// The instance: its name, its active process profile (a copy the team may edit), its default time
// zone, and the central security team. Created once, by `embargo init` or the first-run setup page.

const cache = new Map<string, ProfileRules>();

/**
 * The rules a transaction has read, by its Queryable (each transaction has its own): a use case asks
 * rulesOf(tx) in its gate, in every emit and in its mail, and the profile is 15 KB of text. The two
 * writers of the instance row below forget their transaction's entry. The database itself (outside a
 * transaction) is read at every call: another server may have changed the profile since.
 */
const perTransaction = new WeakMap<Queryable, Promise<ProfileRules>>();

export function rulesOf(tx: Queryable): Promise<ProfileRules> {
  if ('transaction' in tx) return readRules(tx);
  let rules = perTransaction.get(tx);
  if (!rules) {
    rules = readRules(tx);
    perTransaction.set(tx, rules);
    // A desk not set up yet is asked again (the transaction may be the one that sets it up).
    rules.catch(() => perTransaction.delete(tx));
  }
  return rules;
}

async function readRules(tx: Queryable): Promise<ProfileRules> {
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
  timeZone: timeZoneInput,
  admin: z.strictObject({
    name: z.string().trim().min(1).max(200),
    email: z.string().trim().toLowerCase().email().max(320),
    timeZone: timeZoneInput.optional(),
  }),
  /**
   * The team's own mail addresses: its domain, for every alias of the profile that says "{domain}"
   * (all of a shipped profile's), and addresses by alias id for lists kept elsewhere. Needed whenever
   * the profile has "{domain}" in it.
   */
  mail: z
    .strictObject({
      domain: z.string().trim().toLowerCase().max(253).regex(MAIL_DOMAIN, 'must be a mail domain like lists.example.org').optional(),
      aliases: z.record(z.string().max(100), z.string().trim().toLowerCase().min(3).max(320)).optional(),
    })
    .optional(),
});

export interface InitResult {
  adminId: string;
  enrollmentToken: string;
  /** The addresses the desk uses, as written into its copy of the profile. */
  aliases: DeskAlias[];
  /** The projects created with the profile (slugs), each with its security team. */
  projects: string[];
}

/** The profile a new desk runs: the chosen text with the team's addresses written in, checked whole. */
function deskProfileText(input: z.infer<typeof InitInput>): { yaml: string; profile: ProcessProfile } {
  const source = input.profileYaml ?? loadShippedProfileText(input.profile ?? 'trusted-firmware');
  const name = input.profile ?? 'profile';
  const refuse = (problems: Problem[]) =>
    new EmbargoError(
      'profile_invalid',
      'The process profile has problems.',
      problems.map((p) => ({ path: `${p.line}:${p.column} ${p.path}`, message: p.message })),
    );
  const first = parseProfile(source, name);
  if (!first.profile) throw refuse(first.problems);
  const addressed = withDeskAddresses(source, first.profile, input.mail ?? {});
  if (addressed.text === null) {
    throw new ValidationError(
      `The desk's mail addresses: ${addressed.problems.map((p) => `${p.path} ${p.message}`).join('; ')}.`,
      addressed.problems,
    );
  }
  const errors = checkProfileText(addressed.text, name).filter((p) => p.severity === 'error');
  const { profile } = parseProfile(addressed.text, name);
  if (!profile || errors.length) throw refuse(errors);
  return { yaml: addressed.text, profile };
}

/**
 * Creates the instance with its copy of the profile (the team's addresses written in), the central
 * security team, the projects the profile starts with (Tock: Tock, with its subsystem table) and the
 * first admin (also on the central team).
 */
export async function initInstance(app: App, raw: unknown): Promise<InitResult> {
  const input = InitInput.parse(raw);
  // Said first: a set-up desk is the answer, whatever else the input lacks (checked again below, locked).
  if (await isInitialised(app.db)) throw new EmbargoError('conflict', 'This desk is already set up.');
  const { yaml, profile } = deskProfileText(input);
  const now = app.clock();
  return app.db.transaction(async (tx) => {
    if (await isInitialised(tx)) throw new EmbargoError('conflict', 'This desk is already set up.');
    await tx.query(
      'INSERT INTO instance (id, name, profile_id, profile_yaml, default_time_zone, created_at) VALUES (1, $1, $2, $3, $4, $5)',
      [input.name, profile.id, yaml, input.timeZone, now],
    );
    perTransaction.delete(tx);
    const rules = rulesFromProfile(profile, input.name);
    const teamId = crypto.randomUUID();
    await insertTeam(
      tx,
      { id: teamId, slug: 'security', name: `${input.name} (central)`, kind: 'central', alias: rules.centralAlias || null },
      now,
    );
    const projects: string[] = [];
    for (const p of profile.projects) {
      await insertProject(tx, rules, { slug: p.id, name: p.name }, now);
      projects.push(p.id);
    }
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
    const aliases = aliasesOf(profile);
    await audit({ app, principal: { kind: 'anonymous' } }, tx, now, {
      action: 'instance.initialised',
      subjectType: 'instance',
      subjectId: '1',
      data: { profile: profile.id, adminId, aliases: Object.fromEntries(aliases.map((a) => [a.id, a.address])), projects },
    });
    return { adminId, enrollmentToken, aliases, projects };
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
export async function updateProfile(ctx: Ctx, text: string): Promise<{ profileId: string }> {
  requireAdmin(ctx);
  if (typeof text !== 'string' || text.length > 500_000) throw new ValidationError('Send the profile as YAML text of at most 500 kB.');
  const yaml = await keepingDeskAddresses(ctx, text);
  const now = ctx.app.clock();
  return ctx.app.db.transaction((tx) => replaceProfile(ctx, tx, yaml, now));
}

/**
 * Writes a new profile text inside the caller's transaction, after the checks of updateProfile: it
 * must parse and lint without errors, keep the workflow modes and name real addresses. Any problem
 * refuses it (nothing is written). Also the last step of applying a proposed edit
 * (src/app/profile/proposals.ts).
 */
export async function replaceProfile(ctx: Ctx, tx: Queryable, yaml: string, now: Date): Promise<{ profileId: string }> {
  requireAdmin(ctx);
  const problems = checkProfileText(yaml, 'profile').filter((p) => p.severity === 'error');
  const { profile } = parseProfile(yaml, 'profile');
  if (!profile || problems.length) {
    throw new EmbargoError(
      'profile_invalid',
      'The process profile has problems.',
      problems.map((p) => ({ path: `${p.line}:${p.column} ${p.path}`, message: p.message })),
    );
  }
  const current = await rulesOf(tx);
  if (current.workflow.triage !== profile.workflow.triage || current.workflow.assignment !== profile.workflow.assignment) {
    throw new EmbargoError(
      'conflict',
      `The new profile changes the workflow (${profile.workflow.triage}/${profile.workflow.assignment}); set up a new desk for a different workflow.`,
    );
  }
  // A copy that still says "{domain}" would send to no real list: the team writes its addresses in.
  const placeholders = domainPlaceholders(profile);
  if (placeholders.length) {
    throw new ValidationError(
      `The profile says "{domain}" at ${placeholders.join(', ')}, where the desk has no address of its own to keep: write the team's address there.`,
      placeholders.map((path) => ({ path, message: 'write the address instead of "{domain}"' })),
    );
  }
  await tx.query('UPDATE instance SET profile_id = $1, profile_yaml = $2 WHERE id = 1', [profile.id, yaml]);
  perTransaction.delete(tx);
  await audit(ctx, tx, now, {
    action: 'instance.profile_updated',
    subjectType: 'instance',
    subjectId: '1',
    data: { profile: profile.id, version: profile.version },
  });
  return { profileId: profile.id };
}

/**
 * A new copy of a shipped profile (`embargo process copy`) still writes its aliases as "{domain}":
 * each such alias the desk already has keeps the address the desk uses for it now, so editing a
 * template does not mean typing the lists again. Anything else stays as written (and is refused if
 * it still says "{domain}").
 */
async function keepingDeskAddresses(ctx: Ctx, text: string): Promise<string> {
  const { profile } = parseProfile(text, 'profile');
  if (!profile || domainPlaceholders(profile).length === 0) return text;
  const r = await ctx.app.db.query<{ profile_yaml: string }>('SELECT profile_yaml FROM instance WHERE id = 1');
  const current = r.rows[0] ? parseProfile(r.rows[0].profile_yaml, 'instance profile').profile : undefined;
  if (!current) return text;
  const kept = Object.fromEntries(
    Object.entries(profile.intake.aliases)
      .filter(([id, a]) => a.address.includes(DOMAIN_PLACEHOLDER) && Object.hasOwn(current.intake.aliases, id))
      .map(([id]) => [id, current.intake.aliases[id]!.address]),
  );
  return withDeskAddresses(text, profile, { aliases: kept, leavePlaceholders: true }).text ?? text;
}

export async function currentProfileText(ctx: Ctx): Promise<string> {
  requirePerson(ctx);
  const r = await ctx.app.db.query<{ profile_yaml: string }>('SELECT profile_yaml FROM instance WHERE id = 1');
  return r.rows[0]?.profile_yaml ?? '';
}
