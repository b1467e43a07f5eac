import { createApp } from '../app/bootstrap.ts';
import type { App, Ctx } from '../app/context.ts';
import { principalByEmail } from '../app/auth/auth.ts';
import { deskUrl, loadConfig, type Config } from '../config.ts';
import { withDeskAddress } from '../app/admin/desk-address.ts';
import { EmbargoError } from '../domain/errors.ts';
import { DataDirLockedError } from '../store/open.ts';
import { UsageError } from './args.ts';

// A command of the `embargo` CLI is data: its name, its help, whether it opens the desk's database,
// and the function that runs it. The command table (commands.ts) lists them; `embargo`, `embargo
// --help` and `embargo help COMMAND` all read that table.

export type Out = { write(s: string): unknown };

export interface Io {
  out: Out;
  err: Out;
}

export interface Command {
  /** The words that name it, a group and a sub-command ("incident show") or one word ("cvss"). */
  name: string;
  /** Its line in `embargo --help`; a command without one is named on a sibling's line. */
  summary?: string;
  /** The name its `embargo --help` line shows, when that is not its own ("process check"). */
  listedAs?: string;
  /** The text `embargo COMMAND --help` and `embargo help COMMAND` print. */
  help: string;
  /** Whether it opens the desk's database: always, never, or only for an id on the desk (not for a file). */
  opensDatabase: 'always' | 'never' | 'for an id';
  /**
   * The command reads --help and reports usage errors itself (with its own exit codes); otherwise the
   * table prints its help and turns a UsageError into its help and exit status 2.
   */
  ownUsage?: boolean;
  /** Runs it with the words after its name; returns the exit status. */
  run(args: string[], io: Io): Promise<number>;
}

/** Apps whose address is the local default: neither a public URL nor a server's record says where the desk is. */
const guessedAddress = new WeakSet<App>();

/**
 * The URL of a page of the desk, for the links commands print: the public URL, else the address the
 * desk's server recorded at its last start (see withApp). When neither exists the link is the local
 * default, and the operator is told so once, on standard error.
 */
export function link(app: App, path: string, err: Out): string {
  if (guessedAddress.has(app)) {
    guessedAddress.delete(app);
    err.write(
      `Note: no public URL is configured (EMBARGO_PUBLIC_URL) and \`embargo serve\` has not run on this desk yet, so the link assumes ${deskUrl(app.config)}.\n`,
    );
  }
  return `${deskUrl(app.config)}${path}`;
}

/** The command this process runs, as the embedded database's lock names it to anyone refused meanwhile. */
let running = 'an embargo command';
export const setRunningCommand = (name: string) => {
  running = `embargo ${name}`;
};

/**
 * Opens the desk (config from the environment, database, instance key) for one command. The embedded
 * database is refused (DataDirLockedError) while another process holds it: see deskHeld.
 */
export const openDesk = (config: Config = loadConfig()): Promise<App> => createApp(config, { owner: running });

/**
 * Opens the desk for one command and closes it after. Without a public URL in this shell's config,
 * the app takes the address the server recorded, so links and Message-IDs made here agree with the
 * server's.
 */
export async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const opened = await openDesk();
  try {
    const { app, known } = await withDeskAddress(opened);
    if (!known) guessedAddress.add(app);
    return await fn(app);
  } finally {
    await opened.db.close();
  }
}

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

/** Administrative commands act as the shell operator. */
export const system = (app: App): Ctx => ({ app, principal: { kind: 'system', label: 'cli' } });

/** Case commands act as a named person (--as EMAIL), so access rules and the audit log apply to them as to anyone. */
export async function asPerson(app: App, email: string | undefined): Promise<Ctx> {
  if (!email) throw new UsageError('--as EMAIL is required: case commands act as a person, with their access.');
  const principal = await principalByEmail(app.db, email);
  if (!principal) throw new EmbargoError('not_found', `No active person with the address ${email}.`);
  return { app, principal };
}

/** One line of someone else's text for a terminal: no control characters, at most 100 characters. */
export const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 100);
