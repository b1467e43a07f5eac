// The shape of a process profile: a written security-incident process (Trusted Firmware's, Tock's,
// or a team's own copy) expressed as data the desk can run. This file is only the *shape*; rules
// that relate one part of a profile to another (an SLA owner must be a defined role, a template may
// only use known variables, ...) live in lint.ts so that each one can be reported with a location.
//
// Every object is strict: a misspelt key ("stopOn") must be an error, not a silently ignored line
// that leaves a clock without a stop condition.

import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Vocabularies shared with the rest of the desk. They are exported so that the linter, the UI and
// the use cases agree on one list, and so that a profile can be checked against them.
// ---------------------------------------------------------------------------------------------

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Which team a role's holder comes from. Decides default access to the incident. */
export const TEAM_KINDS = ['central', 'project', 'subsystem'] as const;

/** How a person comes to hold a role on one incident. */
export const ROLE_FILLING = [
  'claim', // someone on the team says "mine" (TF triager, TF project incident handler)
  'appointment', // a standing appointment (Tock's triage coordinator)
  'assignment', // someone else assigns it (Tock's subsystem contacts)
  'invitation', // pulled into one incident to help (TF "trusted contributors")
] as const;

export const INTAKE_CHANNELS = ['email', 'web-form', 'github', 'api', 'import'] as const;

export const AUDIENCES = ['reporter', 'list', 'stakeholders'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const DURATION_UNITS = ['working-days', 'days', 'hours', 'working-hours'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

export const SCORING_SYSTEMS = ['cvss-3.0', 'cvss-3.1', 'cvss-4.0'] as const;

/** Units of a reminder's lead time before a clock is due. */
export const REMINDER_UNITS = ['hours', 'working-days'] as const;

/**
 * Who is told when a clock passes its deadline (the owner never is their own backup):
 * - central-team: the members of the central security team (TF: "the other members of security@
 *   are responsible for picking up the duties of the triager");
 * - project-team: the members of the security team of the project the clock belongs to;
 * - secondary-contact: the secondary contact of the incident's subsystem (Tock's contact table), or
 *   the primary when the secondary is the one who has the work;
 * - triage-role: whoever holds the workflow's triage role on the case (TF: the triager "is
 *   responsible for ensuring the relevant project security team is handling the process").
 * When none of them is available, the central team is told.
 */
export const ESCALATION_TARGETS = ['central-team', 'project-team', 'secondary-contact', 'triage-role'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

/** Fields held encrypted and redacted outside the security teams unless a profile says otherwise. */
export const SENSITIVE_FIELDS = ['reporter_identity', 'reporter_organisation', 'product_information'] as const;

/**
 * Incident events an SLA clock can start or stop on. The use cases emit exactly these names; a
 * profile naming anything else would describe a clock that never starts or never stops.
 */
export const KNOWN_EVENTS = {
  report_received: 'A report arrived on an intake channel (the initial report).',
  triager_claimed: 'A member of the central team claimed the triager role.',
  report_acknowledged: 'Receipt of the report was acknowledged to the reporter.',
  severity_assessed: 'Severity (and, where used, priority) was set.',
  report_accepted: 'Triage accepted the report as a potential vulnerability.',
  report_rejected: 'The report was rejected as not a security vulnerability.',
  forwarded_to_project: 'The triager forwarded the incident to a project security team.',
  project_received: 'A project security team received the incident (forwarded or reported directly).',
  handler_claimed: 'A project team member claimed the incident handler role.',
  subsystem_assigned: 'The incident was assigned to subsystem maintainers.',
  vulnerability_confirmed: 'The handler accepted that the incident is (or may be) a vulnerability.',
  downgraded_to_bug: 'The incident was downgraded to a normal bug.',
  fix_ready: 'A fix is available.',
  fix_shared: 'The fix was shared with the reporter and early stakeholders.',
  embargo_started: 'An embargo became active.',
  embargo_ended: 'An embargo ended.',
  fix_published: 'The fix was made public.',
  advisory_published: 'The advisory was made public.',
  incident_closed: 'The incident was closed.',
  fix_reopened: 'The public fix proved incomplete: the incident went back to remediation.',
  waiting_for_reporter: 'The team asked the reporter for information and waits for the answer.',
  reporter_replied: 'The reporter answered.',
} as const satisfies Record<string, string>;
export type KnownEvent = keyof typeof KNOWN_EVENTS;

/**
 * Variables the desk supplies when it renders a template. A template using any other name would
 * fail at send time, so the linter rejects it when the profile is loaded instead.
 */
export const TEMPLATE_VARIABLES = {
  reporter_name: "The reporter's name as they gave it.",
  incident_id: 'The incident id, e.g. TF-2026-0007.',
  report_id: 'The id of the report as the reporter knows it.',
  coordinator_name: 'Name of the triage coordinator.',
  triager_name: 'Name of the triager.',
  handler_name: 'Name of the project incident handler.',
  sender_name: 'Name of the team member sending the message.',
  project_name: 'Name of the affected project (several joined by commas).',
  several_projects: 'Set when the incident affects more than one project (the triager stays the contact).',
  team_name: 'Name of the security team sending the message.',
  reason: 'Specific reasoning, e.g. why a report was rejected.',
  status: 'Current status, e.g. "In Development".',
  details: 'Free-form additional details.',
  resolution_date: 'Estimated resolution date.',
  disclosure_date: 'Planned public disclosure date.',
  embargo_end: 'End of the current embargo (date, time and zone).',
  version: 'Version that contains the fix.',
  cve_id: 'CVE id assigned to the vulnerability.',
  bug_link: 'Link to a public bug report (for reports that are normal bugs).',
  advisory_link: 'Link to the published advisory.',
} as const satisfies Record<string, string>;
export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const slug = z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be a lower-case slug like "trusted-firmware"');

/** Ids of roles, templates, stages, events, ...: lower case, words joined by "-" or "_". */
const ident = z.string().regex(/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/, 'must be a lower-case id like "status_update" or "incident-handler"');

// Not trimmed: a template body keeps its final newline exactly as written.
const text = z.string().refine((s) => s.trim() !== '', 'must not be empty');

/**
 * An address of a profile. Two placeholders: "{project}" in the local part, replaced by a project's
 * slug, and "{domain}" as the whole domain, which the desk's setup replaces with the team's own mail
 * domain (the shipped profiles write every alias so: a desk never starts on another team's lists).
 */
export const PROFILE_ADDRESS = /^(?:[A-Za-z0-9._%+-]|\{project\})+@(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\{domain\})$/;
const address = z
  .string()
  .regex(PROFILE_ADDRESS, 'must be an e-mail address; "{project}" and "{domain}" are the only placeholders allowed');

const timeZone = z.string().refine(isTimeZone, {
  message: 'must be "owner" (the time zone of the clock\'s owner) or an IANA time zone like "Europe/London"',
});

function isTimeZone(zone: string): boolean {
  if (zone === 'owner') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

const Role = z.strictObject({
  name: text,
  description: text,
  team: z.enum(TEAM_KINDS),
  filledBy: z.enum(ROLE_FILLING),
});

const Alias = z.strictObject({
  address,
  description: text.optional(),
  // Inbound aliases receive reports; outbound-only ones are notification lists (TF's ESS lists).
  inbound: z.boolean(),
});

const Intake = z.strictObject({
  channels: z.array(z.enum(INTAKE_CHANNELS)).min(1, 'enable at least one intake channel'),
  aliases: z.record(ident, Alias),
  github: z
    .strictObject({
      repositories: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/repository"')).min(1),
    })
    .optional(),
});

const Stage = z.strictObject({
  id: ident,
  name: text,
  description: text.optional(),
});

const Workflow = z.strictObject({
  // claim: any central member claims the triager role (TF). coordinator: a standing triage
  // coordinator acknowledges and assesses (Tock).
  triage: z.enum(['claim', 'coordinator']),
  // forward-to-project: the triager forwards to <project>-security@ (TF).
  // subsystem-contacts: the coordinator assigns subsystem maintainers from a table (Tock).
  assignment: z.enum(['forward-to-project', 'subsystem-contacts']),
  triageRole: ident,
  handlerRole: ident,
  // TF: when only one project is affected, the project incident handler becomes the reporter's
  // point of contact; otherwise (and always, when false) the triage role stays the contact.
  singleProjectHandOff: z.boolean(),
  stages: z.array(Stage).min(1),
});

const WorkingWeek = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1, 'a working week needs at least one day'),
  timeZone,
});

/** Mon–Fri in the owner's time zone: TF's wording, and the usual meaning of "working days". */
export const DEFAULT_WORKING_WEEK = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timeZone: 'owner',
} as const satisfies z.input<typeof WorkingWeek>;

const Duration = z.strictObject({
  amount: z.number().int().positive(),
  unit: z.enum(DURATION_UNITS),
});

const RemindBefore = z.strictObject({
  amount: z.number().int().positive(),
  unit: z.enum(REMINDER_UNITS),
});

const SlaRule = z
  .strictObject({
    id: ident,
    name: text.optional(),
    stage: ident,
    startsOn: ident,
    stopsOn: z.array(ident).min(1, 'a clock needs at least one event that stops it'),
    // Either a fixed duration, or "priority": the resolution days of the incident's priority.
    duration: Duration.optional(),
    durationFrom: z.literal('priority').optional(),
    owner: ident,
    workingWeek: WorkingWeek.default(DEFAULT_WORKING_WEEK),
    // Optional pause, e.g. while waiting for the reporter, where the team's process allows it.
    pausesOn: z.array(ident).min(1).optional(),
    resumesOn: z.array(ident).min(1).optional(),
    // How long before the deadline the owner is reminded; absent: the desk's default (24 hours).
    remindBefore: RemindBefore.optional(),
    // Who is told when the deadline passes; absent: the central team.
    escalateTo: z.array(z.enum(ESCALATION_TARGETS)).min(1, 'name at least one escalation target, or leave escalateTo out').optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.pausesOn === undefined) !== (rule.resumesOn === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [rule.pausesOn ? 'resumesOn' : 'pausesOn'],
        message: 'a clock that pauses needs both "pausesOn" and "resumesOn"',
      });
    }
    if ((rule.duration === undefined) === (rule.durationFrom === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give exactly one of "duration" or "durationFrom: priority"',
      });
    }
  });

const SeverityLevel = z.strictObject({
  id: ident,
  name: text,
  priority: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  // Lowest CVSS score that maps to this level (CVSS v3/v4 qualitative rating scale): scoring an
  // incident sets the level whose cvssMin its score reaches. The score is that of the vector as
  // written (base, or with threat/environmental metrics when the team gives them).
  cvssMin: z.number().min(0).max(10).optional(),
});

const Priority = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be an id like "P0"'),
  name: text.optional(),
  resolutionDays: z.number().int().positive().optional(),
});

const Severity = z.strictObject({
  // Preferred scoring systems, most preferred first. TF: "CVSSv3 is preferred".
  scoring: z.array(z.enum(SCORING_SYSTEMS)).default([]),
  levels: z.array(SeverityLevel).min(1),
  priorities: z.array(Priority).default([]),
  // Tock assigns a priority to every report; for TF it is optional.
  priorityRequired: z.boolean(),
});

const Template = z.strictObject({
  audience: z.enum(AUDIENCES),
  description: text.optional(),
  subject: text,
  body: text,
});

const CopyRule = z.strictObject({
  audience: z.enum(AUDIENCES),
  // Stages the rule applies in; absent means every stage.
  stages: z.array(ident).min(1).optional(),
  // Alias ids (from intake.aliases) or literal e-mail addresses.
  cc: z.array(z.string().min(1)).min(1),
  description: text.optional(),
});

/**
 * A project the desk is set up with, with its security team and the profile's subsystem table (Tock:
 * Tock itself, the one project its contact table assigns within). Others are added by an admin.
 */
const StartingProject = z.strictObject({
  id: slug,
  name: text,
});

const Sensitive = z.strictObject({
  defaultFields: z.array(z.enum(SENSITIVE_FIELDS)),
  reporterMayMarkOthers: z.boolean(),
});

const Subsystem = z.strictObject({
  id: ident,
  name: text,
  // Absent means "to be decided" (Tock's table reads TBD everywhere today).
  primaryContact: text.optional(),
  secondaryContact: text.optional(),
});

const KeyPolicy = z.strictObject({
  // Security strength in bits (NIST SP 800-57): RSA-2048 ≈ 112, RSA-3072+ / Curve25519 / P-256 ≈ 128.
  newKeyMinSecurityBits: z.number().int().positive(),
  existingKeyMinSecurityBits: z.number().int().positive(),
  // TF: outbound mail from team members is signed with the member's personal key.
  signOutbound: z.boolean(),
  // Mail to someone outside the desk (the reporter) with no usable key: sent in clear (allow) or held
  // as a failed delivery with the reason (refuse). Absent means refuse; the linter asks to state it.
  // Team members never get content in clear: without a key they get a notice that a message waits.
  unencryptedMail: z.enum(['allow', 'refuse']).optional(),
  note: text.optional(),
});

const Advisory = z.strictObject({
  requiredSections: z.array(text).min(1),
});

/** The stakeholder tiers an embargo releases to, in order, and the limits of a disclosure timeline. */
const Embargo = z.strictObject({
  tiers: z.array(z.strictObject({ id: ident, name: text, description: text.optional() })).default([]),
  /** The longest a timeline may run, from its proposal to the public instant (the distros lists cap at 14). */
  maxDays: z.number().int().positive().max(3650).optional(),
  /**
   * Updates to the tiers already told (a revised timeline, a severity change, the fix available or
   * public): sent at once, or kept for a team member to review and send. An embargo ended early is
   * always told at once.
   */
  updates: z.enum(['at-once', 'after-review']).default('at-once'),
});

/**
 * What remediation is made of (Tock §3–5: a private branch, review, validation, ...; TF P6–P8: the fix
 * available, shared, public): each incident gets this checklist, each item with an owner and a done
 * mark. An item names the stage it belongs to.
 */
const Remediation = z.strictObject({
  checklist: z
    .array(z.strictObject({ id: ident, name: text, stage: ident.optional(), description: text.optional() }))
    .min(1, 'list at least one item, or leave remediation out'),
});

/** The states a status update to the reporter may name (Tock: "Assessment/In Development/Testing/Preparing Release"). */
const StatusUpdates = z.strictObject({
  states: z.array(z.string().trim().min(1).max(200)).min(1, 'list at least one state, or leave statusUpdates out'),
});

// ---------------------------------------------------------------------------------------------
// The profile
// ---------------------------------------------------------------------------------------------

export const ProcessProfileSchema = z.strictObject({
  id: slug,
  name: text,
  version: z.string({ error: 'must be a string; quote it, e.g. version: "1.0"' }).min(1),
  description: text,
  // Incident ids look like TF-2026-0007.
  incidentPrefix: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1–10 upper-case letters or digits, like "TF"'),
  roles: z.record(ident, Role),
  intake: Intake,
  workflow: Workflow,
  sla: z.array(SlaRule).min(1),
  severity: Severity,
  templates: z.record(ident, Template),
  copyRules: z.array(CopyRule).default([]),
  sensitive: Sensitive,
  subsystems: z.array(Subsystem).default([]),
  projects: z.array(StartingProject).default([]),
  keyPolicy: KeyPolicy,
  advisory: Advisory.optional(),
  embargo: Embargo.default({ tiers: [], updates: 'at-once' }),
  remediation: Remediation.optional(),
  statusUpdates: StatusUpdates.optional(),
});

/** A validated profile, with defaults filled in. Loaded profiles are deeply frozen. */
export type ProcessProfile = z.output<typeof ProcessProfileSchema>;
export type ProcessProfileInput = z.input<typeof ProcessProfileSchema>;
export type Role = ProcessProfile['roles'][string];
export type SlaRule = ProcessProfile['sla'][number];
export type MessageTemplate = ProcessProfile['templates'][string];
export type CopyRule = ProcessProfile['copyRules'][number];
export type SeverityLevel = ProcessProfile['severity']['levels'][number];
export type Priority = ProcessProfile['severity']['priorities'][number];
export type WorkingWeek = SlaRule['workingWeek'];

/** Template ids the desk itself sends; which are required depends on the workflow (see lint.ts). */
export const STANDARD_TEMPLATES = ['acknowledgment', 'holding', 'rejection', 'status_update', 'disclosure_notification'] as const;
