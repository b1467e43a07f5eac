import type { App } from './context.ts';

/**
 * The time zone a person's pages show dates in: their own, else the desk's default. It reveals
 * nothing the person does not already know, so it needs no use-case authorisation.
 */
export async function viewerTimeZone(app: App, personId: string | null): Promise<string | null> {
  const r = await app.db.query<{ tz: string | null }>(
    `SELECT COALESCE((SELECT time_zone FROM people WHERE id = $1), (SELECT default_time_zone FROM instance WHERE id = 1)) AS tz`,
    [personId],
  );
  return r.rows[0]?.tz ?? null;
}
