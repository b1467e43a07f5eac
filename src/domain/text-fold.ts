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

/** A folded text: `text[i]` came from `original.slice(from[i], to[i])`. */
export interface Folded {
  text: string;
  from: Int32Array;
  to: Int32Array;
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
  // Most text is plain ASCII with nothing to decode: lower case is the whole fold.
  if (!/[^\x09\x0a\x0d\x20-\x7e]|[<&%]/.test(original)) {
    const from = new Int32Array(original.length);
    for (let k = 0; k < from.length; k++) from[k] = k;
    return { text: original.toLowerCase(), from, to: from.map((k) => k + 1) };
  }
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
  return { text, from: Int32Array.from(from), to: Int32Array.from(to) };
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
