import type { Queryable } from '../../store/db.ts';
import { readableInstant } from '../../domain/reader-dates.ts';
import { aad, type Ctx } from '../context.ts';
import { openTitle, type LoadedCase } from '../cases/case.ts';
import { outsideTextOf } from '../cases/outside-text.ts';
import { renderForAudience } from '../cases/render-for-audience.ts';
import { caseSensitiveValues } from '../cases/sensitive.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { agreedEmbargo } from '../disclosure/agreed-timeline.ts';

// What a stakeholder tier may know of an incident, rendered for that audience by the need-to-know
// path: the title and summary outsiders read (labels in place of the reporter's identity), the agreed
// dates in the organisation's own zone, and the fix once it may be shared — never while it is not
// ready or under export control, and the briefing says which. The tier notice mails it and the portal
// shows it, so both say the same.

export type FixState = 'shared' | 'not-ready' | 'export-controlled';

export interface Briefing {
  ref: string;
  title: string;
  summary: string | null;
  timeline: { label: string; at: string; instant: string }[];
  embargo: string;
  fix: { state: FixState; items: { kind: string; text: string; done: boolean }[] };
}

export async function briefingOf(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  rules: ProfileRules,
  tier: string,
  zone: string,
): Promise<Briefing> {
  const incidentId = c.row.incidentId!;
  const r = renderForAudience({ kind: 'stakeholder', tier }, await caseSensitiveValues(ctx.app, tx, c.row.reportId));
  const outside = await outsideTextOf(ctx.app.sealer, tx, c.row.reportId);
  const embargo = await agreedEmbargo(tx, incidentId);
  const at = (d: Date | string) => ({ at: readableInstant(new Date(d), zone), instant: new Date(d).toISOString() });
  const plan = embargo.agreed;
  const timeline = plan
    ? [
        ...plan.tiers.map((t) => ({
          label: `${rules.embargo.tiers.find((x) => x.id === t.tier)?.name ?? t.tier}: the embargo ends`,
          ...at(t.endsAt),
        })),
        { label: 'Public disclosure', ...at(plan.publicAt) },
      ]
    : [];
  const fixRow = await tx.query<{ ready_at: Date | null; export_controlled: boolean }>(
    'SELECT ready_at, export_controlled FROM incident_fixes WHERE incident_id = $1',
    [incidentId],
  );
  const f = fixRow.rows[0];
  const state: FixState = f?.export_controlled ? 'export-controlled' : f?.ready_at ? 'shared' : 'not-ready';
  const items =
    state === 'shared'
      ? (
          await tx.query<{ id: string; kind: string; text_sealed: string; done_at: Date | null }>(
            'SELECT id, kind, text_sealed, done_at FROM fix_items WHERE incident_id = $1 ORDER BY seq',
            [incidentId],
          )
        ).rows.map((i) => ({
          kind: i.kind,
          text: r.text(ctx.app.sealer.open(i.text_sealed, aad('fix_items', 'text', i.id))),
          done: i.done_at !== null,
        }))
      : [];
  return {
    ref: c.row.incidentRef ?? `report ${c.row.number}`,
    title: outside.title ?? r.text(openTitle(ctx, c)),
    summary: outside.summary ? r.text(outside.summary) : null,
    timeline,
    embargo: embargo.state,
    fix: { state, items },
  };
}

export const FIX_STATE_WORDS: Record<FixState, string> = {
  shared: 'The fix is below.',
  'not-ready': 'The fix is not ready yet; you will be told when it is.',
  'export-controlled': 'The fix cannot be shared: export-control restrictions keep it within the security teams.',
};

/** The briefing as the plain text of a mail. */
export function briefingText(b: Briefing, zoneNote: string): string {
  const lines = [`${b.ref}: ${b.title}`, ''];
  if (b.summary) lines.push(b.summary, '');
  if (b.timeline.length) {
    lines.push(`Disclosure timeline (${zoneNote}):`, ...b.timeline.map((t) => `- ${t.label} ${t.at}`), '');
  }
  lines.push(FIX_STATE_WORDS[b.fix.state]);
  for (const i of b.fix.items) lines.push(`- ${i.kind}${i.done ? '' : ' (in progress)'}: ${i.text}`);
  return lines.join('\n');
}
