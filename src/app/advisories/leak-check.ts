import { parseAdvisory, type Advisory } from '../../domain/advisory.ts';
import { ValidationError, type ErrorDetail } from '../../domain/errors.ts';
import { findSensitive, redact } from '../../domain/redaction.ts';
import { SENSITIVE_KINDS, type SensitiveKind, type SensitiveValue } from '../../domain/sensitive.ts';
import { EXPORT_FORMATS, exportAdvisory } from '../../formats/export.ts';
import type { Queryable } from '../../store/db.ts';
import type { Ctx } from '../context.ts';
import type { LoadedCase } from '../cases/case.ts';
import { caseSensitiveValues } from '../cases/sensitive.ts';
import { reporterCredit, reporterCreditFacts } from './advisories.ts';

// The leak guard before an advisory goes public: every section of the document and every format
// the desk will produce from it are compared with the case's sensitive values. A refusal names each
// field and the kinds of value it carries, never a value, so the error can be shown and logged.
//
// The reporter's own credit is theirs to give: when they chose to be credited by name (or by another
// name or handle), that one name may stand in that one credit, in the field that shows it. Anything
// else in their credit (their organisation, an address) and their name anywhere else is refused; an
// anonymous choice lets nothing through.

/** The reporter's own credit: where it is in the document and the name their choice shows, if any. */
export interface OwnCredit {
  index: number | null;
  shown: string | null;
}

/** Each string in a JSON value. */
function strings(value: unknown, key: string | null, out: { key: string | null; text: string }[]): void {
  if (typeof value === 'string') out.push({ key, text: value });
  else if (Array.isArray(value)) for (const v of value) strings(v, key, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, k, out);
}

const kindsOf = (found: readonly SensitiveValue[]): SensitiveKind[] => SENSITIVE_KINDS.filter((k) => found.some((v) => v.kind === k));

/** The document with the reporter's own credit anonymous: what the formats produce, that credit aside. */
function withoutOwnCredit(doc: Advisory, own: OwnCredit): Advisory {
  if (own.index === null) return doc;
  return parseAdvisory({
    ...doc,
    credits: doc.credits.map((c, i) => (i === own.index ? { type: c.type, preference: 'anonymous', contact: [] } : c)),
  });
}

/**
 * The fields of the document (a section, or one entry of a list: "credits[1]") that carry a
 * sensitive value, with the kinds; then any export format whose output carries a value no field
 * was found with (text that only the format's layout puts together). [] means it may go public.
 */
export function publicationLeaks(doc: Advisory, values: readonly SensitiveValue[], own: OwnCredit, now: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<SensitiveValue>();
  const report = (path: string, found: readonly SensitiveValue[]) => {
    if (found.length === 0) return;
    for (const v of found) seen.add(v);
    details.push({ path, message: kindsOf(found).join(', ') });
  };
  for (const [key, value] of Object.entries(doc)) {
    const entries = Array.isArray(value) ? value.map((v, i) => [`${key}[${i}]`, v] as const) : [[key, value] as const];
    for (const [path, entry] of entries) {
      const texts: { key: string | null; text: string }[] = [];
      strings(entry, null, texts);
      const ownCredit = own.index !== null && path === `credits[${own.index}]`;
      const found = new Set<SensitiveValue>();
      for (const { key: field, text } of texts) {
        // The one name the reporter chose stands in the field that shows it; the rest is checked.
        const checked = ownCredit && own.shown && (field === 'name' || field === 'alias') ? redact(text, [own.shown], ' ') : text;
        for (const v of findSensitive(checked, values)) found.add(v);
      }
      report(path, [...found]);
    }
  }
  const published = withoutOwnCredit(doc, own);
  for (const format of EXPORT_FORMATS) {
    let content: string;
    try {
      content = exportAdvisory(published, format, { now })
        .files.map((f) => f.content)
        .join('\n');
    } catch (e) {
      if (e instanceof ValidationError) continue; // a format the document cannot be written in publishes nothing
      throw e;
    }
    report(
      `export ${format}`,
      findSensitive(content, values).filter((v) => !seen.has(v)),
    );
  }
  return details;
}

/** Refuses publication of `doc` while it carries any of the case's sensitive values. */
export async function assertPublishable(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  doc: Advisory,
  ownIndex: number | null,
  now: string,
  /** What is refused, for the sentence: the publication, or the CVE request made from the same document. */
  what = 'The advisory cannot be published',
): Promise<void> {
  const values = await caseSensitiveValues(ctx.app, tx, c.row.reportId);
  const chosen = publicCreditName(reporterCredit({ type: 'reporter' }, await reporterCreditFacts(ctx, tx, c)));
  const details = publicationLeaks(doc, values, { index: ownIndex, shown: chosen }, now);
  if (details.length === 0) return;
  throw new ValidationError(
    `${what}: ${details.length} field${details.length === 1 ? ' carries' : 's carry'} what only the security teams may know (the reporter's identity, organisation, product or values marked sensitive). Remove or rephrase ${details.length === 1 ? 'it' : 'them'}.`,
    details,
  );
}

function publicCreditName(credit: { preference: string; name?: string; alias?: string }): string | null {
  if (credit.preference === 'name') return credit.name ?? null;
  if (credit.preference === 'alias') return credit.alias ?? null;
  return null;
}
