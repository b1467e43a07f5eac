import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { loadPrincipal, signIn, signOut } from '../../app/auth/auth.ts';
import { firstRunChecklist } from '../../app/admin/first-run.ts';
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from '../../http/routes/session.ts';
import { html } from '../html.ts';
import { field, FormRefusal, input, layout, safeNext, seeOther, sendHtml, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages } from '../route.ts';

// Sign-in with a password and a current authenticator code, and sign-out.

const SIGNIN_COOKIE = 'embargo_signin';
const NOBODY: Viewer = { principal: null, csrfToken: null };

// The sign-in form carries a random value also set as a cookie (double submit), so another site
// cannot sign a visitor in to an account of its choosing (login CSRF).
function signinPage(
  reply: FastifyReply,
  status: number,
  o: { next: string; email?: string; error?: string | null; flash?: string | null },
) {
  const pre = randomBytes(18).toString('base64url');
  reply.setCookie(SIGNIN_COOKIE, pre, { path: '/signin', httpOnly: true, secure: true, sameSite: 'strict', maxAge: 3600 });
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Sign in',
      viewer: NOBODY,
      error: o.error ?? null,
      flash: o.flash ?? null,
      body: html`<form method="post" action="/signin" class="stack narrow">
        <input type="hidden" name="_signin" value="${pre}">
        <input type="hidden" name="next" value="${o.next}">
        ${input({ name: 'email', label: 'E-mail', type: 'email', required: true, value: o.email ?? '', autocomplete: 'username' })}
        ${input({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' })}
        ${input({ name: 'totp', label: 'Authenticator code', required: true, autocomplete: 'one-time-code', attrs: html`inputmode="numeric" pattern="[0-9]{6}" maxlength="6"` })}
        <p><button type="submit">Sign in</button></p>
      </form>
      <p class="muted">No account? An admin adds you and sends you an enrollment link.</p>`,
    }),
  );
}

function csrfEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

const emailOf = (body: unknown) => field(body, 'email').slice(0, 320);

export const signinPages = definePages([
  {
    method: 'GET',
    url: '/signin',
    policy: 'public',
    handler: async ({ viewer, query, reply }) => {
      const next = safeNext(field(query, 'next'));
      if (viewer.principal) return seeOther(reply, next);
      const flash = field(query, 'enrolled')
        ? 'You are enrolled. Sign in with your password and the next code your app shows (the one you just used works only once).'
        : field(query, 'signedout')
          ? 'You are signed out.'
          : field(query, 'unlocked')
            ? 'Sign-in is unlocked. Sign in with your password and a new code.'
            : null;
      return signinPage(reply, 200, { next, flash });
    },
  },
  formPost({
    url: '/signin',
    policy: 'public',
    rateLimitPerMinute: () => 20,
    run: async ({ app, body, request, reply }) => {
      const pre = request.cookies[SIGNIN_COOKIE];
      if (!pre || !csrfEqual(pre, field(body, '_signin'))) {
        throw new FormRefusal({
          status: 403,
          code: 'forbidden',
          message: 'The sign-in form expired or came from another site; please sign in again.',
        });
      }
      const s = await signIn(
        app,
        {
          email: emailOf(body),
          password: field(body, 'password').slice(0, 1024),
          totp: field(body, 'totp').replace(/\s+/g, '').slice(0, 10),
        },
        { ip: request.ip },
      );
      setSessionCookie(app, reply, s.token, s.expiresAt);
      reply.clearCookie(SIGNIN_COOKIE, { path: '/signin' });
      // An admin of a desk that still lacks what its process needs starts on the checklist, unless the
      // sign-in was on the way to a page of their own choosing.
      const next = safeNext(field(body, 'next'));
      if (next !== '/') return next;
      const principal = await loadPrincipal(app.db, s.personId);
      return principal?.isAdmin && !(await firstRunChecklist({ app, principal })).allDone ? '/admin/start' : next;
    },
    done: (next) => next,
    // Whatever went wrong, the form again: "not found" is a sentence here, never the 404 page.
    notFound: 'form',
    refused: async ({ body, reply }, { problem }) =>
      signinPage(reply, problem.status, { next: safeNext(field(body, 'next')), email: emailOf(body), error: problem.message }),
  }),
  formPost({
    url: '/signout',
    policy: 'signed-in',
    signInNext: () => '/',
    run: async ({ app, request, reply }) => {
      const token = sessionTokenOf(app, request);
      if (token) await signOut(app, token);
      clearSessionCookie(app, reply);
    },
    done: () => '/signin?signedout=1',
    refused: async ({ reply, viewer }, { problem }) =>
      sendHtml(
        reply,
        problem.status,
        layout({ title: 'Something went wrong', viewer, error: problem.message, body: html`<p><a href="/">Back to the start</a></p>` }),
      ),
  }),
]);
