import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { aad, actorId, audit, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import type { LoadedCase } from '../cases/case.ts';
import { assertTeamMember } from './checklist.ts';

// The retrospective of an incident (Tock §6.2: "Conduct a retrospective to improve the security
// response process"): what went well, what did not, and the actions agreed, each with an owner on
// the incident's security teams and a done mark. It may be held once the incident is closed too. An
// edit of the process it leads to (§6.3) is proposed from it as a diff: src/app/profile/proposals.ts.

export const RetrospectiveInput = z.strictObject({
  wentWell: z.string().trim().max(20_000).optional(),
  wentBadly: z.string().trim().max(20_000).optional(),
});

export const RetrospectiveActionInput = z.strictObject({
  text: z.string().trim().min(3).max(2000),
  /** The team member who owns the action; null: nobody yet. */
  ownerId: z.uuid().nullable().default(null),
});

export interface RetrospectiveView {
  wentWell: string | null;
  wentBadly: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  actions: { id: string; text: string; owner: { id: string; name: string } | null; doneAt: string | null; doneBy: string | null }[];
}

/** The retrospective of the incident; null before there is an incident. */
export async function retrospectiveOf(ctx: Ctx, tx: Queryable, c: LoadedCase): Promise<RetrospectiveView | null> {
  const incidentId = c.row.incidentId;
  if (!incidentId) return null;
  const r = await tx.query<{ went_well_sealed: string | null; went_badly_sealed: string | null; updated_at: Date; by: string | null }>(
    `SELECT r.went_well_sealed, r.went_badly_sealed, r.updated_at, p.name AS by
       FROM retrospectives r LEFT JOIN people p ON p.id = r.updated_by WHERE r.incident_id = $1`,
    [incidentId],
  );
  const actions = await tx.query<{
    id: string;
    text_sealed: string;
    owner_id: string | null;
    owner_name: string | null;
    done_at: Date | null;
    done_by_name: string | null;
  }>(
    `SELECT a.id, a.text_sealed, a.owner_id, o.name AS owner_name, a.done_at, d.name AS done_by_name
       FROM retrospective_actions a LEFT JOIN people o ON o.id = a.owner_id LEFT JOIN people d ON d.id = a.done_by
      WHERE a.incident_id = $1 ORDER BY a.seq`,
    [incidentId],
  );
  const row = r.rows[0];
  const open = (sealed: string | null | undefined, column: string) =>
    sealed ? ctx.app.sealer.open(sealed, aad('retrospectives', column, incidentId)) : null;
  return {
    wentWell: open(row?.went_well_sealed, 'went_well'),
    wentBadly: open(row?.went_badly_sealed, 'went_badly'),
    updatedAt: row ? new Date(row.updated_at).toISOString() : null,
    updatedBy: row?.by ?? null,
    actions: actions.rows.map((a) => ({
      id: a.id,
      text: ctx.app.sealer.open(a.text_sealed, aad('retrospective_actions', 'text', a.id)),
      owner: a.owner_id ? { id: a.owner_id, name: a.owner_name ?? '' } : null,
      doneAt: a.done_at ? new Date(a.done_at).toISOString() : null,
      doneBy: a.done_by_name,
    })),
  };
}

/** Records (or rewrites) what went well and what did not. */
export function saveRetrospective(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.retrospective' }, async (tx, c, _rules, now) => {
    const input = RetrospectiveInput.parse(raw);
    if (!input.wentWell && !input.wentBadly) {
      throw new ValidationError('Say what went well, what did not, or both.', [{ path: 'wentWell', message: 'required' }]);
    }
    const incidentId = c.row.incidentId!;
    const seal = (text: string | undefined, column: string) =>
      text ? ctx.app.sealer.seal(text, aad('retrospectives', column, incidentId)) : null;
    await tx.query(
      `INSERT INTO retrospectives (incident_id, went_well_sealed, went_badly_sealed, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (incident_id) DO UPDATE SET went_well_sealed = $2, went_badly_sealed = $3, updated_by = $4, updated_at = $5`,
      [incidentId, seal(input.wentWell, 'went_well'), seal(input.wentBadly, 'went_badly'), actorId(ctx.principal), now],
    );
    await audit(ctx, tx, now, { action: 'retrospective.saved', subjectType: 'report', subjectId: reportId, data: {} });
    return retrospectiveOf(ctx, tx, c);
  });
}

/** Adds an action the retrospective agreed, with its owner. */
export function addRetrospectiveAction(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.retrospective' }, async (tx, c, _rules, now) => {
    const input = RetrospectiveActionInput.parse(raw);
    const incidentId = c.row.incidentId!;
    if (input.ownerId !== null) await assertTeamMember(tx, incidentId, input.ownerId, 'ownerId');
    const id = crypto.randomUUID();
    await tx.query('INSERT INTO retrospective_actions (id, incident_id, text_sealed, owner_id, created_at) VALUES ($1, $2, $3, $4, $5)', [
      id,
      incidentId,
      ctx.app.sealer.seal(input.text, aad('retrospective_actions', 'text', id)),
      input.ownerId,
      now,
    ]);
    await audit(ctx, tx, now, { action: 'retrospective.action_added', subjectType: 'report', subjectId: reportId, data: { action: id } });
    return { id };
  });
}

/** Marks an action of the retrospective done (who, when). */
export function markRetrospectiveActionDone(ctx: Ctx, reportId: string, actionId: string) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.retrospective' }, async (tx, c, _rules, now) => {
    if (!isUuid(actionId)) throw new NotFoundError('retrospective action');
    const r = await tx.query<{ done_at: Date | null }>(
      'SELECT done_at FROM retrospective_actions WHERE id = $1 AND incident_id = $2 FOR UPDATE',
      [actionId, c.row.incidentId],
    );
    if (!r.rows[0]) throw new NotFoundError('retrospective action');
    if (r.rows[0].done_at) throw new ConflictError('This action is marked done already.');
    await tx.query('UPDATE retrospective_actions SET done_at = $2, done_by = $3 WHERE id = $1', [actionId, now, actorId(ctx.principal)]);
    await audit(ctx, tx, now, {
      action: 'retrospective.action_done',
      subjectType: 'report',
      subjectId: reportId,
      data: { action: actionId },
    });
    return { done: true };
  });
}
