// Building outbound OpenPGP mail: PGP/MIME encrypted and signed (RFC 3156) with protected headers,
// and relaying a member's already-signed entity encrypted to a recipient with the signature intact.
import type { RelayOptions, SealOptions } from './types.ts';

/** An RFC 5322 multipart/encrypted message, signed by signingKey and encrypted to recipientKeys. */
export async function sealOutbound(opts: SealOptions): Promise<Uint8Array> {
  void opts;
  throw new Error('sealOutbound: not implemented yet');
}

/** The member's signed entity (multipart/signed bytes or clearsigned text) as the encrypted inner part. */
export async function relaySigned(opts: RelayOptions): Promise<Uint8Array> {
  void opts;
  throw new Error('relaySigned: not implemented yet');
}
