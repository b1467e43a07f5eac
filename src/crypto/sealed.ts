import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { EmbargoError } from '../domain/errors.ts';

// At-rest encryption of sensitive columns with an AES-256-GCM envelope:
// each value gets its own random data key; the data key is wrapped with the instance key (the key
// encryption key). The AAD binds a value to its place (table, column, row id), so a ciphertext
// copied into another row or column fails to open instead of showing someone else's secret.
//
// Format (text, so it fits any column and JSON): v1.<kid>.<wrapped dek>.<iv>.<ciphertext>.<tag>
// with base64url parts. The kid names the instance key, for rotation. Bytes (a built mail copy) are
// sealed as they are, b1.<kid>...: the same construction, its version naming what the plaintext is,
// so a large binary value is not base64-encoded once more before it is sealed; open() reads only v1,
// openBytes() only b1.
//
// Keys are handed to OpenSSL as KeyObjects: the instance key's is made once per sealer and reused for
// every value, each data key's once per value. A raw Buffer key costs node:crypto a slow validation
// path on every cipher it makes (about four times the AES work of a short value); the construction,
// the format and the keys themselves are unchanged.

const VERSION = 'v1';
const BYTES_VERSION = 'b1';

export interface Sealer {
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
  sealBytes(plaintext: Uint8Array, aad: string): string;
  openBytes(sealed: string, aad: string): Buffer;
  sealJson(value: unknown, aad: string): string;
  openJson<T>(sealed: string, aad: string): T;
}

function gcmEncrypt(key: KeyObject, plaintext: Buffer, aad: Buffer): [Buffer, Buffer, Buffer] {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [iv, ct, cipher.getAuthTag()];
}

function gcmDecrypt(key: KeyObject, iv: Buffer, ct: Buffer, tag: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}

const b64 = (b: Buffer) => b.toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url');

export function createSealer(instanceKey: Buffer, kid = 'k1'): Sealer {
  if (instanceKey.length !== 32) throw new Error('The instance key must be 32 bytes (AES-256).');
  if (!/^[a-z0-9]+$/.test(kid)) throw new Error('The instance key id must be lowercase letters and digits.');
  const kek = createSecretKey(instanceKey);

  function sealAs(version: string, plaintext: Buffer, aad: string): string {
    const dek = randomBytes(32);
    const aadBuf = Buffer.from(aad, 'utf8');
    const [wiv, wct, wtag] = gcmEncrypt(kek, dek, Buffer.from(`dek:${aad}`, 'utf8'));
    const [iv, ct, tag] = gcmEncrypt(createSecretKey(dek), plaintext, aadBuf);
    dek.fill(0);
    const wrapped = Buffer.concat([wiv, wct, wtag]);
    return [version, kid, b64(wrapped), b64(iv), b64(ct), b64(tag)].join('.');
  }

  function openAs(version: string, sealed: string, aad: string): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 6 || parts[0] !== version || parts[1] !== kid) {
      throw new EmbargoError('internal', 'A sealed value has an unknown format or key id.');
    }
    const [, , wrapped, iv, ct, tag] = parts as [string, string, string, string, string, string];
    try {
      const w = unb64(wrapped);
      const dek = gcmDecrypt(
        kek,
        w.subarray(0, 12),
        w.subarray(12, w.length - 16),
        w.subarray(w.length - 16),
        Buffer.from(`dek:${aad}`, 'utf8'),
      );
      const plain = gcmDecrypt(createSecretKey(dek), unb64(iv), unb64(ct), unb64(tag), Buffer.from(aad, 'utf8'));
      dek.fill(0);
      return plain;
    } catch {
      throw new EmbargoError('internal', 'A sealed value failed authentication: wrong key, or the data was altered or moved.');
    }
  }

  const seal = (plaintext: string, aad: string) => sealAs(VERSION, Buffer.from(plaintext, 'utf8'), aad);
  const open = (sealed: string, aad: string) => openAs(VERSION, sealed, aad).toString('utf8');

  return {
    seal,
    open,
    sealBytes: (plaintext, aad) => sealAs(BYTES_VERSION, Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength), aad),
    openBytes: (sealed, aad) => openAs(BYTES_VERSION, sealed, aad),
    sealJson: (value, aad) => seal(JSON.stringify(value), aad),
    openJson: <T>(s: string, aad: string) => JSON.parse(open(s, aad)) as T,
  };
}
