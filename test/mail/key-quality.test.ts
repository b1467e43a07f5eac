// keyUsability and the team key helpers, on keys made by GnuPG.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { startGpg, type GpgKey, type GpgPeer } from '../support/gpg.ts';
import { keyUsability } from '../../src/mail/key-quality.ts';
import { generateTeamKey, importTeamKey, exportPublicArmored, exportPrivateArmored, fingerprintOf } from '../../src/mail/team-key.ts';
import { KeyProblemError, type PublicKey } from '../../src/mail/types.ts';

let gpg: GpgPeer;
// Evaluated after each key is made: a key created after "now" is not yet valid.
const now = () => new Date(Date.now() + 1000);
const read = async (k: GpgKey) => (await openpgp.readKey({ armoredKey: k.publicArmored })) as PublicKey;

before(async () => {
  gpg = await startGpg();
});
after(async () => {
  await gpg?.close();
});

test('a fresh Curve25519 key is usable for its address, not for another (mismatched user ID)', async () => {
  const k = await read(await gpg.generateKey('Ann <ann@example.org>'));
  assert.deepEqual(await keyUsability(k, now(), 'ANN@example.org'), { usable: true, code: 'ok' });
  const other = await keyUsability(k, now(), 'mallory@example.org');
  assert.equal(other.usable, false);
  assert.equal(other.code, 'no_matching_user_id');
  assert.match(other.reason ?? '', /mallory@example.org/);
});

test('no key', async () => {
  assert.equal((await keyUsability(null, now())).code, 'no_key');
});

test('RSA-2048 is usable with a warning; RSA-1024 and DSA/ElGamal are refused', async () => {
  const r2048 = await keyUsability(await read(await gpg.generateKey('R <r2048@example.org>', { algorithm: 'rsa2048' })), now());
  assert.equal(r2048.usable, true);
  assert.equal(r2048.code, 'weak_warning');
  const r1024 = await keyUsability(await read(await gpg.generateKey('R <r1024@example.org>', { algorithm: 'rsa1024' })), now());
  assert.equal(r1024.usable, false);
  assert.equal(r1024.code, 'too_weak');
  assert.match(r1024.reason ?? '', /RSA-1024/);
  const dsa = await keyUsability(await read(await gpg.generateKey('D <dsa@example.org>', { algorithm: 'dsa2048' })), now());
  assert.equal(dsa.usable, false);
  assert.equal(dsa.code, 'too_weak');
});

test('no encryption subkey', async () => {
  const k = await read(await gpg.generateKey('S <signonly@example.org>', { encryptionSubkey: false }));
  const u = await keyUsability(k, now());
  assert.equal(u.usable, false);
  assert.equal(u.code, 'no_encryption_key');
});

test('expired: a key made with a one-day expiry, checked two days later', async () => {
  const k = await read(await gpg.generateKey('E <expired@example.org>', { expire: '1d' }));
  assert.equal((await keyUsability(k, now())).usable, true);
  const later = new Date(Date.now() + 2 * 86_400_000);
  const u = await keyUsability(k, later);
  assert.equal(u.usable, false);
  assert.equal(u.code, 'expired');
});

test('revoked: the revocation certificate gpg wrote, imported', async () => {
  const key = await gpg.generateKey('V <revoked@example.org>');
  const rev = (await readFile(join(gpg.home, 'openpgp-revocs.d', `${key.fingerprint}.rev`), 'utf8')).replace(/^:-----/m, '-----');
  await gpg.importKey(rev);
  const revoked = (await openpgp.readKey({ armoredKey: await gpg.exportPublic(key.fingerprint) })) as PublicKey;
  const u = await keyUsability(revoked, now());
  assert.equal(u.usable, false);
  assert.equal(u.code, 'revoked');
});

test('team key: generated Curve25519 and RSA-4096 keys sign and decrypt, and gpg reads the exported public key', async () => {
  for (const algorithm of ['curve25519', 'rsa4096'] as const) {
    const key = await generateTeamKey({ name: 'Team', email: `team-${algorithm}@project.test`, algorithm });
    const info = key.getAlgorithmInfo();
    assert.equal(info.algorithm, algorithm === 'rsa4096' ? 'rsaEncryptSign' : 'eddsaLegacy');
    if (algorithm === 'rsa4096') assert.equal(info.bits, 4096);
    await gpg.importKey(exportPublicArmored(key));
    const listed = await gpg.run(['--with-colons', '--list-keys', fingerprintOf(key)]);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout.toString(), algorithm === 'rsa4096' ? /^sub:[^:]*:4096:1:/m : /^sub:.*:cv25519:/m);
    // Re-import what we export (the form the key store seals).
    const again = await importTeamKey(exportPrivateArmored(key));
    assert.equal(fingerprintOf(again), fingerprintOf(key));
  }
});

test('team key import: passphrase required, wrong passphrase, public key, garbage, sign-only key: clear errors', async () => {
  const key = await generateTeamKey({ name: 'Team', email: 'team@project.test' });
  const locked = (await openpgp.encryptKey({ privateKey: key, passphrase: 'correct horse' })).armor();
  await assert.rejects(importTeamKey(locked), (e: unknown) => e instanceof KeyProblemError && /passphrase/.test(e.message));
  await assert.rejects(importTeamKey(locked, 'wrong'), (e: unknown) => e instanceof KeyProblemError && /does not unlock/.test(e.message));
  const ok = await importTeamKey(locked, 'correct horse');
  assert.equal(fingerprintOf(ok), fingerprintOf(key));
  assert.ok(ok.isDecrypted());
  await assert.rejects(
    importTeamKey(exportPublicArmored(key)),
    (e: unknown) => e instanceof KeyProblemError && /public key/.test(e.message),
  );
  await assert.rejects(
    importTeamKey('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nzzzz\n-----END PGP PRIVATE KEY BLOCK-----\n'),
    KeyProblemError,
  );
  // A gpg key exported with a passphrase is unlocked the same way.
  const signOnly = await gpg.generateKey('SO <so@project.test>', { encryptionSubkey: false });
  await assert.rejects(
    importTeamKey(signOnly.secretArmored),
    (e: unknown) => e instanceof KeyProblemError && /cannot be used|decryption/.test(e.message),
  );
  // Weak team keys are refused like weak member keys.
  const weak = await gpg.generateKey('W <w@project.test>', { algorithm: 'rsa1024' });
  await assert.rejects(importTeamKey(weak.secretArmored), (e: unknown) => e instanceof KeyProblemError && /RSA-1024/.test(e.message));
});
