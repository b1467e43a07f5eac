import type { App } from '../app/context.ts';
import { viewerTimeZone as storedZone } from '../app/viewer.ts';
import { zoneOr } from './format.ts';

/** The time zone dates are shown in: the signed-in person's own, else the desk's default. */
export async function viewerTimeZone(app: App, personId: string | null): Promise<string> {
  return zoneOr(await storedZone(app, personId));
}
