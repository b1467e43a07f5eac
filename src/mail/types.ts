// Shared types of the mail core: the parsed MIME tree, what the OpenPGP layer found, and the typed
// errors that a hostile message produces instead of a crash. Pure declarations plus error classes;
// the parsers and the crypto live in mime.ts, pgp-in.ts, pgp-out.ts.

import type { PrivateKey, PublicKey } from 'openpgp';
import { EmbargoError } from '../domain/errors.ts';

export type { PrivateKey, PublicKey };

// ---------------------------------------------------------------------------------------------
// Limits

/** Bounds applied by parseMessage; every one of them produces a MessageRejectedError when crossed. */
export interface MimeLimits {
  /** Whole raw message, in bytes (a 30 MB attachment is refused at the default). */
  maxBytes: number;
  /** Nesting depth of multipart/message parts (the root is depth 0). */
  maxDepth: number;
  /** Number of MIME parts in the whole tree, the root included. */
  maxParts: number;
  /** Size of one header block, in bytes. */
  maxHeaderBytes: number;
}

/** 25 MiB: what most providers accept; a base64 30 MB attachment (~40 MB on the wire) is refused. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Real mail nests rarely beyond 6 (signed in encrypted in forwarded); 32 leaves room, not a stack overflow. */
export const MAX_MIME_DEPTH = 32;
export const MAX_MIME_PARTS = 500;
export const MAX_HEADER_BYTES = 256 * 1024;

export const DEFAULT_MIME_LIMITS: Readonly<MimeLimits> = Object.freeze({
  maxBytes: MAX_MESSAGE_BYTES,
  maxDepth: MAX_MIME_DEPTH,
  maxParts: MAX_MIME_PARTS,
  maxHeaderBytes: MAX_HEADER_BYTES,
});

// ---------------------------------------------------------------------------------------------
// MIME tree

/** One header field as it appeared: name as written, value unfolded but not decoded. */
export interface HeaderField {
  name: string;
  /** Unfolded (CRLF + WSP removed), not RFC 2047 decoded. */
  rawValue: string;
}

/** Read access to a header block. Names are case-insensitive. */
export interface MailHeaders {
  readonly fields: readonly HeaderField[];
  /** First value, unfolded and RFC 2047 decoded; undefined when absent. */
  get(name: string): string | undefined;
  /** Every value in order, unfolded and RFC 2047 decoded. */
  getAll(name: string): string[];
  /** First value, unfolded, not decoded (for structured fields such as Autocrypt). */
  getRaw(name: string): string | undefined;
  has(name: string): boolean;
}

/** A structured header such as Content-Type: value lower-cased, parameters (RFC 2231 joined and decoded). */
export interface StructuredValue {
  value: string;
  params: Record<string, string>;
}

export interface MimePart {
  /** Position in the tree: '' for the root, '1', '1.2', ... (children counted from 1). */
  path: string;
  depth: number;
  headers: MailHeaders;
  /** Media type lower-cased, 'text/plain' when absent (RFC 2045), 'message/rfc822' default in digests. */
  contentType: StructuredValue;
  disposition?: StructuredValue;
  /** Content-Transfer-Encoding lower-cased, '7bit' when absent. */
  transferEncoding: string;
  /** Exact bytes of the part as sent: header block, blank line, body. What a multipart/signed signature covers. */
  raw: Uint8Array;
  /** Exact bytes of the body (after the blank line), still transfer-encoded. */
  rawBody: Uint8Array;
  /** Sub-parts of a multipart, or the one root part of an embedded message/rfc822; empty otherwise. */
  children: MimePart[];
  /** The body with Content-Transfer-Encoding undone (base64 / quoted-printable), computed on demand. */
  decodedBody(): Uint8Array;
}

export interface MailAddress {
  name: string;
  /** Lower-cased domain, local part kept as written. */
  address: string;
}

export interface Attachment {
  /** Safe file name: no directory parts, no control characters, no leading dots, at most 200 bytes. */
  filename: string;
  /** Lower-cased media type as declared by the sender (never trusted for rendering). */
  contentType: string;
  disposition: 'attachment' | 'inline';
  contentId?: string;
  bytes: Uint8Array;
  /** Path of the part in the tree it came from. */
  partPath: string;
}

export interface ListHeaders {
  id?: string;
  post?: string;
  unsubscribe?: string;
  help?: string;
  owner?: string;
  archive?: string;
}

export interface ParsedMessage {
  raw: Uint8Array;
  root: MimePart;
  headers: MailHeaders;
  subject: string;
  from?: MailAddress;
  sender?: MailAddress;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  date?: Date;
  /** Without the angle brackets. */
  messageId?: string;
  /** Message-IDs without angle brackets, in order. */
  inReplyTo: string[];
  references: string[];
  autoSubmitted?: string;
  precedence?: string;
  /** Without the angle brackets; '' for the null reverse path '<>' (a bounce). */
  returnPath?: string;
  list: ListHeaders;
  /** Raw Autocrypt header values (attribute lists), not yet parsed. */
  autocrypt: string[];
  /** The first text/plain body outside attachments, decoded to UTF-8. */
  text?: string;
  /** The first text/html body outside attachments, decoded to UTF-8 (not sanitised: the caller must). */
  html?: string;
  attachments: Attachment[];
  /** Non-fatal oddities met while decoding (unknown charset, broken base64, missing end boundary). */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// OpenPGP results

export type SignatureStatus =
  /** No signature found. */
  | 'none'
  /** Signature verified with a key the caller knows. */
  | 'valid'
  /** A signature by a known key that does not verify (tampered content, wrong canonicalisation). */
  | 'invalid'
  /** Signed by a key that is not among knownKeys (and no offered key of the same message verified it). */
  | 'unknown_key'
  /** Signature verified with a key offered in this very message (Autocrypt or attachment): proves nothing by itself. */
  | 'valid_offered_key'
  /** Verified, but the signing key was expired or revoked at the signature's time, or the signature is malformed. */
  | 'bad_key';

export interface SignatureInfo {
  status: SignatureStatus;
  /** Primary key fingerprint (hex, upper case) of the signer when known. */
  signerFingerprint?: string;
  /** Issuer key ID (16 hex, upper case) as found in the signature. */
  signerKeyId?: string;
  /** Where the signature was: 'multipart-signed', 'inline-clearsigned', 'inline-signed', 'encrypted-signed'. */
  shape?: 'multipart-signed' | 'encrypted-signed' | 'inline-clearsigned' | 'inline-signed';
  /** Human explanation for statuses other than 'valid'. */
  detail?: string;
  createdAt?: Date;
}

export interface SecurityInfo {
  encrypted: boolean;
  /** 'pgp-mime' (RFC 3156) or 'inline' when encrypted. */
  encryptionShape?: 'pgp-mime' | 'inline';
  /** Fingerprint of the team primary key whose (sub)key decrypted the message. */
  decryptedWithFingerprint?: string;
  signature: SignatureInfo;
  /** Whether the Subject shown came from protected headers inside the encryption or signature. */
  protectedHeaders: boolean;
}

export interface OfferedKey {
  source: 'autocrypt' | 'attachment';
  /** Armored public key, re-armored by us from the parsed key (never the sender's text verbatim). */
  armored: string;
  fingerprint: string;
  userIds: string[];
  /** A user ID of the key carries the From address of the message (case-insensitive). */
  matchesSender: boolean;
}

export interface OpenedMessage {
  /** The outer message as received. */
  outer: ParsedMessage;
  /** The content after decryption/unwrapping (equal to outer for plain mail), Subject from protected headers when present. */
  inner: ParsedMessage;
  security: SecurityInfo;
  /** Keys the sender offered; to be stored as unverified, never trusted silently. */
  offeredKeys: OfferedKey[];
  /** The signed content exactly as signed, to hand to relaySigned (a member's reply relayed with their signature). */
  signedEntity?: SignedEntity;
}

/**
 * A parsed message without its MIME tree and its bytes: all the desk uses of a message once it has
 * been read, as plain data (it is read on an OpenPGP thread and crosses back to the desk's thread).
 * Attachment bytes are copies of their own, not views into the message.
 */
export type MessageSummary = Omit<ParsedMessage, 'raw' | 'root' | 'headers'>;

/** An opened message as plain data (see MessageSummary). */
export interface OpenedSummary {
  outer: MessageSummary;
  inner: MessageSummary;
  security: SecurityInfo;
  offeredKeys: OfferedKey[];
  signedEntity?: SignedEntity;
}

/**
 * The signed content exactly as signed: a multipart/signed entity's raw bytes, clearsigned text, or a
 * signed OpenPGP message (one-pass signature, literal data, signature; possibly compressed) as it was
 * inside the encryption of a message signed and encrypted in one pass (RFC 3156 6.2).
 */
export type SignedEntity =
  | { kind: 'multipart-signed'; raw: Uint8Array }
  | { kind: 'clearsigned'; text: string }
  | { kind: 'openpgp-signed'; binary: Uint8Array };

export interface InboundKeys {
  teamKeys: PrivateKey[];
  knownKeys: PublicKey[];
}

// ---------------------------------------------------------------------------------------------
// Outbound

export interface OutboundAttachment {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface SealOptions {
  from: string;
  to: string[];
  cc?: string[];
  /** The real subject; only inside the encryption. */
  subject: string;
  text: string;
  attachments?: OutboundAttachment[];
  /** Extra outer headers such as Message-ID, In-Reply-To, References, Auto-Submitted, Reply-To. */
  headers: Record<string, string>;
  recipientKeys: PublicKey[];
  signingKey: PrivateKey;
  /** Date header (default now). */
  date?: Date;
  /** Outer subject; default '...' (protected-headers convention). */
  outerSubject?: string;
}

/** One copy of a message sealed for several recipients (sealForEach). */
export interface SealCopy {
  /** The outer To of this copy. */
  to: string[];
  /** This copy's outer headers (its Message-ID among them). */
  headers: Record<string, string>;
  recipientKey: PublicKey;
}

export interface RelayOptions {
  from: string;
  to: string[];
  cc?: string[];
  /** The real subject, put in protected headers of the encrypted part. */
  subject: string;
  headers: Record<string, string>;
  /** The member's signed content: the exact raw bytes of a multipart/signed entity, clearsigned text, or their signed OpenPGP message. */
  signed: SignedEntity;
  recipientKeys: PublicKey[];
  date?: Date;
  outerSubject?: string;
}

export interface KeyUsability {
  usable: boolean;
  /** Why not (or a warning when usable, e.g. RSA below 3072 bits). */
  reason?: string;
  /** Machine-readable cause. */
  code?:
    | 'ok'
    | 'weak_warning'
    | 'no_key'
    | 'expired'
    | 'revoked'
    | 'too_weak'
    | 'no_encryption_key'
    | 'no_matching_user_id'
    | 'unparseable';
}

// ---------------------------------------------------------------------------------------------
// Errors

export type RejectionCode = 'too_large' | 'too_deep' | 'too_many_parts' | 'header_too_large' | 'malformed';

/** A message refused before any use: size, depth, part count, or structure beyond repair. */
export class MessageRejectedError extends EmbargoError {
  readonly rejection: RejectionCode;
  constructor(rejection: RejectionCode, reason: string) {
    super(rejection === 'malformed' ? 'bad_request' : 'payload_too_large', reason);
    this.name = 'MessageRejectedError';
    this.rejection = rejection;
  }
}

export type UndecryptableCode =
  /** Encrypted, but to none of the team keys. */
  | 'not_for_us'
  /** Claims to be OpenPGP but is not parseable (armour, packets). */
  | 'garbage'
  /** Decryption started but failed (integrity check, session key, corrupt packets). */
  | 'corrupt'
  /** PGP/MIME structure broken (missing parts, wrong version). */
  | 'bad_structure';

/** Mail that looked encrypted but could not be opened. The message is written to be quoted in an automatic reply. */
export class UndecryptableError extends EmbargoError {
  readonly reason: UndecryptableCode;
  /** Key IDs the message was encrypted to (hex, upper case), when known. */
  readonly recipientKeyIds: string[];
  constructor(reason: UndecryptableCode, message: string, recipientKeyIds: string[] = []) {
    super('bad_request', message);
    this.name = 'UndecryptableError';
    this.reason = reason;
    this.recipientKeyIds = recipientKeyIds;
  }
}

/** A key that cannot be used for the requested job (team key import, seal). */
export class KeyProblemError extends EmbargoError {
  constructor(message: string) {
    super('validation_failed', message);
    this.name = 'KeyProblemError';
  }
}
