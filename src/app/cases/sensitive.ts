import type { Sealer } from '../../crypto/sealed.ts';
import { sensitiveValuesOf, type SensitiveExtras } from '../../domain/redaction.ts';
import type { Reporter } from './case.ts';
import { aad } from '../context.ts';

// The one place that unseals what the leak guard keeps out of everything leaving the security teams.

/** The reporter's sensitive values of a report, from its sealed reporter and sensitive columns. */
export function reporterSensitiveValues(sealer: Sealer, reportId: string, sealed: { reporter: string; sensitive: string }): string[] {
  const reporter = sealer.openJson<Reporter>(sealed.reporter, aad('reports', 'reporter', reportId));
  const extras = sealer.openJson<SensitiveExtras>(sealed.sensitive, aad('reports', 'sensitive', reportId));
  return sensitiveValuesOf(reporter, extras);
}
