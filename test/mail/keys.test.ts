import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, setupDesk, addMember, api, type Harness, type Member } from '../support/harness.ts';
import { startGpg, type GpgPeer } from '../support/gpg.ts';
import { cliDatabase, runEmbargo } from '../support/cli.ts';
import { encryptKey, readPrivateKey } from 'openpgp';
import { recordOfferedKey } from '../../src/app/keys/keys.ts';
import { openKeyEmail } from '../../src/app/keys/stored.ts';
import type { Ctx } from '../../src/app/context.ts';

// Keys: a member's own key (uploaded, checked: usable, one of their addresses, public), keys offered
// by mail kept as candidates until confirmed, each member's key status for admins, the team key
// generated or imported (API and CLI), and `embargo keys team-public` read back by GnuPG.

let h: Harness;
let admin: Member, alice: Member, bob: Member;
let gpg: GpgPeer;

before(async () => {
  h = await startHarness({ clock: new Date().toISOString() });
  admin = await setupDesk(h, 'trusted-firmware');
  alice = await addMember(h, admin, { name: 'Alice', email: 'alice@tf.example', teams: ['security'] });
  bob = await addMember(h, admin, { name: 'Bob', email: 'bob@tf.example', teams: ['security'] });
  gpg = await startGpg();
});
after(async () => {
  await gpg?.close();
  await h.close();
});

async function keyRows() {
  return (
    await h.app.db.query<{ id: string; email_sealed: string; status: string; fingerprint: string }>(
      'SELECT id, email_sealed, status, fingerprint FROM correspondent_keys ORDER BY created_at',
    )
  ).rows.map((r) => ({ email: openKeyEmail(h.app, r), status: r.status, fingerprint: r.fingerprint }));
}

test('a member uploads their own key; bad keys are refused with the reason and change nothing', async () => {
  const wrongUid = await gpg.generateKey('Alice Elsewhere <alice@elsewhere.example>');
  const weak = await gpg.generateKey('Alice <alice@tf.example>', { algorithm: 'rsa1024' });
  const signOnly = await gpg.generateKey('Alice <alice@tf.example>', { encryptionSubkey: false });
  const good = await gpg.generateKey('Alice <alice@tf.example>', { algorithm: 'ed25519' });
  h.clock.set(new Date().toISOString());

  const refusals: [string, RegExp][] = [
    [wrongUid.publicArmored, /alice@elsewhere\.example.*your addresses/],
    [weak.publicArmored, /cannot be used/],
    [signOnly.publicArmored, /cannot be used/],
    [good.secretArmored, /private key/],
    ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm9wZQ==\n-----END PGP PUBLIC KEY BLOCK-----\n', /not a readable OpenPGP public key/],
    ['x'.repeat(300_000), /./],
  ];
  for (const [armored, why] of refusals) {
    const r = await api(h, 'POST', '/api/me/keys', { as: alice, body: { armored } });
    assert.equal(r.status, 400, r.body);
    assert.match(r.json.error.message + JSON.stringify(r.json.error.details), why);
    // The key's reason is a sentence set inside the refusal's: one full stop, never two.
    assert.doesNotMatch(r.json.error.message, /\.\./);
  }
  assert.deepEqual(await keyRows(), [], 'nothing stored');

  const ok = await api(h, 'POST', '/api/me/keys', { as: alice, body: { armored: good.publicArmored } });
  assert.equal(ok.status, 201, ok.body);
  assert.equal(ok.json.fingerprint, good.fingerprint);
  assert.equal(ok.json.status, 'confirmed');
  assert.equal(ok.json.usability.usable, true);
  const mine = await api(h, 'GET', '/api/me/keys', { as: alice });
  assert.deepEqual(
    mine.json.keys.map((k: any) => [k.fingerprint, k.status]),
    [[good.fingerprint, 'confirmed']],
  );
  // Another member's view of their own keys is their own.
  assert.deepEqual((await api(h, 'GET', '/api/me/keys', { as: bob })).json.keys, []);

  // Admins see each member's status; members may not.
  const statuses = await api(h, 'GET', '/api/admin/member-keys', { as: admin });
  assert.equal(statuses.status, 200);
  const byEmail = Object.fromEntries(statuses.json.members.map((m: any) => [m.email, m]));
  assert.equal(byEmail['alice@tf.example'].usable, true);
  assert.equal(byEmail['alice@tf.example'].fingerprint, good.fingerprint);
  assert.equal(byEmail['bob@tf.example'].status, 'no_key');
  assert.equal((await api(h, 'GET', '/api/admin/member-keys', { as: alice })).status, 403);
});

test('an expiring key: accepted while valid, reported expired to admins once it has expired', async () => {
  const expiring = await gpg.generateKey('Bob <bob@tf.example>', { expire: '1d' });
  h.clock.set(new Date().toISOString());
  assert.equal((await api(h, 'POST', '/api/me/keys', { as: bob, body: { armored: expiring.publicArmored } })).status, 201);
  h.clock.advance(3 * 86_400_000);
  const bobStatus = (await api(h, 'GET', '/api/admin/member-keys', { as: admin })).json.members.find(
    (m: any) => m.email === 'bob@tf.example',
  );
  assert.equal(bobStatus.usable, false);
  assert.equal(bobStatus.status, 'expired');
  h.clock.set(new Date().toISOString());
});

test('a key offered by mail is a candidate until its owner confirms it; mismatched or garbage offers are not stored', async () => {
  const offeredKey = await gpg.generateKey('Bob <bob@tf.example>');
  h.clock.set(new Date().toISOString());
  const system: Ctx = { app: h.app, principal: { kind: 'system', label: 'test' } };
  const before = (await keyRows()).length;
  const mismatched = await h.app.db.transaction((tx) =>
    recordOfferedKey(system, tx, h.clock.now, {
      email: 'mallory@evil.example',
      armored: offeredKey.publicArmored,
      source: 'autocrypt',
      reportId: null,
    }),
  );
  assert.deepEqual(mismatched, { stored: false, reason: 'no user ID of the key is mallory@evil.example' });
  const garbage = await h.app.db.transaction((tx) =>
    recordOfferedKey(system, tx, h.clock.now, { email: 'bob@tf.example', armored: 'garbage', source: 'attachment', reportId: null }),
  );
  assert.equal(garbage.stored, false);
  assert.equal((await keyRows()).length, before);

  const offered = await h.app.db.transaction((tx) =>
    recordOfferedKey(system, tx, h.clock.now, {
      email: 'bob@tf.example',
      armored: offeredKey.publicArmored,
      source: 'autocrypt',
      reportId: null,
    }),
  );
  assert.equal(offered.stored, true);
  assert.ok(offered.stored && offered.status === 'candidate');
  // Offered twice: still one candidate.
  const again = await h.app.db.transaction((tx) =>
    recordOfferedKey(system, tx, h.clock.now, {
      email: 'bob@tf.example',
      armored: offeredKey.publicArmored,
      source: 'autocrypt',
      reportId: null,
    }),
  );
  assert.ok(again.stored && offered.stored && again.keyId === offered.keyId);
  const keyId = offered.stored ? offered.keyId : '';
  let mine = (await api(h, 'GET', '/api/me/keys', { as: bob })).json.keys;
  assert.ok(mine.some((k: any) => k.id === keyId && k.status === 'candidate'));
  // Only Bob may confirm it: to anyone else it does not exist.
  assert.equal((await api(h, 'POST', `/api/keys/${keyId}/confirm`, { as: alice })).status, 404);
  const confirmed = await api(h, 'POST', `/api/keys/${keyId}/confirm`, { as: bob });
  assert.equal(confirmed.status, 200, confirmed.body);
  assert.equal(confirmed.json.status, 'confirmed');
  mine = (await api(h, 'GET', '/api/me/keys', { as: bob })).json.keys;
  assert.deepEqual(
    mine.filter((k: any) => k.status === 'confirmed').map((k: any) => k.fingerprint),
    [offeredKey.fingerprint],
    'the expired key was replaced',
  );
  assert.equal((await api(h, 'POST', `/api/keys/${keyId}/confirm`, { as: bob })).status, 409);
});

test('team key: generated (Curve25519) or imported through the API by admins; the earlier one stays for old mail', async () => {
  assert.equal((await api(h, 'GET', '/api/team-key')).status, 404);
  assert.equal((await api(h, 'POST', '/api/admin/team-keys/generate', { as: alice, body: {} })).status, 403);
  const gen = await api(h, 'POST', '/api/admin/team-keys/generate', { as: admin, body: {} });
  assert.equal(gen.status, 201, gen.body);
  assert.match(gen.json.algorithm, /ed25519/i);
  // The alias and the reporter address: a mail client finds the key for either without asking.
  assert.deepEqual(gen.json.userIds, [
    'Trusted Firmware Security Team <security@lists.trustedfirmware.org>',
    'Trusted Firmware Security Team (answers to the reporter) <security+reporter@lists.trustedfirmware.org>',
  ]);
  const pub = await api(h, 'GET', '/api/team-key');
  assert.equal(pub.status, 200);
  assert.match(pub.body, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  assert.ok(!pub.body.includes('PRIVATE'));

  const existing = await gpg.generateKey('TF Security <security@lists.trustedfirmware.org>', { algorithm: 'rsa3072' });
  h.clock.set(new Date().toISOString());
  const refused = await api(h, 'POST', '/api/admin/team-keys/import', { as: admin, body: { armored: existing.publicArmored } });
  assert.equal(refused.status, 400);
  assert.match(refused.json.error.message, /private key/);
  const imported = await api(h, 'POST', '/api/admin/team-keys/import', { as: admin, body: { armored: existing.secretArmored } });
  assert.equal(imported.status, 201, imported.body);
  assert.equal(imported.json.fingerprint, existing.fingerprint);
  assert.equal((await api(h, 'POST', '/api/admin/team-keys/import', { as: admin, body: { armored: existing.secretArmored } })).status, 409);
  const keys = (await api(h, 'GET', '/api/admin/team-keys', { as: admin })).json.keys;
  assert.deepEqual(
    keys.map((k: any) => [k.fingerprint, k.active, k.source]),
    [
      [existing.fingerprint, true, 'imported'],
      [gen.json.fingerprint, false, 'generated'],
    ],
  );
  assert.equal((await api(h, 'GET', '/api/team-key')).headers['x-fingerprint'], existing.fingerprint);
  // The private key is sealed at rest.
  const row = await h.app.db.query<{ private_sealed: string }>('SELECT private_sealed FROM team_keys WHERE active');
  assert.ok(!row.rows[0]!.private_sealed.includes('PRIVATE KEY'));
});

const embargo = (vars: NodeJS.ProcessEnv, ...args: string[]) => runEmbargo(vars, args);

test('CLI: keys team-public before and after keys generate / keys import; GnuPG reads what it prints', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-keys-'));
  const { databaseUrl } = await cliDatabase(t, 'keys', dir);
  const vars: NodeJS.ProcessEnv = { ...process.env, EMBARGO_DATA_DIR: dir, DATABASE_URL: databaseUrl, EMBARGO_PASSWORD_COST_LOG2: '14' };
  let r = await embargo(vars, 'keys', 'team-public', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /armored/);
  assert.equal(
    (
      await embargo(
        vars,
        'init',
        '--profile',
        'tock',
        '--name',
        'Tock Security Team',
        '--time-zone',
        'UTC',
        '--mail-domain',
        'lists.tockos.org',
        '--admin-name',
        'Ada',
        '--admin-email',
        'ada@tock.example',
      )
    ).code,
    0,
  );
  r = await embargo(vars, 'keys', 'team-public');
  assert.equal(r.code, 1);
  assert.match(r.err, /no team key yet/);

  r = await embargo(vars, 'keys', 'generate');
  assert.equal(r.code, 0, r.err);
  const generated = r.out.trim();
  assert.match(generated, /^[0-9A-F]{40}$/);
  r = await embargo(vars, 'keys', 'team-public');
  assert.equal(r.code, 0, r.err);
  const peer = await startGpg();
  t.after(() => peer.close());
  const shown = await peer.run(['--with-colons', '--import-options', 'show-only', '--import'], r.out);
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(shown.stdout.toString().includes(`fpr:::::::::${generated}:`), shown.stdout.toString());
  assert.ok(shown.stdout.toString().includes('security@lists.tockos.org'));

  // Import an existing key protected by a passphrase.
  const existing = await peer.generateKey('Tock Security <security@lists.tockos.org>', { algorithm: 'ed25519' });
  const exported = (
    await encryptKey({ privateKey: await readPrivateKey({ armoredKey: existing.secretArmored }), passphrase: 'hunter2 hunter2' })
  ).armor();
  const keyFile = join(dir, 'team.asc');
  const passFile = join(dir, 'pass.txt');
  writeFileSync(keyFile, exported);
  writeFileSync(passFile, 'wrong\n');
  r = await embargo(vars, 'keys', 'import', keyFile, '--passphrase-file', passFile);
  assert.equal(r.code, 1);
  writeFileSync(passFile, 'hunter2 hunter2\n');
  r = await embargo(vars, 'keys', 'import', keyFile, '--passphrase-file', passFile);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), existing.fingerprint);
  r = await embargo(vars, 'keys', 'team-public');
  const after = await peer.run(['--with-colons', '--import-options', 'show-only', '--import'], r.out);
  assert.ok(after.stdout.toString().includes(`fpr:::::::::${existing.fingerprint}:`));
});

test('a key offered again with a second report is listed on that report too, and may be confirmed from it', async () => {
  const { sampleReport } = await import('../support/harness.ts');
  const { caseKeyCandidates, confirmKey } = await import('../../src/app/keys/keys.ts');
  const rita = await gpg.generateKey('Rita <rita@research.example>');
  h.clock.set(new Date().toISOString());
  const system: Ctx = { app: h.app, principal: { kind: 'system', label: 'test' } };
  const reports: string[] = [];
  for (const title of ['First report of Rita', 'Second report of Rita']) {
    const r = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title } });
    assert.equal(r.status, 201, r.body);
    reports.push(r.json.reportId as string);
  }
  for (const reportId of reports) {
    const offered = await h.app.db.transaction((tx) =>
      recordOfferedKey(system, tx, h.clock.now, {
        email: 'rita@research.example',
        armored: rita.publicArmored,
        source: 'attachment',
        reportId,
      }),
    );
    assert.ok(offered.stored);
  }
  for (const reportId of reports) {
    const listed = (await caseKeyCandidates(alice.ctx, reportId)).map((k) => k.fingerprint);
    assert.deepEqual(listed, [rita.fingerprint], `listed on report ${reports.indexOf(reportId) + 1}`);
  }
  const [second] = await caseKeyCandidates(alice.ctx, reports[1]!);
  const confirmed = await confirmKey(alice.ctx, second!.id);
  assert.equal(confirmed.status, 'confirmed');
});
