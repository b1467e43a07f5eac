// MIME parsing for hostile mail: an iterative boundary splitter that keeps the exact raw bytes of every
// part (a multipart/signed signature covers those bytes), header decoding, bodies to UTF-8, attachments.
import { DEFAULT_MIME_LIMITS, type MimeLimits, type ParsedMessage } from './types.ts';

export { DEFAULT_MIME_LIMITS, MAX_MESSAGE_BYTES, MAX_MIME_DEPTH, MAX_MIME_PARTS, MAX_HEADER_BYTES, MessageRejectedError } from './types.ts';

/** Parses one RFC 5322 message. Throws MessageRejectedError when a limit is crossed; never recurses on input depth. */
export function parseMessage(raw: Uint8Array, limits: Partial<MimeLimits> = {}): ParsedMessage {
  void raw;
  void { ...DEFAULT_MIME_LIMITS, ...limits };
  throw new Error('parseMessage: not implemented yet');
}
