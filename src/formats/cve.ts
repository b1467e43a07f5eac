// CVE JSON 5 records (CVE Record Format 5.1, https://github.com/CVEProject/cve-schema) from an
// Advisory: one record per CVE id of the advisory, each with the published CNA container.
//
// - descriptions: the summary and description as plain text (Markdown is readable as such) when it
//   fits the 4,096-character limit, else the summary; the full Markdown as supportingMedia.
// - affected: vendor + product (the team when the product names no vendor); for a package also
//   collectionURL + packageName where the ecosystem has a well-known collection; versions by number
//   (versionType by the package's ecosystem: semver, python, maven, rpm, else custom) or by git
//   commit ("version" ≤ v < "lessThan"), everything else unaffected; components → modules.
// - problemTypes (CWE), metrics (cvssV3_1 / cvssV4_0), workarounds (mitigation), solutions
//   (upgrade), credits (honouring each preference), timeline, references with CVE tags.
// - A withdrawn advisory gives REJECTED records with the reason (the CVE ids should no longer be
//   used); the CNA container of a rejected record holds nothing else.
//
// The team's CNA account (publisher.cve: orgId, shortName) is required: without it there is no
// valid record to give, and a ValidationError says so.

import {
  creditTypeWords,
  productVendor,
  publicCredit,
  type Advisory,
  type AffectedProduct,
  type ReferenceType,
} from '../domain/advisory.ts';
import { versionScheme } from '../domain/versions/index.ts';
import { cweById } from '../domain/cwe.ts';
import { ValidationError, type ErrorDetail } from '../domain/errors.ts';
import { cvssJson } from '../domain/cvss.ts';
import { clip, GENERATOR, modifiedDate, type ExportOptions } from './common.ts';

export const CVE_DATA_VERSION = '5.1';

const LANG = 'en';

/** Package collections of the CVE format's examples, by OSV ecosystem. */
const COLLECTION_URLS: Record<string, string> = {
  'crates.io': 'https://crates.io',
  npm: 'https://www.npmjs.com',
  PyPI: 'https://pypi.python.org',
  Go: 'https://pkg.go.dev',
  Maven: 'https://repo.maven.apache.org/maven2',
  NuGet: 'https://nuget.org/packages',
  RubyGems: 'https://rubygems.org',
  Packagist: 'https://packagist.org',
  Hex: 'https://hex.pm',
  Pub: 'https://pub.dev',
  Hackage: 'https://hackage.haskell.org',
  CRAN: 'https://cran.r-project.org',
  opam: 'https://opam.ocaml.org/packages',
};

const TAGS: Record<ReferenceType, string[]> = {
  advisory: ['vendor-advisory'],
  article: ['technical-description'],
  detection: ['signature'],
  discussion: [],
  report: ['issue-tracking'],
  fix: ['patch'],
  introduced: [],
  package: ['product'],
  evidence: ['exploit'],
  web: [],
};

export type CveRecord = Record<string, unknown> & {
  dataType: 'CVE_RECORD';
  dataVersion: string;
  cveMetadata: Record<string, unknown> & { cveId: string; state: 'PUBLISHED' | 'REJECTED' };
  containers: { cna: Record<string, unknown> };
};

function requireCna(a: Advisory): { orgId: string; shortName: string } {
  const problems: ErrorDetail[] = [];
  if (!a.publisher.cve)
    problems.push({ path: 'publisher.cve', message: "the team's CNA account (orgId, shortName) is needed for a CVE record" });
  if (a.cveIds.length === 0) problems.push({ path: 'cveIds', message: 'no CVE id' });
  if (problems.length || !a.publisher.cve) throw new ValidationError('A CVE record cannot be generated for this advisory.', problems);
  return a.publisher.cve;
}

const dedupe = <T>(items: T[]): T[] => {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = JSON.stringify(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** Plain value (≤ 4,096) with the Markdown as supporting media (≤ 16,384). */
function describe(markdown: string, short: string): Record<string, unknown> {
  if (markdown.length > 16384) {
    throw new ValidationError('Text too long for a CVE record.', [{ message: 'longer than 16,384 characters' }]);
  }
  return {
    lang: LANG,
    value: markdown.length <= 4096 ? markdown : clip(short || markdown, 4096),
    supportingMedia: [{ type: 'text/markdown', base64: false, value: markdown }],
  };
}

/** Ranges by version carry the versionType of the package's ecosystem ("python", "maven", "semver", ...). */
function versions(p: AffectedProduct): Record<string, unknown>[] {
  const versionType = versionScheme(p.package?.ecosystem).cveType;
  return p.ranges.map((r) => {
    if (r.type === 'git') return { version: r.introduced, status: 'affected', versionType: 'git', lessThan: r.fixed };
    if (r.fixed) return { version: r.introduced, status: 'affected', versionType, lessThan: r.fixed };
    if (r.lastAffected) return { version: r.introduced, status: 'affected', versionType, lessThanOrEqual: r.lastAffected };
    return { version: r.introduced, status: 'affected', versionType, lessThan: '*' };
  });
}

function affectedProduct(p: AffectedProduct, a: Advisory): Record<string, unknown> {
  const out: Record<string, unknown> = {
    vendor: clip(productVendor(p, a.publisher), 512),
    product: p.product ?? p.package?.name ?? p.project,
  };
  if (p.package && COLLECTION_URLS[p.package.ecosystem]) {
    out.collectionURL = COLLECTION_URLS[p.package.ecosystem];
    out.packageName = p.package.name;
  }
  if (p.repo) out.repo = p.repo;
  if (p.components.length) out.modules = [...p.components];
  const v = versions(p);
  if (v.length) {
    out.versions = dedupe(v);
    out.defaultStatus = 'unaffected';
  } else {
    out.defaultStatus = 'unknown';
  }
  return out;
}

/** The CVE record for one of the advisory's CVE ids. */
export function toCveRecord(advisory: Advisory, cveId: string, options: ExportOptions = {}): CveRecord {
  const a = advisory;
  const cna = requireCna(a);
  if (!a.cveIds.includes(cveId)) {
    throw new ValidationError(`${cveId} is not one of the advisory's CVE ids.`, [{ path: 'cveIds', message: `${cveId} not listed` }]);
  }
  const updated = modifiedDate(a, options, 'CVE');
  const providerMetadata = { orgId: cna.orgId, shortName: cna.shortName, dateUpdated: updated };

  if (a.withdrawn) {
    return cveRecord(
      cveId,
      cna,
      'REJECTED',
      a.published,
      updated,
      {
        providerMetadata,
        rejectedReasons: [{ lang: LANG, value: clip(`${a.withdrawnReason ?? 'Withdrawn.'} (${a.id}: ${a.title})`, 4096) }],
      },
      { dateRejected: a.withdrawn },
    );
  }

  const problems: ErrorDetail[] = [];
  if (a.affected.length === 0) problems.push({ path: 'affected', message: 'a CVE record needs an affected product' });
  if (a.references.length === 0 && !a.url) problems.push({ path: 'references', message: 'a CVE record needs at least one reference' });
  if (problems.length) throw new ValidationError('A CVE record cannot be generated for this advisory.', problems);

  const text = [a.summary, a.description].filter(Boolean).join('\n\n') || a.title;
  const container: Record<string, unknown> = {
    providerMetadata,
    title: a.title,
    ...(a.published ? { datePublic: a.published } : {}),
    descriptions: [describe(text, a.summary)],
    affected: a.affected.map((p) => affectedProduct(p, a)),
  };
  if (a.cweIds.length) {
    container.problemTypes = a.cweIds.map((id) => ({
      descriptions: [{ lang: LANG, type: 'CWE', cweId: id, description: `${id} ${cweById(id)?.name ?? ''}`.trim() }],
    }));
  }
  container.references = dedupe([
    ...(a.url ? [{ url: a.url, name: `${a.publisher.name} advisory ${a.id}`, tags: ['vendor-advisory'] }] : []),
    ...a.references
      .filter((r) => r.url !== a.url)
      .map((r) => ({ url: r.url, ...(r.name ? { name: clip(r.name, 512) } : {}), ...(TAGS[r.type].length ? { tags: TAGS[r.type] } : {}) })),
  ]);
  if (a.cvss.length) {
    container.metrics = a.cvss.map((s) => ({
      format: 'CVSS',
      scenarios: [{ lang: LANG, value: 'GENERAL' }],
      [s.version === '4.0' ? 'cvssV4_0' : 'cvssV3_1']: cvssJson(s),
    }));
  }
  if (a.mitigation) container.workarounds = [describe(a.mitigation, '')];
  if (a.upgrade) container.solutions = [describe(a.upgrade, '')];
  if (a.credits.length) {
    container.credits = dedupe(
      a.credits.map((credit) => {
        const c = publicCredit(credit);
        const value = c.anonymous ? 'Anonymous' : c.organization ? `${c.name} (${c.organization})` : c.name!;
        return { lang: LANG, value, type: creditTypeWords(c.type) };
      }),
    );
  }
  if (a.timeline.length) container.timeline = dedupe(a.timeline.map((t) => ({ time: t.at, lang: LANG, value: clip(t.event, 4096) })));
  container.x_generator = { engine: `${GENERATOR.name} ${GENERATOR.version}` };

  return cveRecord(cveId, cna, 'PUBLISHED', a.published, updated, container);
}

/** The record envelope shared by published and rejected records. */
function cveRecord(
  cveId: string,
  cna: { orgId: string; shortName: string },
  state: 'PUBLISHED' | 'REJECTED',
  published: string | null | undefined,
  updated: string,
  container: Record<string, unknown>,
  extraMetadata: Record<string, unknown> = {},
): CveRecord {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: CVE_DATA_VERSION,
    cveMetadata: {
      cveId,
      assignerOrgId: cna.orgId,
      assignerShortName: cna.shortName,
      state,
      ...(published ? { datePublished: published } : {}),
      dateUpdated: updated,
      ...extraMetadata,
    },
    containers: { cna: container },
  };
}

/** One record per CVE id, in the advisory's order. */
export function toCveRecords(advisory: Advisory, options: ExportOptions = {}): CveRecord[] {
  requireCna(advisory);
  return advisory.cveIds.map((id) => toCveRecord(advisory, id, options));
}
