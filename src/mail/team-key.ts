// Team key helpers, pure (no database): generate, import an armored private key, export public.
import type { PrivateKey } from './types.ts';

export interface GenerateTeamKeyOptions {
  name: string;
  email: string;
  /** 'curve25519' (default: Ed25519 signing + X25519 encryption, v4 keys GnuPG 2.2 reads) or 'rsa4096'. */
  algorithm?: 'curve25519' | 'rsa4096';
  date?: Date;
}

export async function generateTeamKey(opts: GenerateTeamKeyOptions): Promise<PrivateKey> {
  void opts;
  throw new Error('generateTeamKey: not implemented yet');
}

/** Reads an armored private key, unlocks it with the passphrase, checks it can sign and decrypt. */
export async function importTeamKey(armored: string, passphrase?: string, now: Date = new Date()): Promise<PrivateKey> {
  void armored; void passphrase; void now;
  throw new Error('importTeamKey: not implemented yet');
}

export function exportPublicArmored(key: PrivateKey): string {
  return key.toPublic().armor();
}
