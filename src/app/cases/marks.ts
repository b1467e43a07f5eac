import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import {
  MARKABLE_KINDS,
  markKind,
  mayRemoveMark,
  passageText,
  type Marker,
  type SensitiveKind,
  type SensitiveSource,
} from '../../domain/sensitive.ts';
import type { Sealer } from '../../crypto/sealed.ts';
import type { Queryable } from '../../store/db.ts';
import { aad, actorId, audit, type App, type Ctx } from '../context.ts';
import { withCase, withReporterCase } from '../gate.ts';
import type { LoadedCase } from './case.ts';

// Marks: what the reporter (through their secret link) and the security team (on the case page)
// name sensitive, as a value or as a passage selected in the report body or a thread message, and
// what the desk read off the reporter's mail headers. Each mark joins the case's sensitive values
// (src/app/cases/sensitive.ts), so every rendering for an outside audience labels it and every
// path out refuses it. Marking and unmarking are audited by kind, never by value.

export const MarkInput = z
  .strictObject({
    /** The value itself; or give `passage` instead. */
    value: z.string().trim().min(1).max(2000).optional(),
    /** A passage of the report body ("body") or of a thread message (its id), by offsets in its text. */
    passage: z
      .strictObject({
        of: z.union([z.literal('body'), z.uuid()]),
        start: z.coerce.number().int().min(0).max(1_000_000),
        end: z.coerce.number().int().min(1).max(1_000_000),
      })
      .optional(),
    kind: z.enum(MARKABLE_KINDS).default('other'),
    /** What it is ("customer"): outsiders read "[sensitive: customer]". */
    name: z.string().trim().max(40).optional(),
  })
  .refine((m) => (m.value === undefined) !== (m.passage === undefined), {
    message: 'give either a value or a passage',
    path: ['value'],
  });
export type MarkInput = z.input<typeof MarkInput>;

export interface MarkView {
  id: string;
  kind: SensitiveKind;
  source: SensitiveSource;
  value: string;
  name: string | null;
  passage: { of: string; start: number; end: number } | null;
  markedAt: string;
}

const SOURCE_OF: Record<Marker, SensitiveSource> = { reporter: 'reporter-mark', team: 'team-mark' };

/** The text a passage is selected in: the report body or one of the case's messages the marker may read. */
async function passageSource(app: App, tx: Queryable, c: LoadedCase, of: string, by: Marker): Promise<string> {
  if (of === 'body') {
    const r = await tx.query<{ body_sealed: string }>('SELECT body_sealed FROM reports WHERE id = $1', [c.row.reportId]);
    return app.sealer.open(r.rows[0]!.body_sealed, aad('reports', 'body', c.row.reportId));
  }
  const m = await tx.query<{ body_sealed: string; kind: string }>(
    'SELECT body_sealed, kind FROM messages WHERE id = $1 AND report_id = $2',
    [of, c.row.reportId],
  );
  const row = m.rows[0];
  // The reporter marks in what they exchanged with the team, never in internal notes.
  if (!row || (by === 'reporter' && row.kind === 'note')) throw new NotFoundError('message');
  return app.sealer.open(row.body_sealed, aad('messages', 'body', of));
}

async function addMark(ctx: Ctx, tx: Queryable, c: LoadedCase, now: Date, by: Marker, raw: unknown): Promise<MarkView> {
  const input = MarkInput.parse(raw);
  let value = input.value ?? null;
  if (input.passage) {
    value = passageText(await passageSource(ctx.app, tx, c, input.passage.of, by), input.passage);
    if (value === null)
      throw new ValidationError('The selection is not a passage of that text.', [{ path: 'passage', message: 'offsets outside the text' }]);
  }
  const id = crypto.randomUUID();
  const kind = markKind(input.kind, by);
  const name = input.name ? input.name : null;
  await tx.query(
    `INSERT INTO sensitive_marks (id, report_id, kind, source, value_sealed, name_sealed, passage_of, passage_start, passage_end, marked_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      c.row.reportId,
      kind,
      SOURCE_OF[by],
      ctx.app.sealer.seal(value!, aad('sensitive_marks', 'value', id)),
      name === null ? null : ctx.app.sealer.seal(name, aad('sensitive_marks', 'name', id)),
      input.passage?.of ?? null,
      input.passage?.start ?? null,
      input.passage?.end ?? null,
      actorId(ctx.principal),
      now,
    ],
  );
  await audit(ctx, tx, now, {
    action: 'case.sensitive_marked',
    subjectType: 'report',
    subjectId: c.row.reportId,
    data: { mark: id, kind, source: SOURCE_OF[by], passage: input.passage ? input.passage.of : null },
  });
  return {
    id,
    kind,
    source: SOURCE_OF[by],
    value: value!,
    name,
    passage: input.passage ?? null,
    markedAt: now.toISOString(),
  };
}

async function removeMark(ctx: Ctx, tx: Queryable, c: LoadedCase, now: Date, by: Marker, markId: string): Promise<{ removed: true }> {
  if (!isUuid(markId)) throw new NotFoundError('mark');
  const r = await tx.query<{ source: SensitiveSource; kind: string }>(
    'SELECT source, kind FROM sensitive_marks WHERE id = $1 AND report_id = $2 AND removed_at IS NULL FOR UPDATE',
    [markId, c.row.reportId],
  );
  const mark = r.rows[0];
  // The reporter sees only their own marks, so anything else is "not found" to them.
  if (!mark || (by === 'reporter' && mark.source !== 'reporter-mark')) throw new NotFoundError('mark');
  if (!mayRemoveMark(by, mark.source))
    throw new ForbiddenError('What the reporter marked sensitive stays marked: only the reporter can take it back.');
  await tx.query('UPDATE sensitive_marks SET removed_at = $2, removed_by = $3 WHERE id = $1', [markId, now, actorId(ctx.principal)]);
  await audit(ctx, tx, now, {
    action: 'case.sensitive_unmarked',
    subjectType: 'report',
    subjectId: c.row.reportId,
    data: { mark: markId, kind: mark.kind, source: mark.source },
  });
  return { removed: true };
}

/** The case's current marks, unsealed: for the security teams' case page, and the reporter's own. */
export async function marksOf(sealer: Sealer, tx: Queryable, reportId: string, only?: SensitiveSource): Promise<MarkView[]> {
  const r = await tx.query<{
    id: string;
    kind: SensitiveKind;
    source: SensitiveSource;
    value_sealed: string;
    name_sealed: string | null;
    passage_of: string | null;
    passage_start: number | null;
    passage_end: number | null;
    created_at: Date;
  }>(
    `SELECT id, kind, source, value_sealed, name_sealed, passage_of, passage_start, passage_end, created_at
       FROM sensitive_marks WHERE report_id = $1 AND removed_at IS NULL AND ($2::text IS NULL OR source = $2) ORDER BY created_at, id`,
    [reportId, only ?? null],
  );
  return r.rows.map((m) => ({
    id: m.id,
    kind: m.kind,
    source: m.source,
    value: sealer.open(m.value_sealed, aad('sensitive_marks', 'value', m.id)),
    name: m.name_sealed ? sealer.open(m.name_sealed, aad('sensitive_marks', 'name', m.id)) : null,
    passage: m.passage_of ? { of: m.passage_of, start: m.passage_start!, end: m.passage_end! } : null,
    markedAt: new Date(m.created_at).toISOString(),
  }));
}

/** The security team marks a value or passage of the case sensitive. */
export function markSensitive(ctx: Ctx, reportId: string, raw: unknown): Promise<MarkView> {
  return withCase(ctx, reportId, { lock: true, action: 'case.redact' }, (tx, c, _rules, now) => addMark(ctx, tx, c, now, 'team', raw));
}

/** The security team takes back one of its marks, or one the desk read off the mail. */
export function unmarkSensitive(ctx: Ctx, reportId: string, markId: string): Promise<{ removed: true }> {
  return withCase(ctx, reportId, { lock: true, action: 'case.redact' }, (tx, c, _rules, now) =>
    removeMark(ctx, tx, c, now, 'team', markId),
  );
}

/** The reporter, through their secret link, marks something of their report sensitive. */
export function markSensitiveAsReporter(ctx: Ctx, token: string, raw: unknown): Promise<MarkView> {
  return withReporterCase(ctx, token, { lock: true }, (tx, c, reporter, now) => addMark(reporter, tx, c, now, 'reporter', raw));
}

/** The reporter takes back one of their own marks. */
export function unmarkSensitiveAsReporter(ctx: Ctx, token: string, markId: string): Promise<{ removed: true }> {
  return withReporterCase(ctx, token, { lock: true }, (tx, c, reporter, now) => removeMark(reporter, tx, c, now, 'reporter', markId));
}

/**
 * A name the reporter asked to be credited by: it names them, so it stays sensitive after they choose
 * another credit (the thread still shows their request). Once per case and name.
 */
export async function recordCreditName(app: App, tx: Queryable, reportId: string, now: Date, name: string): Promise<void> {
  const known = await marksOf(app.sealer, tx, reportId, 'credit');
  if (known.some((m) => m.value.toLowerCase() === name.trim().toLowerCase())) return;
  const id = crypto.randomUUID();
  await tx.query(
    `INSERT INTO sensitive_marks (id, report_id, kind, source, value_sealed, created_at) VALUES ($1, $2, 'identity', 'credit', $3, $4)`,
    [id, reportId, app.sealer.seal(name.trim(), aad('sensitive_marks', 'value', id)), now],
  );
}

/**
 * What the desk read off a mail the reporter sent: the display names and addresses of its From,
 * Reply-To and Sender headers, stored as marks the team may take back (a list's name, say).
 * Each value once per case.
 */
export async function recordMailHeaderMarks(
  app: App,
  tx: Queryable,
  reportId: string,
  now: Date,
  headers: readonly { displayName: string | null; address: string }[],
): Promise<void> {
  const known = new Set((await marksOf(app.sealer, tx, reportId, 'mail-header')).map((m) => `${m.kind}:${m.value.toLowerCase()}`));
  for (const h of headers) {
    const values: [SensitiveKind, string | null][] = [
      ['identity', h.displayName?.trim() || null],
      ['contact', h.address.trim().toLowerCase() || null],
    ];
    for (const [kind, value] of values) {
      if (!value || known.has(`${kind}:${value.toLowerCase()}`)) continue;
      known.add(`${kind}:${value.toLowerCase()}`);
      const id = crypto.randomUUID();
      await tx.query(
        `INSERT INTO sensitive_marks (id, report_id, kind, source, value_sealed, created_at) VALUES ($1, $2, $3, 'mail-header', $4, $5)`,
        [id, reportId, kind, app.sealer.seal(value, aad('sensitive_marks', 'value', id)), now],
      );
    }
  }
}
