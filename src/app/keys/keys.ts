import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { readKey, readPrivateKey, type PrivateKey, type PublicKey } from 'openpgp';
import type { Queryable } from '../../store/db.ts';
import { canSeeSensitive, type PersonPrincipal } from '../../domain/access.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { aad, audit, requireAdmin, requirePerson, requireStepUp, type App, type Ctx } from '../context.ts';
import { loadCase } from '../cases/case.ts';
import { withCase } from '../gate.ts';
import { rulesOf } from '../admin/instance.ts';
import { keyUsability, whyUnusable } from '../../mail/key-quality.ts';
import { exportPublicArmored, generateTeamKey, importTeamKey } from '../../mail/team-key.ts';
import type { KeyUsability } from '../../mail/types.ts';
import { isUuid } from '../../domain/ids.ts';
import { releaseHeld } from '../delivery/held.ts';
import { reporterAddressOf } from '../inbound/threading.ts';
import { type KeyCrypto, openKeyArmored, openKeyEmail, openKeyUserIds, sealKeyValues } from './stored.ts';

// OpenPGP keys the desk holds.
// - The team key: one active key signs outbound mail and is the key reporters encrypt to; earlier
//   ones stay to decrypt old mail. The private key is sealed with the instance key.
// - Person keys, by address: a member's own key, uploaded while signed in (confirmed at once: the
//   session proves who uploads it, keyUsability that it is fit and carries one of their addresses);
//   keys offered by mail (Autocrypt header, attached key) are candidates, never used for anything
//   until the person (for their own address) or a team member who may see the reporter's identity
//   (for a reporter's key offered on a case) confirms them.

const MAX_ARMORED = 256 * 1024;

export interface KeyFacts {
  fingerprint: string;
  algorithm: string;
  userIds: string[];
  expiresAt: Date | null;
}

async function parsePublic(armored: string): Promise<PublicKey> {
  if (typeof armored !== 'string' || armored.length === 0) throw new ValidationError('Paste an ASCII-armored OpenPGP public key.');
  if (armored.length > MAX_ARMORED)
    throw new ValidationError(
      `The key is larger than ${MAX_ARMORED / 1024} KiB; export it without extra signatures (gpg --export-options export-minimal).`,
    );
  let key: PublicKey | PrivateKey;
  try {
    key = await readKey({ armoredKey: armored });
  } catch (e) {
    throw new ValidationError(`This is not a readable OpenPGP public key: ${(e as Error).message}`);
  }
  if (key.isPrivate())
    throw new ValidationError(
      'This is a private key. Upload only your public key (gpg --armor --export), and keep the private key to yourself.',
    );
  return key as PublicKey;
}

async function factsOf(key: PublicKey | PrivateKey): Promise<KeyFacts> {
  const info = key.getAlgorithmInfo() as { algorithm: string; bits?: number; curve?: string };
  const exp = await key.getExpirationTime().catch(() => null);
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    algorithm: info.curve ? `${info.algorithm} ${info.curve}` : `${info.algorithm}${info.bits ? ` ${info.bits}` : ''}`,
    userIds: key
      .getUserIDs()
      .map((u) => u.slice(0, 500))
      .slice(0, 50),
    expiresAt: exp instanceof Date ? exp : null,
  };
}

function matchingAddress(userIds: string[], addresses: string[]): string | null {
  for (const a of addresses) {
    const needle = a.toLowerCase();
    for (const u of userIds) {
      const m = /<([^<>]+)>\s*$/.exec(u);
      const email = (m ? m[1]! : u).trim().toLowerCase();
      if (email === needle) return a;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Person keys

export interface StoredKey extends KeyFacts {
  id: string;
  email: string;
  status: 'candidate' | 'confirmed' | 'replaced' | 'rejected';
  source: 'upload' | 'autocrypt' | 'attachment' | 'stakeholder';
  createdAt: Date;
  usability: KeyUsability;
}

type KeyRow = {
  id: string;
  email: string;
  person_id: string | null;
  fingerprint: string;
  algorithm: string;
  user_ids: string[];
  expires_at: Date | null;
  armored: string;
  status: StoredKey['status'];
  source: StoredKey['source'];
  report_id: string | null;
  created_at: Date;
};

/** The stored row (SELECT *), its sealed columns opened. */
type SealedKeyRow = Omit<KeyRow, 'email' | 'user_ids' | 'armored'> & {
  email_sealed: string;
  user_ids_sealed: string;
  armored_sealed: string;
};

const KEY_COLUMNS =
  'id, person_id, fingerprint, algorithm, expires_at, status, source, report_id, created_at, email_sealed, user_ids_sealed, armored_sealed';

function openRow(app: KeyCrypto, row: SealedKeyRow): KeyRow {
  const { email_sealed: _e, user_ids_sealed: _u, armored_sealed: _a, ...rest } = row;
  return { ...rest, email: openKeyEmail(app, row), user_ids: openKeyUserIds(app, row), armored: openKeyArmored(app, row) };
}

async function selectKeys(app: KeyCrypto, tx: Queryable, where: string, params: unknown[]): Promise<KeyRow[]> {
  const r = await tx.query<SealedKeyRow>(`SELECT ${KEY_COLUMNS} FROM correspondent_keys k ${where}`, params);
  return r.rows.map((row) => openRow(app, row));
}

async function toStored(row: KeyRow, now: Date): Promise<StoredKey> {
  let usability: KeyUsability;
  try {
    usability = await keyUsability(await readKey({ armoredKey: row.armored }), now, row.email);
  } catch (e) {
    usability = { usable: false, code: 'unparseable', reason: (e as Error).message };
  }
  return {
    id: row.id,
    email: row.email,
    fingerprint: row.fingerprint,
    algorithm: row.algorithm,
    userIds: row.user_ids,
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    status: row.status,
    source: row.source,
    createdAt: new Date(row.created_at),
    usability,
  };
}

async function emailsOf(tx: Queryable, personId: string): Promise<string[]> {
  const r = await tx.query<{ email: string }>('SELECT email FROM person_emails WHERE person_id = $1 ORDER BY is_primary DESC, email', [
    personId,
  ]);
  return r.rows.map((x) => x.email);
}

export const UploadKeyInput = z.strictObject({ armored: z.string().min(1).max(MAX_ARMORED) });

/** A member uploads their own public key: checked, then confirmed; an earlier key is replaced. */
export async function uploadMyKey(ctx: Ctx, raw: unknown): Promise<StoredKey> {
  const me = requirePerson(ctx);
  const input = UploadKeyInput.parse(raw);
  const key = await parsePublic(input.armored);
  const now = ctx.app.clock();
  const facts = await factsOf(key);
  return ctx.app.db.transaction(async (tx) => {
    const emails = await emailsOf(tx, me.personId);
    const email = matchingAddress(facts.userIds, emails);
    if (!email) {
      throw new ValidationError(
        `None of the key's user IDs (${facts.userIds.join(', ') || 'none'}) is one of your addresses (${emails.join(', ')}). Add a user ID with your address (gpg --quick-add-uid) and export the key again.`,
      );
    }
    const usability = await keyUsability(key, now, email);
    if (!usability.usable) throw new ValidationError(`This key cannot be used: ${whyUnusable(usability)}.`);
    const row = await storeConfirmed(ctx.app, tx, {
      email,
      personId: me.personId,
      key,
      facts,
      source: 'upload',
      reportId: null,
      now,
      confirmedBy: me.personId,
    });
    await audit(ctx, tx, now, {
      action: 'key.uploaded',
      subjectType: 'person',
      subjectId: me.personId,
      data: { fingerprint: facts.fingerprint, email },
    });
    return toStored(row, now);
  });
}

async function storeConfirmed(
  app: KeyCrypto,
  tx: Queryable,
  k: {
    email: string;
    personId: string | null;
    key: PublicKey;
    facts: KeyFacts;
    source: StoredKey['source'];
    reportId: string | null;
    now: Date;
    confirmedBy: string | null;
  },
): Promise<KeyRow> {
  const emailIndex = app.blind.of('email', k.email);
  await tx.query(
    `UPDATE correspondent_keys SET status = 'replaced' WHERE email_index = $1 AND status = 'confirmed' AND fingerprint <> $2`,
    [emailIndex, k.facts.fingerprint],
  );
  const id = randomUUID();
  const values = { email: k.email, userIds: k.facts.userIds, armored: k.key.armor() };
  const sealed = sealKeyValues(app, id, values);
  const r = await tx.query<{ id: string; inserted: boolean }>(
    `INSERT INTO correspondent_keys (id, email_index, email_sealed, person_id, fingerprint, algorithm, user_ids_sealed, expires_at, armored_sealed,
                                     status, source, report_id, created_at, confirmed_at, confirmed_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'confirmed', $10, $11, $12, $12, $13)
     ON CONFLICT (email_index, fingerprint) DO UPDATE SET status = 'confirmed',
        expires_at = EXCLUDED.expires_at, person_id = EXCLUDED.person_id, confirmed_at = EXCLUDED.confirmed_at, confirmed_by = EXCLUDED.confirmed_by
     RETURNING id, (xmax = 0) AS inserted`,
    [
      id,
      sealed.emailIndex,
      sealed.emailSealed,
      k.personId,
      k.facts.fingerprint,
      k.facts.algorithm,
      sealed.userIdsSealed,
      k.facts.expiresAt,
      sealed.armoredSealed,
      k.source,
      k.reportId,
      k.now,
      k.confirmedBy,
    ],
  );
  const stored = r.rows[0]!;
  if (!stored.inserted) {
    // The row was there already: its key and user IDs are replaced, sealed for that row.
    const again = sealKeyValues(app, stored.id, values);
    await tx.query('UPDATE correspondent_keys SET user_ids_sealed = $2, armored_sealed = $3 WHERE id = $1', [
      stored.id,
      again.userIdsSealed,
      again.armoredSealed,
    ]);
  }
  return (await selectKeys(app, tx, 'WHERE id = $1', [stored.id]))[0]!;
}

export async function myKeys(ctx: Ctx): Promise<StoredKey[]> {
  const me = requirePerson(ctx);
  const rows = await selectKeys(
    ctx.app,
    ctx.app.db,
    `WHERE person_id = $1 AND status IN ('confirmed', 'candidate') ORDER BY status, created_at DESC`,
    [me.personId],
  );
  const now = ctx.app.clock();
  return Promise.all(rows.map((row) => toStored(row, now)));
}

/** Removes one's own key (confirmed or candidate): mail to them becomes notices until a new one is uploaded. */
export async function removeMyKey(ctx: Ctx, keyId: string): Promise<void> {
  const me = requirePerson(ctx);
  if (!isUuid(keyId)) throw new NotFoundError('key');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const r = await tx.query<{ fingerprint: string }>(
      `UPDATE correspondent_keys SET status = 'rejected' WHERE id = $1 AND person_id = $2 AND status IN ('confirmed', 'candidate') RETURNING fingerprint`,
      [keyId, me.personId],
    );
    if (!r.rows[0]) throw new NotFoundError('key');
    await audit(ctx, tx, now, {
      action: 'key.removed',
      subjectType: 'person',
      subjectId: me.personId,
      data: { fingerprint: r.rows[0].fingerprint },
    });
  });
}

export interface OfferedKeyInput {
  /** The sender's address the key was offered for (the From of the message). */
  email: string;
  armored: string;
  source: 'autocrypt' | 'attachment';
  /** The case the message landed on. */
  reportId: string | null;
}

export type OfferedKeyOutcome =
  | { stored: true; keyId: string; fingerprint: string; status: 'candidate' | 'confirmed' }
  | { stored: false; reason: string };

/**
 * A key offered by mail (Autocrypt, attachment) is kept as an unverified candidate for the sender's
 * address; nothing uses it until it is confirmed. A key already confirmed for that address is left
 * as it is. A key that does not parse, is private, or carries no user ID with the sender's address
 * is not stored (the outcome says why). Call it in the transaction that records the message.
 */
export async function recordOfferedKey(ctx: Ctx, tx: Queryable, at: Date, input: OfferedKeyInput): Promise<OfferedKeyOutcome> {
  const email = input.email.trim().toLowerCase();
  let key: PublicKey;
  try {
    key = await parsePublic(input.armored);
  } catch (e) {
    return { stored: false, reason: (e as Error).message };
  }
  const facts = await factsOf(key);
  if (!matchingAddress(facts.userIds, [email])) return { stored: false, reason: `no user ID of the key is ${email}` };
  const person = await tx.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [email]);
  // Sealed for the new row's id; when the key is on file already, that row keeps its own sealed values.
  const id = randomUUID();
  const sealed = sealKeyValues(ctx.app, id, { email, userIds: facts.userIds, armored: key.armor() });
  const r = await tx.query<{ id: string; status: 'candidate' | 'confirmed' | 'replaced' | 'rejected'; inserted: boolean }>(
    `INSERT INTO correspondent_keys (id, email_index, email_sealed, person_id, fingerprint, algorithm, user_ids_sealed, expires_at, armored_sealed,
                                     status, source, report_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'candidate', $10, $11, $12)
     ON CONFLICT (email_index, fingerprint) DO UPDATE SET report_id = coalesce(correspondent_keys.report_id, EXCLUDED.report_id)
     RETURNING id, status, (xmax = 0) AS inserted`,
    [
      id,
      sealed.emailIndex,
      sealed.emailSealed,
      person.rows[0]?.person_id ?? null,
      facts.fingerprint,
      facts.algorithm,
      sealed.userIdsSealed,
      facts.expiresAt,
      sealed.armoredSealed,
      input.source,
      input.reportId,
      at,
    ],
  );
  const row = r.rows[0]!;
  if (row.status === 'rejected' || row.status === 'replaced')
    return { stored: false, reason: `this key was ${row.status} before for ${email}` };
  // Listed on every case it comes with, not only the first.
  const offeredHere = input.reportId
    ? (
        await tx.query(
          'INSERT INTO correspondent_key_offers (key_id, report_id, offered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key_id',
          [row.id, input.reportId, at],
        )
      ).rows.length > 0
    : false;
  if (row.inserted || offeredHere) {
    await audit(ctx, tx, at, {
      action: 'key.offered',
      subjectType: input.reportId ? 'report' : 'key',
      subjectId: input.reportId ?? row.id,
      data: { fingerprint: facts.fingerprint, source: input.source, keyId: row.id },
    });
  }
  return { stored: true, keyId: row.id, fingerprint: facts.fingerprint, status: row.status };
}

/** Candidate keys offered for the reporter of a case, for the team to confirm. */
export async function caseKeyCandidates(ctx: Ctx, reportId: string): Promise<StoredKey[]> {
  return withCase(ctx, reportId, {}, async (tx, c, _rules, now) => {
    // The keys a reporter offered name them: for those who may see the reporter's identity only.
    if (!canSeeSensitive(ctx.principal, c.facts)) throw new NotFoundError('report');
    const rows = await selectKeys(
      ctx.app,
      tx,
      `WHERE k.person_id IS NULL AND k.status IN ('candidate', 'confirmed')
         AND (k.report_id = $1 OR EXISTS (SELECT 1 FROM correspondent_key_offers o WHERE o.key_id = k.id AND o.report_id = $1))
       ORDER BY k.created_at`,
      [reportId],
    );
    return Promise.all(rows.map((row) => toStored(row, now)));
  });
}

/**
 * Confirms a candidate key: a member their own; a reporter's (offered on a case) a team member who
 * may see the reporter's identity, having checked the fingerprint with the reporter. The key must
 * still be usable; an earlier confirmed key for the address is replaced.
 */
export async function confirmKey(ctx: Ctx, keyId: string): Promise<StoredKey> {
  const me = requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const row = await lockCandidate(ctx.app, tx, me, keyId, 'confirmed');
    const key = await readKey({ armoredKey: row.armored });
    const usability = await keyUsability(key, now, row.email);
    if (!usability.usable) throw new ValidationError(`This key cannot be used: ${whyUnusable(usability)}.`);
    const stored = await storeConfirmed(ctx.app, tx, {
      email: row.email,
      personId: row.person_id,
      key,
      facts: await factsOf(key),
      source: row.source,
      reportId: row.report_id,
      now,
      confirmedBy: me.personId,
    });
    // The mail held for want of this key (a reporter's answers, their receipt with the status link) goes now.
    const released = row.person_id === null ? await releaseHeld(ctx, tx, now, row.email) : 0;
    await audit(ctx, tx, now, {
      action: 'key.confirmed',
      subjectType: row.report_id ? 'report' : 'person',
      subjectId: row.report_id ?? me.personId,
      data: { fingerprint: row.fingerprint, keyId, ...(released ? { heldReleased: released } : {}) },
    });
    return toStored(stored, now);
  });
}

/**
 * Locks a candidate key for the one who may decide on it (the person it belongs to; for a reporter's
 * key offered on a case, a team member who may see the reporter's identity). Anyone else: not found.
 */
async function lockCandidate(app: KeyCrypto, tx: Queryable, me: PersonPrincipal, keyId: string, verb: string): Promise<KeyRow> {
  if (!isUuid(keyId)) throw new NotFoundError('key');
  const row = (await selectKeys(app, tx, 'WHERE id = $1 FOR UPDATE', [keyId]))[0];
  if (!row) throw new NotFoundError('key');
  if (row.person_id !== null) {
    if (row.person_id !== me.personId) throw new NotFoundError('key');
  } else {
    // Offered on several cases: whoever may see the reporter's identity on one of them decides.
    const offers = await tx.query<{ report_id: string }>('SELECT report_id FROM correspondent_key_offers WHERE key_id = $1', [row.id]);
    const reportIds = [...new Set([row.report_id, ...offers.rows.map((o) => o.report_id)].filter((x): x is string => x !== null))];
    let allowed = false;
    for (const id of reportIds) {
      const c = await loadCase(tx, id);
      if (c && canSeeSensitive(me, c.facts)) allowed = true;
    }
    if (!allowed) throw new NotFoundError('key');
  }
  if (row.status !== 'candidate') throw new ConflictError(`This key is ${row.status}; only a candidate can be ${verb}.`);
  return row;
}

/**
 * Dismisses a candidate key (it did not match what the person said out of band, or nobody asked for
 * it): it is marked rejected, never used, and the same key offered again by mail stays dismissed.
 */
export async function dismissKey(ctx: Ctx, keyId: string): Promise<void> {
  const me = requirePerson(ctx);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const row = await lockCandidate(ctx.app, tx, me, keyId, 'dismissed');
    await tx.query(`UPDATE correspondent_keys SET status = 'rejected' WHERE id = $1`, [row.id]);
    await audit(ctx, tx, now, {
      action: 'key.dismissed',
      subjectType: row.report_id ? 'report' : 'person',
      subjectId: row.report_id ?? me.personId,
      data: { fingerprint: row.fingerprint, keyId },
    });
  });
}

/** The confirmed key for an address, if any (usability is checked by the caller at the time of use). */
export async function confirmedKeyFor(app: KeyCrypto, tx: Queryable, email: string): Promise<PublicKey | null> {
  const r = await tx.query<{ id: string; armored_sealed: string }>(
    `SELECT id, armored_sealed FROM correspondent_keys WHERE email_index = $1 AND status = 'confirmed'`,
    [app.blind.of('email', email)],
  );
  const row = r.rows[0];
  return row ? readKey({ armoredKey: openKeyArmored(app, row) }) : null;
}

/** The confirmed key of a person (under any of their addresses), if any. */
export async function confirmedKeyOfPerson(
  app: KeyCrypto,
  tx: Queryable,
  personId: string,
): Promise<{ key: PublicKey; email: string } | null> {
  const r = await tx.query<{ id: string; armored_sealed: string; email_sealed: string }>(
    `SELECT id, armored_sealed, email_sealed FROM correspondent_keys WHERE person_id = $1 AND status = 'confirmed' ORDER BY confirmed_at DESC LIMIT 1`,
    [personId],
  );
  const row = r.rows[0];
  return row ? { key: await readKey({ armoredKey: openKeyArmored(app, row) }), email: openKeyEmail(app, row) } : null;
}

/**
 * The confirmed key of each of several people (the newest, as confirmedKeyOfPerson), in one query:
 * the delivery job asks for the keys of a whole pass at once. With a cache owner (the job's App) a
 * key is unsealed and parsed once and reused while its row is unchanged, so the same key object comes
 * back pass after pass (and what was derived from it, such as its usability, can be kept beside it).
 */
export async function confirmedKeysOfPeople(
  app: KeyCrypto,
  tx: Queryable,
  personIds: readonly string[],
  cacheOwner: object,
): Promise<Map<string, { key: PublicKey; email: string }>> {
  const out = new Map<string, { key: PublicKey; email: string }>();
  if (personIds.length === 0) return out;
  const cache = cacheOf(publicKeyCaches, cacheOwner, (): PublicKeyCache => new Map());
  const r = await tx.query<{ id: string; person_id: string; armored_sealed: string; email_sealed: string; digest: string }>(
    `SELECT DISTINCT ON (person_id) id, person_id, armored_sealed, email_sealed, md5(armored_sealed) AS digest
       FROM correspondent_keys WHERE person_id = ANY($1::uuid[]) AND status = 'confirmed'
      ORDER BY person_id, confirmed_at DESC`,
    [[...new Set(personIds)]],
  );
  for (const row of r.rows) {
    let hit = cache.get(row.id);
    if (!hit || hit.digest !== row.digest) {
      hit = { digest: row.digest, email: openKeyEmail(app, row), key: await readKey({ armoredKey: openKeyArmored(app, row) }) };
      cache.set(row.id, hit);
    }
    out.set(row.person_id, { key: hit.key, email: hit.email });
  }
  return out;
}

export interface MemberKeyStatus {
  personId: string;
  name: string;
  email: string;
  fingerprint: string | null;
  expiresAt: Date | null;
  status: KeyUsability['code'];
  reason: string | null;
  usable: boolean;
}

/** Admins see whether each member has a usable key (mail to the others is a notice only). */
export async function memberKeyStatuses(ctx: Ctx): Promise<MemberKeyStatus[]> {
  requireAdmin(ctx);
  const now = ctx.app.clock();
  const r = await ctx.app.db.query<{
    id: string;
    name: string;
    email: string;
    key_id: string | null;
    armored_sealed: string | null;
    email_sealed: string | null;
    fingerprint: string | null;
    expires_at: Date | null;
  }>(
    `SELECT p.id, p.name,
            (SELECT e.email FROM person_emails e WHERE e.person_id = p.id ORDER BY e.is_primary DESC, e.email LIMIT 1) AS email,
            k.id AS key_id, k.armored_sealed, k.email_sealed, k.fingerprint, k.expires_at
       FROM people p
       LEFT JOIN LATERAL (SELECT id, armored_sealed, email_sealed, fingerprint, expires_at FROM correspondent_keys
                           WHERE person_id = p.id AND status = 'confirmed' ORDER BY confirmed_at DESC LIMIT 1) k ON true
      WHERE NOT p.disabled ORDER BY p.name, p.id`,
  );
  const out: MemberKeyStatus[] = [];
  for (const row of r.rows) {
    let u: KeyUsability = { usable: false, code: 'no_key', reason: 'no key uploaded' };
    if (row.key_id && row.armored_sealed && row.email_sealed) {
      const stored = { id: row.key_id, armored_sealed: row.armored_sealed, email_sealed: row.email_sealed };
      try {
        u = await keyUsability(await readKey({ armoredKey: openKeyArmored(ctx.app, stored) }), now, openKeyEmail(ctx.app, stored));
      } catch (e) {
        u = { usable: false, code: 'unparseable', reason: (e as Error).message };
      }
    }
    out.push({
      personId: row.id,
      name: row.name,
      email: row.email,
      fingerprint: row.fingerprint,
      expiresAt: row.expires_at ? new Date(row.expires_at) : null,
      status: u.code ?? (u.usable ? 'ok' : 'no_key'),
      reason: u.reason ?? null,
      usable: u.usable,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The team key

export interface TeamKeyInfo {
  id: string;
  fingerprint: string;
  algorithm: string;
  userIds: string[];
  source: 'generated' | 'imported';
  active: boolean;
  createdAt: Date;
}

type TeamKeyRow = {
  id: string;
  fingerprint: string;
  algorithm: string;
  user_ids: string[];
  public_armored: string;
  private_sealed: string;
  source: 'generated' | 'imported';
  active: boolean;
  created_at: Date;
};

const teamInfo = (row: TeamKeyRow): TeamKeyInfo => ({
  id: row.id,
  fingerprint: row.fingerprint,
  algorithm: row.algorithm,
  userIds: row.user_ids,
  source: row.source,
  active: row.active,
  createdAt: new Date(row.created_at),
});

export const GenerateTeamKeyInput = z.strictObject({ algorithm: z.enum(['curve25519', 'rsa4096']).default('curve25519') });
export const ImportTeamKeyInput = z.strictObject({
  armored: z.string().min(1).max(MAX_ARMORED),
  passphrase: z.string().max(1000).optional(),
});

async function storeTeamKey(ctx: Ctx, key: PrivateKey, source: 'generated' | 'imported'): Promise<TeamKeyInfo> {
  const now = ctx.app.clock();
  const facts = await factsOf(key);
  const id = randomUUID();
  return ctx.app.db.transaction(async (tx) => {
    const dup = await tx.query('SELECT 1 FROM team_keys WHERE fingerprint = $1', [facts.fingerprint]);
    if (dup.rows.length) throw new ConflictError(`The key ${facts.fingerprint} is already one of the team's keys.`);
    // Lock the current active key first, so two admins making a key at once cannot both win.
    await tx.query('SELECT id FROM team_keys WHERE active FOR UPDATE');
    await tx.query('UPDATE team_keys SET active = false, retired_at = $1 WHERE active', [now]);
    const r = await tx.query<TeamKeyRow>(
      `INSERT INTO team_keys (id, fingerprint, algorithm, user_ids, public_armored, private_sealed, source, active, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) RETURNING *`,
      [
        id,
        facts.fingerprint,
        facts.algorithm,
        facts.userIds,
        exportPublicArmored(key),
        ctx.app.sealer.seal(key.armor(), aad('team_keys', 'private', id)),
        source,
        now,
      ],
    );
    await audit(ctx, tx, now, {
      action: source === 'generated' ? 'team_key.generated' : 'team_key.imported',
      subjectType: 'team_key',
      subjectId: id,
      data: { fingerprint: facts.fingerprint, algorithm: facts.algorithm },
    });
    return teamInfo(r.rows[0]!);
  });
}

/** Generates a new active team key (Curve25519 by default, RSA-4096 on request) for the central alias. */
export async function generateTeamKeyFor(ctx: Ctx, raw: unknown = {}): Promise<TeamKeyInfo> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'team_key.change');
  const input = GenerateTeamKeyInput.parse(raw);
  const rules = await rulesOf(ctx.app.db);
  // The reporter address is a user ID too, so a member's client encrypts an answer to the reporter
  // without asking for a key (see reporterAddressOf).
  const key = await generateTeamKey({
    name: rules.teamName,
    email: rules.centralAlias,
    alsoFor: rules.centralAlias
      ? [{ name: `${rules.teamName} (answers to the reporter)`, email: reporterAddressOf(rules.centralAlias) }]
      : [],
    algorithm: input.algorithm,
    date: ctx.app.clock(),
  });
  return storeTeamKey(ctx, key, 'generated');
}

/** Imports the team's existing key (armored private key, unlocked with its passphrase) as the active one. */
export async function importTeamKeyFor(ctx: Ctx, raw: unknown): Promise<TeamKeyInfo> {
  requireAdmin(ctx);
  requireStepUp(ctx, 'team_key.change');
  const input = ImportTeamKeyInput.parse(raw);
  if (!/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(input.armored)) {
    throw new ValidationError(
      "Import the team's private key (gpg --armor --export-secret-keys KEYID): the desk decrypts mail to it and signs with it.",
    );
  }
  const key = await importTeamKey(input.armored, input.passphrase, ctx.app.clock());
  return storeTeamKey(ctx, key, 'imported');
}

export async function teamKeys(ctx: Ctx): Promise<TeamKeyInfo[]> {
  requireAdmin(ctx);
  const r = await ctx.app.db.query<TeamKeyRow>('SELECT * FROM team_keys ORDER BY active DESC, created_at DESC');
  return r.rows.map(teamInfo);
}

/** The armored public team key anyone may have (reporters encrypt to it). */
export async function teamPublicKey(db: Queryable): Promise<{ fingerprint: string; armored: string } | null> {
  const r = await db.query<{ fingerprint: string; public_armored: string }>(
    'SELECT fingerprint, public_armored FROM team_keys WHERE active',
  );
  const row = r.rows[0];
  return row ? { fingerprint: row.fingerprint, armored: row.public_armored } : null;
}

// Parsing keys is the costly part of reading them (an RSA-4096 private key: milliseconds; every
// confirmed key on the desk: grows with each one), and the mail jobs read them for every message and
// every pass. Parsed keys are kept in the process's memory only, per App, and are found again only
// under the identity of the stored row they came from: a team key by its row id and exact sealed
// text, a public key by its row id and a digest of its sealed armor. The rows are read every time, so a
// rotated team key, a key confirmed or withdrawn a moment ago, is seen at once; a row that is gone
// drops out of the cache on the next read.

type TeamKeyCache = Map<string, { sealed: string; key: PrivateKey }>;
type PublicKeyCache = Map<string, { digest: string; email: string; key: PublicKey }>;
const teamKeyCaches = new WeakMap<App, TeamKeyCache>();
const publicKeyCaches = new WeakMap<object, PublicKeyCache>();

function cacheOf<K extends object, V>(caches: WeakMap<K, V>, owner: K, make: () => V): V {
  let c = caches.get(owner);
  if (!c) caches.set(owner, (c = make()));
  return c;
}

async function openTeamKeys(app: App, rows: readonly { id: string; private_sealed: string }[]): Promise<PrivateKey[]> {
  const cache = cacheOf(teamKeyCaches, app, (): TeamKeyCache => new Map());
  const keys = await Promise.all(
    rows.map(async (row) => {
      const hit = cache.get(row.id);
      if (hit && hit.sealed === row.private_sealed) return hit.key;
      const key = await readPrivateKey({ armoredKey: app.sealer.open(row.private_sealed, aad('team_keys', 'private', row.id)) });
      cache.set(row.id, { sealed: row.private_sealed, key });
      return key;
    }),
  );
  return keys;
}

/** The active team key, unsealed, for signing; null when the desk has none yet. */
export async function activeTeamKey(app: App, tx: Queryable = app.db): Promise<PrivateKey | null> {
  const r = await tx.query<{ id: string; private_sealed: string }>('SELECT id, private_sealed FROM team_keys WHERE active');
  return r.rows[0] ? (await openTeamKeys(app, r.rows))[0]! : null;
}

/** Every team key, active first: the ingress decrypts with whichever one a message was encrypted to. */
export async function allTeamKeys(app: App, tx: Queryable = app.db): Promise<PrivateKey[]> {
  const r = await tx.query<{ id: string; private_sealed: string }>(
    'SELECT id, private_sealed FROM team_keys ORDER BY active DESC, created_at DESC',
  );
  const keys = await openTeamKeys(app, r.rows);
  const cache = teamKeyCaches.get(app)!;
  const present = new Set(r.rows.map((row) => row.id));
  for (const id of cache.keys()) if (!present.has(id)) cache.delete(id);
  return keys;
}

/**
 * Public keys of every confirmed key, for verifying signatures (the ingress side). With a cache
 * owner (the App of a job), a key parsed once is reused while its row is unchanged; the armor is
 * fetched only for rows not seen before.
 */
export async function confirmedKeys(
  app: KeyCrypto,
  tx: Queryable,
  cacheOwner?: object,
): Promise<{ personId: string | null; email: string; key: PublicKey }[]> {
  if (!cacheOwner) {
    const r = await tx.query<{ id: string; person_id: string | null; email_sealed: string; armored_sealed: string }>(
      `SELECT id, person_id, email_sealed, armored_sealed FROM correspondent_keys WHERE status = 'confirmed'`,
    );
    return Promise.all(
      r.rows.map(async (row) => ({
        personId: row.person_id,
        email: openKeyEmail(app, row),
        key: await readKey({ armoredKey: openKeyArmored(app, row) }),
      })),
    );
  }
  // The cache keeps the parsed key and the opened address under the digest of the row's sealed armor.
  const cache = cacheOf(publicKeyCaches, cacheOwner, (): PublicKeyCache => new Map());
  const r = await tx.query<{ id: string; person_id: string | null; digest: string }>(
    `SELECT id, person_id, md5(armored_sealed) AS digest FROM correspondent_keys WHERE status = 'confirmed' ORDER BY id`,
  );
  const missing = r.rows.filter((row) => cache.get(row.id)?.digest !== row.digest).map((row) => row.id);
  if (missing.length) {
    const a = await tx.query<{ id: string; armored_sealed: string; email_sealed: string; digest: string }>(
      'SELECT id, armored_sealed, email_sealed, md5(armored_sealed) AS digest FROM correspondent_keys WHERE id = ANY($1)',
      [missing],
    );
    for (const row of a.rows)
      cache.set(row.id, {
        digest: row.digest,
        email: openKeyEmail(app, row),
        key: await readKey({ armoredKey: openKeyArmored(app, row) }),
      });
  }
  const present = new Set(r.rows.map((row) => row.id));
  for (const id of cache.keys()) if (!present.has(id)) cache.delete(id);
  // A row confirmed and changed between the two reads is left out of this message's check rather than guessed at.
  return r.rows.flatMap((row) => {
    const hit = cache.get(row.id);
    return hit && hit.digest === row.digest ? [{ personId: row.person_id, email: hit.email, key: hit.key }] : [];
  });
}

/**
 * The key of a stakeholder organisation's contact alias, read from what the organisation gave
 * (hostile input: a clear error for anything that is not a usable public key carrying the alias).
 */
export async function readAliasKey(armored: string, alias: string, now: Date): Promise<{ key: PublicKey; facts: KeyFacts }> {
  const key = await parsePublic(armored);
  const usability = await keyUsability(key, now, alias);
  if (!usability.usable) throw new ValidationError(`This key cannot be used for ${alias}: ${whyUnusable(usability)}.`);
  return { key, facts: await factsOf(key) };
}

/**
 * Confirms a stakeholder alias's key: the confirmer read its fingerprint out of band (a call, a signed
 * mail, a keysigning) and typed it; a different fingerprint is refused. From then on the alias's mail
 * is encrypted to it, like any correspondent's.
 */
export async function confirmAliasKey(
  app: KeyCrypto,
  tx: Queryable,
  k: { alias: string; armored: string; fingerprint: string; confirmedBy: string | null; now: Date },
): Promise<KeyFacts> {
  const { key, facts } = await readAliasKey(k.armored, k.alias, k.now);
  const typed = k.fingerprint.replace(/\s+/g, '').toUpperCase();
  if (typed !== facts.fingerprint)
    throw new ValidationError("The fingerprint does not match the organisation's key: check it with the organisation out of band.", [
      { path: 'fingerprint', message: `the key's fingerprint is ${facts.fingerprint}` },
    ]);
  await storeConfirmed(app, tx, {
    email: k.alias,
    personId: null,
    key,
    facts,
    source: 'stakeholder',
    reportId: null,
    now: k.now,
    confirmedBy: k.confirmedBy,
  });
  return facts;
}
