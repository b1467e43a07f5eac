import type { App } from '../app/context.ts';
import { zoneOr } from './format.ts';

/**
 * The time zone dates are shown in: the signed-in person's own, else the desk's default. A read
 * only (no use case exposes it yet); it reveals nothing the person does not already know.
 */
export async function viewerTimeZone(app: App, personId: string | null): Promise<string> {
  const r = await app.db.query<{ tz: string | null }>(
    `SELECT COALESCE((SELECT time_zone FROM people WHERE id = $1), (SELECT default_time_zone FROM instance WHERE id = 1)) AS tz`,
    [personId],
  );
  return zoneOr(r.rows[0]?.tz);
}
