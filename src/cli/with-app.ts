import { createApp } from '../app/bootstrap.ts';
import type { App, Ctx } from '../app/context.ts';
import { principalByEmail } from '../app/auth/auth.ts';
import { deskUrl, loadConfig, type Config } from '../config.ts';
import { withDeskAddress } from '../app/admin/desk-address.ts';
import { EmbargoError } from '../domain/errors.ts';
import { UsageError } from './args.ts';
import { runningCommand, type Out } from './command.ts';

// The desk as a command opens it: config from the environment, database, instance key. Only the
// commands that act on the desk import this module (and with it the store and the use cases).

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

/**
 * Opens the desk (config from the environment, database, instance key) for one command. The embedded
 * database is refused (DataDirLockedError) while another process holds it: see deskHeld.
 */
export const openDesk = (config: Config = loadConfig()): Promise<App> => createApp(config, { owner: runningCommand() });

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

/** Administrative commands act as the shell operator. */
export const system = (app: App): Ctx => ({ app, principal: { kind: 'system', label: 'cli' } });

/** Case commands act as a named person (--as EMAIL), so access rules and the audit log apply to them as to anyone. */
export async function asPerson(app: App, email: string | undefined): Promise<Ctx> {
  if (!email) throw new UsageError('--as EMAIL is required: case commands act as a person, with their access.');
  const principal = await principalByEmail(app.db, email);
  if (!principal) throw new EmbargoError('not_found', `No active person with the address ${email}.`);
  return { app, principal };
}
