import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  advisorySeverity,
  creditLine,
  describeRange,
  parseAdvisory,
  publicCredit,
  publicationProblems,
  revisionHistory,
  type AdvisoryInput,
  vendorAndProduct,
} from '../../src/domain/advisory.ts';
import { toText } from '../../src/formats/text.ts';
import { buildCsaf } from '../../src/formats/csaf.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { compareSemVer, isSemVer, parseSemVer } from '../../src/domain/semver.ts';

const PUBLISHER = { name: 'Tock Security Team', namespace: 'https://tockos.org' };
const HASH_A = 'a'.repeat(40);
const HASH_B = 'b'.repeat(40);

const minimal: AdvisoryInput = { id: 'TOCK-2026-0001', title: 'A title', publisher: PUBLISHER };

const complete: AdvisoryInput = {
  ...minimal,
  summary: 'One paragraph.',
  description: 'Markdown *text*.',
  affected: [
    { project: 'tock', vendor: 'Tock', product: 'Tock kernel', ranges: [{ type: 'semver', introduced: '2.0.0', fixed: '2.1.0' }] },
  ],
  cveIds: ['CVE-2026-1234'],
  cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
  references: [{ url: 'https://github.com/tock/tock/pull/1', type: 'fix' }],
  published: '2026-03-01T10:00:00+01:00',
};

/** The ValidationError's details as "path: message" lines. */
function problems(input: unknown): string[] {
  try {
    parseAdvisory(input);
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.code, 'validation_failed');
    return e.details.map((d) => `${d.path}: ${d.message}`);
  }
  assert.fail('expected a ValidationError');
}

test('a complete advisory parses: defaults filled, instants in UTC, scores computed', () => {
  const a = parseAdvisory(complete);
  assert.equal(a.published, '2026-03-01T09:00:00Z');
  assert.equal(a.publisher.category, 'vendor');
  assert.equal(a.publisher.osvIdPrefix, 'x_');
  assert.deepEqual(a.credits, []);
  assert.deepEqual(a.affected[0]!.components, []);
  assert.equal(a.cvss[0]!.baseScore, 9.8);
  assert.equal(a.cvss[0]!.severity, 'critical');
  assert.equal(advisorySeverity(a), 'critical');
  assert.deepEqual(publicationProblems(a), []);
  // The parsed advisory parses again to itself (stored advisories are read back).
  assert.deepEqual(parseAdvisory(JSON.parse(JSON.stringify(a))), a);
});

test('invalid CVSS vectors are refused at their path; a stored score that disagrees with its vector too', () => {
  assert.deepEqual(
    problems({ ...minimal, cvss: ['CVSS:3.1/AV:N/AC:L', 'CVSS:4.0/AV:N'] }).map((p) => p.split(':')[0]),
    ['cvss[0]', 'cvss[1]'],
  );
  assert.match(problems({ ...minimal, cvss: ['not a vector'] })[0]!, /^cvss\[0\]: a vector starts with/);
  assert.deepEqual(problems({ ...minimal, cvss: [{ vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 10 }] }), [
    'cvss[0].baseScore: baseScore 10 does not match the vector (9.8)',
  ]);
  assert.match(
    problems({ ...minimal, cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] })[0]!,
    /^cvss\[1\]: a second CVSS 3\.1 vector/,
  );
});

test('ranges that end before they start are refused (semantic-version precedence, not string order)', () => {
  const range = (r: object) => problems({ ...minimal, affected: [{ project: 'tock', vendor: 'Tock', product: 'Tock', ranges: [r] }] });
  assert.deepEqual(range({ type: 'semver', introduced: '2.10.0', fixed: '2.9.0' }), [
    'affected[0].ranges[0].fixed: the range ends before it starts: fixed 2.9.0 is not after introduced 2.10.0',
  ]);
  assert.deepEqual(range({ type: 'semver', introduced: '1.0.0', fixed: '1.0.0' }).length, 1);
  assert.deepEqual(range({ type: 'semver', introduced: '1.0.0', fixed: '1.0.0-rc.1' }).length, 1); // a pre-release comes before
  assert.deepEqual(range({ type: 'semver', introduced: '1.5.0', lastAffected: '1.4.9' }), [
    'affected[0].ranges[0].lastAffected: the range ends before it starts: last affected 1.4.9 is before introduced 1.5.0',
  ]);
  assert.match(range({ type: 'semver', introduced: 'v1.0', fixed: '2.0.0' })[0]!, /introduced: "v1\.0" is not a semantic version/);
  assert.match(range({ type: 'semver', fixed: '2.0.0', lastAffected: '1.9.0' })[0]!, /either a fixed version or a last affected version/);
  // Fine: 1.9.0 < 1.10.0 (numeric, not string, comparison), pre-release to release, open range.
  parseAdvisory({
    ...minimal,
    affected: [
      {
        project: 't',
        vendor: 'V',
        product: 'P',
        ranges: [
          { type: 'semver', introduced: '1.9.0', fixed: '1.10.0' },
          { type: 'semver', introduced: '2.0.0-rc.1', fixed: '2.0.0' },
          { type: 'semver', introduced: '3.0.0' },
        ],
      },
    ],
  });
});

test('git ranges need full introduced and fixed commit hashes and the repository', () => {
  const product = (ranges: object[], repo?: string) => ({
    project: 'tock',
    vendor: 'Tock',
    product: 'Tock',
    ranges,
    ...(repo ? { repo } : {}),
  });
  assert.deepEqual(problems({ ...minimal, affected: [product([{ type: 'git', introduced: HASH_A }], 'https://github.com/tock/tock')] }), [
    'affected[0].ranges[0].fixed: expected string, received undefined',
  ]);
  assert.deepEqual(
    problems({ ...minimal, affected: [product([{ type: 'git', introduced: 'abc1234', fixed: HASH_B }], 'https://github.com/tock/tock')] }),
    ['affected[0].ranges[0].introduced: must be a full commit hash (40 or 64 lower-case hex digits)'],
  );
  assert.deepEqual(
    problems({ ...minimal, affected: [product([{ type: 'git', introduced: HASH_A, fixed: HASH_A }], 'https://github.com/tock/tock')] }),
    ['affected[0].ranges[0].fixed: the range ends where it starts: fixed and introduced are the same commit'],
  );
  assert.deepEqual(problems({ ...minimal, affected: [product([{ type: 'git', introduced: HASH_A, fixed: HASH_B }])] }), [
    "affected[0].ranges[0]: a range by git commit needs the product's repository (repo)",
  ]);
  parseAdvisory({
    ...minimal,
    affected: [product([{ type: 'git', introduced: HASH_A, fixed: 'c'.repeat(64) }], 'https://github.com/tock/tock')],
  });
});

test('products are named by a package in an OSV ecosystem or by vendor and product', () => {
  assert.deepEqual(problems({ ...minimal, affected: [{ project: 'tock', ranges: [] }] }), [
    'affected[0]: name the product: a package (ecosystem and name) or a vendor and a product',
  ]);
  assert.match(
    problems({ ...minimal, affected: [{ project: 'tock', package: { ecosystem: 'cargo', name: 'x' } }] })[0]!,
    /^affected\[0\]\.package\.ecosystem: must be an OSV ecosystem/,
  );
  assert.match(
    problems({ ...minimal, affected: [{ project: 'tock', package: { ecosystem: 'npm', name: 'x', purl: 'pkg:npm/x@1.0.0' } }] })[0]!,
    /purl: must be a package URL without a version/,
  );
  parseAdvisory({ ...minimal, affected: [{ project: 'tock', package: { ecosystem: 'Debian:12', name: 'tock' } }] });
  parseAdvisory({
    ...minimal,
    affected: [{ project: 'tock', package: { ecosystem: 'crates.io', name: 'tock-registers', purl: 'pkg:cargo/tock-registers' } }],
  });
});

test('identifiers, URLs, dates and unknown fields are checked, all problems at once', () => {
  const found = problems({
    ...minimal,
    id: 'bad id!',
    extra: true,
    cveIds: ['CVE-26-1', 'CVE-2026-1234', 'CVE-2026-1234'],
    cweIds: ['CWE-79', 'CWE-0', 'CWE-999999', '89'],
    references: [{ url: 'javascript:alert(1)' }, { url: 'https://example.org/a b' }, { url: 'https://example.org', type: 'blog' }],
    credits: [
      { type: 'finder', preference: 'name' },
      { type: 'reporter', preference: 'alias', name: 'Real Name' },
      { type: 'hero', preference: 'name', name: 'X' },
    ],
    published: '2026-03-01',
  });
  const paths = found.map((p) => p.split(': ')[0]);
  for (const path of [
    'id',
    '',
    'cveIds[0]',
    'cweIds[1]',
    'cweIds[2]',
    'references[0].url',
    'references[1].url',
    'references[2].type',
    'credits[0].name',
    'credits[1].alias',
    'credits[2].type',
    'published',
  ]) {
    assert.ok(paths.includes(path), `no problem at "${path}" in\n${found.join('\n')}`);
  }
  assert.ok(found.includes(': unknown field extra'));
  // The duplicate CVE id and the CWE listed twice (CWE-89 under another spelling) are found once the shape is right.
  assert.deepEqual(problems({ ...minimal, cveIds: ['CVE-2026-1234', 'CVE-2026-1234'], cweIds: ['CWE-89', '89'] }), [
    'cveIds[1]: CVE-2026-1234 is listed twice',
    'cweIds[1]: CWE-89 is listed twice',
  ]);
  assert.match(problems({ ...minimal, cweIds: ['CWE-1000'] })[0]!, /not a weakness in the CWE list/); // a view, not a weakness
});

test('dates must be in order; withdrawal needs publication and a reason', () => {
  assert.deepEqual(problems({ ...complete, modified: '2026-02-01T00:00:00Z' }), ['modified: modified is before published']);
  assert.deepEqual(problems({ ...minimal, withdrawn: '2026-02-01T00:00:00Z', withdrawnReason: 'dup' }), [
    'withdrawn: only a published advisory can be withdrawn',
  ]);
  assert.deepEqual(problems({ ...complete, withdrawn: '2026-04-01T00:00:00Z' }), ['withdrawnReason: say why the advisory is withdrawn']);
  assert.deepEqual(problems({ ...complete, withdrawn: '2026-02-01T00:00:00Z', withdrawnReason: 'x' }), [
    'withdrawn: withdrawn is before published',
  ]);
  assert.deepEqual(problems({ ...complete, revisions: [{ date: '2026-03-02T00:00:00Z', summary: 'x' }] }), [
    'revisions[0].date: the first revision is the initial release (2026-03-01T09:00:00Z)',
    'revisions[0].date: the last revision is the latest change (2026-03-01T09:00:00Z)',
  ]);
});

test('publicationProblems lists everything missing, e.g. an advisory with no affected product', () => {
  assert.deepEqual(publicationProblems(parseAdvisory(minimal)), [
    'summary: no summary',
    'description: no description',
    'affected: no affected product',
    'cveIds: no CVE identifier',
    'cvss: no CVSS vector, so no severity',
    'published: no publication time',
    'references: no reference and no advisory URL (the CVE record needs at least one)',
  ]);
  const noRange = parseAdvisory({ ...complete, affected: [{ project: 'tock', vendor: 'Tock', product: 'Tock kernel' }] });
  assert.deepEqual(publicationProblems(noRange), [
    'affected[0]: Tock kernel has no affected version range',
    'affected: no fixed version and no mitigation',
  ]);
  const noFix = parseAdvisory({
    ...complete,
    affected: [{ project: 'tock', vendor: 'Tock', product: 'Tock kernel', ranges: [{ type: 'semver', introduced: '2.0.0' }] }],
  });
  assert.deepEqual(publicationProblems(noFix), ['affected: no fixed version and no mitigation']);
  assert.deepEqual(publicationProblems(parseAdvisory({ ...complete, affected: noFix.affected, mitigation: 'Disable it.' })), []);
  // Tock's process requires more sections.
  assert.deepEqual(
    publicationProblems(parseAdvisory(complete), { require: ['mitigation', 'upgrade', 'credits', 'cwe', 'timeline', 'components'] }),
    [
      'mitigation: no mitigation section',
      'upgrade: no upgrade instructions',
      'credits: no credit (acknowledge the reporter, anonymously if they wish)',
      'cweIds: no weakness (CWE)',
      'timeline: no timeline',
      'affected[0].components: no affected component for Tock kernel',
    ],
  );
});

test('credits honour the preference: anonymous ones expose nothing but their type', () => {
  const a = parseAdvisory({
    ...minimal,
    credits: [
      { type: 'finder', preference: 'name', name: 'Ada Lovelace', organization: 'Engines', contact: ['mailto:ada@example.org'] },
      { type: 'reporter', preference: 'alias', alias: 'adal', name: 'Ada Lovelace', organization: 'Engines' },
      {
        type: 'remediation_developer',
        preference: 'anonymous',
        name: 'Ada Lovelace',
        organization: 'Engines',
        contact: ['https://ada.example.org'],
      },
    ],
  });
  assert.deepEqual(a.credits.map(publicCredit), [
    { type: 'finder', anonymous: false, name: 'Ada Lovelace', organization: 'Engines', contact: ['mailto:ada@example.org'] },
    { type: 'reporter', anonymous: false, name: 'adal', contact: [] },
    { type: 'remediation_developer', anonymous: true, contact: [] },
  ]);
  assert.deepEqual(a.credits.map(creditLine), ['Ada Lovelace (Engines), finder', 'adal, reporter', 'An anonymous remediation developer']);
});

test('revision history is derived from published, modified and withdrawn when not given', () => {
  const a = parseAdvisory({
    ...complete,
    modified: '2026-03-05T00:00:00Z',
    withdrawn: '2026-03-09T00:00:00Z',
    withdrawnReason: 'Duplicate.',
  });
  assert.deepEqual(revisionHistory(a), [
    { number: 1, date: '2026-03-01T09:00:00Z', summary: 'Initial public release.' },
    { number: 2, date: '2026-03-05T00:00:00Z', summary: 'Advisory updated.' },
    { number: 3, date: '2026-03-09T00:00:00Z', summary: 'Advisory withdrawn: Duplicate.' },
  ]);
  assert.deepEqual(revisionHistory(parseAdvisory(minimal)), []);
});

test('describeRange reads as people write it', () => {
  assert.equal(describeRange({ type: 'semver', introduced: '0', fixed: '1.2.0' }), 'all versions before 1.2.0');
  assert.equal(describeRange({ type: 'semver', introduced: '1.0.0', fixed: '1.2.0' }), '1.0.0 and later, before 1.2.0');
  assert.equal(describeRange({ type: 'semver', introduced: '1.0.0', lastAffected: '1.1.9' }), '1.0.0 through 1.1.9');
  assert.equal(describeRange({ type: 'semver', introduced: '0' }), 'all versions (no fixed version yet)');
  assert.equal(
    describeRange({ type: 'git', introduced: HASH_A, fixed: HASH_B }),
    'commits from aaaaaaaaaaaa up to, not including, bbbbbbbbbbbb',
  );
});

test('SemVer 2.0.0 precedence (semver.org §11)', () => {
  const ordered = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      assert.equal(Math.sign(compareSemVer(ordered[i]!, ordered[j]!)), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
    }
  }
  assert.equal(compareSemVer('1.0.0+build.1', '1.0.0+build.2'), 0); // build metadata has no precedence
  for (const bad of ['1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0+', ' 1.0.0', '1.0.0.0'])
    assert.equal(isSemVer(bad), false, bad);
  assert.deepEqual(parseSemVer('1.2.3-rc.1+sha.5'), { major: 1, minor: 2, patch: 3, prerelease: ['rc', '1'], build: ['sha', '5'] });
  assert.throws(() => compareSemVer('1.0', '1.0.0'), TypeError);
});

test('vendor and product read as one name, never "Tock Tock OS"', () => {
  assert.equal(vendorAndProduct('Tock', 'Tock OS'), 'Tock OS');
  assert.equal(vendorAndProduct('Trusted Firmware Security', 'Trusted Firmware-A'), 'Trusted Firmware-A');
  assert.equal(vendorAndProduct('Arm', 'Mbed TLS'), 'Arm Mbed TLS');
  const a = parseAdvisory({
    ...complete,
    publisher: { name: 'Trusted Firmware Security', namespace: 'https://trustedfirmware.org' },
    affected: [
      {
        project: 'tf-a',
        vendor: 'Trusted Firmware Security',
        product: 'Trusted Firmware-A',
        ranges: [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }],
      },
      { project: 'tock', vendor: 'Tock', product: 'Tock OS', ranges: [{ type: 'semver', introduced: '0', fixed: '2.2.1' }] },
    ],
  });
  const texts = [toText(a), JSON.stringify(buildCsaf(a, '2.0'))];
  for (const t of texts) {
    assert.doesNotMatch(t, /Tock Tock|Security Trusted Firmware/);
    assert.match(t, /Trusted Firmware-A/);
  }
});
