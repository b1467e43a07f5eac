// CSAF 2.0 (OASIS Standard) security advisory from an Advisory. CSAF 2.0 carries CVSS v2/v3 only:
// a CVSS v4.0 score is left out of `scores` and stated in a vulnerability note (see csaf.ts).

import type { Advisory } from '../domain/advisory.ts';
import { buildCsaf, type CsafDocument } from './csaf.ts';
import type { ExportOptions } from './common.ts';

export function toCsaf20(advisory: Advisory, options: ExportOptions = {}): CsafDocument {
  return buildCsaf(advisory, '2.0', options);
}
