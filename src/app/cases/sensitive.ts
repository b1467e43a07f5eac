import type { Sealer } from '../../crypto/sealed.ts';
import type { Queryable } from '../../store/db.ts';
import { sensitiveValuesOf, type SensitiveExtras } from '../../domain/redaction.ts';
import { defaultSensitiveValues, type SensitiveValue } from '../../domain/sensitive.ts';
import type { LoadedCase, Reporter } from './case.ts';
import { aad, type Ctx } from '../context.ts';

// The one place that unseals what the leak guard keeps out of everything leaving the security teams.

/** The reporter's sensitive values of a report, from its sealed reporter and sensitive columns. */
export function reporterSensitiveValues(sealer: Sealer, reportId: string, sealed: { reporter: string; sensitive: string }): string[] {
  const reporter = sealer.openJson<Reporter>(sealed.reporter, aad('reports', 'reporter', reportId));
  const extras = sealer.openJson<SensitiveExtras>(sealed.sensitive, aad('reports', 'sensitive', reportId));
  return sensitiveValuesOf(reporter, extras);
}

/**
 * A case's sensitive values with their kinds, for rendering it to an audience that reads labels:
 * the sealed reporter record, the form's product and marked fields, the name the reporter asked to
 * be credited by, and the envelope senders of the mail the reporter sent in.
 */
export async function caseSensitiveValues(ctx: Ctx, tx: Queryable, c: LoadedCase): Promise<SensitiveValue[]> {
  const { sealer } = ctx.app;
  const id = c.row.reportId;
  const r = await tx.query<{ sensitive_sealed: string; credit_alias_sealed: string | null }>(
    'SELECT sensitive_sealed, credit_alias_sealed FROM reports WHERE id = $1',
    [id],
  );
  const row = r.rows[0]!;
  const extras = sealer.openJson<{ product: string | null; fields: { label: string; value: string }[] }>(
    row.sensitive_sealed,
    aad('reports', 'sensitive', id),
  );
  const mail = await tx.query<{ id: string; envelope_from_sealed: string }>(
    `SELECT id, envelope_from_sealed FROM mail_inbox
      WHERE report_id = $1
        AND (outcome = 'new_report' OR id IN (SELECT inbox_id FROM message_mail mm JOIN messages m ON m.id = mm.message_id
                                               WHERE m.report_id = $1 AND mm.sender_role = 'reporter'))`,
    [id],
  );
  return defaultSensitiveValues({
    reporter: sealer.openJson<Reporter>(c.row.reporterSealed, aad('reports', 'reporter', id)),
    product: extras.product,
    markedFields: extras.fields.map((f) => ({ name: f.label, value: f.value })),
    mailHeaders: mail.rows.map((m) => ({
      displayName: null,
      address: sealer.open(m.envelope_from_sealed, aad('mail_inbox', 'envelope_from', m.id)),
    })),
    creditNames: row.credit_alias_sealed ? [sealer.open(row.credit_alias_sealed, aad('reports', 'credit_alias', id))] : [],
  });
}
