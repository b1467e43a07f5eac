import { z } from 'zod';
import type { App } from '../context.ts';
import type { Queryable } from '../../store/db.ts';
import { aad, audit, requireDesk, requireStepUp, type Ctx } from '../context.ts';
import { ConflictError, EmbargoError } from '../../domain/errors.ts';
import { outbound } from '../outbound.ts';
import { cveServicesClient, vetBaseUrl, type CveServicesClient, type CveServicesCredentials } from '../../integrations/cve-services.ts';

// The team's CNA account at CVE Services: URL, organisation short name, user and API key. An admin
// sets it in the web UI or the API (the key sealed in the database, never shown back), or the
// operator sets it in the configuration file (`cveServices`), which then wins: the UI shows it
// read-only, because a value an operator deploys from their secret store must not be silently
// shadowed by one typed into a form.

const KEY_AAD = aad('cve_services_account', 'api_key', '1');

export const CveAccountInput = z.strictObject({
  url: z.string().trim().min(1).max(300),
  shortName: z
    .string()
    .trim()
    .min(2)
    .max(32)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits and . _ - only'),
  user: z
    .string()
    .trim()
    .min(3)
    .max(128)
    .regex(/^[A-Za-z0-9_@.+-]+$/, 'letters, digits and - _ @ . + only (usually an e-mail address)'),
  /** Omitted or empty: keep the stored key (changing the user name does not require retyping it; changing the URL does). */
  apiKey: z.string().trim().max(512).optional(),
});

export interface CveAccountView {
  /** Where the account comes from: the configuration file wins over the database. */
  source: 'config' | 'database' | 'none';
  url: string | null;
  shortName: string | null;
  user: string | null;
  /** Whether a key is set; the key itself is never returned. */
  apiKeySet: boolean;
  updatedAt: string | null;
}

interface StoredAccount {
  base_url: string;
  short_name: string;
  api_user: string;
  api_key_sealed: string;
  updated_at: Date;
}

async function stored(app: App): Promise<StoredAccount | null> {
  const r = await app.db.query<StoredAccount>(
    'SELECT base_url, short_name, api_user, api_key_sealed, updated_at FROM cve_services_account WHERE id = 1',
  );
  return r.rows[0] ?? null;
}

export async function cveAccountView(ctx: Ctx): Promise<CveAccountView> {
  requireDesk(ctx, 'cna_account.manage');
  const c = ctx.app.config.cveServices;
  if (c) return { source: 'config', url: c.url, shortName: c.shortName, user: c.user, apiKeySet: true, updatedAt: null };
  const s = await stored(ctx.app);
  if (!s) return { source: 'none', url: null, shortName: null, user: null, apiKeySet: false, updatedAt: null };
  return {
    source: 'database',
    url: s.base_url,
    shortName: s.short_name,
    user: s.api_user,
    apiKeySet: true,
    updatedAt: new Date(s.updated_at).toISOString(),
  };
}

function refuseWhenConfigured(app: App): void {
  if (app.config.cveServices) {
    throw new ConflictError('The CNA account is set in the configuration file (cveServices), which takes precedence; change it there.');
  }
}

export async function setCveAccount(ctx: Ctx, raw: unknown): Promise<CveAccountView> {
  requireDesk(ctx, 'cna_account.manage');
  requireStepUp(ctx, 'cna_account.change');
  refuseWhenConfigured(ctx.app);
  const input = CveAccountInput.parse(raw);
  // Before the transaction: the host is resolved and judged (no internal address without the allow-list).
  const url = (await vetBaseUrl(input.url, outbound(ctx.app))).href.replace(/\/+$/, '');
  const now = ctx.app.clock();
  const newKey = input.apiKey ? input.apiKey : null;
  await ctx.app.db.transaction(async (tx) => {
    const existing = await tx.query<{ id: number; base_url: string }>(
      'SELECT id, base_url FROM cve_services_account WHERE id = 1 FOR UPDATE',
    );
    if (!existing.rows.length && !newKey)
      throw new EmbargoError('validation_failed', 'Give the API key of the CNA account.', [
        { path: 'apiKey', message: 'required the first time' },
      ]);
    // The stored key goes only where it went before: kept for a new URL, the desk would send the key it
    // never shows to whatever server an admin names. Whoever moves the account types the key again.
    if (existing.rows.length && !newKey && existing.rows[0]!.base_url !== url) {
      throw new EmbargoError(
        'validation_failed',
        'The stored API key is kept only for the same CVE Services URL; you changed the URL: enter the API key again.',
        [{ path: 'apiKey', message: 'required when the URL changes' }],
      );
    }
    const by = ctx.principal.kind === 'person' ? ctx.principal.personId : null;
    if (existing.rows.length) {
      await tx.query(
        `UPDATE cve_services_account SET base_url = $1, short_name = $2, api_user = $3,
                api_key_sealed = COALESCE($4, api_key_sealed), updated_by = $5, updated_at = $6 WHERE id = 1`,
        [url, input.shortName, input.user, newKey ? ctx.app.sealer.seal(newKey, KEY_AAD) : null, by, now],
      );
    } else {
      await tx.query(
        'INSERT INTO cve_services_account (id, base_url, short_name, api_user, api_key_sealed, updated_by, updated_at) VALUES (1, $1, $2, $3, $4, $5, $6)',
        [url, input.shortName, input.user, ctx.app.sealer.seal(newKey!, KEY_AAD), by, now],
      );
    }
    await audit(ctx, tx, now, {
      action: 'cve.account_set',
      subjectType: 'instance',
      subjectId: 'cve-services',
      data: { url, shortName: input.shortName, user: input.user, apiKeyChanged: newKey !== null },
    });
  });
  return cveAccountView(ctx);
}

export async function removeCveAccount(ctx: Ctx): Promise<void> {
  requireDesk(ctx, 'cna_account.manage');
  requireStepUp(ctx, 'cna_account.change');
  refuseWhenConfigured(ctx.app);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const r = await tx.query('DELETE FROM cve_services_account WHERE id = 1');
    if (r.rowCount) await audit(ctx, tx, now, { action: 'cve.account_removed', subjectType: 'instance', subjectId: 'cve-services' });
  });
}

/** The account's credentials (config first), or a clear error when none is set up. */
export async function cnaCredentials(app: App): Promise<CveServicesCredentials> {
  const c = app.config.cveServices;
  if (c) return { baseUrl: c.url, org: c.shortName, user: c.user, apiKey: c.apiKey };
  const s = await stored(app);
  if (!s)
    throw new ConflictError(
      'No CNA account is set up: an admin enters the CVE Services URL, organisation, user and API key on the CVE page.',
    );
  return { baseUrl: s.base_url, org: s.short_name, user: s.api_user, apiKey: app.sealer.open(s.api_key_sealed, KEY_AAD) };
}

/** Whether the desk can publish CVE records (a CNA account in the config file or entered by an admin). */
export async function hasCnaAccount(app: App, tx: Queryable = app.db): Promise<boolean> {
  if (app.config.cveServices) return true;
  return (await tx.query('SELECT 1 FROM cve_services_account')).rows.length > 0;
}

/** A client for the team's CNA account. */
export async function cnaClient(app: App): Promise<CveServicesClient> {
  return cveServicesClient(await cnaCredentials(app), { guard: outbound(app) });
}

/** Checks the stored credentials against CVE Services (GET /org/{short_name}); admin only. */
export async function checkCveAccount(ctx: Ctx): Promise<{ ok: true; org: string; uuid: string; roles: string[]; idQuota: number | null }> {
  requireDesk(ctx, 'cna_account.manage');
  const client = await cnaClient(ctx.app);
  const org = await client.getOrg();
  return {
    ok: true,
    org: org.short_name,
    uuid: org.UUID,
    roles: org.authority?.active_roles ?? [],
    idQuota: org.policies?.id_quota ?? null,
  };
}
