// Semantic Versioning 2.0.0 (https://semver.org): strict parsing and precedence (§11), used for the
// affected and fixed version ranges of an advisory. No leading "v", no ranges, no loose forms:
// what the OSV SEMVER range type and CVE's "semver" version type mean.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly string[];
  build: readonly string[];
}

// The regular expression suggested by semver.org for SemVer 2.0.0.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** The parsed version, or undefined when the string is not SemVer 2.0.0. */
export function parseSemVer(version: string): SemVer | undefined {
  const match = typeof version === 'string' ? SEMVER.exec(version) : null;
  if (!match) return undefined;
  const [, major, minor, patch, pre, build] = match;
  const parts = [Number(major), Number(minor), Number(patch)];
  if (!parts.every(Number.isSafeInteger)) return undefined;
  return {
    major: parts[0]!,
    minor: parts[1]!,
    patch: parts[2]!,
    prerelease: pre ? pre.split('.') : [],
    build: build ? build.split('.') : [],
  };
}

export function isSemVer(version: string): boolean {
  return parseSemVer(version) !== undefined;
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an) return -1; // numeric identifiers have lower precedence than alphanumeric ones
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0; // ASCII order
}

/**
 * SemVer precedence: negative if a < b, 0 if equal precedence (build metadata is ignored), positive
 * if a > b. Throws TypeError on a string that is not SemVer (parse first).
 */
export function compareSemVer(a: string | SemVer, b: string | SemVer): number {
  const x = typeof a === 'string' ? parseSemVer(a) : a;
  const y = typeof b === 'string' ? parseSemVer(b) : b;
  if (!x || !y) throw new TypeError(`not a semantic version: ${String(!x ? a : b)}`);
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (x[key] !== y[key]) return x[key] < y[key] ? -1 : 1;
  }
  // A pre-release version has lower precedence than the associated normal version.
  if (x.prerelease.length === 0 || y.prerelease.length === 0) {
    return (y.prerelease.length === 0 ? 0 : 1) - (x.prerelease.length === 0 ? 0 : 1);
  }
  const n = Math.max(x.prerelease.length, y.prerelease.length);
  for (let i = 0; i < n; i++) {
    const p = x.prerelease[i];
    const q = y.prerelease[i];
    if (p === undefined) return -1; // a smaller set of fields has lower precedence
    if (q === undefined) return 1;
    const c = compareIdentifiers(p, q);
    if (c !== 0) return c;
  }
  return 0;
}
