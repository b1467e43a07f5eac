// Parts of an advisory document the tests reuse: what makes a draft complete enough for every export
// format (an affected product with a fixed version, and the CNA's identity for the CVE record).

export const TF_A_AFFECTED = {
  project: 'tf-a',
  vendor: 'Trusted Firmware',
  product: 'TF-A',
  repo: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a',
  ranges: [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }],
  components: ['BL2'],
};

export const TF_CNA = { orgId: '3f0b8c5e-8a52-4d6c-9a4e-2b1f6c7d8e9f', shortName: 'TrustedFirmware' };
