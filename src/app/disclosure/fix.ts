import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { aad, actorId, audit, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import type { LoadedCase } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { emit } from '../events.ts';
import { planReleases } from '../releases/plan.ts';
import { markFixShared, updateToldTiers } from '../stakeholders/notify.ts';
import { setCaseFlags } from './case-state.ts';

// The fix record of an incident: what the fix is made of as it grows (patches, the private branch or
// pull request, fixed versions, review and test status, release notes), each item marked done when
// it is; "fix ready" (the Vultron F flag and the profile's fix_ready event); and the export-control
// hold (TF P6: "unless the project is not allowed to distribute the fix due to export control
// restrictions") under which nobody outside the security teams is shown or sent any of it.

export const FIX_ITEM_KINDS = ['patch', 'branch', 'pull-request', 'fixed-version', 'review', 'test', 'release-notes', 'note'] as const;

export const FixItemInput = z.strictObject({
  kind: z.enum(FIX_ITEM_KINDS),
  /** A link to the patch, branch or pull request; a version; a status; the release notes. */
  text: z.string().trim().min(1).max(20_000),
});

export const ExportControlInput = z.strictObject({
  controlled: z.boolean(),
  /** Why (which rule applies): shown to the security teams. */
  note: z.string().trim().max(2000).optional(),
});

export interface FixView {
  exportControlled: boolean;
  exportNote: string | null;
  readyAt: string | null;
  items: { id: string; kind: (typeof FIX_ITEM_KINDS)[number]; text: string; done: boolean; at: string }[];
}

async function ensureFix(tx: Queryable, incidentId: string, now: Date): Promise<void> {
  await tx.query('INSERT INTO incident_fixes (incident_id, updated_at) VALUES ($1, $2) ON CONFLICT (incident_id) DO NOTHING', [
    incidentId,
    now,
  ]);
}

function incidentOf(c: LoadedCase): string {
  if (!c.row.incidentId) throw new ConflictError('A fix belongs to an incident: accept the report first.');
  return c.row.incidentId;
}

/** The fix record as the case page shows it, for the security teams; null before there is an incident. */
export async function fixOf(ctx: Ctx, tx: Queryable, c: LoadedCase): Promise<FixView | null> {
  if (!c.row.incidentId) return null;
  const f = await tx.query<{ export_controlled: boolean; export_note_sealed: string | null; ready_at: Date | null }>(
    'SELECT export_controlled, export_note_sealed, ready_at FROM incident_fixes WHERE incident_id = $1',
    [c.row.incidentId],
  );
  const items = await tx.query<{
    id: string;
    kind: FixView['items'][number]['kind'];
    text_sealed: string;
    done_at: Date | null;
    created_at: Date;
  }>('SELECT id, kind, text_sealed, done_at, created_at FROM fix_items WHERE incident_id = $1 ORDER BY seq', [c.row.incidentId]);
  const row = f.rows[0];
  return {
    exportControlled: row?.export_controlled ?? false,
    exportNote: row?.export_note_sealed
      ? ctx.app.sealer.open(row.export_note_sealed, aad('incident_fixes', 'export_note', c.row.incidentId))
      : null,
    readyAt: row?.ready_at ? new Date(row.ready_at).toISOString() : null,
    items: items.rows.map((i) => ({
      id: i.id,
      kind: i.kind,
      text: ctx.app.sealer.open(i.text_sealed, aad('fix_items', 'text', i.id)),
      done: i.done_at !== null,
      at: new Date(i.created_at).toISOString(),
    })),
  };
}

/** Whether the incident's fix may reach anyone outside the security teams (no export-control hold). */
export async function fixMayLeaveTheTeams(tx: Queryable, incidentId: string): Promise<boolean> {
  const r = await tx.query<{ export_controlled: boolean }>('SELECT export_controlled FROM incident_fixes WHERE incident_id = $1', [
    incidentId,
  ]);
  return !(r.rows[0]?.export_controlled ?? false);
}

/** Adds an item to the fix record. */
export function addFixItem(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.fix' }, async (tx, c, _rules, now) => {
    // Checked after the gate: who may not touch the fix learns nothing from a refused input either.
    const input = FixItemInput.parse(raw);
    const incidentId = incidentOf(c);
    await ensureFix(tx, incidentId, now);
    const id = crypto.randomUUID();
    await tx.query('INSERT INTO fix_items (id, incident_id, kind, text_sealed, added_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      incidentId,
      input.kind,
      ctx.app.sealer.seal(input.text, aad('fix_items', 'text', id)),
      actorId(ctx.principal),
      now,
    ]);
    await audit(ctx, tx, now, {
      action: 'fix.item_added',
      subjectType: 'report',
      subjectId: reportId,
      data: { item: id, kind: input.kind },
    });
    return { id };
  });
}

/** Marks an item of the fix record done (a review passed, a test run green, a version released). */
export function markFixItemDone(ctx: Ctx, reportId: string, itemId: string) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.fix' }, async (tx, c, _rules, now) => {
    const incidentId = incidentOf(c);
    if (!isUuid(itemId)) throw new NotFoundError('fix item');
    const r = await tx.query('UPDATE fix_items SET done_at = $3 WHERE id = $1 AND incident_id = $2 AND done_at IS NULL', [
      itemId,
      incidentId,
      now,
    ]);
    if (r.rowCount !== 1) throw new NotFoundError('open fix item');
    await audit(ctx, tx, now, { action: 'fix.item_done', subjectType: 'report', subjectId: reportId, data: { item: itemId } });
    return { done: true };
  });
}

/** Sets or lifts the export-control hold. */
export function setExportControl(ctx: Ctx, reportId: string, raw: unknown) {
  const input = ExportControlInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'incident.fix' }, async (tx, c, _rules, now) => {
    const incidentId = incidentOf(c);
    await ensureFix(tx, incidentId, now);
    await tx.query('UPDATE incident_fixes SET export_controlled = $2, export_note_sealed = $3, updated_at = $4 WHERE incident_id = $1', [
      incidentId,
      input.controlled,
      input.note ? ctx.app.sealer.seal(input.note, aad('incident_fixes', 'export_note', incidentId)) : null,
      now,
    ]);
    await addMessage(
      ctx,
      tx,
      now,
      c,
      'note',
      input.controlled
        ? 'The fix is under export control: it goes to nobody outside the security teams.'
        : 'The export-control hold on the fix is lifted.',
    );
    await audit(ctx, tx, now, {
      action: 'fix.export_control',
      subjectType: 'report',
      subjectId: reportId,
      data: { controlled: input.controlled },
    });
    return { exportControlled: input.controlled };
  });
}

/** The fix is ready: the case state's F flag is set and the profile's fix_ready event fires (its clocks stop or start). */
export function markFixReady(ctx: Ctx, reportId: string) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.fix' }, async (tx, c, rules, now) => {
    const incidentId = incidentOf(c);
    await ensureFix(tx, incidentId, now);
    const r = await tx.query(
      'UPDATE incident_fixes SET ready_at = $2, ready_by = $3, updated_at = $2 WHERE incident_id = $1 AND ready_at IS NULL',
      [incidentId, now, actorId(ctx.principal)],
    );
    if (r.rowCount !== 1) throw new ConflictError('The fix is marked ready already.');
    await setCaseFlags(ctx, tx, { incidentId, reportId }, ['fixReady'], now, 'the fix is ready');
    await emit(ctx, tx, 'fix_ready', { reportId, incidentId, at: now });
    // Under an agreed embargo the first tier is told now (the primary embargo starts); tiers told
    // before the fix was ready get it as an update (unless it is under export control).
    await planReleases(tx, incidentId, now);
    if (await fixMayLeaveTheTeams(tx, incidentId)) {
      const told = await updateToldTiers(ctx, tx, now, c, rules, {
        what: 'The fix is available',
        subject: 'the fix is available',
        lead: `A fix for ${c.row.incidentRef} is available; it is below. Keep it confidential until its public release.`,
      });
      if (told > 0) await markFixShared(ctx, tx, c, now);
    }
    await addMessage(ctx, tx, now, c, 'note', 'The fix is ready.');
    await audit(ctx, tx, now, { action: 'fix.ready', subjectType: 'report', subjectId: reportId, data: {} });
    return { readyAt: now.toISOString() };
  });
}

/**
 * The public fix proved incomplete (src/app/disclosure/after-disclosure.ts): it is neither ready nor
 * public any more, so the team marks the corrected fix ready again (fix_ready fires again) and records
 * it public (fixPublicAgain). The F and P flags of the case state stay: Vultron's flags are one-way.
 */
export async function fixNoLongerReady(tx: Queryable, incidentId: string, now: Date): Promise<void> {
  await tx.query(
    'UPDATE incident_fixes SET ready_at = NULL, ready_by = NULL, published_at = NULL, updated_at = $2 WHERE incident_id = $1',
    [incidentId, now],
  );
}

/** The corrected fix of a reopened incident is public. */
export async function fixPublicAgain(tx: Queryable, incidentId: string, now: Date): Promise<void> {
  await ensureFix(tx, incidentId, now);
  await tx.query('UPDATE incident_fixes SET published_at = $2, updated_at = $2 WHERE incident_id = $1', [incidentId, now]);
}
