import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAdvisory } from '../../src/domain/advisory.ts';
import { toCveRequest } from '../../src/formats/cve-request.ts';
import { ANONYMOUS_SECRETS, FIXTURES } from '../formats/fixtures.ts';

// The ready-to-paste CVE request: every field of MITRE's form, values from the advisory, and nothing
// the advisory keeps private (an anonymous finder's real name, organisation, contact).

const FIELDS = [
  'Vulnerability type',
  'Vendor of the product(s)',
  'Affected product(s)/code base: product and version',
  'Has vendor confirmed or acknowledged the vulnerability?',
  'Attack type',
  'Impact',
  'Affected component(s)',
  'Attack vector(s)',
  'Suggested description of the vulnerability for use in the CVE',
  'Discoverer(s)/Credits',
  'Reference(s)',
  'Additional information',
];

test("every fixture gives a request with all of the form's fields, in order, and no anonymous secret", () => {
  for (const f of FIXTURES) {
    const text = toCveRequest(parseAdvisory(f.input));
    let at = -1;
    for (const field of FIELDS) {
      const i = text.indexOf(`[${field}]`);
      assert.ok(i > at, `${f.name}: [${field}] missing or out of order`);
      at = i;
    }
    for (const secret of ANONYMOUS_SECRETS) assert.ok(!text.includes(secret), `${f.name} leaks "${secret}"`);
  }
});

test('the TF-A overflow: type from its CWE, product and ranges, attack and impact from CVSS, credits and references', () => {
  const f = FIXTURES[0]!;
  const a = parseAdvisory(f.input);
  const text = toCveRequest(a);
  const section = (name: string) => text.split(`[${name}]\n`)[1]!.split('\n[')[0]!.trim();
  assert.equal(section('Vulnerability type'), 'Buffer Overflow (CWE-787 Out-of-bounds Write)');
  assert.equal(section('Vendor of the product(s)'), 'Trusted Firmware');
  assert.match(
    section('Affected product(s)/code base: product and version'),
    /^Trusted Firmware-A: 2\.8\.0 and later, before 2\.10\.1; commits from 1a1a1a1a1a1a up to, not including, 2b2b2b2b2b2b$/,
  );
  assert.match(section('Attack type'), /^Local {2}\[derived from CVSS:4\.0\/AV:L/);
  assert.match(section('Impact'), /^Code Execution\nEscalation of Privileges/);
  assert.equal(section('Affected component(s)'), 'BL31, SMC handler');
  assert.match(section('Attack vector(s)'), /^A local attacker with high privileges and no user interaction\./);
  assert.equal(section('Suggested description of the vulnerability for use in the CVE'), a.summary);
  for (const r of a.references) assert.ok(section('Reference(s)').includes(r.url));
  // The fixture's reporter is anonymous: named only as such.
  assert.match(section('Discoverer(s)/Credits'), /Anonymous \(reporter; wishes not to be named\)/);
  assert.ok(!section('Discoverer(s)/Credits').includes('Zelda'));
});

test('an advisory with no CWE, no CVSS and no credits still gives a complete, honest request', () => {
  const text = toCveRequest(
    parseAdvisory({
      id: 'X-2026-1',
      title: 'Crash on a malformed packet',
      affected: [{ project: 'p', vendor: 'Widget Inc', product: 'Widget', ranges: [] }],
      publisher: { name: 'Widget Team', namespace: 'https://widget.example' },
    }),
  );
  assert.match(text, /\[Vulnerability type\]\nOther or Unknown\n/);
  assert.match(text, /\[Attack type\]\nOther\n/);
  assert.match(text, /\[Discoverer\(s\)\/Credits\]\n\(none\)\n/);
  assert.match(text, /Widget: versions not yet known/);
  assert.match(text, /Not yet public: the requested id must stay reserved until publication\./);
});
