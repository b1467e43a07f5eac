import type { Ctx } from '../../src/app/context.ts';
import { addPerson, setTeamMember } from '../../src/app/admin/admin.ts';
import { loadPrincipal } from '../../src/app/auth/auth.ts';
import type { Harness, Member } from '../support/harness.ts';

// Helpers for the scheduler tests: people added straight through the admin use cases (no enrollment,
// which these tests do not need), and the notices the scheduler queued, read back from the outbox.

export interface Person {
  personId: string;
  name: string;
  email: string;
  ctx: Ctx;
}

export async function person(
  h: Harness,
  admin: Member,
  p: { name: string; email: string; timeZone?: string; teams: string[] },
): Promise<Person> {
  const { personId } = await addPerson(admin.ctx, { name: p.name, emails: [p.email], timeZone: p.timeZone ?? 'Europe/London' });
  for (const team of p.teams) await setTeamMember(admin.ctx, team, { email: p.email }, true);
  const principal = (await loadPrincipal(h.app.db, personId))!;
  return { personId, name: p.name, email: p.email, ctx: { app: h.app, principal } };
}

export interface QueuedNotice {
  outboxId: string;
  kind: 'reminder' | 'escalation';
  reportId: string;
  to: string[];
  cc: string[];
  subject: string;
  body: string;
}

/** Every notice the scheduler queued in the outbox (template sla.reminder / sla.escalation), oldest first. */
export async function queuedNotices(h: Harness, reportId?: string): Promise<QueuedNotice[]> {
  const r = await h.app.db.query<{ id: string; template_id: string; report_id: string; envelope_sealed: string }>(
    `SELECT id, template_id, report_id, envelope_sealed FROM outbox
      WHERE template_id IN ('sla.reminder', 'sla.escalation') AND ($1::uuid IS NULL OR report_id = $1) ORDER BY seq`,
    [reportId ?? null],
  );
  return r.rows.map((row) => ({
    outboxId: row.id,
    kind: row.template_id === 'sla.reminder' ? 'reminder' : 'escalation',
    reportId: row.report_id,
    ...h.app.sealer.openJson<{ to: string[]; cc: string[]; subject: string; body: string }>(
      row.envelope_sealed,
      `outbox.envelope:${row.id}`,
    ),
  }));
}

/** "kind → sorted recipient addresses" of a report's notices, for compact assertions. */
export async function noticeSummary(h: Harness, reportId: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const n of await queuedNotices(h, reportId)) (out[n.kind] ??= []).push(...n.to);
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}
