// OSV (Open Source Vulnerability format, https://ossf.github.io/osv-schema/) from an Advisory.
//
// - id: the publisher's OSV prefix + the advisory id ("x_" by default: see Publisher.osvIdPrefix).
// - aliases: the CVE ids. summary: the title (OSV's one-line summary); details: Markdown with the
//   summary, description, mitigation and upgrade instructions.
// - severity: CVSS_V3 / CVSS_V4 vectors.
// - affected: a package product gets its package and its ranges by version, typed as its
//   ecosystem's versions are (SEMVER where SemVer is the ecosystem's own rule, ECOSYSTEM for PyPI,
//   Maven and every other, so osv.dev compares them by the ecosystem's rules), and its GIT ranges.
//   OSV ranges other than GIT only mean something for a package, so a vendor/product without a
//   package carries its git ranges, and its version ranges go in database_specific with the
//   vendor and product.
// - withdrawn: OSV's `withdrawn` timestamp; the reason leads the details.
// - credits: names as the credited party chose; anonymous credits appear as "Anonymous" with
//   their type and no contact.

import { advisorySeverity, publicCredit, type Advisory, type AffectedProduct, type ReferenceType } from '../domain/advisory.ts';
import { versionScheme } from '../domain/versions/index.ts';
import { modifiedDate, type ExportOptions } from './common.ts';

export const OSV_SCHEMA_VERSION = '1.7.4';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
}

export interface OsvRange {
  type: 'SEMVER' | 'GIT' | 'ECOSYSTEM';
  repo?: string;
  events: OsvEvent[];
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvRecord {
  schema_version: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary: string;
  details: string;
  severity?: { type: 'CVSS_V3' | 'CVSS_V4'; score: string }[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  credits?: { name: string; contact?: string[]; type: string }[];
  database_specific?: Record<string, unknown>;
}

const REFERENCE: Record<ReferenceType, string> = {
  advisory: 'ADVISORY',
  article: 'ARTICLE',
  detection: 'DETECTION',
  discussion: 'DISCUSSION',
  report: 'REPORT',
  fix: 'FIX',
  introduced: 'INTRODUCED',
  package: 'PACKAGE',
  evidence: 'EVIDENCE',
  web: 'WEB',
};

export function osvId(advisory: Advisory): string {
  return `${advisory.publisher.osvIdPrefix}${advisory.id}`;
}

/** The Markdown body shared by OSV `details`: summary, description, mitigation, upgrade. */
function details(a: Advisory): string {
  const parts: string[] = [];
  if (a.withdrawn) parts.push(`**Withdrawn** on ${a.withdrawn.slice(0, 10)}: ${a.withdrawnReason ?? ''}`.trim());
  if (a.summary) parts.push(a.summary);
  if (a.description) parts.push(a.description);
  if (a.mitigation) parts.push(`### Mitigation\n\n${a.mitigation}`);
  if (a.upgrade) parts.push(`### Upgrade\n\n${a.upgrade}`);
  return parts.join('\n\n');
}

function affected(p: AffectedProduct): OsvAffected {
  const git: OsvRange[] = p.ranges.flatMap((r) =>
    r.type === 'git' ? [{ type: 'GIT' as const, repo: p.repo!, events: [{ introduced: r.introduced }, { fixed: r.fixed }] }] : [],
  );
  const type = versionScheme(p.package?.ecosystem).osvType;
  const semver: OsvRange[] = p.ranges.flatMap((r) => {
    if (r.type !== 'semver') return [];
    const end: OsvEvent[] = r.fixed ? [{ fixed: r.fixed }] : r.lastAffected ? [{ last_affected: r.lastAffected }] : [];
    return [{ type, events: [{ introduced: r.introduced }, ...end] }];
  });
  const dbSpecific: Record<string, unknown> = { project: p.project };
  if (p.components.length) dbSpecific.components = [...p.components];
  if (p.package) {
    const out: OsvAffected = {
      package: { ecosystem: p.package.ecosystem, name: p.package.name, ...(p.package.purl ? { purl: p.package.purl } : {}) },
    };
    const ranges = [...semver, ...git];
    if (ranges.length) out.ranges = ranges;
    if (p.vendor) dbSpecific.vendor = p.vendor;
    if (p.product) dbSpecific.product = p.product;
    out.database_specific = dbSpecific;
    return out;
  }
  const out: OsvAffected = {};
  if (git.length) out.ranges = git;
  dbSpecific.vendor = p.vendor;
  dbSpecific.product = p.product;
  if (semver.length) dbSpecific.semver_ranges = semver.map((r) => r.events);
  out.database_specific = dbSpecific;
  return out;
}

export function toOsv(advisory: Advisory, options: ExportOptions = {}): OsvRecord {
  const a = advisory;
  const record: OsvRecord = {
    schema_version: OSV_SCHEMA_VERSION,
    id: osvId(a),
    modified: modifiedDate(a, options, 'OSV'),
    summary: a.title,
    details: details(a),
  };
  if (a.published) record.published = a.published;
  if (a.withdrawn) record.withdrawn = a.withdrawn;
  if (a.cveIds.length) record.aliases = [...a.cveIds];
  const severity = a.cvss.map((s) => ({ type: s.version === '4.0' ? ('CVSS_V4' as const) : ('CVSS_V3' as const), score: s.vector }));
  if (severity.length) record.severity = severity;
  if (a.affected.length) record.affected = a.affected.map(affected);
  const references = [
    ...(a.url ? [{ type: 'ADVISORY', url: a.url }] : []),
    ...a.references.filter((r) => r.url !== a.url).map((r) => ({ type: REFERENCE[r.type], url: r.url })),
  ];
  if (references.length) record.references = references;
  if (a.credits.length) {
    record.credits = a.credits.map((credit) => {
      const c = publicCredit(credit);
      return {
        name: c.anonymous ? 'Anonymous' : c.organization ? `${c.name} (${c.organization})` : c.name!,
        ...(c.contact.length ? { contact: c.contact } : {}),
        type: c.type.toUpperCase(),
      };
    });
  }
  const db: Record<string, unknown> = {};
  if (a.cweIds.length) db.cwe_ids = [...a.cweIds];
  const severityWord = advisorySeverity(a);
  if (severityWord) db.severity = severityWord.toUpperCase();
  if (a.withdrawnReason) db.withdrawn_reason = a.withdrawnReason;
  db.publisher = { name: a.publisher.name, namespace: a.publisher.namespace };
  record.database_specific = db;
  return record;
}
