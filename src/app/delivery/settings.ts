import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { aad, audit, requireAdmin, requireStepUp, type App, type Ctx } from '../context.ts';
import { outbound } from '../outbound.ts';
import type { Endpoint } from '../../integrations/outbound-guard.ts';

export type { Endpoint };

// Mail settings: aliases (address → team), the SMTP relay outbound mail goes through, and the IMAP
// accounts the poller reads. Edited by admins (web UI and API), or set in the config file.
//
// Which wins: the config file. What it sets is written to the desk at every start (applyMailConfig,
// marked source 'config') and is read-only in the admin UI, which says to change the file; what it
// leaves unset is edited in the UI and kept in the database. Passwords are sealed with the instance
// key and never shown back: a form left blank keeps the stored password.

const TLS = z.enum(['none', 'starttls', 'tls']);
const host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');
const port = z.coerce.number().int().min(1).max(65535);
const email = z.string().trim().toLowerCase().email().max(320);

export type TlsMode = z.infer<typeof TLS>;

export const SmtpRelayInput = z.strictObject({
  host,
  port,
  tls: TLS,
  username: z
    .string()
    .trim()
    .max(320)
    .nullable()
    .default(null)
    .transform((v) => v || null),
  /** Omitted or empty: keep the stored password. null: remove it. */
  password: z.string().max(1000).nullable().optional(),
  bounceAddress: email,
});

export const AliasInput = z.strictObject({
  address: email,
  /** The team's slug ('security' for the central team, '<project>-security' for a project's). */
  team: z.string().trim().min(1).max(80),
});

export const ImapAccountInput = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .regex(/^[\w.@-]+$/, 'letters, digits, . _ - @ only'),
  host,
  port,
  tls: TLS,
  username: z.string().trim().min(1).max(320),
  password: z.string().max(1000).optional(),
  folder: z.string().trim().min(1).max(200).default('INBOX'),
  enabled: z.boolean().default(true),
});

export interface SmtpRelay {
  host: string;
  port: number;
  tls: TlsMode;
  username: string | null;
  password: string | null;
  bounceAddress: string;
  source: 'config' | 'admin';
}

export interface ImapAccount {
  id: string;
  name: string;
  host: string;
  port: number;
  tls: TlsMode;
  username: string;
  password: string;
  folder: string;
  enabled: boolean;
  source: 'config' | 'admin';
}

export interface MailSettingsView {
  smtpRelay: (Omit<SmtpRelay, 'password'> & { hasPassword: boolean }) | null;
  aliases: { address: string; team: string; teamName: string; source: 'profile' | 'config' | 'admin' }[];
  imapAccounts: (Omit<ImapAccount, 'password'> & { hasPassword: boolean })[];
  teams: { slug: string; name: string }[];
}

/** The relay with its password, for the delivery job; null when none is configured. */
export async function smtpRelay(app: App, tx: Queryable = app.db): Promise<SmtpRelay | null> {
  const r = await tx.query<{
    host: string;
    port: number;
    tls: TlsMode;
    username: string | null;
    password_sealed: string | null;
    bounce_address: string;
    source: 'config' | 'admin';
  }>('SELECT host, port, tls, username, password_sealed, bounce_address, source FROM smtp_relay WHERE id = 1');
  const row = r.rows[0];
  if (!row) return null;
  return {
    host: row.host,
    port: row.port,
    tls: row.tls,
    username: row.username,
    bounceAddress: row.bounce_address,
    source: row.source,
    password: row.password_sealed ? app.sealer.open(row.password_sealed, aad('smtp_relay', 'password', '1')) : null,
  };
}

/**
 * The checked address of a mail server (relay or IMAP account) at the moment the desk connects: the
 * name is resolved once and every address judged, so DNS that changes its answer after the setting
 * was saved cannot point the desk at an internal host. Refused: AddressRefusedError.
 */
export function mailServerEndpoint(app: App, host: string, what: string): Promise<Endpoint> {
  return outbound(app).endpoint(host, what);
}

/** The enabled IMAP accounts with their passwords, for the poller. */
export async function imapAccountsForPoller(app: App): Promise<ImapAccount[]> {
  const r = await app.db.query<{
    id: string;
    name: string;
    host: string;
    port: number;
    tls: TlsMode;
    username: string;
    password_sealed: string;
    folder: string;
    enabled: boolean;
    source: 'config' | 'admin';
  }>('SELECT * FROM imap_accounts WHERE enabled ORDER BY name');
  return r.rows.map((row) => ({
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    tls: row.tls,
    username: row.username,
    folder: row.folder,
    enabled: row.enabled,
    source: row.source,
    password: app.sealer.open(row.password_sealed, aad('imap_accounts', 'password', row.id)),
  }));
}

/** The team an address is an alias of (mail_aliases, then the teams' own aliases), or null. */
export async function aliasTeam(tx: Queryable, address: string): Promise<{ teamId: string; slug: string; kind: string } | null> {
  const r = await tx.query<{ id: string; slug: string; kind: string }>(
    `SELECT t.id, t.slug, t.kind FROM mail_aliases a JOIN teams t ON t.id = a.team_id WHERE a.address = lower($1)
     UNION ALL SELECT id, slug, kind FROM teams WHERE lower(alias) = lower($1) LIMIT 1`,
    [address.trim()],
  );
  const row = r.rows[0];
  return row ? { teamId: row.id, slug: row.slug, kind: row.kind } : null;
}

/** Every address the desk receives mail for. */
export async function allAliases(tx: Queryable): Promise<string[]> {
  const r = await tx.query<{ address: string }>(
    'SELECT address FROM mail_aliases UNION SELECT lower(alias) FROM teams WHERE alias IS NOT NULL ORDER BY 1',
  );
  return r.rows.map((x) => x.address);
}

export async function mailSettings(ctx: Ctx): Promise<MailSettingsView> {
  requireAdmin(ctx);
  const db = ctx.app.db;
  const relay = await db.query<{
    host: string;
    port: number;
    tls: TlsMode;
    username: string | null;
    password_sealed: string | null;
    bounce_address: string;
    source: 'config' | 'admin';
  }>('SELECT host, port, tls, username, password_sealed, bounce_address, source FROM smtp_relay WHERE id = 1');
  const aliases = await db.query<{ address: string; team: string; team_name: string; source: 'profile' | 'config' | 'admin' }>(
    `SELECT a.address, t.slug AS team, t.name AS team_name, a.source FROM mail_aliases a JOIN teams t ON t.id = a.team_id
     UNION ALL SELECT lower(t.alias), t.slug, t.name, 'profile' FROM teams t WHERE t.alias IS NOT NULL
     ORDER BY 1`,
  );
  const imap = await db.query<{
    id: string;
    name: string;
    host: string;
    port: number;
    tls: TlsMode;
    username: string;
    password_sealed: string;
    folder: string;
    enabled: boolean;
    source: 'config' | 'admin';
  }>('SELECT * FROM imap_accounts ORDER BY name');
  const teams = await db.query<{ slug: string; name: string }>('SELECT slug, name FROM teams ORDER BY kind, slug');
  const r = relay.rows[0];
  return {
    smtpRelay: r
      ? {
          host: r.host,
          port: r.port,
          tls: r.tls,
          username: r.username,
          bounceAddress: r.bounce_address,
          source: r.source,
          hasPassword: r.password_sealed !== null,
        }
      : null,
    aliases: aliases.rows.map((a) => ({ address: a.address, team: a.team, teamName: a.team_name, source: a.source })),
    imapAccounts: imap.rows.map((a) => ({
      id: a.id,
      name: a.name,
      host: a.host,
      port: a.port,
      tls: a.tls,
      username: a.username,
      folder: a.folder,
      enabled: a.enabled,
      source: a.source,
      hasPassword: true,
    })),
    teams: teams.rows,
  };
}

/**
 * A blank password field keeps the stored password only for the same server reached the same way:
 * otherwise the desk itself would hand the secret it never shows to whatever host an admin names
 * (SMTP AUTH, IMAP LOGIN), or send it in clear after a TLS downgrade. Whoever moves it types it again.
 */
function refuseKeptSecretElsewhere(
  stored: { host: string; port: number; tls: TlsMode; username: string | null },
  next: { host: string; port: number; tls: TlsMode; username: string | null },
): void {
  const changed = (['host', 'port', 'tls', 'username'] as const).filter((k) =>
    k === 'host' ? stored.host.toLowerCase() !== next.host.toLowerCase() : stored[k] !== next[k],
  );
  if (changed.length === 0) return;
  throw new ValidationError(
    `The stored password is kept only for the same server, port, TLS mode and user; you changed ${changed.join(', ')}: enter the password again.`,
    [{ path: 'password', message: 'required when the server, port, TLS mode or user changes' }],
  );
}

const fromConfig = (what: string) =>
  new ConflictError(`${what} is set in the config file (EMBARGO_CONFIG or the environment); change it there and restart.`);

export async function setSmtpRelay(ctx: Ctx, raw: unknown): Promise<void> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'mail.servers');
  const input = SmtpRelayInput.parse(raw);
  // Before the transaction: a name is resolved (DNS must not hold a transaction open).
  await outbound(ctx.app).vet(input.host, 'The SMTP relay', 'host');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const cur = await tx.query<{
      source: string;
      password_sealed: string | null;
      host: string;
      port: number;
      tls: TlsMode;
      username: string | null;
    }>('SELECT source, password_sealed, host, port, tls, username FROM smtp_relay WHERE id = 1 FOR UPDATE');
    if (cur.rows[0]?.source === 'config') throw fromConfig('The SMTP relay');
    const keep = input.password === undefined || input.password === '';
    if (keep && cur.rows[0]?.password_sealed) refuseKeptSecretElsewhere(cur.rows[0], input);
    const password = keep
      ? (cur.rows[0]?.password_sealed ?? null)
      : input.password === null || input.password === undefined
        ? null
        : ctx.app.sealer.seal(input.password, aad('smtp_relay', 'password', '1'));
    if (password !== null && !input.username)
      throw new ValidationError('A password needs a user name.', [{ path: 'username', message: 'required with a password' }]);
    await upsertRelay(tx, { ...input, passwordSealed: password, source: 'admin' }, now);
    await audit(ctx, tx, now, {
      action: 'mail.smtp_relay_set',
      subjectType: 'mail_settings',
      subjectId: 'smtp_relay',
      data: {
        host: input.host,
        port: input.port,
        tls: input.tls,
        username: input.username,
        passwordChanged: input.password !== undefined && input.password !== '',
      },
    });
  });
}

async function upsertRelay(
  tx: Queryable,
  r: {
    host: string;
    port: number;
    tls: TlsMode;
    username: string | null;
    passwordSealed: string | null;
    bounceAddress: string;
    source: 'config' | 'admin';
  },
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO smtp_relay (id, host, port, tls, username, password_sealed, bounce_address, source, updated_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, tls = $3, username = $4, password_sealed = $5, bounce_address = $6, source = $7, updated_at = $8`,
    [r.host, r.port, r.tls, r.username, r.passwordSealed, r.bounceAddress, r.source, now],
  );
}

async function teamIdOf(tx: Queryable, slug: string): Promise<string> {
  const r = await tx.query<{ id: string }>('SELECT id FROM teams WHERE slug = $1', [slug]);
  if (!r.rows[0]) throw new ValidationError(`There is no team "${slug}".`, [{ path: 'team', message: 'unknown team' }]);
  return r.rows[0].id;
}

export async function setAlias(ctx: Ctx, raw: unknown): Promise<void> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'mail.servers');
  const input = AliasInput.parse(raw);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const teamId = await teamIdOf(tx, input.team);
    const profileAlias = await tx.query('SELECT 1 FROM teams WHERE lower(alias) = $1', [input.address]);
    if (profileAlias.rows.length) throw new ConflictError(`${input.address} is a team's own alias (from the profile).`);
    const person = await tx.query('SELECT 1 FROM person_emails WHERE email = $1', [input.address]);
    if (person.rows.length) throw new ConflictError(`${input.address} is a person's address; an alias cannot be one.`);
    const cur = await tx.query<{ source: string }>('SELECT source FROM mail_aliases WHERE address = $1 FOR UPDATE', [input.address]);
    if (cur.rows[0]?.source === 'config') throw fromConfig(`The alias ${input.address}`);
    await tx.query(
      `INSERT INTO mail_aliases (address, team_id, source, updated_at) VALUES ($1, $2, 'admin', $3)
       ON CONFLICT (address) DO UPDATE SET team_id = $2, updated_at = $3`,
      [input.address, teamId, now],
    );
    await audit(ctx, tx, now, {
      action: 'mail.alias_set',
      subjectType: 'mail_settings',
      subjectId: input.address,
      data: { team: input.team },
    });
  });
}

export async function removeAlias(ctx: Ctx, address: string): Promise<void> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'mail.servers');
  const a = address.trim().toLowerCase();
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const cur = await tx.query<{ source: string }>('SELECT source FROM mail_aliases WHERE address = $1 FOR UPDATE', [a]);
    if (!cur.rows[0]) throw new NotFoundError('alias');
    if (cur.rows[0].source === 'config') throw fromConfig(`The alias ${a}`);
    await tx.query('DELETE FROM mail_aliases WHERE address = $1', [a]);
    await audit(ctx, tx, now, { action: 'mail.alias_removed', subjectType: 'mail_settings', subjectId: a });
  });
}

export async function saveImapAccount(ctx: Ctx, raw: unknown): Promise<{ id: string }> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'mail.servers');
  const input = ImapAccountInput.parse(raw);
  await outbound(ctx.app).vet(input.host, `The IMAP account ${input.name}`, 'host');
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const cur = await tx.query<{
      id: string;
      source: string;
      password_sealed: string;
      host: string;
      port: number;
      tls: TlsMode;
      username: string;
    }>('SELECT id, source, password_sealed, host, port, tls, username FROM imap_accounts WHERE name = $1 FOR UPDATE', [input.name]);
    const existing = cur.rows[0];
    if (existing?.source === 'config') throw fromConfig(`The IMAP account ${input.name}`);
    if (existing && !input.password) refuseKeptSecretElsewhere(existing, input);
    const id = existing?.id ?? randomUUID();
    const password = input.password ? ctx.app.sealer.seal(input.password, aad('imap_accounts', 'password', id)) : existing?.password_sealed;
    if (!password) throw new ValidationError('A new IMAP account needs its password.', [{ path: 'password', message: 'required' }]);
    await upsertImap(tx, { id, ...input, passwordSealed: password, source: 'admin' }, now);
    await audit(ctx, tx, now, {
      action: 'mail.imap_account_saved',
      subjectType: 'mail_settings',
      subjectId: id,
      data: {
        name: input.name,
        host: input.host,
        port: input.port,
        tls: input.tls,
        username: input.username,
        folder: input.folder,
        enabled: input.enabled,
        passwordChanged: !!input.password,
      },
    });
    return { id };
  });
}

async function upsertImap(
  tx: Queryable,
  a: {
    id: string;
    name: string;
    host: string;
    port: number;
    tls: TlsMode;
    username: string;
    passwordSealed: string;
    folder: string;
    enabled: boolean;
    source: 'config' | 'admin';
  },
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO imap_accounts (id, name, host, port, tls, username, password_sealed, folder, enabled, source, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (name) DO UPDATE SET host = $3, port = $4, tls = $5, username = $6, password_sealed = $7, folder = $8, enabled = $9, source = $10, updated_at = $11`,
    [a.id, a.name, a.host, a.port, a.tls, a.username, a.passwordSealed, a.folder, a.enabled, a.source, now],
  );
}

export async function removeImapAccount(ctx: Ctx, name: string): Promise<void> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'mail.servers');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const cur = await tx.query<{ id: string; source: string }>('SELECT id, source FROM imap_accounts WHERE name = $1 FOR UPDATE', [name]);
    if (!cur.rows[0]) throw new NotFoundError('IMAP account');
    if (cur.rows[0].source === 'config') throw fromConfig(`The IMAP account ${name}`);
    await tx.query('DELETE FROM imap_accounts WHERE id = $1', [cur.rows[0].id]);
    await audit(ctx, tx, now, {
      action: 'mail.imap_account_removed',
      subjectType: 'mail_settings',
      subjectId: cur.rows[0].id,
      data: { name },
    });
  });
}

/** The name of the IMAP account the config file's imap* settings describe. */
export const CONFIG_IMAP_ACCOUNT = 'config';

/**
 * Writes what the config file sets into the desk (at start-up): the file wins over the admin UI.
 * Entries the file no longer sets lose their 'config' mark (and become editable) rather than vanish,
 * so removing a line from the file never silently stops mail.
 */
export async function applyMailConfig(app: App): Promise<void> {
  const c = app.config;
  const now = app.clock();
  const ctx: Ctx = { app, principal: { kind: 'system', label: 'config' } };
  await app.db.transaction(async (tx) => {
    if (c.smtpRelayHost) {
      if (!c.mailBounceAddress)
        throw new ValidationError('mailBounceAddress (EMBARGO_MAIL_BOUNCE_ADDRESS) is required with smtpRelayHost.');
      await upsertRelay(
        tx,
        {
          host: c.smtpRelayHost,
          port: c.smtpRelayPort,
          tls: c.smtpRelayTls,
          username: c.smtpRelayUser,
          passwordSealed: c.smtpRelayPassword ? app.sealer.seal(c.smtpRelayPassword, aad('smtp_relay', 'password', '1')) : null,
          bounceAddress: c.mailBounceAddress,
          source: 'config',
        },
        now,
      );
    } else {
      await tx.query(`UPDATE smtp_relay SET source = 'admin' WHERE source = 'config'`);
    }
    const configured = Object.entries(c.mailAliasTeams);
    for (const [address, team] of configured) {
      await tx.query(
        `INSERT INTO mail_aliases (address, team_id, source, updated_at) VALUES ($1, $2, 'config', $3)
         ON CONFLICT (address) DO UPDATE SET team_id = $2, source = 'config', updated_at = $3`,
        [address, await teamIdOf(tx, team), now],
      );
    }
    await tx.query(`UPDATE mail_aliases SET source = 'admin' WHERE source = 'config' AND NOT (address = ANY($1))`, [
      configured.map(([a]) => a),
    ]);
    if (c.imapHost && c.imapUser && c.imapPassword) {
      const cur = await tx.query<{ id: string }>('SELECT id FROM imap_accounts WHERE name = $1', [CONFIG_IMAP_ACCOUNT]);
      const id = cur.rows[0]?.id ?? randomUUID();
      await upsertImap(
        tx,
        {
          id,
          name: CONFIG_IMAP_ACCOUNT,
          host: c.imapHost,
          port: c.imapPort,
          tls: c.imapTls ? 'tls' : 'none',
          username: c.imapUser,
          passwordSealed: app.sealer.seal(c.imapPassword, aad('imap_accounts', 'password', id)),
          folder: c.imapMailbox,
          enabled: true,
          source: 'config',
        },
        now,
      );
    } else {
      await tx.query(`UPDATE imap_accounts SET source = 'admin' WHERE source = 'config'`);
    }
    if (c.smtpRelayHost || configured.length || c.imapHost)
      await audit(ctx, tx, now, {
        action: 'mail.config_applied',
        subjectType: 'mail_settings',
        subjectId: 'config',
        data: { smtpRelay: !!c.smtpRelayHost, aliases: configured.length, imap: !!c.imapHost },
      });
  });
}
