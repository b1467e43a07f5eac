import { defineRoutes } from '../route.ts';
import {
  AdvisorySaveInput,
  advisoryVersion,
  advisoryView,
  createAdvisory,
  diffVersions,
  DiffQuery,
  exportVersion,
  ExportQuery,
  listAdvisories,
  saveAdvisory,
} from '../../app/advisories/advisories.ts';
import {
  assignCveFromPool,
  reviewAdvisory,
  ReviewInput,
  schedulePublication,
  ScheduleInput,
  withdrawAdvisory,
  WithdrawInput,
} from '../../app/advisories/review.ts';
import { circulateAdvisory, CirculateInput } from '../../app/advisories/circulation.ts';
import { CreditPreferenceInput, setCreditPreference } from '../../app/advisories/credit.ts';
import { NotFoundError } from '../../domain/errors.ts';

// Advisories of an incident: drafting (every save a version), diffs, review and approval by a
// second member, circulation of drafts, scheduled publication, withdrawal, a CVE id from the
// team's pool, and exports. Access is the incident's (outsiders get 404), limited to the security
// teams. The reporter sets their credit preference through their secret link.

const versionOf = (v: string | undefined): number => {
  if (!v || !/^[1-9][0-9]{0,8}$/.test(v)) throw new NotFoundError('advisory version');
  return Number(v);
};

export const advisoryRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/reports/:id/advisories',
    policy: 'signed-in',
    tag: 'advisories',
    summary: "The advisories of the case's incident.",
    handler: ({ ctx, params }) => listAdvisories(ctx, params.id!),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/advisories',
    policy: 'signed-in',
    tag: 'advisories',
    status: 201,
    summary:
      "Start an advisory for the incident, pre-filled from it (title, projects, components, CVSS, publisher, the reporter's credit).",
    handler: ({ ctx, params }) => createAdvisory(ctx, params.id!),
  },
  {
    method: 'GET',
    url: '/api/advisories/:advisoryId',
    policy: 'signed-in',
    tag: 'advisories',
    summary: 'An advisory: state, head version, versions, reviews, circulations, what is missing for publication, and what you may do now.',
    handler: ({ ctx, params }) => advisoryView(ctx, params.advisoryId!),
  },
  {
    method: 'POST',
    url: '/api/advisories/:advisoryId/versions',
    policy: 'signed-in',
    tag: 'advisories',
    status: 201,
    body: AdvisorySaveInput,
    summary:
      'Save the advisory document as a new version (validated; a draft may be incomplete). A save after approval returns it to draft.',
    handler: ({ ctx, params, body }) => saveAdvisory(ctx, params.advisoryId!, body),
  },
  {
    method: 'GET',
    url: '/api/advisories/:advisoryId/versions/:version',
    policy: 'signed-in',
    tag: 'advisories',
    summary: 'One version of the advisory, as stored.',
    handler: ({ ctx, params }) => advisoryVersion(ctx, params.advisoryId!, versionOf(params.version)),
  },
  {
    method: 'GET',
    url: '/api/advisories/:advisoryId/diff',
    policy: 'signed-in',
    tag: 'advisories',
    query: DiffQuery,
    summary: 'What changed between two versions, section by section (?from=1&to=2).',
    handler: ({ ctx, params, query }) => diffVersions(ctx, params.advisoryId!, query),
  },
  {
    method: 'POST',
    url: '/api/advisories/:advisoryId/reviews',
    policy: 'signed-in',
    tag: 'advisories',
    status: 201,
    body: ReviewInput,
    summary: 'Approve the head version, or request changes. The approver is a second team member, not the author of that version.',
    handler: ({ ctx, params, body }) => reviewAdvisory(ctx, params.advisoryId!, body),
  },
  {
    method: 'POST',
    url: '/api/advisories/:advisoryId/circulations',
    policy: 'signed-in',
    tag: 'advisories',
    status: 201,
    body: CirculateInput,
    summary:
      "Send a draft version to the reporter (thread and mail) or to stakeholders (given addresses, or the projects' ESS and trusted teams); the exact version is recorded.",
    handler: ({ ctx, params, body }) => circulateAdvisory(ctx, params.advisoryId!, body),
  },
  {
    method: 'POST',
    url: '/api/advisories/:advisoryId/publication',
    policy: 'signed-in',
    tag: 'advisories',
    body: ScheduleInput,
    summary:
      'Schedule publication of the approved head version (refused with the list of what is missing); an update of a public advisory is public at once.',
    handler: ({ ctx, params, body }) => schedulePublication(ctx, params.advisoryId!, body),
  },
  {
    method: 'POST',
    url: '/api/advisories/:advisoryId/withdrawal',
    policy: 'signed-in',
    tag: 'advisories',
    body: WithdrawInput,
    summary: 'Withdraw a public advisory: it stays public with the withdrawal notice.',
    handler: ({ ctx, params, body }) => withdrawAdvisory(ctx, params.advisoryId!, body),
  },
  {
    method: 'POST',
    url: '/api/advisories/:advisoryId/cve',
    policy: 'signed-in',
    tag: 'advisories',
    status: 201,
    summary: "Assign the next free CVE id of the team's pool; saved as a new version.",
    handler: ({ ctx, params }) => assignCveFromPool(ctx, params.advisoryId!),
  },
  {
    method: 'GET',
    url: '/api/advisories/:advisoryId/export',
    policy: 'signed-in',
    tag: 'advisories',
    query: ExportQuery,
    summary: 'A version (default the head) as cve, osv, csaf-2.0, csaf-2.1, text or markdown (?format=osv&version=3).',
    handler: ({ ctx, params, query }) => exportVersion(ctx, params.advisoryId!, query),
  },
  {
    method: 'PUT',
    url: '/api/reporter/:token/credit',
    policy: 'reporter-link',
    tag: 'intake',
    body: CreditPreferenceInput,
    summary:
      'The reporter says how to be credited: by name, by another name or handle, or anonymously. Every advisory crediting them follows.',
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    handler: ({ ctx, params, body }) => setCreditPreference(ctx, params.token!, body),
  },
]);
