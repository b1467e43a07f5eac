// Whether a person's public key may be used to encrypt mail to them.
import type { KeyUsability, PublicKey } from './types.ts';

/** usable=false with a reason for: no key, expired, revoked, too weak, no encryption subkey, no matching user ID. */
export async function keyUsability(key: PublicKey | undefined | null, now: Date, forEmail?: string): Promise<KeyUsability> {
  void key; void now; void forEmail;
  throw new Error('keyUsability: not implemented yet');
}
