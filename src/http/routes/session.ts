import { z } from 'zod';
import { defineRoutes } from '../route.ts';
import { signIn, signOut } from '../../app/auth/auth.ts';
import { initInstance, isInitialised, InitInput } from '../../app/admin/instance.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { secretHash } from '../../crypto/password.ts';
import { timingSafeEqual } from 'node:crypto';

/** Compares secrets in constant time (over their hashes, so lengths do not leak either). */
const sameSecret = (a: string, b: string) => timingSafeEqual(Buffer.from(secretHash(a), 'hex'), Buffer.from(secretHash(b), 'hex'));

export const SESSION_COOKIE = 'embargo_session';

const SignIn = z.strictObject({ email: z.string().max(320), password: z.string().max(1024), totp: z.string().max(10) });

/** The first-run setup token: printed by `embargo serve` on an empty desk, needed to create it. */
let setupToken: string | null = null;
export function setSetupToken(token: string | null) {
  setupToken = token;
}

export const sessionRoutes = defineRoutes([
  {
    method: 'POST',
    url: '/api/session',
    policy: 'public',
    tag: 'account',
    body: SignIn,
    summary: 'Sign in with e-mail, password and TOTP code; sets the session cookie and returns the CSRF token.',
    rateLimitPerMinute: () => 20,
    handler: async ({ ctx, body, request, reply }) => {
      const input = SignIn.parse(body);
      const s = await signIn(ctx.app, input, { ip: request.ip });
      reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, secure: true, sameSite: 'strict', expires: s.expiresAt });
      return { personId: s.personId, csrfToken: s.csrfToken, expiresAt: s.expiresAt.toISOString() };
    },
  },
  {
    method: 'DELETE',
    url: '/api/session',
    policy: 'signed-in',
    tag: 'account',
    summary: 'Sign out.',
    handler: async ({ ctx, request, reply }) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await signOut(ctx.app, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  },
  {
    method: 'POST',
    url: '/api/setup',
    policy: 'public',
    tag: 'account',
    status: 201,
    body: z.strictObject({ setupToken: z.string(), instance: InitInput }),
    summary: 'First run only: create the desk with a process profile and its first admin. Needs the setup token printed at start.',
    rateLimitPerMinute: () => 10,
    handler: async ({ ctx, body }) => {
      const input = z.strictObject({ setupToken: z.string(), instance: z.unknown() }).parse(body);
      if (await isInitialised(ctx.app.db)) throw new EmbargoError('conflict', 'This desk is already set up.');
      if (!setupToken || !sameSecret(input.setupToken, setupToken))
        throw new EmbargoError('forbidden', 'The setup token is wrong; use the one `embargo serve` printed.');
      const result = await initInstance(ctx.app, input.instance);
      setupToken = null;
      return result;
    },
  },
]);
