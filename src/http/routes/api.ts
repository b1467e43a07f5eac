import { listAdminActivity } from '../../app/admin/activity.ts';
import { z } from 'zod';
import { defineRoutes, NoBody } from '../route.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { beginEnrollment, completeEnrollment, createApiToken, listApiTokens, revokeApiToken } from '../../app/auth/auth.ts';
import { clearSignInLock, listSignIns, unlockSignIn } from '../../app/auth/guard.ts';
import { submitReport, reporterView, replyAsReporter, ReportInput, ReporterMessageInput } from '../../app/intake/intake.ts';
import {
  AcceptInput,
  acceptReport,
  acknowledgeReport,
  AssessInput,
  assessReport,
  claimTriage,
  RejectInput,
  rejectReport,
  TakeOverTriageInput,
  takeOverTriage,
} from '../../app/cases/triage.ts';
import {
  AssignInput,
  assignBySubsystem,
  claimHandler,
  ConfirmInput,
  confirmVulnerability,
  DowngradeInput,
  downgradeToBug,
  handlerReject,
  Reason as HandlerRejectInput,
  PullInInput,
  pullIn,
  TakeOverHandlerInput,
  takeOverHandler,
} from '../../app/cases/handling.ts';
import {
  addNote,
  closeIncident,
  Body as NoteInput,
  ReplyInput,
  reopenIncident,
  replyToReporter,
  sendStatusUpdate,
  StatusUpdateInput,
  Reason as TaskReasonInput,
} from '../../app/cases/thread.ts';
import { attachmentContent, caseView, CaseViewQuery, queue, QueueQuery } from '../../app/cases/queries.ts';
import { AddProjectInput, addProject, RemoveProjectInput, removeProject } from '../../app/cases/forwarding.ts';
import { SeriousInput, setSerious } from '../../app/cases/serious.ts';
import { AppointInput, appointRole, listAppointments } from '../../app/admin/appointments.ts';
import { reportIdOfIncident } from '../../app/cases/case.ts';
import { currentProfileText, updateProfile } from '../../app/admin/instance.ts';
import { changeSeverity, Input as SeverityInput } from '../../app/scoring/severity.ts';
import {
  addPerson,
  AvailabilityInput,
  ContactsInput,
  createProject,
  DisabledInput,
  listPeople,
  listProjects,
  listTeams,
  PersonInput,
  ProjectInput,
  reissueEnrollment,
  setPersonDisabled,
  setSubsystemContacts,
  setTeamMember,
  TeamMemberInput,
  updateAvailability,
} from '../../app/admin/admin.ts';
import { latestCheckpoint, makeCheckpoint, verifyAuditChain, VerifyInput } from '../../app/admin/audit-chain.ts';

// The JSON API. Each route declares the very Zod schema its use case validates with, so the OpenAPI
// document generated from these routes states the contract the desk enforces. Where the use case
// takes typed input (sign-in, enrollment, tokens, the profile text), the door parses the body with the
// schema it declares.

const EnrollmentInput = z.strictObject({ password: z.string(), totp: z.string() });
const TokenInput = z.strictObject({ name: z.string().trim().min(1).max(100) });
/** The profile's size limit is the use case's (updateProfile); the door only unwraps the text. */
const ProfileTextInput = z.strictObject({ yaml: z.string().max(500_000, 'Send the profile as YAML text of at most 500 kB.') });
const ok = { ok: true };

export const apiRoutes = defineRoutes([
  // --- Reporters ---
  {
    method: 'POST',
    url: '/api/reports',
    policy: 'public',
    tag: 'intake',
    status: 201,
    body: ReportInput,
    summary: 'Submit a vulnerability report (web form or API). Returns the secret status link token once.',
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    // The reporter gets the reference they know the report by, never the desk's running number.
    handler: async ({ ctx, body }) => {
      const r = await submitReport(ctx, ctx.principal.kind === 'person' ? 'api' : 'web', body);
      return { reportId: r.reportId, reference: r.reference, statusToken: r.statusToken };
    },
  },
  {
    method: 'GET',
    url: '/api/reporter/:token',
    policy: 'reporter-link',
    tag: 'intake',
    summary: "The reporter's view of their report through the secret link.",
    handler: ({ ctx, params }) => reporterView(ctx, params.token!),
  },
  {
    method: 'POST',
    url: '/api/reporter/:token/messages',
    policy: 'reporter-link',
    tag: 'intake',
    status: 201,
    body: ReporterMessageInput,
    summary: 'The reporter adds a message to their report.',
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    handler: ({ ctx, params, body }) => replyAsReporter(ctx, params.token!, body),
  },
  // --- Account ---
  {
    method: 'GET',
    url: '/api/enrollment/:token',
    policy: 'public',
    tag: 'account',
    summary: 'Start enrollment: returns the TOTP secret to add to an authenticator app.',
    rateLimitPerMinute: () => 30,
    handler: ({ ctx, params }) => beginEnrollment(ctx.app, params.token!),
  },
  {
    method: 'POST',
    url: '/api/enrollment/:token',
    policy: 'public',
    tag: 'account',
    body: EnrollmentInput,
    summary: 'Finish enrollment: set the password and confirm the authenticator code.',
    rateLimitPerMinute: () => 30,
    handler: async ({ ctx, params, body, request }) =>
      completeEnrollment(ctx.app, { token: params.token!, ...EnrollmentInput.parse(body) }, { ip: request.ip }),
  },
  {
    method: 'POST',
    url: '/api/unlock/:token',
    policy: 'public',
    tag: 'account',
    summary: 'Lift the sign-in lock with the one-time unlock link mailed to the person (the token is its last part); works once.',
    rateLimitPerMinute: () => 30,
    handler: async ({ ctx, params, request }) => (await unlockSignIn(ctx.app, params.token!, { ip: request.ip }), ok),
  },
  {
    method: 'GET',
    url: '/api/me',
    policy: 'signed-in',
    tag: 'account',
    summary: 'Who am I.',
    handler: async ({ ctx }) => ctx.principal,
  },
  {
    method: 'POST',
    url: '/api/tokens',
    policy: 'signed-in',
    tag: 'account',
    status: 201,
    body: TokenInput,
    summary: 'Create an API token for the CLI or automation; shown once, stored hashed.',
    handler: ({ ctx, body, request }) => createApiToken(ctx, TokenInput.parse(body), { ip: request.ip }),
  },
  {
    method: 'GET',
    url: '/api/tokens',
    policy: 'signed-in',
    tag: 'account',
    summary: 'Your API tokens (names and use, never the secrets).',
    handler: ({ ctx }) => listApiTokens(ctx),
  },
  {
    method: 'DELETE',
    url: '/api/tokens/:id',
    policy: 'signed-in',
    tag: 'account',
    summary: 'Revoke one of your API tokens.',
    handler: async ({ ctx, params }) => (await revokeApiToken(ctx, params.id!), ok),
  },
  {
    method: 'PATCH',
    url: '/api/people/:id/availability',
    policy: 'signed-in',
    tag: 'account',
    body: AvailabilityInput,
    summary: 'Set availability, out-of-office, time zone or working week (own, or anyone for an admin).',
    handler: async ({ ctx, params, body }) => (await updateAvailability(ctx, params.id!, body), ok),
  },
  // --- Queue and cases ---
  {
    method: 'GET',
    url: '/api/queue',
    policy: 'signed-in',
    tag: 'cases',
    query: QueueQuery,
    summary: 'Reports in triage and incidents this person may see, earliest due first.',
    handler: ({ ctx, query }) => queue(ctx, query),
  },
  {
    method: 'GET',
    url: '/api/reports/:id',
    policy: 'signed-in',
    tag: 'cases',
    query: CaseViewQuery,
    summary:
      'A case: report, incident, projects, deadlines, timeline, a page of the thread (newest first; `page=2` for older messages), the newest audit events with counts of all, and the actions allowed now.',
    handler: ({ ctx, params, query }) => caseView(ctx, params.id!, query),
  },
  {
    method: 'GET',
    url: '/api/incidents/:ref',
    policy: 'signed-in',
    tag: 'cases',
    query: CaseViewQuery,
    summary: 'A case by incident id (e.g. TF-2026-0007), paged as GET /api/reports/:id.',
    handler: async ({ ctx, params, query }) => caseView(ctx, await reportIdOfIncident(ctx.app.db, params.ref!), query),
  },
  {
    method: 'GET',
    url: '/api/reports/:id/attachments/:attachmentId',
    policy: 'signed-in',
    tag: 'cases',
    summary: 'Download an attachment (always as a file, never rendered).',
    handler: async ({ ctx, params, reply }) => {
      const a = await attachmentContent(ctx, params.id!, params.attachmentId!);
      // The name is the reporter's: keep it out of the header except as an RFC 5987 encoded value.
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-disposition', `attachment; filename="attachment"; filename*=UTF-8''${encodeURIComponent(a.filename)}`);
      reply.header('content-security-policy', "default-src 'none'; sandbox");
      return reply.send(a.data);
    },
  },
  caseAction('claim', 'Claim the triager role (TF).', undefined, (ctx, id) => claimTriage(ctx, id)),
  caseAction('take-over', "Take over the triager's duties (TF).", TakeOverTriageInput, takeOverTriage),
  caseAction('accept', 'Accept in triage: create the incident and forward it to the project team(s) (TF).', AcceptInput, acceptReport),
  caseAction('reject', 'Reject with specific reasoning: the standard rejection response goes to the reporter.', RejectInput, rejectReport),
  caseAction('acknowledge', 'Acknowledge receipt to the reporter (Tock).', undefined, (ctx, id) => acknowledgeReport(ctx, id)),
  caseAction('assess', 'Initial assessment: severity, priority, affected components (Tock).', AssessInput, assessReport),
  caseAction('assign', 'Assign through the subsystem contact table (Tock).', AssignInput, assignBySubsystem),
  caseAction(
    'projects',
    'Forward the incident to one more affected project (TF triage 3): its team is mailed the incident and its analysis clock starts.',
    AddProjectInput,
    addProject,
  ),
  caseAction(
    'serious',
    "Deem the incident serious and open the response team's channel (notes mailed to everyone on the case), or stand it down (Tock 2.2).",
    SeriousInput,
    setSerious,
  ),
  caseAction('pull-in', 'Pull a person into this case only.', PullInInput, pullIn),
  caseAction('notes', 'Add an internal note.', NoteInput, addNote),
  caseAction(
    'replies',
    'Reply to the reporter (copied as the profile says); waitForReporter pauses the clocks the profile lets pause.',
    ReplyInput,
    replyToReporter,
  ),
  caseAction('status-updates', 'Send the status update template to the reporter.', StatusUpdateInput, sendStatusUpdate),
  caseAction(
    'severity',
    'Change severity (and priority); the resolution target moves with it, and the reason is recorded.',
    SeverityInput,
    changeSeverity,
  ),
  caseAction('close', 'Close the incident task.', TaskReasonInput, closeIncident),
  caseAction('reopen', 'Reopen a closed incident task.', TaskReasonInput, reopenIncident),
  projectAction('claim', 'Become the project incident handler.', undefined, (ctx, id, slug) => claimHandler(ctx, id, slug)),
  projectAction('take-over', "Take over the project incident handler's duties.", TakeOverHandlerInput, takeOverHandler),
  projectAction('reject', 'Not a security vulnerability: standard rejection response, task closed.', HandlerRejectInput, handlerReject),
  projectAction('downgrade', 'A normal bug: record the public bug link and close the task.', DowngradeInput, downgradeToBug),
  projectAction('confirm', 'Confirm it is (or may be) a vulnerability.', ConfirmInput, confirmVulnerability),
  projectAction(
    'remove',
    'Take a project off the incident it turned out not to affect, before its team decided (central team): its team no longer sees it.',
    RemoveProjectInput,
    removeProject,
  ),
  // --- Admin ---
  { method: 'GET', url: '/api/people', policy: 'admin', tag: 'admin', summary: 'List people.', handler: ({ ctx }) => listPeople(ctx) },
  {
    method: 'POST',
    url: '/api/people',
    policy: 'admin',
    tag: 'admin',
    status: 201,
    body: PersonInput,
    summary: 'Add a person; returns their one-time enrollment link token.',
    handler: ({ ctx, body }) => addPerson(ctx, body),
  },
  {
    method: 'POST',
    url: '/api/people/:id/enrollment',
    policy: 'admin',
    tag: 'admin',
    summary: "Reset a person's password and second factor and issue a new enrollment link.",
    handler: ({ ctx, params }) => reissueEnrollment(ctx, params.id!),
  },
  {
    method: 'POST',
    url: '/api/people/:id/disabled',
    policy: 'admin',
    tag: 'admin',
    body: DisabledInput,
    summary: 'Disable a person (their sessions end and their API tokens are revoked at once) or enable them again.',
    handler: ({ ctx, params, body }) => setPersonDisabled(ctx, params.id!, body),
  },
  {
    method: 'GET',
    url: '/api/sign-ins',
    policy: 'admin',
    tag: 'admin',
    summary:
      'Sign-ins: the accounts the sign-in guard holds back or has locked, and the newest sign-in events of the audit log (successes, failures with their source address and reason, locks, unlocks, API tokens used from a new address).',
    handler: ({ ctx }) => listSignIns(ctx),
  },
  {
    method: 'GET',
    url: '/api/admin/activity',
    policy: 'admin',
    tag: 'admin',
    summary:
      'Admin activity: the newest admin actions of the audit log (people, teams, projects, roles, profile, mail servers, CNA account, CVE pool, team keys, API tokens, step-ups, locks lifted), each with who, when and the source address; API tokens used from a new address.',
    handler: ({ ctx }) => listAdminActivity(ctx),
  },
  {
    method: 'DELETE',
    url: '/api/people/:id/sign-in-lock',
    policy: 'admin',
    tag: 'admin',
    summary: "Lift every lock and delay on a person's sign-in (after failed attempts); says how many were cleared.",
    handler: ({ ctx, params }) => clearSignInLock(ctx, params.id!),
  },
  {
    method: 'GET',
    url: '/api/teams',
    policy: 'admin',
    tag: 'admin',
    summary: 'List teams and members.',
    handler: ({ ctx }) => listTeams(ctx),
  },
  {
    method: 'POST',
    url: '/api/teams/:slug/members',
    policy: 'admin',
    tag: 'admin',
    body: TeamMemberInput,
    summary: 'Add a member to a team.',
    handler: async ({ ctx, params, body }) => (await setTeamMember(ctx, params.slug!, body, true), ok),
  },
  {
    method: 'DELETE',
    url: '/api/teams/:slug/members/:email',
    policy: 'admin',
    tag: 'admin',
    summary: 'Remove a member from a team.',
    handler: async ({ ctx, params }) => (await setTeamMember(ctx, params.slug!, { email: params.email }, false), ok),
  },
  {
    method: 'GET',
    url: '/api/projects',
    policy: 'signed-in',
    tag: 'admin',
    summary: 'List projects and their subsystem contacts.',
    handler: ({ ctx }) => listProjects(ctx),
  },
  {
    method: 'POST',
    url: '/api/projects',
    policy: 'admin',
    tag: 'admin',
    status: 201,
    body: ProjectInput,
    summary: 'Create a project with its security team.',
    handler: ({ ctx, body }) => createProject(ctx, body),
  },
  {
    method: 'PUT',
    url: '/api/projects/:slug/subsystems/:name',
    policy: 'admin',
    tag: 'admin',
    body: ContactsInput,
    summary: 'Set the primary and secondary contact of a subsystem.',
    handler: async ({ ctx, params, body }) => (await setSubsystemContacts(ctx, params.slug!, params.name!, body), ok),
  },
  {
    method: 'GET',
    url: '/api/roles',
    policy: 'admin',
    tag: 'admin',
    summary: "The profile's roles filled by appointment (Tock's triage coordinator) and who holds each.",
    handler: ({ ctx }) => listAppointments(ctx),
  },
  {
    method: 'PUT',
    url: '/api/roles/:role',
    policy: 'admin',
    tag: 'admin',
    body: AppointInput,
    summary:
      "Appoint a person to a role the profile fills by appointment (null ends it): the role's clocks are theirs from a report's arrival, and running unowned ones are handed to them.",
    handler: ({ ctx, params, body }) => appointRole(ctx, params.role!, body),
  },
  {
    method: 'GET',
    url: '/api/profile',
    policy: 'signed-in',
    tag: 'admin',
    summary: "The desk's process profile (YAML).",
    handler: async ({ ctx, reply }) => reply.type('text/yaml; charset=utf-8').send(await currentProfileText(ctx)),
  },
  {
    method: 'PUT',
    url: '/api/profile',
    policy: 'admin',
    tag: 'admin',
    body: ProfileTextInput,
    summary: "Replace the desk's process profile with an edited copy; every problem is reported with its line and column.",
    handler: ({ ctx, body }) => updateProfile(ctx, ProfileTextInput.parse(body).yaml),
  },
  {
    method: 'GET',
    url: '/api/audit/verify',
    policy: 'admin',
    tag: 'admin',
    summary: "Verify the audit log's keyed chain, against the checkpoints the desk keeps.",
    handler: async ({ ctx }) => verifyAuditChain(ctx),
  },
  {
    method: 'POST',
    url: '/api/audit/verify',
    policy: 'admin',
    tag: 'admin',
    body: VerifyInput,
    summary: "Verify the audit log's keyed chain against checkpoints kept elsewhere (as the desk gave them out) and its own.",
    handler: async ({ ctx, body }) => verifyAuditChain(ctx, body ?? {}),
  },
  {
    method: 'GET',
    url: '/api/audit/checkpoint',
    policy: 'admin',
    tag: 'admin',
    summary:
      "The latest signed checkpoint of the audit chain's head the desk keeps (before the first, one of the head as it stands), as a file to keep elsewhere.",
    handler: async ({ ctx, reply }) => {
      const checkpoint = await latestCheckpoint(ctx);
      reply.header('content-disposition', `attachment; filename="audit-checkpoint-${checkpoint.count}.json"`);
      return checkpoint;
    },
  },
  {
    method: 'POST',
    url: '/api/audit/checkpoint',
    policy: 'admin',
    tag: 'admin',
    body: NoBody,
    status: 201,
    summary: "Chain what is pending and sign a checkpoint of the audit chain's head now; refused if the chain contradicts a kept one.",
    handler: async ({ ctx, body }) => (NoBody.parse(body), (await makeCheckpoint(ctx)).checkpoint),
  },
]);

type CaseHandler = (ctx: Parameters<typeof caseView>[0], reportId: string, body: unknown) => Promise<unknown>;

function caseAction(name: string, summary: string, body: z.ZodType | undefined, fn: CaseHandler) {
  return {
    method: 'POST' as const,
    url: `/api/reports/:id/${name}`,
    policy: 'signed-in' as const,
    tag: 'cases',
    summary,
    ...(body ? { body } : {}),
    handler: async ({ ctx, params, body: b }: Parameters<(typeof apiRoutes)[number]['handler']>[0]) =>
      (await fn(ctx, params.id!, b ?? {})) ?? ok,
  };
}

type ProjectHandler = (ctx: Parameters<typeof caseView>[0], reportId: string, slug: string, body: unknown) => Promise<unknown>;

function projectAction(name: string, summary: string, body: z.ZodType | undefined, fn: ProjectHandler) {
  return {
    method: 'POST' as const,
    url: `/api/reports/:id/projects/:slug/${name}`,
    policy: 'signed-in' as const,
    tag: 'cases',
    summary,
    ...(body ? { body } : {}),
    handler: async ({ ctx, params, body: b }: Parameters<(typeof apiRoutes)[number]['handler']>[0]) =>
      (await fn(ctx, params.id!, params.slug!, b ?? {})) ?? ok,
  };
}

export function unreachable(): never {
  throw new EmbargoError('internal', 'unreachable');
}
