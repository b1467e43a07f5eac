import type { Sealer } from '../../crypto/sealed.ts';
import type { Queryable } from '../../store/db.ts';
import { defaultSensitiveValues, type SensitiveValue } from '../../domain/sensitive.ts';
import type { Reporter } from './case.ts';
import { aad } from '../context.ts';

// The one place that unseals what the leak guard keeps out of everything leaving the security teams.

/**
 * The case's sensitive values with their kinds: the sealed reporter record (names, address and its
 * domain, organisation), the product and the fields the reporter marked, the other name or handle
 * they chose to be credited by, and the envelope senders of the mail the reporter sent in. The one
 * list every rendering for an outside audience and every guard of a path out of the security teams
 * compares against.
 */
export async function caseSensitiveValues(sealer: Sealer, tx: Queryable, reportId: string): Promise<SensitiveValue[]> {
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
  return defaultSensitiveValues({
    reporter,
    product: marked.product,
    markedFields: marked.fields.map((f) => ({ name: f.label ?? '', value: f.value })),
    mailHeaders: mail.rows.map((m) => ({
      displayName: null,
      address: sealer.open(m.envelope_from_sealed, aad('mail_inbox', 'envelope_from', m.id)),
    })),
    creditNames: alias ? [alias] : [],
  });
}
