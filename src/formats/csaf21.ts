// CSAF 2.1 security advisory from an Advisory, with CVSS v3.1 and v4.0 in `metrics`, CWEs with their
// catalogue version, and the csaf_withdrawn profile for a withdrawn advisory (see csaf.ts).

import type { Advisory } from '../domain/advisory.ts';
import { buildCsaf, type CsafDocument } from './csaf.ts';
import type { ExportOptions } from './common.ts';

export function toCsaf21(advisory: Advisory, options: ExportOptions = {}): CsafDocument {
  return buildCsaf(advisory, '2.1', options);
}
