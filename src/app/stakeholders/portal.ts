import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { EmbargoError, NotFoundError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { releasedAtSql } from '../../domain/publication.ts';
import { aad, actorId, audit, type Ctx } from '../context.ts';
import { loadCase, type LoadedCase } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { outsideLeaks } from '../cases/outside-text.ts';
import { caseSensitiveValues } from '../cases/sensitive.ts';
import { rulesOf } from '../admin/instance.ts';
import { withCase } from '../gate.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { briefingOf, type Briefing } from './briefing.ts';
import { decidePendingUpdate, mailOrgs, portalCaseUrl } from './notify.ts';
import { orgAlias, orgName } from './orgs.ts';

// The stakeholder portal: a signed-in organisation sees the incidents released to its tier of one of
// their projects, from the instant of that release, and nothing else — any other incident, before its
// instant, of another project or tier, is "not found", by the same words and the same path as one that
// does not exist. What it sees is rendered for its audience (briefing.ts): the redacted summary, the
// agreed dates, the fix once it may be shared, every notice and draft it was sent, and its own
// question thread with the security teams, which other organisations never see. It acknowledges
// receipt; the handler sees, per organisation, who was sent what, who opened and who acknowledged.

export const QuestionInput = z.strictObject({ body: z.string().trim().min(1).max(20_000) });

function requireOrg(ctx: Ctx): { orgId: string; name: string } {
  if (ctx.principal.kind !== 'stakeholder') throw new EmbargoError('unauthenticated', 'Sign in to the stakeholder portal first.');
  return ctx.principal;
}

const VISIBLE = `
  SELECT DISTINCT ON (i.id) i.id, i.ref, i.report_id, st.tier, tr.released_at
    FROM stakeholder_tiers st
    JOIN stakeholder_orgs o ON o.id = st.org_id AND o.status = 'approved'
    JOIN incident_projects ip ON ip.project_id = st.project_id
    JOIN incidents i ON i.id = ip.incident_id
    JOIN tier_releases tr ON tr.incident_id = i.id AND tr.tier = st.tier
   WHERE st.org_id = $1 AND ${releasedAtSql('tr', '$2')}`;

interface VisibleRow {
  id: string;
  ref: string;
  report_id: string;
  tier: string;
  released_at: Date;
}

export interface PortalCaseSummary {
  ref: string;
  title: string;
  tier: string;
  releasedAt: string;
  acknowledged: boolean;
}

/** The incidents released to the organisation, newest release first. */
export async function portalCases(ctx: Ctx): Promise<PortalCaseSummary[]> {
  const org = requireOrg(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const rules = await rulesOf(tx);
    const r = await tx.query<VisibleRow & { acknowledged_at: Date | null }>(
      `SELECT v.*, s.acknowledged_at FROM (${VISIBLE}) v
         LEFT JOIN stakeholder_case_state s ON s.incident_id = v.id AND s.org_id = $1
        ORDER BY v.released_at DESC`,
      [org.orgId, now],
    );
    const out: PortalCaseSummary[] = [];
    for (const row of r.rows) {
      const c = (await loadCase(tx, row.report_id))!;
      const b = await briefingOf(ctx, tx, c, rules, row.tier, 'UTC');
      out.push({
        ref: row.ref,
        title: b.title,
        tier: tierName(rules, row.tier),
        releasedAt: new Date(row.released_at).toISOString(),
        acknowledged: row.acknowledged_at !== null,
      });
    }
    return out;
  });
}

const tierName = (rules: ProfileRules, id: string) => rules.embargo.tiers.find((t) => t.id === id)?.name ?? id;

/** The gate of the portal: the incident by its id if it is released to this organisation now, else "not found". */
async function withPortalCase<T>(
  ctx: Ctx,
  ref: string,
  fn: (
    tx: Queryable,
    c: LoadedCase,
    v: VisibleRow,
    org: { orgId: string; name: string; timeZone: string },
    rules: ProfileRules,
    now: Date,
  ) => Promise<T>,
): Promise<T> {
  const org = requireOrg(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const r = await tx.query<VisibleRow>(`SELECT * FROM (${VISIBLE}) v WHERE v.ref = $3`, [org.orgId, now, ref.toUpperCase()]);
    const v = r.rows[0];
    if (!v) throw new NotFoundError('incident');
    const c = (await loadCase(tx, v.report_id, true))!;
    const zone = (await tx.query<{ time_zone: string }>('SELECT time_zone FROM stakeholder_orgs WHERE id = $1', [org.orgId])).rows[0]!
      .time_zone;
    return fn(tx, c, v, { ...org, timeZone: zone }, await rulesOf(tx), now);
  });
}

export interface PortalCaseView {
  briefing: Briefing;
  tier: string;
  releasedAt: string;
  acknowledgedAt: string | null;
  /** Every notice and draft the organisation was sent, as sent. */
  received: { what: string; text: string; sentAt: string }[];
  thread: { fromTeam: boolean; body: string; at: string }[];
}

async function threadOf(ctx: Ctx, tx: Queryable, incidentId: string, orgId: string) {
  const m = await tx.query<{ id: string; from_team: boolean; body_sealed: string; created_at: Date }>(
    'SELECT id, from_team, body_sealed, created_at FROM stakeholder_messages WHERE incident_id = $1 AND org_id = $2 ORDER BY seq',
    [incidentId, orgId],
  );
  return m.rows.map((x) => ({
    fromTeam: x.from_team,
    body: ctx.app.sealer.open(x.body_sealed, aad('stakeholder_messages', 'body', x.id)),
    at: new Date(x.created_at).toISOString(),
  }));
}

/** The incident as the organisation's tier may see it; the first view is recorded as "opened". */
export function portalCase(ctx: Ctx, ref: string): Promise<PortalCaseView> {
  return withPortalCase(ctx, ref, async (tx, c, v, org, rules, now) => {
    await tx.query(
      `INSERT INTO stakeholder_case_state (incident_id, org_id, opened_at) VALUES ($1, $2, $3)
       ON CONFLICT (incident_id, org_id) DO UPDATE SET opened_at = COALESCE(stakeholder_case_state.opened_at, EXCLUDED.opened_at)`,
      [v.id, org.orgId, now],
    );
    const state = await tx.query<{ acknowledged_at: Date | null }>(
      'SELECT acknowledged_at FROM stakeholder_case_state WHERE incident_id = $1 AND org_id = $2',
      [v.id, org.orgId],
    );
    const received = await tx.query<{ id: string; what: string; body_sealed: string; sent_at: Date }>(
      'SELECT id, what, body_sealed, sent_at FROM stakeholder_receipts WHERE incident_id = $1 AND org_id = $2 ORDER BY sent_at, id',
      [v.id, org.orgId],
    );
    const ack = state.rows[0]?.acknowledged_at;
    return {
      briefing: await briefingOf(ctx, tx, c, rules, v.tier, org.timeZone),
      tier: tierName(rules, v.tier),
      releasedAt: new Date(v.released_at).toISOString(),
      acknowledgedAt: ack ? new Date(ack).toISOString() : null,
      received: received.rows.map((x) => ({
        what: x.what,
        text: ctx.app.sealer.open(x.body_sealed, aad('stakeholder_receipts', 'body', x.id)),
        sentAt: new Date(x.sent_at).toISOString(),
      })),
      thread: await threadOf(ctx, tx, v.id, org.orgId),
    };
  });
}

/** The organisation acknowledges receipt (once; again is a no-op). */
export function acknowledgeCase(ctx: Ctx, ref: string): Promise<{ acknowledgedAt: string }> {
  return withPortalCase(ctx, ref, async (tx, c, v, org, _rules, now) => {
    const r = await tx.query<{ acknowledged_at: Date }>(
      `INSERT INTO stakeholder_case_state (incident_id, org_id, opened_at, acknowledged_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (incident_id, org_id) DO UPDATE SET acknowledged_at = COALESCE(stakeholder_case_state.acknowledged_at, EXCLUDED.acknowledged_at)
       RETURNING acknowledged_at`,
      [v.id, org.orgId, now],
    );
    await audit(ctx, tx, now, {
      action: 'portal.acknowledged',
      subjectType: 'report',
      subjectId: c.row.reportId,
      data: { org: org.orgId },
    });
    return { acknowledgedAt: new Date(r.rows[0]!.acknowledged_at).toISOString() };
  });
}

/** The organisation asks the security teams a question; the team reads it on the case page. */
export function askQuestion(ctx: Ctx, ref: string, raw: unknown): Promise<{ id: string }> {
  return withPortalCase(ctx, ref, async (tx, c, v, org, _rules, now) => {
    const { body } = QuestionInput.parse(raw);
    const id = await insertMessage(ctx, tx, v.id, org.orgId, false, body, now);
    await addMessage(
      ctx,
      tx,
      now,
      c,
      'note',
      'A stakeholder organisation asked a question on the portal (see Stakeholders on the disclosure page).',
    );
    return { id };
  });
}

async function insertMessage(ctx: Ctx, tx: Queryable, incidentId: string, orgId: string, fromTeam: boolean, body: string, now: Date) {
  const id = crypto.randomUUID();
  await tx.query(
    'INSERT INTO stakeholder_messages (id, incident_id, org_id, from_team, author_id, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [id, incidentId, orgId, fromTeam, actorId(ctx.principal), ctx.app.sealer.seal(body, aad('stakeholder_messages', 'body', id)), now],
  );
  return id;
}

// --- The security teams' side ---

export interface CaseStakeholder {
  orgId: string;
  name: string;
  tier: string;
  tierName: string;
  /** When its tier was told (null: not yet). */
  releasedAt: string | null;
  received: { what: string; sentAt: string; delivery: string }[];
  openedAt: string | null;
  acknowledgedAt: string | null;
  thread: { fromTeam: boolean; body: string; at: string }[];
}

/** Per organisation of the incident's tiers: what it was sent, whether it opened and acknowledged, its questions. */
export async function caseStakeholders(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules): Promise<CaseStakeholder[]> {
  if (!c.row.incidentId) return [];
  const r = await tx.query<{
    id: string;
    name_sealed: string;
    tier: string;
    released_at: Date | null;
    opened_at: Date | null;
    acknowledged_at: Date | null;
  }>(
    `SELECT DISTINCT ON (o.id) o.id, o.name_sealed, st.tier, tr.released_at, s.opened_at, s.acknowledged_at
       FROM stakeholder_orgs o
       JOIN stakeholder_tiers st ON st.org_id = o.id AND st.project_id = ANY($2::uuid[])
       LEFT JOIN tier_releases tr ON tr.incident_id = $1 AND tr.tier = st.tier
       LEFT JOIN stakeholder_case_state s ON s.incident_id = $1 AND s.org_id = o.id
      WHERE o.status = 'approved'
      ORDER BY o.id, st.tier`,
    [c.row.incidentId, c.projects.map((p) => p.projectId)],
  );
  const receipts = await tx.query<{ org_id: string; what: string; sent_at: Date; status: string | null }>(
    `SELECT r.org_id, r.what, r.sent_at, d.status FROM stakeholder_receipts r LEFT JOIN deliveries d ON d.outbox_id = r.outbox_id
      WHERE r.incident_id = $1 ORDER BY r.sent_at, r.id`,
    [c.row.incidentId],
  );
  const out: CaseStakeholder[] = [];
  for (const row of r.rows) {
    out.push({
      orgId: row.id,
      name: orgName(ctx.app, row),
      tier: row.tier,
      tierName: tierName(rules, row.tier),
      releasedAt: row.released_at ? new Date(row.released_at).toISOString() : null,
      received: receipts.rows
        .filter((x) => x.org_id === row.id)
        .map((x) => ({ what: x.what, sentAt: new Date(x.sent_at).toISOString(), delivery: x.status ?? 'queued' })),
      openedAt: row.opened_at ? new Date(row.opened_at).toISOString() : null,
      acknowledgedAt: row.acknowledged_at ? new Date(row.acknowledged_at).toISOString() : null,
      thread: await threadOf(ctx, tx, c.row.incidentId, row.id),
    });
  }
  const order = rules.embargo.tiers.map((t) => t.id);
  return out.sort((a, b) => order.indexOf(a.tier) - order.indexOf(b.tier) || a.name.localeCompare(b.name));
}

/** The handler answers an organisation's questions: into its thread, and mailed to its alias (encrypted, under the leak guard). */
export function answerStakeholder(ctx: Ctx, reportId: string, orgId: string, raw: unknown): Promise<{ id: string }> {
  return withCase(ctx, reportId, { lock: true, action: 'incident.disclosure' }, async (tx, c, _rules, now) => {
    const { body } = QuestionInput.parse(raw);
    if (!isUuid(orgId) || !c.row.incidentId) throw new NotFoundError('organisation');
    const o = await tx.query<{ id: string; name_sealed: string; alias_sealed: string; time_zone: string; tier: string }>(
      `SELECT o.id, o.name_sealed, o.alias_sealed, o.time_zone, st.tier FROM stakeholder_orgs o
         JOIN stakeholder_tiers st ON st.org_id = o.id AND st.project_id = ANY($2::uuid[])
         JOIN tier_releases tr ON tr.incident_id = $3 AND tr.tier = st.tier
        WHERE o.id = $1 AND o.status = 'approved' LIMIT 1`,
      [orgId, c.projects.map((p) => p.projectId), c.row.incidentId],
    );
    const row = o.rows[0];
    if (!row) throw new NotFoundError('organisation told of this incident');
    const leaks = outsideLeaks({ body }, await caseSensitiveValues(ctx.app, tx, c.row.reportId));
    if (leaks.length)
      throw new EmbargoError(
        'leak_blocked',
        `The answer would tell the organisation what only the security teams may know: its body ${leaks[0]!.message}. Rephrase it.`,
        leaks,
      );
    const id = await insertMessage(ctx, tx, c.row.incidentId, orgId, true, body, now);
    const org = {
      id: row.id,
      name: orgName(ctx.app, row),
      alias: orgAlias(ctx.app, row),
      timeZone: row.time_zone,
      holidayRegion: null,
      tier: row.tier,
    };
    await mailOrgs(ctx, tx, now, c, [org], {
      what: 'Answer from the security team',
      templateId: 'stakeholder.answer',
      subject: `[${c.row.incidentRef}] Answer to your question`,
      body: () => `${body}\n\nThe whole thread: ${portalCaseUrl(ctx, c.row.incidentRef ?? '')}`,
    });
    await audit(ctx, tx, now, { action: 'stakeholder.answered', subjectType: 'report', subjectId: reportId, data: { org: orgId } });
    return { id };
  });
}

export const UpdateDecisionInput = z.strictObject({ decision: z.enum(['send', 'discard']) });

/** A team member sends an update kept for review (to the tiers told by now, with the briefing as it stands) or discards it. */
export function decideStakeholderUpdate(ctx: Ctx, reportId: string, updateId: string, raw: unknown): Promise<{ mailed: number }> {
  return withCase(ctx, reportId, { lock: true, action: 'incident.disclosure' }, async (tx, c, rules, now) => {
    const { decision } = UpdateDecisionInput.parse(raw);
    if (!isUuid(updateId)) throw new NotFoundError('update waiting for review');
    const mailed = await decidePendingUpdate(ctx, tx, now, c, rules, updateId, decision === 'send');
    await audit(ctx, tx, now, {
      action: decision === 'send' ? 'stakeholder.update_sent' : 'stakeholder.update_discarded',
      subjectType: 'report',
      subjectId: reportId,
      data: { update: updateId, organisations: mailed },
    });
    return { mailed };
  });
}
