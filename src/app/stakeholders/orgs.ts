import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { isValidTimeZone } from '../../domain/calendar.ts';
import { normalizeHolidayRegion } from '../../domain/holidays.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { aad, actorId, audit, requireDesk, requireStepUp, type App, type Ctx } from '../context.ts';
import { confirmAliasKey, readAliasKey } from '../keys/keys.ts';
import { rulesOf } from '../admin/instance.ts';
import type { ProfileRules } from '../profile/rules.ts';

// Stakeholder organisations: who is told before the public, in the tiers the profile names, per
// project (Trusted Firmware: a project's ESS, then its trusted stakeholders). An organisation is
// reached at one contact alias, never a person's address (Xen asks the same of its members), and only
// encrypted to that alias's key, which the central team confirms by its fingerprint out of band. It
// joins by an application (what it is, its alias and key, its statement that it accepts the policy)
// that the central team approves into a tier of a project, or is added directly.
// The list of who is warned early is itself confidential: names, aliases and statements are sealed.

const tz = z.string().trim().refine(isValidTimeZone, 'must be an IANA time zone like Europe/London');
const alias = z.string().trim().toLowerCase().email().max(320);
const holidayRegion = z
  .string()
  .trim()
  .max(40)
  .transform((v, c) => {
    try {
      return normalizeHolidayRegion(v);
    } catch {
      c.addIssue({ code: 'custom', message: `"${v}" is not a holiday region (like US, GB-ENG or DE-BY)` });
      return z.NEVER;
    }
  })
  .optional();
const membership = z.strictObject({ project: z.string().trim().min(1).max(100), tier: z.string().trim().min(1).max(64) });

export const ApplicationInput = z.strictObject({
  name: z.string().trim().min(2).max(200),
  alias,
  /** What the organisation is and why it needs early warning (a distributor, a silicon vendor, ...). */
  about: z.string().trim().min(10).max(5000),
  timeZone: tz,
  /** Where its people keep public holidays: a timeline ending on one is warned about. */
  holidayRegion,
  /** The tier it asks to join. */
  project: z.string().trim().min(1).max(100),
  tier: z.string().trim().min(1).max(64),
  publicKey: z
    .string()
    .min(1)
    .max(256 * 1024),
  /** Its statement that it accepts the disclosure policy (keeps details confidential until the public instant). */
  statement: z.string().trim().min(10).max(5000),
  acceptsPolicy: z.literal(true, { error: 'the policy must be accepted to apply' }),
});

export const DecideInput = z.union([
  z.strictObject({
    decision: z.literal('approve'),
    /** The key's fingerprint as read with the organisation out of band. */
    fingerprint: z.string().trim().min(16).max(100),
    /** Tiers to put it in; default the one it applied for. */
    tiers: z.array(membership).max(50).optional(),
    note: z.string().trim().max(2000).optional(),
  }),
  z.strictObject({ decision: z.literal('reject'), note: z.string().trim().min(5).max(2000) }),
]);

export const AddOrgInput = z.strictObject({
  name: z.string().trim().min(2).max(200),
  alias,
  about: z.string().trim().max(5000).optional(),
  timeZone: tz,
  holidayRegion,
  publicKey: z
    .string()
    .min(1)
    .max(256 * 1024),
  fingerprint: z.string().trim().min(16).max(100),
  tiers: z.array(membership).min(1).max(50),
});

export const TiersInput = z.strictObject({ tiers: z.array(membership).max(50) });

export interface OrgView {
  id: string;
  name: string;
  alias: string;
  about: string | null;
  timeZone: string;
  holidayRegion: string | null;
  statement: string | null;
  status: 'applied' | 'approved' | 'rejected' | 'removed';
  keyFingerprint: string | null;
  tiers: { project: string; tier: string; tierName: string }[];
  /** For an application: the tier of the project it asked to join (the approval's default). */
  applied: { project: string; tier: string; tierName: string } | null;
  createdAt: string;
  decidedAt: string | null;
}

interface OrgRow {
  id: string;
  name_sealed: string;
  alias_sealed: string;
  about_sealed: string | null;
  time_zone: string;
  holiday_region: string | null;
  policy_statement_sealed: string | null;
  status: OrgView['status'];
  key_fingerprint: string | null;
  created_at: Date;
  decided_at: Date | null;
}

const ORG_COLUMNS =
  'id, name_sealed, alias_sealed, about_sealed, time_zone, holiday_region, policy_statement_sealed, status, key_fingerprint, created_at, decided_at';

/** Opens a sealed column of an organisation's row. */
const open = (app: App, row: { id: string }, column: string, sealed: string) =>
  app.sealer.open(sealed, aad('stakeholder_orgs', column, row.id));

export function orgName(app: App, row: { id: string; name_sealed: string }): string {
  return open(app, row, 'name', row.name_sealed);
}

export function orgAlias(app: App, row: { id: string; alias_sealed: string }): string {
  return open(app, row, 'alias', row.alias_sealed);
}

async function tiersOf(tx: Queryable, rules: ProfileRules, orgIds: string[]): Promise<Map<string, OrgView['tiers']>> {
  const r = await tx.query<{ org_id: string; slug: string; tier: string }>(
    'SELECT st.org_id, p.slug, st.tier FROM stakeholder_tiers st JOIN projects p ON p.id = st.project_id WHERE st.org_id = ANY($1) ORDER BY p.slug',
    [orgIds],
  );
  const out = new Map<string, OrgView['tiers']>();
  for (const row of r.rows) {
    const list = out.get(row.org_id) ?? [];
    list.push({ project: row.slug, tier: row.tier, tierName: rules.embargo.tiers.find((t) => t.id === row.tier)?.name ?? row.tier });
    out.set(row.org_id, list);
  }
  return out;
}

async function appliedOf(tx: Queryable, rules: ProfileRules, orgIds: string[]): Promise<Map<string, NonNullable<OrgView['applied']>>> {
  const r = await tx.query<{ org_id: string; slug: string; tier: string }>(
    'SELECT a.org_id, p.slug, a.tier FROM stakeholder_applications a JOIN projects p ON p.id = a.project_id WHERE a.org_id = ANY($1)',
    [orgIds],
  );
  return new Map(
    r.rows.map((row) => [
      row.org_id,
      { project: row.slug, tier: row.tier, tierName: rules.embargo.tiers.find((t) => t.id === row.tier)?.name ?? row.tier },
    ]),
  );
}

function viewOf(app: App, row: OrgRow, tiers: OrgView['tiers'], applied: OrgView['applied'] = null): OrgView {
  return {
    id: row.id,
    name: orgName(app, row),
    alias: orgAlias(app, row),
    about: row.about_sealed ? open(app, row, 'about', row.about_sealed) : null,
    timeZone: row.time_zone,
    holidayRegion: row.holiday_region,
    statement: row.policy_statement_sealed ? open(app, row, 'policy_statement', row.policy_statement_sealed) : null,
    status: row.status,
    keyFingerprint: row.key_fingerprint,
    tiers,
    applied: row.status === 'applied' ? applied : null,
    createdAt: new Date(row.created_at).toISOString(),
    decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
  };
}

/** Checks tiers against the profile and the projects; returns project ids with their tier. */
async function resolveTiers(tx: Queryable, rules: ProfileRules, tiers: readonly { project: string; tier: string }[], path: string) {
  const out: { projectId: string; tier: string }[] = [];
  const problems: { path: string; message: string }[] = [];
  for (const [i, t] of tiers.entries()) {
    if (!rules.embargo.tiers.some((x) => x.id === t.tier))
      problems.push({
        path: `${path}[${i}].tier`,
        message: `the profile names no tier "${t.tier}" (it names ${rules.embargo.tiers.map((x) => x.id).join(', ') || 'none'})`,
      });
    const p = await tx.query<{ id: string }>('SELECT id FROM projects WHERE slug = $1', [t.project]);
    if (!p.rows[0]) problems.push({ path: `${path}[${i}].project`, message: `there is no project "${t.project}"` });
    else out.push({ projectId: p.rows[0].id, tier: t.tier });
  }
  if (problems.length) throw new ValidationError('These tiers are not ones the desk has.', problems);
  return out;
}

async function setTiers(tx: Queryable, orgId: string, tiers: readonly { projectId: string; tier: string }[]): Promise<void> {
  await tx.query('DELETE FROM stakeholder_tiers WHERE org_id = $1', [orgId]);
  for (const t of tiers)
    await tx.query(
      'INSERT INTO stakeholder_tiers (org_id, project_id, tier) VALUES ($1, $2, $3) ON CONFLICT (org_id, project_id) DO UPDATE SET tier = EXCLUDED.tier',
      [orgId, t.projectId, t.tier],
    );
}

async function insertOrg(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  o: {
    name: string;
    alias: string;
    about?: string | undefined;
    timeZone: string;
    holidayRegion?: string | undefined;
    statement?: string;
    status: 'applied' | 'approved';
  },
): Promise<string> {
  const index = ctx.app.blind.of('email', o.alias);
  const taken = await tx.query('SELECT 1 FROM stakeholder_orgs WHERE alias_index = $1', [index]);
  if (taken.rows.length) throw new ConflictError('An organisation with this alias has applied or is registered already.');
  const id = crypto.randomUUID();
  const seal = (column: string, v: string) => ctx.app.sealer.seal(v, aad('stakeholder_orgs', column, id));
  await tx.query(
    `INSERT INTO stakeholder_orgs (id, name_sealed, alias_sealed, alias_index, about_sealed, time_zone, policy_statement_sealed, status, created_at,
                                   decided_by, decided_at, holiday_region)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      id,
      seal('name', o.name),
      seal('alias', o.alias),
      index,
      o.about ? seal('about', o.about) : null,
      o.timeZone,
      o.statement ? seal('policy_statement', o.statement) : null,
      o.status,
      now,
      o.status === 'approved' ? actorId(ctx.principal) : null,
      o.status === 'approved' ? now : null,
      o.holidayRegion ?? null,
    ],
  );
  return id;
}

/**
 * An organisation applies to be told early (public: anyone may apply; nothing is granted until the
 * central team approves). Its key is read and kept with the application, unconfirmed.
 */
export async function applyAsStakeholder(ctx: Ctx, raw: unknown): Promise<{ received: true; fingerprint: string }> {
  const input = ApplicationInput.parse(raw);
  const now = ctx.app.clock();
  const { facts } = await readAliasKey(input.publicKey, input.alias, now);
  return ctx.app.db.transaction(async (tx) => {
    const rules = await rulesOf(tx);
    const [tier] = await resolveTiers(tx, rules, [{ project: input.project, tier: input.tier }], 'application');
    // An alias that applied or is registered already gets the same answer and changes nothing: the
    // public door does not tell who is warned early.
    const known = await tx.query('SELECT 1 FROM stakeholder_orgs WHERE alias_index = $1', [ctx.app.blind.of('email', input.alias)]);
    if (known.rows.length) return { received: true as const, fingerprint: facts.fingerprint };
    const id = await insertOrg(ctx, tx, now, { ...input, status: 'applied' });
    await tx.query('UPDATE stakeholder_orgs SET key_fingerprint = $2 WHERE id = $1', [id, facts.fingerprint]);
    await tx.query(`INSERT INTO stakeholder_applications (org_id, project_id, tier, key_sealed) VALUES ($1, $2, $3, $4)`, [
      id,
      tier!.projectId,
      tier!.tier,
      ctx.app.sealer.seal(input.publicKey, aad('stakeholder_applications', 'key', id)),
    ]);
    await audit(ctx, tx, now, { action: 'stakeholder.applied', subjectType: 'stakeholder', subjectId: id, data: { tier: input.tier } });
    return { received: true as const, fingerprint: facts.fingerprint };
  });
}

/** The central team approves an application (confirming the key by its fingerprint) or rejects it. */
export async function decideApplication(ctx: Ctx, orgId: string, raw: unknown): Promise<OrgView> {
  requireDesk(ctx, 'stakeholders.manage');
  const input = DecideInput.parse(raw);
  if (input.decision === 'approve') requireStepUp(ctx, 'stakeholder.admit');
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const row = await lockOrg(tx, orgId);
    if (row.status !== 'applied') throw new ConflictError(`This organisation is ${row.status}; only an application is decided.`);
    const rules = await rulesOf(tx);
    const app = await tx.query<{ slug: string; tier: string; key_sealed: string }>(
      'SELECT p.slug, a.tier, a.key_sealed FROM stakeholder_applications a JOIN projects p ON p.id = a.project_id WHERE a.org_id = $1',
      [orgId],
    );
    const applied = app.rows[0]!;
    const note = input.note ? ctx.app.sealer.seal(input.note, aad('stakeholder_orgs', 'decision_note', orgId)) : null;
    if (input.decision === 'reject') {
      await tx.query(
        `UPDATE stakeholder_orgs SET status = 'rejected', decided_by = $2, decided_at = $3, decision_note_sealed = $4 WHERE id = $1`,
        [orgId, actorId(ctx.principal), now, note],
      );
      await audit(ctx, tx, now, { action: 'stakeholder.rejected', subjectType: 'stakeholder', subjectId: orgId, data: {} });
    } else {
      const tiers = await resolveTiers(tx, rules, input.tiers ?? [{ project: applied.slug, tier: applied.tier }], 'tiers');
      const facts = await admit(ctx, tx, orgId, now, {
        alias: orgAlias(ctx.app, row),
        armored: ctx.app.sealer.open(applied.key_sealed, aad('stakeholder_applications', 'key', orgId)),
        fingerprint: input.fingerprint,
        tiers,
      });
      await tx.query(
        `UPDATE stakeholder_orgs SET status = 'approved', decided_by = $2, decided_at = $3, decision_note_sealed = $4 WHERE id = $1`,
        [orgId, actorId(ctx.principal), now, note],
      );
      await audit(ctx, tx, now, {
        action: 'stakeholder.approved',
        subjectType: 'stakeholder',
        subjectId: orgId,
        data: { fingerprint: facts.fingerprint, tiers: tiers.map((t) => t.tier) },
      });
    }
    return orgView(ctx.app, tx, rules, orgId);
  });
}

/** Confirms the organisation's alias key by the fingerprint typed and puts it in its tiers. */
async function admit(
  ctx: Ctx,
  tx: Queryable,
  orgId: string,
  now: Date,
  a: { alias: string; armored: string; fingerprint: string; tiers: readonly { projectId: string; tier: string }[] },
) {
  const facts = await confirmAliasKey(ctx.app, tx, { ...a, confirmedBy: actorId(ctx.principal), now });
  await tx.query('UPDATE stakeholder_orgs SET key_fingerprint = $2 WHERE id = $1', [orgId, facts.fingerprint]);
  await setTiers(tx, orgId, a.tiers);
  return facts;
}

/** The central team registers an organisation it knows, with its confirmed key and tiers. */
export async function addStakeholder(ctx: Ctx, raw: unknown): Promise<OrgView> {
  requireDesk(ctx, 'stakeholders.manage');
  requireStepUp(ctx, 'stakeholder.admit');
  const input = AddOrgInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const rules = await rulesOf(tx);
    const tiers = await resolveTiers(tx, rules, input.tiers, 'tiers');
    const id = await insertOrg(ctx, tx, now, { ...input, status: 'approved' });
    const facts = await admit(ctx, tx, id, now, { alias: input.alias, armored: input.publicKey, fingerprint: input.fingerprint, tiers });
    await audit(ctx, tx, now, {
      action: 'stakeholder.added',
      subjectType: 'stakeholder',
      subjectId: id,
      data: { fingerprint: facts.fingerprint, tiers: tiers.map((t) => t.tier) },
    });
    return orgView(ctx.app, tx, rules, id);
  });
}

/** Moves an approved organisation between tiers (an empty list: in no tier, told nothing new). */
export async function setStakeholderTiers(ctx: Ctx, orgId: string, raw: unknown): Promise<OrgView> {
  requireDesk(ctx, 'stakeholders.manage');
  requireStepUp(ctx, 'stakeholder.admit');
  const input = TiersInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const row = await lockOrg(tx, orgId);
    if (row.status !== 'approved') throw new ConflictError('Only an approved organisation is in tiers.');
    const rules = await rulesOf(tx);
    await setTiers(tx, orgId, await resolveTiers(tx, rules, input.tiers, 'tiers'));
    await audit(ctx, tx, now, {
      action: 'stakeholder.tiers_set',
      subjectType: 'stakeholder',
      subjectId: orgId,
      data: { tiers: input.tiers.map((t) => `${t.project}:${t.tier}`) },
    });
    return orgView(ctx.app, tx, rules, orgId);
  });
}

/** Removes an organisation: it is told nothing more, its portal sessions end, its key is no longer used. */
export async function removeStakeholder(ctx: Ctx, orgId: string): Promise<void> {
  requireDesk(ctx, 'stakeholders.manage');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const row = await lockOrg(tx, orgId);
    if (row.status === 'removed') throw new ConflictError('This organisation is removed already.');
    await tx.query(`UPDATE stakeholder_orgs SET status = 'removed', decided_by = $2, decided_at = $3 WHERE id = $1`, [
      orgId,
      actorId(ctx.principal),
      now,
    ]);
    await tx.query('DELETE FROM stakeholder_tiers WHERE org_id = $1', [orgId]);
    await tx.query('DELETE FROM stakeholder_sessions WHERE org_id = $1', [orgId]);
    await tx.query(`UPDATE correspondent_keys SET status = 'replaced' WHERE email_index = $1 AND status = 'confirmed'`, [
      ctx.app.blind.of('email', orgAlias(ctx.app, row)),
    ]);
    await audit(ctx, tx, now, { action: 'stakeholder.removed', subjectType: 'stakeholder', subjectId: orgId, data: {} });
  });
}

/** Every organisation, applications first. */
export async function listStakeholders(ctx: Ctx): Promise<OrgView[]> {
  requireDesk(ctx, 'stakeholders.manage');
  return ctx.app.db.transaction(async (tx) => {
    const rules = await rulesOf(tx);
    const r = await tx.query<OrgRow>(
      `SELECT ${ORG_COLUMNS} FROM stakeholder_orgs ORDER BY CASE status WHEN 'applied' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END, created_at`,
    );
    const ids = r.rows.map((x) => x.id);
    const tiers = await tiersOf(tx, rules, ids);
    const applied = await appliedOf(tx, rules, ids);
    return r.rows.map((row) => viewOf(ctx.app, row, tiers.get(row.id) ?? [], applied.get(row.id) ?? null));
  });
}

async function lockOrg(tx: Queryable, orgId: string): Promise<OrgRow> {
  if (!isUuid(orgId)) throw new NotFoundError('organisation');
  const r = await tx.query<OrgRow>(`SELECT ${ORG_COLUMNS} FROM stakeholder_orgs WHERE id = $1 FOR UPDATE`, [orgId]);
  if (!r.rows[0]) throw new NotFoundError('organisation');
  return r.rows[0];
}

async function orgView(app: App, tx: Queryable, rules: ProfileRules, orgId: string): Promise<OrgView> {
  const r = await tx.query<OrgRow>(`SELECT ${ORG_COLUMNS} FROM stakeholder_orgs WHERE id = $1`, [orgId]);
  return viewOf(app, r.rows[0]!, (await tiersOf(tx, rules, [orgId])).get(orgId) ?? []);
}

export interface TierOrg {
  id: string;
  name: string;
  alias: string;
  timeZone: string;
  holidayRegion: string | null;
  tier: string;
}

/** The approved organisations in the given tiers of the incident's projects. */
export async function orgsInTiers(app: App, tx: Queryable, projectIds: readonly string[], tiers: readonly string[]): Promise<TierOrg[]> {
  const r = await tx.query<{
    id: string;
    name_sealed: string;
    alias_sealed: string;
    time_zone: string;
    holiday_region: string | null;
    tier: string;
  }>(
    `SELECT DISTINCT ON (o.id) o.id, o.name_sealed, o.alias_sealed, o.time_zone, o.holiday_region, st.tier
       FROM stakeholder_orgs o JOIN stakeholder_tiers st ON st.org_id = o.id
      WHERE o.status = 'approved' AND st.project_id = ANY($1::uuid[]) AND st.tier = ANY($2::text[])
      ORDER BY o.id, st.tier`,
    [projectIds, tiers],
  );
  return r.rows.map((row) => ({
    id: row.id,
    name: orgName(app, row),
    alias: orgAlias(app, row),
    timeZone: row.time_zone,
    holidayRegion: row.holiday_region,
    tier: row.tier,
  }));
}
