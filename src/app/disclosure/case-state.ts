import { moveCaseStateRow, moveEmbargoRow } from '../cases/records/incidents.ts';
import type { Queryable } from '../../store/db.ts';
import { type Flag, parseCaseState, renderCaseState, setFlags } from '../../domain/case-state.ts';
import { assertEmbargoMove, embargoMustEnd, type EmbargoState } from '../../domain/embargo-management.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Ctx } from '../context.ts';
import { recordTransition } from '../cases/case.ts';

// The one module that writes an incident's Vultron case state (incidents.case_state and the flag
// instants) and its embargo (incidents.embargo_state, embargo_ends_at). Every move is checked by the
// domain machine, written by a conditional update (`WHERE ... = $from`, so of two concurrent moves from
// the same state exactly one wins and the other is refused as a conflict) and stored as a transition row.

export interface IncidentRef {
  incidentId: string;
  reportId: string;
}

/** The instant column each case-level flag keeps (D is per participant: incident_projects.fix_deployed_at). */
const FLAG_INSTANT: Readonly<Partial<Record<Flag, string>>> = {
  vendorAware: 'vendor_aware_at',
  fixReady: 'fix_ready_at',
  publicAware: 'public_aware_at',
  exploitPublic: 'exploit_public_at',
  attacksObserved: 'attacks_observed_at',
};

interface StateRow {
  case_state: string;
  embargo_state: EmbargoState;
}

async function current(tx: Queryable, incidentId: string): Promise<StateRow> {
  const r = await tx.query<StateRow>('SELECT case_state, embargo_state FROM incidents WHERE id = $1', [incidentId]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError('incident');
  return row;
}

/**
 * Sets case flags (one-way; already set flags change nothing). Returns the move, or null when nothing
 * changed. An active or proposed embargo ends at once when the case becomes public, an exploit is
 * public or attacks are seen.
 */
export async function setCaseFlags(
  ctx: Ctx,
  tx: Queryable,
  incident: IncidentRef,
  flags: readonly Flag[],
  at: Date,
  why: string,
): Promise<{ from: string; to: string } | null> {
  const row = await current(tx, incident.incidentId);
  const before = parseCaseState(row.case_state);
  const move = setFlags(before, flags);
  const changed = [...move.set, ...move.alsoSet];
  if (changed.length === 0) return null;
  const from = renderCaseState(before);
  const to = renderCaseState(move.flags);
  const instantColumns = changed.flatMap((f) => (FLAG_INSTANT[f] ? [FLAG_INSTANT[f]] : []));
  if (!(await moveCaseStateRow(tx, incident.incidentId, from, to, instantColumns, at))) {
    throw new ConflictError('The case state changed meanwhile; reload and try again.');
  }
  await recordTransition(ctx, tx, 'case-state', incident.reportId, 'case', from, to, at, why);
  if (embargoMustEnd(move.flags)) {
    if (row.embargo_state === 'active' || row.embargo_state === 'revise') await moveEmbargo(ctx, tx, incident, 'exited', at, why);
    else if (row.embargo_state === 'proposed') await moveEmbargo(ctx, tx, incident, 'none', at, why);
  }
  return { from, to };
}

/**
 * Moves the embargo: propose (with its end instant), counter-propose, accept, revise, terminate. A
 * proposal or revision names the end; leaving to `none` clears it; exiting records when it ended.
 */
export async function moveEmbargo(
  ctx: Ctx,
  tx: Queryable,
  incident: IncidentRef,
  to: EmbargoState,
  at: Date,
  why: string,
  endsAt?: Date,
): Promise<{ from: EmbargoState; to: EmbargoState }> {
  const row = await current(tx, incident.incidentId);
  const from = row.embargo_state;
  assertEmbargoMove(from, to, parseCaseState(row.case_state), why);
  const namesEnd = to === 'proposed' || to === 'revise';
  if (namesEnd && !endsAt)
    throw new ValidationError('An embargo proposal names its end instant.', [{ path: 'endsAt', message: 'required' }]);
  // Back to active after a revision, the agreed end is named again (the revision's end was in its place).
  const end = namesEnd ? endsAt! : to === 'none' ? null : to === 'exited' ? at : endsAt;
  if (!(await moveEmbargoRow(tx, incident.incidentId, from, to, end, at))) {
    throw new ConflictError('The embargo changed meanwhile; reload and try again.');
  }
  await recordTransition(ctx, tx, 'embargo-management', incident.reportId, 'case', from, to, at, why);
  return { from, to };
}
