// A small valid profile for tests that break one thing at a time. Line numbers in tests refer to
// this text, so append to it rather than inserting lines.

export const MINIMAL = `id: minimal
name: Minimal process
version: "1"
description: Smallest valid profile.
incidentPrefix: MIN
roles:
  triager: { name: Triager, description: Triages., team: central, filledBy: claim }
  handler: { name: Handler, description: Handles., team: project, filledBy: claim }
intake:
  channels: [email]
  aliases:
    central: { address: security@example.org, inbound: true }
    project: { address: "{project}-security@example.org", inbound: true }
workflow:
  triage: claim
  assignment: forward-to-project
  triageRole: triager
  handlerRole: handler
  singleProjectHandOff: true
  stages:
    - { id: triage, name: Triage }
sla:
  - id: triage
    stage: triage
    startsOn: report_received
    stopsOn: [report_accepted, report_rejected]
    duration: { amount: 3, unit: working-days }
    owner: triager
severity:
  levels:
    - { id: high, name: High }
  priorityRequired: false
templates:
  holding:
    audience: reporter
    subject: "Accepted {{incident_id}}"
    body: |
      Dear {{reporter_name}},
      Accepted.
  rejection:
    audience: reporter
    subject: "Rejected {{incident_id}}"
    body: |
      Dear {{reporter_name}},
      {{reason}}
  status_update:
    audience: reporter
    subject: Status
    body: "Status: {{status}}"
  disclosure_notification:
    audience: reporter
    subject: Disclosure
    body: "On {{disclosure_date}}"
copyRules:
  - { audience: reporter, cc: [central] }
sensitive:
  defaultFields: [reporter_identity]
  reporterMayMarkOthers: true
keyPolicy:
  newKeyMinSecurityBits: 128
  existingKeyMinSecurityBits: 112
  signOutbound: false
  unencryptedMail: refuse
`;

/** Replaces exactly one occurrence of `from`, so a fixture edit that stops matching fails loudly. */
export function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`fixture edit: "${from}" must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
