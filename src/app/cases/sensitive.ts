import type { Queryable } from '../../store/db.ts';
import { defaultSensitiveValues, type SensitiveValue } from '../../domain/sensitive.ts';
import type { Reporter } from './case.ts';
import { aad, type App } from '../context.ts';
import { openKeyUserIds } from '../keys/stored.ts';
import { marksOf } from './marks.ts';

// The one place that unseals what the leak guard keeps out of everything leaving the security teams.

/**
 * The case's sensitive values with their kinds: the sealed reporter record (names, address and its
 * domain, organisation), the product and the fields the reporter marked on the form, the other name
 * or handle they chose to be credited by, the envelope senders of the mail the reporter sent in, the
 * display names and addresses its headers carried, the user IDs of the keys offered for the reporter,
 * and every value and passage the reporter or the team marked. The one list every rendering for an
 * outside audience and every guard of a path out of the security teams compares against.
 */
export async function caseSensitiveValues(app: Pick<App, 'sealer' | 'blind'>, tx: Queryable, reportId: string): Promise<SensitiveValue[]> {
  const sealer = app.sealer;
  const r = await tx.query<{ reporter_sealed: string; sensitive_sealed: string; credit_alias_sealed: string | null }>(
    'SELECT reporter_sealed, sensitive_sealed, credit_alias_sealed FROM reports WHERE id = $1',
    [reportId],
  );
  const row = r.rows[0];
  if (!row) return [];
  const reporter = sealer.openJson<Reporter>(row.reporter_sealed, aad('reports', 'reporter', reportId));
  const marked = sealer.openJson<{ product: string | null; fields: readonly { label?: string; value: string }[] }>(
    row.sensitive_sealed,
    aad('reports', 'sensitive', reportId),
  );
  const alias = row.credit_alias_sealed ? sealer.open(row.credit_alias_sealed, aad('reports', 'credit_alias', reportId)) : null;
  const mail = await tx.query<{ id: string; envelope_from_sealed: string }>(
    `SELECT id, envelope_from_sealed FROM mail_inbox
      WHERE report_id = $1
        AND (outcome = 'new_report' OR id IN (SELECT inbox_id FROM message_mail mm JOIN messages m ON m.id = mm.message_id
                                               WHERE m.report_id = $1 AND mm.sender_role = 'reporter'))`,
    [reportId],
  );
  // Keys offered with the report's mail, and any key on file for the reporter's address.
  const keys = await tx.query<{ id: string; user_ids_sealed: string }>(
    `SELECT id, user_ids_sealed FROM correspondent_keys WHERE report_id = $1 OR ($2::text IS NOT NULL AND email_index = $2 AND person_id IS NULL)`,
    [reportId, reporter.email ? app.blind.of('email', reporter.email) : null],
  );
  const marks = await marksOf(sealer, tx, reportId);
  const headerMarks = marks.filter((m) => m.source === 'mail-header');
  return defaultSensitiveValues({
    reporter,
    product: marked.product,
    markedFields: marked.fields.map((f) => ({ name: f.label ?? '', value: f.value })),
    mailHeaders: [
      ...mail.rows.map((m) => ({
        displayName: null,
        address: sealer.open(m.envelope_from_sealed, aad('mail_inbox', 'envelope_from', m.id)),
      })),
      ...headerMarks.map((m) => (m.kind === 'contact' ? { displayName: null, address: m.value } : { displayName: m.value, address: '' })),
    ],
    keyUserIds: keys.rows.flatMap((k) => openKeyUserIds(app, k)),
    creditNames: [...(alias ? [alias] : []), ...marks.filter((m) => m.source === 'credit').map((m) => m.value)],
    marks: marks
      .filter((m) => m.source !== 'mail-header' && m.source !== 'credit')
      .map((m) => ({ kind: m.kind, value: m.value, source: m.source, name: m.name })),
  });
}
