// Folding text to the form the leak guard compares, keeping where each folded character came from.
//
// Someone who wants a name past a filter, or a mail client that mangles it, has many ways to write
// "Jane Doe" that a person still reads as that name: other letter case, accents, fullwidth or
// mathematical letters, Cyrillic or Greek look-alikes, a soft hyphen or a zero-width space inside,
// HTML entities (&#74;ane), percent-encoding (Jane%20Doe), markup splitting it (Ja<b>ne</b>). Folding
// undoes all of these on both sides, so the comparison is one plain regular expression, and the
// position map lets redaction replace exactly the original characters.
//
// Each character is folded on its own (and remembered), so folding never shifts positions we cannot
// follow: decomposition for accents and compatibility forms, src/domain/look-alikes.ts for letters
// of other scripts.

import { decodeHTML } from 'entities';
import { latinReading } from './look-alikes.ts';

/** A folded text: `text[i]` came from `original.slice(from(i), to(i))`. */
export interface Folded {
  text: string;
  from(i: number): number;
  to(i: number): number;
}

/** What markup becomes: kept as written, removed, or a space (a tag between two words). */
export type MarkupMode = 'keep' | 'remove' | 'space';

const FORMAT_CHARACTER = /\p{Cf}/u; // soft hyphen, zero-width space and joiners, word joiner, BOM
const foldedCodePoints = new Map<string, string>();
const MAX_REMEMBERED = 50_000;

/**
 * One character (a base and its combining marks) as compared: compatibility decomposition with the
 * accents dropped (NFKD without marks: "Ｊ" → "j", "é" → "e", "ﬁ" → "fi", "𝐉" → "j"), no format
 * characters, lower case, look-alike letters of other scripts read as Latin ("а" → "a").
 */
function foldCodePoint(cp: string): string {
  const known = foldedCodePoints.get(cp);
  if (known !== undefined) return known;
  let out = '';
  for (const c of cp.normalize('NFKD').toLowerCase()) {
    if (FORMAT_CHARACTER.test(c) || COMBINING.test(c)) continue;
    out += c.charCodeAt(0) < 0x80 ? c : latinReading(c);
  }
  if (foldedCodePoints.size >= MAX_REMEMBERED) foldedCodePoints.clear();
  foldedCodePoints.set(cp, out);
  return out;
}

const TAG = /<\/?[A-Za-z!][^<>]{0,500}>/y;
const ENTITY = /&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?/y;
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2})+/y;

function decodePercent(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    return run; // not UTF-8: kept as written
  }
}

/**
 * Folds `original` (NFKC, format characters removed, look-alikes and accents folded, lower case; HTML
 * entities and percent-encoding decoded; markup as `markup` says), mapping each folded character
 * back to the original characters it came from.
 */
export function foldText(original: string, markup: MarkupMode = 'keep'): Folded {
  // Most text is plain ASCII with nothing to decode: lower case is the whole fold, and each folded
  // character is the original one at the same place (no position map to build).
  if (!/[^\x09\x0a\x0d\x20-\x7e]|[<&%]/.test(original)) return { text: original.toLowerCase(), from: samePlace, to: nextPlace };
  // One case's texts are checked against several lists and read by several pages and formats: the
  // latest folds are kept, so the same text is not folded again for each.
  const key = `${markup}\u0000${original}`;
  const known = recentFolds.get(key);
  if (known) return known;
  const folded = foldMixed(original, markup);
  remember(key, folded);
  return folded;
}

const samePlace = (i: number) => i;
const nextPlace = (i: number) => i + 1;

const recentFolds = new Map<string, Folded>();
const MAX_RECENT_FOLDS = 256;
let recentChars = 0;
const MAX_RECENT_CHARS = 4_000_000;

function remember(key: string, folded: Folded): void {
  recentFolds.set(key, folded);
  recentChars += key.length;
  for (const oldest of recentFolds.keys()) {
    if (recentFolds.size <= MAX_RECENT_FOLDS && recentChars <= MAX_RECENT_CHARS) break;
    recentFolds.delete(oldest);
    recentChars -= oldest.length;
  }
}

/** The fold of a text with something beyond plain ASCII in it (or markup, an entity, a percent sign). */
function foldMixed(original: string, markup: MarkupMode): Folded {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  const emit = (decoded: string, start: number, end: number) => {
    // Combining marks belong to the character before them: fold them together.
    const pieces = decoded.length === 1 ? [decoded] : (decoded.match(/\P{M}\p{M}*|\p{M}+/gu) ?? []);
    for (const piece of pieces) {
      for (const unit of foldCodePoint(piece)) {
        text += unit;
        from.push(start);
        to.push(end);
      }
    }
  };
  let i = 0;
  while (i < original.length) {
    const code = original.charCodeAt(i);
    if (code < 0x80 && code !== 0x3c && code !== 0x26 && code !== 0x25) {
      // A run of plain ASCII folds to itself in lower case, one character each.
      PLAIN_RUN.lastIndex = i;
      const end = PLAIN_RUN.exec(original) ? PLAIN_RUN.lastIndex : i + 1;
      text += original.slice(i, end).toLowerCase();
      for (let k = i; k < end; k++) {
        from.push(k);
        to.push(k + 1);
      }
      i = end;
      continue;
    }
    const escaped =
      code === 0x3c ? tagAt(original, i, markup) : code === 0x26 ? entityAt(original, i) : code === 0x25 ? percentAt(original, i) : null;
    if (escaped) {
      emit(escaped.decoded, i, escaped.end);
      i = escaped.end;
      continue;
    }
    // A base character with the combining marks that follow it, so "e\u0301" folds like "é".
    let end = i + (code >= 0xd800 && code <= 0xdbff ? 2 : 1);
    while (end < original.length && original.charCodeAt(end) >= 0x300 && COMBINING.test(String.fromCodePoint(original.codePointAt(end)!))) {
      end += original.charCodeAt(end) >= 0xd800 && original.charCodeAt(end) <= 0xdbff ? 2 : 1;
    }
    emit(original.slice(i, end), i, end);
    i = end;
  }
  const fromAt = Int32Array.from(from);
  const toAt = Int32Array.from(to);
  return { text, from: (k) => fromAt[k]!, to: (k) => toAt[k]! };
}

const COMBINING = /^\p{M}$/u;
const PLAIN_RUN = /[\x00-\x24\x27-\x3b\x3d-\x7f]+/y;

/** Markup at `i`, as the reading `markup` sees it: nothing, a space, or (kept) not markup at all. */
function tagAt(original: string, i: number, markup: MarkupMode): { decoded: string; end: number } | null {
  if (markup === 'keep') return null;
  TAG.lastIndex = i;
  const tag = TAG.exec(original);
  return tag ? { decoded: markup === 'space' ? ' ' : '', end: i + tag[0].length } : null;
}

function entityAt(original: string, i: number): { decoded: string; end: number } | null {
  ENTITY.lastIndex = i;
  const entity = ENTITY.exec(original);
  const decoded = entity ? decodeHTML(entity[0]) : '';
  return entity && decoded !== entity[0] ? { decoded, end: i + entity[0].length } : null;
}

function percentAt(original: string, i: number): { decoded: string; end: number } | null {
  PERCENT_RUN.lastIndex = i;
  const run = PERCENT_RUN.exec(original);
  const decoded = run ? decodePercent(run[0]) : '';
  return run && decoded !== run[0] ? { decoded, end: i + run[0].length } : null;
}
