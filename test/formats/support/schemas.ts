// The official JSON schemas, loaded from the files in ../shared/schemas (beside the repository) and
// compiled with Ajv, offline: every external $ref is registered from a local copy under the URL it
// is referenced by, and Ajv is given no loader, so an unknown reference is a compile error, never a
// download. A missing shared folder makes the tests fail (readFileSync throws), not skip.
//
// Adaptations, needed only because one Ajv instance must hold schemas of several drafts:
// - FIRST's CVSS v2.0/v3.0 schemas are draft-04 (keyword "id"): registered without "$schema"/"id"
//   under the URL the CSAF schemas reference (without the "?20170531" query), likewise v3.1/v4.0.
// - CSAF 2.1 and FIRST's CVSS v4.0 schema name their own meta-schemas (2020-12 plus the
//   format-assertion vocabulary). Those meta-schemas are registered from the files; the one standard
//   meta-schema Ajv does not bundle, 2020-12 format-assertion, is Ajv's bundled format-annotation
//   meta-schema under the format-assertion id (the two differ only in the vocabulary they declare).
//   Formats are asserted in every validator here (ajv-formats), as format-assertion requires.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft07, { type ValidateFunction, type ErrorObject } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const shared = (path: string) => new URL(`../../../../shared/schemas/${path}`, import.meta.url);
const load = (path: string): Record<string, unknown> => JSON.parse(readFileSync(shared(path), 'utf8'));

/** Without its "$schema", "$id" and "id": for registering under the URL it is referenced by. */
function bare(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, id: _id, ...rest } = schema;
  return rest;
}

function formatAssertionMeta(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const annotation = require('ajv/dist/refs/json-schema-2020-12/meta/format-annotation.json') as Record<string, unknown>;
  return {
    ...annotation,
    $id: 'https://json-schema.org/draft/2020-12/meta/format-assertion',
    title: 'Format vocabulary meta-schema for assertion results',
  };
}

export type Validator = ((doc: unknown) => boolean) & { errors?: ErrorObject[] | null };

export interface Validators {
  cve: ValidateFunction;
  osv: ValidateFunction;
  csaf20: ValidateFunction;
  csaf21: ValidateFunction;
  /** The OSV schema's list of ecosystem names. */
  osvEcosystems: string[];
}

let cached: Validators | undefined;

export function validators(): Validators {
  if (cached) return cached;
  // multipleOfPrecision: the one place where these validators differ from a literal reading of the
  // official schemas. CVSS scores (3.1 and 4.0 alike) are one-decimal numbers ("multipleOf": 0.1);
  // without it Ajv divides in binary floating point and rejects valid scores, e.g. 2.3
  // (2.3 / 0.1 = 22.999999999999996). With it, a score must be a multiple of 0.1 to 9 decimal places:
  // 2.35 is still refused. docs/features.md says so where it speaks of validation.
  const options = { strict: false, allErrors: true, validateFormats: true, multipleOfPrecision: 9 } as const;

  const cveAjv = new AjvDraft07.default(options);
  addFormats.default(cveAjv);
  const cve = cveAjv.compile(load('cve/CVE_Record_Format_bundled.json'));

  const osvAjv = new Ajv2020.default(options);
  addFormats.default(osvAjv);
  const osvSchema = load('osv/schema.json');
  const osv = osvAjv.compile(osvSchema);
  const osvEcosystems = (osvSchema.$defs as Record<string, { enum: string[] }> | undefined)?.ecosystemName?.enum ?? [];

  const cvssRefs = (ajv: InstanceType<typeof Ajv2020.default>) => {
    for (const v of ['2.0', '3.0', '3.1', '4.0'])
      ajv.addSchema(bare(load(`csaf/cvss/cvss-v${v}.json`)), `https://www.first.org/cvss/cvss-v${v}.json`);
  };

  const csaf20Ajv = new Ajv2020.default(options);
  addFormats.default(csaf20Ajv);
  cvssRefs(csaf20Ajv);
  const csaf20 = csaf20Ajv.compile(load('csaf/2.0/csaf_json_schema.json'));

  const csaf21Ajv = new Ajv2020.default(options);
  addFormats.default(csaf21Ajv);
  csaf21Ajv.addMetaSchema(formatAssertionMeta());
  csaf21Ajv.addMetaSchema(load('csaf/2.1/meta.json'));
  csaf21Ajv.addMetaSchema(load('csaf/cvss/meta.json'));
  cvssRefs(csaf21Ajv);
  csaf21Ajv.addSchema(load('csaf/ssvc/SelectionList_2_0_0.schema.json'));
  csaf21Ajv.addSchema(load('csaf/2.1/extension-metaschema.json'));
  csaf21Ajv.addSchema(load('csaf/2.1/extension-content.json'));
  const csaf21 = csaf21Ajv.compile(load('csaf/2.1/csaf.json'));

  cached = { cve, osv, csaf20, csaf21, osvEcosystems };
  return cached;
}

/** The validator's errors as short lines, for assertion messages. */
export function explain(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 15)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}
