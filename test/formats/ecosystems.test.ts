// Ranges by version are read by each package ecosystem's own rules, and every format says which:
// OSV ECOSYSTEM ranges (SEMVER only where SemVer is the ecosystem's rule), CVE's versionType and
// CSAF's vers scheme. CSAF keeps same-named packages of two ecosystems apart, names its files as
// CSAF requires and carries its canonical URL as its self reference.

import './support/no-network.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as optional20 from '@secvisogram/csaf-validator-lib/optionalTests.js';
import * as recommended21 from '@secvisogram/csaf-validator-lib/csaf_2_1/recommendedTests.js';
import { parseAdvisory, type AdvisoryInput } from '../../src/domain/advisory.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { compareMaven } from '../../src/domain/versions/maven.ts';
import { versionScheme } from '../../src/domain/versions/index.ts';
import { exportAdvisory } from '../../src/formats/export.ts';
import { toCveRecords } from '../../src/formats/cve.ts';
import { toOsv } from '../../src/formats/osv.ts';
import { toCsaf20 } from '../../src/formats/csaf20.ts';
import { toCsaf21 } from '../../src/formats/csaf21.ts';
import { FIXTURES } from './fixtures.ts';

type Json = Record<string, any>;

const input = FIXTURES.find((f) => f.name === 'python-maven-npm-packages')!.input;
const advisory = parseAdvisory(input);

const withRange = (ecosystem: string, range: Record<string, unknown>): AdvisoryInput => ({
  ...input,
  affected: [{ project: 'p', package: { ecosystem, name: 'x' }, ranges: [{ type: 'semver', ...range } as never] }],
});

function problems(value: AdvisoryInput): { path?: string; message: string }[] {
  try {
    parseAdvisory(value);
    return [];
  } catch (e) {
    assert.ok(e instanceof ValidationError);
    return e.details;
  }
}

test('OSV types ranges by the ecosystem: ECOSYSTEM for PyPI and Maven, SEMVER for npm', () => {
  const affected = toOsv(advisory).affected!;
  assert.deepEqual(
    affected.map((a) => [a.package!.ecosystem, a.ranges!.map((r) => r.type)]),
    [
      ['PyPI', ['ECOSYSTEM', 'ECOSYSTEM']],
      ['Maven', ['ECOSYSTEM']],
      ['npm', ['SEMVER']],
    ],
  );
  assert.deepEqual(affected[0]!.ranges![0]!.events, [{ introduced: '1.0rc1' }, { fixed: '4.2' }]);
  assert.deepEqual(affected[0]!.ranges![1]!.events, [{ introduced: '5.0' }, { last_affected: '5.0.post1' }]);
  assert.deepEqual(affected[1]!.ranges![0]!.events, [{ introduced: '2.13.0' }, { fixed: '2.13.4.2' }]);
});

test("CVE records carry each ecosystem's versionType", () => {
  const cna = toCveRecords(advisory)[0]!.containers.cna as Json;
  assert.deepEqual(
    cna.affected.map((p: Json) => [p.packageName, p.versions.map((v: Json) => v.versionType)]),
    [
      ['tockconf', ['python', 'python']],
      ['org.tockos:tockconf', ['maven']],
      ['tockconf', ['semver']],
    ],
  );
  assert.deepEqual(cna.affected[0].versions[0], { version: '1.0rc1', status: 'affected', versionType: 'python', lessThan: '4.2' });
  // Ecosystems CVE names no type for say "custom"; RPM distributions "rpm"; products without a package "semver".
  assert.equal(versionScheme('RubyGems').cveType, 'custom');
  assert.equal(versionScheme('NuGet').cveType, 'custom');
  assert.equal(versionScheme('Red Hat').cveType, 'rpm');
  assert.equal(versionScheme(undefined).cveType, 'semver');
});

test("CSAF keeps same-named packages of two ecosystems apart, each range in its ecosystem's vers scheme and with its package URL", () => {
  for (const [doc, purlsOf] of [
    [toCsaf20(advisory), (p: Json) => [p.product_identification_helper.purl]],
    [toCsaf21(advisory), (p: Json) => p.product_identification_helper.purls],
  ] as const) {
    const products = (doc.product_tree as Json).branches[0].branches as Json[];
    assert.deepEqual(
      products.map((p) => p.name),
      ['tockconf (PyPI)', 'org.tockos:tockconf', 'tockconf (npm)'],
    );
    const leaves = products.map((p) => (p.branches as Json[]).map((l) => [l.category, l.name, purlsOf(l.product)]));
    assert.deepEqual(leaves, [
      [
        ['product_version_range', 'vers:pypi/>=1.0rc1|<4.2', ['pkg:pypi/tockconf']],
        ['product_version', '4.2', ['pkg:pypi/tockconf@4.2']],
        ['product_version_range', 'vers:pypi/>=5.0|<=5.0.post1', ['pkg:pypi/tockconf']],
      ],
      [
        ['product_version_range', 'vers:maven/>=2.13.0|<2.13.4.2', ['pkg:maven/org.tockos/tockconf']],
        ['product_version', '2.13.4.2', ['pkg:maven/org.tockos/tockconf@2.13.4.2']],
      ],
      [
        ['product_version_range', 'vers:npm/>=1.0.0|<1.4.2', ['pkg:npm/tockconf']],
        ['product_version', '1.4.2', ['pkg:npm/tockconf@1.4.2']],
      ],
    ]);
  }
});

test('real versions of each ecosystem are accepted: 4.2, 1.0rc1, 2.13.4.2', () => {
  assert.deepEqual(problems(withRange('PyPI', { introduced: '1.0rc1', fixed: '4.2' })), []);
  assert.deepEqual(problems(withRange('PyPI', { introduced: '2!1.0', fixed: '2!1.0.post1' })), []);
  assert.deepEqual(problems(withRange('Maven', { introduced: '2.13.0', fixed: '2.13.4.2' })), []);
  assert.deepEqual(problems(withRange('Maven', { introduced: '1.0-alpha-1', fixed: '1.0' })), []);
  assert.deepEqual(problems(withRange('RubyGems', { introduced: '1.0.0.rc1', fixed: '4.2' })), []);
  assert.deepEqual(problems(withRange('Debian:12', { introduced: '0', fixed: '1:2.36-9+deb12u4' })), []);
  assert.deepEqual(problems(withRange('crates.io', { introduced: '0.9.0', fixed: '0.9.1' })), []);
});

test('versions the ecosystem would not accept are refused, naming the field', () => {
  assert.deepEqual(problems(withRange('PyPI', { introduced: '1.0', fixed: 'one point one' })), [
    { path: 'affected[0].ranges[0].fixed', message: '"one point one" is not a PyPI version (PEP 440) (like 4.2, 1.0rc1 or 2.0.post1)' },
  ]);
  assert.deepEqual(problems(withRange('Maven', { introduced: '[1.0,2.0)' })), [
    { path: 'affected[0].ranges[0].introduced', message: '"[1.0,2.0)" is not a Maven version (like 2.13.4.2 or 1.0-beta-1) or "0"' },
  ]);
  assert.deepEqual(problems(withRange('Maven', { fixed: 'LATEST' })), [
    { path: 'affected[0].ranges[0].fixed', message: '"LATEST" is not a Maven version (like 2.13.4.2 or 1.0-beta-1)' },
  ]);
  // npm's rule is SemVer: "4.2" is no npm version.
  assert.deepEqual(problems(withRange('npm', { fixed: '4.2' })), [
    { path: 'affected[0].ranges[0].fixed', message: '"4.2" is not a semantic version (like 1.4.2)' },
  ]);
  assert.deepEqual(problems(withRange('Alpine', { lastAffected: '1.2 r3' })), [
    {
      path: 'affected[0].ranges[0].lastAffected',
      message: '"1.2 r3" is not one Alpine version (without spaces or range operators such as < > = | *)',
    },
  ]);
});

test("ranges are ordered by the ecosystem's rules: 1.0rc1 is before 1.0 in PyPI, 1.0-SNAPSHOT before 1.0 in Maven", () => {
  assert.deepEqual(problems(withRange('PyPI', { introduced: '1.0rc1', fixed: '1.0' })), []);
  assert.deepEqual(problems(withRange('PyPI', { introduced: '1.0', fixed: '1.0rc1' })), [
    { path: 'affected[0].ranges[0].fixed', message: 'the range ends before it starts: fixed 1.0rc1 is not after introduced 1.0' },
  ]);
  assert.deepEqual(problems(withRange('PyPI', { introduced: '4.10', fixed: '4.9' })).length, 1);
  assert.deepEqual(problems(withRange('Maven', { introduced: '1.0-SNAPSHOT', fixed: '1.0' })), []);
  assert.deepEqual(problems(withRange('Maven', { introduced: '2.13.4.2', lastAffected: '2.13.4' })), [
    {
      path: 'affected[0].ranges[0].lastAffected',
      message: 'the range ends before it starts: last affected 2.13.4 is before introduced 2.13.4.2',
    },
  ]);
  assert.deepEqual(problems(withRange('RubyGems', { introduced: '1.0', fixed: '1.0.rc1' })).length, 1);
});

test("Maven's version order, on the examples of Maven's own test suite", () => {
  const ordered = (versions: string[]) => {
    for (let i = 0; i < versions.length; i++)
      for (let j = 0; j < versions.length; j++)
        assert.equal(Math.sign(compareMaven(versions[i]!, versions[j]!)), Math.sign(i - j), `${versions[i]} vs ${versions[j]}`);
  };
  ordered([
    '1-alpha2snapshot',
    '1-alpha2',
    '1-alpha-123',
    '1-beta-2',
    '1-beta123',
    '1-m2',
    '1-m11',
    '1-rc',
    '1-cr2',
    '1-rc123',
    '1-SNAPSHOT',
    '1',
    '1-sp',
    '1-sp2',
    '1-sp123',
    '1-abc',
    '1-def',
    '1-pom-1',
    '1-1-snapshot',
    '1-1',
    '1-2',
    '1-123',
  ]);
  ordered([
    '2.0',
    '2-1',
    '2.0.a',
    '2.0.0.a',
    '2.0.2',
    '2.0.123',
    '2.1.0',
    '2.1-a',
    '2.1b',
    '2.1-c',
    '2.1-1',
    '2.1.0.1',
    '2.2',
    '2.123',
    '11.a2',
    '11.a11',
    '11.b2',
    '11.b11',
    '11.m2',
    '11.m11',
    '11',
    '11.a',
    '11b',
    '11c',
    '11m',
  ]);
  for (const [a, b] of [
    ['1', '1.0.0'],
    ['1', '1-ga'],
    ['1', '1.final'],
    ['1', '1-release'],
    ['1a', '1-a'],
    ['1a', '1.0-a'],
    ['1x', '1-x'],
    ['1cr', '1rc'],
    ['1m3', '1milestone3'],
    ['1.0-ALPHA1', '1.0-alpha-1'],
  ])
    assert.equal(compareMaven(a!, b!), 0, `${a} = ${b}`);
});

test('CSAF files are named by the lower-cased tracking id and carry their canonical URL as self reference (test 6.2.11)', async () => {
  const site = 'https://desk.example.org/advisories/';
  for (const [format, version] of [
    ['csaf-2.0', '2.0'],
    ['csaf-2.1', '2.1'],
  ] as const) {
    const [file] = exportAdvisory(advisory, format, { siteUrl: site }).files;
    assert.equal(file!.name, 'tock-2026-0008.json');
    const doc = file!.json as Json;
    const url = `${site}TOCK-2026-0008/csaf-${version}/tock-2026-0008.json`;
    assert.deepEqual(
      doc.document.references.filter((r: Json) => r.category === 'self').map((r: Json) => r.url),
      [url],
    );
    const check = version === '2.0' ? optional20.optionalTest_6_2_11! : recommended21.recommendedTest_6_2_11!;
    const result = await check(doc);
    assert.deepEqual(result.warnings ?? [], [], `CSAF ${version}: ${JSON.stringify(result)}`);
  }
  // Every fixture, withdrawn ones too, passes the test once the site is known.
  for (const f of FIXTURES) {
    const a = parseAdvisory(f.input);
    for (const format of ['csaf-2.0', 'csaf-2.1'] as const) {
      const doc = exportAdvisory(a, format, { siteUrl: site }).files[0]!.json;
      const check = format === 'csaf-2.0' ? optional20.optionalTest_6_2_11! : recommended21.recommendedTest_6_2_11!;
      assert.deepEqual((await check(doc)).warnings ?? [], [], `${f.name} ${format}`);
    }
  }
  // Odd characters become "_", as the file name rule says.
  const odd = parseAdvisory({ ...input, id: 'TF:2026.01_A' });
  assert.equal(exportAdvisory(odd, 'csaf-2.0').files[0]!.name, 'tf_2026_01_a.json');
});
