import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../../src/process/loader.ts';
import { lintProfile } from '../../src/process/lint.ts';
import type { Problem } from '../../src/process/problems.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { MINIMAL, edit } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'embargo-loader-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('loadProfile reads a file path and refuses it with every error listed, located', () => {
  const file = join(dir, 'bad.yaml');
  let text = edit(MINIMAL, 'version: "1"', 'version: 1');
  text = edit(text, '"Status: {{status}}"', '"Status: {{state}}"');
  writeFileSync(file, text);
  assert.throws(
    () => loadProfile(file),
    (e: unknown) => {
      assert.ok(e instanceof EmbargoError);
      assert.equal(e.code, 'profile_invalid');
      assert.deepEqual(e.details, [
        { path: `${file}:3:10 version`, message: 'must be a string; quote it, e.g. version: "1.0"' },
        { path: `${file}:49:20 templates.status_update.body`, message: 'unknown template variable "state"' },
      ]);
      assert.match(e.message, /has 2 errors:\n.*bad\.yaml:3:10: error:/);
      return true;
    },
  );
});

test('loadProfile refuses a profile whose only errors are lint errors', () => {
  const file = join(dir, 'lint.yaml');
  writeFileSync(file, edit(MINIMAL, '    owner: triager', '    owner: nobody'));
  assert.throws(
    () => loadProfile(file),
    (e: unknown) => e instanceof EmbargoError && e.code === 'profile_invalid',
  );
});

test('warnings do not stop a profile from loading; they go to onWarning', () => {
  const file = join(dir, 'warn.yaml');
  // 100 bits is no NIST security strength: probably a mistake, but not an invalid profile.
  writeFileSync(file, edit(MINIMAL, 'existingKeyMinSecurityBits: 112', 'existingKeyMinSecurityBits: 100'));
  const warnings: Problem[] = [];
  const profile = loadProfile(file, { onWarning: (p) => warnings.push(p) });
  assert.equal(profile.keyPolicy.existingKeyMinSecurityBits, 100);
  assert.deepEqual(
    warnings.map((w) => [w.line, w.column, w.severity]),
    [[61, 31, 'warning']],
  );
  assert.match(warnings[0]?.message ?? '', /not a security strength/);
});

test('lintProfile works on a profile without source text (positions 0:0)', () => {
  const profile = loadProfile('tock');
  const broken = { ...profile, sla: [{ ...profile.sla[0]!, owner: 'ghost' }] };
  const problems = lintProfile(broken, 'in-memory');
  assert.deepEqual(
    problems.map((p) => [p.line, p.column, p.path, p.message]),
    [[0, 0, 'sla[0].owner', 'unknown role "ghost"']],
  );
});
