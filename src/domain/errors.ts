// Typed errors with stable codes. Every door (HTTP, CLI, web) maps these to one error shape;
// the code is the contract, the message is for the person reading it.

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthenticated'
  /** Signed in, but the action needs the password and authenticator code entered again (step-up). */
  | 'reauthentication_required'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'illegal_transition'
  | 'rate_limited'
  | 'payload_too_large'
  | 'leak_blocked'
  | 'profile_invalid'
  | 'cve_pool_empty'
  | 'upstream_failed'
  | 'internal';

export interface ErrorDetail {
  path?: string;
  message: string;
}

export class EmbargoError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'EmbargoError';
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends EmbargoError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('validation_failed', message, details);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends EmbargoError {
  constructor(what = 'resource') {
    super('not_found', `No such ${what}, or you may not see it.`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends EmbargoError {
  constructor(message = 'You may not do this.') {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends EmbargoError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'ConflictError';
  }
}

/** A state machine refused a move: carries the machine, the state it is in and the state asked for. */
export class IllegalTransitionError extends EmbargoError {
  readonly machine: string;
  readonly from: string;
  readonly to: string;
  constructor(machine: string, from: string, to: string, why?: string) {
    super('illegal_transition', `${machine}: cannot go from ${from} to ${to}${why ? ` (${why})` : ''}.`);
    this.name = 'IllegalTransitionError';
    this.machine = machine;
    this.from = from;
    this.to = to;
  }
}

export const httpStatusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  reauthentication_required: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  rate_limited: 429,
  payload_too_large: 413,
  leak_blocked: 422,
  profile_invalid: 422,
  // No free CVE id in the team's pool: add a reserved block or reserve ids through the CNA account.
  cve_pool_empty: 409,
  // A service outside the desk (the CVE Services API) refused or failed; the message says which and why.
  upstream_failed: 502,
  internal: 500,
};
