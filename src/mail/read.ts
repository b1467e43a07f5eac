import { convert as htmlToText } from 'html-to-text';
import { type Bounce, checkHygiene, type Hygiene } from './inbound-hygiene.ts';
import { parseMessage } from './mime.ts';
import { openParsed } from './pgp-in.ts';
import {
  type InboundKeys,
  type MessageSummary,
  MessageRejectedError,
  type MimeLimits,
  type OpenedMessage,
  type OpenedSummary,
  type ParsedMessage,
  type SignedEntity,
  type UndecryptableCode,
  UndecryptableError,
} from './types.ts';

// Reading one inbound message from its bytes, in two steps so that the slow one (OpenPGP) runs only
// for mail that goes on:
// 1. screen: parse the outer message and check its hygiene (RFC 3834, bounces, loops, size);
// 2. open: decrypt and verify with the given keys, and take its text.
// Pure functions of the bytes, the keys and what the caller says is ours (aliases, Message-ID domain).

export type Screened =
  | { kind: 'unreadable'; reason: string }
  | { kind: 'loop'; reason: string }
  | { kind: 'bounce'; bounce: Bounce }
  | { kind: 'mail'; outer: ParsedMessage; hygiene: Hygiene };

/** Parses the outer message and sorts out what goes no further: unreadable mail, our own mail back, bounces. */
export function screenInbound(
  raw: Uint8Array,
  envelopeFrom: string,
  limits: MimeLimits,
  ours: { aliases: ReadonlySet<string>; messageIdDomain: string },
): Screened {
  let outer: ParsedMessage;
  try {
    outer = parseMessage(raw, limits);
  } catch (e) {
    if (e instanceof MessageRejectedError) return { kind: 'unreadable', reason: e.message };
    throw e;
  }
  const hygiene = checkHygiene(outer, envelopeFrom, ours);
  if (hygiene.loop) return { kind: 'loop', reason: hygiene.loop };
  if (hygiene.bounce) return { kind: 'bounce', bounce: hygiene.bounce };
  return { kind: 'mail', outer, hygiene };
}

export type Opened =
  | { kind: 'unreadable'; reason: string }
  | { kind: 'undecryptable'; error: UndecryptableError }
  | { kind: 'opened'; opened: OpenedMessage; text: string; htmlConverted: boolean };

/**
 * Decrypts and verifies the message with the keys, and takes its text (at most maxTextChars of it).
 * outer: the message as screenInbound parsed it, so it is not parsed again.
 */
export async function openMail(
  raw: Uint8Array,
  keys: InboundKeys,
  limits: MimeLimits,
  maxTextChars: number,
  outer: ParsedMessage = parseMessage(raw, limits),
): Promise<Opened> {
  let opened: OpenedMessage;
  try {
    opened = await openParsed(raw, outer, keys, limits);
  } catch (e) {
    if (e instanceof UndecryptableError) return { kind: 'undecryptable', error: e };
    if (e instanceof MessageRejectedError) return { kind: 'unreadable', reason: e.message };
    throw e;
  }
  return { kind: 'opened', opened, ...plainText(opened.inner, maxTextChars) };
}

/**
 * The text of a message as the desk records it: HTML-only mail becomes plain text (the HTML itself is
 * never rendered), line ends are LF, control characters are dropped, and an over-long text is cut.
 */
export function plainText(m: ParsedMessage, maxChars: number): { text: string; htmlConverted: boolean } {
  let text = m.text ?? '';
  let htmlConverted = false;
  if (!text.trim() && m.html) {
    text = htmlToText(m.html, {
      wordwrap: 100,
      selectors: [
        { selector: 'img', format: 'skip' },
        { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ],
    });
    htmlConverted = true;
  }
  text = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  if (text.length > maxChars)
    text = `${text.slice(0, maxChars)}\n\n[The text was longer and has been cut here; the whole message is kept in the mail inbox.]`;
  return { text, htmlConverted };
}

// ---------------------------------------------------------------------------------------------
// Both steps at once, as plain data: what the OpenPGP threads hand back to the desk (pgp-worker.ts)

/** An undecryptable message's error as plain data; rebuilt into an UndecryptableError by the reader. */
export interface UndecryptableFacts {
  reason: UndecryptableCode;
  message: string;
  recipientKeyIds: string[];
}

export type OpenedRead =
  | { kind: 'unreadable'; reason: string }
  | { kind: 'undecryptable'; error: UndecryptableFacts }
  | { kind: 'opened'; opened: OpenedSummary; text: string; htmlConverted: boolean };

export type InboundRead =
  | Exclude<Screened, { kind: 'mail' }>
  | { kind: 'mail'; outer: MessageSummary; hygiene: Hygiene; opened: OpenedRead };

/** screenInbound, then openMail for mail that goes on, the message parsed once; plain data out. */
export async function readInbound(
  raw: Uint8Array,
  envelopeFrom: string,
  limits: MimeLimits,
  ours: { aliases: ReadonlySet<string>; messageIdDomain: string },
  keys: InboundKeys,
  maxTextChars: number,
): Promise<InboundRead> {
  const screened = screenInbound(raw, envelopeFrom, limits, ours);
  if (screened.kind !== 'mail') return screened;
  const opened = await openMail(raw, keys, limits, maxTextChars, screened.outer);
  return { kind: 'mail', outer: summarise(screened.outer), hygiene: screened.hygiene, opened: openedRead(opened) };
}

function openedRead(o: Opened): OpenedRead {
  if (o.kind === 'unreadable') return o;
  if (o.kind === 'undecryptable') {
    const { reason, message, recipientKeyIds } = o.error;
    return { kind: 'undecryptable', error: { reason, message, recipientKeyIds } };
  }
  const { outer, inner, security, offeredKeys, signedEntity } = o.opened;
  return {
    kind: 'opened',
    opened: {
      outer: summarise(outer),
      inner: summarise(inner),
      security,
      offeredKeys,
      ...(signedEntity ? { signedEntity: compactEntity(signedEntity) } : {}),
    },
    text: o.text,
    htmlConverted: o.htmlConverted,
  };
}

/**
 * Bytes of their own: a view into the message would take the whole message's buffer along when it
 * is copied to another thread.
 */
const own = (bytes: Uint8Array) => bytes.slice();

/** The message without its tree, headers and bytes (what crosses threads). */
export function summarise(m: ParsedMessage): MessageSummary {
  return {
    subject: m.subject,
    ...(m.from ? { from: m.from } : {}),
    ...(m.sender ? { sender: m.sender } : {}),
    replyTo: m.replyTo,
    to: m.to,
    cc: m.cc,
    ...(m.date ? { date: m.date } : {}),
    ...(m.messageId !== undefined ? { messageId: m.messageId } : {}),
    inReplyTo: m.inReplyTo,
    references: m.references,
    ...(m.autoSubmitted !== undefined ? { autoSubmitted: m.autoSubmitted } : {}),
    ...(m.precedence !== undefined ? { precedence: m.precedence } : {}),
    ...(m.returnPath !== undefined ? { returnPath: m.returnPath } : {}),
    list: m.list,
    autocrypt: m.autocrypt,
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.html !== undefined ? { html: m.html } : {}),
    attachments: m.attachments.map((a) => ({ ...a, bytes: own(a.bytes) })),
    warnings: m.warnings,
  };
}

function compactEntity(e: SignedEntity): SignedEntity {
  if (e.kind === 'multipart-signed') return { kind: e.kind, raw: own(e.raw) };
  if (e.kind === 'openpgp-signed') return { kind: e.kind, binary: own(e.binary) };
  return e;
}
