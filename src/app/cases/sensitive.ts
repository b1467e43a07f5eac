import type { Sealer } from '../../crypto/sealed.ts';
import { sensitiveValuesOf, type SensitiveExtras } from '../../domain/redaction.ts';
import { defaultSensitiveValues, type SensitiveValue } from '../../domain/sensitive.ts';
import type { Queryable } from '../../store/db.ts';
import type { Reporter } from './case.ts';
import { aad } from '../context.ts';

// The one place that unseals what the leak guard keeps out of everything leaving the security teams.

/** The reporter's sensitive values of a report, from its sealed reporter and sensitive columns. */
export function reporterSensitiveValues(sealer: Sealer, reportId: string, sealed: { reporter: string; sensitive: string }): string[] {
  const reporter = sealer.openJson<Reporter>(sealed.reporter, aad('reports', 'reporter', reportId));
  const extras = sealer.openJson<SensitiveExtras>(sealed.sensitive, aad('reports', 'sensitive', reportId));
  return sensitiveValuesOf(reporter, extras);
}

/**
 * The case's sensitive values with their kinds: the sealed reporter record (names, address and its
 * domain, organisation), the product and the fields the reporter marked, and the other name or
 * handle they chose to be credited by. The one list every guard of a path out of the security
 * teams compares against.
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
  return defaultSensitiveValues({
    reporter,
    product: marked.product,
    markedFields: marked.fields.map((f) => ({ name: f.label ?? '', value: f.value })),
    creditNames: alias ? [alias] : [],
  });
}
