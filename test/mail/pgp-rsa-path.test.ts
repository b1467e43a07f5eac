// docs/decisions.md ("RSA-4096 decryption speed") rests on this: the Node we run lets OpenSSL do
// PKCS#1 v1.5 private decryption with implicit rejection, so OpenPGP.js's node:crypto path is taken
// for RSA team keys. If a Node update refuses it again (CVE-2023-46809), this test fails and the
// decision must be revisited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';

test('node:crypto performs PKCS#1 v1.5 private decryption with implicit rejection', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secret = randomBytes(35);
  const ct = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, secret);
  assert.deepEqual(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, ct), secret);
  // Malformed padding: no error to observe (the Marvin/Bleichenbacher oracle), a synthetic
  // plaintext derived deterministically from the key and the ciphertext instead.
  const forged = Buffer.from(ct);
  forged[10] = forged[10]! ^ 1;
  const a = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, forged);
  const b = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, forged);
  assert.notDeepEqual(a, secret);
  assert.deepEqual(a, b);
});
