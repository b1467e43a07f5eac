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

/**
 * Decrypts (if encrypted) a relayed copy with the reporter's GnuPG and verifies the member's signature:
 * over the signed part of a multipart/signed entity, or, for a member's own signed OpenPGP message
 * (signed and encrypted in one pass) relayed as it was, the one-pass signature GnuPG checks while
 * decrypting; in clear, an inline signed OpenPGP message.
 */
export async function openRelayed(peer: GpgPeer, m: SinkMessage): Promise<Opened> {
  let inner: Buffer;
  let decryptStatus: string[] = [];
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(m.raw.toString('latin1'));
  const encrypted = /multipart\/encrypted/i.test(headerValue(m.raw, 'Content-Type') ?? '');
  if (encrypted || armored) {
    assert.ok(armored, 'an armored OpenPGP message in the copy');
    const r = await peer.decrypt(armored[0]);
    assert.equal(r.code, 0, r.stderr);
    inner = r.stdout;
    decryptStatus = r.status;
  } else {
    inner = m.raw;
  }
  const root = parseEntity(new Uint8Array(inner), DEFAULT_MIME_LIMITS, []);
  if (root.contentType.value !== 'multipart/signed') {
    // The member's signed OpenPGP message: the signature is the one GnuPG verified on the way.
    assert.ok(
      decryptStatus.some((l) => l.startsWith('VALIDSIG ') || l.startsWith('BADSIG ') || l.startsWith('GOODSIG ')),
      `a multipart/signed entity or a signed OpenPGP message: ${inner.toString('latin1').slice(0, 400)}\n${decryptStatus.join('\n')}`,
    );
    assert.ok(!decryptStatus.some((l) => l.startsWith('BADSIG ')), decryptStatus.join('\n'));
    const text = Buffer.from(root.decodedBody()).toString('utf8');
    return { inner, decryptStatus, signer: validSigPrimary(decryptStatus), text };
  }
  const [content, sig] = root.children;
  assert.ok(content && sig);
  const v = await peer.verifyDetached(content.raw, Buffer.from(sig.decodedBody()).toString('utf8'));
  const text = Buffer.from(parseEntity(content.raw, DEFAULT_MIME_LIMITS, []).decodedBody()).toString('utf8');
  return { inner, decryptStatus, signer: validSigPrimary(v.status), text };
}
