import { EmbargoError } from '../domain/errors.ts';
import type { Out } from './command.ts';

// How the format commands (cvss, advisory export) print what went wrong, with their exit statuses.

/** A usage error: the message, then the command's usage; exit status 2. */
export function usage(err: Out, text: string, message: string): number {
  err.write(`error: ${message}\n\n${text}`);
  return 2;
}

/** An EmbargoError as the commands print it (its message, then one line per detail), exit status 1;
 * anything else is a fault and is thrown on. */
export function printError(err: Out, e: unknown): number {
  if (e instanceof EmbargoError) {
    err.write(`error: ${e.message}\n`);
    for (const d of e.details) err.write(`  ${d.path ? `${d.path}: ` : ''}${d.message}\n`);
    return 1;
  }
  throw e;
}
