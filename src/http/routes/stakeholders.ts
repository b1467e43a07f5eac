import { defineRoutes, NoBody } from '../route.ts';
import {
  AddOrgInput,
  addStakeholder,
  ApplicationInput,
  applyAsStakeholder,
  DecideInput,
  decideApplication,
  listStakeholders,
  removeStakeholder,
  setStakeholderTiers,
  TiersInput,
} from '../../app/stakeholders/orgs.ts';
import { endPortalSession, PortalLinkInput, redeemPortalLink, requestPortalLink } from '../../app/stakeholders/portal-auth.ts';
import {
  acknowledgeCase,
  answerStakeholder,
  askQuestion,
  decideStakeholderUpdate,
  portalCase,
  portalCases,
  QuestionInput,
  UpdateDecisionInput,
} from '../../app/stakeholders/portal.ts';

// Stakeholder organisations (managed by the central team), their applications, and the portal where
// a signed-in organisation reads what its tier may see of an incident, acknowledges and asks.

export const PORTAL_COOKIE = 'embargo_portal';

export const stakeholderRoutes = defineRoutes([
  {
    method: 'POST',
    url: '/api/stakeholders/applications',
    policy: 'public',
    tag: 'stakeholders',
    status: 201,
    body: ApplicationInput,
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    summary: 'An organisation applies to be told early: its alias, key, what it is, the tier it asks for and its acceptance of the policy.',
    handler: ({ ctx, body }) => applyAsStakeholder(ctx, body),
  },
  {
    method: 'GET',
    url: '/api/stakeholders',
    policy: 'signed-in',
    tag: 'stakeholders',
    summary: 'The stakeholder organisations, applications first (central team and admins).',
    handler: ({ ctx }) => listStakeholders(ctx),
  },
  {
    method: 'POST',
    url: '/api/stakeholders',
    policy: 'signed-in',
    tag: 'stakeholders',
    status: 201,
    body: AddOrgInput,
    summary: 'Register an organisation with its alias, its key (confirmed by the fingerprint given) and its tiers.',
    handler: ({ ctx, body }) => addStakeholder(ctx, body),
  },
  {
    method: 'POST',
    url: '/api/stakeholders/:id/decision',
    policy: 'signed-in',
    tag: 'stakeholders',
    body: DecideInput,
    summary: 'Approve an application (its key confirmed by the fingerprint read out of band) into tiers, or reject it.',
    handler: ({ ctx, params, body }) => decideApplication(ctx, params.id!, body),
  },
  {
    method: 'PUT',
    url: '/api/stakeholders/:id/tiers',
    policy: 'signed-in',
    tag: 'stakeholders',
    body: TiersInput,
    summary: 'Set the tiers of an approved organisation, per project.',
    handler: ({ ctx, params, body }) => setStakeholderTiers(ctx, params.id!, body),
  },
  {
    method: 'DELETE',
    url: '/api/stakeholders/:id',
    policy: 'signed-in',
    tag: 'stakeholders',
    status: 204,
    summary: 'Remove an organisation: it is told nothing more and its portal sessions end.',
    handler: async ({ ctx, params }) => {
      await removeStakeholder(ctx, params.id!);
      return null;
    },
  },
  {
    method: 'POST',
    url: '/api/reports/:id/stakeholders/:orgId/answers',
    policy: 'signed-in',
    tag: 'stakeholders',
    status: 201,
    body: QuestionInput,
    summary: "Answer an organisation's questions: into its thread, mailed to its alias encrypted.",
    handler: ({ ctx, params, body }) => answerStakeholder(ctx, params.id!, params.orgId!, body),
  },
  {
    method: 'POST',
    url: '/api/reports/:id/stakeholder-updates/:updateId',
    policy: 'signed-in',
    tag: 'stakeholders',
    body: UpdateDecisionInput,
    summary: 'Send an update to the tiers told that the profile keeps for review (with the briefing as it stands), or discard it.',
    handler: ({ ctx, params, body }) => decideStakeholderUpdate(ctx, params.id!, params.updateId!, body),
  },
  {
    method: 'POST',
    url: '/api/portal/sign-in',
    policy: 'public',
    tag: 'portal',
    status: 202,
    body: PortalLinkInput,
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    summary:
      "Ask for a one-time sign-in link, mailed to the organisation's alias encrypted to its key. The answer is the same for any alias.",
    handler: ({ ctx, body }) => requestPortalLink(ctx, body),
  },
  {
    method: 'POST',
    url: '/api/portal/sign-in/:token',
    policy: 'public',
    tag: 'portal',
    body: NoBody,
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    summary: 'Redeem a sign-in link: a session of the organisation (cookie), valid for 12 hours, and its CSRF token for unsafe requests.',
    handler: async ({ ctx, params, body, reply }) => {
      NoBody.parse(body);
      const s = await redeemPortalLink(ctx, params.token!);
      reply.setCookie(PORTAL_COOKIE, s.sessionToken, { path: '/', httpOnly: true, secure: true, sameSite: 'strict', expires: s.expiresAt });
      return { signedIn: true, csrfToken: s.csrfToken, expiresAt: s.expiresAt.toISOString() };
    },
  },
  {
    method: 'POST',
    url: '/api/portal/sign-out',
    policy: 'stakeholder',
    tag: 'portal',
    summary: 'End the portal session.',
    handler: async ({ ctx, request, reply }) => {
      const token = request.cookies[PORTAL_COOKIE];
      if (token) await endPortalSession(ctx.app, token);
      reply.clearCookie(PORTAL_COOKIE, { path: '/' });
      return { signedOut: true };
    },
  },
  {
    method: 'GET',
    url: '/api/portal/cases',
    policy: 'stakeholder',
    tag: 'portal',
    summary: "The incidents released to the organisation's tier, from the instant of their release.",
    handler: ({ ctx }) => portalCases(ctx),
  },
  {
    method: 'GET',
    url: '/api/portal/cases/:ref',
    policy: 'stakeholder',
    tag: 'portal',
    summary: 'An incident as the tier may see it: the redacted summary, the agreed dates, the fix once shared, what was sent, the thread.',
    handler: ({ ctx, params }) => portalCase(ctx, params.ref!),
  },
  {
    method: 'POST',
    url: '/api/portal/cases/:ref/acknowledge',
    policy: 'stakeholder',
    tag: 'portal',
    summary: 'Acknowledge receipt.',
    handler: ({ ctx, params }) => acknowledgeCase(ctx, params.ref!),
  },
  {
    method: 'POST',
    url: '/api/portal/cases/:ref/questions',
    policy: 'stakeholder',
    tag: 'portal',
    status: 201,
    body: QuestionInput,
    summary: "Ask the security team a question, in the organisation's own thread.",
    handler: ({ ctx, params, body }) => askQuestion(ctx, params.ref!, body),
  },
]);
