import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmbargo } from '../support/cli.ts';
import { FIXTURES, ANONYMOUS_SECRETS } from '../formats/fixtures.ts';

// `embargo cve request FILE` as a user runs it: a real process of bin/embargo, no database.

const dir = mkdtempSync(join(tmpdir(), 'embargo-cve-cli-'));
const vars = { ...process.env, EMBARGO_DATA_DIR: dir, DATABASE_URL: '' };

const embargo = (...args: string[]) => runEmbargo(vars, args);

test('embargo cve request FILE prints the request; bad input exits 1, bad usage 2', async () => {
  const file = join(dir, 'advisory.json');
  writeFileSync(file, JSON.stringify(FIXTURES[0]!.input));
  const r = await embargo('cve', 'request', file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^CVE request for TFV-2026-0001: /);
  assert.match(r.out, /\[Vulnerability type\]\nBuffer Overflow \(CWE-787/);
  for (const s of ANONYMOUS_SECRETS) assert.ok(!r.out.includes(s), s);

  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"id": "X-1", "title": ');
  const b = await embargo('cve', 'request', broken);
  assert.equal(b.code, 1);
  assert.match(b.err, /Cannot read the advisory from .*broken\.json/);

  const invalid = join(dir, 'invalid.json');
  writeFileSync(invalid, JSON.stringify({ ...FIXTURES[0]!.input, cveIds: ['CVE-26-1'] }));
  const i = await embargo('cve', 'request', invalid);
  assert.equal(i.code, 1);
  assert.match(i.err, /cveIds\[0\]: must be a CVE id/);

  assert.equal((await embargo('cve', 'request')).code, 2);
  const help = await embargo('cve', 'request', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: embargo cve request FILE\|-\|ID/);
});
