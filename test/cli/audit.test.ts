import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { cliDatabase, runEmbargo } from '../support/cli.ts';

// `embargo audit checkpoint` and `embargo audit verify --checkpoint FILE` as an operator runs them,
// real processes against the embedded database or the PostgreSQL server of the test run; between
// them someone with the database's owner rights cuts off the newest events and rewinds every head.

test('a checkpoint kept outside the database shows the newest events cut off, after every anchor inside it is rewound', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-cli-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { databaseUrl } = await cliDatabase(t, 'cliaudit', dir);
  const vars = { ...process.env, EMBARGO_DATA_DIR: dir, DATABASE_URL: databaseUrl };
  const embargo = (...args: string[]) => runEmbargo(vars, args);
  let r = await embargo(
    'init',
    '--profile',
    'tock',
    '--name',
    'Tock Security',
    '--time-zone',
    'UTC',
    '--mail-domain',
    'lists.tockos.org',
    '--admin-name',
    'Ada',
    '--admin-email',
    'ada@tock.example',
  );
  assert.equal(r.code, 0, r.err);
  for (const name of ['Pat', 'Sam']) {
    r = await embargo('user', 'add', '--name', name, '--email', `${name.toLowerCase()}@tock.example`, '--time-zone', 'UTC');
    assert.equal(r.code, 0, r.err);
  }

  const kept = join(dir, 'kept-checkpoint.json');
  r = await embargo('audit', 'checkpoint', '--out', kept);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /^Checkpoint of \d+ events written to .*kept-checkpoint\.json\.\nSigned with the desk's checkpoint key \(Ed25519, base64\): [\w+/]{43}=\n$/,
  );
  const checkpoint = JSON.parse(readFileSync(kept, 'utf8')) as { count: number };
  assert.ok(checkpoint.count >= 3, `init and user add wrote events (${checkpoint.count})`);
  r = await embargo('audit', 'checkpoint');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, readFileSync(kept, 'utf8'), 'the same head gets the same checkpoint, on standard output');
  const deskFile = join(dir, 'audit-checkpoint.json');
  assert.ok(existsSync(deskFile), 'the desk keeps its latest checkpoint in its data directory');
  r = await embargo('audit', 'verify', '--checkpoint', kept);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^Audit chain intact: \d+ events verified, against 3 checkpoints\.\n$/);

  // The owner cuts off the newest 2 events and rewinds the chain head and the checkpoints it can reach.
  const db = await openStore({ databaseUrl: databaseUrl || null, dataDir: dir });
  try {
    await db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
    await db.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update');
    const keep = checkpoint.count - 2;
    await db.query('DELETE FROM audit_events WHERE chain_pos > $1 OR chain_pos IS NULL', [keep]);
    await db.query('UPDATE audit_chain_head SET pos = $1, mac = (SELECT mac FROM audit_events WHERE chain_pos = $1)', [keep]);
    await db.exec('DELETE FROM audit_checkpoints');
    await db.exec('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
    await db.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_update');
  } finally {
    await db.close();
  }

  r = await embargo('audit', 'verify');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /Audit chain BROKEN \(1 problems\):\n {2}the desk's checkpoint file .* the newest 2 were removed\n/);
  r = await embargo('audit', 'checkpoint', '--out', join(dir, 'new.json'));
  assert.equal(r.code, 1);
  assert.match(r.err, /no longer holds a checkpoint the desk kept/);
  assert.ok(!existsSync(join(dir, 'new.json')));

  rmSync(deskFile);
  r = await embargo('audit', 'verify', '--checkpoint', kept);
  assert.equal(r.code, 1, r.out);
  assert.match(
    r.out,
    new RegExp(`checkpoint 1 \\(.*\\) covers ${checkpoint.count} events, the chain has ${checkpoint.count - 2}: the newest 2 were removed`),
  );

  r = await embargo('audit', 'verify', '--checkpoint', join(dir, 'missing.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read the checkpoint/);
});
