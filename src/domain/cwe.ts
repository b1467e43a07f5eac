// The CWE list (Common Weakness Enumeration) the desk ships as data: MITRE's weaknesses with their
// names, status and mapping usage, from one CWE release. Where it comes from and how to refresh it:
// scripts/cwe-catalogue.ts and docs/decisions.md. Lookup by id and search by id or name.

import catalogueData from './cwe-catalogue.json' with { type: 'json' };

export interface CweEntry {
  /** "CWE-79" */
  id: string;
  name: string;
  /** MITRE's status: Stable, Draft, Incomplete, Deprecated, ... */
  status: string;
  /** MITRE's vulnerability mapping usage: Allowed, Allowed-with-Review, Discouraged, Prohibited. */
  usage?: string;
}

export interface CweCatalogue {
  source: string;
  version: string;
  /** Release date of that CWE version. */
  date: string;
  weaknesses: CweEntry[];
}

export const CWE_CATALOGUE: CweCatalogue = catalogueData as CweCatalogue;

const byId = new Map(CWE_CATALOGUE.weaknesses.map((w) => [w.id, w]));

/** "CWE-79", "cwe-79", "79" → "CWE-79"; undefined when it is not of that shape. */
export function normalizeCweId(id: string): string | undefined {
  const match = /^(?:CWE-)?([1-9]\d{0,5})$/i.exec(typeof id === 'string' ? id.trim() : '');
  return match ? `CWE-${match[1]}` : undefined;
}

/** The catalogue entry for an id (any form normalizeCweId accepts), or undefined. */
export function cweById(id: string): CweEntry | undefined {
  const normalized = normalizeCweId(id);
  return normalized ? byId.get(normalized) : undefined;
}

/**
 * Entries whose id or name matches every word of the query (case-insensitive), best first: an exact
 * id, then names that start with the query, then the rest by id. Deprecated entries come last.
 */
export function searchCwe(query: string, limit = 20): CweEntry[] {
  const q = (query ?? '').trim().toLowerCase();
  if (!q) return [];
  const exact = cweById(q);
  const words = q.split(/\s+/);
  const hits = CWE_CATALOGUE.weaknesses.filter((w) => {
    const hay = `${w.id.toLowerCase()} ${w.name.toLowerCase()}`;
    return words.every((word) => hay.includes(word));
  });
  const rank = (w: CweEntry): number =>
    (w === exact ? 0 : w.name.toLowerCase().startsWith(q) ? 1 : 2) + (w.status === 'Deprecated' ? 10 : 0);
  const ordered = [...new Set([...(exact ? [exact] : []), ...hits])].sort(
    (a, b) => rank(a) - rank(b) || Number(a.id.slice(4)) - Number(b.id.slice(4)),
  );
  return ordered.slice(0, Math.max(0, limit));
}
