import { updateToldTiers } from '../stakeholders/notify.ts';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { audit, type Ctx } from '../context.ts';
import { setSeverity } from '../cases/records/incidents.ts';
import { withCase } from '../gate.ts';
import { recordTransition, type LoadedCase } from '../cases/case.ts';
import { priorityChanged } from '../events.ts';
import type { ProfileRules } from '../profile/rules.ts';

// A changed severity or priority moves the resolution target with it: the running priority clock is
// recomputed from its original start and the old one is kept, stopped, with the reason.

export const Input = z.strictObject({
  severity: z.string().trim().min(1).max(50),
  priority: z.string().trim().min(1).max(20).optional(),
  reason: z.string().trim().min(3).max(2000),
});

export interface SeverityChange {
  severity: string;
  /** An explicit priority; absent: the profile's priority for the severity. */
  priority?: string | undefined;
  reason: string;
}

export interface SeverityOutcome {
  severity: string;
  priority: string | null;
  resolutionDueAt: string | null;
}

export async function changeSeverity(ctx: Ctx, reportId: string, raw: unknown): Promise<SeverityOutcome> {
  const input = Input.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'incident.change_severity' }, async (tx, c, rules, now) => {
    const outcome = await applySeverityChange(ctx, tx, c, rules, now, input);
    if (!outcome) throw new ConflictError('The severity and priority are already these.');
    return outcome;
  });
}

/**
 * The severity step itself, inside the caller's transaction, after the caller checked that the
 * person may change the severity of this (locked) case: validates against the profile, moves the
 * resolution target, records the transition and the audit event. Null when severity and priority
 * are already these (nothing is written).
 */
export async function applySeverityChange(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  rules: ProfileRules,
  now: Date,
  input: SeverityChange,
): Promise<SeverityOutcome | null> {
  const reportId = c.row.reportId;
  if (!rules.severities.includes(input.severity)) {
    throw new ValidationError(`Unknown severity ${input.severity}; the profile knows ${rules.severities.join(', ')}.`, [
      { path: 'severity', message: 'unknown severity' },
    ]);
  }
  const priority = input.priority ?? rules.priorityOf(input.severity);
  if (input.priority && rules.resolutionDays(input.priority) === null) {
    throw new ValidationError(`Unknown priority ${input.priority}.`, [{ path: 'priority', message: 'unknown priority' }]);
  }
  const before = await tx.query<{ severity: string | null; priority: string | null }>(
    'SELECT severity, priority FROM incidents WHERE id = $1',
    [c.row.incidentId],
  );
  const old = before.rows[0]!;
  if (old.severity === input.severity && old.priority === priority) return null;
  const from = `${old.severity ?? 'none'}/${old.priority ?? 'none'}`;
  const to = `${input.severity}/${priority ?? 'none'}`;
  const days = priority ? rules.resolutionDays(priority) : null;
  const owner = c.row.contactId ?? c.row.triagerId;
  const resolutionDueAt =
    days === null
      ? null
      : await priorityChanged(
          ctx,
          tx,
          { reportId, incidentId: c.row.incidentId },
          { report_received: c.row.receivedAt, severity_assessed: now },
          owner,
          days,
          now,
          `${from} → ${to}: ${input.reason}`,
        );
  await setSeverity(tx, c.row.incidentId!, input.severity, priority, resolutionDueAt, now);
  await recordTransition(ctx, tx, 'severity', reportId, 'case', from, to, now, input.reason);
  await audit(ctx, tx, now, {
    action: 'incident.severity_changed',
    subjectType: 'report',
    subjectId: reportId,
    data: { from, to },
    secret: { reason: input.reason },
  });
  // A severity change is news for the stakeholders already told (the reason stays with the teams).
  if (old.severity !== null && old.severity !== input.severity)
    await updateToldTiers(ctx, tx, now, c, rules, {
      what: 'The severity changed',
      subject: 'the severity changed',
      lead: `The severity of ${c.row.incidentRef} changed from ${old.severity} to ${input.severity}.`,
    });
  return { severity: input.severity, priority, resolutionDueAt: resolutionDueAt?.toISOString() ?? null };
}
