// Opening inbound mail: PGP/MIME and inline decryption with the team key(s), signature verification in
// every common shape, protected headers, and keys offered by the sender.
import type { InboundKeys, OpenedMessage } from './types.ts';

export { UndecryptableError } from './types.ts';

/** Decrypts and verifies one raw message. Throws UndecryptableError for encrypted mail it cannot open. */
export async function openInbound(raw: Uint8Array, keys: InboundKeys): Promise<OpenedMessage> {
  void raw; void keys;
  throw new Error('openInbound: not implemented yet');
}
