import type { FastifyReply } from 'fastify';
import { formOf, notFoundPage, pageProblem, seeOther, type FormBody, type FormProblem } from './common.ts';
import type { PageForm, PageInput } from './route.ts';
import { stepUpPage } from './step-up.ts';

// The one door of every form post: the route's policy has already checked sign-in, the page's
// audience and the CSRF token (registerPages); here the use case runs, and then either the browser
// is redirected with a confirmation code (POST-redirect-GET) or the form is drawn again with what
// was typed and the refusal as a sentence. A server fault is always logged before it is shown, as
// the sentence shown ("it has been logged") promises.

/** Input path → [form field name, label for the sentence]. */
export type Labels = Record<string, [field: string, label: string]>;

/** A refused form: what was typed (without the CSRF token), what was wrong, and the error itself. */
export interface Refused {
  values: FormBody;
  problem: FormProblem;
  error: unknown;
}

export interface FormActionDef<R> {
  labels?: Labels;
  /**
   * 'page' (the default): a "not found" from the use case is the 404 page, so a refusal tells an
   * outsider nothing. 'form': the form again with the sentence (a name typed into the form was not found).
   */
  notFound?: 'page' | 'form';
  run(input: PageInput): Promise<R>;
  /** After success: where to redirect (with a confirmation code), or a page rendered now (a secret shown once). */
  done(result: R, input: PageInput): string | FastifyReply | Promise<FastifyReply>;
  /** The form again, with the refusal; its status is problem.status. */
  refused(input: PageInput, refused: Refused): FastifyReply | Promise<FastifyReply>;
}

export function formAction<R>(def: FormActionDef<R>): (input: PageInput) => Promise<unknown> {
  return async (input) => {
    let result: R;
    try {
      result = await def.run(input);
    } catch (error) {
      const problem = pageProblem(input.request, error, def.labels);
      if (problem.status === 404 && (def.notFound ?? 'page') === 'page') return notFoundPage(input.reply, input.viewer);
      const values = { ...formOf(input.body) };
      delete values._csrf;
      // A sensitive action on a session not verified lately: the password and code, then the same form again.
      if (problem.code === 'reauthentication_required')
        return stepUpPage(input, { values, status: problem.status, message: problem.message });
      return def.refused(input, { values, problem, error });
    }
    const next = def.done(result, input);
    return typeof next === 'string' ? seeOther(input.reply, next) : next;
  };
}

/** A form post route: the URL, the policy and the action. */
export function formPost<R>(o: Omit<PageForm, 'method' | 'action'> & FormActionDef<R>): PageForm {
  const { url, policy, rateLimitPerMinute, signInNext, signedOut, ...action } = o;
  return {
    method: 'POST',
    url,
    policy,
    ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}),
    ...(signInNext ? { signInNext } : {}),
    ...(signedOut ? { signedOut } : {}),
    action,
  };
}

/** The redirect after a success: the page, with the code of its confirmation. */
export const doneAt = (path: string, code: string, hash = ''): string => `${path}?done=${encodeURIComponent(code)}${hash}`;
