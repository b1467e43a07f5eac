import { deskUrl } from '../../config.ts';
import type { Queryable } from '../../store/db.ts';
import { aad, actorId, type Ctx } from '../context.ts';
import { NotFoundError } from '../../domain/errors.ts';
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

export interface StakeholderUpdate {
  what: string;
  subject: string;
  lead: string;
}

/**
 * An update to the tiers already told (TF P5's triggers: the plan changed, the severity changed, a
 * fix became available or public, the embargo ended): each organisation gets the lead sentence and
 * its briefing as it stands when it is sent, in its own zone, rendered from the profile's
 * `stakeholder_update` template when it has one. Where the profile wants updates reviewed
 * (`embargo.updates: after-review`) it is kept for a team member to send or discard, unless it is
 * `urgent` (the embargo ended early). Tiers not told yet learn nothing. Returns how many were mailed.
 */
export async function updateToldTiers(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  c: LoadedCase,
  rules: ProfileRules,
  update: StakeholderUpdate,
  opts: { urgent?: boolean } = {},
): Promise<number> {
  if (!c.row.incidentId) return 0;
  const told = await toldTiers(tx, c.row.incidentId, rules.embargo.tiers);
  if (told.length === 0) return 0;
  if (rules.embargo.updates === 'after-review' && !opts.urgent) {
    const id = crypto.randomUUID();
    const seal = (column: string, v: string) => ctx.app.sealer.seal(v, aad('stakeholder_updates', column, id));
    await tx.query(
      'INSERT INTO stakeholder_updates (id, incident_id, what, subject_sealed, lead_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, c.row.incidentId, update.what, seal('subject', update.subject), seal('lead', update.lead), now],
    );
    return 0;
  }
  return sendUpdate(ctx, tx, now, c, rules, told, update);
}

async function sendUpdate(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  c: LoadedCase,
  rules: ProfileRules,
  tiers: readonly string[],
  update: StakeholderUpdate,
): Promise<number> {
  const orgs = await orgsInTiers(
    ctx.app,
    tx,
    c.projects.map((p) => p.projectId),
    tiers,
  );
  const mails = new Map<string, { subject: string; body: string }>();
  for (const org of orgs) {
    const b = await briefingOf(ctx, tx, c, rules, org.tier, org.timeZone);
    const details = `${briefingText(b, org.timeZone)}\n\n${portalCaseUrl(ctx, b.ref)}`;
    mails.set(
      org.id,
      rules.hasTemplate(UPDATE_TEMPLATE)
        ? rules.render(UPDATE_TEMPLATE, { incident_id: b.ref, team_name: rules.teamName, status: update.lead, details })
        : { subject: `[${c.row.incidentRef}] Update: ${update.subject}`, body: `${update.lead}\n\n${details}` },
    );
  }
  // One subject for all (the template's, rendered for the first): the receipts record each body.
  const subject = mails.values().next().value?.subject ?? `[${c.row.incidentRef}] Update: ${update.subject}`;
  await mailOrgs(ctx, tx, now, c, orgs, {
    what: update.what,
    templateId: 'stakeholder.update',
    subject,
    body: (org) => mails.get(org.id)!.body,
  });
  return orgs.length;
}

/** The profile's template for updates to the stakeholders (audience: stakeholders), when it has one. */
export const UPDATE_TEMPLATE = 'stakeholder_update';

export interface PendingUpdate {
  id: string;
  what: string;
  subject: string;
  lead: string;
  createdAt: string;
}

/** The updates waiting for review on an incident. */
export async function pendingUpdates(ctx: Ctx, tx: Queryable, incidentId: string): Promise<PendingUpdate[]> {
  const r = await tx.query<{ id: string; what: string; subject_sealed: string; lead_sealed: string; created_at: Date }>(
    `SELECT id, what, subject_sealed, lead_sealed, created_at FROM stakeholder_updates WHERE incident_id = $1 AND state = 'pending' ORDER BY created_at, id`,
    [incidentId],
  );
  return r.rows.map((x) => ({
    id: x.id,
    what: x.what,
    subject: ctx.app.sealer.open(x.subject_sealed, aad('stakeholder_updates', 'subject', x.id)),
    lead: ctx.app.sealer.open(x.lead_sealed, aad('stakeholder_updates', 'lead', x.id)),
    createdAt: new Date(x.created_at).toISOString(),
  }));
}

/** A reviewed update is sent (to the tiers told by now, with the briefing as it stands) or discarded. */
export async function decidePendingUpdate(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  c: LoadedCase,
  rules: ProfileRules,
  updateId: string,
  send: boolean,
): Promise<number> {
  const pending = (await pendingUpdates(ctx, tx, c.row.incidentId ?? NO_INCIDENT)).find((u) => u.id === updateId);
  if (!pending) throw new NotFoundError('update waiting for review');
  await tx.query(`UPDATE stakeholder_updates SET state = $2, decided_by = $3, decided_at = $4 WHERE id = $1`, [
    updateId,
    send ? 'sent' : 'discarded',
    actorId(ctx.principal),
    now,
  ]);
  return send ? sendUpdate(ctx, tx, now, c, rules, await toldTiers(tx, c.row.incidentId!, rules.embargo.tiers), pending) : 0;
}

const NO_INCIDENT = '00000000-0000-0000-0000-000000000000';

/** The fix left the security teams for the first time: fix_shared fires once. */
export async function markFixShared(ctx: Ctx, tx: Queryable, c: LoadedCase, at: Date): Promise<void> {
  const first = await tx.query('UPDATE incident_fixes SET shared_at = $2 WHERE incident_id = $1 AND shared_at IS NULL', [
    c.row.incidentId,
    at,
  ]);
  if (first.rowCount === 1) await emit(ctx, tx, 'fix_shared', { reportId: c.row.reportId, incidentId: c.row.incidentId!, at });
}
