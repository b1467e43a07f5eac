// CSAF (Common Security Advisory Framework, OASIS) documents from an Advisory, for csaf20.ts and
// csaf21.ts: one builder, the differences between the versions kept in one place.
//
// Profile csaf_security_advisory:
// - product_tree: vendor → product (one per name and package ecosystem: same-named packages of two
//   ecosystems stay apart, named with their ecosystem) → one product_version_range per affected
//   range (vers syntax in the ecosystem's scheme, e.g. "vers:pypi/>=1.0rc1|<4.2", "vers:semver/..."
//   for a product without a package; words for ranges by git commit) and one product_version per
//   fixed version or fixing commit; a package's ranges carry its package URL, its fixed versions the
//   package URL with the version.
// - document.references: the document's canonical URL on the public site as "self" when the site
//   is known (ExportOptions.siteUrl), the advisory page, the other references.
// - vulnerabilities: one per CVE id (one without a CVE when there is none): product_status
//   known_affected (the ranges) and fixed (the fixed versions); remediations vendor_fix (upgrade
//   instructions), none_available (no fix yet), mitigation; CWE; scores.
//   CSAF 2.0 carries CVSS v2/v3 only: a CVSS v4.0 vector is left out of the scores and stated in a
//   vulnerability note. CSAF 2.1 carries both in `metrics`.
// - acknowledgments from the credits, honouring each preference (anonymous: no name at all).
// - tracking: status final (draft for an unpublished preview), integer versions, the revision
//   history of the advisory.
// A withdrawn advisory becomes CSAF 2.1's csaf_withdrawn profile: no product tree, no
// vulnerabilities, a "Reasoning for Withdrawal" description note and a revision history of at least
// two entries (publication and withdrawal). CSAF 2.0 has no withdrawn profile; the same document is
// given with the generic csaf_base profile, which allows leaving the product tree and vulnerabilities
// out, so no tool keeps flagging products by a withdrawn advisory.

import {
  creditTypeWords,
  describeRange,
  productName,
  productVendor,
  publicCredit,
  revisionHistory,
  type Advisory,
  type AffectedProduct,
  productLabel,
  type VersionRange,
  vendorAndProduct,
} from '../domain/advisory.ts';
import { CWE_CATALOGUE, cweById } from '../domain/cwe.ts';
import { ValidationError } from '../domain/errors.ts';
import { cvssJson, describeCvss } from '../domain/cvss.ts';
import { versionScheme } from '../domain/versions/index.ts';
import { GENERATOR, releaseDate, type ExportOptions } from './common.ts';

export type CsafVersion = '2.0' | '2.1';
export type CsafDocument = Record<string, unknown> & { document: Record<string, unknown> };

const TLP_URL = 'https://www.first.org/tlp/';
const CSAF_21_SCHEMA = 'https://docs.oasis-open.org/csaf/csaf/v2.1/schema/csaf.json';

/**
 * "vers:pypi/>=1.0rc1|<4.2" (the vers specification of package-url): the versioning scheme of the
 * package's ecosystem, "semver" for a product without a package.
 */
export function versRange(r: Extract<VersionRange, { type: 'semver' }>, ecosystem: string | undefined): string {
  const constraints: string[] = [];
  if (r.introduced !== '0') constraints.push(`>=${r.introduced}`);
  if (r.fixed) constraints.push(`<${r.fixed}`);
  else if (r.lastAffected) constraints.push(`<=${r.lastAffected}`);
  return `vers:${versionScheme(ecosystem).vers}/${constraints.length ? constraints.join('|') : '*'}`;
}

/**
 * CSAF's file name rule (CSAF 2.0 and 2.1, section 5.1): the tracking id in lower case, every run
 * of characters other than + - a-z 0-9 as one "_", and ".json".
 */
export function csafFileName(id: string): string {
  return `${id.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`;
}

/** Where a CSAF document lives on the public site, relative to its root: "TFV-2026-0001/csaf-2.0/tfv-2026-0001.json". */
export function csafSitePath(id: string, version: CsafVersion): string {
  return `${id}/csaf-${version}/${csafFileName(id)}`;
}

/** A versionless purl with a version: pkg:cargo/tock-registers → pkg:cargo/tock-registers@0.9.1. */
export function purlWithVersion(purl: string, version: string): string {
  const cut = purl.search(/[?#]/);
  const [head, tail] = cut < 0 ? [purl, ''] : [purl.slice(0, cut), purl.slice(cut)];
  return `${head}@${encodeURIComponent(version)}${tail}`;
}

interface Leaf {
  category: 'product_version' | 'product_version_range';
  name: string;
  product: Record<string, unknown>;
}

interface Tree {
  branches: Record<string, unknown>[];
  /** Per affected product, per range: the range's product id and its fixed product id. */
  ranges: { product: AffectedProduct; range: VersionRange | undefined; affectedId: string; fixedId?: string }[];
}

/** Products of one vendor with the same name but of different ecosystems are told apart by it. */
function productLabels(a: Advisory): Map<AffectedProduct, { key: string; name: string }> {
  const ecosystemsOf = new Map<string, Set<string>>();
  const base = (p: AffectedProduct) => JSON.stringify([productVendor(p, a.publisher), productName(p)]);
  for (const p of a.affected) {
    const set = ecosystemsOf.get(base(p)) ?? new Set<string>();
    set.add(p.package?.ecosystem ?? '');
    ecosystemsOf.set(base(p), set);
  }
  return new Map(
    a.affected.map((p) => {
      const ecosystem = p.package?.ecosystem ?? '';
      const shared = ecosystemsOf.get(base(p))!.size > 1;
      return [
        p,
        {
          key: JSON.stringify([productName(p), ecosystem]),
          name: shared && ecosystem ? `${productName(p)} (${ecosystem})` : productName(p),
        },
      ];
    }),
  );
}

function buildTree(a: Advisory, version: CsafVersion): Tree {
  let next = 1;
  const newId = () => `CSAFPID-${String(next++).padStart(4, '0')}`;
  // vendor → product (by name and ecosystem) → its leaves
  const vendors = new Map<string, Map<string, { name: string; leaves: Leaf[] }>>();
  const fixedIds = new Map<string, string>();
  const ranges: Tree['ranges'] = [];
  const labels = productLabels(a);
  const leavesOf = (vendor: string, p: AffectedProduct): Leaf[] => {
    const { key, name } = labels.get(p)!;
    let products = vendors.get(vendor);
    if (!products) vendors.set(vendor, (products = new Map()));
    let product = products.get(key);
    if (!product) products.set(key, (product = { name, leaves: [] }));
    return product.leaves;
  };
  /** The package URL of a leaf: with the version for a version, without one for a range. */
  const helper = (p: AffectedProduct, v?: string): Record<string, unknown> => {
    if (!p.package?.purl) return {};
    const purl = v === undefined ? p.package.purl : purlWithVersion(p.package.purl, v);
    return { product_identification_helper: version === '2.0' ? { purl } : { purls: [purl] } };
  };

  for (const p of a.affected) {
    const vendor = productVendor(p, a.publisher);
    const name = labels.get(p)!.name;
    const leaves = leavesOf(vendor, p);
    const list: (VersionRange | undefined)[] = p.ranges.length ? p.ranges : [undefined];
    for (const r of list) {
      const affectedId = newId();
      const rangeName = !r
        ? 'vers:all/*'
        : r.type === 'semver'
          ? versRange(r, p.package?.ecosystem)
          : `commits from ${r.introduced} up to, not including, ${r.fixed}`;
      leaves.push({
        category: 'product_version_range',
        name: rangeName,
        product: {
          name: `${vendorAndProduct(vendor, name)} ${r ? describeRange(r) : 'all versions'}`,
          product_id: affectedId,
          ...helper(p),
        },
      });
      const fixed = r?.type === 'git' ? r.fixed : r?.fixed;
      let fixedId: string | undefined;
      if (fixed !== undefined) {
        const key = JSON.stringify([vendor, labels.get(p)!.key, fixed]);
        fixedId = fixedIds.get(key);
        if (!fixedId) {
          fixedId = newId();
          fixedIds.set(key, fixedId);
          const label = r?.type === 'git' ? `commit ${fixed}` : fixed;
          leaves.push({
            category: 'product_version',
            name: fixed,
            product: {
              name: `${vendorAndProduct(vendor, name)} ${label}`,
              product_id: fixedId,
              ...(r?.type === 'semver' ? helper(p, fixed) : {}),
            },
          });
        }
      }
      ranges.push({ product: p, range: r, affectedId, ...(fixedId ? { fixedId } : {}) });
    }
  }

  const branches = [...vendors].map(([vendor, products]) => ({
    category: 'vendor',
    name: vendor,
    branches: [...products.values()].map(({ name, leaves }) => ({ category: 'product_name', name, branches: leaves })),
  }));
  return { branches, ranges };
}

function acknowledgments(a: Advisory): Record<string, unknown>[] {
  return a.credits.map((credit) => {
    const c = publicCredit(credit);
    if (c.anonymous) return { summary: `anonymous ${creditTypeWords(c.type)}` };
    return {
      names: [c.name!],
      ...(c.organization ? { organization: c.organization } : {}),
      summary: creditTypeWords(c.type),
      ...(c.contact.length ? { urls: c.contact } : {}),
    };
  });
}

/**
 * The document's canonical URL (its place on the public site) as its self reference, as CSAF
 * recommends (test 6.2.11); the advisory's page is then an external reference. Without a site URL
 * (an export of a file) the page is the nearest thing to the document itself.
 */
function references(a: Advisory, version: CsafVersion, options: ExportOptions): Record<string, unknown>[] {
  const canonical = options.siteUrl
    ? `${options.siteUrl}${csafSitePath(a.id, version).split('/').map(encodeURIComponent).join('/')}`
    : undefined;
  const summary = `${a.publisher.name} advisory ${a.id}`;
  return [
    ...(canonical ? [{ category: 'self', summary: `${summary} (CSAF ${version})`, url: canonical }] : []),
    ...(a.url ? [{ category: canonical ? 'external' : 'self', summary, url: a.url }] : []),
    ...a.references
      .filter((r) => r.url !== a.url)
      .map((r) => ({ category: 'external', summary: r.name ?? `${r.type} reference`, url: r.url })),
  ];
}

function tracking(a: Advisory, options: ExportOptions): Record<string, unknown> {
  const generator = { engine: { name: GENERATOR.name, version: GENERATOR.version } };
  if (!a.published) {
    const date = releaseDate(a, options, 'CSAF');
    return {
      id: a.id,
      status: 'draft',
      version: '0',
      revision_history: [{ date, number: '0', summary: 'Draft.' }],
      initial_release_date: date,
      current_release_date: date,
      generator,
    };
  }
  const history = revisionHistory(a);
  const last = history[history.length - 1]!;
  return {
    id: a.id,
    status: 'final',
    version: String(last.number),
    revision_history: history.map((h) => ({ date: h.date, number: String(h.number), summary: h.summary })),
    initial_release_date: a.published,
    current_release_date: last.date,
    generator,
  };
}

function documentPart(a: Advisory, version: CsafVersion, category: string, options: ExportOptions): Record<string, unknown> {
  const notes: Record<string, unknown>[] = [];
  if (a.summary) notes.push({ category: 'summary', title: 'Summary', text: a.summary });
  if (a.withdrawn) {
    notes.push({ category: 'description', title: 'Reasoning for Withdrawal', text: a.withdrawnReason ?? 'Withdrawn.' });
  } else if (a.description) {
    notes.push({ category: 'description', title: 'Description', text: a.description });
  }
  const refs = references(a, version, options);
  const acks = acknowledgments(a);
  return {
    category,
    csaf_version: version,
    title: a.title,
    lang: 'en',
    distribution: { tlp: { label: version === '2.0' ? 'WHITE' : 'CLEAR', url: TLP_URL } },
    publisher: {
      category: a.publisher.category,
      name: a.publisher.name,
      namespace: a.publisher.namespace,
      ...(a.publisher.contact ? { contact_details: a.publisher.contact } : {}),
    },
    ...(notes.length ? { notes } : {}),
    ...(refs.length ? { references: refs } : {}),
    ...(acks.length ? { acknowledgments: acks } : {}),
    tracking: tracking(a, options),
  };
}

function remediations(a: Advisory, tree: Tree): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const fixedRanges = tree.ranges.filter((r) => r.fixedId || (r.range?.type === 'semver' && r.range.lastAffected));
  if (fixedRanges.length) {
    const generated = fixedRanges
      .map(({ product, range }) => {
        const name = productLabel(product, a.publisher);
        if (range?.type === 'git') return `${name}: include commit ${range.fixed}`;
        if (range?.type === 'semver' && range.fixed) return `${name}: upgrade to ${range.fixed} or later`;
        return `${name}: upgrade to a version after ${range?.type === 'semver' ? range.lastAffected : ''}`;
      })
      .join('\n');
    out.push({
      category: 'vendor_fix',
      details: a.upgrade ?? generated,
      product_ids: fixedRanges.map((r) => r.affectedId),
      ...(a.url ? { url: a.url } : {}),
    });
  }
  // Products without a fix: "none_available", unless a mitigation covers them (CSAF 2.1 counts
  // none_available and mitigation for one product as contradicting remediations, test 6.1.35).
  const unfixed = tree.ranges.filter((r) => !fixedRanges.includes(r));
  if (unfixed.length && !a.mitigation) {
    out.push({ category: 'none_available', details: 'No fixed version is available yet.', product_ids: unfixed.map((r) => r.affectedId) });
  }
  if (a.mitigation) out.push({ category: 'mitigation', details: a.mitigation, product_ids: tree.ranges.map((r) => r.affectedId) });
  return out;
}

function vulnerabilities(a: Advisory, version: CsafVersion, tree: Tree): Record<string, unknown>[] {
  const affectedIds = tree.ranges.map((r) => r.affectedId);
  const fixedIds = [...new Set(tree.ranges.flatMap((r) => (r.fixedId ? [r.fixedId] : [])))];
  const v3 = a.cvss.find((s) => s.version === '3.1');
  const v4 = a.cvss.find((s) => s.version === '4.0');
  const cwes = a.cweIds.map((id) => ({ id, name: cweById(id)!.name }));

  const notes: Record<string, unknown>[] = [{ category: 'description', title: 'Description', text: a.summary || a.description || a.title }];
  if (version === '2.0' && v4) {
    notes.push({
      category: 'other',
      title: 'CVSS v4.0',
      text: `CVSS v4.0 vector ${v4.vector}: ${describeCvss(v4)}. CSAF 2.0 carries no CVSS v4.0 scores; the CSAF 2.1 document and the CVE record carry it.`,
    });
  }
  if (version === '2.0' && cwes.length > 1) {
    notes.push({
      category: 'other',
      title: 'Additional weaknesses',
      text: cwes
        .slice(1)
        .map((c) => `${c.id}: ${c.name}`)
        .join('\n'),
    });
  }

  const common: Record<string, unknown> = {
    title: a.title,
    notes,
    product_status: { known_affected: affectedIds, ...(fixedIds.length ? { fixed: fixedIds } : {}) },
    remediations: remediations(a, tree),
    ids: [{ system_name: a.publisher.name, text: a.id }],
  };
  if (a.published) common[version === '2.0' ? 'release_date' : 'disclosure_date'] = a.published;
  if (version === '2.0') {
    const first = cwes[0];
    if (first) common.cwe = first;
    if (v3) common.scores = [{ products: affectedIds, cvss_v3: cvssJson(v3) }];
  } else {
    if (cwes.length) common.cwes = cwes.map((c) => ({ ...c, version: CWE_CATALOGUE.version }));
    const content: Record<string, unknown> = {};
    if (v3) content.cvss_v3 = cvssJson(v3);
    if (v4) content.cvss_v4 = cvssJson(v4);
    if (Object.keys(content).length) common.metrics = [{ products: affectedIds, content }];
  }
  const ids = a.cveIds.length ? a.cveIds : [undefined];
  return ids.map((cve) => ({ ...(cve ? { cve } : {}), ...structuredClone(common) }));
}

/** A CSAF 2.0 or 2.1 document for the advisory. */
export function buildCsaf(advisory: Advisory, version: CsafVersion, options: ExportOptions = {}): CsafDocument {
  const a = advisory;
  if (a.withdrawn) {
    const doc: CsafDocument = { document: documentPart(a, version, version === '2.0' ? 'csaf_base' : 'csaf_withdrawn', options) };
    return version === '2.1' ? { $schema: CSAF_21_SCHEMA, ...doc } : doc;
  }
  if (a.affected.length === 0) {
    throw new ValidationError('A CSAF security advisory needs an affected product.', [
      { path: 'affected', message: 'no affected product' },
    ]);
  }
  const tree = buildTree(a, version);
  const doc: CsafDocument = {
    document: documentPart(a, version, 'csaf_security_advisory', options),
    product_tree: { branches: tree.branches },
    vulnerabilities: vulnerabilities(a, version, tree),
  };
  return version === '2.1' ? { $schema: CSAF_21_SCHEMA, ...doc } : doc;
}
