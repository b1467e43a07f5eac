import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PrivateKey, PublicKey } from 'openpgp';
import type { InboundRead } from './read.ts';
import type { MimeLimits } from './types.ts';

// OpenPGP.js on every core: a few worker threads (one per core) that read inbound mail (parse,
// decrypt, verify) and sign and encrypt outbound mail, so the cryptography and the MIME work run
// beside the database work instead of between it, and on both cores of a small machine. The threads
// start with the first request (a desk that receives and sends nothing starts none) and keep the
// process alive only while they have work.
//
// A key travels as an id derived from its bytes; its bytes go to a thread only the first time that
// thread is asked to use it, and the thread parses it once and keeps it. A thread that has let a key
// go (it keeps a bounded number) answers with the ids it lacks, and the request is sent again with
// their bytes. So the desk's whole ring of confirmed keys, handed over for every inbound message, is
// copied to each thread once, not once per message.
// Why threads of our own and not a pool library: docs/decisions.md, "OpenPGP on every core".

export interface PoolKey {
  id: string;
  bytes: Uint8Array;
}

/** A key as a request carries it: its bytes only when the thread has not been sent them before. */
export interface WireKey {
  id: string;
  bytes?: Uint8Array;
}

type Op<K> =
  | { op: 'sign'; entity: Uint8Array; key: K }
  | { op: 'encrypt'; signed: Uint8Array; keys: K[] }
  | { op: 'sign-encrypt'; entity: Uint8Array; keys: K[]; key: K }
  | {
      op: 'read-inbound';
      raw: Uint8Array;
      envelopeFrom: string;
      limits: MimeLimits;
      ours: { aliases: ReadonlySet<string>; messageIdDomain: string };
      teamKeys: K[];
      knownKeys: K[];
      maxTextChars: number;
    };

export type PoolRequest = { id: number } & Op<WireKey>;

export type PoolResponse = { id: number; value?: unknown; error?: string; missingKeys?: string[] };

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

interface Thread {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
  /** Ids of the keys whose bytes this thread has been sent. */
  sent: Set<string>;
}

const SIZE = Math.max(1, availableParallelism());
const threads: Thread[] = [];
let nextId = 1;

function spawn(): Thread {
  const t: Thread = { worker: new Worker(new URL('./pgp-worker.ts', import.meta.url)), busy: 0, pending: new Map(), sent: new Set() };
  t.worker.unref();
  t.worker.on('message', (r: PoolResponse) => {
    const p = t.pending.get(r.id);
    if (!p) return;
    t.pending.delete(r.id);
    // An idle thread does not keep the process alive; one with work does (its answer is awaited).
    if (--t.busy === 0) t.worker.unref();
    if (r.missingKeys) {
      for (const k of r.missingKeys) t.sent.delete(k);
      p.reject(new MissingKeys());
    } else if (r.error !== undefined) p.reject(new Error(r.error));
    else p.resolve(r.value);
  });
  const fail = (e: Error) => {
    // A thread that died takes its requests with it: they fail (the jobs retry them) and the next
    // request starts a new thread in its place.
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

class MissingKeys extends Error {}

/** The request's keys as this thread is to receive them: bytes for those it has not had (every one's, with all). */
function wire(t: Thread, op: Op<PoolKey>, all: boolean): Op<WireKey> {
  const w = (k: PoolKey): WireKey => {
    if (!all && t.sent.has(k.id)) return { id: k.id };
    t.sent.add(k.id);
    return { id: k.id, bytes: k.bytes };
  };
  switch (op.op) {
    case 'sign':
      return { ...op, key: w(op.key) };
    case 'encrypt':
      return { ...op, keys: op.keys.map(w) };
    case 'sign-encrypt':
      return { ...op, keys: op.keys.map(w), key: w(op.key) };
    case 'read-inbound':
      return { ...op, teamKeys: op.teamKeys.map(w), knownKeys: op.knownKeys.map(w) };
  }
}

function send<T>(t: Thread, op: Op<PoolKey>, allKeys: boolean): Promise<T> {
  const id = nextId++;
  if (t.busy++ === 0) t.worker.ref();
  return new Promise<T>((resolve, reject) => {
    t.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    t.worker.postMessage({ ...wire(t, op, allKeys), id } satisfies PoolRequest);
  });
}

async function run<T>(op: Op<PoolKey>, allKeys = false): Promise<T> {
  // The least busy thread, starting another while there are fewer than the cores.
  let t = threads.reduce<Thread | null>((best, x) => (best === null || x.busy < best.busy ? x : best), null);
  if (!t || (t.busy > 0 && threads.length < SIZE)) t = spawn();
  try {
    return await send<T>(t, op, allKeys);
  } catch (e) {
    // The thread had let some of the keys go: once more, with the bytes of every key.
    if (e instanceof MissingKeys && !allKeys) return run<T>(op, true);
    throw e;
  }
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

/** readInbound (read.ts) on an OpenPGP thread: the message screened, decrypted and verified there, plain data back. */
export function readInboundInPool(
  raw: Uint8Array,
  envelopeFrom: string,
  limits: MimeLimits,
  ours: { aliases: ReadonlySet<string>; messageIdDomain: string },
  keys: { teamKeys: readonly PrivateKey[]; knownKeys: readonly PublicKey[] },
  maxTextChars: number,
): Promise<InboundRead> {
  return run<InboundRead>({
    op: 'read-inbound',
    raw,
    envelopeFrom,
    limits,
    ours,
    teamKeys: keys.teamKeys.map(ref),
    knownKeys: keys.knownKeys.map(ref),
    maxTextChars,
  });
}
