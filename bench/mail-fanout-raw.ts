// The fan-out bench's baseline, one per core: the cryptography of one report alone, with nothing of
// the desk around it. Each message is one report; the thread answers when it is done.
//   openpgp-naive  OpenPGP.js: read the reporter's key, decrypt and verify the report, then per
//                  encrypted copy the desk makes encrypt and sign the decrypted entity (a signature per copy)
//   openpgp        the same, but one signature per message the desk signs, that signed message encrypted
//                  per copy (what the desk does: one signature per message, reused across its copies)
//   floor          node:crypto (OpenSSL) on keys of the same kind and size (mail-support.ts makeFloor)

import { parentPort, workerData } from 'node:worker_threads';
import * as openpgp from 'openpgp';
import { type Algorithm, makeFloor } from './mail-support.ts';
import { readWhole } from '../src/mail/pgp-in.ts';

const data = workerData as { algorithm: Algorithm; team: string; members: string[]; size: number; copies: number; signatures: number };
const team = await openpgp.readPrivateKey({ armoredKey: data.team });
const members = await Promise.all(data.members.map((armoredKey) => openpgp.readKey({ armoredKey })));
const floor = makeFloor(data.algorithm, members.length);
const entity = new Uint8Array(data.size + 1024).fill(0x41);

async function openReport(armored: string, reporterArmored: string): Promise<Uint8Array> {
  const reporter = await openpgp.readKey({ armoredKey: reporterArmored });
  const out = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage: armored }),
    decryptionKeys: team,
    verificationKeys: reporter,
    expectSigned: true,
    format: 'binary',
  });
  return out.data as Uint8Array;
}

parentPort!.on('message', async (m: { mode: 'openpgp-naive' | 'openpgp' | 'floor'; armored: string; reporter: string }) => {
  if (m.mode === 'floor') floor.run(entity);
  else {
    const plain = await openReport(m.armored, m.reporter);
    // As many encrypted copies and signed messages per report as the desk makes (measured by the
    // bench in its warm-up), the copies spread over the messages.
    const key = (i: number) => members[i % members.length]!;
    if (m.mode === 'openpgp-naive') {
      for (let i = 0; i < data.copies; i++)
        await openpgp.encrypt({ message: await openpgp.createMessage({ binary: plain }), encryptionKeys: key(i), signingKeys: team });
    } else {
      let signed: Uint8Array | null = null;
      for (let i = 0; i < data.copies; i++) {
        if (i % Math.ceil(data.copies / data.signatures) === 0)
          signed = await openpgp.sign({ message: await openpgp.createMessage({ binary: plain }), signingKeys: team, format: 'binary' });
        const message = await openpgp.readMessage({ binaryMessage: signed! });
        await readWhole(message.packets); // the signature packet too
        await openpgp.encrypt({ message, encryptionKeys: key(i) });
      }
    }
  }
  parentPort!.postMessage(null);
});
