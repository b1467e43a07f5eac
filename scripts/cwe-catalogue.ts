// Regenerates src/domain/cwe-catalogue.json, the CWE list the desk ships, from the newest CWE
// release in @secvisogram/csaf-validator-lib (lib/cwec/<version>.js), which that project imports
// from MITRE's own XML release (cwec_v<version>.xml) with its scripts/cwe-importCatalogue.js.
// The same list is what the CSAF validator checks CWE ids and names against (test 6.1.11).
//
//   PATH=$PWD/node_modules/.bin:$PATH node scripts/cwe-catalogue.ts          # write the file
//   PATH=$PWD/node_modules/.bin:$PATH node scripts/cwe-catalogue.ts --check  # exit 1 if it differs
//
// test/domain/advisory-cwe.test.ts runs the same comparison, so a package upgrade that brings a new
// CWE release is noticed.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCweCatalogue } from './cwe-catalogue-source.ts';

const target = fileURLToPath(new URL('../src/domain/cwe-catalogue.json', import.meta.url));
const text = `${JSON.stringify(await buildCweCatalogue(), null, 1)}\n`;
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    process.stderr.write(`${target} differs from the CWE list in @secvisogram/csaf-validator-lib; run scripts/cwe-catalogue.ts\n`);
    process.exit(1);
  }
  process.stdout.write('CWE catalogue is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
