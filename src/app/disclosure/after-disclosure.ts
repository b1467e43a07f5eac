import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError } from '../../domain/errors.ts';
import { disclosurePhase, type DisclosurePhase } from '../../domain/disclosure-phase.ts';
import { aad, actorId, audit, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import { recordTransition, type LoadedCase } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { emit } from '../events.ts';
import type { IncidentRef } from './case-state.ts';
import { fixNoLongerReady, fixPublicAgain } from './fix.ts';

// After disclosure (Tock §6): once the advisory is public the incident is in post-disclosure, where the
// team monitors the fix and notes what it finds (§6.1). When the public fix proves incomplete the team
// reopens it, with the reason: the incident goes back to remediation (the fix record is not ready any
// more) and fix_reopened fires, so a profile's clock can time the rework; when the corrected fix is
// public, fix_published fires again and the incident is back in post-disclosure. Each move is a
// transition row of the disclosure-phase machine (src/domain/disclosure-phase.ts).

const MACHINE = 'disclosure-phase';

export const MonitoringNoteInput = z.strictObject({ text: z.string().trim().min(1).max(20_000) });
export const ReopenFixInput = z.strictObject({
  /** What showed that the fix is incomplete: recorded in the timeline and the thread. */
  reason: z.string().trim().min(10).max(10_000),
});
export const CorrectedFixInput = z.strictObject({
  /** Where the corrected fix is public: a release, a commit, an updated advisory. */
  note: z.string().trim().min(3).max(2000),
});

export interface AfterDisclosureView {
  phase: Exclude<DisclosurePhase, 'undisclosed'>;
  disclosedAt: string;
  since: string;
  /** How often the public fix was reopened. */
  reopened: number;
  monitoring: { id: string; text: string; by: string | null; at: string }[];
}

interface PhaseRow {
  phase: Exclude<DisclosurePhase, 'undisclosed'>;
  disclosed_at: Date;
  since: Date;
  reopened: number;
}

async function phaseRow(tx: Queryable, incidentId: string, lock = false): Promise<PhaseRow | null> {
  const r = await tx.query<PhaseRow>(
    `SELECT phase, disclosed_at, since, reopened FROM incident_disclosure_phase WHERE incident_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [incidentId],
  );
  return r.rows[0] ?? null;
}

/**
 * The advisory is public (the publication pass, src/app/advisories/publication-events.ts): the
 * incident enters post-disclosure, or returns to it when a new advisory carries the corrected fix of a
 * reopened one. Nothing changes for an incident already there.
 */
export async function enterPostDisclosure(ctx: Ctx, tx: Queryable, incident: IncidentRef, at: Date, why: string): Promise<boolean> {
  const row = await phaseRow(tx, incident.incidentId, true);
  const from: DisclosurePhase = row?.phase ?? 'undisclosed';
  if (from === 'post-disclosure') return false;
  disclosurePhase.assertMove(from, 'post-disclosure');
  if (row) {
    await tx.query(
      `UPDATE incident_disclosure_phase SET phase = 'post-disclosure', since = $2 WHERE incident_id = $1 AND phase = 'remediation'`,
      [incident.incidentId, at],
    );
  } else {
    await tx.query(
      `INSERT INTO incident_disclosure_phase (incident_id, phase, disclosed_at, since) VALUES ($1, 'post-disclosure', $2, $2)`,
      [incident.incidentId, at],
    );
  }
  await recordTransition(ctx, tx, MACHINE, incident.reportId, 'case', from, 'post-disclosure', at, why);
  return true;
}

/** Where the incident stands after disclosure, with the monitoring notes; null before disclosure. */
export async function afterDisclosureOf(ctx: Ctx, tx: Queryable, c: LoadedCase): Promise<AfterDisclosureView | null> {
  if (!c.row.incidentId) return null;
  const row = await phaseRow(tx, c.row.incidentId);
  if (!row) return null;
  const notes = await tx.query<{ id: string; text_sealed: string; by: string | null; created_at: Date }>(
    `SELECT n.id, n.text_sealed, p.name AS by, n.created_at FROM monitoring_notes n LEFT JOIN people p ON p.id = n.added_by
      WHERE n.incident_id = $1 ORDER BY n.seq`,
    [c.row.incidentId],
  );
  return {
    phase: row.phase,
    disclosedAt: new Date(row.disclosed_at).toISOString(),
    since: new Date(row.since).toISOString(),
    reopened: row.reopened,
    monitoring: notes.rows.map((n) => ({
      id: n.id,
      text: ctx.app.sealer.open(n.text_sealed, aad('monitoring_notes', 'text', n.id)),
      by: n.by,
      at: new Date(n.created_at).toISOString(),
    })),
  };
}

function disclosed(row: PhaseRow | null): PhaseRow {
  if (!row) throw new ConflictError('The advisory is not public yet: monitoring and reopening the fix begin once it is.');
  return row;
}

/** A note of what monitoring the public fix found (Tock §6.1: "Monitor for any issues with the fix"). */
export function addMonitoringNote(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.after_disclosure' }, async (tx, c, _rules, now) => {
    const { text } = MonitoringNoteInput.parse(raw);
    const incidentId = c.row.incidentId!;
    disclosed(await phaseRow(tx, incidentId));
    const id = crypto.randomUUID();
    await tx.query('INSERT INTO monitoring_notes (id, incident_id, text_sealed, added_by, created_at) VALUES ($1, $2, $3, $4, $5)', [
      id,
      incidentId,
      ctx.app.sealer.seal(text, aad('monitoring_notes', 'text', id)),
      actorId(ctx.principal),
      now,
    ]);
    await audit(ctx, tx, now, {
      action: 'after_disclosure.monitoring_note',
      subjectType: 'report',
      subjectId: reportId,
      data: { note: id },
    });
    return { id };
  });
}

/**
 * The public fix proved incomplete: back to remediation, with the reason. The fix record is not ready
 * any more, and fix_reopened fires (a profile may start a clock on it).
 */
export function reopenFix(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.after_disclosure' }, async (tx, c, _rules, now) => {
    const { reason } = ReopenFixInput.parse(raw);
    const incidentId = c.row.incidentId!;
    const row = disclosed(await phaseRow(tx, incidentId, true));
    disclosurePhase.assertMove(row.phase, 'remediation', 'the fix is back in remediation already');
    const moved = await tx.query(
      `UPDATE incident_disclosure_phase SET phase = 'remediation', since = $2, reopened = reopened + 1
        WHERE incident_id = $1 AND phase = 'post-disclosure'`,
      [incidentId, now],
    );
    if (moved.rowCount !== 1) throw new ConflictError('The disclosure phase changed meanwhile; reload and try again.');
    await recordTransition(ctx, tx, MACHINE, reportId, 'case', 'post-disclosure', 'remediation', now, reason);
    await fixNoLongerReady(tx, incidentId, now);
    await emit(ctx, tx, 'fix_reopened', { reportId, incidentId, at: now });
    await addMessage(ctx, tx, now, c, 'note', `The public fix proved incomplete; the fix is back in remediation: ${reason}`);
    await audit(ctx, tx, now, { action: 'after_disclosure.fix_reopened', subjectType: 'report', subjectId: reportId, secret: { reason } });
    return { phase: 'remediation' as const, reopened: row.reopened + 1 };
  });
}

/** The corrected fix of a reopened incident is public: back to post-disclosure, and fix_published fires again. */
export function recordCorrectedFixPublic(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.after_disclosure' }, async (tx, c, _rules, now) => {
    const { note } = CorrectedFixInput.parse(raw);
    const incidentId = c.row.incidentId!;
    const row = disclosed(await phaseRow(tx, incidentId, true));
    disclosurePhase.assertMove(row.phase, 'post-disclosure', 'the fix has not been reopened');
    await enterPostDisclosure(ctx, tx, { incidentId, reportId }, now, `the corrected fix is public: ${note}`);
    await fixPublicAgain(tx, incidentId, now);
    await emit(ctx, tx, 'fix_published', { reportId, incidentId, at: now });
    await addMessage(ctx, tx, now, c, 'note', `The corrected fix is public: ${note}`);
    await audit(ctx, tx, now, { action: 'after_disclosure.fix_public', subjectType: 'report', subjectId: reportId, secret: { note } });
    return { phase: 'post-disclosure' as const };
  });
}
