import { z } from 'zod';
import { EmbargoError } from '../../domain/errors.ts';
import { findSensitive } from '../../domain/redaction.ts';
import { SENSITIVE_KINDS, type SensitiveValue } from '../../domain/sensitive.ts';
import type { Queryable } from '../../store/db.ts';
import type { Sealer } from '../../crypto/sealed.ts';
import { aad, audit, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import { caseSensitiveValues } from './sensitive.ts';
import { writeOutsideText } from './records/reports.ts';

// The title and summary outsiders read: pulled-in collaborators, stakeholders, later the public and
// the trackers. Labels keep a value out ("[organisation] gateway overflow"), but a sentence full of
// labels reads badly; the team may rephrase both. A rephrasing is itself checked: one that still
// names a sensitive value is refused, naming the field and the kind, never the value.

export const OutsideTextInput = z.strictObject({
  /** The title outsiders read; empty or null: the case's own title with the labels. */
  title: z.string().trim().max(300).nullable().optional(),
  /** A short summary outsiders read above the redacted report; empty or null: none. */
  summary: z.string().trim().max(5000).nullable().optional(),
});

export interface OutsideText {
  title: string | null;
  summary: string | null;
}

/** The rephrased title and summary of the case, if the team wrote them. */
export async function outsideTextOf(sealer: Sealer, tx: Queryable, reportId: string): Promise<OutsideText> {
  const r = await tx.query<{ outside_title_sealed: string | null; outside_summary_sealed: string | null }>(
    'SELECT outside_title_sealed, outside_summary_sealed FROM reports WHERE id = $1',
    [reportId],
  );
  const row = r.rows[0];
  return {
    title: row?.outside_title_sealed ? sealer.open(row.outside_title_sealed, aad('reports', 'outside_title', reportId)) : null,
    summary: row?.outside_summary_sealed ? sealer.open(row.outside_summary_sealed, aad('reports', 'outside_summary', reportId)) : null,
  };
}

/** The fields of a text meant for outsiders that still carry a sensitive value, with the kinds found. */
export function outsideLeaks(fields: Record<string, string | null>, values: readonly SensitiveValue[]) {
  return Object.entries(fields).flatMap(([path, text]) => {
    const found = text ? findSensitive(text, values) : [];
    return found.length ? [{ path, message: SENSITIVE_KINDS.filter((k) => found.some((v) => v.kind === k)).join(', ') }] : [];
  });
}

/** The security team rephrases what outsiders read of the case. */
export function rephraseForOutsiders(ctx: Ctx, reportId: string, raw: unknown): Promise<OutsideText> {
  const input = OutsideTextInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'case.redact' }, async (tx, c, _rules, now) => {
    const current = await outsideTextOf(ctx.app.sealer, tx, reportId);
    const next: OutsideText = {
      title: input.title === undefined ? current.title : input.title || null,
      summary: input.summary === undefined ? current.summary : input.summary || null,
    };
    const leaks = outsideLeaks({ ...next }, await caseSensitiveValues(ctx.app, tx, reportId));
    if (leaks.length > 0) {
      throw new EmbargoError(
        'leak_blocked',
        `What outsiders read may not name what only the security teams may know: ${leaks.map((l) => `the ${l.path} carries ${l.message}`).join('; ')}.`,
        leaks,
      );
    }
    await writeOutsideText(
      tx,
      reportId,
      next.title === null ? null : ctx.app.sealer.seal(next.title, aad('reports', 'outside_title', reportId)),
      next.summary === null ? null : ctx.app.sealer.seal(next.summary, aad('reports', 'outside_summary', reportId)),
      now,
    );
    await audit(ctx, tx, now, {
      action: 'case.outside_text_set',
      subjectType: 'report',
      subjectId: c.row.reportId,
      data: { title: next.title !== null, summary: next.summary !== null },
    });
    return next;
  });
}
