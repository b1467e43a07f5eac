import { deskUrl } from '../../config.ts';
import type { Queryable } from '../../store/db.ts';
import { aad, type Ctx } from '../context.ts';
import type { LoadedCase } from '../cases/case.ts';
import { queueMail } from '../cases/messaging.ts';
import { orgsInTiers, type TierOrg } from './orgs.ts';
import { emit } from '../events.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { briefingOf, briefingText } from './briefing.ts';

// Mail to stakeholder organisations: one mail per organisation, to its alias only (none learns who
// else is told), encrypted to the alias's confirmed key by the delivery job (held where the profile
// refuses mail in clear and no key is confirmed), under the leak guard, and recorded as a receipt so
// the portal shows the organisation exactly what it was sent and the handler sees who received it.

export function portalCaseUrl(ctx: Ctx, ref: string): string {
  return `${deskUrl(ctx.app.config)}/portal/cases/${encodeURIComponent(ref)}`;
}

export async function mailOrgs(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  c: LoadedCase,
  orgs: readonly TierOrg[],
  mail: { what: string; templateId: string; subject: string; body: (org: TierOrg) => string },
): Promise<string[]> {
  const ids: string[] = [];
  for (const org of orgs) {
    const body = mail.body(org);
    const outboxId = await queueMail(ctx, tx, now, {
      reportId: c.row.reportId,
      incidentId: c.row.incidentId,
      templateId: mail.templateId,
      envelope: { to: [org.alias], cc: [], subject: mail.subject, body },
      guard: true,
    });
    const id = crypto.randomUUID();
    await tx.query(
      'INSERT INTO stakeholder_receipts (id, incident_id, org_id, what, body_sealed, outbox_id, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        id,
        c.row.incidentId,
        org.id,
        mail.what,
        ctx.app.sealer.seal(`Subject: ${mail.subject}\n\n${body}`, aad('stakeholder_receipts', 'body', id)),
        outboxId,
        now,
      ],
    );
    ids.push(outboxId);
  }
  return ids;
}

/** The tiers already told about the incident, in the profile's order. */
export async function toldTiers(tx: Queryable, incidentId: string, order: readonly { id: string }[]): Promise<string[]> {
  const r = await tx.query<{ tier: string }>('SELECT tier FROM tier_releases WHERE incident_id = $1', [incidentId]);
  const told = new Set(r.rows.map((x) => x.tier));
  return order.map((t) => t.id).filter((t) => told.has(t));
}

/**
 * An update to the tiers already told (TF P5's triggers: the plan changed, the severity changed, a
 * fix became available or public, the embargo ended): each organisation gets the lead sentence and
 * its briefing as it stands now, in its own zone. Tiers not told yet learn nothing.
 */
export async function updateToldTiers(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  c: LoadedCase,
  rules: ProfileRules,
  update: { what: string; subject: string; lead: string },
): Promise<number> {
  if (!c.row.incidentId) return 0;
  const orgs = await orgsInTiers(
    ctx.app,
    tx,
    c.projects.map((p) => p.projectId),
    await toldTiers(tx, c.row.incidentId, rules.embargo.tiers),
  );
  const texts = new Map<string, string>();
  for (const org of orgs) {
    const b = await briefingOf(ctx, tx, c, rules, org.tier, org.timeZone);
    texts.set(org.id, `${update.lead}\n\n${briefingText(b, org.timeZone)}\n\n${portalCaseUrl(ctx, b.ref)}`);
  }
  await mailOrgs(ctx, tx, now, c, orgs, {
    what: update.what,
    templateId: 'stakeholder.update',
    subject: `[${c.row.incidentRef}] Update: ${update.subject}`,
    body: (org) => texts.get(org.id)!,
  });
  return orgs.length;
}

/** The fix left the security teams for the first time: fix_shared fires once. */
export async function markFixShared(ctx: Ctx, tx: Queryable, c: LoadedCase, at: Date): Promise<void> {
  const first = await tx.query('UPDATE incident_fixes SET shared_at = $2 WHERE incident_id = $1 AND shared_at IS NULL', [
    c.row.incidentId,
    at,
  ]);
  if (first.rowCount === 1) await emit(ctx, tx, 'fix_shared', { reportId: c.row.reportId, incidentId: c.row.incidentId!, at });
}
