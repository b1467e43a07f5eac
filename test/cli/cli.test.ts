import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cliDatabase, embargoBin, runEmbargo } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';

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
    '--mail-domain',
    'lists.tf.example',
    '--admin-name',
    'Ada',
    '--admin-email',
    'ada@tf.example',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\/enroll\/enr_[\w-]{43}/);
  assert.match(r.out, /central: security@lists\.tf\.example\n/);
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

/** A desk's data directory and environment, for one test; `init` with the given extra arguments. */
async function freshDesk(t: import('node:test').TestContext, prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-cli-'));
  // On PGlite the data directory starts as a copy of the migrated template (no initdb per test).
  const { databaseUrl } = await cliDatabase(t, prefix, dir);
  const vars = { ...process.env, EMBARGO_DATA_DIR: dir, DATABASE_URL: databaseUrl, EMBARGO_PASSWORD_COST_LOG2: '14' };
  const init = (...extra: string[]) =>
    embargo(
      vars,
      'init',
      '--name',
      'Tock Security Team',
      '--time-zone',
      'UTC',
      '--admin-name',
      'Ada',
      '--admin-email',
      'ada@tock.example',
      ...extra,
    );
  return { vars, init };
}

test("embargo init asks for the team's mail domain and writes it into the desk's profile; Tock starts with its project", async (t) => {
  const { vars, init } = await freshDesk(t, 'cli_init');
  // A shipped profile names no team's lists: without a domain, nothing is created.
  let r = await init('--profile', 'tock');
  assert.equal(r.code, 1);
  assert.match(r.err, /--mail-domain is needed: the alias "security" is security@\{domain\}/);
  assert.equal(r.out, '');
  r = await init('--profile', 'tock', '--mail-domain', 'lists.tock.example', '--alias', 'nosuch=x@tock.example');
  assert.equal(r.code, 1);
  assert.match(r.err, /--alias nosuch=\.\.\.: the profile has no alias "nosuch" \(it has security\)/);
  r = await init('--profile', 'tock', '--mail-domain', 'lists tock');
  assert.equal(r.code, 1);
  assert.match(r.err, /--mail-domain: must be a mail domain like lists\.example\.org/);

  r = await init('--profile', 'tock', '--mail-domain', 'Lists.Tock.example');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Its mail addresses:\n {2}security: security@lists\.tock\.example\n/);
  assert.match(r.out, /Projects: tock \(each with its security team tock-security\)/);
  // The project's team exists from the start: a maintainer can be put on it.
  r = await embargo(vars, 'user', 'add', '--name', 'Kim', '--email', 'kim@tock.example', '--time-zone', 'UTC', '--team', 'tock-security');
  assert.equal(r.code, 0, r.err);
});

test('embargo user add with an unknown team adds nobody and says so; the retry is not refused as taken', async (t) => {
  const { vars, init } = await freshDesk(t, 'cli_user');
  assert.equal((await init('--profile', 'trusted-firmware', '--mail-domain', 'lists.tf.example')).code, 0);
  const add = (team: string) =>
    embargo(
      vars,
      'user',
      'add',
      '--name',
      'Tom',
      '--email',
      'tom@tf.example',
      '--time-zone',
      'Europe/Paris',
      '--team',
      'security',
      '--team',
      team,
    );
  let r = await add('nosuch');
  assert.equal(r.code, 1);
  assert.equal(r.out, '', 'no person id and no link for a person who was not added');
  assert.match(r.err, /^embargo: No team nosuch; the teams are security\. Nobody was added\.\n/);
  r = await add('security');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^[0-9a-f-]{36}\nEnrollment link/);
  r = await add('security');
  assert.equal(r.code, 1);
  assert.match(r.err, /already belongs to someone/);
});

test("links printed by the CLI point where the desk's server runs, not to a port the shell assumes", async (t) => {
  const { vars, init } = await freshDesk(t, 'cli_link');
  // Before any server ran, the link is the local default, and the operator is told so.
  let r = await init('--profile', 'tock', '--mail-domain', 'lists.tock.example');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /http:\/\/localhost:8080\/enroll\//);
  assert.match(r.err, /no public URL is configured \(EMBARGO_PUBLIC_URL\) and `embargo serve` has not run on this desk yet/);

  // The server runs on a port of its own (set only in its environment), and stops.
  const port = await freePort();
  const serve = spawn(embargoBin, ['serve'], { env: { ...vars, EMBARGO_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    serve.stdout.on('data', (d) => {
      said += d;
      if (said.includes('Sign in at')) resolve();
    });
    serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${said}`)));
  });
  assert.match(said, new RegExp(`running at http://localhost:${port} `));
  const exited = new Promise((resolve) => serve.once('exit', resolve));
  serve.kill('SIGTERM');
  await exited;

  // A shell without EMBARGO_PORT prints the server's address.
  r = await embargo(vars, 'user', 'add', '--name', 'Kim', '--email', 'kim@tock.example', '--time-zone', 'UTC');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`\n {2}http://localhost:${port}/enroll/enr_[\\w-]{43}\n$`));
  assert.equal(r.err, '');
  // A public URL set for the shell still wins: it is the desk's configured address.
  r = await embargo(
    { ...vars, EMBARGO_PUBLIC_URL: 'https://desk.tock.example/' },
    'user',
    'add',
    '--name',
    'Lu',
    '--email',
    'lu@tock.example',
    '--time-zone',
    'UTC',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\n {2}https:\/\/desk\.tock\.example\/enroll\/enr_/);
});
