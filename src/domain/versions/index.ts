// Version numbers by package ecosystem. A range by version means what the package's ecosystem says
// its versions mean: "4.2", "1.0rc1" and "2.13.4.2" are PyPI and Maven versions, not semantic
// versions, and only the ecosystem's own rules order them (1.0rc1 is before 1.0 in PyPI). Each
// scheme says which versions it accepts, how it orders them, and how each published format names
// it: the OSV range type (osv.dev matches SEMVER ranges by SemVer and ECOSYSTEM ranges by the
// ecosystem's own rules), the CVE `versionType` and the vers scheme of CSAF's version ranges.
//
// A product without a package (a vendor's product, like Trusted Firmware-A) is numbered by SemVer.
// Ecosystems without a comparator here accept one version token each and leave the order to the
// ecosystem's tools; their records still say which ecosystem's rules apply.

import { valid as validPep440, compare as comparePep440 } from '@renovatebot/pep440';
import { valid as validGem, gt as gemGt, lt as gemLt } from '@renovatebot/ruby-semver';
import { compareSemVer, isSemVer } from '../semver.ts';
import { compareMaven, isMavenVersion } from './maven.ts';

export interface VersionScheme {
  /** What a person reads in an error: "a PyPI version (PEP 440)". */
  label: string;
  /** What a person reads beside a range: "PyPI versions (PEP 440)". */
  plural: string;
  /** Examples for the error message, when the scheme has typical ones. */
  example?: string;
  valid(version: string): boolean;
  /** The ecosystem's order, when Embargo knows it; undefined leaves the order unchecked. */
  compare?: (a: string, b: string) => number;
  /** OSV range type: SEMVER only where SemVer is the ecosystem's own rule. */
  osvType: 'SEMVER' | 'ECOSYSTEM';
  /** CVE JSON 5 `versionType`: one of CVE's named types, "custom" where CVE names none. */
  cveType: string;
  /** The vers versioning scheme (by convention the package-url type). */
  vers: string;
}

/** One version token: no spaces, and none of the characters that ranges use as operators. */
const TOKEN = /^[^\s|,<>=!*^~[\]()]{1,128}$/;

const semver = (vers: string): VersionScheme => ({
  label: 'a semantic version',
  plural: 'semantic versions',
  example: '1.4.2',
  valid: isSemVer,
  compare: compareSemVer,
  osvType: 'SEMVER',
  cveType: 'semver',
  vers,
});

const opaque = (ecosystem: string, vers: string, cveType = 'custom'): VersionScheme => ({
  label: `one ${ecosystem} version (without spaces or range operators such as < > = | *)`,
  plural: `${ecosystem} versions`,
  valid: (v) => TOKEN.test(v),
  osvType: 'ECOSYSTEM',
  cveType,
  vers,
});

const PYPI: VersionScheme = {
  label: 'a PyPI version (PEP 440)',
  plural: 'PyPI versions',
  example: '4.2, 1.0rc1 or 2.0.post1',
  valid: (v) => validPep440(v) !== null,
  compare: comparePep440,
  osvType: 'ECOSYSTEM',
  cveType: 'python',
  vers: 'pypi',
};

const MAVEN: VersionScheme = {
  label: 'a Maven version',
  plural: 'Maven versions',
  example: '2.13.4.2 or 1.0-beta-1',
  valid: isMavenVersion,
  compare: compareMaven,
  osvType: 'ECOSYSTEM',
  cveType: 'maven',
  vers: 'maven',
};

const RUBYGEMS: VersionScheme = {
  label: 'a RubyGems version',
  plural: 'RubyGems versions',
  example: '4.2 or 1.0.0.rc1',
  valid: (v) => validGem(v) === v && TOKEN.test(v),
  compare: (a, b) => (gemLt(a, b) ? -1 : gemGt(a, b) ? 1 : 0),
  osvType: 'ECOSYSTEM',
  cveType: 'custom',
  vers: 'gem',
};

const RPM_DISTRIBUTIONS = ['AlmaLinux', 'Azure Linux', 'Mageia', 'openEuler', 'openSUSE', 'Photon OS', 'Red Hat', 'Rocky Linux', 'SUSE'];

const SCHEMES: Record<string, VersionScheme> = {
  // SemVer is the ecosystem's own rule.
  npm: semver('npm'),
  'crates.io': semver('cargo'),
  Go: semver('golang'),
  Hex: semver('hex'),
  Pub: semver('pub'),
  SwiftURL: semver('swift'),
  // Their own rules, with a comparator.
  PyPI: PYPI,
  Maven: MAVEN,
  RubyGems: RUBYGEMS,
  // Their own rules, order left to their tools.
  NuGet: opaque('NuGet', 'nuget'),
  Packagist: opaque('Packagist', 'composer'),
  Hackage: opaque('Hackage', 'hackage'),
  CRAN: opaque('CRAN', 'cran'),
  ConanCenter: opaque('ConanCenter', 'conan'),
  Debian: opaque('Debian', 'deb'),
  Ubuntu: opaque('Ubuntu', 'deb'),
  Alpine: opaque('Alpine', 'alpine'),
  ...Object.fromEntries(RPM_DISTRIBUTIONS.map((d) => [d, opaque(d, 'rpm', 'rpm')])),
};

/** Products without a package. */
const VENDOR = semver('semver');

/** "Debian:12" → "Debian". */
const baseOf = (ecosystem: string) => (ecosystem.includes(':') ? ecosystem.slice(0, ecosystem.indexOf(':')) : ecosystem);

/** The version scheme of a package's ecosystem, or SemVer for a product without a package. */
export function versionScheme(ecosystem: string | undefined): VersionScheme {
  if (ecosystem === undefined) return VENDOR;
  const base = baseOf(ecosystem);
  return SCHEMES[base] ?? opaque(base, 'generic');
}
