import { toCveRequest } from '../../formats/cve-request.ts';
import type { Ctx } from '../context.ts';
import { readVersion } from '../advisories/advisories.ts';
import { teamAdvisory } from './cna.ts';
import { assertPublishable } from '../advisories/leak-check.ts';
import { loadCase } from '../cases/case.ts';

// The ready-to-paste CVE request of an advisory, from its latest version (a request is usually made
// while the advisory is still a draft), for the teams that handle its incident. The text goes to the
// CNA, outside the security teams: it is refused while the draft carries a sensitive value, as a
// publication would be.

export async function cveRequestText(ctx: Ctx, advisoryRef: string): Promise<string> {
  return ctx.app.db.transaction(async (tx) => {
    const row = await teamAdvisory(ctx, tx, advisoryRef);
    const head = await readVersion(ctx, tx, row.id, row.head_version);
    const inc = await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE id = $1', [row.incident_id]);
    const c = inc.rows[0] ? await loadCase(tx, inc.rows[0].report_id) : null;
    if (c) {
      await assertPublishable(
        ctx,
        tx,
        c,
        head.document,
        head.reporterCredit,
        ctx.app.clock().toISOString(),
        'The CVE request cannot be made',
      );
    }
    return toCveRequest(head.document);
  });
}
