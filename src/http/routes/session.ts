import { z } from 'zod';
import { defineRoutes } from '../route.ts';
import { reauthenticate, signIn, signOut } from '../../app/auth/auth.ts';
import type { App } from '../../app/context.ts';
import { sessionCookieName } from '../../config.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { initInstance, isInitialised, InitInput } from '../../app/admin/instance.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { secretHash } from '../../crypto/password.ts';
import { timingSafeEqual } from 'node:crypto';

/** Compares secrets in constant time (over their hashes, so lengths do not leak either). */
const sameSecret = (a: string, b: string) => timingSafeEqual(Buffer.from(secretHash(a), 'hex'), Buffer.from(secretHash(b), 'hex'));

/** The session cookie: its name by the desk's scheme (src/config.ts), HttpOnly, Secure, SameSite=Strict, Path=/, no Domain. */
export function setSessionCookie(app: App, reply: FastifyReply, token: string, expiresAt: Date): void {
  reply.setCookie(sessionCookieName(app.config), token, {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    expires: expiresAt,
  });
}

export function sessionTokenOf(app: App, request: FastifyRequest): string | undefined {
  return request.cookies[sessionCookieName(app.config)];
}

export function clearSessionCookie(app: App, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(app.config), { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
}

export const Reauth = z.strictObject({ password: z.string().max(1024), totp: z.string().max(10) });

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
      setSessionCookie(ctx.app, reply, s.token, s.expiresAt);
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
      const token = sessionTokenOf(ctx.app, request);
      if (token) await signOut(ctx.app, token);
      clearSessionCookie(ctx.app, reply);
      return { ok: true };
    },
  },
  {
    method: 'POST',
    url: '/api/session/reauthentication',
    policy: 'signed-in',
    tag: 'account',
    body: Reauth,
    summary:
      'Step-up: enter the password and a current authenticator code again in a browser session. The actions that answer 401 ' +
      'with the code reauthentication_required (disabling or resetting a person, API tokens, mail servers, the CNA account, ' +
      'team keys and members) are allowed for stepUpMinutes after it.',
    rateLimitPerMinute: () => 20,
    handler: async ({ ctx, body, request }) => {
      const input = Reauth.parse(body);
      const token = sessionTokenOf(ctx.app, request);
      if (!token) throw new EmbargoError('bad_request', 'Step-up is for a browser session; an API token is not asked to step up.');
      return reauthenticate(ctx.app, token, input, { ip: request.ip });
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
