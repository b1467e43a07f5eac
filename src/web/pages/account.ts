import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { beginEnrollment, completeEnrollment, signIn, signOut } from '../../app/auth/auth.ts';
import { isInitialised } from '../../app/admin/instance.ts';
import { listShippedProfiles } from '../../process/loader.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { SESSION_COOKIE } from '../../http/routes/session.ts';
import { html, type Html } from '../html.ts';
import {
  baseUrl,
  csrfOk,
  field,
  input,
  layout,
  notFoundPage,
  problemOf,
  safeNext,
  select,
  sendHtml,
  seeOther,
  viewerOf,
  webRoute,
  type FormBody,
  type FormProblem,
  type Viewer,
  type WebDeps,
} from '../common.ts';

// First-run setup, enrollment, sign-in and sign-out.

const SIGNIN_COOKIE = 'embargo_signin';
const NOBODY: Viewer = { principal: null, csrfToken: null };

const PROFILE_LABELS: Record<string, string> = {
  'trusted-firmware': 'Trusted Firmware — central triager claims, forwards to project teams',
  tock: 'Tock — triage coordinator, severity → priority, subsystem contacts',
};

function timeZones(): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

export function registerAccountPages(fastify: FastifyInstance, deps: WebDeps): void {
  const { app } = deps;

  // --- First-run setup ---

  const setupForm = (values: FormBody, problem: FormProblem | null): Html => {
    const v = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : '');
    const profile = v('profile') || 'trusted-firmware';
    const e = problem?.fields ?? {};
    return html`<p>This desk is not set up yet. Choose the process it runs and name its first admin.
      The admin then gets an enrollment link to set a password and an authenticator.</p>
    <form method="post" action="/setup" class="stack">
      ${
        v('setupToken')
          ? html`<input type="hidden" name="setupToken" value="${v('setupToken')}">`
          : input({
              name: 'setupToken',
              label: 'Setup token',
              hint: 'Printed by embargo serve when it started on an empty desk.',
              required: true,
              value: '',
              error: e.setupToken,
              autocomplete: 'off',
            })
      }
      <fieldset>
        <legend>Process profile</legend>
        ${e.profile ? html`<p class="field-error">${e.profile}</p>` : ''}
        ${listShippedProfiles().map((p) => html`<div class="choice"><label><input type="radio" name="profile" value="${p.id}"${p.id === profile ? html` checked` : ''}> ${PROFILE_LABELS[p.id] ?? p.id}</label></div>`)}
      </fieldset>
      ${input({ name: 'name', label: 'Name of this desk', hint: 'For example "Trusted Firmware Security Team".', required: true, value: v('name'), error: e.name })}
      ${select({ name: 'timeZone', label: 'Time zone of the desk', hint: 'Deadlines of unowned reports count working days here.', required: true, value: v('timeZone') || 'UTC', error: e.timeZone, options: timeZones().map((z) => ({ value: z, label: z })) })}
      <fieldset>
        <legend>First admin</legend>
        ${input({ name: 'adminName', label: 'Name', required: true, value: v('adminName'), error: e.adminName, autocomplete: 'name' })}
        ${input({ name: 'adminEmail', label: 'E-mail', type: 'email', required: true, value: v('adminEmail'), error: e.adminEmail, autocomplete: 'email' })}
      </fieldset>
      <p><button type="submit">Set up the desk</button></p>
    </form>`;
  };

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/setup',
    handler: async (request, reply) => {
      if (await isInitialised(app.db)) return notFoundPage(reply, await viewerOf(deps, request));
      const token = field(request.query, 'token');
      return sendHtml(reply, 200, layout({ title: 'Set up Embargo', viewer: NOBODY, body: setupForm({ setupToken: token }, null) }));
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/setup',
    rateLimitPerMinute: 10,
    handler: async (request, reply) => {
      if (await isInitialised(app.db)) return notFoundPage(reply, NOBODY);
      const b = request.body;
      const values: FormBody = {
        setupToken: field(b, 'setupToken'),
        profile: field(b, 'profile'),
        name: field(b, 'name'),
        timeZone: field(b, 'timeZone'),
        adminName: field(b, 'adminName'),
        adminEmail: field(b, 'adminEmail'),
      };
      // The API route holds the setup token check; the page goes through it so there is one gate.
      const res = await fastify.inject({
        method: 'POST',
        url: '/api/setup',
        payload: {
          setupToken: values.setupToken,
          instance: {
            name: values.name,
            profile: values.profile,
            timeZone: values.timeZone,
            admin: { name: values.adminName, email: values.adminEmail },
          },
        },
      });
      const json = res.json() as {
        enrollmentToken?: string;
        error?: { code: string; message: string; details: { path?: string; message: string }[] };
      };
      if (res.statusCode === 201 && json.enrollmentToken) {
        const link = `${baseUrl(app, request)}/enroll/${encodeURIComponent(json.enrollmentToken)}`;
        return sendHtml(
          reply,
          201,
          layout({
            title: 'The desk is set up',
            viewer: NOBODY,
            body: html`<p>Open this enrollment link to set the admin's password and authenticator. It is shown only now and works for 7 days.</p>
            <p class="secret"><a href="${link}">${link}</a></p>`,
          }),
        );
      }
      const fieldNames: Record<string, string> = {
        setupToken: 'setupToken',
        'instance.name': 'name',
        name: 'name',
        'instance.timeZone': 'timeZone',
        timeZone: 'timeZone',
        'instance.profile': 'profile',
        profile: 'profile',
        'admin.name': 'adminName',
        'admin.email': 'adminEmail',
        'instance.admin.name': 'adminName',
        'instance.admin.email': 'adminEmail',
      };
      const labels: Record<string, string> = {
        name: 'The name of the desk',
        timeZone: 'The time zone',
        profile: 'The profile',
        adminName: "The admin's name",
        adminEmail: "The admin's e-mail",
      };
      const fields: Record<string, string> = {};
      const sentences: string[] = [];
      for (const d of json.error?.details ?? []) {
        const f = fieldNames[d.path ?? ''];
        if (f) {
          fields[f] ??= d.message;
          sentences.push(`${labels[f] ?? f}: ${d.message}.`);
        }
      }
      const message =
        json.error?.code === 'validation_failed' && sentences.length
          ? `Please correct the form: ${sentences.join(' ')}`
          : (json.error?.message ?? 'The desk could not be set up.');
      return sendHtml(
        reply,
        res.statusCode,
        layout({
          title: 'Set up Embargo',
          viewer: NOBODY,
          error: message,
          body: setupForm(values, { status: res.statusCode, code: json.error?.code ?? 'bad_request', message, fields }),
        }),
      );
    },
  });

  // --- Enrollment through the one-time link ---

  const enrollPage = async (
    reply: FastifyReply,
    token: string,
    status: number,
    error: string | null,
    errFields: Record<string, string> = {},
  ) => {
    let e: Awaited<ReturnType<typeof beginEnrollment>>;
    try {
      e = await beginEnrollment(app, token);
    } catch (err) {
      if (err instanceof EmbargoError && err.code === 'not_found') {
        return sendHtml(reply, 404, layout({ title: 'Enrollment link not valid', viewer: NOBODY, error: err.message, body: html`` }));
      }
      throw err;
    }
    const grouped = e.totpSecret.match(/.{1,4}/g)?.join(' ') ?? e.totpSecret;
    return sendHtml(
      reply,
      status,
      layout({
        title: 'Set up your account',
        viewer: NOBODY,
        error,
        body: html`<p>Welcome, <strong>${e.name}</strong> (${e.email}).</p>
        <section aria-labelledby="totp-h">
          <h2 id="totp-h">1. Add Embargo to your authenticator app</h2>
          <p>Enter this secret key into your authenticator app (time-based, 6 digits, 30 seconds):</p>
          <p class="secret"><code id="totp-secret" data-secret="${e.totpSecret}">${grouped}</code></p>
          <p>Or, if your app accepts a setup URI, use:</p>
          <p class="secret"><code id="totp-uri">${e.totpUri}</code></p>
        </section>
        <section aria-labelledby="pw-h">
          <h2 id="pw-h">2. Choose a password and confirm a code</h2>
          <form method="post" action="/enroll/${token}" class="stack">
            <input type="hidden" name="username" value="${e.email}" autocomplete="username">
            ${input({ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 12 characters. A passphrase of several words is good.', error: errFields.password })}
            ${input({ name: 'password2', label: 'The same password again', type: 'password', required: true, autocomplete: 'new-password', error: errFields.password2 })}
            ${input({ name: 'totp', label: 'Code from your authenticator app', required: true, autocomplete: 'one-time-code', error: errFields.totp, attrs: html`inputmode="numeric" pattern="[0-9]{6}" maxlength="6"` })}
            <p><button type="submit">Finish enrollment</button></p>
          </form>
        </section>`,
      }),
    );
  };

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/enroll/:token',
    rateLimitPerMinute: 30,
    handler: async (request, reply) => enrollPage(reply, (request.params as { token: string }).token, 200, null),
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/enroll/:token',
    rateLimitPerMinute: 30,
    handler: async (request, reply) => {
      const { token } = request.params as { token: string };
      const password = field(request.body, 'password');
      if (password !== field(request.body, 'password2')) {
        return enrollPage(reply, token, 400, 'The two passwords differ; type the same password twice.', { password2: 'does not match' });
      }
      try {
        await completeEnrollment(app, { token, password, totp: field(request.body, 'totp').replace(/\s+/g, '') });
      } catch (err) {
        const p = problemOf(err, { password: ['password', 'The password'], totp: ['totp', 'The code'] });
        if (p.status === 404) return enrollPage(reply, token, 404, p.message);
        return enrollPage(reply, token, p.status, p.message, p.fields);
      }
      return seeOther(reply, '/signin?enrolled=1');
    },
  });

  // --- Sign-in: password and a current authenticator code ---

  // The sign-in form carries a random value also set as a cookie (double submit), so another site
  // cannot sign a visitor in to an account of its choosing (login CSRF).
  const signinPage = (
    reply: FastifyReply,
    status: number,
    o: { next: string; email?: string; error?: string | null; flash?: string | null },
  ) => {
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
  };

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/signin',
    handler: async (request, reply) => {
      const next = safeNext(field(request.query, 'next'));
      const viewer = await viewerOf(deps, request);
      if (viewer.principal) return seeOther(reply, next);
      const flash = field(request.query, 'enrolled')
        ? 'You are enrolled. Sign in with your password and a new code.'
        : field(request.query, 'signedout')
          ? 'You are signed out.'
          : null;
      return signinPage(reply, 200, { next, flash });
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/signin',
    rateLimitPerMinute: 20,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const b = request.body;
      const next = safeNext(field(b, 'next'));
      const email = field(b, 'email').slice(0, 320);
      const pre = request.cookies[SIGNIN_COOKIE];
      if (!pre || !csrfEqual(pre, field(b, '_signin'))) {
        return signinPage(reply, 403, { next, email, error: 'The sign-in form expired or came from another site; please sign in again.' });
      }
      try {
        const s = await signIn(app, {
          email,
          password: field(b, 'password').slice(0, 1024),
          totp: field(b, 'totp').replace(/\s+/g, '').slice(0, 10),
        });
        reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, secure: true, sameSite: 'strict', expires: s.expiresAt });
        reply.clearCookie(SIGNIN_COOKIE, { path: '/signin' });
        return seeOther(reply, next);
      } catch (err) {
        const p = problemOf(err);
        return signinPage(reply, p.status, { next, email, error: p.message });
      }
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/signout',
    handler: async (request, reply) => {
      const viewer = await viewerOf(deps, request);
      if (!viewer.principal) return seeOther(reply, '/signin');
      if (!csrfOk(request, viewer.csrfToken)) return csrfRefused(reply, viewer);
      const token = request.cookies[SESSION_COOKIE];
      if (token) await signOut(app, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return seeOther(reply, '/signin?signedout=1');
    },
  });
}

function csrfEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function csrfRefused(reply: FastifyReply, viewer: Viewer): FastifyReply {
  return sendHtml(
    reply,
    403,
    layout({
      title: 'Refused',
      viewer,
      error: 'The form’s security token is missing or wrong, so nothing was changed. Reload the page and try again.',
      body: html`<p><a href="/">Back to the queue</a></p>`,
    }),
  );
}
