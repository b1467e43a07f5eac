import { formOf, type FormBody, type FormProblem } from './common.ts';

// A page with several forms draws the one that failed with what was typed and its messages; the
// others stay empty. `form` names the form that failed.

export interface FailedForm {
  form: string;
  values: FormBody;
  problem: FormProblem;
}

/** What was typed into the failed form's field, else the fallback. */
export function typed(f: FailedForm | null, form: string, name: string, fallback = ''): string {
  if (!f || f.form !== form) return fallback;
  const x = formOf(f.values)[name];
  return typeof x === 'string' ? x : fallback;
}

/** The failed form's message for one field. */
export const fieldError = (f: FailedForm | null, form: string, name: string): string | undefined =>
  f && f.form === form ? f.problem.fields[name] : undefined;
