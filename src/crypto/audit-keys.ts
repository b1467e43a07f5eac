import { createHmac, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

// The audit log's keys, derived from the instance key (which lives outside the database: a file
// in the data directory or the environment), so whoever holds only the database can neither extend
// the chain with links that verify nor sign a checkpoint:
//   - the chain key: HMAC-SHA256 over each link (the previous link's MAC and the event);
//   - the checkpoint key: an Ed25519 key pair; its public half can be given to anyone who keeps or
//     publishes checkpoints, so they can check a checkpoint's signature without any secret.
// HKDF with a distinct label for each keeps them independent of each other and of the sealing key.

export interface AuditKeys {
  /** The MAC of one link of the chain: HMAC-SHA256(chain key, previous MAC, "\n", body), in hex. */
  link(prevMac: string, body: string): string;
  /** An Ed25519 signature of the text, base64. */
  sign(text: string): string;
  /** Whether the signature is this desk's over the text. */
  verify(text: string, signatureBase64: string): boolean;
  /** The checkpoint key's public half: the 32-byte Ed25519 key, base64. */
  readonly publicKey: string;
}

const derive = (instanceKey: Buffer, label: string) => Buffer.from(hkdfSync('sha256', instanceKey, Buffer.alloc(0), label, 32));

// An Ed25519 private key is its 32-byte seed; node:crypto takes it wrapped in PKCS#8 (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function ed25519FromSeed(seed: Buffer): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The raw 32-byte public key, base64, of an Ed25519 public key object. */
export function rawPublicKey(key: KeyObject): string {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

/** Checks an Ed25519 signature (base64) over text against a raw public key (base64); false for anything malformed. */
export function verifyEd25519(publicKeyBase64: string, text: string, signatureBase64: string): boolean {
  try {
    const raw = Buffer.from(publicKeyBase64, 'base64');
    const signature = Buffer.from(signatureBase64, 'base64');
    if (raw.length !== 32 || signature.length !== 64) return false;
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    return verify(null, Buffer.from(text, 'utf8'), key, signature);
  } catch {
    return false;
  }
}

export function auditKeys(instanceKey: Buffer): AuditKeys {
  if (instanceKey.length !== 32) throw new Error('The instance key must be 32 bytes.');
  const chainKey = derive(instanceKey, 'embargo audit chain v1');
  const { privateKey, publicKey } = ed25519FromSeed(derive(instanceKey, 'embargo audit checkpoint ed25519 v1'));
  const publicKeyBase64 = rawPublicKey(publicKey);
  return {
    link: (prevMac, body) => createHmac('sha256', chainKey).update(prevMac).update('\n').update(body).digest('hex'),
    sign: (text) => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64'),
    verify: (text, signatureBase64) => verifyEd25519(publicKeyBase64, text, signatureBase64),
    publicKey: publicKeyBase64,
  };
}
