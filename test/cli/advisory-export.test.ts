import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import type { Ctx } from '../../src/app/context.ts';
import { initInstance } from '../../src/app/admin/instance.ts';
import { addPerson, createProject, setTeamMember } from '../../src/app/admin/admin.ts';
import { loadPrincipal } from '../../src/app/auth/auth.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { acceptReport, claimTriage } from '../../src/app/cases/triage.ts';
import { advisoryView, createAdvisory, saveAdvisory } from '../../src/app/advisories/advisories.ts';
import { reviewAdvisory, schedulePublication } from '../../src/app/advisories/review.ts';
import { sampleReport } from '../support/harness.ts';
import { cliDatabase, runEmbargo } from '../support/cli.ts';

// `embargo advisory export ID` as a real process, reading advisories from the desk's database (the
// embedded one on disk, or a database of its own on the PostgreSQL server of the test run), and the
// FILE form still working beside it.

const embargo = (vars: NodeJS.ProcessEnv, ...args: string[]) => runEmbargo(vars, args);

test('embargo advisory export ID: published without --as, any version with --as and access, files still work', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-adv-cli-'));
  const key = randomBytes(32).toString('base64');
  const { databaseUrl, schema } = await cliDatabase(t, 'cli', dir);
  const vars: NodeJS.ProcessEnv = {
    ...process.env,
    EMBARGO_DATA_DIR: dir,
    EMBARGO_INSTANCE_KEY: key,
    EMBARGO_PASSWORD_COST_LOG2: '14',
    DATABASE_URL: databaseUrl,
  };

  // The desk, set up through the use cases in this process, then closed before the CLI opens it.
  const app = await createApp(
    loadConfig({}, { databaseUrl: databaseUrl || null, dataDir: dir, instanceKey: key, passwordCostLog2: 14 }),
    schema ? { schema } : {},
  );
  const system: Ctx = { app, principal: { kind: 'system', label: 'test' } };
  await initInstance(app, {
    name: 'Trusted Firmware Security Team',
    profile: 'trusted-firmware',
    timeZone: 'Europe/London',
    admin: { name: 'Ada', email: 'ada@tf.example' },
    mail: { domain: 'lists.tf.example' },
  });
  await createProject(system, { slug: 'tf-a', name: 'TF-A' });
  await createProject(system, { slug: 'tf-m', name: 'TF-M' });
  const person = async (name: string, email: string, team: string): Promise<Ctx> => {
    const { personId } = await addPerson(system, { name, emails: [email], timeZone: 'UTC' });
    await setTeamMember(system, team, { email }, true);
    return { app, principal: (await loadPrincipal(app.db, personId))! };
  };
  const tina = await person('Tina', 'tina@tf.example', 'security');
  const tom = await person('Tom', 'tom@tf.example', 'security');
  await person('Paula', 'paula@tf.example', 'tf-m-security');
  const { reportId } = await submitReport({ app, principal: { kind: 'anonymous' } }, 'web', sampleReport);
  await claimTriage(tina, reportId);
  await acceptReport(tina, reportId, { title: 'BL2 image loader overflow', projects: ['tf-a'] });
  const first = await createAdvisory(tina, reportId);
  const doc = (await advisoryView(tina, first.advisoryId)).head.document;
  await saveAdvisory(tina, first.advisoryId, {
    document: {
      ...doc,
      summary: 'A stack overflow in BL2.',
      description: 'BL2 trusts the header length.',
      cveIds: ['CVE-2026-4242'],
      cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
      affected: [
        {
          project: 'tf-a',
          vendor: 'Trusted Firmware',
          product: 'TF-A',
          ranges: [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }],
        },
      ],
      references: [{ url: 'https://example.org/fix', type: 'fix' }],
    },
  });
  await reviewAdvisory(tom, first.advisoryId, { version: 2, verdict: 'approved' });
  await schedulePublication(tina, first.advisoryId, {});
  const draft = await createAdvisory(tina, reportId);
  await app.db.close();

  let r = await embargo(vars, 'advisory', 'export', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /ID\|FILE/);
  assert.match(r.out, /--version N/);

  // Without --as: the published record only.
  r = await embargo(vars, 'advisory', 'export', first.publicId, '--format', 'osv');
  assert.equal(r.code, 0, r.err);
  const osv = JSON.parse(r.out);
  assert.equal(osv.summary, 'BL2 image loader overflow');
  assert.deepEqual(osv.aliases, ['CVE-2026-4242']);
  assert.ok(osv.published);
  r = await embargo(vars, 'advisory', 'export', first.publicId, '--format', 'cve');
  assert.equal(r.code, 1, 'the team has no CNA account in its publisher: the CVE record cannot be made');
  assert.match(r.err, /CNA account/);
  r = await embargo(vars, 'advisory', 'export', draft.publicId, '--format', 'text');
  assert.equal(r.code, 1);
  assert.match(r.err, /No such published advisory/);
  r = await embargo(vars, 'advisory', 'export', first.publicId, '--format', 'text', '--version', '1');
  assert.equal(r.code, 2);
  assert.match(r.err, /--version needs --as/);

  // With --as: the person's access applies; drafts and earlier versions are written.
  r = await embargo(vars, 'advisory', 'export', draft.publicId, '--format', 'markdown', '--as', 'tina@tf.example');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^# ${draft.publicId}: BL2 image loader overflow`));
  r = await embargo(vars, 'advisory', 'export', first.advisoryId, '--format', 'text', '--as', 'tom@tf.example', '--version', '1');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /CVE-2026-4242/, 'version 1 had no CVE id yet');
  r = await embargo(vars, 'advisory', 'export', draft.publicId, '--format', 'markdown', '--as', 'paula@tf.example');
  assert.equal(r.code, 1, 'an outsider gets "not found"');
  assert.match(r.err, /No such advisory/);
  r = await embargo(vars, 'advisory', 'export', 'TF-1999-0001', '--format', 'osv', '--as', 'tina@tf.example');
  assert.equal(r.code, 1);
  r = await embargo(vars, 'advisory', 'export', first.publicId, '--format', 'pdf');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown format "pdf"/);

  // FILE: an argument naming an existing file is read as a file, as before.
  const file = join(dir, 'advisory.json');
  writeFileSync(file, JSON.stringify({ ...doc, id: 'FILE-1', summary: 'From a file.' }));
  r = await embargo(vars, 'advisory', 'export', file, '--format', 'markdown', '--now', '2026-11-23T09:00:00Z');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^# FILE-1: BL2 image loader overflow/);
  r = await embargo(vars, 'advisory', 'export', file, '--format', 'markdown', '--as', 'tina@tf.example');
  assert.equal(r.code, 2, '--as is for the database');
});
