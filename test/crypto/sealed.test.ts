import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSealer } from '../../src/crypto/sealed.ts';
import { loadInstanceKey } from '../../src/crypto/instance-key.ts';
import { hashPassword, verifyPassword, passwordProblem } from '../../src/crypto/password.ts';
import { loadConfig, ConfigError } from '../../src/config.ts';

test('sealed values open only with the same key and the same place', () => {
  const key = randomBytes(32);
  const s = createSealer(key);
  const sealed = s.seal('Rita Reporter <rita@research.example>', 'reports.reporter:1');
  assert.doesNotMatch(sealed, /Rita/);
  assert.equal(s.open(sealed, 'reports.reporter:1'), 'Rita Reporter <rita@research.example>');
  assert.notEqual(s.seal('same', 'a'), s.seal('same', 'a'), 'fresh data key and IV every time');
  assert.throws(() => s.open(sealed, 'reports.reporter:2'), /failed authentication/, 'moved to another row');
  assert.throws(() => createSealer(randomBytes(32)).open(sealed, 'reports.reporter:1'), /failed authentication/, 'other key');
  const parts = sealed.split('.');
  parts[4] = Buffer.from('tampered').toString('base64url');
  assert.throws(() => s.open(parts.join('.'), 'reports.reporter:1'), /failed authentication/);
  assert.throws(() => s.open('v0.k1.a.b.c.d', 'x'), /unknown format/);
  assert.deepEqual(s.openJson(s.sealJson({ a: [1, 'ü'] }, 'j'), 'j'), { a: [1, 'ü'] });
});

test('sealed bytes open as the same bytes, only with the same key and place, and never as text (nor text as bytes)', () => {
  const s = createSealer(randomBytes(32));
  const bytes = new Uint8Array(randomBytes(5000));
  const sealed = s.sealBytes(bytes.subarray(100, 4100), 'deliveries.raw:1');
  assert.match(sealed, /^b1\.k1\./);
  assert.ok(s.openBytes(sealed, 'deliveries.raw:1').equals(Buffer.from(bytes.subarray(100, 4100))), 'a view seals only its own bytes');
  assert.throws(() => s.openBytes(sealed, 'deliveries.raw:2'), /failed authentication/, 'moved to another row');
  assert.throws(() => createSealer(randomBytes(32)).openBytes(sealed, 'deliveries.raw:1'), /failed authentication/, 'other key');
  assert.throws(() => s.open(sealed, 'deliveries.raw:1'), /unknown format/);
  assert.throws(() => s.openBytes(s.seal('text', 'x'), 'x'), /unknown format/);
});

test('the instance key file is created owner-only and refused when others can read it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-key-'));
  const file = join(dir, 'sub', 'instance.key');
  const key = loadInstanceKey({ keyBase64: null, keyFile: file });
  assert.equal(key.length, 32);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(loadInstanceKey({ keyBase64: null, keyFile: file }), key, 'the same key on the next start');
  chmodSync(file, 0o644);
  assert.throws(() => loadInstanceKey({ keyBase64: null, keyFile: file }), /readable by others/);
  const bad = join(dir, 'bad.key');
  writeFileSync(bad, 'c2hvcnQ=\n', { mode: 0o600 });
  assert.throws(() => loadInstanceKey({ keyBase64: null, keyFile: bad }), /32-byte/);
  assert.throws(() => loadInstanceKey({ keyBase64: 'c2hvcnQ=', keyFile: file }), /32 bytes/);
});

test('passwords: scrypt hashes verify, wrong ones do not, and short ones are refused', async () => {
  const h = await hashPassword('correct horse battery staple', 14);
  assert.match(h, /^scrypt\$14\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse battery staple', h), true);
  assert.equal(await verifyPassword('correct horse battery stapl', h), false);
  assert.equal(await verifyPassword('x', 'garbage'), false);
  assert.match(passwordProblem('short', 0)!, /at least 12/);
  assert.equal(passwordProblem('twelve chars!', 0), null);
});

test('config: every problem is reported at once, and the value is frozen', () => {
  try {
    loadConfig({ EMBARGO_PORT: 'eighty', DATABASE_URL: 'not a url', EMBARGO_PASSWORD_COST_LOG2: '3' });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 3, e.message);
  }
  const c = loadConfig({ EMBARGO_PORT: '9000' });
  assert.equal(c.port, 9000);
  assert.equal(c.instanceKeyFile, './data/instance.key');
  assert.ok(Object.isFrozen(c));
});
