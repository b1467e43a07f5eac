// The OpenPGP thread of src/mail/pgp-pool.ts: signs and encrypts with OpenPGP.js, off the thread
// that runs the database and the doors. It holds no state but parsed keys, cached by an id the caller
// derives from the key's bytes (a changed key is a new id).

import { parentPort } from 'node:worker_threads';
import * as openpgp from 'openpgp';
import type { PoolKey, PoolRequest, PoolResponse } from './pgp-pool.ts';
import { readWhole } from './pgp-in.ts';

const MAX_KEYS = 2000;
const publicKeys = new Map<string, Promise<openpgp.PublicKey>>();
const privateKeys = new Map<string, Promise<openpgp.PrivateKey>>();

function cached<K>(map: Map<string, Promise<K>>, k: PoolKey, read: (bytes: Uint8Array) => Promise<K>): Promise<K> {
  let hit = map.get(k.id);
  if (!hit) {
    if (map.size >= MAX_KEYS) map.delete(map.keys().next().value!);
    hit = read(k.bytes);
    hit.catch(() => map.delete(k.id));
    map.set(k.id, hit);
  }
  return hit;
}
const publicKey = (k: PoolKey) => cached(publicKeys, k, (binaryKey) => openpgp.readKey({ binaryKey }));
const privateKey = (k: PoolKey) => cached(privateKeys, k, (binaryKey) => openpgp.readPrivateKey({ binaryKey }));

async function handle(r: PoolRequest): Promise<PoolResponse['value']> {
  switch (r.op) {
    case 'sign': {
      const message = await openpgp.createMessage({ binary: r.entity });
      return openpgp.sign({ message, signingKeys: await privateKey(r.key), format: 'binary' });
    }
    case 'encrypt': {
      // The signed message as it is (one-pass signature, literal data, signature) inside the encryption.
      const message = await openpgp.readMessage({ binaryMessage: r.signed });
      // Its trailing signature packet must be in the list, or the encryption would leave it out.
      if (!(await readWhole(message.packets))) throw new Error('the signed message could not be read whole');
      return openpgp.encrypt({ message, encryptionKeys: await Promise.all(r.keys.map(publicKey)), format: 'armored' });
    }
    case 'sign-encrypt': {
      const message = await openpgp.createMessage({ binary: r.entity });
      return openpgp.encrypt({
        message,
        encryptionKeys: await Promise.all(r.keys.map(publicKey)),
        signingKeys: await privateKey(r.key),
        format: 'armored',
      });
    }
  }
}

parentPort!.on('message', (r: PoolRequest) => {
  handle(r).then(
    (value) => parentPort!.postMessage({ id: r.id, value } satisfies PoolResponse),
    (e: unknown) => parentPort!.postMessage({ id: r.id, error: e instanceof Error ? e.message : String(e) } satisfies PoolResponse),
  );
});
