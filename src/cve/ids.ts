// CVE identifiers: the canonical form, numeric order, and the blocks a team enters by hand.
// Pure functions; the pool use cases (src/app/cve-pool.ts) store what these accept.

/**
 * The canonical form (CVE Program, "CVE ID syntax"): CVE-YYYY-NNNN with at least four digits and no
 * leading zero beyond those four, so CVE-2026-01000 (an alias of CVE-2026-1000) is refused rather than
 * entering the pool twice.
 */
export const CANONICAL_CVE_ID = /^CVE-([0-9]{4})-([0-9]{4}|[1-9][0-9]{4,18})$/;

/** The most ids one block may add, so a typo in a range cannot add millions of rows. */
export const MAX_BLOCK = 1000;

export interface ParsedCveId {
  id: string;
  year: number;
  number: bigint;
}

export function parseCveId(raw: string): ParsedCveId | null {
  const m = CANONICAL_CVE_ID.exec(raw.trim().toUpperCase());
  if (!m) return null;
  return { id: `CVE-${m[1]}-${m[2]}`, year: Number(m[1]), number: BigInt(m[2]!) };
}

export function formatCveId(year: number, n: bigint): string {
  return `CVE-${year}-${n.toString().padStart(4, '0')}`;
}

export function compareCveIds(a: string, b: string): number {
  const x = parseCveId(a);
  const y = parseCveId(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.year !== y.year) return x.year - y.year;
  return x.number < y.number ? -1 : x.number > y.number ? 1 : 0;
}

export interface BlockProblem {
  path: string;
  message: string;
}

/**
 * A block as a team writes it: "CVE-2026-1000..CVE-2026-1049" (inclusive, one year), or a list of
 * ids separated by commas, spaces or new lines, or both mixed. Gives the ids in numeric order, or
 * every problem found. Years must lie between 1999 and next year (what CVE Services reserves for).
 */
export function parseCveBlock(text: string, now: Date): { ids: string[] } | { problems: BlockProblem[] } {
  const problems: BlockProblem[] = [];
  const ids = new Set<string>();
  const maxYear = now.getUTCFullYear() + 1;
  const tokens = text.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) return { problems: [{ path: 'block', message: 'give a range like CVE-2026-1000..CVE-2026-1049 or a list of ids' }] };
  const yearOk = (p: ParsedCveId, token: string) => {
    if (p.year < 1999 || p.year > maxYear) {
      problems.push({ path: token, message: `the year ${p.year} is outside 1999–${maxYear}` });
      return false;
    }
    return true;
  };
  for (const token of tokens) {
    const range = token.split(/\.\.|–|—/);
    if (range.length === 2) {
      const [a, b] = range.map((r) => parseCveId(r!));
      if (!a || !b) {
        problems.push({ path: token, message: 'a range is two CVE ids like CVE-2026-1000..CVE-2026-1049' });
        continue;
      }
      if (!yearOk(a, token)) continue;
      if (a.year !== b.year) {
        problems.push({ path: token, message: 'a range stays within one year' });
        continue;
      }
      if (b.number < a.number) {
        problems.push({ path: token, message: `the range ends (${b.id}) before it starts (${a.id})` });
        continue;
      }
      if (b.number - a.number + 1n > BigInt(MAX_BLOCK)) {
        problems.push({ path: token, message: `more than ${MAX_BLOCK} ids in one range` });
        continue;
      }
      for (let n = a.number; n <= b.number; n++) {
        const id = formatCveId(a.year, n);
        if (!CANONICAL_CVE_ID.test(id)) {
          problems.push({ path: token, message: `${id} is not a valid CVE id` });
          break;
        }
        if (ids.has(id)) problems.push({ path: token, message: `${id} is given twice` });
        ids.add(id);
      }
      continue;
    }
    const p = parseCveId(token);
    if (!p) {
      problems.push({ path: token.slice(0, 40), message: 'not a CVE id like CVE-2026-1000 (four or more digits, no extra leading zero)' });
      continue;
    }
    if (!yearOk(p, token)) continue;
    if (ids.has(p.id)) problems.push({ path: token, message: `${p.id} is given twice` });
    ids.add(p.id);
  }
  if (ids.size > MAX_BLOCK) problems.push({ path: 'block', message: `more than ${MAX_BLOCK} ids at once` });
  if (problems.length) return { problems: problems.slice(0, 50) };
  return { ids: [...ids].sort(compareCveIds) };
}
