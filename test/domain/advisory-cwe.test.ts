import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CWE_CATALOGUE, cweById, normalizeCweId, searchCwe } from '../../src/domain/cwe.ts';
import { buildCweCatalogue } from '../../scripts/cwe-catalogue-source.ts';

test('the shipped CWE list is the newest CWE release in @secvisogram/csaf-validator-lib, unchanged', async () => {
  const fromPackage = await buildCweCatalogue();
  assert.deepEqual(CWE_CATALOGUE, fromPackage, 'src/domain/cwe-catalogue.json is stale: run scripts/cwe-catalogue.ts');
  assert.equal(CWE_CATALOGUE.version, '4.17');
  assert.ok(CWE_CATALOGUE.weaknesses.length >= 900);
  assert.match(CWE_CATALOGUE.source, /MITRE CWE List 4\.17/);
});

test('the list the CSAF validator checks names against (test 6.1.11) agrees with ours', async () => {
  const { weaknesses } = await import('@secvisogram/csaf-validator-lib/cwe.js');
  const theirs = new Map(weaknesses.map((w: { id: string; name: string }) => [w.id, w.name]));
  for (const w of CWE_CATALOGUE.weaknesses) assert.equal(theirs.get(w.id), w.name, w.id);
});

test('lookup by id in any usual spelling', () => {
  assert.equal(normalizeCweId(' cwe-79 '), 'CWE-79');
  assert.equal(normalizeCweId('79'), 'CWE-79');
  assert.equal(normalizeCweId('CWE-079'), undefined);
  assert.equal(normalizeCweId('CWE-'), undefined);
  assert.equal(cweById('787')?.name, 'Out-of-bounds Write');
  assert.equal(cweById('CWE-79')?.name, "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')");
  assert.equal(cweById('CWE-1000'), undefined); // a view, not a weakness
});

test('search by id or by words of the name', () => {
  assert.equal(searchCwe('CWE-787')[0]?.id, 'CWE-787');
  const sql = searchCwe('sql injection');
  assert.ok(
    sql.some((w) => w.id === 'CWE-89'),
    JSON.stringify(sql),
  );
  assert.ok(sql.every((w) => /sql/i.test(w.name) && /injection/i.test(w.name)));
  assert.ok(searchCwe('out-of-bounds').length >= 2);
  assert.equal(searchCwe('buffer', 3).length, 3);
  assert.deepEqual(searchCwe('   '), []);
  assert.deepEqual(searchCwe('no such weakness words'), []);
  // Deprecated entries come after the others.
  const results = searchCwe('a', 2000);
  const firstDeprecated = results.findIndex((w) => w.status === 'Deprecated');
  assert.ok(firstDeprecated > 0 && results.slice(firstDeprecated).every((w) => w.status === 'Deprecated'));
});
