import type { ParsedMessage, MimePart } from './types.ts';
import { decodeText } from './mime.ts';

// Hygiene of inbound mail, decided from the outer headers before anything else happens:
// - RFC 3834: never answer automatically a message that is itself automatic (Auto-Submitted other
//   than "no"), bulk or list mail (Precedence bulk/junk/list, List-Id), or one with the null sender
//   (MAIL FROM:<> or Return-Path: <>: bounces and other delivery reports).
// - Bounces (DSNs, RFC 3464) go to the delivery side, which marks the delivery they name failed.
// - Loops: mail the gateway itself sent coming back (its X-Loop marker, a Message-ID of its own
//   domain, or From one of its own aliases) is kept but not processed further.

/** Header the delivery job adds to everything it sends (src/jobs/mail-delivery.ts), with loopMarker's value. */
export const LOOP_HEADER = 'X-Loop';

/**
 * The X-Loop value of this desk: embargo@ its Message-ID domain (the bounce address's domain). One
 * function for both sides, so what the delivery job writes is exactly what this check recognises.
 */
export function loopMarker(messageIdDomain: string): string {
  return `embargo@${messageIdDomain.trim().toLowerCase()}`;
}

export interface Hygiene {
  /** May the gateway ever answer this message automatically? */
  mayAutoReply: boolean;
  /** Why not, for the record. */
  noReplyReason: string | null;
  /** Sent by a machine (vacation notice, bounce, list): it must not resume clocks or open reports. */
  automatic: boolean;
  bounce: Bounce | null;
  loop: string | null;
}

export interface Bounce {
  originalMessageId: string | null;
  recipient: string | null;
  status: string | null;
  action: string | null;
  diagnostic: string | null;
}

export function checkHygiene(
  m: ParsedMessage,
  envelopeFrom: string,
  ours: { aliases: ReadonlySet<string>; messageIdDomain: string },
): Hygiene {
  const autoSubmitted = m.autoSubmitted?.split(';')[0]?.trim().toLowerCase();
  const precedence = m.precedence?.trim().toLowerCase();
  const nullSender = envelopeFrom.trim() === '' || envelopeFrom.trim() === '<>' || m.returnPath === '';
  const reasons: string[] = [];
  if (autoSubmitted && autoSubmitted !== 'no') reasons.push(`Auto-Submitted: ${autoSubmitted}`);
  if (precedence && ['bulk', 'junk', 'list'].includes(precedence)) reasons.push(`Precedence: ${precedence}`);
  // RFC 3834 2: List-Id, and any other List-* field (RFC 2369), marks mail from a list or a bulk sender.
  const listField = (Object.keys(m.list) as (keyof typeof m.list)[]).find((k) => m.list[k] !== undefined);
  if (listField) reasons.push(`mailing-list mail (List-${listField === 'id' ? 'Id' : listField[0]!.toUpperCase() + listField.slice(1)})`);
  if (nullSender) reasons.push('null sender (a bounce or delivery report)');
  // Common auto-responders that do not set Auto-Submitted.
  if (
    m.headers.has('x-autoreply') ||
    m.headers.has('x-autorespond') ||
    /^auto_reply$/i.test(m.headers.get('x-auto-response-suppress') ?? '')
  ) {
    reasons.push('auto-responder header');
  }

  const bounce = isDsn(m.root) || (nullSender && /^(mailer-daemon|postmaster)@/i.test(m.from?.address ?? '')) ? parseDsn(m) : null;

  let loop: string | null = null;
  const loopValues = m.headers.getAll(LOOP_HEADER).map((v) => v.trim().toLowerCase());
  const fromAddress = m.from?.address.toLowerCase() ?? '';
  const domain = ours.messageIdDomain.toLowerCase();
  if (loopValues.some((v) => ours.aliases.has(v) || (domain !== '' && v === loopMarker(domain)))) loop = `${LOOP_HEADER} names this desk`;
  else if (fromAddress && ours.aliases.has(fromAddress)) loop = `From is the desk's own alias ${fromAddress}`;
  else if (m.messageId && domain && m.messageId.toLowerCase().endsWith(`@${domain}`) && m.autoSubmitted)
    loop = 'an automatic message with a Message-ID of this desk';

  return {
    mayAutoReply: reasons.length === 0 && loop === null && bounce === null,
    noReplyReason: loop ?? (bounce ? 'bounce' : (reasons[0] ?? null)),
    automatic: reasons.length > 0 || bounce !== null,
    bounce,
    loop,
  };
}

function isDsn(root: MimePart): boolean {
  return (
    root.contentType.value === 'multipart/report' && (root.contentType.params['report-type'] ?? '').toLowerCase() === 'delivery-status'
  );
}

function walk(root: MimePart, visit: (p: MimePart) => void): void {
  const stack = [root];
  let n = 0;
  while (stack.length && n++ < 1000) {
    const p = stack.pop()!;
    visit(p);
    stack.push(...p.children);
  }
}

function field(text: string, name: string): string | null {
  const m = new RegExp(`^${name}:[ \\t]*(.+)$`, 'im').exec(text);
  return m ? m[1]!.trim().slice(0, 500) : null;
}

/** The facts of a delivery status notification (RFC 3464), as far as the report gives them. */
export function parseDsn(m: ParsedMessage): Bounce {
  let status: string | null = null;
  let action: string | null = null;
  let recipient: string | null = null;
  let diagnostic: string | null = null;
  let originalMessageId: string | null = null;
  walk(m.root, (p) => {
    const type = p.contentType.value;
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      const text = decodeText(p.decodedBody(), 'utf-8', []);
      status ??= field(text, 'Status');
      action ??= field(text, 'Action');
      diagnostic ??= field(text, 'Diagnostic-Code');
      const rcpt = field(text, 'Final-Recipient') ?? field(text, 'Original-Recipient');
      recipient ??= rcpt ? rcpt.replace(/^[^;]*;\s*/, '') : null;
    } else if (type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/rfc822-headers') {
      const head = decodeText(type === 'message/rfc822' ? p.rawBody : p.decodedBody(), 'utf-8', []);
      const end = head.search(/\r?\n\r?\n/);
      const id = /^message-id:[ \t]*<([^>\r\n]+)>/im.exec(end >= 0 ? head.slice(0, end) : head);
      originalMessageId ??= id ? id[1]!.trim() : null;
    }
  });
  return { originalMessageId, recipient, status, action, diagnostic };
}
