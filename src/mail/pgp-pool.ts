import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PrivateKey, PublicKey } from 'openpgp';

// OpenPGP.js on every core: a few worker threads (one per core) that sign and encrypt outbound mail,
// so the cryptography of a fan-out runs beside the database work instead of between it, and on both
// cores of a small machine. The threads start with the first message to seal (a desk that sends
// nothing starts none) and keep the process alive only while they have work. A key is sent with each request as its
// bytes and an id derived from them; each thread parses a key once and keeps it.
// Why threads of our own and not a pool library: docs/decisions.md, "OpenPGP on every core".

export interface PoolKey {
  id: string;
  bytes: Uint8Array;
}

export type PoolRequest = { id: number } & (
  | { op: 'sign'; entity: Uint8Array; key: PoolKey }
  | { op: 'encrypt'; signed: Uint8Array; keys: PoolKey[] }
  | { op: 'sign-encrypt'; entity: Uint8Array; keys: PoolKey[]; key: PoolKey }
);

export type PoolResponse = { id: number; value?: Uint8Array | string; error?: string };

type Pending = { resolve: (v: Uint8Array | string) => void; reject: (e: Error) => void };

interface Thread {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
}

const SIZE = Math.max(1, availableParallelism());
const threads: Thread[] = [];
let nextId = 1;

function spawn(): Thread {
  const t: Thread = { worker: new Worker(new URL('./pgp-worker.ts', import.meta.url)), busy: 0, pending: new Map() };
  t.worker.unref();
  t.worker.on('message', (r: PoolResponse) => {
    const p = t.pending.get(r.id);
    if (!p) return;
    t.pending.delete(r.id);
    // An idle thread does not keep the process alive; one with work does (its answer is awaited).
    if (--t.busy === 0) t.worker.unref();
    if (r.error !== undefined) p.reject(new Error(r.error));
    else p.resolve(r.value!);
  });
  const fail = (e: Error) => {
    // A thread that died takes its requests with it: they fail (the delivery job retries them) and
    // the next request starts a new thread in its place.
    const i = threads.indexOf(t);
    if (i >= 0) threads.splice(i, 1);
    for (const p of t.pending.values()) p.reject(e);
    t.pending.clear();
  };
  t.worker.on('error', fail);
  t.worker.on('exit', (code) => fail(new Error(`the OpenPGP thread stopped (exit code ${code})`)));
  threads.push(t);
  return t;
}

function run<T extends Uint8Array | string>(
  req: PoolRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never,
): Promise<T> {
  // The least busy thread, starting another while there are fewer than the cores.
  let t = threads.reduce<Thread | null>((best, x) => (best === null || x.busy < best.busy ? x : best), null);
  if (!t || (t.busy > 0 && threads.length < SIZE)) t = spawn();
  const id = nextId++;
  if (t.busy++ === 0) t.worker.ref();
  return new Promise<T>((resolve, reject) => {
    t.pending.set(id, { resolve: resolve as (v: Uint8Array | string) => void, reject });
    t.worker.postMessage({ ...req, id });
  });
}

const keyRefs = new WeakMap<PublicKey | PrivateKey, PoolKey>();

/** The key as the threads receive it: its bytes (secret key material included for a private key) and an id of them. */
function ref(key: PublicKey | PrivateKey): PoolKey {
  let r = keyRefs.get(key);
  if (!r) {
    const bytes = key.write();
    r = { id: `${key.isPrivate() ? 'sec' : 'pub'}:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
    keyRefs.set(key, r);
  }
  return r;
}

/** The entity signed by key as a binary OpenPGP message (one-pass signature, literal data, signature). */
export function signInPool(entity: Uint8Array, key: PrivateKey): Promise<Uint8Array> {
  return run<Uint8Array>({ op: 'sign', entity, key: ref(key) });
}

/** A signed message (from signInPool) encrypted to the keys, armored. */
export function encryptInPool(signed: Uint8Array, keys: PublicKey[]): Promise<string> {
  return run<string>({ op: 'encrypt', signed, keys: keys.map(ref) });
}

/** The entity signed and encrypted in one pass, armored. */
export function signEncryptInPool(entity: Uint8Array, keys: PublicKey[], key: PrivateKey): Promise<string> {
  return run<string>({ op: 'sign-encrypt', entity, keys: keys.map(ref), key: ref(key) });
}
