import { defineRoutes } from '../route.ts';
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
