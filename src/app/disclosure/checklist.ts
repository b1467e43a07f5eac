import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { actorId, audit, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import type { LoadedCase } from '../cases/case.ts';
import type { ProfileRules } from '../profile/rules.ts';

// The remediation checklist of an incident: the items the profile names for remediation (Tock §3–5:
// a private branch, code review, validation, documentation, release notes, the patched release, the
// merge, the release; TF P6–P8: the fix available, shared, public), each with an owner on the
// incident's security teams and a done mark (who, when). The list is copied from the profile when it
// is first touched, so a later edit of the profile leaves a running case's list as it was; until then
// the case shows the profile's list as it stands.

const ITEM_ID = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

export const ChecklistOwnerInput = z.strictObject({
  /** The team member who owns the item; null: nobody. */
  ownerId: z.uuid().nullable(),
});

export const ChecklistDoneInput = z.strictObject({ done: z.boolean() });

export interface ChecklistItemView {
  id: string;
  name: string;
  /** The workflow stage the item belongs to (its name), if the profile says. */
  stage: string | null;
  owner: { id: string; name: string } | null;
  doneAt: string | null;
  doneBy: string | null;
}

export interface ChecklistView {
  items: ChecklistItemView[];
  /** Who may own an item: the central team and the security teams of the incident's projects. */
  candidates: { id: string; name: string }[];
}

/** The people on the incident's security teams (the central team and each affected project's), by name. */
export async function teamCandidates(tx: Queryable, incidentId: string): Promise<{ id: string; name: string }[]> {
  const r = await tx.query<{ id: string; name: string }>(
    `SELECT DISTINCT p.id, p.name FROM people p
       JOIN team_members tm ON tm.person_id = p.id
       JOIN teams t ON t.id = tm.team_id
      WHERE NOT p.disabled
        AND (t.kind = 'central' OR t.id IN (SELECT pr.security_team_id FROM projects pr
                                              JOIN incident_projects ip ON ip.project_id = pr.id
                                             WHERE ip.incident_id = $1))
      ORDER BY p.name, p.id`,
    [incidentId],
  );
  return r.rows;
}

/** Refuses an owner who is not on the incident's security teams (the same list the page offers). */
export async function assertTeamMember(tx: Queryable, incidentId: string, personId: string, path: string): Promise<void> {
  if (!(await teamCandidates(tx, incidentId)).some((p) => p.id === personId)) {
    throw new ValidationError('The owner must be a member of the security teams handling this incident.', [
      { path, message: 'not on the security teams of this incident' },
    ]);
  }
}

/** Copies the profile's checklist to the incident, once: the first change of any item does. */
async function seedChecklist(tx: Queryable, incidentId: string, rules: ProfileRules): Promise<void> {
  const seeded = await tx.query('SELECT 1 FROM remediation_checklist WHERE incident_id = $1 LIMIT 1', [incidentId]);
  if (seeded.rows.length > 0) return;
  for (const [seq, item] of rules.remediationChecklist.entries()) {
    await tx.query(
      'INSERT INTO remediation_checklist (incident_id, item, seq, name, stage) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [incidentId, item.id, seq, item.name, item.stage],
    );
  }
}

interface ItemRow {
  item: string;
  name: string;
  stage: string | null;
  owner_id: string | null;
  owner_name: string | null;
  done_at: Date | null;
  done_by_name: string | null;
}

/** The checklist as the case page shows it; null before there is an incident, or when the profile has none. */
export async function checklistOf(tx: Queryable, c: LoadedCase, rules: ProfileRules): Promise<ChecklistView | null> {
  const incidentId = c.row.incidentId;
  if (!incidentId) return null;
  const rows = await tx.query<ItemRow>(
    `SELECT rc.item, rc.name, rc.stage, rc.owner_id, o.name AS owner_name, rc.done_at, d.name AS done_by_name
       FROM remediation_checklist rc
       LEFT JOIN people o ON o.id = rc.owner_id
       LEFT JOIN people d ON d.id = rc.done_by
      WHERE rc.incident_id = $1 ORDER BY rc.seq`,
    [incidentId],
  );
  const items: ChecklistItemView[] = rows.rows.length
    ? rows.rows.map((r) => ({
        id: r.item,
        name: r.name,
        stage: r.stage,
        owner: r.owner_id ? { id: r.owner_id, name: r.owner_name ?? '' } : null,
        doneAt: r.done_at ? new Date(r.done_at).toISOString() : null,
        doneBy: r.done_by_name,
      }))
    : rules.remediationChecklist.map((i) => ({ id: i.id, name: i.name, stage: i.stage, owner: null, doneAt: null, doneBy: null }));
  if (items.length === 0) return null;
  return { items, candidates: await teamCandidates(tx, incidentId) };
}

function incidentOf(c: LoadedCase): string {
  if (!c.row.incidentId) throw new ConflictError('A remediation checklist belongs to an incident: accept the report first.');
  return c.row.incidentId;
}

async function lockItem(tx: Queryable, incidentId: string, item: string): Promise<{ done_at: Date | null }> {
  if (!ITEM_ID.test(item)) throw new NotFoundError('checklist item');
  const r = await tx.query<{ done_at: Date | null }>(
    'SELECT done_at FROM remediation_checklist WHERE incident_id = $1 AND item = $2 FOR UPDATE',
    [incidentId, item],
  );
  if (!r.rows[0]) throw new NotFoundError('checklist item');
  return r.rows[0];
}

/** Gives a checklist item an owner (a member of the incident's security teams), or takes it away. */
export function setChecklistOwner(ctx: Ctx, reportId: string, item: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.fix' }, async (tx, c, rules, now) => {
    const { ownerId } = ChecklistOwnerInput.parse(raw);
    const incidentId = incidentOf(c);
    await seedChecklist(tx, incidentId, rules);
    await lockItem(tx, incidentId, item);
    if (ownerId !== null) await assertTeamMember(tx, incidentId, ownerId, 'ownerId');
    await tx.query('UPDATE remediation_checklist SET owner_id = $3 WHERE incident_id = $1 AND item = $2', [incidentId, item, ownerId]);
    await audit(ctx, tx, now, { action: 'checklist.owner_set', subjectType: 'report', subjectId: reportId, data: { item, ownerId } });
    return checklistOf(tx, c, rules);
  });
}

/** Marks a checklist item done (by whom, when), or not done again (a step to redo). */
export function markChecklistItem(ctx: Ctx, reportId: string, item: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.fix' }, async (tx, c, rules, now) => {
    const { done } = ChecklistDoneInput.parse(raw);
    const incidentId = incidentOf(c);
    await seedChecklist(tx, incidentId, rules);
    const row = await lockItem(tx, incidentId, item);
    if (done && row.done_at) throw new ConflictError('This item is marked done already.');
    if (!done && !row.done_at) throw new ConflictError('This item is not marked done.');
    await tx.query('UPDATE remediation_checklist SET done_at = $3, done_by = $4 WHERE incident_id = $1 AND item = $2', [
      incidentId,
      item,
      done ? now : null,
      done ? actorId(ctx.principal) : null,
    ]);
    await audit(ctx, tx, now, {
      action: done ? 'checklist.item_done' : 'checklist.item_undone',
      subjectType: 'report',
      subjectId: reportId,
      data: { item },
    });
    return checklistOf(tx, c, rules);
  });
}
