import { deskUrl } from '../../config.ts';
import type { Queryable } from '../../store/db.ts';
import type { App } from '../context.ts';

// Where the desk is, for links made outside the server. `embargo serve` records the address it runs
// at (the configured public URL, else the address it listens on) at every start; a command run from
// a shell takes it when its own environment names no public URL, so an enrollment link printed by
// `embargo user add` points where the server is, not to the default port the shell assumes.

/** Records the address the server runs at (called by `embargo serve` once it listens). */
export async function recordDeskAddress(app: App, url: string): Promise<void> {
  const clean = new URL(url).toString().replace(/\/+$/, '');
  await app.db.query(
    `INSERT INTO desk_address (id, url, recorded_at) VALUES (1, $1, $2)
     ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, recorded_at = EXCLUDED.recorded_at`,
    [clean, app.clock()],
  );
}

/** The address the server recorded when it last started, or null if it never ran on this database. */
export async function recordedDeskAddress(db: Queryable): Promise<string | null> {
  const r = await db.query<{ url: string }>('SELECT url FROM desk_address WHERE id = 1');
  return r.rows[0]?.url ?? null;
}

/**
 * The app with the desk's own address: its config's public URL when one is set, else the one the
 * server recorded (as the public URL, so that every link and Message-ID made in this process agrees
 * with the server's). `known` is false when neither exists and links fall back to the local default.
 */
export async function withDeskAddress(app: App): Promise<{ app: App; known: boolean }> {
  if (app.config.publicUrl) return { app, known: true };
  const recorded = await recordedDeskAddress(app.db);
  if (!recorded) return { app, known: false };
  return { app: { ...app, config: Object.freeze({ ...app.config, publicUrl: recorded }) }, known: true };
}

/** The URL of a page of the desk, from the app's (resolved) address. */
export const pageUrl = (app: App, path: string): string => `${deskUrl(app.config)}${path}`;
