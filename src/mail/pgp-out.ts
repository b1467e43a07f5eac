// Building outbound OpenPGP mail.
//
// sealOutbound: RFC 3156 multipart/encrypted; the payload is one OpenPGP message signed and encrypted
// in one pass (RFC 3156 6.2, what GnuPG and Thunderbird produce and verify); inside it a MIME entity whose
// header block carries the protected headers (protected-headers="v1": real Subject, From, To, Cc, Date,
// Message-ID), while the outer Subject is a neutral "...".
//
// relaySigned: a member's own signature must reach the reporter intact. The member's multipart/signed
// entity (or clearsigned text) becomes the encrypted payload byte for byte (only its unsigned header
// block gains the protected headers); nothing inside the signed part is touched, so the reporter's
// client verifies the member's signature after decrypting.

import * as openpgp from 'openpgp';
import { randomBytes } from 'node:crypto';
import { addressParser } from 'postal-mime';
import { ValidationError } from '../domain/errors.ts';
import { KeyProblemError, type OutboundAttachment, type RelayOptions, type SealOptions } from './types.ts';
import { parseEntity } from './mime.ts';
import { readWhole } from './pgp-in.ts';
import { DEFAULT_MIME_LIMITS } from './types.ts';
import type { SealCopy } from './types.ts';
import { encryptInPool, signInPool } from './pgp-pool.ts';

const enc = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Header encoding

function assertNoLineBreak(name: string, value: string): void {
  if (/[\r\n\0]/.test(value)) throw new ValidationError(`Header ${name} contains a line break; refusing to build the message.`);
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** RFC 2047 B-encoding in chunks that never split a UTF-8 sequence, for unstructured text such as Subject. */
export function encodeWords(value: string): string {
  if (isAscii(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    if (enc.encode(chunk + ch).length > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

function formatMailbox(name: string, address: string): string {
  if (!/^[^\s<>()@,;:"\\]+@[^\s<>()@,;:"\\]+$/.test(address)) throw new ValidationError(`"${address}" is not a usable e-mail address.`);
  if (!name) return address;
  if (!isAscii(name)) return `${encodeWords(name)} <${address}>`;
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name) ? `${name} <${address}>` : `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`;
}

/** One or more addresses as given ("Name <a@b>", "a@b") re-serialised safely. */
export function formatAddressList(values: string[]): string {
  const out: string[] = [];
  for (const v of values) {
    assertNoLineBreak('address', v);
    const parsed = addressParser(v, { flatten: true });
    if (!parsed.length) throw new ValidationError(`"${v}" is not a usable e-mail address.`);
    for (const a of parsed) out.push(formatMailbox(a.name ?? '', a.address ?? ''));
  }
  return out.join(', ');
}

function rfc5322Date(d: Date): string {
  // toUTCString gives "Tue, 03 Nov 2026 09:00:00 GMT"; RFC 5322 prefers a numeric zone.
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function boundary(): string {
  return `emb-${randomBytes(12).toString('hex')}`;
}

const STRUCTURAL = new Set([
  'content-type',
  'content-transfer-encoding',
  'mime-version',
  'content-disposition',
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
]);

function extraHeaders(headers: Record<string, string>): string {
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    // A header without a value says nothing and some readers take it for a broken one (an empty
    // Reply-To makes replies go nowhere): it is left out.
    if (value.trim() === '') continue;
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new ValidationError(`"${name}" is not a valid header name.`);
    if (STRUCTURAL.has(name.toLowerCase())) throw new ValidationError(`Header ${name} is set by the message builder, not by the caller.`);
    assertNoLineBreak(name, value);
    out += `${name}: ${isAscii(value) ? value : encodeWords(value)}\r\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Body encoding

/** Quoted-printable (RFC 2045 6.7) with CRLF line breaks; lossless for any text including trailing spaces. */
export function quotedPrintable(text: string): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    const bytes = enc.encode(line);
    let cur = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      const last = i === bytes.length - 1;
      let token: string;
      if ((b === 32 || b === 9) && !last) token = String.fromCharCode(b);
      else if (b >= 33 && b <= 126 && b !== 61) token = String.fromCharCode(b);
      else token = `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      // "From " at a line start is mangled by some mbox tools; '.' alone by some SMTP paths.
      if (cur === '' && i === 0 && (b === 46 || (b === 70 && line.startsWith('From ')))) token = `=${b.toString(16).toUpperCase()}`;
      if (cur.length + token.length > 75) {
        out.push(`${cur}=`);
        cur = '';
      }
      cur += token;
    }
    out.push(cur);
  }
  return out.join('\r\n');
}

function base64Lines(bytes: Uint8Array): string {
  return (
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}

function filenameParam(name: string): string {
  const clean = name.replace(/[\r\n\0"\\/]/g, '_') || 'attachment.bin';
  return isAscii(clean)
    ? `filename="${clean}"`
    : `filename*=utf-8''${encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function attachmentPart(a: OutboundAttachment): string {
  const type = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i.test(a.contentType) ? a.contentType.toLowerCase() : 'application/octet-stream';
  return `Content-Type: ${type}\r\nContent-Disposition: attachment; ${filenameParam(a.filename)}\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(a.bytes)}`;
}

// ---------------------------------------------------------------------------------------------
// Envelope

interface Visible {
  from: string;
  to: string;
  cc?: string;
  date: string;
  subject: string;
  messageId?: string;
}

function protectedHeaderLines(v: Visible): string {
  return (
    `Subject: ${encodeWords(v.subject)}\r\nFrom: ${v.from}\r\nTo: ${v.to}\r\n` +
    (v.cc ? `Cc: ${v.cc}\r\n` : '') +
    `Date: ${v.date}\r\n` +
    (v.messageId ? `Message-ID: ${v.messageId}\r\n` : '')
  );
}

async function encryptEntity(entity: Uint8Array, recipientKeys: openpgp.PublicKey[], signingKey?: openpgp.PrivateKey): Promise<string> {
  if (!recipientKeys.length) throw new KeyProblemError('No recipient key: refusing to send this message unencrypted.');
  const message = await openpgp.createMessage({ binary: entity });
  try {
    return await openpgp.encrypt({
      message,
      encryptionKeys: recipientKeys,
      ...(signingKey ? { signingKeys: signingKey } : {}),
      format: 'armored',
    });
  } catch (e) {
    throw new KeyProblemError(`Could not encrypt: ${(e as Error).message}`);
  }
}

function envelope(v: Visible, extra: Record<string, string>, outerSubject: string, armored: string): Uint8Array {
  const b = boundary();
  const head =
    `From: ${v.from}\r\nTo: ${v.to}\r\n` +
    (v.cc ? `Cc: ${v.cc}\r\n` : '') +
    `Subject: ${encodeWords(outerSubject)}\r\nDate: ${v.date}\r\n` +
    extraHeaders(extra) +
    `MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${b}"\r\n\r\n`;
  const body =
    `This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n` +
    `--${b}\r\nContent-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n` +
    `--${b}\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename="encrypted.asc"\r\n\r\n` +
    `${armored.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '')}\r\n--${b}--\r\n`;
  return enc.encode(head + body);
}

function visibleOf(opts: {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  headers: Record<string, string>;
  date?: Date;
}): Visible {
  assertNoLineBreak('Subject', opts.subject);
  if (!opts.to.length) throw new ValidationError('A message needs at least one recipient.');
  const messageId = Object.entries(opts.headers).find(([k]) => k.toLowerCase() === 'message-id')?.[1];
  return {
    from: formatAddressList([opts.from]),
    to: formatAddressList(opts.to),
    ...(opts.cc?.length ? { cc: formatAddressList(opts.cc) } : {}),
    date: rfc5322Date(opts.date ?? new Date()),
    subject: opts.subject,
    ...(messageId ? { messageId } : {}),
  };
}

/** The inner MIME entity: the text (and attachments) under the protected headers of v. */
function innerEntity(v: Visible, text: string, attachments: OutboundAttachment[] | undefined): string {
  const textPart = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(text)}`;
  let inner: string;
  if (attachments?.length) {
    const b = boundary();
    inner =
      `Content-Type: multipart/mixed; boundary="${b}"; protected-headers="v1"\r\n${protectedHeaderLines(v)}\r\n` +
      `--${b}\r\n${textPart}\r\n` +
      attachments.map((a) => `--${b}\r\n${attachmentPart(a)}\r\n`).join('') +
      `--${b}--\r\n`;
  } else {
    inner = `Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nContent-Transfer-Encoding: quoted-printable\r\n${protectedHeaderLines(v)}\r\n${quotedPrintable(text)}\r\n`;
  }
  return inner;
}

/** An RFC 5322 multipart/encrypted message, signed by signingKey and encrypted to recipientKeys. */
export async function sealOutbound(opts: SealOptions): Promise<Uint8Array> {
  const v = visibleOf(opts);
  const armored = await encryptEntity(enc.encode(innerEntity(v, opts.text, opts.attachments)), opts.recipientKeys, opts.signingKey);
  return envelope(v, opts.headers, opts.outerSubject ?? '...', armored);
}

/**
 * One message to several recipients, each copy encrypted to its own key: the inner entity is built
 * and signed once and that signed message encrypted to each recipient, on the OpenPGP threads
 * (pgp-pool.ts). A signature covers the entity's bytes, so sharing it needs one entity for all the
 * copies: its protected headers are the message's (From, the `to` and `cc` given here, Subject,
 * Date) and carry nothing of one copy; what differs per copy (the outer To, Message-ID) is in each
 * copy's outer header block. GnuPG and OpenPGP.js read the result as any message signed and
 * encrypted in one pass (RFC 3156 6.2).
 */
export async function sealForEach(opts: Omit<SealOptions, 'recipientKeys' | 'headers'> & { copies: SealCopy[] }): Promise<Uint8Array[]> {
  if (opts.copies.length === 0) return [];
  for (const c of opts.copies)
    if (!c.recipientKey) throw new KeyProblemError('No recipient key: refusing to send this message unencrypted.');
  const v = visibleOf({ ...opts, headers: {} });
  // Every copy's headers checked before any cryptography is spent on them.
  for (const c of opts.copies) extraHeaders(c.headers);
  const shells = opts.copies.map((c) => ({ v: { ...v, to: formatAddressList(c.to) }, extra: c.headers }));
  const entity = enc.encode(innerEntity(v, opts.text, opts.attachments));
  let armored: string[];
  try {
    const signed = await signInPool(entity, opts.signingKey);
    armored = await Promise.all(opts.copies.map((c) => encryptInPool(signed, [c.recipientKey])));
  } catch (e) {
    throw new KeyProblemError(`Could not encrypt: ${(e as Error).message}`);
  }
  return shells.map((s, i) => envelope(s.v, s.extra, opts.outerSubject ?? '...', armored[i]!));
}

function toCrlf(bytes: Uint8Array): Uint8Array {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return new Uint8Array(Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1'));
}

/**
 * A signed OpenPGP message (one-pass signature, literal data, signature) read back, checked to be a
 * signed message and nothing else: no encryption layer, a literal data packet, at least one signature.
 */
async function readSignedMessage(binary: Uint8Array): Promise<openpgp.Message<Uint8Array>> {
  const message = await openpgp.readMessage({ binaryMessage: binary });
  // Its trailing signature packets must be in the list, or encrypting it would leave them out.
  if (!(await readWhole(message.packets))) throw new ValidationError('The signed message to relay could not be read whole.');
  if (message.getEncryptionKeyIDs().length > 0) throw new ValidationError('The message to relay is encrypted, not a signed message.');
  if (!message.getLiteralData() || message.getSigningKeyIDs().length === 0) {
    throw new ValidationError('The message to relay is not a signed OpenPGP message (literal data with its signature).');
  }
  return message;
}

/**
 * The signed MIME entity inside a signed OpenPGP message carries protected headers (a Subject in its
 * header block) when the member's client wrote them; then the outer Subject can stay neutral.
 */
export async function signedMessageHasSubject(binary: Uint8Array): Promise<boolean> {
  const data = (await readSignedMessage(binary)).getLiteralData() as Uint8Array;
  try {
    return parseEntity(data, DEFAULT_MIME_LIMITS, []).headers.get('subject') !== undefined;
  } catch {
    return false;
  }
}

/** The member's signed OpenPGP message, armored, as sent in clear (inline PGP): any OpenPGP client verifies it. */
export function armoredSignedMessage(binary: Uint8Array): string {
  return openpgp.armor(openpgp.enums.armor.message, binary);
}

/**
 * The member's signed entity (multipart/signed bytes or clearsigned text) as the encrypted inner part;
 * or the member's own signed OpenPGP message (signed and encrypted in one pass) encrypted again, to
 * the recipient, packet for packet as they signed it: the recipient's client finds the member's
 * one-pass signature when it decrypts, whatever line ends or signature type the member's client used.
 */
export async function relaySigned(opts: RelayOptions): Promise<Uint8Array> {
  const v = visibleOf(opts);
  let inner: Uint8Array;
  if (opts.signed.kind === 'openpgp-signed') {
    const message = await readSignedMessage(opts.signed.binary);
    if (!opts.recipientKeys.length) throw new KeyProblemError('No recipient key: refusing to send this message unencrypted.');
    let armored: string;
    try {
      armored = await openpgp.encrypt({ message, encryptionKeys: opts.recipientKeys, format: 'armored' });
    } catch (e) {
      throw new KeyProblemError(`Could not encrypt: ${(e as Error).message}`);
    }
    // Nothing can be added inside without breaking the signature: the real Subject is outside, unless
    // the member's client protected it inside.
    const outer = opts.outerSubject ?? ((await signedMessageHasSubject(opts.signed.binary)) ? '...' : opts.subject);
    return envelope(v, opts.headers, outer, armored);
  }
  if (opts.signed.kind === 'multipart-signed') {
    // Re-parse to find the (unsigned) header block and check it really is multipart/signed.
    const part = parseEntity(opts.signed.raw, DEFAULT_MIME_LIMITS, []);
    if (part.contentType.value !== 'multipart/signed' || part.children.length < 2) {
      throw new ValidationError('The entity to relay is not a multipart/signed part with content and signature.');
    }
    const ct = part.headers.getRaw('content-type')!;
    const keep = part.headers.fields
      .filter((f) => /^content-/i.test(f.name) && f.name.toLowerCase() !== 'content-type')
      .map((f) => `${f.name}: ${f.rawValue}\r\n`)
      .join('');
    const head = `Content-Type: ${ct}; protected-headers="v1"\r\n${keep}${protectedHeaderLines(v)}\r\n`;
    const body = toCrlf(part.rawBody);
    inner = new Uint8Array(enc.encode(head).length + body.length);
    inner.set(enc.encode(head), 0);
    inner.set(body, enc.encode(head).length);
  } else {
    if (!/-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*-----END PGP SIGNATURE-----/.test(opts.signed.text)) {
      throw new ValidationError('The text to relay is not a clearsigned OpenPGP message.');
    }
    inner = enc.encode(
      `Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nContent-Transfer-Encoding: quoted-printable\r\n${protectedHeaderLines(v)}\r\n${quotedPrintable(opts.signed.text)}\r\n`,
    );
  }
  const armored = await encryptEntity(inner, opts.recipientKeys);
  return envelope(v, opts.headers, opts.outerSubject ?? '...', armored);
}
