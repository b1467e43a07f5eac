import { convert as htmlToText } from 'html-to-text';
import { type Bounce, checkHygiene, type Hygiene } from './inbound-hygiene.ts';
import { parseMessage } from './mime.ts';
import { openInbound } from './pgp-in.ts';
import {
  type InboundKeys,
  MessageRejectedError,
  type MimeLimits,
  type OpenedMessage,
  type ParsedMessage,
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

/** Decrypts and verifies the message with the keys, and takes its text (at most maxTextChars of it). */
export async function openMail(raw: Uint8Array, keys: InboundKeys, limits: MimeLimits, maxTextChars: number): Promise<Opened> {
  let opened: OpenedMessage;
  try {
    opened = await openInbound(raw, keys, limits);
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
