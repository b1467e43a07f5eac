import type { FastifyReply } from 'fastify';
import type { App } from '../../app/context.ts';
import { beginEnrollment, completeEnrollment } from '../../app/auth/auth.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { html } from '../html.ts';
import { field, FormRefusal, input, layout, sendHtml, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages } from '../route.ts';
import { qrSvg } from '../qr-svg.ts';

// Enrollment through the one-time link an admin sent: the authenticator secret, then a password and
// a first code. The link itself is the credential; no session is involved.

const NOBODY: Viewer = { principal: null, csrfToken: null };

async function enrollPage(
  app: App,
  reply: FastifyReply,
  token: string,
  status: number,
  error: string | null,
  errFields: Record<string, string> = {},
) {
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
          <p>Scan this code with your authenticator app (any app for time-based codes: 6 digits, 30 seconds):</p>
          <figure class="totp-qr">${qrSvg(e.totpUri, { id: 'totp-qr', title: `Authenticator setup code for ${e.email}` })}</figure>
          <p>No camera? Enter this secret key into the app instead:</p>
          <p class="secret"><code id="totp-secret" data-secret="${e.totpSecret}">${grouped}</code></p>
          <p>Or, if your app accepts a setup URI, use:</p>
          <p class="secret"><code id="totp-uri">${e.totpUri}</code></p>
          <p class="hint">Keep this page to yourself: the code and the key are your second factor. Once you finish enrollment they are not shown again.</p>
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
}

export const enrollPages = definePages([
  {
    method: 'GET',
    url: '/enroll/:token',
    policy: 'public',
    rateLimitPerMinute: () => 30,
    handler: async ({ app, params, reply }) => enrollPage(app, reply, params.token!, 200, null),
  },
  formPost({
    url: '/enroll/:token',
    policy: 'public',
    rateLimitPerMinute: () => 30,
    labels: { password: ['password', 'The password'], totp: ['totp', 'The code'] },
    // An unknown or used link is shown on the enrollment page itself, with its sentence.
    notFound: 'form',
    run: async ({ app, params, body, request }) => {
      const password = field(body, 'password');
      if (password !== field(body, 'password2')) {
        throw new FormRefusal({
          status: 400,
          code: 'validation_failed',
          message: 'The two passwords differ; type the same password twice.',
          fields: { password2: 'does not match' },
        });
      }
      await completeEnrollment(app, { token: params.token!, password, totp: field(body, 'totp').replace(/\s+/g, '') }, { ip: request.ip });
    },
    done: () => '/signin?enrolled=1',
    refused: async ({ app, params, reply }, { problem }) =>
      enrollPage(app, reply, params.token!, problem.status, problem.message, problem.status === 404 ? {} : problem.fields),
  }),
]);
