import { ZodError } from 'zod';
import { EmbargoError, httpStatusOf, type ErrorCode } from '../domain/errors.ts';
import { zodDetails, zodSentence } from '../domain/validation-words.ts';

// The one shape every error takes for whoever reads it: the API's JSON { error: { code, message,
// details } } and its status (src/http/server.ts), and the command line's message and exit status
// (src/cli/failure.ts). Kept apart from the server so the command line reads it without loading
// Fastify and every route.

/** What an error is, as the API answers it. Anything not recognised is "internal" (status 500). */
export function toErrorBody(error: unknown): {
  status: number;
  code: ErrorCode;
  message: string;
  details: { path?: string; message: string }[];
} {
  if (error instanceof EmbargoError)
    return { status: httpStatusOf[error.code], code: error.code, message: error.message, details: error.details };
  if (error instanceof ZodError) {
    return {
      status: 400,
      code: 'validation_failed',
      message: zodSentence(error),
      details: zodDetails(error),
    };
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, code: 'payload_too_large', message: 'The request body is too large.', details: [] };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { status: 415 as number, code: 'bad_request', message: 'Send JSON (application/json) or a form.', details: [] };
  if (e.statusCode === 429)
    return { status: 429, code: 'rate_limited', message: 'Too many requests; wait a minute and try again.', details: [] };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, code: 'bad_request', message: e.message ?? 'Bad request.', details: [] };
  }
  return { status: 500, code: 'internal', message: 'Something went wrong on the server; it has been logged.', details: [] };
}
