import assert from 'node:assert/strict';
import { generateKey, readKey } from 'openpgp';
import { redeemPortalLink, requestPortalLink } from '../../src/app/stakeholders/portal-auth.ts';
import { api, type Harness, type Member } from './harness.ts';

// A stakeholder organisation for the tests that need one: registered by a member who manages them,
// with a fresh Curve25519 alias key confirmed by its fingerprint, and a portal session opened through
// the use cases (the link read from the outbox; the acceptance test walks the encrypted mail itself).

export interface TestOrg {
  id: string;
  alias: string;
  cookie: string;
  csrf: string;
}

/**
 * An OpenPGP key for an alias, armored, with its fingerprint. It is made at `created` (default now):
 * the desk's clock must not be before it.
 */
export async function aliasKey(name: string, alias: string, created?: Date): Promise<{ publicKey: string; fingerprint: string }> {
  const { publicKey } = await generateKey({
    type: 'curve25519',
    userIDs: [{ name, email: alias }],
    format: 'armored',
    ...(created ? { date: created } : {}),
  });
  return { publicKey, fingerprint: (await readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase() };
}

export async function addOrg(
  h: Harness,
  as: Member,
  name: string,
  alias: string,
  tiers: { project: string; tier: string }[],
): Promise<TestOrg> {
  const k = await aliasKey(name, alias);
  const r = await api(h, 'POST', '/api/stakeholders', {
    as,
    body: { name, alias, timeZone: 'UTC', publicKey: k.publicKey, fingerprint: k.fingerprint, tiers },
  });
  assert.equal(r.status, 201, r.body);
  return { id: r.json.id, alias, ...(await portalSession(h, alias)) };
}

/** The sign-in token of the newest portal link mailed to `alias` (read from the outbox, before encryption). */
export async function portalLinkToken(h: Harness, alias: string): Promise<string> {
  const mail = (
    await h.app.db.query<{ envelope_sealed: string; id: string }>(
      `SELECT id, envelope_sealed FROM outbox WHERE template_id = 'stakeholder.sign_in' ORDER BY seq DESC LIMIT 1`,
    )
  ).rows[0]!;
  const body = h.app.sealer.openJson<{ body: string; to: string[] }>(mail.envelope_sealed, `outbox.envelope:${mail.id}`);
  assert.deepEqual(body.to, [alias], 'the newest sign-in link went to this alias');
  return /\/portal\/sign-in\/([A-Za-z0-9_-]+)/.exec(body.body)![1]!;
}

/** A portal session of the organisation at `alias`, opened now. */
export async function portalSession(h: Harness, alias: string): Promise<{ cookie: string; csrf: string }> {
  const anonymous = { app: h.app, principal: { kind: 'anonymous' as const } };
  await requestPortalLink(anonymous, { alias });
  const s = await redeemPortalLink(anonymous, await portalLinkToken(h, alias));
  return { cookie: `embargo_portal=${s.sessionToken}`, csrf: s.csrfToken };
}

/** Headers that carry the organisation's session (and its CSRF token, for unsafe requests). */
export const portalHeaders = (o: { cookie: string; csrf: string }) => ({ cookie: o.cookie, 'x-csrf-token': o.csrf });
