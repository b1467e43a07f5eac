import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliDatabase, runEmbargo } from '../support/cli.ts';

// The CLI as a user runs it: a real process of bin/embargo, against the embedded database or the
// PostgreSQL server of the test run.

function env(databaseUrl = '') {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-cli-'));
  return { dir, vars: { ...process.env, EMBARGO_DATA_DIR: dir, DATABASE_URL: databaseUrl, EMBARGO_PASSWORD_COST_LOG2: '14' } };
}

const embargo = (vars: NodeJS.ProcessEnv, ...args: string[]) => runEmbargo(vars, args);

test('embargo CLI: init, user add, report import, incident list/show, audit verify, bad usage', async (t) => {
  const { dir, vars } = env((await cliDatabase(t, 'cli')).databaseUrl);
  let r = await embargo(vars, '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /incident list/);
  r = await embargo(vars, 'frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
  r = await embargo(vars, 'init', '--profile', 'tock');
  assert.equal(r.code, 2);
  assert.match(r.err, /--name is required/);
  r = await embargo(vars, 'init', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /--admin-email/);

  r = await embargo(
    vars,
    'init',
    '--profile',
    'trusted-firmware',
    '--name',
    'TF Security',
    '--time-zone',
    'Europe/London',
    '--admin-name',
    'Ada',
    '--admin-email',
    'ada@tf.example',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\/enroll\/enr_[\w-]{43}/);
  r = await embargo(
    vars,
    'init',
    '--profile',
    'tock',
    '--name',
    'Again',
    '--time-zone',
    'UTC',
    '--admin-name',
    'A',
    '--admin-email',
    'a@b.example',
  );
  assert.equal(r.code, 1);
  assert.match(r.err, /already set up/);

  r = await embargo(vars, 'user', 'add', '--name', 'Tom', '--email', 'tom@tf.example', '--time-zone', 'Mars/Olympus');
  assert.equal(r.code, 1);
  assert.match(r.err, /time zone/);
  r = await embargo(vars, 'user', 'add', '--name', 'Tom', '--email', 'tom@tf.example', '--time-zone', 'Europe/Paris', '--team', 'security');
  assert.equal(r.code, 0, r.err);
  r = await embargo(vars, 'user', 'unlock', 'Tom@tf.example');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Nothing to lift/);
  r = await embargo(vars, 'user', 'unlock', 'nobody@tf.example');
  assert.equal(r.code, 1);
  assert.match(r.err, /No such person/);

  const file = join(dir, 'report.json');
  writeFileSync(
    file,
    JSON.stringify({
      title: 'Imported\u001b[31m report',
      body: 'A report imported from a file by the CLI.',
      reporter: { name: 'Imp Orter', email: 'imp@example.net' },
    }),
  );
  r = await embargo(vars, 'report', 'import', file);
  assert.equal(r.code, 0, r.err);
  const reportId = r.out.trim();
  assert.match(reportId, /^[0-9a-f-]{36}$/);
  writeFileSync(join(dir, 'bad.json'), '{"title": ');
  r = await embargo(vars, 'report', 'import', join(dir, 'bad.json'));
  assert.equal(r.code, 1);
  assert.match(r.err, /Cannot read a JSON report/);

  r = await embargo(vars, 'incident', 'list');
  assert.equal(r.code, 2);
  r = await embargo(vars, 'incident', 'list', '--as', 'tom@tf.example');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /#\d+ .* awaiting triage .* Imported \[31m report/);
  assert.doesNotMatch(r.out, /\u001b/, 'control characters from a report never reach the terminal');
  r = await embargo(vars, 'incident', 'show', reportId, '--as', 'tom@tf.example');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /actions now: triage.claim/);
  r = await embargo(vars, 'incident', 'show', reportId, '--as', 'nobody@tf.example');
  assert.equal(r.code, 1);
  // An id of a report id's length that is no UUID is looked up as an incident id, never handed to SQL as a uuid.
  for (const id of ['-'.repeat(36), '0'.repeat(36)]) {
    r = await embargo(vars, 'incident', 'show', '--as', 'tom@tf.example', '--', id);
    assert.equal(r.code, 1);
    assert.match(r.err, /^embargo: No such report, or you may not see it\.\n$/, r.err);
  }

  r = await embargo(vars, 'audit', 'verify');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /intact: \d+ events/);
  r = await embargo(vars, 'migrate');
  assert.equal(r.code, 0);
  assert.match(r.out, /up to date/);
});

test('embargo process check reports problems with their location', async () => {
  const { dir, vars } = env();
  const file = join(dir, 'p.yaml');
  writeFileSync(file, 'id: x\nname: 3\nfoo: bar\n');
  const r = await embargo(vars, 'process', 'check', file);
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /p\.yaml:3:1: error: .*foo/);
});

test('embargo cvss and advisory export are reachable from the CLI', async () => {
  const { vars } = env();
  let r = await embargo(vars, 'cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^9\.8 critical/);
  r = await embargo(vars, 'cvss', 'CVSS:3.1/AV:X');
  assert.equal(r.code, 1);
  r = await embargo(vars, 'advisory', 'export', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /--format/);
  assert.match((await embargo(vars, '--help')).out, /advisory export/);
});
