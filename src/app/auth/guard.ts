import { readableInstant } from '../../domain/reader-dates.ts';
import { createHash } from 'node:crypto';
import { deskUrl } from '../../config.ts';
import type { Queryable } from '../../store/db.ts';
import { EmbargoError, NotFoundError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { locksNow, nextAttemptAt, placeOf, type GuardPolicy } from '../../domain/sign-in-guard.ts';
import { newSecret, secretHash } from '../../crypto/password.ts';
import { audit, requireAdmin, type App, type Ctx } from '../context.ts';
import { queueAccountMail, UNLOCK_TEMPLATE } from './account-mail.ts';

// The sign-in guard: failed sign-ins (a wrong password and a wrong code alike) counted on the
// account, whatever address they come from. Past a few free failures each next attempt waits longer
// (src/domain/sign-in-guard.ts); at signInLockAfter failures in a row the account locks: nothing is
// checked any more until the person opens the unlock link mailed to them or an admin clears the lock.
//
// Counting is per bucket (migration 016): the account seen from places it never signed in from, the
// account at each place it did sign in from (so that a stranger guessing from elsewhere cannot lock a
// person out where they work), and an address the desk does not know, which is backed off and locked
// exactly like a known one, so neither the delays nor the lock tell whether an account exists.
//
// An attempt is counted before its password is checked, under the bucket's row lock, so parallel
// requests cannot all slip through one window; a success deletes the bucket again.

const ANON: Ctx['principal'] = { kind: 'anonymous' };

export interface SignInSource {
  /** The client's address as the HTTP door sees it (X-Forwarded-For only behind a trusted proxy). */
  ip: string;
}

export const policyOf = (config: App['config']): GuardPolicy => ({
  freeFailures: config.signInFreeFailures,
  backoffBaseSeconds: config.signInBackoffBaseSeconds,
  backoffMaxSeconds: config.signInBackoffMaxSeconds,
  lockAfter: config.signInLockAfter,
});

export interface Bucket {
  key: string;
  personId: string | null;
  place: string;
}

/** The bucket an attempt is counted in: see the comment at the top. */
export function bucketOf(email: string, place: string, account: { personId: string; knownPlace: boolean } | null): Bucket {
  if (!account) return { key: `address:${createHash('sha256').update(email).digest('hex')}`, personId: null, place };
  return {
    key: account.knownPlace ? `person:${account.personId}@${place}` : `person:${account.personId}`,
    personId: account.personId,
    place,
  };
}

/** The refusals, worded the same for every address, known or not. */
export const wrongCredentials = () => new EmbargoError('unauthenticated', 'The e-mail address, password or code is wrong.');

/**
 * A right password with a code that was right but is used up (the one just typed to enroll, or to
 * sign in on another device), said plainly. Only for an account at a place it has signed in or
 * enrolled from: docs/security.md, "A code used twice", says why this tells nobody more than the
 * general refusal would.
 */
export const codeJustUsed = () =>
  new EmbargoError(
    'unauthenticated',
    'This code was just used (each code works once); wait for the next code from your authenticator app and sign in with that.',
  );

const lockedError = () =>
  new EmbargoError(
    'forbidden',
    'Sign-in with this e-mail address is locked after too many failed attempts. If the account is yours, open the unlock link ' +
      'mailed to you (trying to sign in again after it has expired mails a new one), or ask an admin to lift the lock.',
  );

function waitError(until: Date, now: Date): EmbargoError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new EmbargoError(
    'rate_limited',
    `Too many failed sign-ins with this e-mail address: wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`,
  );
}

export type Claim = { ok: true; failures: number } | { ok: false; error: EmbargoError; reason: 'locked' | 'backoff' };

/**
 * Counts this attempt as a failure before it is checked, unless the bucket is locked or waiting: then
 * the attempt is refused unchecked (a right password during a lock is refused too, so the lock says
 * nothing about the password). A locked account whose unlock link has expired gets a new one.
 */
export async function claimAttempt(app: App, bucket: Bucket, now: Date): Promise<Claim> {
  const policy = policyOf(app.config);
  return app.db.transaction(async (tx) => {
    await tx.query('INSERT INTO sign_in_guards (bucket, person_id) VALUES ($1, $2) ON CONFLICT (bucket) DO NOTHING', [
      bucket.key,
      bucket.personId,
    ]);
    const r = await tx.query<{ failures: number; blocked_until: Date | null; locked_at: Date | null; unlock_expires_at: Date | null }>(
      'SELECT failures, blocked_until, locked_at, unlock_expires_at FROM sign_in_guards WHERE bucket = $1 FOR UPDATE',
      [bucket.key],
    );
    const g = r.rows[0]!;
    if (g.locked_at) {
      if (bucket.personId && (!g.unlock_expires_at || new Date(g.unlock_expires_at) <= now)) await issueUnlockLink(app, tx, bucket, now);
      return { ok: false, error: lockedError(), reason: 'locked' };
    }
    if (g.blocked_until && new Date(g.blocked_until) > now) {
      return { ok: false, error: waitError(new Date(g.blocked_until), now), reason: 'backoff' };
    }
    const failures = g.failures + 1;
    await tx.query('UPDATE sign_in_guards SET failures = $2, last_failure_at = $3, last_place = $4, blocked_until = $5 WHERE bucket = $1', [
      bucket.key,
      failures,
      now,
      bucket.place,
      nextAttemptAt(policy, failures, now),
    ]);
    return { ok: true, failures };
  });
}

export type FailureReason = 'unknown_address' | 'password' | 'code' | 'replay' | 'disabled' | 'not_enrolled' | 'locked' | 'backoff';

/**
 * Audits a failed sign-in (the address it came from, and for an admin's eyes why it failed: a right
 * password with a wrong code means the password is known to someone) and, at the threshold, locks
 * the bucket and mails the person their unlock link. Returns the error the door answers with.
 */
export async function recordFailure(
  app: App,
  bucket: Bucket,
  source: SignInSource,
  now: Date,
  f: { reason: FailureReason; failures: number | null; refusal?: EmbargoError },
): Promise<EmbargoError> {
  const lock = f.failures !== null && locksNow(policyOf(app.config), f.failures);
  const data = { ip: source.ip, place: bucket.place, reason: f.reason, failures: f.failures, scope: scopeOf(bucket) };
  await app.db.transaction(async (tx) => {
    const ctx = { app, principal: ANON };
    const subject = bucket.personId
      ? { subjectType: 'person', subjectId: bucket.personId }
      : { subjectType: 'sign_in', subjectId: 'unknown-address' };
    await audit(ctx, tx, now, {
      action: f.reason === 'locked' || f.reason === 'backoff' ? 'auth.sign_in_refused' : 'auth.sign_in_failed',
      ...subject,
      data,
    });
    if (!lock) return;
    const locked = await tx.query(
      'UPDATE sign_in_guards SET locked_at = $2, blocked_until = NULL WHERE bucket = $1 AND locked_at IS NULL',
      [bucket.key, now],
    );
    if (locked.rowCount !== 1) return;
    if (bucket.personId) await issueUnlockLink(app, tx, bucket, now, source);
    await audit(ctx, tx, now, {
      action: 'auth.sign_in_locked',
      ...subject,
      data: { ip: source.ip, place: bucket.place, failures: f.failures, scope: scopeOf(bucket) },
    });
  });
  if (lock) return lockedError();
  return f.refusal ?? wrongCredentials();
}

/** Which of the person's buckets, in words for the audit and the admin page. */
function scopeOf(bucket: Bucket): string {
  const at = bucket.key.indexOf('@');
  return bucket.personId === null ? 'unknown address' : at >= 0 ? `at ${bucket.key.slice(at + 1)}` : 'new places';
}

/** A new one-time unlock link for a locked bucket, mailed to its person in this transaction. */
async function issueUnlockLink(app: App, tx: Queryable, bucket: Bucket, now: Date, source?: SignInSource): Promise<void> {
  const token = newSecret('unl');
  const expires = new Date(now.getTime() + app.config.unlockLinkHours * 3600_000);
  await tx.query('UPDATE sign_in_guards SET unlock_token_hash = $2, unlock_expires_at = $3 WHERE bucket = $1', [
    bucket.key,
    secretHash(token),
    expires,
  ]);
  const where = bucket.key.includes('@')
    ? `from ${bucket.place}, a place you signed in from before`
    : 'from places you have not signed in from before';
  const last = (zone: string) => (source ? ` The last attempt came from ${source.ip} at ${readableInstant(now, zone)}.` : '');
  const others = bucket.key.includes('@')
    ? ''
    : '\nSigning in from a place you signed in from before is not locked: this lock stops only the guessing from elsewhere.\n';
  await queueAccountMail({ app, principal: ANON }, tx, now, {
    personId: bucket.personId!,
    templateId: UNLOCK_TEMPLATE,
    subject: 'Sign-in to your account is locked',
    body: (zone) =>
      [
        `After ${app.config.signInLockAfter} failed sign-ins in a row with your address ${where}, signing in there is locked.${last(zone)}`,
        others,
        `If that was you, this link lifts the lock (it works once, until ${readableInstant(expires, zone)}):`,
        '',
        `  ${deskUrl(app.config)}/unlock/${token}`,
        '',
        'If it was not you, someone may be guessing your password. Leave the lock in place and tell an admin of the desk;',
        'they can see where the attempts came from and reset your password and authenticator.',
      ].join('\n'),
  });
}

/** Lifts the lock its link was mailed for. A link works once; a used, unknown or expired one is "not found". */
export async function unlockSignIn(app: App, token: string, source: SignInSource): Promise<void> {
  const now = app.clock();
  await app.db.transaction(async (tx) => {
    const r = await tx.query<{ bucket: string; person_id: string | null }>(
      'DELETE FROM sign_in_guards WHERE unlock_token_hash = $1 AND unlock_expires_at > $2 RETURNING bucket, person_id',
      [secretHash(token), now],
    );
    const row = r.rows[0];
    if (!row?.person_id) {
      throw new EmbargoError(
        'not_found',
        'This unlock link is unknown, used or expired. If sign-in is still locked, trying to sign in mails you a new link.',
      );
    }
    await audit({ app, principal: ANON }, tx, now, {
      action: 'auth.unlocked',
      subjectType: 'person',
      subjectId: row.person_id,
      data: {
        via: 'link',
        ip: source.ip,
        place: placeOf(source.ip),
        scope: scopeOf({ key: row.bucket, personId: row.person_id, place: '' }),
      },
    });
  });
}

/** An admin lifts every lock and delay on a person's sign-in. */
export async function clearSignInLock(ctx: Ctx, personId: string): Promise<{ cleared: number }> {
  requireAdmin(ctx);
  if (!isUuid(personId)) throw new NotFoundError('person');
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const p = await tx.query('SELECT 1 FROM people WHERE id = $1', [personId]);
    if (!p.rows.length) throw new NotFoundError('person');
    const r = await tx.query<{ locked: boolean }>(
      'DELETE FROM sign_in_guards WHERE person_id = $1 RETURNING locked_at IS NOT NULL AS locked',
      [personId],
    );
    const cleared = r.rowCount ?? 0;
    if (cleared > 0) {
      await audit(ctx, tx, now, {
        action: 'auth.unlocked',
        subjectType: 'person',
        subjectId: personId,
        data: { via: 'admin', buckets: cleared, locks: r.rows.filter((x) => x.locked).length },
      });
    }
    return { cleared };
  });
}

/** The same, for the person with this address (the command line names people by address). */
export async function clearSignInLockOf(ctx: Ctx, email: string): Promise<{ personId: string; cleared: number }> {
  requireAdmin(ctx);
  const r = await ctx.app.db.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [
    email.trim().toLowerCase(),
  ]);
  const personId = r.rows[0]?.person_id;
  if (!personId) throw new NotFoundError('person with that address');
  return { personId, ...(await clearSignInLock(ctx, personId)) };
}

// --- What admins see: the accounts the guard holds back, and the sign-in events of the audit log. ---

export interface GuardedAccount {
  personId: string;
  name: string;
  email: string | null;
  scope: string;
  failures: number;
  lastFailureAt: string | null;
  lastPlace: string | null;
  blockedUntil: string | null;
  lockedAt: string | null;
}

export interface SignInEvent {
  seq: number;
  at: string;
  action: string;
  personId: string | null;
  name: string | null;
  ip: string | null;
  reason: string | null;
  detail: string | null;
}

export const SIGN_IN_ACTIONS = [
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.sign_in_refused',
  'auth.sign_in_locked',
  'auth.unlocked',
  'auth.api_token_new_place',
] as const;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export async function listSignIns(
  ctx: Ctx,
  limit = 200,
): Promise<{ guarded: GuardedAccount[]; unknownAddresses: { held: number; locked: number }; events: SignInEvent[] }> {
  requireAdmin(ctx);
  const now = ctx.app.clock();
  const g = await ctx.app.db.query<{
    bucket: string;
    person_id: string;
    name: string;
    email: string | null;
    failures: number;
    last_failure_at: Date | null;
    last_place: string | null;
    blocked_until: Date | null;
    locked_at: Date | null;
  }>(
    `SELECT g.bucket, g.person_id, p.name, g.failures, g.last_failure_at, g.last_place, g.blocked_until, g.locked_at,
            (SELECT email FROM person_emails e WHERE e.person_id = p.id ORDER BY is_primary DESC, email LIMIT 1) AS email
       FROM sign_in_guards g JOIN people p ON p.id = g.person_id
      WHERE g.failures > 0 OR g.locked_at IS NOT NULL
      ORDER BY g.locked_at IS NULL, g.last_failure_at DESC NULLS LAST, g.bucket`,
  );
  const u = await ctx.app.db.query<{ held: number; locked: number }>(
    `SELECT count(*) FILTER (WHERE blocked_until > $1)::int AS held, count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS locked
       FROM sign_in_guards WHERE person_id IS NULL`,
    [now],
  );
  const e = await ctx.app.db.query<{
    seq: number;
    at: Date;
    action: string;
    subject_type: string;
    subject_id: string;
    data: Record<string, unknown>;
    name: string | null;
  }>(
    `SELECT a.seq, a.at, a.action, a.subject_type, a.subject_id, a.data, p.name
       FROM audit_events a LEFT JOIN people p ON a.subject_type = 'person' AND p.id::text = a.subject_id
      WHERE a.action LIKE 'auth.%' AND a.action = ANY($1) ORDER BY a.seq DESC LIMIT $2`,
    [[...SIGN_IN_ACTIONS], Math.max(1, Math.min(limit, 1000))],
  );
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  return {
    guarded: g.rows.map((r) => ({
      personId: r.person_id,
      name: r.name,
      email: r.email,
      scope: scopeOf({ key: r.bucket, personId: r.person_id, place: '' }),
      failures: r.failures,
      lastFailureAt: iso(r.last_failure_at),
      lastPlace: r.last_place,
      blockedUntil: r.blocked_until && new Date(r.blocked_until) > now ? iso(r.blocked_until) : null,
      lockedAt: iso(r.locked_at),
    })),
    unknownAddresses: u.rows[0] ?? { held: 0, locked: 0 },
    events: e.rows.map((r) => ({
      seq: Number(r.seq),
      at: new Date(r.at).toISOString(),
      action: r.action,
      personId: r.subject_type === 'person' ? r.subject_id : null,
      name: r.name,
      ip: text(r.data.ip),
      reason: text(r.data.reason) ?? text(r.data.via),
      detail:
        r.action === 'auth.sign_in'
          ? r.data.newPlace
            ? 'from a new place'
            : null
          : r.action === 'auth.api_token_new_place'
            ? `API token "${text(r.data.name) ?? ''}"`
            : text(r.data.scope),
    })),
  };
}
