import { toCveRequest } from '../../formats/cve-request.ts';
import type { Ctx } from '../context.ts';
import { readVersion } from '../advisories/advisories.ts';
import { teamAdvisory } from './cna.ts';

// The ready-to-paste CVE request of an advisory, from its latest version (a request is usually made
// while the advisory is still a draft), for the teams that handle its incident.

export async function cveRequestText(ctx: Ctx, advisoryRef: string): Promise<string> {
  return ctx.app.db.transaction(async (tx) => {
    const row = await teamAdvisory(ctx, tx, advisoryRef);
    return toCveRequest((await readVersion(ctx, tx, row.id, row.head_version)).document);
  });
}
