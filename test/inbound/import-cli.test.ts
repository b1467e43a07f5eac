import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainMail } from './support.ts';
import { cliDatabase, runEmbargo } from '../support/cli.ts';

// `embargo mail import` as an MTA runs it: a real process of bin/embargo, the message on standard
// input or in a file, against the embedded database or the PostgreSQL server of the test run.

test('embargo mail import: stdin and file, prints where it landed, same message once, rejects with a reason, --help', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-mail-import-'));
  const { databaseUrl } = await cliDatabase(t, 'mailimp', dir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EMBARGO_DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    EMBARGO_PASSWORD_COST_LOG2: '14',
    EMBARGO_MAIL_ALIASES: 'security@lists.trustedfirmware.org',
  };
  let r = await runEmbargo(env, ['mail', 'import', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /standard input/);
  r = await runEmbargo(env, [
    'init',
    '--profile',
    'trusted-firmware',
    '--name',
    'TF Security',
    '--time-zone',
    'Europe/London',
    '--mail-domain',
    'lists.trustedfirmware.org',
    '--admin-name',
    'Ada',
    '--admin-email',
    'ada@tf.example',
  ]);
  assert.equal(r.code, 0, r.err);

  const message = plainMail({ subject: 'Imported from a pipe', messageId: 'pipe-1@research.example' });
  r = await runEmbargo(env, ['mail', 'import'], message);
  assert.equal(r.code, 0, r.err);
  const reportId = r.out.trim();
  assert.match(reportId, /^[0-9a-f-]{36}$/);
  // The same message again (an MTA retrying): the same case, nothing new.
  r = await runEmbargo(env, ['mail', 'import'], message);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), reportId);
  // From a file; a reply threads onto the same case.
  const file = join(dir, 'reply.eml');
  writeFileSync(
    file,
    plainMail(
      { subject: 'Re: Imported from a pipe', extra: { 'In-Reply-To': '<pipe-1@research.example>' } },
      'A reply, imported from a file.',
    ),
  );
  r = await runEmbargo(env, ['mail', 'import', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), reportId);

  // Rejected: not a message at all; empty input; a missing file.
  r = await runEmbargo(env, ['mail', 'import'], 'this is not an e-mail message\r\n');
  assert.equal(r.code, 1);
  assert.match(r.err, /rejected: .*no header fields/);
  r = await runEmbargo(env, ['mail', 'import'], '');
  assert.equal(r.code, 1);
  assert.match(r.err, /input is empty/);
  r = await runEmbargo(env, ['mail', 'import', join(dir, 'missing.eml')]);
  assert.equal(r.code, 66);
  assert.match(r.err, /cannot read/);
  r = await runEmbargo(env, ['mail', 'import', 'a', 'b']);
  assert.equal(r.code, 2);

  // The admin's view of what needs attention lists the rejected one, without content.
  r = await runEmbargo(env, ['mail', 'inbox']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /import +rejected/);
  assert.doesNotMatch(r.out, /this is not an e-mail/);
});
