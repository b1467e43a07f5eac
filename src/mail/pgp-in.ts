// Opening inbound mail: PGP/MIME (RFC 3156) and inline PGP decryption with the team key(s), signature
// verification in every common shape, protected headers (encrypted Subject, Thunderbird's legacy-display
// part), and keys offered by the sender (Autocrypt header, application/pgp-keys attachments).
//
// Shapes unwrapped, outermost first, at most MAX_LAYERS times:
//   multipart/encrypted (PGP/MIME)      -> decrypt; a signature inside the OpenPGP message counts
//   multipart/signed                    -> verify the first part's exact bytes (CRLF-canonical)
//   text body with -----BEGIN PGP MESSAGE----- (inline) -> decrypt, or verify if only signed
//   text body with -----BEGIN PGP SIGNED MESSAGE-----   -> verify the clearsigned text
// Decompressed output is capped (maxDecompressedMessageSize) so a compression bomb is a typed error.

import * as openpgp from 'openpgp';
import type { Key, PublicKey, PrivateKey } from 'openpgp';

type VerificationResult = Awaited<ReturnType<typeof openpgp.verify>>['signatures'][number];
import {
  DEFAULT_MIME_LIMITS,
  MessageRejectedError,
  UndecryptableError,
  type InboundKeys,
  type MimeLimits,
  type MimePart,
  type OfferedKey,
  type OpenedMessage,
  type ParsedMessage,
  type SecurityInfo,
  type SignatureInfo,
  type SignedEntity,
} from './types.ts';
import { decodeText, messageFromRoot, parseEntity, parseMessage } from './mime.ts';

export { UndecryptableError } from './types.ts';

const MAX_LAYERS = 4;
const MAX_OFFERED_KEYS = 4;
const MAX_KEY_BYTES = 512 * 1024;

const ARMOR_MESSAGE = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/;
const ARMOR_SIGNED = /-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----/;

function hexUpper(s: string): string {
  return s.toUpperCase();
}

/** Line endings to CRLF, as RFC 3156 section 5 requires for the signed part before hashing. */
export function canonicalCrlf(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10 && (i === 0 || bytes[i - 1] !== 13)) extra++;
  if (!extra) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10 && (i === 0 || bytes[i - 1] !== 13)) out[n++] = 13;
    out[n++] = bytes[i]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Signatures

interface KeyRing {
  known: PublicKey[];
  offered: PublicKey[];
}

function findKey(keys: readonly Key[], keyIdHex: string): Key | undefined {
  const id = keyIdHex.toLowerCase();
  return keys.find((k) => k.getKeys().some((part) => part.getKeyID().toHex() === id));
}

const STATUS_RANK: Record<SignatureInfo['status'], number> = {
  valid: 6,
  valid_offered_key: 5,
  bad_key: 4,
  invalid: 3,
  unknown_key: 2,
  none: 1,
};

/** Judges openpgp's verification results: the best signature wins (a message may carry several). */
async function judge(results: VerificationResult[], ring: KeyRing, shape: NonNullable<SignatureInfo['shape']>): Promise<SignatureInfo> {
  let best: SignatureInfo = { status: 'none' };
  for (const r of results) {
    const keyId = hexUpper(r.keyID.toHex());
    const knownKey = findKey(ring.known, keyId);
    const offeredKey = knownKey ? undefined : findKey(ring.offered, keyId);
    const signer = knownKey ?? offeredKey;
    let info: SignatureInfo;
    try {
      await r.verified;
      let createdAt: Date | undefined;
      try {
        createdAt = (await r.signature).packets[0]?.created ?? undefined;
      } catch {
        createdAt = undefined;
      }
      info = {
        status: knownKey ? 'valid' : 'valid_offered_key',
        signerKeyId: keyId,
        ...(signer ? { signerFingerprint: hexUpper(signer.getFingerprint()) } : {}),
        shape,
        ...(createdAt ? { createdAt } : {}),
        ...(knownKey
          ? {}
          : {
              detail:
                'Verified only with a key attached to this same message; that proves nothing about who sent it until the key is confirmed.',
            }),
      };
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      if (!signer || /could not find signing key/i.test(msg)) {
        info = { status: 'unknown_key', signerKeyId: keyId, shape, detail: `Signed by key ${keyId}, which is not on record.` };
      } else if (
        /expired|revoked|no longer valid|not valid|weak|rejected|hash algorithm/i.test(msg) &&
        !/digest did not match|signature did not verify|invalid signature/i.test(msg)
      ) {
        info = {
          status: 'bad_key',
          signerKeyId: keyId,
          signerFingerprint: hexUpper(signer.getFingerprint()),
          shape,
          detail: `The signature could not be accepted: ${msg}`,
        };
      } else {
        info = {
          status: 'invalid',
          signerKeyId: keyId,
          signerFingerprint: hexUpper(signer.getFingerprint()),
          shape,
          detail: 'The signature does not match the content: the message was altered after signing, or was mangled in transit.',
        };
      }
    }
    if (STATUS_RANK[info.status] > STATUS_RANK[best.status]) best = info;
  }
  return best;
}

async function verifyDetached(content: Uint8Array, signaturePart: MimePart, ring: KeyRing): Promise<SignatureInfo> {
  let signature: openpgp.Signature;
  const body = signaturePart.decodedBody();
  try {
    const text = new TextDecoder('utf-8').decode(body);
    signature = text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: text })
      : await openpgp.readSignature({ binarySignature: body });
  } catch (e) {
    return {
      status: 'invalid',
      shape: 'multipart-signed',
      detail: `The signature part is not a readable OpenPGP signature (${(e as Error).message}).`,
    };
  }
  const canonical = canonicalCrlf(content);
  const isText = signature.packets.some((p) => p.signatureType === openpgp.enums.signature.text);
  const message = isText
    ? await openpgp.createMessage({ text: new TextDecoder('utf-8').decode(canonical) })
    : await openpgp.createMessage({ binary: canonical });
  const result = await openpgp.verify({
    message,
    signature,
    verificationKeys: [...ring.known, ...ring.offered],
    expectSigned: false,
    format: 'binary',
  });
  return judge(result.signatures, ring, 'multipart-signed');
}

// ---------------------------------------------------------------------------------------------
// Decryption

function teamKeyFor(teamKeys: readonly PrivateKey[], recipientIds: readonly string[]): PrivateKey | undefined {
  for (const id of recipientIds) {
    const k = findKey(teamKeys, id);
    if (k) return k as PrivateKey;
  }
  return undefined;
}

interface Decrypted {
  data: Uint8Array;
  signature: SignatureInfo;
  /** The signatures found inside, to check again once keys attached inside the encryption are known. */
  detachedSignatures: openpgp.Signature[];
  /** The signed OpenPGP message inside the encryption (one-pass signature, literal data, signature), written out; null if unsigned. */
  signedMessage: Uint8Array | null;
  teamFingerprint: string;
}

/** Verifies signatures taken out of a signed+encrypted message against its decrypted literal data. */
async function reverify(data: Uint8Array, signatures: openpgp.Signature[], ring: KeyRing): Promise<SignatureInfo> {
  let best: SignatureInfo = { status: 'none' };
  for (const signature of signatures) {
    const isText = signature.packets.some((p) => p.signatureType === openpgp.enums.signature.text);
    const message = isText
      ? await openpgp.createMessage({ text: new TextDecoder('utf-8').decode(data) })
      : await openpgp.createMessage({ binary: data });
    const result = await openpgp.verify({
      message,
      signature,
      verificationKeys: [...ring.known, ...ring.offered],
      expectSigned: false,
      format: 'binary',
    });
    const info = await judge(result.signatures, ring, 'encrypted-signed');
    if (STATUS_RANK[info.status] > STATUS_RANK[best.status]) best = info;
  }
  return best;
}

/**
 * OpenPGP.js reads a packet list up to its first data packet and leaves the packets after it (the
 * signatures of a one-pass signed message) in a buffered stream that verification consumes. They are
 * read into the list here, nested lists (a compressed packet's) included, so the message can be
 * written out whole. False if some list is a real stream (never for the byte arrays read here).
 */
export async function readWhole(list: openpgp.PacketList<openpgp.AnyPacket>): Promise<boolean> {
  const rest = (list as unknown as { stream?: unknown }).stream as
    | (unknown[] & { readToEnd?: (join: (parts: unknown[]) => unknown[]) => Promise<unknown[]> })
    | null
    | undefined;
  if (rest) {
    if (!Array.isArray(rest) || typeof rest.readToEnd !== 'function') return false;
    list.push(...((await rest.readToEnd((parts) => parts)) as openpgp.AnyPacket[]));
    (list as unknown as { stream: unknown }).stream = null;
  }
  for (const packet of list) {
    const nested = (packet as { packets?: unknown }).packets;
    if (nested instanceof openpgp.PacketList && !(await readWhole(nested as openpgp.PacketList<openpgp.AnyPacket>))) return false;
  }
  return true;
}

async function decryptOpenPgp(
  input: Uint8Array | string,
  keys: InboundKeys,
  ring: KeyRing,
  limits: MimeLimits,
  inline: boolean,
): Promise<Decrypted> {
  let message: openpgp.Message<Uint8Array>;
  try {
    message =
      typeof input === 'string'
        ? ((await openpgp.readMessage({ armoredMessage: input })) as unknown as openpgp.Message<Uint8Array>)
        : await openpgp.readMessage({ binaryMessage: input });
  } catch (e) {
    throw new UndecryptableError(
      'garbage',
      `The message says it is OpenPGP-encrypted, but its encrypted part could not be read (${(e as Error).message}). It may have been damaged by a mail program; please send it again, encrypted to the team key attached to this reply.`,
    );
  }
  const recipientIds = message.getEncryptionKeyIDs().map((id) => hexUpper(id.toHex()));
  if (!recipientIds.length) {
    throw new UndecryptableError(
      'garbage',
      'The message claims to be OpenPGP-encrypted but holds no encrypted session key. Please send it again, encrypted to the team key attached to this reply.',
    );
  }
  const wildcard = recipientIds.some((id) => /^0+$/.test(id));
  const teamKey = teamKeyFor(keys.teamKeys, recipientIds);
  if (!teamKey && !wildcard) {
    const teamIds = keys.teamKeys.map((k) => hexUpper(k.getKeyID().toHex()));
    throw new UndecryptableError(
      'not_for_us',
      `The message was encrypted to ${recipientIds.map((id) => `0x${id}`).join(', ')}, which is not a key of this team (${teamIds.map((id) => `0x${id}`).join(', ') || 'none configured'}). Nobody here can read it. Please encrypt to the team key attached to this reply and send it again.`,
      recipientIds,
    );
  }
  let result: Awaited<ReturnType<typeof openpgp.verify>>;
  let signedMessage: Uint8Array | null = null;
  try {
    // Decrypted in two steps (what openpgp.decrypt does in one) so the inner OpenPGP message, a signed
    // message when the sender signed and encrypted in one pass, stays available as the sender made it.
    const config = { ...openpgp.config, maxDecompressedMessageSize: limits.maxBytes };
    const inner = await message.decrypt(teamKey ? [teamKey] : [...keys.teamKeys], undefined, undefined, undefined, config);
    const whole = await readWhole(inner.packets);
    result = await openpgp.verify({
      message: inner as openpgp.Message<Uint8Array>,
      verificationKeys: [...ring.known, ...ring.offered],
      expectSigned: false,
      format: 'binary',
      config: { maxDecompressedMessageSize: limits.maxBytes },
    });
    if (whole && result.signatures.length > 0) signedMessage = inner.write() as Uint8Array;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/decompressed message size/i.test(msg)) {
      throw new MessageRejectedError(
        'too_large',
        `Once decompressed, the encrypted content exceeds ${(limits.maxBytes / 1048576).toFixed(0)} MiB.`,
      );
    }
    throw new UndecryptableError(
      'corrupt',
      `The message is encrypted to the team key, but decryption failed (${msg}). The encrypted data is damaged or was altered in transit. Please send it again.`,
      recipientIds,
    );
  }
  const signature = await judge(result.signatures, ring, inline ? 'inline-signed' : 'encrypted-signed');
  const detachedSignatures: openpgp.Signature[] = [];
  for (const r of result.signatures) {
    try {
      detachedSignatures.push(await r.signature);
    } catch {
      /* a signature packet that did not even parse: judged above */
    }
  }
  return {
    data: result.data as Uint8Array,
    detachedSignatures,
    signedMessage,
    signature: signature.status === 'none' ? signature : { ...signature, shape: 'encrypted-signed' },
    teamFingerprint: hexUpper((teamKey ?? keys.teamKeys[0]!).getFingerprint()),
  };
}

// ---------------------------------------------------------------------------------------------
// Offered keys

function parseAutocrypt(value: string): { addr?: string; keydata?: string } | undefined {
  const attrs: Record<string, string> = {};
  for (const piece of value.split(';')) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    const val = piece.slice(eq + 1).trim();
    if (name in attrs) return undefined; // duplicate attribute: the header is invalid
    attrs[name] = val;
  }
  // Autocrypt Level 1, 2.1: an unknown critical attribute (not starting with '_') invalidates the header.
  for (const name of Object.keys(attrs))
    if (!['addr', 'keydata', 'prefer-encrypt'].includes(name) && !name.startsWith('_')) return undefined;
  if (!attrs.addr || !attrs.keydata) return undefined;
  return { addr: attrs.addr, keydata: attrs.keydata };
}

async function offer(
  keyObjects: Key[],
  source: OfferedKey['source'],
  sender: string | undefined,
  out: OfferedKey[],
  parsed: PublicKey[],
): Promise<void> {
  for (const k of keyObjects) {
    if (out.length >= MAX_OFFERED_KEYS) return;
    const pub = (k.isPrivate() ? k.toPublic() : k) as PublicKey; // a secret key sent by mistake: only its public part is kept
    const fingerprint = hexUpper(pub.getFingerprint());
    if (out.some((o) => o.fingerprint === fingerprint)) continue;
    const userIds = pub.getUserIDs();
    const matchesSender =
      sender !== undefined && pub.users.some((u) => u.userID?.email && u.userID.email.toLowerCase() === sender.toLowerCase());
    out.push({ source, armored: pub.armor(), fingerprint, userIds, matchesSender });
    parsed.push(pub);
  }
}

async function collectOfferedKeys(outer: ParsedMessage, inners: ParsedMessage[], out: OfferedKey[], parsed: PublicKey[]): Promise<void> {
  const sender = outer.from?.address;
  for (const value of outer.autocrypt) {
    const ac = parseAutocrypt(value);
    // Autocrypt 2.3: a header whose addr is not the From address is ignored.
    if (!ac || !sender || ac.addr!.toLowerCase() !== sender.toLowerCase()) continue;
    const b64 = ac.keydata!.replace(/\s+/g, '');
    if (b64.length > (MAX_KEY_BYTES * 4) / 3) continue;
    try {
      await offer(await openpgp.readKeys({ binaryKeys: new Uint8Array(Buffer.from(b64, 'base64')) }), 'autocrypt', sender, out, parsed);
    } catch {
      /* an unreadable Autocrypt key is ignored, as the spec says */
    }
  }
  for (const m of inners) {
    for (const a of m.attachments) {
      if (a.bytes.length > MAX_KEY_BYTES) continue;
      const text = new TextDecoder('utf-8').decode(a.bytes);
      const isKey = a.contentType === 'application/pgp-keys' || /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----/.test(text);
      if (!isKey) continue;
      try {
        const keysFound = text.includes('-----BEGIN PGP')
          ? await openpgp.readKeys({ armoredKeys: text })
          : await openpgp.readKeys({ binaryKeys: a.bytes });
        await offer(keysFound, 'attachment', sender, out, parsed);
      } catch {
        /* not a readable key: it stays an ordinary attachment */
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Protected headers

const HEADER_ONLY_LINES = /^(\s*(subject|from|to|cc|date|reply-to|message-id|references|in-reply-to|keywords)\s*:[^\n]*\n?)+\s*$/i;

/** Thunderbird/Enigmail and the header-protection draft put a visible copy of the protected headers first. */
function isLegacyDisplayPart(part: MimePart): boolean {
  const t = part.contentType;
  if (t.value === 'text/rfc822-headers') return true;
  if (t.params['hp-legacy-display'] === '1') return true;
  if (t.value === 'text/plain' && t.params['protected-headers'] !== undefined) {
    return HEADER_ONLY_LINES.test(new TextDecoder('utf-8').decode(part.decodedBody()).replace(/\r/g, ''));
  }
  return false;
}

function dropLegacyDisplay(root: MimePart): void {
  if (root.contentType.value === 'multipart/mixed' && root.children.length > 1 && isLegacyDisplayPart(root.children[0]!)) {
    root.children = root.children.slice(1);
  }
}

// ---------------------------------------------------------------------------------------------
// The layers

interface State {
  /** The current content: a MIME entity whose headers are the protected ones when inside the crypto. */
  root: MimePart;
  raw: Uint8Array;
  /** Text replacing the bodies when an inline layer was opened (inline PGP has no MIME inside). */
  inlineText?: string;
  insideCrypto: boolean;
}

function isPgpMime(part: MimePart): boolean {
  return (
    part.contentType.value === 'multipart/encrypted' &&
    (part.contentType.params.protocol ?? '').toLowerCase() === 'application/pgp-encrypted'
  );
}

function isPgpSigned(part: MimePart): boolean {
  const protocol = (part.contentType.params.protocol ?? '').toLowerCase();
  return part.contentType.value === 'multipart/signed' && (protocol === 'application/pgp-signature' || protocol === '');
}

function firstTextLeaf(root: MimePart): MimePart | undefined {
  const stack = [root];
  while (stack.length) {
    const p = stack.shift()!;
    if (p.contentType.value.startsWith('multipart/')) {
      stack.unshift(...p.children);
      continue;
    }
    if (p.contentType.value === 'text/plain' && p.disposition?.value !== 'attachment') return p;
  }
  return undefined;
}

function entity(raw: Uint8Array, limits: MimeLimits, warnings: string[]): MimePart {
  return parseEntity(raw, limits, warnings);
}

/** Decrypts and verifies one raw message. Throws UndecryptableError for encrypted mail it cannot open. */
export async function openInbound(raw: Uint8Array, keys: InboundKeys, limitsIn: Partial<MimeLimits> = {}): Promise<OpenedMessage> {
  const limits: MimeLimits = { ...DEFAULT_MIME_LIMITS, ...limitsIn };
  return openParsed(raw, parseMessage(raw, limits), keys, limits);
}

/** openInbound of a message already parsed (by parseMessage of raw, with these limits): parsed once, not twice. */
export async function openParsed(raw: Uint8Array, outer: ParsedMessage, keys: InboundKeys, limits: MimeLimits): Promise<OpenedMessage> {
  const warnings = outer.warnings;
  const offeredKeys: OfferedKey[] = [];
  const offeredParsed: PublicKey[] = [];
  await collectOfferedKeys(outer, [outer], offeredKeys, offeredParsed);
  const ring: KeyRing = { known: keys.knownKeys, offered: offeredParsed };

  const security: SecurityInfo = { encrypted: false, signature: { status: 'none' }, protectedHeaders: false };
  const keepSignature = (s: SignatureInfo) => {
    if (STATUS_RANK[s.status] > STATUS_RANK[security.signature.status]) security.signature = s;
  };
  let state: State = { root: outer.root, raw, insideCrypto: false };
  let signedEntity: SignedEntity | undefined;

  // Signed layers are verified against the keys known plus those offered outside the layer; keys found
  // inside an encrypted layer are collected first so a first-contact signed+encrypted report can be checked.
  for (let layer = 0; layer < MAX_LAYERS; layer++) {
    const root = state.root;
    if (isPgpMime(root)) {
      const [control, payload] = root.children;
      if (!control || !payload)
        throw new UndecryptableError(
          'bad_structure',
          'The message is marked PGP/MIME-encrypted but lacks its encrypted part (RFC 3156 needs two parts). Please send it again from your mail program.',
        );
      const text = new TextDecoder('utf-8').decode(payload.decodedBody());
      const armored = ARMOR_MESSAGE.exec(text)?.[0];
      const decrypted = await decryptOpenPgp(armored ?? payload.decodedBody(), keys, ring, limits, false);
      security.encrypted = true;
      security.encryptionShape = 'pgp-mime';
      security.decryptedWithFingerprint = decrypted.teamFingerprint;
      state = { root: entity(decrypted.data, limits, warnings), raw: decrypted.data, insideCrypto: true };
      // Signed in the same pass: the signed OpenPGP message is what can be passed on with the signature
      // intact (a multipart/signed entity found inside takes its place).
      if (decrypted.signedMessage) signedEntity = { kind: 'openpgp-signed', binary: decrypted.signedMessage };
      // Keys attached inside the encryption (first contact) may verify the signature made with them.
      const before = offeredParsed.length;
      await collectOfferedKeys(outer, [messageFromRoot(decrypted.data, state.root, [])], offeredKeys, offeredParsed);
      const signature =
        decrypted.signature.status === 'unknown_key' && offeredParsed.length > before
          ? await reverify(decrypted.data, decrypted.detachedSignatures, ring)
          : decrypted.signature;
      keepSignature(signature);
      continue;
    }
    if (isPgpSigned(root) && root.children.length >= 2) {
      const [content, sigPart] = root.children;
      keepSignature(await verifyDetached(content!.raw, sigPart!, ring));
      signedEntity = { kind: 'multipart-signed', raw: root.raw };
      state = { root: content!, raw: content!.raw, insideCrypto: true };
      continue;
    }
    if (layer === 0 || state.insideCrypto) {
      const leaf = firstTextLeaf(root);
      if (leaf) {
        const text = decodeText(leaf.decodedBody(), leaf.contentType.params.charset, warnings);
        const signedBlock = ARMOR_SIGNED.exec(text)?.[0];
        const messageBlock = ARMOR_MESSAGE.exec(text)?.[0];
        if (messageBlock && (!signedBlock || text.indexOf(messageBlock) < text.indexOf(signedBlock))) {
          const msg = await openpgp.readMessage({ armoredMessage: messageBlock }).catch(() => undefined);
          if (msg && !msg.getEncryptionKeyIDs().length) {
            // Signed but not encrypted (gpg --sign --armor).
            const verified = await openpgp
              .verify({
                message: msg,
                verificationKeys: [...ring.known, ...ring.offered],
                expectSigned: false,
                format: 'binary',
                config: { maxDecompressedMessageSize: limits.maxBytes },
              })
              .catch(() => undefined);
            if (verified) {
              keepSignature(await judge(verified.signatures, ring, 'inline-signed'));
              signedEntity = { kind: 'openpgp-signed', binary: msg.write() as Uint8Array };
              state = { ...state, inlineText: decodeText(verified.data, 'utf-8', warnings), insideCrypto: true };
            }
            break;
          }
          const decrypted = await decryptOpenPgp(messageBlock, keys, ring, limits, true);
          security.encrypted = true;
          security.encryptionShape = 'inline';
          security.decryptedWithFingerprint = decrypted.teamFingerprint;
          keepSignature(decrypted.signature);
          if (decrypted.signedMessage) signedEntity = { kind: 'openpgp-signed', binary: decrypted.signedMessage };
          const plaintext = decodeText(decrypted.data, 'utf-8', warnings);
          // The plaintext of inline PGP may itself be clearsigned.
          const innerSigned = ARMOR_SIGNED.exec(plaintext)?.[0];
          if (innerSigned) {
            const cleartext = await verifyClearsigned(innerSigned, ring);
            keepSignature(cleartext.signature);
            signedEntity = { kind: 'clearsigned', text: innerSigned };
            state = { ...state, inlineText: cleartext.text ?? plaintext, insideCrypto: true };
          } else {
            state = { ...state, inlineText: plaintext, insideCrypto: true };
          }
          break;
        }
        if (signedBlock) {
          const cleartext = await verifyClearsigned(signedBlock, ring);
          keepSignature(cleartext.signature);
          signedEntity = { kind: 'clearsigned', text: signedBlock };
          state = { ...state, inlineText: cleartext.text ?? text, insideCrypto: true };
          break;
        }
      }
    }
    break;
  }

  return { outer, inner: innerMessage(outer, state, security, warnings), security, offeredKeys, ...(signedEntity ? { signedEntity } : {}) };
}

/**
 * Verifies a signed OpenPGP message as it stands (the form a relayed one-pass signature reaches its
 * recipient in) against the keys given: the best signature's verdict, as for inbound mail.
 */
export async function verifySignedMessage(
  binary: Uint8Array,
  knownKeys: PublicKey[],
  limits: Partial<MimeLimits> = {},
): Promise<SignatureInfo> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MIME_LIMITS.maxBytes;
  try {
    const message = await openpgp.readMessage({ binaryMessage: binary, config: { maxDecompressedMessageSize: maxBytes } });
    if (message.getEncryptionKeyIDs().length > 0) return { status: 'invalid', detail: 'The message is encrypted, not only signed.' };
    const result = await openpgp.verify({
      message,
      verificationKeys: knownKeys,
      expectSigned: false,
      format: 'binary',
      config: { maxDecompressedMessageSize: maxBytes },
    });
    return judge(result.signatures, { known: knownKeys, offered: [] }, 'encrypted-signed');
  } catch (e) {
    return { status: 'invalid', detail: `The signed message cannot be read (${(e as Error).message}).` };
  }
}

async function verifyClearsigned(block: string, ring: KeyRing): Promise<{ text?: string; signature: SignatureInfo }> {
  try {
    const message = await openpgp.readCleartextMessage({ cleartextMessage: block });
    const result = await openpgp.verify({ message, verificationKeys: [...ring.known, ...ring.offered], expectSigned: false });
    return { text: message.getText(), signature: await judge(result.signatures, ring, 'inline-clearsigned') };
  } catch (e) {
    return {
      signature: {
        status: 'invalid',
        shape: 'inline-clearsigned',
        detail: `The clearsigned block is malformed (${(e as Error).message}).`,
      },
    };
  }
}

/** The content view: bodies from the innermost layer, threading headers from the outer message, Subject protected when present. */
function innerMessage(outer: ParsedMessage, state: State, security: SecurityInfo, warnings: string[]): ParsedMessage {
  if (!state.insideCrypto) return outer;
  if (state.inlineText !== undefined) {
    // Inline PGP: the text replaces the armoured block; other attachments of the outer message stay.
    return { ...outer, text: state.inlineText, warnings };
  }
  dropLegacyDisplay(state.root);
  const content = messageFromRoot(state.raw, state.root, warnings);
  const protectedSubject = state.root.headers.get('subject');
  if (protectedSubject !== undefined) security.protectedHeaders = true;
  return {
    ...outer,
    root: state.root,
    raw: state.raw,
    subject: protectedSubject !== undefined ? protectedSubject.replace(/[\r\n]+/g, ' ') : outer.subject,
    ...(content.text !== undefined ? { text: content.text } : { text: undefined }),
    ...(content.html !== undefined ? { html: content.html } : { html: undefined }),
    attachments: content.attachments,
    warnings,
  };
}
