import type { Queryable } from '../../store/db.ts';
import type { EmbargoState } from '../../domain/embargo-management.ts';

// An incident's embargo as the rest of the desk reads it: its state and the timeline both sides
// agreed last (the accepted proposal). The scheduler, the stakeholders' briefing and publication all
// ask this one question.

export interface AgreedEmbargo {
  state: EmbargoState;
  /** The agreed timeline, if any (it stands while a revision is negotiated). */
  agreed: { tiers: { tier: string; endsAt: string }[]; publicAt: Date } | null;
}

export async function agreedEmbargo(tx: Queryable, incidentId: string): Promise<AgreedEmbargo> {
  const r = await tx.query<{ embargo_state: EmbargoState; tiers: { tier: string; endsAt: string }[] | null; public_at: Date | null }>(
    `SELECT i.embargo_state, p.tiers, p.public_at FROM incidents i
       LEFT JOIN LATERAL (SELECT tiers, public_at FROM embargo_proposals
                           WHERE incident_id = i.id AND status = 'accepted' ORDER BY seq DESC LIMIT 1) p ON true
      WHERE i.id = $1`,
    [incidentId],
  );
  const row = r.rows[0];
  return {
    state: row?.embargo_state ?? 'none',
    agreed: row?.public_at && row.tiers ? { tiers: row.tiers, publicAt: new Date(row.public_at) } : null,
  };
}

/** Whether the embargo is in force (agreed, possibly under revision). */
export const embargoInForce = (e: AgreedEmbargo): boolean => e.state === 'active' || e.state === 'revise';
