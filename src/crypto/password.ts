import { randomBytes, scrypt, timingSafeEqual, createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

// Passwords: scrypt from Node's own OpenSSL binding (no native add-on to build), with the
// parameters stored next to each hash so the cost can be raised later without breaking old hashes.
// Format: scrypt$<log2N>$<r>$<p>$<salt b64url>$<hash b64url>

const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEYLEN, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, log2N: number): Promise<string> {
  const salt = randomBytes(16);
  const r = 8;
  const p = 1;
  const key = await scryptAsync(password, salt, 2 ** log2N, r, p);
  return ['scrypt', log2N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, log2N, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), 2 ** Number(log2N), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash that verifyPassword never accepts, for spending the same time on unknown accounts: it has
 * the cost new hashes get (the configured one), or the time would tell which accounts exist.
 */
export function dummyPasswordHash(log2N: number): string {
  return `scrypt$${log2N}$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;
}

/** Random bearer secrets (sessions, API tokens, enrollment and reporter links): 256 bits. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Bearer secrets are stored only as SHA-256: they are high-entropy, so no slow hash is needed. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Password policy from NIST SP 800-63B: length, not composition rules, and no password an attacker
 * would guess early. How guessable a password is comes from zxcvbn-ts (a maintained estimator with
 * common-password and English dictionaries, keyboard patterns, repeats and sequences), told the
 * person's own name and e-mail address so that a password made of them counts as weak. The refusal
 * carries the estimator's own advice.
 */
export function passwordProblem(password: string, minScore: number, userInputs: string[] = []): string | null {
  if ([...password].length < 12) return 'The password must be at least 12 characters long.';
  if (password.length > 1024) return 'The password must be at most 1024 characters long.';
  const r = estimator().check(password, userInputs);
  if (r.score >= minScore) return null;
  const advice = [r.feedback.warning, ...r.feedback.suggestions].filter((t): t is string => !!t);
  return ['The password is too easy to guess.', ...advice].join(' ');
}

// The estimator's dictionaries take about 12 MB of heap: they are loaded the first time a password is
// set (enrollment, a change), not by every process that starts, and kept from then on.
const require = createRequire(import.meta.url);
let zxcvbn: ZxcvbnFactory | null = null;
function estimator(): ZxcvbnFactory {
  if (zxcvbn) return zxcvbn;
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const zxcvbnCommon = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const zxcvbnEn = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  zxcvbn = new ZxcvbnFactory({
    translations: zxcvbnEn.translations,
    graphs: zxcvbnCommon.adjacencyGraphs,
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
  });
  return zxcvbn;
}
