import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { plainMail } from './inbound-support.ts';

// `embargo mail import` as an MTA runs it: a real process of bin/embargo, the message on standard
// input or in a file, against the embedded database or the PostgreSQL server of the test run.

const bin = new URL('../../bin/embargo', import.meta.url).pathname;

function run(env: NodeJS.ProcessEnv, args: string[], stdin?: string | Buffer): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(stdin ?? '');
  });
}

test('embargo mail import: stdin and file, prints where it landed, same message once, rejects with a reason, --help', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-mail-import-'));
  const url = process.env.EMBARGO_TEST_DATABASE_URL;
  const env: NodeJS.ProcessEnv = { ...process.env, EMBARGO_DATA_DIR: dir, DATABASE_URL: '', EMBARGO_PASSWORD_COST_LOG2: '14', EMBARGO_MAIL_ALIASES: 'security@lists.trustedfirmware.org' };
  if (url) {
    const schema = `mailimp_${randomBytes(5).toString('hex')}`;
    env.DATABASE_URL = `${url}${url.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    t.after(async () => {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    });
  }
  let r = await run(env, ['mail', 'import', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /standard input/);
  r = await run(env, ['init', '--profile', 'trusted-firmware', '--name', 'TF Security', '--time-zone', 'Europe/London', '--admin-name', 'Ada', '--admin-email', 'ada@tf.example']);
  assert.equal(r.code, 0, r.err);

  const message = plainMail({ subject: 'Imported from a pipe', messageId: 'pipe-1@research.example' });
  r = await run(env, ['mail', 'import'], message);
  assert.equal(r.code, 0, r.err);
  const reportId = r.out.trim();
  assert.match(reportId, /^[0-9a-f-]{36}$/);
  // The same message again (an MTA retrying): the same case, nothing new.
  r = await run(env, ['mail', 'import'], message);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), reportId);
  // From a file; a reply threads onto the same case.
  const file = join(dir, 'reply.eml');
  writeFileSync(file, plainMail({ subject: 'Re: Imported from a pipe', extra: { 'In-Reply-To': '<pipe-1@research.example>' } }, 'A reply, imported from a file.'));
  r = await run(env, ['mail', 'import', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), reportId);

  // Rejected: not a message at all; empty input; a missing file.
  r = await run(env, ['mail', 'import'], 'this is not an e-mail message\r\n');
  assert.equal(r.code, 1);
  assert.match(r.err, /rejected: .*no header fields/);
  r = await run(env, ['mail', 'import'], '');
  assert.equal(r.code, 1);
  assert.match(r.err, /input is empty/);
  r = await run(env, ['mail', 'import', join(dir, 'missing.eml')]);
  assert.equal(r.code, 66);
  assert.match(r.err, /cannot read/);
  r = await run(env, ['mail', 'import', 'a', 'b']);
  assert.equal(r.code, 2);

  // The admin's view of what needs attention lists the rejected one, without content.
  r = await run(env, ['mail', 'inbox']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /import +rejected/);
  assert.doesNotMatch(r.out, /this is not an e-mail/);
});
