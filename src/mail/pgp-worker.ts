// The OpenPGP thread of src/mail/pgp-pool.ts: reads inbound mail (MIME, decryption, verification)
// and signs and encrypts outbound mail with OpenPGP.js, off the thread that runs the database and the
// doors. It holds no state but parsed keys, cached by an id the caller derives from the key's bytes (a
// changed key is a new id).

import { parentPort } from 'node:worker_threads';
import * as openpgp from 'openpgp';
import type { PoolRequest, PoolResponse, WireKey } from './pgp-pool.ts';
import { readWhole } from './pgp-in.ts';
import { readInbound } from './read.ts';

/** Keys kept, each map; the least recently used goes first. */
const MAX_KEYS = 5000;
const publicKeys = new Map<string, Promise<openpgp.PublicKey>>();
const privateKeys = new Map<string, Promise<openpgp.PrivateKey>>();

/**
 * The parsed key: from its bytes when the request carries them (parsed once and kept), else from the
 * cache; undefined when neither (the pool sends the request again with the bytes).
 */
function keyOf<K>(map: Map<string, Promise<K>>, k: WireKey, read: (bytes: Uint8Array) => Promise<K>): Promise<K> | undefined {
  let hit = map.get(k.id);
  if (hit) map.delete(k.id);
  else if (k.bytes) {
    hit = read(k.bytes);
    hit.catch(() => map.delete(k.id));
  } else return undefined;
  map.set(k.id, hit);
  if (map.size > MAX_KEYS) map.delete(map.keys().next().value!);
  return hit;
}
const readPublic = (binaryKey: Uint8Array) => openpgp.readKey({ binaryKey });
const readPrivate = (binaryKey: Uint8Array) => openpgp.readPrivateKey({ binaryKey });

type Resolved<K> = { ok: true; keys: Promise<K>[] } | { ok: false; missing: string[] };

function resolveAll<K>(map: Map<string, Promise<K>>, ks: readonly WireKey[], read: (bytes: Uint8Array) => Promise<K>): Resolved<K> {
  const keys: Promise<K>[] = [];
  const missing: string[] = [];
  for (const k of ks) {
    const p = keyOf(map, k, read);
    if (p) keys.push(p);
    else missing.push(k.id);
  }
  return missing.length ? { ok: false, missing } : { ok: true, keys };
}

/**
 * The request's keys, looked up as it arrives (before any other request can be handled), so a key
 * whose bytes came with an earlier request is found by a later one that carries only its id.
 */
function keysOf(r: PoolRequest): { missing: string[] } | { pub: Promise<openpgp.PublicKey>[]; sec: Promise<openpgp.PrivateKey>[] } {
  const pub = resolveAll(
    publicKeys,
    r.op === 'encrypt' || r.op === 'sign-encrypt' ? r.keys : r.op === 'read-inbound' ? r.knownKeys : [],
    readPublic,
  );
  const sec = resolveAll(
    privateKeys,
    r.op === 'sign' || r.op === 'sign-encrypt' ? [r.key] : r.op === 'read-inbound' ? r.teamKeys : [],
    readPrivate,
  );
  if (!pub.ok || !sec.ok) return { missing: [...(pub.ok ? [] : pub.missing), ...(sec.ok ? [] : sec.missing)] };
  return { pub: pub.keys, sec: sec.keys };
}

async function handle(
  r: PoolRequest,
  pub: Promise<openpgp.PublicKey>[],
  sec: Promise<openpgp.PrivateKey>[],
): Promise<PoolResponse['value']> {
  switch (r.op) {
    case 'sign': {
      const message = await openpgp.createMessage({ binary: r.entity });
      return openpgp.sign({ message, signingKeys: await sec[0]!, format: 'binary' });
    }
    case 'encrypt': {
      // The signed message as it is (one-pass signature, literal data, signature) inside the encryption.
      const message = await openpgp.readMessage({ binaryMessage: r.signed });
      // Its trailing signature packet must be in the list, or the encryption would leave it out.
      if (!(await readWhole(message.packets))) throw new Error('the signed message could not be read whole');
      return openpgp.encrypt({ message, encryptionKeys: await Promise.all(pub), format: 'armored' });
    }
    case 'sign-encrypt': {
      const message = await openpgp.createMessage({ binary: r.entity });
      return openpgp.encrypt({
        message,
        encryptionKeys: await Promise.all(pub),
        signingKeys: await sec[0]!,
        format: 'armored',
      });
    }
    case 'read-inbound':
      return readInbound(
        r.raw,
        r.envelopeFrom,
        r.limits,
        r.ours,
        { teamKeys: await Promise.all(sec), knownKeys: await Promise.all(pub) },
        r.maxTextChars,
      );
  }
}

parentPort!.on('message', (r: PoolRequest) => {
  const keys = keysOf(r);
  if ('missing' in keys) {
    parentPort!.postMessage({ id: r.id, missingKeys: keys.missing } satisfies PoolResponse);
    return;
  }
  handle(r, keys.pub, keys.sec).then(
    (value) => parentPort!.postMessage({ id: r.id, value } satisfies PoolResponse),
    (e: unknown) => parentPort!.postMessage({ id: r.id, error: e instanceof Error ? e.message : String(e) } satisfies PoolResponse),
  );
});
