import type { Queryable } from '../../store/db.ts';
import { releasePlan } from '../../domain/embargo-timeline.ts';
import { aad, type Ctx } from '../context.ts';
import { agreedEmbargo, embargoInForce } from '../disclosure/agreed-timeline.ts';

// The schedule of an incident's timed releases ("at instant T, release X to audience Y"). It is
// planned from the agreed timeline whenever something it depends on changes (the timeline is
// agreed or revised, the fix becomes ready), replacing what was planned and not yet done; an ended
// embargo cancels the rest and plans one release, now, that tells every tier. The scheduler job
// (run.ts) does each release once, at its instant, whoever presses nothing.

export interface ReleaseView {
  id: string;
  kind: string;
  tier: string | null;
  dueAt: string;
  state: 'scheduled' | 'done' | 'cancelled';
  doneAt: string | null;
  outcome: string | null;
  lastError: string | null;
}

const PLANNED_KINDS = "('tier_notice', 'fix_public')";

async function insertRelease(
  tx: Queryable,
  r: { incidentId: string; kind: string; tier: string | null; advisoryId?: string | null; dueAt: Date; now: Date },
): Promise<string> {
  const id = crypto.randomUUID();
  await tx.query(
    'INSERT INTO timed_releases (id, incident_id, kind, tier, advisory_id, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [id, r.incidentId, r.kind, r.tier, r.advisoryId ?? null, r.dueAt, r.now],
  );
  return id;
}

/**
 * Plans the incident's releases anew from its agreed timeline (nothing while no embargo is in force).
 * A publication scheduled before a later agreed public instant waits for it (with its CVE records and
 * the reporter's notice): the ids of the advisories moved are returned, for the team to be told.
 */
export async function planReleases(tx: Queryable, incidentId: string, now: Date): Promise<string[]> {
  await tx.query(
    `UPDATE timed_releases SET state = 'cancelled' WHERE incident_id = $1 AND state = 'scheduled' AND kind IN ${PLANNED_KINDS}`,
    [incidentId],
  );
  const embargo = await agreedEmbargo(tx, incidentId);
  const t = embargo.agreed;
  if (!embargoInForce(embargo) || !t) return [];
  const fix = await tx.query<{ ready_at: Date | null; published_at: Date | null }>(
    'SELECT ready_at, published_at FROM incident_fixes WHERE incident_id = $1',
    [incidentId],
  );
  const told = await tx.query<{ tier: string }>('SELECT tier FROM tier_releases WHERE incident_id = $1', [incidentId]);
  const plan = releasePlan(
    { tiers: t.tiers.map((x) => ({ tier: x.tier, endsAt: new Date(x.endsAt) })), publicAt: t.publicAt },
    fix.rows[0]?.ready_at ? new Date(fix.rows[0].ready_at) : null,
    { tiers: new Set(told.rows.map((r) => r.tier)), fixPublic: Boolean(fix.rows[0]?.published_at) },
  );
  for (const p of plan) await insertRelease(tx, { incidentId, kind: p.kind, tier: p.tier, dueAt: p.dueAt, now });
  const moved = await tx.query<{ id: string; public_id: string }>(
    `UPDATE advisories SET publish_at = $2, updated_at = $3
      WHERE incident_id = $1 AND state = 'published' AND publish_at > $3 AND publish_at < $2 RETURNING id, public_id`,
    [incidentId, t.publicAt, now],
  );
  if (moved.rows.length)
    await tx.query(
      `UPDATE timed_releases SET due_at = $2 WHERE advisory_id = ANY($1::uuid[]) AND state = 'scheduled' AND kind IN ('reporter_disclosure', 'cve_records')`,
      [moved.rows.map((r) => r.id), t.publicAt],
    );
  return moved.rows.map((r) => r.public_id);
}

/** The embargo ended early: nothing more goes on the old schedule, and every tier is told at once. */
export async function endReleases(ctx: Ctx, tx: Queryable, incidentId: string, now: Date, reason: string): Promise<void> {
  await tx.query(
    `UPDATE timed_releases SET state = 'cancelled' WHERE incident_id = $1 AND state = 'scheduled' AND kind IN ${PLANNED_KINDS}`,
    [incidentId],
  );
  const id = await insertRelease(tx, { incidentId, kind: 'embargo_ended', tier: null, dueAt: now, now });
  await tx.query('UPDATE timed_releases SET note_sealed = $2 WHERE id = $1', [
    id,
    ctx.app.sealer.seal(reason, aad('timed_releases', 'note', id)),
  ]);
}

/** The reporter is told of the publication at its instant, not when it is scheduled. */
export async function scheduleReporterDisclosure(
  tx: Queryable,
  incidentId: string,
  advisoryId: string,
  at: Date,
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE timed_releases SET state = 'cancelled' WHERE advisory_id = $1 AND state = 'scheduled' AND kind = 'reporter_disclosure'`,
    [advisoryId],
  );
  await insertRelease(tx, { incidentId, kind: 'reporter_disclosure', tier: null, advisoryId, dueAt: at, now });
}

/**
 * The advisory's CVE records go to the CNA at its public instant (a CNA account is set up and the
 * advisory has CVE ids); a publication rescheduled replaces it.
 */
export async function scheduleCveRecords(tx: Queryable, incidentId: string, advisoryId: string, at: Date, now: Date): Promise<void> {
  await tx.query(`UPDATE timed_releases SET state = 'cancelled' WHERE advisory_id = $1 AND state = 'scheduled' AND kind = 'cve_records'`, [
    advisoryId,
  ]);
  await insertRelease(tx, { incidentId, kind: 'cve_records', tier: null, advisoryId, dueAt: at, now });
}

/** The incident's releases, planned and done, for the case page. */
export async function releasesOf(tx: Queryable, incidentId: string): Promise<ReleaseView[]> {
  const r = await tx.query<{
    id: string;
    kind: string;
    tier: string | null;
    due_at: Date;
    state: ReleaseView['state'];
    done_at: Date | null;
    outcome: string | null;
    last_error: string | null;
  }>(
    `SELECT id, kind, tier, due_at, state, done_at, outcome, last_error FROM timed_releases
      WHERE incident_id = $1 AND state <> 'cancelled' ORDER BY due_at, created_at`,
    [incidentId],
  );
  return r.rows.map((x) => ({
    id: x.id,
    kind: x.kind,
    tier: x.tier,
    dueAt: new Date(x.due_at).toISOString(),
    state: x.state,
    doneAt: x.done_at ? new Date(x.done_at).toISOString() : null,
    outcome: x.outcome,
    lastError: x.last_error,
  }));
}
