import assert from 'node:assert/strict';
import { parseEntity } from '../../src/mail/mime.ts';
import { DEFAULT_MIME_LIMITS } from '../../src/mail/types.ts';
import { quotedPrintable } from '../../src/mail/pgp-out.ts';
import { headerValue, type SinkMessage } from '../support/smtp-sink.ts';
import { validSigPrimary, type GpgPeer } from '../support/gpg.ts';

// Helpers of the signed-reply tests: the entity a member signs, and the reporter's side of a relayed
// copy (GnuPG decrypts it and verifies the member's signature on the signed part, as a mail client would).

/** text/plain; charset=utf-8, quoted-printable, CRLF: the entity the web page signs. */
export function replyEntity(text: string): string {
  return `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(text)}\r\n`;
}

export interface Opened {
  /** The decrypted inner entity (multipart/signed with protected headers), or the message itself in clear. */
  inner: Buffer;
  /** gpg's status when decrypting (none for a message in clear). */
  decryptStatus: string[];
  /** Primary fingerprint in VALIDSIG of the detached signature over the signed part. */
  signer: string | undefined;
  /** The signed part's decoded text. */
  text: string;
}

/** Decrypts (if encrypted) a relayed copy with the reporter's GnuPG and verifies the member's signature. */
export async function openRelayed(peer: GpgPeer, m: SinkMessage): Promise<Opened> {
  let inner: Buffer;
  let decryptStatus: string[] = [];
  if (/multipart\/encrypted/i.test(headerValue(m.raw, 'Content-Type') ?? '')) {
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(m.raw.toString('latin1'));
    assert.ok(armored, 'an armored OpenPGP message in the copy');
    const r = await peer.decrypt(armored[0]);
    assert.equal(r.code, 0, r.stderr);
    inner = r.stdout;
    decryptStatus = r.status;
  } else {
    inner = m.raw;
  }
  const root = parseEntity(new Uint8Array(inner), DEFAULT_MIME_LIMITS, []);
  assert.equal(root.contentType.value, 'multipart/signed', inner.toString('latin1').slice(0, 400));
  const [content, sig] = root.children;
  assert.ok(content && sig);
  const v = await peer.verifyDetached(content.raw, Buffer.from(sig.decodedBody()).toString('utf8'));
  const text = Buffer.from(parseEntity(content.raw, DEFAULT_MIME_LIMITS, []).decodedBody()).toString('utf8');
  return { inner, decryptStatus, signer: validSigPrimary(v.status), text };
}
