// Maven version order, as Maven's own ComparableVersion defines it and the POM reference's
// "Version Order Specification" describes it (https://maven.apache.org/pom.html#version-order-specification).
// No maintained npm package implements it (see docs/decisions.md), so it is written out here from
// the specification and tested against the examples of Maven's own test suite.
//
// A version is split into tokens at "." and "-" and at every change between digits and letters (a
// change counts as "-"). Each "-" (or change) opens a sub-list. Numbers compare numerically;
// qualifiers in the order alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release
// < sp, unknown qualifiers after those, alphabetically, case-insensitively. Trailing "null" tokens
// (0, "", ga, final, release) are dropped, so 1 = 1.0 = 1.0.0 = 1-ga.

type Item = { kind: 'int'; value: bigint } | { kind: 'string'; value: string } | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE = String(QUALIFIERS.indexOf(''));

/** A version Maven would publish: starts with a digit; letters, digits and . - _ + only (no ranges, no LATEST). */
const MAVEN_VERSION = /^[0-9][0-9A-Za-z._+-]*$/;

export function isMavenVersion(version: string): boolean {
  return MAVEN_VERSION.test(version) && version.length <= 128;
}

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) v = v === 'a' ? 'alpha' : v === 'b' ? 'beta' : v === 'm' ? 'milestone' : v;
  return { kind: 'string', value: ALIASES[v] ?? v };
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i < 0 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function isNull(item: Item): boolean {
  if (item.kind === 'int') return item.value === 0n;
  if (item.kind === 'string') return comparableQualifier(item.value) === RELEASE;
  return item.items.length === 0;
}

/** Drops trailing null items of a list, as far as the last one that is not a list. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i]!;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

function parseItem(isDigit: boolean, text: string, followedByDigit = false): Item {
  return isDigit ? { kind: 'int', value: BigInt(text) } : stringItem(text, followedByDigit);
}

function parse(version: string): Item[] {
  const text = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  const open = () => {
    const sub: Item[] = [];
    list.push({ kind: 'list', items: sub });
    list = sub;
    stack.push(sub);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '.' || c === '-') {
      list.push(i === start ? { kind: 'int', value: 0n } : parseItem(isDigit, text.slice(start, i)));
      start = i + 1;
      if (c === '-') open();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        // "1-alpha2" is "1-alpha-2": a qualifier directly followed by a number.
        list.push(stringItem(text.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, text.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (text.length > start) list.push(parseItem(isDigit, text.slice(start)));
  while (stack.length) normalize(stack.pop()!);
  return root;
}

/** How `item` compares with an absent item (the padding of a shorter version). */
function compareWithNull(item: Item): number {
  if (item.kind === 'int') return item.value === 0n ? 0 : 1;
  if (item.kind === 'string') return comparableQualifier(item.value) < RELEASE ? -1 : comparableQualifier(item.value) > RELEASE ? 1 : 0;
  for (const i of item.items) {
    const c = compareWithNull(i);
    if (c !== 0) return c;
  }
  return 0;
}

function compareItems(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -compareWithNull(b);
  if (b === undefined) return compareWithNull(a);
  if (a.kind === 'int') {
    if (b.kind === 'int') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    return 1; // a number is later than a qualifier and than a sub-list
  }
  if (a.kind === 'string') {
    if (b.kind === 'string') {
      const x = comparableQualifier(a.value);
      const y = comparableQualifier(b.value);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return -1; // a qualifier is earlier than a number and than a sub-list
  }
  if (b.kind === 'int') return -1;
  if (b.kind === 'string') return 1;
  return compareLists(a.items, b.items);
}

function compareLists(a: Item[], b: Item[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = compareItems(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** Negative when a is before b, 0 when Maven treats them as equal, positive when a is after b. */
export function compareMaven(a: string, b: string): number {
  return compareLists(parse(a), parse(b));
}
