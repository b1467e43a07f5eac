// MIME parsing for hostile mail. Our own boundary splitter builds the tree because a multipart/signed
// signature covers the exact bytes of the signed part, which a decoding parser (postal-mime among them)
// does not keep; postal-mime supplies what it does well and we would only re-implement worse: RFC 2047
// encoded words and address lists. The walk is iterative (an explicit work list), so 1,000 nested
// multiparts cost a typed error at MAX_MIME_DEPTH, never a stack overflow; sizes and part counts are
// checked before any work is done on a part.

import { addressParser, decodeWords } from 'postal-mime';
import {
  DEFAULT_MIME_LIMITS,
  MessageRejectedError,
  type Attachment,
  type HeaderField,
  type ListHeaders,
  type MailAddress,
  type MailHeaders,
  type MimeLimits,
  type MimePart,
  type ParsedMessage,
  type StructuredValue,
} from './types.ts';

export { DEFAULT_MIME_LIMITS, MAX_MESSAGE_BYTES, MAX_MIME_DEPTH, MAX_MIME_PARTS, MAX_HEADER_BYTES, MessageRejectedError } from './types.ts';

const CR = 13;
const LF = 10;

// ---------------------------------------------------------------------------------------------
// Header block

function decodeHeaderBytes(bytes: Uint8Array): string {
  // RFC 6532 allows UTF-8 in headers; anything else is legacy 8-bit, read as windows-1252 so no byte is lost.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/**
 * Decodes RFC 2047 encoded words. An encoded word can carry CR, LF or NUL ("=?UTF-8?B?...?=");
 * a decoded header value is one line, so they become spaces: a subject quoted into mail the desk
 * sends can never inject a header or be refused at sending time.
 */
function safeDecodeWords(value: string): string {
  let decoded: string;
  try {
    decoded = decodeWords(value);
  } catch {
    decoded = value;
  }
  return decoded.replace(/[\r\n\0]+/g, ' ');
}

class HeaderBlock implements MailHeaders {
  readonly fields: readonly HeaderField[];
  constructor(fields: HeaderField[]) {
    this.fields = fields;
  }
  getRaw(name: string): string | undefined {
    const n = name.toLowerCase();
    return this.fields.find((f) => f.name.toLowerCase() === n)?.rawValue;
  }
  get(name: string): string | undefined {
    const raw = this.getRaw(name);
    return raw === undefined ? undefined : safeDecodeWords(raw).trim();
  }
  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.fields.filter((f) => f.name.toLowerCase() === n).map((f) => safeDecodeWords(f.rawValue).trim());
  }
  has(name: string): boolean {
    return this.getRaw(name) !== undefined;
  }
}

/** Unfolds a header block (its bytes, without the blank line) into fields; lines without a colon are dropped. */
export function parseHeaderBlock(bytes: Uint8Array): MailHeaders {
  const text = decodeHeaderBytes(bytes);
  const fields: HeaderField[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line === '\r') continue;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length) {
      const last = fields[fields.length - 1]!;
      last.rawValue += line.replace(/\r$/, '');
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header (an mbox "From " line, garbage): ignored, not fatal
    const name = line.slice(0, colon).trim();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    fields.push({
      name,
      rawValue: line
        .slice(colon + 1)
        .replace(/\r$/, '')
        .trim(),
    });
  }
  return new HeaderBlock(fields);
}

// ---------------------------------------------------------------------------------------------
// Structured values (Content-Type, Content-Disposition) with RFC 2231 parameters

function decodePercent(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of new TextEncoder().encode(c)) bytes.push(b);
    }
  }
  return decodeText(Uint8Array.from(bytes), charset || 'utf-8', []);
}

export function parseStructured(raw: string | undefined, fallback: string): StructuredValue {
  if (raw === undefined) return { value: fallback, params: {} };
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < raw.length) cur += raw[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const value = (parts.shift() ?? '').trim().toLowerCase() || fallback;
  const simple: Record<string, string> = {};
  const extended = new Map<string, { charset: string; pieces: Map<number, { text: string; encoded: boolean }> }>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    const val = p.slice(eq + 1).trim();
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (!m || (m[2] === undefined && m[3] === undefined)) {
      simple[key] = val;
      continue;
    }
    const name = m[1]!;
    const index = m[2] === undefined ? 0 : Number(m[2]);
    if (index > 1000) continue;
    const encoded = m[3] !== undefined;
    let entry = extended.get(name);
    if (!entry) extended.set(name, (entry = { charset: 'utf-8', pieces: new Map() }));
    let text = val;
    if (encoded && index === 0) {
      const q = /^([^']*)'[^']*'(.*)$/.exec(val);
      if (q) {
        entry.charset = q[1] || 'utf-8';
        text = q[2]!;
      }
    }
    entry.pieces.set(index, { text, encoded });
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(simple)) params[k] = safeDecodeWords(v);
  for (const [name, entry] of extended) {
    const ordered = [...entry.pieces.entries()].sort((a, b) => a[0] - b[0]);
    params[name] = ordered.map(([, piece]) => (piece.encoded ? decodePercent(piece.text, entry.charset) : piece.text)).join('');
  }
  return { value, params };
}

// ---------------------------------------------------------------------------------------------
// Transfer encodings and charsets

function decodeBase64(body: Uint8Array, warnings: string[], where: string): Uint8Array {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  const clean = text.replace(/[\s]/g, '');
  const dataPart = clean.replace(/=+$/, '');
  if (/[^A-Za-z0-9+/]/.test(dataPart) || dataPart.length % 4 === 1) {
    warnings.push(`part ${where || 'root'}: broken base64 (invalid characters or length); decoded what could be read`);
  }
  return new Uint8Array(Buffer.from(dataPart.replace(/[^A-Za-z0-9+/]/g, ''), 'base64'));
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function decodeQuotedPrintable(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== 61 /* = */) {
      out[n++] = c;
      continue;
    }
    // Soft line break: '=' followed by optional whitespace then CRLF or LF.
    let j = i + 1;
    while (j < body.length && (body[j] === 32 || body[j] === 9)) j++;
    if (j < body.length && body[j] === CR && body[j + 1] === LF) {
      i = j + 1;
      continue;
    }
    if (j < body.length && body[j] === LF) {
      i = j;
      continue;
    }
    if (j >= body.length) {
      i = j;
      continue;
    }
    const h = hex(body[i + 1] ?? 0);
    const l = hex(body[i + 2] ?? 0);
    if (h >= 0 && l >= 0) {
      out[n++] = (h << 4) | l;
      i += 2;
    } else out[n++] = c; // a lone '=' is kept literally (RFC 2045 6.7 note 1)
  }
  return out.subarray(0, n);
}

export function decodeTransfer(body: Uint8Array, encoding: string, warnings: string[], where = ''): Uint8Array {
  if (encoding === 'base64') return decodeBase64(body, warnings, where);
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Bytes to text in the declared charset; an unknown or wrong charset never throws, it warns. */
export function decodeText(bytes: Uint8Array, charset: string | undefined, warnings: string[]): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase() || 'utf-8';
  const normalized = label === 'utf8' ? 'utf-8' : label;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(normalized, { fatal: true });
  } catch {
    warnings.push(`unknown charset "${label.slice(0, 40)}": read as UTF-8`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return new TextDecoder('windows-1252').decode(bytes);
    }
  }
  try {
    return decoder.decode(bytes);
  } catch {
    warnings.push(`text is not valid ${normalized}: undecodable bytes replaced`);
    return new TextDecoder(normalized).decode(bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// The tree

/** Index just past the header block and where the header bytes end, or -1 when there is no blank line. */
function findHeaderEnd(buf: Uint8Array, start: number, end: number): { headerEnd: number; bodyStart: number } | undefined {
  // A part starting with an empty line has no headers.
  if (buf[start] === LF) return { headerEnd: start, bodyStart: start + 1 };
  if (buf[start] === CR && buf[start + 1] === LF) return { headerEnd: start, bodyStart: start + 2 };
  for (let i = start; i < end; i++) {
    if (buf[i] !== LF) continue;
    if (buf[i + 1] === LF && i + 1 < end) return { headerEnd: i + 1, bodyStart: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF && i + 2 < end) return { headerEnd: i + 1, bodyStart: i + 3 };
  }
  return undefined;
}

interface Delimiters {
  /** [start, end) of each part's bytes. */
  parts: Array<[number, number]>;
  closed: boolean;
}

/** Finds the parts of a multipart body: delimiter lines "--boundary" at line starts; the line break before belongs to the delimiter. */
function splitMultipart(buf: Buffer, start: number, end: number, boundary: string): Delimiters {
  const marker = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Array<[number, number]> = [];
  let partStart = -1;
  let pos = start;
  let closed = false;
  while (pos < end) {
    const at = buf.indexOf(marker, pos);
    if (at < 0 || at + marker.length > end) break;
    const atLineStart = at === start || buf[at - 1] === LF;
    pos = at + marker.length;
    if (!atLineStart) continue;
    let p = at + marker.length;
    const isClose = buf[p] === 45 && buf[p + 1] === 45;
    if (isClose) p += 2;
    while (p < end && (buf[p] === 32 || buf[p] === 9)) p++; // transport padding
    if (p < end && buf[p] !== CR && buf[p] !== LF) continue; // "--boundaryX": a longer string, not ours
    let lineEnd = p;
    if (buf[lineEnd] === CR) lineEnd++;
    if (buf[lineEnd] === LF) lineEnd++;
    if (partStart >= 0) {
      let partEnd = at;
      if (partEnd > partStart && buf[partEnd - 1] === LF) partEnd--;
      if (partEnd > partStart && buf[partEnd - 1] === CR) partEnd--;
      parts.push([partStart, Math.max(partStart, partEnd)]);
    }
    if (isClose) {
      closed = true;
      break;
    }
    partStart = lineEnd;
    pos = lineEnd;
  }
  if (!closed && partStart >= 0 && partStart < end) parts.push([partStart, end]);
  return { parts, closed };
}

interface Work {
  buf: Buffer;
  start: number;
  end: number;
  depth: number;
  path: string;
  defaultType: string;
  attach: (part: MimePart) => void;
}

function makePart(
  buf: Buffer,
  start: number,
  end: number,
  depth: number,
  path: string,
  defaultType: string,
  limits: MimeLimits,
  warnings: string[],
): MimePart {
  const found = findHeaderEnd(buf, start, end);
  let headerBytes: Uint8Array;
  let bodyStart: number;
  if (found) {
    headerBytes = buf.subarray(start, found.headerEnd);
    bodyStart = Math.min(found.bodyStart, end);
  } else {
    // No blank line: a header-only part if it starts like a header, otherwise body-only.
    const firstLine = buf.subarray(start, Math.min(end, start + 200)).toString('latin1');
    const looksLikeHeader = /^[\x21-\x39\x3b-\x7e]+:/.test(firstLine);
    headerBytes = looksLikeHeader ? buf.subarray(start, end) : buf.subarray(start, start);
    bodyStart = looksLikeHeader ? end : start;
  }
  if (headerBytes.length > limits.maxHeaderBytes) {
    throw new MessageRejectedError(
      'header_too_large',
      `A header block is ${headerBytes.length} bytes; the limit is ${limits.maxHeaderBytes}.`,
    );
  }
  const headers = parseHeaderBlock(headerBytes);
  const contentType = parseStructured(headers.getRaw('content-type'), defaultType);
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(contentType.value)) {
    warnings.push(`part ${path || 'root'}: invalid content type "${contentType.value.slice(0, 60)}", read as ${defaultType}`);
    contentType.value = defaultType;
  }
  const dispRaw = headers.getRaw('content-disposition');
  const disposition = dispRaw === undefined ? undefined : parseStructured(dispRaw, 'attachment');
  const transferEncoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase().split(/[\s;(]/)[0] || '7bit';
  const raw = buf.subarray(start, end);
  const rawBody = buf.subarray(bodyStart, end);
  let decoded: Uint8Array | undefined;
  const part: MimePart = {
    path,
    depth,
    headers,
    contentType,
    ...(disposition ? { disposition } : {}),
    transferEncoding,
    raw,
    rawBody,
    children: [],
    decodedBody() {
      decoded ??= decodeTransfer(rawBody, transferEncoding, warnings, path);
      return decoded;
    },
  };
  return part;
}

function childPath(parent: string, index: number): string {
  return parent ? `${parent}.${index}` : String(index);
}

/** Builds the MIME tree of one entity (a whole message or a part) within the limits, iteratively. */
export function parseEntity(raw: Uint8Array, limits: MimeLimits, warnings: string[]): MimePart {
  if (raw.length > limits.maxBytes) {
    throw new MessageRejectedError(
      'too_large',
      `The message is ${(raw.length / 1048576).toFixed(1)} MiB; the limit is ${(limits.maxBytes / 1048576).toFixed(1)} MiB. Please send large files by another channel (a link to an encrypted archive).`,
    );
  }
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let root: MimePart | undefined;
  let count = 0;
  const work: Work[] = [{ buf, start: 0, end: buf.length, depth: 0, path: '', defaultType: 'text/plain', attach: (p) => (root = p) }];
  while (work.length) {
    const w = work.pop()!;
    if (w.depth > limits.maxDepth) {
      throw new MessageRejectedError(
        'too_deep',
        `MIME parts are nested more than ${limits.maxDepth} levels deep; no mail client does that.`,
      );
    }
    if (++count > limits.maxParts) {
      throw new MessageRejectedError('too_many_parts', `The message has more than ${limits.maxParts} MIME parts.`);
    }
    const part = makePart(w.buf, w.start, w.end, w.depth, w.path, w.defaultType, limits, warnings);
    w.attach(part);
    const type = part.contentType.value;
    if (type.startsWith('multipart/')) {
      const boundary = part.contentType.params.boundary;
      const bodyStart = w.end - part.rawBody.length;
      const split = boundary && boundary.length <= 200 ? splitMultipart(w.buf, bodyStart, w.end, boundary) : { parts: [], closed: false };
      if (!split.parts.length) {
        // Wrong or missing boundary: keep the body readable as text rather than lose it.
        warnings.push(
          `part ${w.path || 'root'}: ${type} without ${boundary ? 'a part delimited by its boundary' : 'a boundary'}; read as text`,
        );
        part.contentType = { value: 'text/plain', params: { charset: 'utf-8' } };
        continue;
      }
      if (!split.closed) warnings.push(`part ${w.path || 'root'}: ${type} lacks its closing boundary`);
      const childDefault = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      const slots: MimePart[] = new Array(split.parts.length);
      part.children = slots;
      // Pushed in reverse so that parts are numbered and visited in document order.
      for (let i = split.parts.length - 1; i >= 0; i--) {
        const [s, e] = split.parts[i]!;
        work.push({
          buf: w.buf,
          start: s,
          end: e,
          depth: w.depth + 1,
          path: childPath(w.path, i + 1),
          defaultType: childDefault,
          attach: (p) => (slots[i] = p),
        });
      }
    } else if (type === 'message/rfc822' || type === 'message/global') {
      const inner =
        part.transferEncoding === 'base64' || part.transferEncoding === 'quoted-printable'
          ? Buffer.from(part.decodedBody())
          : w.buf.subarray(w.end - part.rawBody.length, w.end);
      work.push({
        buf: inner,
        start: 0,
        end: inner.length,
        depth: w.depth + 1,
        path: childPath(w.path, 1),
        defaultType: 'text/plain',
        attach: (p) => (part.children = [p]),
      });
    }
  }
  return root!;
}

// ---------------------------------------------------------------------------------------------
// Message-level views

/** Angle-bracketed message IDs in a header value, without the brackets; bare tokens when there are none. */
export function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>\s]{1,995})>/g)].map((m) => m[1]!);
  if (bracketed.length) return bracketed;
  return value.split(/[\s,]+/).filter((t) => t.includes('@') && t.length < 996);
}

function normalizeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}

export function parseAddresses(value: string | undefined): MailAddress[] {
  if (!value) return [];
  try {
    return addressParser(value, { flatten: true })
      .filter((a) => typeof a.address === 'string' && a.address.includes('@'))
      .map((a) => ({ name: a.name ?? '', address: normalizeAddress(a.address!) }));
  } catch {
    return [];
  }
}

const RESERVED_WINDOWS = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/** A file name safe to store and offer for download: no path, no control or shell-special characters, bounded. */
export function sanitizeFilename(name: string | undefined, contentType: string): string {
  let n = (name ?? '').normalize('NFC');
  n = n.split(/[/\\]/).pop() ?? '';
  n = n.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g, '_');
  n = n
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '')
    .replace(/\s+/g, ' ');
  if (RESERVED_WINDOWS.test(n)) n = `_${n}`;
  if (!n) {
    const ext =
      contentType === 'text/plain'
        ? 'txt'
        : contentType === 'text/html'
          ? 'html'
          : contentType === 'message/rfc822'
            ? 'eml'
            : contentType === 'application/pdf'
              ? 'pdf'
              : 'bin';
    n = `attachment.${ext}`;
  }
  const enc = new TextEncoder();
  if (enc.encode(n).length > 200) {
    const dot = n.lastIndexOf('.');
    const ext = dot > 0 && n.length - dot <= 16 ? n.slice(dot) : '';
    let stem = ext ? n.slice(0, dot) : n;
    while (enc.encode(stem + ext).length > 200) stem = [...stem].slice(0, -1).join('');
    n = stem + ext;
  }
  return n;
}

function filenameOf(part: MimePart): string | undefined {
  return part.disposition?.params.filename ?? part.contentType.params.name;
}

function isAttachment(part: MimePart): boolean {
  const type = part.contentType.value;
  if (part.disposition?.value === 'attachment') return true;
  if (type === 'text/plain' || type === 'text/html') return filenameOf(part) !== undefined && part.disposition?.value !== 'inline';
  return true;
}

/** Walks leaves in document order, iteratively; message/rfc822 parts count as one attachment (not opened for bodies). */
function collectBodies(root: MimePart, warnings: string[]): { text?: string; html?: string; attachments: Attachment[] } {
  const texts: string[] = [];
  const htmls: string[] = [];
  const attachments: Attachment[] = [];
  const stack: MimePart[] = [root];
  while (stack.length) {
    const part = stack.pop()!;
    const type = part.contentType.value;
    if (type.startsWith('multipart/') && part.children.length) {
      for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i]!);
      continue;
    }
    if (!isAttachment(part)) {
      const text = decodeText(part.decodedBody(), part.contentType.params.charset, warnings);
      (type === 'text/html' ? htmls : texts).push(text);
      continue;
    }
    attachments.push({
      filename: sanitizeFilename(filenameOf(part), type),
      contentType: type,
      disposition: part.disposition?.value === 'inline' ? 'inline' : 'attachment',
      ...(part.headers.get('content-id')
        ? { contentId: messageIds(part.headers.get('content-id'))[0] ?? part.headers.get('content-id')! }
        : {}),
      bytes: part.decodedBody(),
      partPath: part.path,
    });
  }
  return {
    ...(texts.length ? { text: texts.join('\n') } : {}),
    ...(htmls.length ? { html: htmls.join('\n') } : {}),
    attachments,
  };
}

function listHeaders(h: MailHeaders): ListHeaders {
  const out: ListHeaders = {};
  const map: Array<[keyof ListHeaders, string]> = [
    ['id', 'list-id'],
    ['post', 'list-post'],
    ['unsubscribe', 'list-unsubscribe'],
    ['help', 'list-help'],
    ['owner', 'list-owner'],
    ['archive', 'list-archive'],
  ];
  for (const [key, name] of map) {
    const v = h.get(name);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** A ParsedMessage view of a root part: the headers of interest and the bodies. */
export function messageFromRoot(raw: Uint8Array, root: MimePart, warnings: string[]): ParsedMessage {
  const h = root.headers;
  const dateRaw = h.get('date');
  const date = dateRaw ? new Date(dateRaw) : undefined;
  const returnPath = h.get('return-path');
  const bodies = collectBodies(root, warnings);
  const from = parseAddresses(h.get('from'))[0];
  const sender = parseAddresses(h.get('sender'))[0];
  const messageId = messageIds(h.get('message-id'))[0];
  return {
    raw,
    root,
    headers: h,
    subject: (h.get('subject') ?? '').replace(/[\r\n]+/g, ' '),
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    replyTo: parseAddresses(h.get('reply-to')),
    to: h.getAll('to').flatMap((v) => parseAddresses(v)),
    cc: h.getAll('cc').flatMap((v) => parseAddresses(v)),
    ...(date && !Number.isNaN(date.getTime()) ? { date } : {}),
    ...(messageId ? { messageId } : {}),
    inReplyTo: messageIds(h.get('in-reply-to')),
    references: messageIds(h.getAll('references').join(' ')),
    ...(h.get('auto-submitted') !== undefined ? { autoSubmitted: h.get('auto-submitted')!.toLowerCase() } : {}),
    ...(h.get('precedence') !== undefined ? { precedence: h.get('precedence')!.toLowerCase() } : {}),
    ...(returnPath !== undefined ? { returnPath: returnPath.replace(/^\s*<\s*/, '').replace(/\s*>\s*$/, '') } : {}),
    list: listHeaders(h),
    autocrypt: h.fields.filter((f) => f.name.toLowerCase() === 'autocrypt').map((f) => f.rawValue),
    ...bodies,
    warnings,
  };
}

/** Parses one RFC 5322 message. Throws MessageRejectedError when a limit is crossed; never recurses on input depth. */
export function parseMessage(raw: Uint8Array, limits: Partial<MimeLimits> = {}): ParsedMessage {
  const effective: MimeLimits = { ...DEFAULT_MIME_LIMITS, ...limits };
  const warnings: string[] = [];
  const root = parseEntity(raw, effective, warnings);
  if (!root.headers.fields.length) {
    throw new MessageRejectedError('malformed', 'This is not an e-mail message: it has no header fields.');
  }
  return messageFromRoot(raw, root, warnings);
}
