// MIME wrappers written the way mail clients write them (Thunderbird, Enigmail/Mutt), around what GnuPG
// produced. Raw RFC 5322 text, CRLF line endings.

import type { GpgPeer } from '../support/gpg.ts';

export const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
export const bytes = (s: string) => new TextEncoder().encode(s);

export function headersBlock(h: Record<string, string>): string {
  return Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
}

/** RFC 3156 section 4: multipart/encrypted around an armored OpenPGP message. */
export function pgpMime(outer: Record<string, string>, armored: string, boundary = 'enc-boundary-42'): Uint8Array {
  return bytes(
    headersBlock({ 'MIME-Version': '1.0', ...outer }) +
      `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${boundary}"\r\n\r\n` +
      `This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n` +
      `--${boundary}\r\nContent-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n` +
      `--${boundary}\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\nContent-Disposition: inline; filename="encrypted.asc"\r\n\r\n` +
      crlf(armored) +
      `\r\n--${boundary}--\r\n`,
  );
}

/** RFC 3156 section 5: multipart/signed entity (headers + body) over `content` (a MIME part, CRLF). */
export async function signedEntity(
  gpg: GpgPeer,
  content: string,
  signer: string,
  opts: { boundary?: string; textmode?: boolean } = {},
): Promise<string> {
  const b = opts.boundary ?? 'sig-boundary-7';
  const canonical = crlf(content);
  const sig = opts.textmode
    ? (
        await gpg.run(['--armor', '--textmode', '--digest-algo', 'SHA256', '--local-user', signer, '--detach-sign'], canonical)
      ).stdout.toString('utf8')
    : await gpg.signDetached(canonical, signer);
  return (
    `Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="${b}"\r\n\r\n` +
    `This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n` +
    `--${b}\r\n${canonical}\r\n` +
    `--${b}\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\nContent-Description: OpenPGP digital signature\r\nContent-Disposition: attachment; filename="signature.asc"\r\n\r\n` +
    crlf(sig) +
    `\r\n--${b}--\r\n`
  );
}
