// Whether a person's public key may be used to encrypt mail to them, and why not. The policy (also in
// docs/decisions.md): RSA below 2048 bits, DSA and ElGamal are refused (OpenPGP.js refuses them too, and
// they cannot meet today's 112-bit floor or use SHA-1-era parameters); RSA from 2048 to 3071 bits is usable
// with a warning (NIST SP 800-57 puts it at 112 bits, acceptable until 2030); ECC (Curve25519, NIST and
// Brainpool curves) and RSA >= 3072 are fine. A key must have a valid, unexpired, unrevoked encryption
// (sub)key at `now`, and, when an address is given, a valid user ID carrying that address.
//
// Asynchronous because it verifies self-signatures (binding, expiry, revocation): reading the dates from
// unverified packets would let anyone who can append a packet make an expired key look fresh.

import type { KeyUsability, PublicKey } from './types.ts';
import type { Key, Subkey } from 'openpgp';

export const RSA_MIN_BITS = 2048;
export const RSA_WARN_BELOW_BITS = 3072;

function strength(part: Key | Subkey, what: string): KeyUsability | undefined {
  const info = part.getAlgorithmInfo();
  const algo = String(info.algorithm);
  if (algo === 'dsa' || algo === 'elgamal') {
    return {
      usable: false,
      code: 'too_weak',
      reason: `The ${what} uses ${algo === 'dsa' ? 'DSA' : 'ElGamal'}, which is no longer accepted; please create a Curve25519 or RSA-3072+ key.`,
    };
  }
  if (algo.startsWith('rsa')) {
    const bits = info.bits ?? 0;
    if (bits < RSA_MIN_BITS)
      return {
        usable: false,
        code: 'too_weak',
        reason: `The ${what} is RSA-${bits}; at least ${RSA_MIN_BITS} bits are required (3072 or more recommended).`,
      };
    if (bits < RSA_WARN_BELOW_BITS)
      return {
        usable: true,
        code: 'weak_warning',
        reason: `The ${what} is RSA-${bits}: usable, but below the recommended ${RSA_WARN_BELOW_BITS} bits.`,
      };
  }
  return undefined;
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Why a key may not be used, as a clause to go inside a sentence of the caller's: the reasons above are
 * whole sentences, and a caller that adds its own full stop would print two.
 */
export function whyUnusable(u: KeyUsability, fallback = 'no usable key'): string {
  return (u.reason ?? u.code ?? fallback).replace(/\.+$/, '');
}

export async function keyUsability(key: PublicKey | undefined | null, now: Date, forEmail?: string): Promise<KeyUsability> {
  if (!key) return { usable: false, code: 'no_key', reason: 'No OpenPGP key is on record.' };
  try {
    const primaryProblem = strength(key, 'primary key');
    if (primaryProblem && !primaryProblem.usable) return primaryProblem;
    if (await key.isRevoked(undefined, undefined, now))
      return { usable: false, code: 'revoked', reason: 'The key has been revoked by its owner.' };
    let expiry: Date | number | null;
    try {
      expiry = await key.getExpirationTime();
    } catch {
      return { usable: false, code: 'unparseable', reason: 'The key has no valid self-signature.' };
    }
    if (expiry instanceof Date && expiry.getTime() <= now.getTime()) {
      return { usable: false, code: 'expired', reason: `The key expired on ${expiry.toISOString().slice(0, 10)}.` };
    }
    if (forEmail !== undefined) {
      const wanted = normalizeEmail(forEmail);
      const matching = key.users.filter((u) => u.userID && normalizeEmail(u.userID.email) === wanted);
      if (!matching.length)
        return { usable: false, code: 'no_matching_user_id', reason: `No user ID of the key carries the address ${forEmail}.` };
      try {
        await key.getPrimaryUser(now, { email: matching[0]!.userID!.email });
      } catch {
        return {
          usable: false,
          code: 'no_matching_user_id',
          reason: `The user ID for ${forEmail} is revoked, expired or not validly self-signed.`,
        };
      }
    }
    let encryptionKey: Key | Subkey;
    try {
      encryptionKey = await key.getEncryptionKey(undefined, now);
    } catch {
      // Find the most telling reason among the subkeys before falling back to a generic one.
      for (const sub of key.subkeys) {
        const s = strength(sub, 'encryption subkey');
        if (s && !s.usable) return s;
      }
      const subs = key.subkeys;
      const expiries = await Promise.all(subs.map((s) => s.getExpirationTime(now).catch(() => null)));
      if (subs.length && expiries.every((e) => e instanceof Date && e.getTime() <= now.getTime())) {
        return { usable: false, code: 'expired', reason: 'Every encryption subkey of the key has expired.' };
      }
      return { usable: false, code: 'no_encryption_key', reason: 'The key has no valid, unexpired, unrevoked encryption subkey.' };
    }
    const subProblem = encryptionKey === key ? undefined : strength(encryptionKey, 'encryption subkey');
    if (subProblem && !subProblem.usable) return subProblem;
    return subProblem ?? primaryProblem ?? { usable: true, code: 'ok' };
  } catch (e) {
    return { usable: false, code: 'unparseable', reason: `The key could not be checked: ${(e as Error).message}` };
  }
}
