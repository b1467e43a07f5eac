import type { App, Ctx } from '../context.ts';
import { audit } from '../context.ts';
import { publicAtSql } from '../../domain/publication.ts';
import { emit } from '../events.ts';
import { setCaseFlags } from '../disclosure/case-state.ts';
import { enterPostDisclosure } from '../disclosure/after-disclosure.ts';

// Publication is scheduled: an advisory becomes public at its instant with nobody acting. This pass,
// run by a job, emits what that instant means for the incident, exactly once per advisory however many
// servers run it: advisory_published, and fix_published unless the fix's own timed release made it
// public earlier (the advisory makes its fix public at the latest). The case becomes public aware and its fix
// ready (Vultron P and F), which ends any embargo and lets the dashboard measure time to fix and to
// disclose. The events happen at the publication instant, not when the pass runs.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'publication' };
const BATCH = 100;

export interface PublicationPassResult {
  emitted: number;
  /** A full batch was handled without failures: more may be due at once. */
  more: boolean;
  failures: { advisoryId: string; message: string }[];
}

export async function emitPublicationEvents(app: App, now: Date): Promise<PublicationPassResult> {
  const result: PublicationPassResult = { emitted: 0, more: false, failures: [] };
  const due = await app.db.query<{ id: string }>(
    `SELECT a.id FROM advisories a WHERE a.publication_emitted_at IS NULL AND ${publicAtSql('a', '$1')} ORDER BY a.publish_at LIMIT ${BATCH}`,
    [now],
  );
  const ctx: Ctx = { app, principal: SYSTEM };
  for (const { id } of due.rows) {
    try {
      if (await emitFor(ctx, id, now)) result.emitted++;
    } catch (e) {
      result.failures.push({ advisoryId: id, message: e instanceof Error ? e.message : String(e) });
    }
  }
  result.more = due.rows.length === BATCH && result.failures.length === 0;
  return result;
}

/** Claims the advisory's publication (the conditional update) and emits its events; false: another pass did. */
async function emitFor(ctx: Ctx, advisoryId: string, now: Date): Promise<boolean> {
  return ctx.app.db.transaction(async (tx) => {
    const won = await tx.query<{ publish_at: Date; incident_id: string | null; public_id: string }>(
      `UPDATE advisories a SET publication_emitted_at = $2
        WHERE a.id = $1 AND a.publication_emitted_at IS NULL AND ${publicAtSql('a', '$2')}
        RETURNING a.publish_at, a.incident_id, a.public_id`,
      [advisoryId, now],
    );
    const row = won.rows[0];
    if (!row) return false;
    const at = new Date(row.publish_at);
    const of = row.incident_id
      ? await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE id = $1', [row.incident_id])
      : null;
    const reportId = of?.rows[0]?.report_id;
    if (row.incident_id && reportId) {
      const incident = { incidentId: row.incident_id, reportId };
      // The vendor knows (it published); the fix is ready and, with the advisory, public.
      await setCaseFlags(ctx, tx, incident, ['vendorAware', 'fixReady', 'publicAware'], at, `advisory ${row.public_id} published`);
      await emit(ctx, tx, 'advisory_published', { ...incident, at });
      // The fix is public with the advisory at the latest; a timed release may have made it so before.
      const fix = await tx.query(
        `INSERT INTO incident_fixes (incident_id, updated_at, published_at) VALUES ($1, $2, $2)
         ON CONFLICT (incident_id) DO UPDATE SET published_at = EXCLUDED.published_at WHERE incident_fixes.published_at IS NULL`,
        [row.incident_id, at],
      );
      if (fix.rowCount === 1) await emit(ctx, tx, 'fix_published', { ...incident, at });
      // Disclosed: the incident is in post-disclosure, where the team monitors the fix (Tock §6).
      await enterPostDisclosure(ctx, tx, incident, at, `advisory ${row.public_id} published`);
    }
    await audit(ctx, tx, now, {
      action: 'advisory.published',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { publishAt: at.toISOString(), events: row.incident_id ? ['advisory_published', 'fix_published'] : [] },
    });
    return true;
  });
}
