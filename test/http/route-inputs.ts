import { sampleReport } from '../support/harness.ts';

// Inputs the route tests send (the route × role matrix, malformed ids): each would be accepted from
// someone allowed, so a refusal or an error they see is never a mere validation error of the input.

// A body per route.
export const bodies: Record<string, unknown> = {
  'POST /api/reports': sampleReport,
  'POST /api/reporter/:token/messages': { body: 'More details from me.' },
  'POST /api/enrollment/:token': { password: 'a long enough password', totp: '123456' },
  'POST /api/tokens': { name: 'probe' },
  'PATCH /api/people/:id/availability': { available: false },
  'PUT /api/people/:id/holiday-region': { region: 'GB-ENG' },
  'POST /api/people/:id/days-off': { startsOn: '2027-01-05', endsOn: '2027-01-06' },
  'POST /api/reports/:id/take-over': { reason: 'triager is away' },
  'POST /api/reports/:id/accept': { title: 'Probe title', projects: ['tf-a'] },
  'POST /api/reports/:id/reject': { reason: 'Not a vulnerability at all.' },
  'POST /api/reports/:id/assess': { title: 'Probe title', severity: 'high', components: ['x'], project: 'tf-a' },
  'POST /api/reports/:id/assign': { subsystem: 'Kernel' },
  'POST /api/reports/:id/pull-in': { email: 'sam@tf.example' },
  'POST /api/reports/:id/projects': { project: 'tf-m' },
  'POST /api/reports/:id/serious': { reason: 'probe serious' },
  'POST /api/reports/:id/projects/:slug/remove': { reason: 'Not affected after all.' },
  'PUT /api/roles/:role': { email: null },
  'POST /api/reports/:id/notes': { body: 'probe note' },
  'POST /api/reports/:id/replies': { body: 'probe reply' },
  'POST /api/reports/:id/status-updates': { status: 'Assessment' },
  'POST /api/reports/:id/close': { reason: 'probe close' },
  'POST /api/reports/:id/severity': { severity: 'high', reason: 'probe severity' },
  'POST /api/reports/:id/reopen': { reason: 'probe reopen' },
  'POST /api/reports/:id/projects/:slug/take-over': { reason: 'handler is away' },
  'POST /api/reports/:id/projects/:slug/reject': { reason: 'Not a vulnerability at all.' },
  'POST /api/reports/:id/projects/:slug/downgrade': { reason: 'Just a normal bug here.', bugLink: 'https://bugs.example/1' },
  'POST /api/reports/:id/projects/:slug/confirm': {},
  'POST /api/people': { name: 'Probe Person', emails: ['probe@x.example'], timeZone: 'UTC' },
  'POST /api/people/:id/disabled': { disabled: true },
  'POST /api/teams': { slug: 'probe-ess', name: 'Probe ESS', kind: 'ess' },
  'POST /api/teams/:slug/members': { email: 'sam@tf.example' },
  'POST /api/projects': { slug: 'probe', name: 'Probe' },
  'PUT /api/projects/:slug/subsystems/:name': { primary: null, secondary: null },
  'POST /api/session': { email: 'nobody@x.example', password: 'wrong password!', totp: '000000' },
  'POST /api/setup': { setupToken: 'wrong', instance: {} },
  'POST /api/admin/mail-settings/test-mail': { to: 'probe@x.example' },
  'PUT /api/profile': { yaml: 'id: probe' },
  'POST /api/cve/pool': { block: 'CVE-2026-1000..CVE-2026-1001' },
  'POST /api/audit/verify': { checkpoints: [] },
  'POST /api/cve/pool/reserve': { amount: 1 },
  'PUT /api/cve/account': { url: 'https://cveawg-test.mitre.org/api', shortName: 'probe', user: 'probe@x.example', apiKey: 'probe-key' },
  'PUT /api/reports/:id/cvss': { vectors: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] },
  'PUT /api/incidents/:ref/cvss': { vectors: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] },
  'POST /api/advisories/:advisoryId/versions': {
    document: { title: 'Probe advisory', publisher: { name: 'Probe', namespace: 'https://probe.example' } },
  },
  'POST /api/advisories/:advisoryId/reviews': { version: 1, verdict: 'approved' },
  'POST /api/advisories/:advisoryId/circulations': { audience: 'reporter' },
  'POST /api/advisories/:advisoryId/publication': {},
  'POST /api/advisories/:advisoryId/withdrawal': { reason: 'probe withdrawal reason' },
  'PUT /api/reporter/:token/credit': { preference: 'anonymous' },
  'POST /api/reports/:id/marks': { value: 'Probe Customer Ltd', name: 'customer' },
  'PUT /api/reports/:id/outside-text': { title: 'Probe overflow' },
  'POST /api/reporter/:token/marks': { value: 'Probe Customer Ltd' },
  'POST /api/reports/:id/embargo/proposals': {
    tiers: [
      { tier: 'ess', endsAt: '2030-01-10T09:00:00Z' },
      { tier: 'trusted-stakeholders', endsAt: '2030-01-20T09:00:00Z' },
    ],
    publicAt: '2030-02-01T09:00:00Z',
    timeZone: 'UTC',
  },
  'POST /api/reports/:id/embargo/proposals/:proposalId/answer': { answer: 'accept' },
  'POST /api/reports/:id/embargo/end': { reason: 'The fix leaked on a public list.' },
  'POST /api/reports/:id/disclosure-flags': { flag: 'exploit_public', evidence: 'An exploit was posted publicly today.' },
  'POST /api/reporter/:token/embargo/answer': { answer: 'accept' },
  'POST /api/reports/:id/signed-replies': {
    entity: 'Content-Type: text/plain; charset=utf-8\r\n\r\nprobe\r\n',
    signature: '-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----',
  },
};

// A query string each GET route would accept from someone allowed.
export const queries: Record<string, string> = {
  'GET /api/cvss': '?vector=CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
  'GET /api/cwe': '?q=out-of-bounds',
};
