import { readableInstant } from '../../domain/reader-dates.ts';
import type { Queryable } from '../../store/db.ts';
import type { PersonPrincipal } from '../../domain/access.ts';
import { EmbargoError, ValidationError } from '../../domain/errors.ts';
import { passwordCost } from '../../config.ts';
import { dummyPasswordHash, hashPassword, newSecret, passwordProblem, secretHash, verifyPassword } from '../../crypto/password.ts';
import { newTotpSecret, totpStep, totpUri } from '../../crypto/totp.ts';
import { aad, audit, requirePerson, requireStepUp, type App, type Ctx } from '../context.ts';
import { isUuid } from '../../domain/ids.ts';
import { placeOf } from '../../domain/sign-in-guard.ts';
import { deskUrl } from '../../config.ts';
import { bucketOf, claimAttempt, codeJustUsed, recordFailure, type Bucket, type FailureReason, type SignInSource } from './guard.ts';
import { NEW_PLACE_TEMPLATE, queueAccountMail } from './account-mail.ts';

export type { SignInSource };

const ANON: Ctx['principal'] = { kind: 'anonymous' };

/** Builds a principal from the database: who the person is and which teams they are on. */
export async function loadPrincipal(db: Queryable, personId: string): Promise<PersonPrincipal | null> {
  const r = await db.query<{
    id: string;
    name: string;
    is_admin: boolean;
    disabled: boolean;
    central: boolean;
    project_ids: string[] | null;
  }>(
    `SELECT p.id, p.name, p.is_admin, p.disabled,
            EXISTS (SELECT 1 FROM team_members tm JOIN teams t ON t.id = tm.team_id
                    WHERE tm.person_id = p.id AND t.kind = 'central') AS central,
            ARRAY(SELECT pr.id FROM projects pr JOIN team_members tm ON tm.team_id = pr.security_team_id
                  WHERE tm.person_id = p.id) AS project_ids
       FROM people p WHERE p.id = $1`,
    [personId],
  );
  const row = r.rows[0];
  if (!row || row.disabled) return null;
  return {
    kind: 'person',
    personId: row.id,
    name: row.name,
    isAdmin: row.is_admin,
    central: row.central,
    projectIds: row.project_ids ?? [],
  };
}

export interface SessionInfo {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Sign-in needs the password and a current TOTP code. Every failure gives the same answer and costs
 * the same scrypt work, so the response does not tell which part was wrong or whether the account exists.
 * The sign-in guard (./guard.ts) counts each attempt on the account before it is checked and refuses
 * it unchecked while the account waits or is locked, for unknown addresses exactly as for known ones.
 */
export async function signIn(
  app: App,
  input: { email: string; password: string; totp: string },
  source: SignInSource,
): Promise<SessionInfo & { personId: string }> {
  const now = app.clock();
  const email = input.email.trim().toLowerCase();
  const place = placeOf(source.ip);
  const r = await app.db.query<Account>(`${ACCOUNT_SQL} FROM person_emails e JOIN people p ON p.id = e.person_id WHERE e.email = $1`, [
    email,
    place,
  ]);
  const { row, step, fail, bucket } = await checkCredentials(app, email, r.rows[0], input, source, now);
  const signedIn = await app.db.transaction(async (tx) => {
    if (!(await useCode(tx, row.id, step, bucket))) return null;
    const newPlace = await rememberPlace(tx, row.id, place, now);
    const session = await createSession(tx, app, row.id, now);
    const principal = await loadPrincipal(tx, row.id);
    const ctx = { app, principal: principal ?? ANON };
    // The first place a person is seen at is no news; any later new one is, in case it was not them.
    const notify = newPlace && row.places > 0;
    if (notify) await queueNewPlaceNotice(ctx, tx, now, row.id, source);
    await audit(ctx, tx, now, {
      action: 'auth.sign_in',
      subjectType: 'person',
      subjectId: row.id,
      data: { ip: source.ip, place, newPlace, notified: notify },
    });
    return { ...session, personId: row.id };
  });
  if (!signedIn) throw await fail('replay');
  return signedIn;
}

interface Account {
  id: string;
  email: string;
  password_hash: string | null;
  totp_secret_sealed: string | null;
  totp_last_step: number | null;
  disabled: boolean;
  known_place: boolean;
  places: number;
}

/** The account's credentials and what the sign-in guard needs ($2: the place); FROM and WHERE follow. */
const ACCOUNT_SQL = `SELECT p.id, e.email, p.password_hash, p.totp_secret_sealed, p.totp_last_step, p.disabled,
            EXISTS (SELECT 1 FROM sign_in_places sp WHERE sp.person_id = p.id AND sp.place = $2) AS known_place,
            (SELECT count(*)::int FROM sign_in_places sp WHERE sp.person_id = p.id) AS places`;

/**
 * The password and code check of signing in and of stepping up, under the sign-in guard: the attempt
 * is counted before anything is checked, every failure costs the same scrypt work and is recorded.
 * Returns the TOTP step the code matched, for the caller to use up in its transaction.
 */
async function checkCredentials(
  app: App,
  email: string,
  row: Account | undefined,
  input: { password: string; totp: string },
  source: SignInSource,
  now: Date,
): Promise<{ row: Account; step: number; bucket: Bucket; fail: (reason: FailureReason) => Promise<EmbargoError> }> {
  const place = placeOf(source.ip);
  const bucket = bucketOf(email, place, row ? { personId: row.id, knownPlace: row.known_place } : null);
  const claim = await claimAttempt(app, bucket, now);
  if (!claim.ok) throw await recordFailure(app, bucket, source, now, { reason: claim.reason, failures: null, refusal: claim.error });
  // A replayed code past a right password is said plainly where the person has been before, the
  // general refusal anywhere else (docs/security.md, "A code used twice").
  const fail = async (reason: FailureReason) =>
    recordFailure(app, bucket, source, now, {
      reason,
      failures: claim.failures,
      ...(reason === 'replay' && row?.known_place ? { refusal: codeJustUsed() } : {}),
    });
  const passwordOk = await verifyPassword(input.password, row?.password_hash ?? dummyPasswordHash(passwordCost(app.config)));
  if (!row) throw await fail('unknown_address');
  if (!passwordOk) throw await fail('password');
  if (row.disabled) throw await fail('disabled');
  if (!row.totp_secret_sealed) throw await fail('not_enrolled');
  const secret = app.sealer.open(row.totp_secret_sealed, aad('people', 'totp_secret', row.id));
  const step = totpStep(secret, input.totp, now);
  if (step === null) throw await fail('code');
  return { row, step, bucket, fail };
}

/**
 * Uses the code up (a code is good once: the conditional update refuses the same or an older step, a
 * replay) and ends this bucket's run of failures; false for a replay. A lock on another bucket (the
 * guessing from elsewhere) stays until its link or an admin lifts it.
 */
async function useCode(tx: Queryable, personId: string, step: number, bucket: Bucket): Promise<boolean> {
  const used = await tx.query('UPDATE people SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)', [
    personId,
    step,
  ]);
  if (used.rowCount !== 1) return false;
  await tx.query('DELETE FROM sign_in_guards WHERE bucket = $1', [bucket.key]);
  return true;
}

/**
 * Step-up: the person of a browser session enters their password and a current authenticator code
 * again, which the sensitive actions (src/domain/access.ts, STEP_UP_ACTIONS) need within the last
 * stepUpMinutes. Counted by the sign-in guard like a sign-in, so a stolen session cannot guess the
 * password through it.
 */
export async function reauthenticate(
  app: App,
  sessionToken: string,
  input: { password: string; totp: string },
  source: SignInSource,
): Promise<{ verifiedAt: string }> {
  const now = app.clock();
  const session = await liveSession(app, sessionToken, now);
  if (!session) throw new EmbargoError('unauthenticated', 'Your session has ended; sign in again.');
  const place = placeOf(source.ip);
  const r = await app.db.query<Account>(
    `${ACCOUNT_SQL} FROM people p JOIN person_emails e ON e.person_id = p.id AND e.is_primary WHERE p.id = $1`,
    [session.person_id, place],
  );
  const account = r.rows[0];
  if (!account) throw new EmbargoError('unauthenticated', 'Your session has ended; sign in again.');
  const { row, step, fail, bucket } = await checkCredentials(app, account.email, account, input, source, now);
  const done = await app.db.transaction(async (tx) => {
    if (!(await useCode(tx, row.id, step, bucket))) return false;
    await tx.query('UPDATE sessions SET verified_at = $2, last_seen_at = $2 WHERE token_hash = $1', [secretHash(sessionToken), now]);
    const principal = await loadPrincipal(tx, row.id);
    await audit({ app, principal: principal ?? ANON, source }, tx, now, {
      action: 'auth.reauthenticated',
      subjectType: 'person',
      subjectId: row.id,
      data: { place },
    });
    return true;
  });
  if (!done) throw await fail('replay');
  return { verifiedAt: now.toISOString() };
}

/** Records that the person signed in (or enrolled) at this place; true when it is new to them. */
async function rememberPlace(tx: Queryable, personId: string, place: string, now: Date): Promise<boolean> {
  const r = await tx.query<{ inserted: boolean }>(
    `INSERT INTO sign_in_places (person_id, place, first_at, last_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (person_id, place) DO UPDATE SET last_at = EXCLUDED.last_at RETURNING (xmax = 0) AS inserted`,
    [personId, place, now],
  );
  return r.rows[0]?.inserted === true;
}

async function queueNewPlaceNotice(ctx: Ctx, tx: Queryable, now: Date, personId: string, source: SignInSource): Promise<void> {
  await queueAccountMail(ctx, tx, now, {
    personId,
    templateId: NEW_PLACE_TEMPLATE,
    subject: 'Sign-in to your account from a new place',
    body: (zone) =>
      [
        `Someone signed in to your account at ${deskUrl(ctx.app.config)} from a place you had not signed in from before:`,
        '',
        `  address ${source.ip}, at ${readableInstant(now, zone)}`,
        '',
        'If that was you, there is nothing to do.',
        'If it was not you, your password and authenticator are in other hands: ask an admin of the desk at once to reset',
        'your account (that ends every session and revokes your API tokens), and tell the security team.',
      ].join('\n'),
  });
}

async function createSession(tx: Queryable, app: App, personId: string, now: Date): Promise<SessionInfo> {
  const token = newSecret('ses');
  const csrfToken = newSecret('csrf');
  const expiresAt = new Date(now.getTime() + app.config.sessionHours * 3600_000);
  await tx.query(
    `INSERT INTO sessions (token_hash, person_id, csrf_token, created_at, expires_at, last_seen_at, verified_at)
     VALUES ($1, $2, $3, $4, $5, $4, $4)`,
    [secretHash(token), personId, csrfToken, now, expiresAt],
  );
  return { token, csrfToken, expiresAt };
}

export async function signOut(app: App, sessionToken: string): Promise<void> {
  await app.db.query('DELETE FROM sessions WHERE token_hash = $1', [secretHash(sessionToken)]);
}

/**
 * The session behind a cookie while it lives: not past its absolute end (sessionHours after sign-in)
 * and used within the last sessionIdleMinutes. A session found dead is deleted. "Last seen" is
 * written at most once a minute, which saves a write per request and can only end a session sooner.
 */
async function liveSession(
  app: App,
  sessionToken: string,
  now: Date,
): Promise<{ person_id: string; csrf_token: string; verified_at: Date } | null> {
  const hash = secretHash(sessionToken);
  const r = await app.db.query<{ person_id: string; csrf_token: string; expires_at: Date; last_seen_at: Date; verified_at: Date }>(
    'SELECT person_id, csrf_token, expires_at, last_seen_at, verified_at FROM sessions WHERE token_hash = $1',
    [hash],
  );
  const row = r.rows[0];
  if (!row) return null;
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at) <= now || now.getTime() - lastSeen >= app.config.sessionIdleMinutes * 60_000) {
    await app.db.query('DELETE FROM sessions WHERE token_hash = $1', [hash]);
    return null;
  }
  if (now.getTime() - lastSeen > 60_000) await app.db.query('UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1', [hash, now]);
  return { person_id: row.person_id, csrf_token: row.csrf_token, verified_at: new Date(row.verified_at) };
}

export async function principalFromSession(
  app: App,
  sessionToken: string,
): Promise<{ principal: PersonPrincipal; csrfToken: string } | null> {
  const row = await liveSession(app, sessionToken, app.clock());
  if (!row) return null;
  const principal = await loadPrincipal(app.db, row.person_id);
  return principal ? { principal: { ...principal, session: { verifiedAt: row.verified_at } }, csrfToken: row.csrf_token } : null;
}

export async function principalFromApiToken(app: App, token: string, source: SignInSource): Promise<PersonPrincipal | null> {
  const now = app.clock();
  const hash = secretHash(token);
  const place = placeOf(source.ip);
  const r = await app.db.query<{ id: string; name: string; person_id: string; last_used_at: Date | null; known_place: boolean }>(
    `SELECT t.id, t.name, t.person_id, t.last_used_at,
            EXISTS (SELECT 1 FROM api_token_places tp WHERE tp.token_id = t.id AND tp.place = $2) AS known_place
       FROM api_tokens t WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [hash, place],
  );
  const row = r.rows[0];
  if (!row) return null;
  // "Last used" to the minute is enough to spot a forgotten or stolen token; it saves a write per request.
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) {
    await app.db.query('UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1', [hash, now]);
  }
  const principal = await loadPrincipal(app.db, row.person_id);
  // A token used from somewhere it was never used before is audited once per place: a stolen token
  // shows up in the sign-in log with the address it was used from.
  if (principal && !row.known_place) {
    await app.db.transaction(async (tx) => {
      const added = await tx.query(
        'INSERT INTO api_token_places (token_id, place, first_at) VALUES ($1, $2, $3) ON CONFLICT (token_id, place) DO NOTHING',
        [row.id, place, now],
      );
      if (added.rowCount !== 1) return;
      await audit({ app, principal }, tx, now, {
        action: 'auth.api_token_new_place',
        subjectType: 'person',
        subjectId: row.person_id,
        data: { tokenId: row.id, name: row.name, ip: source.ip, place },
      });
    });
  }
  return principal;
}

/** A new API token; where it is made (the person's own address) is its first known place. */
export async function createApiToken(ctx: Ctx, input: { name: string }, source: SignInSource): Promise<{ id: string; token: string }> {
  const p = requirePerson(ctx);
  requireStepUp(ctx, 'api_token.create');
  const now = ctx.app.clock();
  const token = newSecret('emb');
  const id = crypto.randomUUID();
  await ctx.app.db.transaction(async (tx) => {
    await tx.query('INSERT INTO api_tokens (id, person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)', [
      id,
      p.personId,
      input.name,
      secretHash(token),
      now,
    ]);
    await tx.query('INSERT INTO api_token_places (token_id, place, first_at) VALUES ($1, $2, $3)', [id, placeOf(source.ip), now]);
    await audit(ctx, tx, now, {
      action: 'auth.api_token_created',
      subjectType: 'person',
      subjectId: p.personId,
      data: { tokenId: id, name: input.name, ip: source.ip },
    });
  });
  return { id, token };
}

// --- Enrollment: a person sets a password and a TOTP factor through a one-time link. ---

const ENROLLMENT_DAYS = 7;

export async function issueEnrollment(tx: Queryable, personId: string, now: Date): Promise<string> {
  const token = newSecret('enr');
  await tx.query('UPDATE people SET enrollment_token_hash = $2, enrollment_expires_at = $3 WHERE id = $1', [
    personId,
    secretHash(token),
    new Date(now.getTime() + ENROLLMENT_DAYS * 86400_000),
  ]);
  return token;
}

async function enrollee(app: App, tx: Queryable, token: string, lock = true) {
  const r = await tx.query<{ id: string; name: string; email: string; totp_secret_sealed: string | null }>(
    `SELECT p.id, p.name, e.email, p.totp_secret_sealed FROM people p
       JOIN person_emails e ON e.person_id = p.id AND e.is_primary
      WHERE p.enrollment_token_hash = $1 AND p.enrollment_expires_at > $2 AND NOT p.disabled${lock ? ' FOR UPDATE OF p' : ''}`,
    [secretHash(token), app.clock()],
  );
  const row = r.rows[0];
  if (!row) throw new EmbargoError('not_found', 'This enrollment link is unknown, used or expired. Ask an admin for a new one.');
  return row;
}

/** Shows the TOTP secret to enroll; the same secret is shown again until enrollment completes. */
export async function beginEnrollment(
  app: App,
  token: string,
): Promise<{ name: string; email: string; totpSecret: string; totpUri: string }> {
  return app.db.transaction(async (tx) => {
    const row = await enrollee(app, tx, token);
    let secret: string;
    if (row.totp_secret_sealed) {
      secret = app.sealer.open(row.totp_secret_sealed, aad('people', 'totp_secret', row.id));
    } else {
      secret = newTotpSecret();
      await tx.query('UPDATE people SET totp_secret_sealed = $2 WHERE id = $1', [
        row.id,
        app.sealer.seal(secret, aad('people', 'totp_secret', row.id)),
      ]);
    }
    const desk = await tx.query<{ name: string }>('SELECT name FROM instance WHERE id = 1');
    return { name: row.name, email: row.email, totpSecret: secret, totpUri: totpUri(secret, row.email, desk.rows[0]?.name) };
  });
}

export async function completeEnrollment(
  app: App,
  input: { token: string; password: string; totp: string },
  source: SignInSource,
): Promise<{ personId: string }> {
  const now = app.clock();
  // The link first, the password after: hashing costs up to a second of work and 128 MiB, and a
  // stranger with a guessed link must not be able to make the desk spend them.
  const who = await enrollee(app, app.db, input.token, false);
  const problem = passwordProblem(input.password, app.config.passwordMinScore, [who.name, who.email, ...who.email.split(/[@.]/)]);
  if (problem) throw new ValidationError(problem, [{ path: 'password', message: problem }]);
  const hash = await hashPassword(input.password, passwordCost(app.config));
  return app.db.transaction(async (tx) => {
    const row = await enrollee(app, tx, input.token);
    if (!row.totp_secret_sealed) throw new ValidationError('Open the enrollment page first to get your authenticator secret.');
    const secret = app.sealer.open(row.totp_secret_sealed, aad('people', 'totp_secret', row.id));
    const step = totpStep(secret, input.totp, now);
    if (step === null)
      throw new ValidationError('The authenticator code is wrong; check the clock of your device.', [
        { path: 'totp', message: 'wrong code' },
      ]);
    await tx.query(
      `UPDATE people SET password_hash = $2, totp_last_step = $3, enrollment_token_hash = NULL, enrollment_expires_at = NULL WHERE id = $1`,
      [row.id, hash, step],
    );
    // Where they enrolled is their first known place: signing in from there next is no news.
    const place = placeOf(source.ip);
    await rememberPlace(tx, row.id, place, now);
    const principal = await loadPrincipal(tx, row.id);
    await audit({ app, principal: principal ?? ANON }, tx, now, {
      action: 'auth.enrolled',
      subjectType: 'person',
      subjectId: row.id,
      data: { ip: source.ip, place },
    });
    return { personId: row.id };
  });
}

/** A person's own API tokens (never the secrets: only their names and when they were used). */
export async function listApiTokens(ctx: Ctx) {
  const p = requirePerson(ctx);
  const r = await ctx.app.db.query<{ id: string; name: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }>(
    'SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE person_id = $1 ORDER BY created_at',
    [p.personId],
  );
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return r.rows.map((t) => ({
    id: t.id,
    name: t.name,
    createdAt: iso(t.created_at),
    lastUsedAt: iso(t.last_used_at),
    revokedAt: iso(t.revoked_at),
  }));
}

/** Revokes one of the person's own tokens; someone else's token is "not found". */
export async function revokeApiToken(ctx: Ctx, tokenId: string): Promise<void> {
  const p = requirePerson(ctx);
  const now = ctx.app.clock();
  if (!isUuid(tokenId)) throw new EmbargoError('not_found', 'No such API token.');
  await ctx.app.db.transaction(async (tx) => {
    const r = await tx.query('UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL', [
      tokenId,
      p.personId,
      now,
    ]);
    if (r.rowCount !== 1) throw new EmbargoError('not_found', 'No such API token, or it is already revoked.');
    await audit(ctx, tx, now, { action: 'auth.api_token_revoked', subjectType: 'person', subjectId: p.personId, data: { tokenId } });
  });
}

/** The principal of the active person with this address (the CLI's --as), or null. */
export async function principalByEmail(db: Queryable, email: string): Promise<PersonPrincipal | null> {
  const r = await db.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [email.trim().toLowerCase()]);
  return r.rows[0] ? loadPrincipal(db, r.rows[0].person_id) : null;
}
