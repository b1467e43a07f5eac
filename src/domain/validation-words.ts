import type { ZodError } from 'zod';
import type { ErrorDetail } from './errors.ts';

// A refused input's problems in words a person can act on, in one place for every door: the API's
// error body, the pages' field messages and the command line. Zod's own messages ("Too small:
// expected string to have >=2 characters") are written for programmers; a message a schema sets
// itself ("must be a lower-case slug like "tf-a"") is already meant for people and is kept.

type Issue = ZodError['issues'][number];

const ZOD_DEFAULT_MESSAGE = /^(Too small|Too big|Invalid|Expected|Required|Unrecognized key)/;

const list = (xs: unknown[]) => {
  const words = xs.map((x) => (typeof x === 'string' ? `"${x}"` : String(x)));
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
};

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of fields',
  date: 'a date',
};

/** One issue as the end of a sentence whose subject is the field: "must be at least 2 characters". */
export function issueInWords(issue: Issue): string {
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  const i = issue as unknown as Record<string, unknown>;
  const n = (k: string) => Number(i[k]);
  switch (issue.code) {
    case 'too_small':
      if (i.origin === 'string') return n('minimum') <= 1 ? 'is required' : `must be at least ${n('minimum')} characters`;
      if (i.origin === 'array' || i.origin === 'set') return n('minimum') <= 1 ? 'needs at least one' : `needs at least ${n('minimum')}`;
      return i.inclusive === false ? `must be more than ${String(i.minimum)}` : `must be at least ${String(i.minimum)}`;
    case 'too_big':
      if (i.origin === 'string') return `must be at most ${n('maximum')} characters`;
      if (i.origin === 'array' || i.origin === 'set') return `may have at most ${n('maximum')}`;
      return i.inclusive === false ? `must be less than ${String(i.maximum)}` : `must be at most ${String(i.maximum)}`;
    case 'invalid_format':
      if (i.format === 'email') return 'is not an e-mail address (like name@example.org)';
      if (i.format === 'url') return 'is not a link (like https://example.org/...)';
      if (i.format === 'datetime') return 'is not a date and time (like 2026-12-01T09:00:00Z)';
      if (i.format === 'date') return 'is not a date (like 2026-12-01)';
      if (i.format === 'uuid') return 'is not a valid id';
      return 'is not in the expected format';
    case 'invalid_value':
      return Array.isArray(i.values) && i.values.length ? `must be one of ${list(i.values)}` : 'is not an allowed value';
    case 'invalid_type':
      // Zod keeps no input on the issue: its message says what was received.
      if (/received (undefined|null)$/.test(issue.message)) return 'is required';
      return typeof i.expected === 'string' && KIND[i.expected] ? `must be ${KIND[i.expected]}` : 'has the wrong kind of value';
    case 'unrecognized_keys':
      return Array.isArray(i.keys)
        ? `has fields that are not taken here: ${(i.keys as unknown[]).map(String).join(', ')}`
        : 'has fields that are not taken here';
    case 'not_multiple_of':
      return `must be a multiple of ${String(i.divisor)}`;
    default:
      return 'is not valid';
  }
}

/** A Zod error's issues as the API's error details, each with its path and its words. */
export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: issueInWords(i) }));
}

/** The whole refusal as one sentence: "The input is not valid: admin.email is not an e-mail address (...)." */
export function zodSentence(error: ZodError): string {
  const parts = [...new Set(zodDetails(error).map((d) => (d.path ? `${d.path} ${d.message}` : d.message)))];
  return `The input is not valid: ${parts.join('; ')}.`;
}
