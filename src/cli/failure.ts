import { ConfigError } from '../config.ts';
import { toErrorBody } from '../http/error-body.ts';
import { DataDirLockedError } from '../store/open.ts';
import type { Out } from './command.ts';

// A command's failure in words, and its exit status. main.ts loads this module only when a command
// has failed (a usage error excepted): what it reads (the config's errors, the embedded database's
// lock, the API's error shapes) is then mostly loaded already, and no cost of a command that succeeds.

/** EX_TEMPFAIL (sysexits.h): not done now, may be retried; an MTA keeps the message and tries again. */
export const EXIT_DESK_HELD = 75;

/**
 * The refusal of a command whose embedded database another process holds (a running \`embargo serve\`,
 * or another command): what holds it, that nothing was done, and what to do instead. Null for any other
 * error.
 */
export function deskHeld(e: unknown, command: string): string | null {
  if (!(e instanceof DataDirLockedError)) return null;
  return (
    `embargo ${command}: ${e.message}\n` +
    'Nothing was done: the embedded database (PGlite) can be opened by one process at a time, and a second one would lose changes.\n' +
    (e.holder
      ? 'Stop that process (or let it finish) and run this again; while the desk runs, do this in its web UI or API instead; ' +
        'or run the desk and the command line on PostgreSQL (DATABASE_URL), which several processes share.\n'
      : '')
  );
}

/**
 * What a command that threw prints on standard error, and its exit status: 2 for a config error, 75
 * when another process holds the desk, 1 otherwise (with the stack of an internal error).
 */
export function failure(e: unknown, command: string, err: Out): number {
  if (e instanceof ConfigError) {
    err.write(`${e.message}\n`);
    return 2;
  }
  const held = deskHeld(e, command);
  if (held) {
    err.write(held);
    return EXIT_DESK_HELD;
  }
  const body = toErrorBody(e);
  if (body.code === 'internal') err.write(`embargo: ${(e as Error).stack ?? e}\n`);
  else err.write(`embargo: ${body.message}\n${body.details.map((d) => `  ${d.path ? `${d.path}: ` : ''}${d.message}\n`).join('')}`);
  return 1;
}
