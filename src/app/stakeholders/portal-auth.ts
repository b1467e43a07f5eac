import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { deskUrl } from '../../config.ts';
import type { Principal } from '../../domain/access.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { aad, audit, type App, type Ctx } from '../context.ts';
import type { Envelope } from '../cases/messaging.ts';
import { planDeliveries } from '../delivery/deliveries.ts';
import { orgName } from './orgs.ts';

// Signing in to the stakeholder portal: the organisation asks for a link at its alias; the desk mails
// a one-time link there, encrypted to the alias's confirmed key like all its mail (without a usable
// key it is held, never sent in clear), so only who holds the alias's key can sign in — the alias plus
// its key is the organisation's second factor. The link opens a session of the organisation, not of
// a person. The answer to a request is the same whether or not the alias is known.

const LINK_MINUTES = 20;
const SESSION_HOURS = 12;
export const PORTAL_SIGN_IN_TEMPLATE = 'stakeholder.sign_in';

export const PortalLinkInput = z.strictObject({ alias: z.string().trim().toLowerCase().email().max(320) });

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export async function requestPortalLink(ctx: Ctx, raw: unknown): Promise<{ message: string }> {
  const { alias } = PortalLinkInput.parse(raw);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const r = await tx.query<{ id: string; name_sealed: string }>(
      `SELECT id, name_sealed FROM stakeholder_orgs WHERE alias_index = $1 AND status = 'approved'`,
      [ctx.app.blind.of('email', alias)],
    );
    const org = r.rows[0];
    if (!org) return;
    const token = randomBytes(32).toString('base64url');
    await tx.query('INSERT INTO stakeholder_links (digest, org_id, expires_at) VALUES ($1, $2, $3)', [
      digest(token),
      org.id,
      new Date(now.getTime() + LINK_MINUTES * 60_000),
    ]);
    const envelope: Envelope = {
      to: [alias],
      cc: [],
      subject: 'Your sign-in link to the stakeholder portal',
      body: [
        `Someone asked to sign in to the stakeholder portal as ${orgName(ctx.app, org)}.`,
        '',
        `Sign in within ${LINK_MINUTES} minutes, once: ${deskUrl(ctx.app.config)}/portal/sign-in/${token}`,
        '',
        'If it was not you, ignore this mail: nobody can use the link without reading it.',
      ].join('\n'),
      automatic: 'auto-generated',
    };
    const outboxId = crypto.randomUUID();
    await tx.query(
      `INSERT INTO outbox (id, report_id, incident_id, template_id, envelope_sealed, next_attempt_at, created_at) VALUES ($1, NULL, NULL, $2, $3, $4, $4)`,
      [outboxId, PORTAL_SIGN_IN_TEMPLATE, ctx.app.sealer.sealJson(envelope, aad('outbox', 'envelope', outboxId)), now],
    );
    await planDeliveries(ctx, tx, now, { outboxId, reportId: null, envelope });
    await audit(ctx, tx, now, { action: 'portal.link_sent', subjectType: 'stakeholder', subjectId: org.id, data: {} });
  });
  return { message: 'If this alias belongs to a stakeholder organisation, a sign-in link is on its way to it, encrypted to its key.' };
}

/** Redeems a sign-in link (once, before it expires): a new session of the organisation. */
export async function redeemPortalLink(
  ctx: Ctx,
  token: string,
): Promise<{ sessionToken: string; csrfToken: string; orgId: string; expiresAt: Date }> {
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const r = await tx.query<{ org_id: string }>(
      `UPDATE stakeholder_links l SET used_at = $2 FROM stakeholder_orgs o
        WHERE l.digest = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND o.id = l.org_id AND o.status = 'approved'
        RETURNING l.org_id`,
      [digest(token), now],
    );
    const orgId = r.rows[0]?.org_id;
    if (!orgId) throw new NotFoundError('sign-in link (it may have been used or have expired: ask for a new one)');
    const sessionToken = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
    await tx.query('INSERT INTO stakeholder_sessions (digest, org_id, csrf_token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)', [
      digest(sessionToken),
      orgId,
      csrfToken,
      expiresAt,
      now,
    ]);
    await audit(ctx, tx, now, { action: 'portal.signed_in', subjectType: 'stakeholder', subjectId: orgId, data: {} });
    return { sessionToken, csrfToken, orgId, expiresAt };
  });
}

/** The organisation behind a portal session cookie, with the session's CSRF token; null when none or expired. */
export async function principalFromPortalSession(
  app: App,
  token: string,
  tx: Queryable = app.db,
): Promise<{ principal: Extract<Principal, { kind: 'stakeholder' }>; csrfToken: string; timeZone: string } | null> {
  const r = await tx.query<{ org_id: string; csrf_token: string; name_sealed: string; time_zone: string }>(
    `SELECT s.org_id, s.csrf_token, o.name_sealed, o.time_zone FROM stakeholder_sessions s JOIN stakeholder_orgs o ON o.id = s.org_id
      WHERE s.digest = $1 AND s.expires_at > $2 AND o.status = 'approved'`,
    [digest(token), app.clock()],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    principal: { kind: 'stakeholder', orgId: row.org_id, name: orgName(app, { id: row.org_id, ...row }) },
    csrfToken: row.csrf_token,
    // The zone the organisation reads its dates in (its pages show them there).
    timeZone: row.time_zone,
  };
}

export async function endPortalSession(app: App, token: string): Promise<void> {
  await app.db.query('DELETE FROM stakeholder_sessions WHERE digest = $1', [digest(token)]);
}
