import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

// Keyed blind indexes: where the desk must find a row by a value it keeps sealed (a key by its
// e-mail address, the deliveries held for an address), the row also holds HMAC-SHA-256 of the value
// under a key derived from the instance key. Equal values give equal indexes, so an index can be
// looked up and be UNIQUE; without the instance key it cannot be computed, so nobody holding only the
// database can test guesses (a plain hash of an address is found by hashing a list of addresses).
// Each purpose gets its own derived key, so indexes of one kind cannot be matched against another's.

export interface BlindIndex {
  /** The index of `value` for `purpose` (e.g. 'email'), as 64 hex digits. */
  of(purpose: BlindPurpose, value: string): string;
}

export type BlindPurpose = 'email';

/** The blind index of e-mail addresses compares them as the desk does: trimmed and lower case. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export function createBlindIndex(instanceKey: Buffer): BlindIndex {
  if (instanceKey.length !== 32) throw new Error('The instance key must be 32 bytes.');
  // Each derived key is handed to OpenSSL as a KeyObject, made once: a raw Buffer key costs
  // node:crypto a slow validation path on every HMAC (several times the HMAC of an address itself).
  const keys = new Map<BlindPurpose, KeyObject>();
  const keyFor = (purpose: BlindPurpose): KeyObject => {
    let k = keys.get(purpose);
    if (!k) {
      k = createSecretKey(Buffer.from(hkdfSync('sha256', instanceKey, Buffer.alloc(0), `embargo blind index v1: ${purpose}`, 32)));
      keys.set(purpose, k);
    }
    return k;
  };
  return {
    of(purpose, value) {
      const normalised = purpose === 'email' ? normaliseEmail(value) : value;
      return createHmac('sha256', keyFor(purpose)).update(normalised, 'utf8').digest('hex');
    },
  };
}
