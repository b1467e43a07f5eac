import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.ts';
import { requirePerson, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import { confirmedKeyOfPerson } from '../keys/keys.ts';
import { recordSignedReply, refusalOf, reporterMailPlan, type SignedReplyResult } from './relay.ts';
import { keyUsability, whyUnusable } from '../../mail/key-quality.ts';
import { openInbound } from '../../mail/pgp-in.ts';
import { parseEntity } from '../../mail/mime.ts';
import { DEFAULT_MIME_LIMITS, MessageRejectedError, type SignedEntity } from '../../mail/types.ts';
import { reporterAddress } from '../inbound/threading.ts';

// The web door of signed replies: the member's browser builds the reply's MIME entity and a detached
// signature with the member's own private key (which never leaves the browser; see
// src/web/static/signed-reply.mjs), and posts both. Here the entity is checked to be the one shape we
// relay (a text/plain part, UTF-8, 7bit or quoted-printable, CRLF line ends, RFC 3156 section 5), put
// into a multipart/signed entity with the signature, and verified by the same code that verifies
// inbound mail (openInbound) against the member's confirmed key. Anything else is refused and changes
// nothing.

const MAX_ENTITY = 256 * 1024;
const MAX_SIGNATURE = 16 * 1024;
const MAX_TEXT = 100_000;

export const SignedReplyInput = z.strictObject({
  /** The MIME entity exactly as signed: header block, blank line, body; CRLF line ends. */
  entity: z.string().min(1).max(MAX_ENTITY),
  /** The armored detached OpenPGP signature over the entity's bytes. */
  signature: z.string().min(1).max(MAX_SIGNATURE),
  subject: z.string().trim().min(1).max(300).optional(),
  waitForReporter: z.boolean().default(false),
});

const ALLOWED_HEADERS = new Set(['content-type', 'content-transfer-encoding']);

/** The entity's text, after checking it is the one shape a browser reply may have. */
export function checkReplyEntity(entity: string): string {
  const fail = (why: string): never => {
    throw new ValidationError(`The signed reply is not in the expected form: ${why}`, [{ path: 'entity', message: why }]);
  };
  if (!/^[\x20-\x7e\t\r\n]*$/.test(entity)) fail('it must be 7-bit text (quoted-printable encodes everything else).');
  if (/\r(?!\n)|(?<!\r)\n/.test(entity)) fail('every line must end with CRLF (RFC 3156 section 5).');
  if (entity.split('\r\n').some((l) => l.length > 998)) fail('a line is longer than 998 characters (RFC 5322).');
  let part;
  try {
    part = parseEntity(new TextEncoder().encode(entity), DEFAULT_MIME_LIMITS, []);
  } catch (e) {
    return fail(e instanceof MessageRejectedError ? e.message : 'it is not a readable MIME entity.');
  }
  for (const f of part.headers.fields)
    if (!ALLOWED_HEADERS.has(f.name.toLowerCase()))
      fail(`the header ${f.name.slice(0, 60)} is not allowed (only Content-Type and Content-Transfer-Encoding).`);
  if (part.contentType.value !== 'text/plain' || !part.headers.has('content-type')) fail('it must be a text/plain part.');
  const charset = (part.contentType.params.charset ?? '').toLowerCase();
  if (charset !== 'utf-8' && charset !== 'us-ascii') fail('its charset must be utf-8.');
  if (part.transferEncoding !== 'quoted-printable' && part.transferEncoding !== '7bit')
    fail('its transfer encoding must be quoted-printable or 7bit.');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(part.decodedBody());
  } catch {
    fail('its text is not valid UTF-8.');
  }
  text = text.replace(/\r\n/g, '\n');
  if (!text.trim()) fail('the message is empty.');
  if (text.length > MAX_TEXT) fail(`the message is longer than ${MAX_TEXT} characters.`);
  return text;
}

const MICALG: Record<string, string> = {
  sha256: 'pgp-sha256',
  sha384: 'pgp-sha384',
  sha512: 'pgp-sha512',
  sha224: 'pgp-sha224',
  sha3_256: 'pgp-sha3-256',
  sha3_512: 'pgp-sha3-512',
};

/** The RFC 3156 multipart/signed entity of the browser's entity and detached signature. */
export async function multipartSigned(entity: string | Uint8Array, armoredSignature: string): Promise<Uint8Array> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature });
  } catch (e) {
    throw new ValidationError(`The signature is not a readable armored OpenPGP signature (${(e as Error).message}).`, [
      { path: 'signature', message: 'unreadable' },
    ]);
  }
  const packets = signature.packets;
  const types = [openpgp.enums.signature.binary, openpgp.enums.signature.text];
  if (packets.length !== 1 || !types.includes(packets[0]!.signatureType!)) {
    throw new ValidationError('Send exactly one detached signature over the message (a binary or text document signature).', [
      { path: 'signature', message: 'not one document signature' },
    ]);
  }
  const hash = openpgp.enums.read(openpgp.enums.hash, packets[0]!.hashAlgorithm!) as string;
  const micalg = MICALG[hash];
  if (!micalg)
    throw new ValidationError(`The signature uses the hash ${hash}; use SHA-256 or stronger.`, [
      { path: 'signature', message: 'weak hash' },
    ]);
  const boundary = `emb-signed-${randomBytes(12).toString('hex')}`;
  // Re-armored by us: the signature part carries nothing but the parsed packet.
  const armored = signature.armor().replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '');
  const content = typeof entity === 'string' ? Buffer.from(entity, 'utf8') : Buffer.from(entity);
  if (content.includes(`--${boundary}`)) throw new ValidationError('The signed entity contains the boundary chosen for it; send it again.');
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(
        `Content-Type: multipart/signed; micalg=${micalg}; protocol="application/pgp-signature"; boundary="${boundary}"\r\n\r\n` +
          `This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n--${boundary}\r\n`,
      ),
      content,
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\nContent-Description: OpenPGP digital signature\r\n` +
          `Content-Disposition: attachment; filename="signature.asc"\r\n\r\n${armored}\r\n--${boundary}--\r\n`,
      ),
    ]),
  );
}

/** A reply signed in the browser: verified against the member's own confirmed key, then relayed. */
export async function signedReplyFromBrowser(ctx: Ctx, reportId: string, raw: unknown): Promise<SignedReplyResult> {
  const me = requirePerson(ctx);
  const now = ctx.app.clock();
  // Access first: an outsider learns nothing about the case from how their input is judged.
  await withCase(ctx, reportId, { action: 'case.reply' }, async () => {});
  const input = SignedReplyInput.parse(raw);
  const text = checkReplyEntity(input.entity);
  const own = await confirmedKeyOfPerson(ctx.app, ctx.app.db, me.personId);
  if (!own)
    throw new ValidationError('You have no confirmed OpenPGP key on the desk: upload your public key on your account page (/me) first.');
  const usability = await keyUsability(own.key, now, own.email);
  if (!usability.usable)
    throw new ValidationError(`Your key on the desk cannot be used: ${whyUnusable(usability)}. Upload a current key on /me.`);
  const fingerprint = own.key.getFingerprint().toUpperCase();
  const entity = await multipartSigned(input.entity, input.signature);
  // The same verification as inbound mail, with the member's own key the only one known.
  const opened = await openInbound(new TextEncoder().encode(`MIME-Version: 1.0\r\n${new TextDecoder().decode(entity)}`), {
    teamKeys: [],
    knownKeys: [own.key],
  });
  const sig = opened.security.signature;
  if (sig.status !== 'valid' || sig.signerFingerprint?.toUpperCase() !== fingerprint || opened.signedEntity?.kind !== 'multipart-signed') {
    const why =
      sig.status === 'unknown_key'
        ? `it was made with key ${sig.signerKeyId ?? '?'}, not with your key on the desk (${fingerprint}). Use the private key that belongs to the public key you uploaded.`
        : sig.status === 'none'
          ? 'no signature was found.'
          : (sig.detail ?? 'it does not verify.');
    throw new ValidationError(`The signature was not accepted: ${why} Nothing was sent.`, [{ path: 'signature', message: sig.status }]);
  }
  const signed: SignedEntity = opened.signedEntity;
  return withCase(ctx, reportId, { lock: true }, async (tx, c, rules) => {
    return recordSignedReply(ctx, tx, now, c, rules, {
      signer: me,
      signerFingerprint: fingerprint,
      signed,
      text,
      subject: input.subject,
      waitForReporter: input.waitForReporter,
      via: 'web',
    });
  });
}

export interface SignedReplyContext {
  reportId: string;
  label: string;
  /** The member's own key, or why they cannot sign yet. */
  myKey: { fingerprint: string; usable: true } | { usable: false; why: string };
  /** What happens to the reporter's copy. */
  reporter:
    | { mode: 'encrypted'; fingerprint: string; warning: string | null }
    | { mode: 'plaintext'; why: string }
    | { mode: 'refused'; why: string }
    | { mode: 'none' };
  /** The reporter address, for answering from a mail client instead (in reply to a mail of the case). */
  replyAddress: string | null;
}

/** What the signed-reply page tells the member before they sign. Members who may reply only. */
export async function signedReplyContext(ctx: Ctx, reportId: string): Promise<SignedReplyContext> {
  const me = requirePerson(ctx);
  return withCase(ctx, reportId, { action: 'case.reply' }, async (tx, c, rules, now) => {
    const own = await confirmedKeyOfPerson(ctx.app, tx, me.personId);
    const usability = own ? await keyUsability(own.key, now, own.email) : null;
    const plan = await reporterMailPlan(ctx, tx, c, rules, now);
    return {
      reportId,
      label: c.row.incidentRef ?? `Report #${c.row.number}`,
      myKey:
        own && usability?.usable
          ? { fingerprint: own.key.getFingerprint().toUpperCase(), usable: true }
          : {
              usable: false,
              why: own
                ? `your key on the desk cannot be used: ${usability?.reason ?? usability?.code}`
                : 'you have not uploaded your OpenPGP public key',
            },
      reporter:
        plan.mode === 'encrypted'
          ? { mode: 'encrypted', fingerprint: plan.fingerprint, warning: plan.warning }
          : plan.mode === 'plaintext'
            ? { mode: 'plaintext', why: plan.why }
            : plan.mode === 'refused'
              ? { mode: 'refused', why: refusalOf(plan) }
              : { mode: 'none' },
      replyAddress: await reporterAddress(tx, ctx.app.config.mailAliases),
    };
  });
}
