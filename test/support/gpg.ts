// GnuPG as the real OpenPGP peer of the mail tests: a temporary GNUPGHOME per peer, batch mode, loopback
// pinentry, keys without passphrase. Whatever it makes is what a reporter's mail client would send; what
// it decrypts and verifies is what a reporter's mail client would accept.
//
//   const gpg = await startGpg();            // in before()
//   const alice = await gpg.generateKey('Alice <alice@example.org>');
//   const armored = await gpg.encrypt(bytes, { recipients: [team.fingerprint], signWith: alice.fingerprint });
//   const { status } = await gpg.decrypt(bytes);   // status lines: VALIDSIG <fpr> ...
//   await gpg.close();                       // in after(): kills the agent, removes the home
//
// A missing /usr/bin/gpg is an error, never a skip.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GPG = process.env.EMBARGO_TEST_GPG ?? '/usr/bin/gpg';
export const GPGCONF = process.env.EMBARGO_TEST_GPGCONF ?? '/usr/bin/gpgconf';

export interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** Lines of --status-fd output without the "[GNUPG:] " prefix. */
  status: string[];
}

export type GpgAlgorithm = 'ed25519' | 'rsa1024' | 'rsa2048' | 'rsa3072' | 'rsa4096' | 'dsa2048';

export interface GpgKey {
  fingerprint: string;
  keyId: string;
  uid: string;
  publicArmored: string;
  secretArmored: string;
}

export interface GenerateOptions {
  algorithm?: GpgAlgorithm;
  /** gpg expiry spec for primary and subkey: 'never' (default), '1d', or an ISO date. */
  expire?: string;
  /** Add an encryption subkey (default true). */
  encryptionSubkey?: boolean;
}

export interface EncryptOptions {
  /** Fingerprints (or user IDs) to encrypt to; their public keys must be imported. */
  recipients: string[];
  /** Sign and encrypt in one OpenPGP message with this key. */
  signWith?: string;
  /** ASCII armour (default true). */
  armor?: boolean;
}

export interface GpgPeer {
  home: string;
  /** Runs gpg with the peer's home, batch flags and a status fd on stdout... unless stdout is the output. */
  run(args: string[], input?: string | Uint8Array): Promise<GpgResult>;
  generateKey(uid: string, opts?: GenerateOptions): Promise<GpgKey>;
  importKey(armored: string): Promise<void>;
  exportPublic(fingerprint: string): Promise<string>;
  encrypt(data: string | Uint8Array, opts: EncryptOptions): Promise<string>;
  /** Armored detached signature over the exact bytes given (what multipart/signed carries). */
  signDetached(data: string | Uint8Array, signer: string): Promise<string>;
  clearsign(text: string, signer: string): Promise<string>;
  /** Armored inline signed (not clearsigned) message. */
  signInline(data: string | Uint8Array, signer: string): Promise<string>;
  /** gpg --decrypt: never throws on a failed decryption; look at code and status. */
  decrypt(data: string | Uint8Array): Promise<GpgResult>;
  /** gpg --verify sig data: never throws; look at status for VALIDSIG / BADSIG. */
  verifyDetached(data: string | Uint8Array, signature: string): Promise<GpgResult>;
  close(): Promise<void>;
}

const BATCH = ['--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', '--trust-model', 'always'];

function exec(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string | Uint8Array,
): Promise<{ code: number; stdout: Buffer; stderr: string; fd3: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const st: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => st.push(b));
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        fd3: Buffer.concat(st).toString('utf8'),
      }),
    );
    child.stdin!.on('error', () => {}); // gpg may exit before reading everything (bad input): the exit code tells
    child.stdin!.end(input === undefined ? undefined : typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input));
  });
}

/** VALIDSIG's primary-key fingerprint (the last field) from a status list, if any. */
export function validSigPrimary(status: string[]): string | undefined {
  const line = status.find((l) => l.startsWith('VALIDSIG '));
  if (!line) return undefined;
  const parts = line.split(' ');
  return parts[parts.length - 1];
}

export async function startGpg(): Promise<GpgPeer> {
  const home = await mkdtemp(join(tmpdir(), 'emb-gpg-'));
  const env = { ...process.env, GNUPGHOME: home, LC_ALL: 'C' };

  const run = async (args: string[], input?: string | Uint8Array): Promise<GpgResult> => {
    const r = await exec(GPG, [...BATCH, '--status-fd', '3', ...args], env, input);
    const status = r.fd3
      .split('\n')
      .filter((l) => l.startsWith('[GNUPG:] '))
      .map((l) => l.slice(9));
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, status };
  };
  const must = async (args: string[], input?: string | Uint8Array): Promise<GpgResult> => {
    const r = await run(args, input);
    if (r.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  };

  const exportPublic = async (fpr: string) => (await must(['--armor', '--export', fpr])).stdout.toString('utf8');

  const peer: GpgPeer = {
    home,
    run,
    async generateKey(uid, opts = {}) {
      const algorithm = opts.algorithm ?? 'ed25519';
      const expire = opts.expire ?? 'never';
      const primaryAlgo = algorithm === 'ed25519' ? 'ed25519' : algorithm === 'dsa2048' ? 'dsa2048' : algorithm;
      const gen = await must(['--quick-gen-key', uid, primaryAlgo, 'sign,cert', expire]);
      const created = gen.status.find((l) => l.startsWith('KEY_CREATED '));
      const fingerprint = created?.split(' ')[2];
      if (!fingerprint) throw new Error(`gpg did not report the new key: ${gen.status.join('\n')}`);
      if (opts.encryptionSubkey !== false) {
        const subAlgo = algorithm === 'ed25519' ? 'cv25519' : algorithm === 'dsa2048' ? 'elg2048' : algorithm;
        await must(['--quick-add-key', fingerprint, subAlgo, 'encr', expire]);
      }
      return {
        fingerprint,
        keyId: fingerprint.slice(-16),
        uid,
        publicArmored: await exportPublic(fingerprint),
        secretArmored: (await must(['--armor', '--export-secret-keys', fingerprint])).stdout.toString('utf8'),
      };
    },
    async importKey(armored) {
      await must(['--import'], armored);
    },
    exportPublic,
    async encrypt(data, opts) {
      const args = [opts.armor === false ? '--no-armor' : '--armor'];
      for (const r of opts.recipients) args.push('--recipient', r);
      if (opts.signWith) args.push('--local-user', opts.signWith, '--sign');
      args.push('--encrypt');
      return (await must(args, data)).stdout.toString('latin1');
    },
    async signDetached(data, signer) {
      return (await must(['--armor', '--digest-algo', 'SHA256', '--local-user', signer, '--detach-sign'], data)).stdout.toString('utf8');
    },
    async clearsign(text, signer) {
      return (await must(['--armor', '--digest-algo', 'SHA256', '--local-user', signer, '--clearsign'], text)).stdout.toString('utf8');
    },
    async signInline(data, signer) {
      return (await must(['--armor', '--local-user', signer, '--sign'], data)).stdout.toString('utf8');
    },
    async decrypt(data) {
      return run(['--decrypt'], data);
    },
    async verifyDetached(data, signature) {
      const sigFile = join(home, `sig-${Date.now()}-${Math.random().toString(36).slice(2)}.asc`);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(sigFile, signature);
      return run(['--verify', sigFile, '-'], data);
    },
    async close() {
      await exec(GPGCONF, ['--kill', 'all'], env).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
  // Fail loudly and early when GnuPG is missing: the mail tests are meaningless without their peer.
  await must(['--version']);
  return peer;
}
