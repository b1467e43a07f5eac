import { z } from 'zod';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import { audit, requirePerson, type Ctx } from './context.ts';
import { recordTransition, visibleCase } from './cases.ts';
import { startPriorityClocks } from './clocks.ts';
import { rulesOf } from './instance.ts';
import { requireAction } from './triage.ts';

// A changed severity or priority moves the resolution target with it: the running priority clock is
// recomputed from its original start and the old one is kept, stopped, with the reason.

const Input = z.strictObject({
  severity: z.string().trim().min(1).max(50),
  priority: z.string().trim().min(1).max(20).optional(),
  reason: z.string().trim().min(3).max(2000),
});

export async function changeSeverity(ctx: Ctx, reportId: string, raw: unknown): Promise<{ severity: string; priority: string | null; resolutionDueAt: string | null }> {
  const input = Input.parse(raw);
  requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const c = await visibleCase(ctx, tx, reportId, true);
    const rules = await rulesOf(tx);
    requireAction(ctx, c, rules, 'incident.change_severity');
    if (!rules.severities.includes(input.severity)) {
      throw new ValidationError(`Unknown severity ${input.severity}; the profile knows ${rules.severities.join(', ')}.`, [{ path: 'severity', message: 'unknown severity' }]);
    }
    const priority = input.priority ?? rules.priorityOf(input.severity);
    if (input.priority && rules.resolutionDays(input.priority) === null) {
      throw new ValidationError(`Unknown priority ${input.priority}.`, [{ path: 'priority', message: 'unknown priority' }]);
    }
    const before = await tx.query<{ severity: string | null; priority: string | null; created_at: Date }>('SELECT severity, priority, created_at FROM incidents WHERE id = $1', [c.row.incidentId]);
    const old = before.rows[0]!;
    if (old.severity === input.severity && old.priority === priority) throw new ConflictError('The severity and priority are already these.');
    const from = `${old.severity ?? 'none'}/${old.priority ?? 'none'}`;
    const to = `${input.severity}/${priority ?? 'none'}`;
    const days = priority ? rules.resolutionDays(priority) : null;
    const owner = c.row.contactId ?? c.row.triagerId;
    const resolutionDueAt = days === null ? null : await startPriorityClocks(
      tx, rules, { reportId, incidentId: c.row.incidentId }, { report_received: c.row.receivedAt, severity_assessed: now }, owner, days, now,
      `${from} → ${to}: ${input.reason}`,
    );
    await tx.query('UPDATE incidents SET severity = $2, priority = $3, resolution_due_at = COALESCE($4, resolution_due_at), updated_at = $5 WHERE id = $1', [
      c.row.incidentId, input.severity, priority, resolutionDueAt, now,
    ]);
    await recordTransition(ctx, tx, 'severity', reportId, 'case', from, to, now, input.reason);
    await audit(ctx, tx, now, { action: 'incident.severity_changed', subjectType: 'report', subjectId: reportId, data: { from, to, reason: input.reason } });
    return { severity: input.severity, priority, resolutionDueAt: resolutionDueAt?.toISOString() ?? null };
  });
}
