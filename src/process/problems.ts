// One finding about a profile, located in its source text the way a compiler locates one, so a
// person editing a YAML file can jump straight to the line.

export interface Problem {
  /** File name or other label of the text the problem was found in. */
  source: string;
  /** 1-based; 0 when the problem has no place in a text (e.g. a profile built in code). */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  /** Where in the profile, e.g. "sla[0].owner"; "" for the whole profile. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export type PathSegment = string | number;

/** Renders ["sla", 0, "owner"] as "sla[0].owner", the way a reader would write it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Source order, errors before warnings on the same spot: the order a person fixes them in. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (a, b) =>
      a.source.localeCompare(b.source) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

/** `file:line:col: error: message (path)`, one per line, as compilers print them. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => {
      const where = p.line > 0 ? `${p.source}:${p.line}:${p.column}` : p.source;
      return `${where}: ${p.severity}: ${p.message}${p.path ? ` (${p.path})` : ''}`;
    })
    .join('\n');
}

/** The closest candidate to a misspelt word, if one is close enough to be a likely typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (bestDistance <= Math.max(1, Math.floor(word.length / 4))) return best;
  // A truncated name ("incident" for "incident_id") is a typo too, if it is long enough to mean it.
  if (word.length >= 4) {
    for (const c of candidates) if (c.startsWith(word)) return c;
  }
  return undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s ? `; did you mean "${s}"?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}
