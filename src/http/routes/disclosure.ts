import { defineRoutes } from '../route.ts';
import { addFixItem, ExportControlInput, FixItemInput, markFixItemDone, markFixReady, setExportControl } from '../../app/disclosure/fix.ts';
import {
  answerEmbargoAsReporter,
  answerEmbargoProposal,
  DisclosureFlagInput,
  EndEmbargoInput,
  endEmbargo,
  ProposalAnswerInput,
  proposeEmbargo,
  recordDisclosureFlag,
  ReporterAnswerInput,
  TimelineInput,
} from '../../app/disclosure/negotiation.ts';

// Coordinated disclosure: the disclosure timeline negotiated between the team and the reporter, the
// end of the embargo, and the facts that end it at once (an exploit public, attacks seen).

export const disclosureRoutes = defineRoutes([
  {
    method: 'POST',
    url: '/api/reports/:id/fix/items',
    policy: 'signed-in',
    tag: 'disclosure',
    status: 201,
    body: FixItemInput,
    summary: 'Add to the fix record: a patch, the private branch or pull request, a fixed version, review or test status, release notes.',
    handler: ({ ctx, params, body }) => addFixItem(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/fix/items/:itemId/done',
    policy: 'signed-in',
    tag: 'disclosure',
    summary: 'Mark an item of the fix record done.',
    handler: ({ ctx, params }) => markFixItemDone(ctx, params.id!, params.itemId!),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/fix/ready',
    policy: 'signed-in',
    tag: 'disclosure',
    summary: "The fix is ready: the case state's F flag is set and the profile's fix_ready event fires.",
    handler: ({ ctx, params }) => markFixReady(ctx, params.id!),
  },
  {
    method: 'PUT',
    url: '/api/reports/:id/fix/export-control',
    policy: 'signed-in',
    tag: 'disclosure',
    body: ExportControlInput,
    summary: 'Hold the fix under export control (nobody outside the security teams is shown or sent any of it), or lift the hold.',
    handler: ({ ctx, params, body }) => setExportControl(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/embargo/proposals',
    policy: 'signed-in',
    tag: 'disclosure',
    status: 201,
    body: TimelineInput,
    summary:
      "Propose a disclosure timeline to the reporter: each stakeholder tier's end of embargo (the profile's tiers, in order) and the public instant, in a named zone.",
    handler: ({ ctx, params, body }) => proposeEmbargo(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/embargo/proposals/:proposalId/answer',
    policy: 'signed-in',
    tag: 'disclosure',
    body: ProposalAnswerInput,
    summary: "Accept or reject the reporter's counter-proposal.",
    handler: ({ ctx, params, body }) => answerEmbargoProposal(ctx, params.id!, params.proposalId!, body),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/embargo/end',
    policy: 'signed-in',
    tag: 'disclosure',
    body: EndEmbargoInput,
    summary: 'End the embargo now, with the reason; the reporter is told.',
    handler: ({ ctx, params, body }) => endEmbargo(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/disclosure-flags',
    policy: 'signed-in',
    tag: 'disclosure',
    body: DisclosureFlagInput,
    summary:
      'Record, with the evidence, that an exploit is public, attacks are observed or the vulnerability is public: the embargo ends at once.',
    handler: ({ ctx, params, body }) => recordDisclosureFlag(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/reporter/:token/embargo/answer',
    policy: 'reporter-link',
    tag: 'intake',
    body: ReporterAnswerInput,
    summary: "The reporter accepts, rejects or counters the team's proposed disclosure timeline.",
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    handler: ({ ctx, params, body }) => answerEmbargoAsReporter(ctx, params.token!, body),
  },
]);
