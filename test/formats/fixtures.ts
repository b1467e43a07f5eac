// A set of varied advisories (input form, as a JSON file or request body would give them), for the
// export tests: several projects and publishers, ranges by semantic version and by git commit
// (SHA-1 and SHA-256), open ranges, last-affected ranges, pre-releases, several CVEs, named, aliased
// and anonymous credits, CVSS 3.1 (base, temporal, environmental) and 4.0 (base, threat), a
// withdrawn advisory, an updated one with its revision history, a long and hostile description,
// and packages of ecosystems whose versions are not semantic versions (PyPI, Maven), one of them
// sharing its name with an npm package.
//
// Anonymous credits deliberately carry the real name the desk knows (see ANONYMOUS_SECRETS): the
// tests assert it never reaches any output.

import type { AdvisoryInput } from '../../src/domain/advisory.ts';

export const TF_PUBLISHER = {
  name: 'Trusted Firmware Security Team',
  namespace: 'https://www.trustedfirmware.org',
  contact: 'security@trustedfirmware.org',
  category: 'vendor',
  cve: { orgId: '7d6c5b4a-3f2e-4d1c-8b0a-9e8f7a6b5c4d', shortName: 'TrustedFW' },
} as const;

export const TOCK_PUBLISHER = {
  name: 'Tock Security Team',
  namespace: 'https://tockos.org',
  contact: 'security@tockos.org',
  cve: { orgId: 'c0ffee00-1234-4abc-9def-0123456789ab', shortName: 'Tock' },
} as const;

/** Real names stored on anonymous credits: must appear in no output. */
export const ANONYMOUS_SECRETS = [
  'Zelda Quietwater',
  'Orlando Hushby',
  'Secret Labs GmbH',
  'mailto:zelda@quietwater.example',
  'Hidden Handle',
];

const C = (n: number) => n.toString(16).padStart(2, '0').repeat(20); // a 40-hex commit
const C256 = (n: number) => n.toString(16).padStart(2, '0').repeat(32); // a 64-hex (SHA-256) commit

export const FIXTURES: { name: string; input: AdvisoryInput }[] = [
  {
    name: 'tf-a-smc-overflow',
    input: {
      id: 'TFV-2026-0001',
      title: 'Out-of-bounds write in the BL31 SMC handler of Trusted Firmware-A',
      summary: 'A crafted SMC from the normal world can write past a stack buffer in BL31 and take control of EL3.',
      description:
        'The `SMCCC_ARCH_FEATURES` handler copies the caller-supplied length without checking it.\n\n' +
        'An attacker with kernel privileges in the normal world can **overwrite the return address** and run code at EL3.\n\n' +
        '```c\nmemcpy(buf, x2, x3); /* x3 unchecked */\n```',
      affected: [
        {
          project: 'tf-a',
          vendor: 'Trusted Firmware',
          product: 'Trusted Firmware-A',
          repo: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a.git',
          ranges: [
            { type: 'semver', introduced: '2.8.0', fixed: '2.10.1' },
            { type: 'git', introduced: C(0x1a), fixed: C(0x2b) },
          ],
          components: ['BL31', 'SMC handler'],
        },
      ],
      cveIds: ['CVE-2026-10001'],
      cweIds: ['CWE-787'],
      cvss: ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H', 'CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H'],
      mitigation: 'None: the handler cannot be disabled. Limit who can load kernel modules.',
      upgrade: 'Upgrade to **v2.10.1** or apply the fix commit to your tree.',
      references: [
        { url: 'https://review.trustedfirmware.org/c/TF-A/trusted-firmware-a/+/30001', type: 'fix', name: 'Fix: bound the SMC copy' },
        { url: 'https://trustedfirmware-a.readthedocs.io/en/latest/security_advisories/', type: 'advisory' },
      ],
      credits: [
        {
          type: 'finder',
          preference: 'name',
          name: 'Ada Lovelace',
          organization: 'Analytical Engines Ltd',
          contact: ['https://ada.example.org'],
        },
        {
          type: 'reporter',
          preference: 'anonymous',
          name: 'Zelda Quietwater',
          organization: 'Secret Labs GmbH',
          contact: ['mailto:zelda@quietwater.example'],
        },
        { type: 'remediation_developer', preference: 'name', name: 'Grace Hopper' },
      ],
      timeline: [
        { at: '2026-01-10T08:00:00Z', event: 'Reported to security@trustedfirmware.org' },
        { at: '2026-01-12T15:30:00+01:00', event: 'Confirmed by the TF-A team' },
        { at: '2026-03-01T12:00:00Z', event: 'Fix released in v2.10.1' },
      ],
      url: 'https://www.trustedfirmware.org/security/advisories/TFV-2026-0001',
      published: '2026-03-01T12:00:00Z',
      publisher: TF_PUBLISHER,
    },
  },
  {
    name: 'tf-m-two-cves',
    input: {
      id: 'TFV-2026-0002',
      title: 'Two out-of-bounds reads in the TF-M crypto partition',
      summary: 'Two missing length checks let a non-secure caller read secure memory through the PSA Crypto API.',
      description: 'Both issues are in the IPC message unpacking of the crypto partition.',
      affected: [
        {
          project: 'tf-m',
          vendor: 'Trusted Firmware',
          product: 'Trusted Firmware-M',
          ranges: [{ type: 'semver', introduced: '1.6.0', lastAffected: '2.0.0' }],
          components: ['Crypto partition'],
        },
      ],
      cveIds: ['CVE-2026-10002', 'CVE-2026-10003'],
      cweIds: ['CWE-125', 'CWE-20'],
      cvss: ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N'],
      upgrade: 'Upgrade to 2.1.0.',
      references: [{ url: `https://git.trustedfirmware.org/TF-M/trusted-firmware-m.git/commit/?id=${C(0x3c)}`, type: 'fix' }],
      credits: [
        { type: 'finder', preference: 'alias', alias: 'bytewrangler', name: 'Hidden Handle', contact: ['https://github.com/bytewrangler'] },
      ],
      published: '2026-03-15T09:00:00Z',
      publisher: TF_PUBLISHER,
    },
  },
  {
    name: 'mbedtls-several-projects',
    input: {
      id: 'TFV-2026-0003',
      title: 'Timing side channel in RSA decryption in Mbed TLS, shipped in TF-M',
      summary: 'RSA PKCS#1 v1.5 decryption leaks whether the padding is valid through its timing.',
      description: 'A Bleichenbacher-style attacker measuring decryption time can recover a plaintext.',
      affected: [
        {
          project: 'mbedtls',
          vendor: 'Trusted Firmware',
          product: 'Mbed TLS',
          ranges: [
            { type: 'semver', introduced: '2.28.0', fixed: '2.28.9' },
            { type: 'semver', introduced: '3.0.0', fixed: '3.6.1' },
          ],
          components: ['library/rsa.c'],
        },
        {
          project: 'tf-m',
          vendor: 'Trusted Firmware',
          product: 'Trusted Firmware-M',
          ranges: [{ type: 'semver', introduced: '1.0.0', fixed: '2.1.1' }],
        },
      ],
      cveIds: ['CVE-2026-10004'],
      cweIds: ['CWE-208'],
      cvss: ['CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N'],
      upgrade: 'Mbed TLS: upgrade to 2.28.9 or 3.6.1. TF-M: upgrade to 2.1.1, which bundles Mbed TLS 3.6.1.',
      references: [
        { url: 'https://mbed-tls.readthedocs.io/en/latest/security-advisories/', type: 'advisory', name: 'Mbed TLS security advisories' },
      ],
      credits: [
        { type: 'finder', preference: 'name', name: 'Hubert Kario' },
        { type: 'coordinator', preference: 'name', name: 'CERT/CC', organization: 'Carnegie Mellon University' },
      ],
      published: '2026-04-02T10:00:00Z',
      publisher: TF_PUBLISHER,
    },
  },
  {
    name: 'tock-kernel-git-range',
    input: {
      id: 'TOCK-2026-0001',
      title: 'Process can escape its MPU region through a grant allocation race',
      summary: 'A userspace process can make the kernel map a grant region that overlaps another process.',
      description: 'The grant allocator computed the region end before the MPU was reconfigured.',
      affected: [
        {
          project: 'tock',
          vendor: 'Tock',
          product: 'Tock kernel',
          repo: 'https://github.com/tock/tock',
          ranges: [{ type: 'git', introduced: C(0x4d), fixed: C(0x5e) }],
          components: ['kernel::grant', 'arch/cortex-m MPU'],
        },
      ],
      cveIds: ['CVE-2026-20001'],
      cweIds: ['CWE-284'],
      cvss: ['CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'],
      mitigation: 'Only load trusted applications until the fix is deployed.',
      upgrade: 'Rebuild your board from a tree that includes the fix commit.',
      references: [{ url: 'https://github.com/tock/tock/pull/4001', type: 'fix' }],
      credits: [
        { type: 'finder', preference: 'anonymous', name: 'Orlando Hushby' },
        { type: 'reporter', preference: 'alias', alias: 'mpu-hunter', name: 'Hidden Handle' },
      ],
      timeline: [{ at: '2026-02-01T00:00:00Z', event: 'Reported through GitHub private vulnerability reporting' }],
      published: '2026-02-20T16:00:00Z',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'tock-registers-crate',
    input: {
      id: 'TOCK-2026-0002',
      title: 'Unsound register field read in tock-registers',
      summary: 'Reading a field wider than the register returns uninitialised memory.',
      description: 'The `FieldValue::read` shift was not masked for 64-bit registers.',
      affected: [
        {
          project: 'tock',
          package: { ecosystem: 'crates.io', name: 'tock-registers', purl: 'pkg:cargo/tock-registers' },
          repo: 'https://github.com/tock/tock',
          ranges: [
            { type: 'semver', fixed: '0.9.1' },
            { type: 'git', introduced: C(0x61), fixed: C(0x72) },
          ],
        },
      ],
      cveIds: ['CVE-2026-20002'],
      cweIds: ['CWE-908'],
      cvss: ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N/E:P/RL:O/RC:C'],
      upgrade: 'Run `cargo update -p tock-registers` to get 0.9.1.',
      references: [{ url: 'https://crates.io/crates/tock-registers', type: 'package' }],
      credits: [{ type: 'tool', preference: 'name', name: 'Miri' }],
      published: '2026-05-05T05:05:05Z',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'libtock-no-fix',
    input: {
      id: 'TOCK-2026-0003',
      title: 'Denial of service in libtock-rs console driver',
      summary: 'A long line written to the console blocks the process forever.',
      description: 'No fix is available yet; see the mitigation.',
      affected: [
        {
          project: 'libtock-rs',
          package: { ecosystem: 'crates.io', name: 'libtock', purl: 'pkg:cargo/libtock' },
          ranges: [{ type: 'semver', introduced: '0.1.0' }],
          components: ['console'],
        },
      ],
      cveIds: ['CVE-2026-20003'],
      cvss: ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N/E:U'],
      mitigation: 'Write at most 64 bytes per `console::write` call.',
      references: [{ url: 'https://github.com/tock/libtock-rs/issues/555', type: 'report' }],
      credits: [
        { type: 'sponsor', preference: 'name', name: 'Example Foundation' },
        { type: 'analyst', preference: 'anonymous' },
      ],
      published: '2026-06-01T00:00:00Z',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'tf-a-withdrawn',
    input: {
      id: 'TFV-2026-0004',
      title: 'Stack exhaustion in the TF-A DRTM service',
      summary: 'Reported stack exhaustion in the DRTM service.',
      description: 'Further analysis showed the path is unreachable.',
      affected: [
        {
          project: 'tf-a',
          vendor: 'Trusted Firmware',
          product: 'Trusted Firmware-A',
          ranges: [{ type: 'semver', introduced: '2.9.0', fixed: '2.10.0' }],
        },
      ],
      cveIds: ['CVE-2026-10005', 'CVE-2026-10006'],
      cweIds: ['CWE-674'],
      cvss: ['CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:U/C:N/I:N/A:H'],
      credits: [{ type: 'reporter', preference: 'anonymous', name: 'Zelda Quietwater' }],
      published: '2026-03-20T09:00:00Z',
      withdrawn: '2026-04-01T09:00:00Z',
      withdrawnReason: 'Not a vulnerability: the recursion depth is bounded by the platform configuration.',
      publisher: TF_PUBLISHER,
    },
  },
  {
    name: 'tockloader-pypi',
    input: {
      id: 'TOCK-2026-0004',
      title: 'Path traversal in tockloader when unpacking a TAB file',
      summary: 'A crafted TAB archive can write files outside the target directory.',
      description: 'Entries with `../` were joined to the destination without normalisation.',
      affected: [
        {
          project: 'tockloader',
          package: { ecosystem: 'PyPI', name: 'tockloader', purl: 'pkg:pypi/tockloader' },
          vendor: 'Tock',
          product: 'tockloader',
          ranges: [{ type: 'semver', introduced: '1.0.0', fixed: '1.12.0' }],
        },
      ],
      cveIds: ['CVE-2026-20004'],
      cweIds: ['CWE-22'],
      cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N'],
      upgrade: 'pip install --upgrade "tockloader>=1.12.0"',
      references: [{ url: 'https://github.com/tock/tockloader/security/advisories', type: 'advisory' }],
      credits: [
        { type: 'remediation_developer', preference: 'name', name: 'Brad Campbell' },
        { type: 'coordinator', preference: 'name', name: 'Tock Security Team' },
        { type: 'remediation_reviewer', preference: 'alias', alias: 'reviewer42' },
        { type: 'remediation_verifier', preference: 'name', name: 'Pat Pending' },
      ],
      published: '2026-07-07T07:00:00Z',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'tf-a-updated-with-revisions',
    input: {
      id: 'TFV-2026-0005',
      title: 'Secure boot bypass with a truncated certificate chain',
      summary: 'BL2 accepted a certificate chain whose last certificate was truncated.',
      description: 'The ASN.1 parser returned success on a short read.',
      affected: [
        {
          project: 'tf-a',
          vendor: 'Trusted Firmware',
          product: 'Trusted Firmware-A',
          ranges: [
            { type: 'semver', introduced: '2.11.0-rc1', fixed: '2.11.0' },
            { type: 'semver', introduced: '2.6.0', fixed: '2.10.2' },
          ],
          components: ['BL2', 'Trusted Board Boot'],
        },
      ],
      cveIds: ['CVE-2026-10007'],
      cweIds: ['CWE-295'],
      cvss: ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:H/IR:H/AR:L/MAV:P'],
      mitigation: 'Enable the hardware root-of-trust check of the full chain where the platform supports it.',
      upgrade: 'Upgrade to 2.10.2 (LTS) or 2.11.0.',
      references: [{ url: 'https://www.trustedfirmware.org/security/advisories/TFV-2026-0005', type: 'advisory' }],
      credits: [{ type: 'finder', preference: 'name', name: 'Ada Lovelace' }],
      timeline: [
        { at: '2026-05-01T10:00:00Z', event: 'Reported' },
        { at: '2026-06-10T10:00:00Z', event: 'Published' },
        { at: '2026-06-20T10:00:00Z', event: 'Affected range of the 2.11 release candidates added' },
      ],
      published: '2026-06-10T10:00:00Z',
      modified: '2026-06-20T10:00:00Z',
      revisions: [
        { date: '2026-06-10T10:00:00Z', summary: 'Initial public release.' },
        { date: '2026-06-15T10:00:00Z', summary: 'Credits corrected.' },
        { date: '2026-06-20T10:00:00Z', summary: 'Release candidates of 2.11.0 added to the affected versions.' },
      ],
      publisher: TF_PUBLISHER,
    },
  },
  {
    name: 'board-sha256-last-affected',
    input: {
      id: 'TOCK-2026-0005',
      title: 'Radio driver on the nRF52840 DK accepts frames of any length',
      summary: 'An attacker in radio range can crash the board by sending an oversized 802.15.4 frame.',
      description: 'The length byte was trusted.',
      affected: [
        {
          project: 'tock-boards',
          vendor: 'Tock',
          product: 'nRF52840 DK board',
          repo: 'https://github.com/tock/tock',
          ranges: [
            { type: 'semver', introduced: '2.0.0', lastAffected: '2.1.1' },
            { type: 'git', introduced: C256(0x0a), fixed: C256(0x0b) },
          ],
          components: ['capsules/ieee802154'],
        },
      ],
      cveIds: ['CVE-2026-200005'],
      cvss: ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'],
      references: [{ url: 'https://github.com/tock/tock/blob/master/doc/SecurityAdvisories.md', type: 'web' }],
      published: '2026-08-08T08:08:08Z',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'hostile-long-description',
    input: {
      id: 'TOCK-2026-0006',
      title: 'Process console <script>alert("title")</script> | *injection*',
      summary: 'The process console echoed control sequences: \u001b[31mred\u001b[0m and [a link](javascript:alert(1)).',
      description:
        '# Details\n\n<script>alert("xss")</script>\n\n<img src=x onerror=alert(1)>\n\n' +
        Array.from(
          { length: 60 },
          (_, i) => `Paragraph ${i + 1}: the console echoed bytes it should have filtered, and the terminal interpreted them.`,
        ).join('\n\n'),
      affected: [
        {
          project: 'tock',
          vendor: 'Tock',
          product: 'Tock kernel',
          ranges: [{ type: 'semver', introduced: '2.1.0', fixed: '2.2.0' }],
          components: ['process_console'],
        },
      ],
      cveIds: ['CVE-2026-20006'],
      cweIds: ['CWE-150'],
      cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N'],
      mitigation: 'Disable the process console in production builds.',
      upgrade: 'Upgrade to 2.2.0.',
      references: [{ url: 'https://github.com/tock/tock/releases/tag/release-2.2', type: 'fix', name: 'Release 2.2 <notes>' }],
      credits: [{ type: 'finder', preference: 'alias', alias: 'ESC[2J', name: 'Hidden Handle' }],
      published: '2026-09-09T09:00:00Z',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'withdrawn-same-day',
    input: {
      id: 'TOCK-2026-0007',
      title: 'Duplicate of TOCK-2026-0001',
      summary: 'This advisory duplicated TOCK-2026-0001.',
      description: 'Published by mistake.',
      affected: [
        {
          project: 'tock',
          vendor: 'Tock',
          product: 'Tock kernel',
          repo: 'https://github.com/tock/tock',
          ranges: [{ type: 'git', introduced: C(0x4d), fixed: C(0x5e) }],
        },
      ],
      cveIds: ['CVE-2026-20007'],
      cvss: ['CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'],
      references: [{ url: 'https://github.com/tock/tock/pull/4001', type: 'fix' }],
      credits: [{ type: 'finder', preference: 'anonymous', name: 'Orlando Hushby' }],
      published: '2026-02-20T16:00:00Z',
      withdrawn: '2026-02-20T16:00:00Z',
      withdrawnReason: 'Duplicate of TOCK-2026-0001 (CVE-2026-20001).',
      publisher: TOCK_PUBLISHER,
    },
  },
  {
    name: 'python-maven-npm-packages',
    input: {
      id: 'TOCK-2026-0008',
      title: 'Unsafe deserialisation in the Tock board configuration libraries',
      summary: 'The board configuration readers for Python, Java and JavaScript load untrusted input unsafely.',
      description: 'Each library evaluated the configuration file instead of parsing it.',
      affected: [
        {
          project: 'tockconf',
          package: { ecosystem: 'PyPI', name: 'tockconf', purl: 'pkg:pypi/tockconf' },
          ranges: [
            { type: 'semver', introduced: '1.0rc1', fixed: '4.2' },
            { type: 'semver', introduced: '5.0', lastAffected: '5.0.post1' },
          ],
        },
        {
          project: 'tockconf',
          package: { ecosystem: 'Maven', name: 'org.tockos:tockconf', purl: 'pkg:maven/org.tockos/tockconf' },
          ranges: [{ type: 'semver', introduced: '2.13.0', fixed: '2.13.4.2' }],
        },
        {
          project: 'tockconf',
          package: { ecosystem: 'npm', name: 'tockconf', purl: 'pkg:npm/tockconf' },
          ranges: [{ type: 'semver', introduced: '1.0.0', fixed: '1.4.2' }],
        },
      ],
      cveIds: ['CVE-2026-20008'],
      cweIds: ['CWE-502'],
      cvss: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H'],
      upgrade: 'Upgrade tockconf to 4.2 (PyPI), 2.13.4.2 (Maven) or 1.4.2 (npm).',
      references: [{ url: 'https://github.com/tock/tockconf/security', type: 'advisory' }],
      published: '2026-09-20T10:00:00Z',
      publisher: TOCK_PUBLISHER,
    },
  },
];
