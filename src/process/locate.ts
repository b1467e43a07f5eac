// Maps a path into the parsed data (["sla", 0, "owner"]) back to a line and column in the YAML
// text. Validation works on plain data, which has no positions; this is what lets every schema
// issue and every lint finding point at the line a person has to change.

import { isAlias, isMap, isNode, isScalar, isSeq, type LineCounter } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { PathSegment } from './problems.ts';

export interface Position {
  line: number;
  column: number;
}

export interface Location extends Position {
  /** False when the path does not exist; the position is then that of its nearest ancestor. */
  found: boolean;
}

export interface Locator {
  /** Position of the offending value's source offset. */
  offset(offset: number): Position;
  /** The value at `path`, or with `key: true` the map key that names it. */
  at(path: readonly PathSegment[], options?: { key?: boolean }): Location;
  /**
   * The `occurrence`-th appearance (0-based) of `fragment` inside the string value at `path`:
   * used to point at one `{{variable}}` inside a multi-line template.
   */
  inString(path: readonly PathSegment[], fragment: string, occurrence: number): Location;
}

/** A locator for a profile that has no source text: every position is 0:0. */
export const nowhere: Locator = {
  offset: () => ({ line: 0, column: 0 }),
  at: () => ({ line: 0, column: 0, found: false }),
  inString: () => ({ line: 0, column: 0, found: false }),
};

interface Walk {
  found: boolean;
  node: Node | null | undefined;
  /** Key node of the map pair holding `node`, if `node` is a map value. */
  key: Node | null | undefined;
}

export function createLocator(doc: Document, text: string, lines: LineCounter): Locator {
  const offset = (at: number): Position => {
    const { line, col } = lines.linePos(at);
    return { line, column: col };
  };
  const startOf = (node: Node | null | undefined): number | undefined => {
    // An empty value ("subject:" with nothing after it) has a zero-width range after the
    // colon; the key is the better place to point at.
    if (!node?.range) return undefined;
    if (isScalar(node) && node.value === null && node.range[0] === node.range[1]) return undefined;
    return node.range[0];
  };

  const walk = (path: readonly PathSegment[]): Walk => {
    let node: Node | null | undefined = doc.contents;
    let key: Node | null | undefined;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc) ?? null;
      if (isMap(node)) {
        const pair: Pair<unknown, unknown> | undefined = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) return { found: false, node, key };
        key = isNode(pair.key) ? pair.key : undefined;
        node = isNode(pair.value) ? pair.value : null;
      } else if (isSeq(node) && Number.isInteger(Number(seg))) {
        const item: unknown = node.items[Number(seg)];
        if (item === undefined) return { found: false, node, key };
        key = undefined;
        node = isNode(item) ? item : null;
      } else {
        return { found: false, node, key };
      }
    }
    return { found: true, node, key };
  };

  const at = (path: readonly PathSegment[], options: { key?: boolean } = {}): Location => {
    const w = walk(path);
    // A missing key is reported on the key that introduces its parent map ("rejection:"),
    // which is where a person would add it.
    const preferKey = options.key || !w.found;
    const first = preferKey ? (startOf(w.key) ?? startOf(w.node)) : (startOf(w.node) ?? startOf(w.key));
    return { ...offset(first ?? 0), found: w.found };
  };

  const inString = (path: readonly PathSegment[], fragment: string, occurrence: number): Location => {
    const w = walk(path);
    if (!w.found || !isScalar(w.node) || !w.node.range) return at(path);
    // Search the raw source of the scalar rather than converting offsets: it works the same for
    // plain, quoted and block scalars, whose indentation and escapes shift offsets differently.
    const [start, , end] = w.node.range;
    const raw = text.slice(start, end);
    let index = -1;
    for (let i = 0; i <= occurrence; i++) {
      index = raw.indexOf(fragment, index + 1);
      if (index < 0) return at(path);
    }
    return { ...offset(start + index), found: true };
  };

  return { offset, at, inString };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}
