import { z } from 'zod';
import type { Bounce, Hygiene } from '../../mail/inbound-hygiene.ts';
import { readInboundInPool } from '../../mail/pgp-pool.ts';
import { DEFAULT_MIME_LIMITS, type MessageSummary, type OpenedSummary, UndecryptableError } from '../../mail/types.ts';
import type { App, Ctx } from '../context.ts';
import { messageIdDomain } from '../delivery/deliveries.ts';
import { allTeamKeys, confirmedKeys } from '../keys/keys.ts';
import { type Claim, type MailFacts, NO_FACTS } from './inbox.ts';
import { acceptedAliases } from './threading.ts';

// The first step of the pipeline, outside any transaction (OpenPGP is slow and must not hold the
// database): the codec reads the stored bytes with what the desk knows (its aliases, its Message-ID
// domain, the team keys, the confirmed keys), and the result is everything the later steps use. The
// codec runs on an OpenPGP thread (src/mail/pgp-pool.ts): parsing the MIME, decrypting and verifying
// a report take the desk's own thread, which runs the database, no time at all.

/** The longest text put on a case; a longer one is cut there (the whole message stays in the inbox). */
const MAX_TEXT = 190_000;

/** A message that goes on to a case (or to a new report). */
export interface Letter {
  kind: 'letter';
  outer: MessageSummary;
  hygiene: Hygiene;
  /** Null when the message could not be decrypted (then undecryptable says why). */
  opened: OpenedSummary | null;
  undecryptable: UndecryptableError | null;
  htmlConverted: boolean;
  /** Subject of the decrypted message (its protected header when there is one), trimmed. */
  subject: string;
  /** The From address, lower case; '' when it is no valid address. */
  sender: string;
  senderName: string | null;
  /** The text recorded on the case: the message's, or a note that it could not be decrypted. */
  body: string;
}

export type Reading =
  | { kind: 'unreadable'; reason: string }
  | { kind: 'loop'; reason: string }
  | { kind: 'bounce'; bounce: Bounce }
  | Letter;

const EmailSchema = z.string().trim().toLowerCase().email().max(320);

export async function readClaim(ctx: Ctx, claim: Claim): Promise<Reading> {
  const { app } = ctx;
  const limits = { ...DEFAULT_MIME_LIMITS, maxBytes: app.config.mailMaxBytes };
  const read = await readInboundInPool(
    claim.raw,
    claim.envelopeFrom,
    limits,
    { aliases: await acceptedAliases(app), messageIdDomain: await messageIdDomain(ctx, app.db) },
    await inboundKeys(app),
    MAX_TEXT,
  );
  if (read.kind !== 'mail') return read;
  const { outer, hygiene, opened } = read;
  if (opened.kind === 'unreadable') return opened;
  const message = opened.kind === 'opened' ? opened.opened : null;
  const undecryptable =
    opened.kind === 'undecryptable'
      ? new UndecryptableError(opened.error.reason, opened.error.message, opened.error.recipientKeyIds)
      : null;
  const inner = message?.inner ?? outer;
  const from = inner.from ?? outer.from;
  const parsedSender = EmailSchema.safeParse(from?.address ?? claim.envelopeFrom);
  return {
    kind: 'letter',
    outer,
    hygiene,
    opened: message,
    undecryptable,
    htmlConverted: opened.kind === 'opened' && opened.htmlConverted,
    subject: inner.subject.trim(),
    sender: parsedSender.success ? parsedSender.data : '',
    senderName: from?.name?.trim().slice(0, 200) || null,
    body: undecryptable
      ? `[This message was encrypted, but the desk could not decrypt it: ${undecryptable.message}` +
        `${undecryptable.recipientKeyIds.length ? ` It was encrypted to key ID ${undecryptable.recipientKeyIds.join(', ')}.` : ''}` +
        ' The encrypted message is kept as an attachment; the sender was asked to send it again.]'
      : (opened.kind === 'opened' ? opened.text : '').trim() || '(The message had no text.)',
  };
}

/**
 * Both come from the job's key cache: only rows not parsed before (a new or rotated team key, a key
 * confirmed since the last message) are parsed; the rows themselves are read for every message.
 */
async function inboundKeys(app: App) {
  return { teamKeys: await allTeamKeys(app), knownKeys: (await confirmedKeys(app, app.db, app)).map((k) => k.key) };
}

/** What OpenPGP found, as the inbox records it with the outcome. */
export function factsOf(reading: Reading, signerPersonId: string | null): MailFacts {
  if (reading.kind !== 'letter') return NO_FACTS;
  if (reading.undecryptable) return { ...NO_FACTS, encryption: 'undecryptable', signature: 'none' };
  const o = reading.opened;
  if (!o) return NO_FACTS;
  const s = o.security.signature;
  const signature =
    s.status === 'valid'
      ? 'valid'
      : s.status === 'none'
        ? 'none'
        : s.status === 'unknown_key' || s.status === 'valid_offered_key'
          ? 'unknown_key'
          : 'invalid';
  return {
    encryption: o.security.encrypted ? (o.security.encryptionShape ?? 'pgp-mime') : 'none',
    signature,
    signatureShape: s.shape
      ? `${s.shape}${s.status === 'valid_offered_key' ? ' (key offered in the message itself)' : s.detail && signature !== 'valid' ? `: ${s.detail.slice(0, 300)}` : ''}`
      : null,
    signerFingerprint: s.signerFingerprint ?? s.signerKeyId ?? null,
    signerPersonId,
    protectedSubject: o.security.protectedHeaders,
    htmlConverted: reading.htmlConverted,
  };
}
