// Team key helpers, pure (no database): generate, import an armored private key, export public.
// Curve25519 keys are generated as v4 EdDSA + ECDH(cv25519) ("curve25519Legacy" in OpenPGP.js), the form
// GnuPG 2.2 and every deployed mail client read; RFC 9580's new X25519/Ed25519 algorithms are not yet.

import * as openpgp from 'openpgp';
import { KeyProblemError, type PrivateKey } from './types.ts';
import { keyUsability } from './key-quality.ts';

export interface GenerateTeamKeyOptions {
  name: string;
  email: string;
  /** More user IDs (after the primary one): the other addresses mail to the team is encrypted for. */
  alsoFor?: { name: string; email: string }[];
  /** 'curve25519' (default: Ed25519 signing + X25519 encryption, v4 keys GnuPG 2.2 reads) or 'rsa4096'. */
  algorithm?: 'curve25519' | 'rsa4096';
  date?: Date;
}

export async function generateTeamKey(opts: GenerateTeamKeyOptions): Promise<PrivateKey> {
  const base = {
    userIDs: [{ name: opts.name, email: opts.email }, ...(opts.alsoFor ?? [])],
    format: 'object' as const,
    ...(opts.date ? { date: opts.date } : {}),
  };
  const { privateKey } =
    opts.algorithm === 'rsa4096'
      ? await openpgp.generateKey({ ...base, type: 'rsa', rsaBits: 4096 })
      : await openpgp.generateKey({ ...base, type: 'ecc', curve: 'curve25519Legacy' });
  return privateKey;
}

/** Reads an armored private key, unlocks it with the passphrase, checks it can sign and decrypt. */
export async function importTeamKey(armored: string, passphrase?: string, now: Date = new Date()): Promise<PrivateKey> {
  let key: PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (e) {
    const msg = (e as Error).message;
    if (/public key|not of type private/i.test(msg) || /PUBLIC KEY BLOCK/.test(armored)) {
      throw new KeyProblemError('This is a public key; the team key must be imported with its private part.');
    }
    throw new KeyProblemError(`This is not a readable armored OpenPGP private key (${msg}).`);
  }
  if (!key.isDecrypted()) {
    if (!passphrase) throw new KeyProblemError('The private key is protected by a passphrase; give the passphrase to import it.');
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch {
      throw new KeyProblemError('The passphrase does not unlock this private key.');
    }
  }
  const usable = await keyUsability(key.toPublic(), now);
  if (!usable.usable) throw new KeyProblemError(`The team key cannot be used: ${usable.reason}`);
  try {
    await key.getSigningKey(undefined, now);
  } catch {
    throw new KeyProblemError('The team key has no valid signing key (its secret part may be missing: a gnu-dummy stub?).');
  }
  // A secret-subkey stub (exported with --export-secret-subkeys or kept on a card) cannot decrypt.
  const enc = await key.getDecryptionKeys(undefined, now);
  if (!enc.length || enc.every((k) => (k.keyPacket as { isDummy?: () => boolean }).isDummy?.() === true))
    throw new KeyProblemError('The team key has no usable decryption key (its secret part is missing).');
  return key;
}

export function exportPublicArmored(key: PrivateKey): string {
  return key.toPublic().armor();
}

/** The unlocked private key, armored, for storage sealed by the caller (never written in clear). */
export function exportPrivateArmored(key: PrivateKey): string {
  return key.armor();
}

/** Upper-case hex fingerprint, as GnuPG prints it. */
export function fingerprintOf(key: { getFingerprint(): string }): string {
  return key.getFingerprint().toUpperCase();
}
