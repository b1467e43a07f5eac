// The Advisory: one structured, pure-data document from which every published format is generated
// (CVE JSON 5, OSV, CSAF 2.0/2.1, the mailing-list text and Markdown; see src/formats/).
//
// `parseAdvisory(input)` checks an untrusted value (a JSON file, a request body) against the Zod
// schema below and returns an Advisory, or throws one ValidationError listing every problem with
// its path ("affected[0].ranges[1].fixed"). The rules that make an advisory *valid* are here:
// strict objects, well-formed identifiers, CVSS vectors that the specification accepts (their
// scores are always computed, never trusted from input), version ranges that do not end before
// they start, git ranges with full commit hashes, dates in order.
//
// Whether an advisory is *complete enough to publish* is a separate question answered by
// `publicationProblems(advisory)`: a draft may lack an affected product, a publication time or a
// score; publication is refused until the list is empty.
//
// Credits honour the credited person's preference everywhere: `publicCredit()` is the only way a
// generator reads a credit, and an anonymous credit yields no name, alias, organisation or contact,
// even though the desk itself may know who it is.

import { z } from 'zod';
import { ValidationError, type ErrorDetail } from './errors.ts';
import { versionScheme, type VersionScheme } from './versions/index.ts';
import { cweById, normalizeCweId } from './cwe.ts';
import { compareSeverity, type Severity } from './severity.ts';
import { parseCvss, type CvssScore } from './cvss.ts';

// ---------------------------------------------------------------------------------------------
// Vocabularies
// ---------------------------------------------------------------------------------------------

/**
 * Package ecosystems as the OSV schema names them (its `ecosystemName` list); an ecosystem may
 * carry a ":suffix" (e.g. "Debian:12"). test/formats/schemas.test.ts keeps this list equal to the
 * schema's.
 */
export const OSV_ECOSYSTEMS = [
  'AlmaLinux',
  'Alpaquita',
  'Alpine',
  'Android',
  'Azure Linux',
  'BellSoft Hardened Containers',
  'Bioconductor',
  'Bitnami',
  'Chainguard',
  'CleanStart',
  'ConanCenter',
  'CRAN',
  'crates.io',
  'Debian',
  'Docker Hardened Images',
  'Echo',
  'FreeBSD',
  'GHC',
  'GitHub Actions',
  'Go',
  'Hackage',
  'Hex',
  'Julia',
  'Kubernetes',
  'Linux',
  'Mageia',
  'Maven',
  'MinimOS',
  'npm',
  'NuGet',
  'opam',
  'openEuler',
  'openSUSE',
  'OSS-Fuzz',
  'Packagist',
  'Photon OS',
  'Pub',
  'PyPI',
  'Red Hat',
  'Rocky Linux',
  'Root',
  'RubyGems',
  'SUSE',
  'SwiftURL',
  'TuxCare',
  'Ubuntu',
  'VSCode',
  'Wolfi',
] as const;

/** Credit types of the CVE and OSV formats (CVE writes "remediation developer", OSV REMEDIATION_DEVELOPER). */
export const CREDIT_TYPES = [
  'finder',
  'reporter',
  'analyst',
  'coordinator',
  'remediation_developer',
  'remediation_reviewer',
  'remediation_verifier',
  'tool',
  'sponsor',
  'other',
] as const;
export type CreditType = (typeof CREDIT_TYPES)[number];

/**
 * How the credited party wants to appear: by name, by another name or handle, or not at all.
 * Asked for in the disclosure notification; honoured in every output.
 */
export const CREDIT_PREFERENCES = ['name', 'alias', 'anonymous'] as const;
export type CreditPreference = (typeof CREDIT_PREFERENCES)[number];

/** Reference types of the OSV format; each format maps them to its own tags. */
export const REFERENCE_TYPES = [
  'advisory',
  'article',
  'detection',
  'discussion',
  'report',
  'fix',
  'introduced',
  'package',
  'evidence',
  'web',
] as const;
export type ReferenceType = (typeof REFERENCE_TYPES)[number];

/** CSAF's publisher categories (the team's role in this advisory). */
export const PUBLISHER_CATEGORIES = ['vendor', 'coordinator', 'discoverer', 'other', 'user'] as const;

/** Sections a process may require before publication, beyond what every advisory needs. */
export const OPTIONAL_SECTIONS = ['mitigation', 'upgrade', 'credits', 'cwe', 'timeline', 'components'] as const;
export type OptionalSection = (typeof OPTIONAL_SECTIONS)[number];

// ---------------------------------------------------------------------------------------------
// Small value schemas
// ---------------------------------------------------------------------------------------------

/** An instant with an explicit offset; stored in UTC, without milliseconds when they are zero. */
export function canonicalInstant(value: string): string {
  return new Date(value).toISOString().replace('.000Z', 'Z');
}
const Instant = z.iso
  .datetime({ offset: true, message: 'must be a date and time with an offset, like 2026-12-01T10:00:00+01:00' })
  .transform(canonicalInstant);

function isHttpUrl(value: string): boolean {
  // Characters that URLs never carry raw; rejecting them keeps every output (JSON "uri" formats,
  // Markdown links, mail text) well-formed.
  if (/[\s<>"{}|\\^`]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}
const HttpUrl = z.string().trim().refine(isHttpUrl, { message: 'must be an http(s) URL' });

/** A public contact for a credit: an http(s) URL or a mailto: address. */
const ContactUrl = z
  .string()
  .trim()
  .refine((v) => isHttpUrl(v) || /^mailto:[^@\s]+@[^@\s]+$/.test(v), { message: 'must be an http(s) URL or a mailto: address' });

const Text = z.string().trim().min(1, { message: 'must not be empty' });
const OptionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const CVE_ID = /^CVE-[0-9]{4}-[0-9]{4,19}$/;
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const UUID_V4 = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-4[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$/;
/** Advisory ids: letters, digits and . _ : - inside, e.g. "TF-2026-0001", "TOCK-2026-03". */
const ADVISORY_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,126}[A-Za-z0-9])?$/;

function isKnownEcosystem(ecosystem: string): boolean {
  const base = ecosystem.includes(':') ? ecosystem.slice(0, ecosystem.indexOf(':')) : ecosystem;
  if (ecosystem.includes(':') && ecosystem.length === base.length + 1) return false; // "Debian:"
  return (OSV_ECOSYSTEMS as readonly string[]).includes(base);
}

// ---------------------------------------------------------------------------------------------
// Affected products and version ranges
// ---------------------------------------------------------------------------------------------

/**
 * Affected from `introduced` (default "0": every earlier version) until `fixed` (excluded) or
 * `lastAffected` (included). "semver" is the stored name of a range by version number; the
 * versions follow the package ecosystem's own rules (src/domain/versions/), SemVer for a product
 * without a package. The product checks them, since only it knows the ecosystem.
 */
const SemverRangeSchema = z
  .strictObject({
    type: z.literal('semver'),
    introduced: z.string().trim().default('0'),
    fixed: z.string().trim().optional(),
    lastAffected: z.string().trim().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.fixed !== undefined && r.lastAffected !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['lastAffected'],
        message: 'a range has either a fixed version or a last affected version, not both',
      });
  });

/** Problems of a range's versions by the product's version scheme, with their paths inside the range. */
function rangeVersionProblems(r: SemverRange, scheme: VersionScheme): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const bad = (path: string, message: string) => out.push({ path, message });
  const like = scheme.example ? `${scheme.label} (like ${scheme.example})` : scheme.label;
  if (r.introduced !== '0' && !scheme.valid(r.introduced)) bad('introduced', `"${r.introduced}" is not ${like} or "0"`);
  if (r.fixed !== undefined && !scheme.valid(r.fixed)) bad('fixed', `"${r.fixed}" is not ${like}`);
  if (r.lastAffected !== undefined && !scheme.valid(r.lastAffected)) bad('lastAffected', `"${r.lastAffected}" is not ${like}`);
  const start = r.introduced === '0' ? undefined : r.introduced;
  const compare = scheme.compare;
  if (compare && start && scheme.valid(start)) {
    if (r.fixed !== undefined && scheme.valid(r.fixed) && compare(r.fixed, start) <= 0)
      bad('fixed', `the range ends before it starts: fixed ${r.fixed} is not after introduced ${start}`);
    if (r.lastAffected !== undefined && scheme.valid(r.lastAffected) && compare(r.lastAffected, start) < 0)
      bad('lastAffected', `the range ends before it starts: last affected ${r.lastAffected} is before introduced ${start}`);
  }
  return out;
}

/** Affected from commit `introduced` up to, not including, commit `fixed`, in the product's repository. */
const GitRangeSchema = z
  .strictObject({
    type: z.literal('git'),
    introduced: z.string().trim().regex(COMMIT, { message: 'must be a full commit hash (40 or 64 lower-case hex digits)' }),
    fixed: z.string().trim().regex(COMMIT, { message: 'must be a full commit hash (40 or 64 lower-case hex digits)' }),
  })
  .superRefine((r, ctx) => {
    if (r.introduced === r.fixed) {
      ctx.addIssue({
        code: 'custom',
        path: ['fixed'],
        message: 'the range ends where it starts: fixed and introduced are the same commit',
      });
    }
  });

const RangeSchema = z.discriminatedUnion('type', [SemverRangeSchema, GitRangeSchema]);
export type VersionRange = z.output<typeof RangeSchema>;
export type SemverRange = z.output<typeof SemverRangeSchema>;
export type GitRange = z.output<typeof GitRangeSchema>;

const PackageSchema = z.strictObject({
  ecosystem: Text.refine(isKnownEcosystem, { message: `must be an OSV ecosystem (${OSV_ECOSYSTEMS.slice(0, 6).join(', ')}, ...)` }),
  name: Text,
  /** Package URL without a version, e.g. "pkg:cargo/tock-registers". */
  purl: z
    .string()
    .trim()
    .regex(/^pkg:[a-z][a-z0-9.+-]*\/[^@\s]+$/, { message: 'must be a package URL without a version, like pkg:npm/name' })
    .optional(),
});

const AffectedProductSchema = z
  .strictObject({
    /** The desk's project this product belongs to (e.g. "tf-a", "tock"). */
    project: Text,
    /** A package in an ecosystem... */
    package: PackageSchema.optional(),
    /** ...or a vendor's product (both may be given). */
    vendor: OptionalText,
    product: OptionalText,
    /** Source repository; needed for ranges by git commit. */
    repo: HttpUrl.optional(),
    ranges: z.array(RangeSchema).default([]),
    /** Affected components or subsystems (Tock's "affected components"). */
    components: z.array(Text).default([]),
  })
  .superRefine((p, ctx) => {
    if (!p.package && !(p.vendor && p.product)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'name the product: a package (ecosystem and name) or a vendor and a product' });
    } else if (!p.package && (p.vendor === undefined) !== (p.product === undefined)) {
      ctx.addIssue({ code: 'custom', path: [p.vendor === undefined ? 'vendor' : 'product'], message: 'vendor and product go together' });
    }
    const scheme = versionScheme(p.package?.ecosystem);
    p.ranges.forEach((r, i) => {
      if (r.type === 'git' && !p.repo) {
        ctx.addIssue({ code: 'custom', path: ['ranges', i], message: "a range by git commit needs the product's repository (repo)" });
      }
      if (r.type === 'semver')
        for (const problem of rangeVersionProblems(r, scheme))
          ctx.addIssue({ code: 'custom', path: ['ranges', i, problem.path], message: problem.message });
    });
    if (new Set(p.components).size !== p.components.length)
      ctx.addIssue({ code: 'custom', path: ['components'], message: 'a component is listed twice' });
  });
export type AffectedProduct = z.output<typeof AffectedProductSchema>;

// ---------------------------------------------------------------------------------------------
// CVSS: vectors in, computed scores out
// ---------------------------------------------------------------------------------------------

/**
 * A vector string, or an object with the vector (and, when a stored advisory is read back, the
 * scores computed earlier; they are recomputed and must agree).
 */
const CvssInputSchema = z.union([
  z.string(),
  z.strictObject({
    vector: z.string(),
    version: z.string().optional(),
    baseScore: z.number().optional(),
    baseSeverity: z.string().optional(),
    temporalScore: z.number().optional(),
    threatScore: z.number().optional(),
    environmentalScore: z.number().optional(),
    score: z.number().optional(),
    severity: z.string().optional(),
    nomenclature: z.string().optional(),
  }),
]);

const CvssSchema = CvssInputSchema.transform((input, ctx): CvssScore => {
  const vector = typeof input === 'string' ? input : input.vector;
  let score: CvssScore;
  try {
    score = parseCvss(vector);
  } catch (e) {
    const details = e instanceof ValidationError ? e.details.map((d) => d.message) : [(e as Error).message];
    for (const message of details) ctx.addIssue({ code: 'custom', message, input });
    return z.NEVER;
  }
  if (typeof input !== 'string') {
    for (const key of [
      'version',
      'baseScore',
      'baseSeverity',
      'temporalScore',
      'threatScore',
      'environmentalScore',
      'score',
      'severity',
      'nomenclature',
    ] as const) {
      if (input[key] !== undefined && input[key] !== score[key]) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} ${String(input[key])} does not match the vector (${String(score[key])})`,
          input,
        });
      }
    }
  }
  return score;
});

// ---------------------------------------------------------------------------------------------
// Credits, references, timeline, publisher
// ---------------------------------------------------------------------------------------------

const CreditSchema = z
  .strictObject({
    type: z.enum(CREDIT_TYPES),
    preference: z.enum(CREDIT_PREFERENCES),
    /** The real name. Kept for the desk; published only when the preference is "name". */
    name: OptionalText,
    /** Another name or handle; published when the preference is "alias". */
    alias: OptionalText,
    organization: OptionalText,
    /** Public contact URLs the credited party asked to be shown (never for anonymous credits). */
    contact: z.array(ContactUrl).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.preference === 'name' && !c.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'a credit by name needs the name' });
    if (c.preference === 'alias' && !c.alias)
      ctx.addIssue({ code: 'custom', path: ['alias'], message: 'a credit by another name or handle needs it (alias)' });
  });
export type Credit = z.output<typeof CreditSchema>;

const ReferenceSchema = z.strictObject({
  url: HttpUrl,
  type: z.enum(REFERENCE_TYPES).default('web'),
  /** A short title for the link. */
  name: OptionalText,
});
export type Reference = z.output<typeof ReferenceSchema>;

const TimelineEntrySchema = z.strictObject({ at: Instant, event: Text });
export type TimelineEntry = z.output<typeof TimelineEntrySchema>;

const RevisionSchema = z.strictObject({ date: Instant, summary: Text });
export type Revision = z.output<typeof RevisionSchema>;

const PublisherSchema = z.strictObject({
  /** The team, e.g. "Tock Security Team". */
  name: Text,
  /** A URL the team controls, naming it globally (CSAF publisher namespace). */
  namespace: HttpUrl,
  /** How to reach the team, e.g. "security@tockos.org". */
  contact: OptionalText,
  category: z.enum(PUBLISHER_CATEGORIES).default('vendor'),
  /** The team's CVE Numbering Authority account, needed to generate a CVE record. */
  cve: z
    .strictObject({
      orgId: z.string().regex(UUID_V4, { message: 'must be the CNA organisation UUID' }),
      shortName: z.string().trim().min(2).max(32),
    })
    .optional(),
  /**
   * Prefix of the OSV id. OSV ids begin with a registered database prefix; a team whose own prefix
   * is not registered with OSV keeps the schema's "x_" (the default), one whose advisory ids already
   * carry a registered prefix sets "".
   */
  osvIdPrefix: z.string().default('x_'),
});
export type Publisher = z.output<typeof PublisherSchema>;

// ---------------------------------------------------------------------------------------------
// The Advisory
// ---------------------------------------------------------------------------------------------

const uniqueBy = <T>(values: readonly T[], key: (v: T) => string): number[] => {
  const seen = new Set<string>();
  const dupes: number[] = [];
  values.forEach((v, i) => {
    const k = key(v);
    if (seen.has(k)) dupes.push(i);
    seen.add(k);
  });
  return dupes;
};

export const AdvisorySchema = z
  .strictObject({
    id: z.string().trim().regex(ADVISORY_ID, { message: 'letters, digits and . _ : - (like TF-2026-0001)' }),
    title: Text.max(256),
    /** One paragraph of plain text. */
    summary: z.string().trim().default(''),
    /** Markdown. */
    description: z.string().trim().default(''),
    affected: z.array(AffectedProductSchema).default([]),
    cveIds: z.array(z.string().trim().regex(CVE_ID, { message: 'must be a CVE id like CVE-2026-12345' })).default([]),
    cweIds: z
      .array(
        z.string().transform((v, ctx) => {
          const id = normalizeCweId(v);
          if (!id) {
            ctx.addIssue({ code: 'custom', message: `"${v}" is not a CWE id (like CWE-79)`, input: v });
            return z.NEVER;
          }
          const entry = cweById(id);
          if (!entry) {
            ctx.addIssue({ code: 'custom', message: `${id} is not a weakness in the CWE list the desk ships`, input: v });
            return z.NEVER;
          }
          if (entry.usage === 'Prohibited') {
            ctx.addIssue({
              code: 'custom',
              message: `${id} (${entry.name}) is marked by MITRE as prohibited for mapping vulnerabilities`,
              input: v,
            });
            return z.NEVER;
          }
          return id;
        }),
      )
      .default([]),
    /** CVSS vectors, at most one per version (3.1 and/or 4.0); scores are computed. */
    cvss: z.array(CvssSchema).default([]),
    /** Markdown: what users can do before they can upgrade. */
    mitigation: OptionalText,
    /** Markdown: how to upgrade to a fixed version. */
    upgrade: OptionalText,
    references: z.array(ReferenceSchema).default([]),
    credits: z.array(CreditSchema).default([]),
    timeline: z.array(TimelineEntrySchema).default([]),
    /** The advisory's public page, when it has one. */
    url: HttpUrl.optional(),
    published: Instant.optional(),
    modified: Instant.optional(),
    withdrawn: Instant.optional(),
    withdrawnReason: OptionalText,
    /**
     * The public revision history; when absent it is derived from published / modified / withdrawn.
     * When given, it starts at `published` and ends at the latest of modified and withdrawn.
     */
    revisions: z.array(RevisionSchema).optional(),
    publisher: PublisherSchema,
  })
  .superRefine((a, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    for (const i of uniqueBy(a.cveIds, (v) => v)) issue(['cveIds', i], `${a.cveIds[i]} is listed twice`);
    for (const i of uniqueBy(a.cweIds, (v) => v)) issue(['cweIds', i], `${a.cweIds[i]} is listed twice`);
    for (const i of uniqueBy(a.cvss, (v) => v.version))
      issue(['cvss', i], `a second CVSS ${a.cvss[i]!.version} vector; give one per version`);
    for (const i of uniqueBy(a.references, (v) => v.url)) issue(['references', i], 'this URL is listed twice');
    if (a.modified && !a.published) issue(['modified'], 'a modification time needs a publication time');
    if (a.modified && a.published && a.modified < a.published) issue(['modified'], 'modified is before published');
    if (a.withdrawn && !a.published) issue(['withdrawn'], 'only a published advisory can be withdrawn');
    if (a.withdrawn && a.published && a.withdrawn < a.published) issue(['withdrawn'], 'withdrawn is before published');
    if (a.withdrawn && !a.withdrawnReason) issue(['withdrawnReason'], 'say why the advisory is withdrawn');
    if (!a.withdrawn && a.withdrawnReason) issue(['withdrawnReason'], 'a reason for withdrawal without a withdrawal time');
    if (a.revisions) {
      if (!a.published) issue(['revisions'], 'a revision history needs a publication time');
      if (a.revisions.length === 0) issue(['revisions'], 'a revision history has at least the initial release');
      a.revisions.forEach((r, i) => {
        const prev = a.revisions![i - 1];
        if (prev && r.date < prev.date) issue(['revisions', i, 'date'], 'revisions must be in chronological order');
      });
      const first = a.revisions[0];
      const last = a.revisions[a.revisions.length - 1];
      if (first && a.published && first.date !== a.published)
        issue(['revisions', 0, 'date'], `the first revision is the initial release (${a.published})`);
      const latest = latestChange(a);
      if (last && latest && last.date !== latest)
        issue(['revisions', a.revisions.length - 1, 'date'], `the last revision is the latest change (${latest})`);
    }
  });

export type Advisory = z.output<typeof AdvisorySchema>;
export type AdvisoryInput = z.input<typeof AdvisorySchema>;

function latestChange(a: Pick<Advisory, 'published' | 'modified' | 'withdrawn'>): string | undefined {
  return [a.published, a.modified, a.withdrawn]
    .filter((d): d is string => !!d)
    .sort()
    .at(-1);
}

/** "affected[0].ranges[1].fixed" from a Zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Validate untrusted input into an Advisory; every problem at once in one ValidationError. */
export function parseAdvisory(input: unknown): Advisory {
  const result = AdvisorySchema.safeParse(input);
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((i) => ({
    path: formatPath(i.path),
    message:
      i.code === 'unrecognized_keys'
        ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`
        : i.message.replace(/^Invalid input: /, ''),
  }));
  const first = details[0];
  throw new ValidationError(
    `The advisory has ${details.length} problem${details.length === 1 ? '' : 's'}${first ? `, first: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}.`,
    details,
  );
}

// ---------------------------------------------------------------------------------------------
// Questions every format asks
// ---------------------------------------------------------------------------------------------

/** What a credit may show publicly. Anonymous credits show nothing but their type. */
export interface PublicCredit {
  type: CreditType;
  anonymous: boolean;
  /** Name or alias, per the preference; undefined when anonymous. */
  name?: string;
  /** Only with a credit by name. */
  organization?: string;
  contact: string[];
}

export function publicCredit(credit: Credit): PublicCredit {
  switch (credit.preference) {
    case 'name':
      return {
        type: credit.type,
        anonymous: false,
        name: credit.name!,
        ...(credit.organization ? { organization: credit.organization } : {}),
        contact: [...credit.contact],
      };
    case 'alias':
      return { type: credit.type, anonymous: false, name: credit.alias!, contact: [...credit.contact] };
    case 'anonymous':
      return { type: credit.type, anonymous: true, contact: [] };
  }
}

const CREDIT_NOUNS: Record<CreditType, string> = {
  finder: 'finder',
  reporter: 'reporter',
  analyst: 'analyst',
  coordinator: 'coordinator',
  remediation_developer: 'remediation developer',
  remediation_reviewer: 'remediation reviewer',
  remediation_verifier: 'remediation verifier',
  tool: 'tool',
  sponsor: 'sponsor',
  other: 'contributor',
};

/** "remediation developer", as CVE writes credit types. */
export function creditTypeWords(type: CreditType): string {
  return type === 'other' ? 'other' : CREDIT_NOUNS[type];
}

/** One line for people: "Ada Lovelace (Example Corp), finder" or "An anonymous reporter". */
export function creditLine(credit: Credit): string {
  const c = publicCredit(credit);
  if (c.anonymous) return `An anonymous ${CREDIT_NOUNS[c.type]}`;
  return `${c.name}${c.organization ? ` (${c.organization})` : ''}, ${CREDIT_NOUNS[c.type]}`;
}

/** The score that decides the advisory's severity: CVSS 4.0 when given, else 3.1. */
export function primaryCvss(advisory: Pick<Advisory, 'cvss'>): CvssScore | undefined {
  return advisory.cvss.find((s) => s.version === '4.0') ?? advisory.cvss.find((s) => s.version === '3.1');
}

export function advisorySeverity(advisory: Pick<Advisory, 'cvss'>): Severity | undefined {
  return primaryCvss(advisory)?.severity;
}

/** The highest severity among the given scores (e.g. to show both versions' agreement). */
export function highestSeverity(scores: readonly CvssScore[]): Severity | undefined {
  return scores
    .map((s) => s.severity)
    .sort(compareSeverity)
    .at(-1);
}

/** Display name of a product: "Trusted Firmware-A" or "crates.io/tock-registers". */
export function productName(p: AffectedProduct): string {
  if (p.product) return p.product;
  return p.package ? p.package.name : p.project;
}

export function productVendor(p: AffectedProduct, publisher: Publisher): string {
  return p.vendor ?? publisher.name;
}

/**
 * Vendor and product as one name for a reader: "Arm Mbed TLS", but "Tock OS" for Tock's Tock OS and
 * "Trusted Firmware-A" for the Trusted Firmware Security team's Trusted Firmware-A. A product whose
 * name begins with the vendor's first word already carries the vendor's name; repeating it reads
 * "Tock Tock OS".
 */
export function vendorAndProduct(vendor: string, product: string): string {
  const first =
    vendor
      .trim()
      .split(/[\s-]+/)[0]
      ?.toLowerCase() ?? '';
  const lead =
    product
      .trim()
      .split(/[\s-]+/)[0]
      ?.toLowerCase() ?? '';
  return first !== '' && first === lead ? product : `${vendor} ${product}`;
}

/** The vendor and product of an affected entry as one name (see vendorAndProduct). */
export function productLabel(p: AffectedProduct, publisher: Publisher): string {
  return vendorAndProduct(productVendor(p, publisher), productName(p));
}

/** "from 2.8.0 before 2.10.1", "all versions before 1.2.0", "from commit 1a2b3c4d5e6f up to 9f8e7d6c5b4a (not included)". */
export function describeRange(r: VersionRange): string {
  if (r.type === 'git') return `commits from ${r.introduced.slice(0, 12)} up to, not including, ${r.fixed.slice(0, 12)}`;
  const from = r.introduced === '0' ? undefined : r.introduced;
  if (r.fixed) return from ? `${from} and later, before ${r.fixed}` : `all versions before ${r.fixed}`;
  if (r.lastAffected) return from ? `${from} through ${r.lastAffected}` : `all versions through ${r.lastAffected}`;
  return from ? `${from} and later (no fixed version yet)` : 'all versions (no fixed version yet)';
}

export function isWithdrawn(advisory: Pick<Advisory, 'withdrawn'>): boolean {
  return advisory.withdrawn !== undefined;
}

/** The numbered public revision history (CSAF needs one; the text formats show it). */
export function revisionHistory(advisory: Advisory): { number: number; date: string; summary: string }[] {
  if (!advisory.published) return [];
  const entries: Revision[] = advisory.revisions
    ? advisory.revisions
    : [
        { date: advisory.published, summary: 'Initial public release.' },
        ...(advisory.modified && advisory.modified > advisory.published && (!advisory.withdrawn || advisory.modified < advisory.withdrawn)
          ? [{ date: advisory.modified, summary: 'Advisory updated.' }]
          : []),
        ...(advisory.withdrawn
          ? [{ date: advisory.withdrawn, summary: `Advisory withdrawn: ${advisory.withdrawnReason ?? ''}`.trim() }]
          : []),
      ];
  return entries.map((e, i) => ({ number: i + 1, date: e.date, summary: e.summary }));
}

/** The latest of published, modified and withdrawn. */
export function lastChanged(advisory: Advisory): string | undefined {
  return latestChange(advisory);
}

// ---------------------------------------------------------------------------------------------
// Publication
// ---------------------------------------------------------------------------------------------

export interface PublicationOptions {
  /** Sections the team's process requires beyond the essentials (Tock: mitigation, upgrade, credits). */
  require?: readonly OptionalSection[];
}

/**
 * Everything missing before the advisory may be published; empty when it is ready. Essentials:
 * a summary, a description, at least one affected product and for each an affected range, a CVE
 * id, a CVSS vector, a publication time, at least one reference (the CVE record needs a URL; the
 * advisory's own URL counts), and either a fixed version or a mitigation.
 */
export function publicationProblems(advisory: Advisory, options: PublicationOptions = {}): string[] {
  const problems: string[] = [];
  const a = advisory;
  if (!a.summary) problems.push('summary: no summary');
  if (!a.description) problems.push('description: no description');
  if (a.affected.length === 0) problems.push('affected: no affected product');
  a.affected.forEach((p, i) => {
    if (p.ranges.length === 0) problems.push(`affected[${i}]: ${productName(p)} has no affected version range`);
  });
  if (a.cveIds.length === 0) problems.push('cveIds: no CVE identifier');
  if (a.cvss.length === 0) problems.push('cvss: no CVSS vector, so no severity');
  if (!a.published) problems.push('published: no publication time');
  if (a.references.length === 0 && !a.url)
    problems.push('references: no reference and no advisory URL (the CVE record needs at least one)');
  const anyFix = a.affected.some((p) => p.ranges.some((r) => r.type === 'git' || r.fixed !== undefined || r.lastAffected !== undefined));
  if (a.affected.length > 0 && !anyFix && !a.mitigation) problems.push('affected: no fixed version and no mitigation');
  if (a.description.length > 16384) problems.push('description: longer than 16,384 characters (the CVE record cannot carry it)');
  for (const section of options.require ?? []) {
    switch (section) {
      case 'mitigation':
        if (!a.mitigation) problems.push('mitigation: no mitigation section');
        break;
      case 'upgrade':
        if (!a.upgrade) problems.push('upgrade: no upgrade instructions');
        break;
      case 'credits':
        if (a.credits.length === 0) problems.push('credits: no credit (acknowledge the reporter, anonymously if they wish)');
        break;
      case 'cwe':
        if (a.cweIds.length === 0) problems.push('cweIds: no weakness (CWE)');
        break;
      case 'timeline':
        if (a.timeline.length === 0) problems.push('timeline: no timeline');
        break;
      case 'components':
        a.affected.forEach((p, i) => {
          if (p.components.length === 0) problems.push(`affected[${i}].components: no affected component for ${productName(p)}`);
        });
        break;
    }
  }
  return problems;
}
