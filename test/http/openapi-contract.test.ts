import { AddOrgInput, ApplicationInput, DecideInput, TiersInput } from '../../src/app/stakeholders/orgs.ts';
import { PortalLinkInput } from '../../src/app/stakeholders/portal-auth.ts';
import { QuestionInput, UpdateDecisionInput } from '../../src/app/stakeholders/portal.ts';
import { test, before, after } from 'node:test';
import { MarkInput } from '../../src/app/cases/marks.ts';
import { OutsideTextInput } from '../../src/app/cases/outside-text.ts';
import {
  DisclosureFlagInput,
  EndEmbargoInput,
  ProposalAnswerInput,
  ReporterAnswerInput,
  TimelineInput,
} from '../../src/app/disclosure/negotiation.ts';
import { ExportControlInput, FixItemInput } from '../../src/app/disclosure/fix.ts';
import { ChecklistDoneInput, ChecklistOwnerInput } from '../../src/app/disclosure/checklist.ts';
import { CorrectedFixInput, MonitoringNoteInput, ReopenFixInput } from '../../src/app/disclosure/after-disclosure.ts';
import { RetrospectiveActionInput, RetrospectiveInput } from '../../src/app/disclosure/retrospective.ts';
import { ProfileProposalInput, ProposalDecisionInput } from '../../src/app/profile/proposals.ts';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ZodObject, ZodType } from 'zod';
import { allRoutes } from '../../src/http/server.ts';
import { openApiDocument } from '../../src/http/openapi.ts';
import { api, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { bodies } from './route-inputs.ts';
import { ReportInput, ReporterMessageInput } from '../../src/app/intake/intake.ts';
import { AcceptInput, AssessInput, RejectInput, TakeOverTriageInput } from '../../src/app/cases/triage.ts';
import {
  AssignInput,
  ConfirmInput,
  DowngradeInput,
  Reason as HandlerRejectInput,
  PullInInput,
  TakeOverHandlerInput,
} from '../../src/app/cases/handling.ts';
import { Body as NoteInput, ReplyInput, StatusUpdateInput, Reason as TaskReasonInput } from '../../src/app/cases/thread.ts';
import { CaseViewQuery, QueueQuery } from '../../src/app/cases/queries.ts';
import { Input as SeverityInput } from '../../src/app/scoring/severity.ts';
import { CvssQuery, CvssVectorsInput, CweQuery } from '../../src/app/scoring/scoring.ts';
import { AvailabilityInput, ContactsInput, DisabledInput, PersonInput, ProjectInput, TeamMemberInput } from '../../src/app/admin/admin.ts';
import { InitInput } from '../../src/app/admin/instance.ts';
import { AddProjectInput, RemoveProjectInput } from '../../src/app/cases/forwarding.ts';
import { SeriousInput } from '../../src/app/cases/serious.ts';
import { AppointInput } from '../../src/app/admin/appointments.ts';
import { DaysOffInput, HolidayRegionInput, HolidayRegionsQuery } from '../../src/app/sla/calendars.ts';
import { SlaQuery } from '../../src/app/sla/stats.ts';
import { AdvisorySaveInput, DiffQuery, ExportQuery } from '../../src/app/advisories/advisories.ts';
import { ReviewInput, ScheduleInput, WithdrawInput } from '../../src/app/advisories/review.ts';
import { CirculateInput } from '../../src/app/advisories/circulation.ts';
import { CreditPreferenceInput } from '../../src/app/advisories/credit.ts';
import { CveBlockInput, CvePoolQuery } from '../../src/app/cve/pool.ts';
import { CveAccountInput } from '../../src/app/cve/account.ts';
import { ReserveInput } from '../../src/app/cve/cna.ts';
import { GenerateTeamKeyInput, ImportTeamKeyInput, UploadKeyInput } from '../../src/app/keys/keys.ts';
import { AliasInput, ImapAccountInput, SmtpRelayInput } from '../../src/app/delivery/settings.ts';
import { TestMailInput } from '../../src/app/delivery/outbound-status.ts';
import { SignedReplyInput } from '../../src/app/relay/relay-web.ts';
import { VerifyInput } from '../../src/app/admin/audit-chain.ts';

// The OpenAPI document states the contract only if each route declares the very schema its use case
// validates with: a look-alike (a `reason` with no minimum where the use case wants 10 characters)
// lets the document promise what the desk then refuses. Every API route that takes a body or a
// query is listed here with the use case's schema; a route whose use case takes typed input instead
// is validated by the door itself with its declared schema and is listed as such.

/** The schema each use case parses its input with, by route. */
const useCaseSchemas: Record<string, { body?: ZodType; query?: ZodType }> = {
  'POST /api/reports': { body: ReportInput },
  'POST /api/reporter/:token/messages': { body: ReporterMessageInput },
  'PATCH /api/people/:id/availability': { body: AvailabilityInput },
  'POST /api/people/:id/disabled': { body: DisabledInput },
  'GET /api/queue': { query: QueueQuery },
  'GET /api/reports/:id': { query: CaseViewQuery },
  'GET /api/incidents/:ref': { query: CaseViewQuery },
  'POST /api/reports/:id/take-over': { body: TakeOverTriageInput },
  'POST /api/reports/:id/accept': { body: AcceptInput },
  'POST /api/reports/:id/reject': { body: RejectInput },
  'POST /api/reports/:id/assess': { body: AssessInput },
  'POST /api/reports/:id/assign': { body: AssignInput },
  'POST /api/reports/:id/projects': { body: AddProjectInput },
  'POST /api/reports/:id/serious': { body: SeriousInput },
  'POST /api/reports/:id/projects/:slug/remove': { body: RemoveProjectInput },
  'PUT /api/roles/:role': { body: AppointInput },
  'POST /api/reports/:id/pull-in': { body: PullInInput },
  'POST /api/reports/:id/notes': { body: NoteInput },
  'POST /api/reports/:id/replies': { body: ReplyInput },
  'POST /api/reports/:id/status-updates': { body: StatusUpdateInput },
  'POST /api/reports/:id/severity': { body: SeverityInput },
  'POST /api/reports/:id/close': { body: TaskReasonInput },
  'POST /api/reports/:id/reopen': { body: TaskReasonInput },
  'POST /api/reports/:id/projects/:slug/take-over': { body: TakeOverHandlerInput },
  'POST /api/reports/:id/projects/:slug/reject': { body: HandlerRejectInput },
  'POST /api/reports/:id/projects/:slug/downgrade': { body: DowngradeInput },
  'POST /api/reports/:id/projects/:slug/confirm': { body: ConfirmInput },
  'POST /api/people': { body: PersonInput },
  'POST /api/teams/:slug/members': { body: TeamMemberInput },
  'POST /api/projects': { body: ProjectInput },
  'PUT /api/projects/:slug/subsystems/:name': { body: ContactsInput },
  'GET /api/holiday-regions': { query: HolidayRegionsQuery },
  'PUT /api/people/:id/holiday-region': { body: HolidayRegionInput },
  'POST /api/people/:id/days-off': { body: DaysOffInput },
  'GET /api/sla/dashboard': { query: SlaQuery },
  'PUT /api/reports/:id/cvss': { body: CvssVectorsInput },
  'PUT /api/incidents/:ref/cvss': { body: CvssVectorsInput },
  'GET /api/cvss': { query: CvssQuery },
  'GET /api/cwe': { query: CweQuery },
  'POST /api/advisories/:advisoryId/versions': { body: AdvisorySaveInput },
  'GET /api/advisories/:advisoryId/diff': { query: DiffQuery },
  'POST /api/advisories/:advisoryId/reviews': { body: ReviewInput },
  'POST /api/advisories/:advisoryId/circulations': { body: CirculateInput },
  'POST /api/advisories/:advisoryId/publication': { body: ScheduleInput },
  'POST /api/advisories/:advisoryId/withdrawal': { body: WithdrawInput },
  'GET /api/advisories/:advisoryId/export': { query: ExportQuery },
  'PUT /api/reporter/:token/credit': { body: CreditPreferenceInput },
  'GET /api/cve/pool': { query: CvePoolQuery },
  'POST /api/cve/pool': { body: CveBlockInput },
  'POST /api/cve/pool/reserve': { body: ReserveInput },
  'PUT /api/cve/account': { body: CveAccountInput },
  'POST /api/me/keys': { body: UploadKeyInput },
  'POST /api/admin/team-keys/generate': { body: GenerateTeamKeyInput },
  'POST /api/admin/team-keys/import': { body: ImportTeamKeyInput },
  'PUT /api/admin/mail-settings/smtp-relay': { body: SmtpRelayInput },
  'PUT /api/admin/mail-settings/aliases': { body: AliasInput },
  'PUT /api/admin/mail-settings/imap-accounts': { body: ImapAccountInput },
  'POST /api/admin/mail-settings/test-mail': { body: TestMailInput },
  'POST /api/reports/:id/signed-replies': { body: SignedReplyInput },
  'POST /api/reports/:id/marks': { body: MarkInput },
  'POST /api/reporter/:token/marks': { body: MarkInput },
  'PUT /api/reports/:id/outside-text': { body: OutsideTextInput },
  'POST /api/reports/:id/embargo/proposals': { body: TimelineInput },
  'POST /api/reports/:id/fix/items': { body: FixItemInput },
  'PUT /api/reports/:id/fix/export-control': { body: ExportControlInput },
  'POST /api/reports/:id/embargo/proposals/:proposalId/answer': { body: ProposalAnswerInput },
  'POST /api/reports/:id/embargo/end': { body: EndEmbargoInput },
  'POST /api/reports/:id/disclosure-flags': { body: DisclosureFlagInput },
  'POST /api/reporter/:token/embargo/answer': { body: ReporterAnswerInput },
  'POST /api/audit/verify': { body: VerifyInput },
  'POST /api/stakeholders/applications': { body: ApplicationInput },
  'POST /api/stakeholders': { body: AddOrgInput },
  'POST /api/stakeholders/:id/decision': { body: DecideInput },
  'PUT /api/stakeholders/:id/tiers': { body: TiersInput },
  'POST /api/reports/:id/stakeholders/:orgId/answers': { body: QuestionInput },
  'POST /api/reports/:id/stakeholder-updates/:updateId': { body: UpdateDecisionInput },
  'POST /api/portal/sign-in': { body: PortalLinkInput },
  'POST /api/portal/cases/:ref/questions': { body: QuestionInput },
  'PUT /api/reports/:id/checklist/:item/owner': { body: ChecklistOwnerInput },
  'PUT /api/reports/:id/checklist/:item/done': { body: ChecklistDoneInput },
  'POST /api/reports/:id/monitoring-notes': { body: MonitoringNoteInput },
  'POST /api/reports/:id/fix/reopen': { body: ReopenFixInput },
  'POST /api/reports/:id/fix/corrected': { body: CorrectedFixInput },
  'PUT /api/reports/:id/retrospective': { body: RetrospectiveInput },
  'POST /api/reports/:id/retrospective/actions': { body: RetrospectiveActionInput },
  'POST /api/reports/:id/profile-proposals': { body: ProfileProposalInput },
  'POST /api/profile/proposals/:proposalId/apply': { body: ProposalDecisionInput },
  'POST /api/profile/proposals/:proposalId/reject': { body: ProposalDecisionInput },
};

/**
 * Routes whose use case takes typed input (or none): the door parses the body or query with the
 * schema it declares, before the use case runs, so that schema is the contract.
 */
const doorValidated = new Set([
  'POST /api/session',
  'POST /api/session/reauthentication',
  'POST /api/setup',
  'POST /api/enrollment/:token',
  'POST /api/tokens',
  'PUT /api/profile',
  'POST /api/cve/account/check',
  'POST /api/cve/advisories/:ref/records',
  'GET /api/admin/member-keys',
  'GET /api/admin/mail-inbox',
  'GET /api/deliveries/failed',
  'GET /api/deliveries/queued',
  'GET /api/deliveries/status',
  'POST /api/audit/checkpoint',
  'POST /api/portal/sign-in/:token',
]);

const apiRoutes = allRoutes().filter((r) => r.url.startsWith('/api/'));
const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

test('every API route with a body or a query declares the schema its use case validates with', () => {
  const wrong: string[] = [];
  for (const r of apiRoutes) {
    const key = keyOf(r);
    if (doorValidated.has(key)) continue;
    const expected = useCaseSchemas[key] ?? {};
    if (r.body !== expected.body) wrong.push(`${key}: body`);
    if (r.query !== expected.query) wrong.push(`${key}: query`);
  }
  assert.deepEqual(wrong, [], 'routes declaring a look-alike schema instead of the use case’s own');
});

test('the lists above name only routes that exist, and a door-validated route declares what it takes', () => {
  const keys = new Set(apiRoutes.map(keyOf));
  for (const key of [...Object.keys(useCaseSchemas), ...doorValidated]) assert.ok(keys.has(key), `no route ${key}`);
  for (const r of apiRoutes.filter((r) => doorValidated.has(keyOf(r)))) assert.ok(r.body || r.query, `${keyOf(r)} declares nothing`);
  // Setup wraps the use case's own input beside the setup token.
  const setup = apiRoutes.find((r) => keyOf(r) === 'POST /api/setup')!;
  assert.equal((setup.body as ZodObject).shape.instance, InitInput);
});

// The same contract seen from outside: bodies the use cases refuse for their shape are refused by
// the published document too, so a client generated from it cannot send them.
const refusedByUseCase: [string, unknown][] = [
  ['POST /api/reports/:id/reject', { reason: 'short' }],
  ['POST /api/reports/:id/projects/:slug/reject', { reason: 'too short' }],
  ['POST /api/reports/:id/projects/:slug/downgrade', { reason: 'A normal bug after all.', bugLink: 'not a link' }],
  ['POST /api/reports/:id/take-over', { reason: 'x' }],
  ['POST /api/reports/:id/projects/:slug/take-over', { reason: 'x' }],
  ['POST /api/reports/:id/accept', { title: 'ab', projects: ['tf-a'] }],
  ['POST /api/reports/:id/accept', { title: 'A fine title', projects: [''] }],
  ['POST /api/reports/:id/projects', { project: '' }],
  ['POST /api/reports/:id/serious', { serious: 'yes', reason: 'Remote code execution' }],
  ['POST /api/reports/:id/projects/:slug/remove', { reason: 'short' }],
  ['PUT /api/roles/:role', { email: 'not-an-address' }],
  ['POST /api/reports/:id/assess', { title: 'A fine title', severity: 'high', components: [], project: 'tf-a' }],
  ['POST /api/reports/:id/assign', { subsystem: '' }],
  ['POST /api/reports/:id/pull-in', { email: 'not-an-address' }],
  ['POST /api/reports/:id/notes', { body: '' }],
  ['POST /api/reports/:id/replies', { body: '' }],
  ['POST /api/reports/:id/status-updates', { status: '' }],
  ['POST /api/reports/:id/severity', { severity: 'high', reason: 'x' }],
  ['POST /api/reports/:id/close', { reason: 'x' }],
  ['POST /api/reports/:id/reopen', { reason: 'x' }],
  ['POST /api/reports/:id/projects/:slug/confirm', { note: 'x'.repeat(10_001) }],
  ['POST /api/reporter/:token/messages', { body: '' }],
  ['POST /api/teams/:slug/members', { email: 'not-an-address' }],
  ['PUT /api/profile', { yaml: 'x'.repeat(500_001) }],
  ['POST /api/reports/:id/fix/reopen', { reason: 'short' }],
  ['PUT /api/reports/:id/checklist/:item/owner', { ownerId: 'kim' }],
  ['PUT /api/reports/:id/checklist/:item/done', { done: 'yes' }],
  ['POST /api/reports/:id/profile-proposals', { summary: 'x', patch: '--- a' }],
];

const accepted: [string, unknown][] = [
  ['POST /api/reports/:id/accept', { title: 'Projects not clear yet', projects: [] }],
  ['POST /api/reports/:id/reject', { reason: 'Not a vulnerability at all.' }],
  ['POST /api/reports/:id/projects/:slug/downgrade', { reason: 'A normal bug after all.', bugLink: 'https://bugs.example/1' }],
  ['POST /api/reports/:id/projects/:slug/confirm', {}],
  ['POST /api/reports/:id/replies', { body: 'Thanks, we are on it.', waitForReporter: true }],
  ['POST /api/teams/:slug/members', { email: 'sam@tf.example' }],
];

function requestSchemas() {
  const doc = openApiDocument(allRoutes());
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return (key: string) => {
    const [method, url] = key.split(' ') as [string, string];
    const op = (
      doc.paths[url.replace(/:(\w+)/g, '{$1}')] as Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>
    )[method.toLowerCase()];
    const schema = op?.requestBody?.content['application/json']?.schema;
    assert.ok(schema, `${key} has no request body in the OpenAPI document`);
    return ajv.compile(schema);
  };
}

test('the OpenAPI document refuses the bodies the use cases refuse for their shape, e.g. a rejection reason of 5 characters', () => {
  const schemaOf = requestSchemas();
  const wronglyAccepted = refusedByUseCase
    .filter(([key, body]) => schemaOf(key)(body))
    .map(([key, body]) => `${key} ${JSON.stringify(body).slice(0, 80)}`);
  assert.deepEqual(wronglyAccepted, []);
});

test('the OpenAPI document accepts the bodies the use cases accept', () => {
  const schemaOf = requestSchemas();
  for (const [key, body] of accepted) {
    const validate = schemaOf(key);
    assert.ok(validate(body), `${key} ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(validate.errors)}`);
  }
});

// The doors that parse for themselves, seen from outside.
let h: Harness;
let admin: Member;
before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'trusted-firmware');
});
after(() => h.close());

test('a door-validated route parses its input with the schema it declares: an unknown field is refused', async () => {
  for (const key of doorValidated) {
    const [method, url] = key.split(' ') as [string, string];
    const path = url.replace(':token', 'enr_unknown').replace(':ref', 'TF-2026-0001');
    const route = apiRoutes.find((r) => keyOf(r) === key)!;
    const res = route.body
      ? await api(h, method, path, { as: admin, body: { ...((bodies[key] as object | undefined) ?? {}), unexpected: 1 } })
      : await api(h, method, `${path}?unexpected=1`, { as: admin });
    assert.equal(res.status, 400, `${key}: ${res.body}`);
    assert.equal(res.json.error.code, 'validation_failed', `${key}: ${res.body}`);
  }
});
