import type { FastifyReply } from 'fastify';
import { reauthenticate } from '../app/auth/auth.ts';
import { EmbargoError } from '../domain/errors.ts';
import { sessionTokenOf } from '../http/routes/session.ts';
import { html } from './html.ts';
import { ctxOf, field, formOf, hiddenCsrf, input, layout, pageProblem, sendHtml, viewerOf, type FormBody, type WebDeps } from './common.ts';
import type { PageInput } from './route.ts';

// Step-up in the web UI. A form whose use case answers "reauthentication_required" (the sensitive
// actions of src/domain/access.ts) is answered with this page: the password and authenticator code,
// around the same form as it was sent (its fields hidden), posted to the same address. The page
// door (registerPages) checks the two before the action runs again, so one confirmation does the
// action; the form's own fields are handed on without them.

const PASSWORD = '_stepup_password';
const CODE = '_stepup_totp';

const hasStepUp = (body: unknown): boolean => {
  const f = formOf(body);
  return f[PASSWORD] !== undefined || f[CODE] !== undefined;
};

/** The form's own fields: without the step-up answers and the CSRF token (the page adds its own). */
function formFields(body: unknown): FormBody {
  const values = { ...formOf(body) };
  delete values[PASSWORD];
  delete values[CODE];
  delete values._csrf;
  return values;
}

/** The confirmation page: why it is asked, the two fields, and the refused form's fields to send again. */
export function stepUpPage(i: PageInput, o: { values: FormBody; status: number; message: string; error?: string | null }): FastifyReply {
  const hidden = Object.entries(o.values).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((value) => html`<input type="hidden" name="${name}" value="${value}">`),
  );
  return sendHtml(
    i.reply,
    o.status,
    layout({
      title: 'Confirm it is you',
      viewer: i.viewer,
      error: o.error ?? null,
      body: html`<p class="notice" role="status" id="step-up-reason">${o.message}</p>
      <form method="post" action="${i.request.url}" class="stack narrow" id="step-up">
        ${hiddenCsrf(i.viewer)}${hidden}
        ${input({ name: PASSWORD, label: 'Password', type: 'password', required: true, autocomplete: 'current-password' })}
        ${input({ name: CODE, label: 'Authenticator code', required: true, autocomplete: 'one-time-code', attrs: html`inputmode="numeric" pattern="[0-9]{6}" maxlength="6"` })}
        <p><button type="submit">Confirm and continue</button> <a href="/">Cancel</a></p>
      </form>`,
    }),
  );
}

/**
 * A form post that carries step-up answers: checks them (counted by the sign-in guard) and gives the
 * page input again with the fresh session and the form's own fields, or answers with the page again
 * when they are wrong. A post without them is handed on unchanged.
 */
export async function stepUpFromForm(deps: WebDeps, i: PageInput): Promise<{ input: PageInput } | { reply: FastifyReply }> {
  if (!hasStepUp(i.body)) return { input: i };
  const values = formFields(i.body);
  const message = 'Enter your password and a current authenticator code to confirm.';
  try {
    const token = sessionTokenOf(deps.app, i.request);
    if (!token) throw new EmbargoError('unauthenticated', 'Your session has ended; sign in again.');
    await reauthenticate(
      deps.app,
      token,
      { password: field(i.body, PASSWORD).slice(0, 1024), totp: field(i.body, CODE).replace(/\s+/g, '').slice(0, 10) },
      { ip: i.request.ip },
    );
  } catch (error) {
    const problem = pageProblem(i.request, error);
    return { reply: stepUpPage(i, { values, status: problem.status, message, error: problem.message }) };
  }
  const viewer = await viewerOf(deps, i.request);
  return { input: { ...i, viewer, ctx: ctxOf(deps.app, viewer, i.request), body: values } };
}
