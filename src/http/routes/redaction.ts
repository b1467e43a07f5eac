import { defineRoutes } from '../route.ts';
import { MarkInput, markSensitive, markSensitiveAsReporter, unmarkSensitive, unmarkSensitiveAsReporter } from '../../app/cases/marks.ts';
import { OutsideTextInput, rephraseForOutsiders } from '../../app/cases/outside-text.ts';

// Need-to-know: the reporter and the security team mark what is sensitive, and the team rephrases
// what outsiders read. Everything marked is labelled for every audience outside the security teams.

export const redactionRoutes = defineRoutes([
  {
    method: 'POST',
    url: '/api/reports/:id/marks',
    policy: 'signed-in',
    tag: 'cases',
    status: 201,
    body: MarkInput,
    summary:
      'Mark a value, or a passage of the report body or a thread message (by offsets), sensitive: outsiders read its label instead (security teams).',
    handler: ({ ctx, params, body }) => markSensitive(ctx, params.id!, body),
  },
  {
    method: 'DELETE',
    url: '/api/reports/:id/marks/:markId',
    policy: 'signed-in',
    tag: 'cases',
    summary: "Take back a team mark, or a name or address the desk read off the reporter's mail (the reporter's own marks stay).",
    handler: ({ ctx, params }) => unmarkSensitive(ctx, params.id!, params.markId!),
  },
  {
    method: 'PUT',
    url: '/api/reports/:id/outside-text',
    policy: 'signed-in',
    tag: 'cases',
    body: OutsideTextInput,
    summary:
      'Rephrase the title and summary that collaborators, stakeholders and the public read; refused while either names a sensitive value.',
    handler: ({ ctx, params, body }) => rephraseForOutsiders(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/reporter/:token/marks',
    policy: 'reporter-link',
    tag: 'intake',
    status: 201,
    body: MarkInput,
    summary: 'The reporter marks a value, or a passage of their report or of a message they exchanged with the team, sensitive.',
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    handler: ({ ctx, params, body }) => markSensitiveAsReporter(ctx, params.token!, body),
  },
  {
    method: 'DELETE',
    url: '/api/reporter/:token/marks/:markId',
    policy: 'reporter-link',
    tag: 'intake',
    summary: 'The reporter takes back one of their own marks.',
    rateLimitPerMinute: (c) => c.publicFormRatePerMinute,
    handler: ({ ctx, params }) => unmarkSensitiveAsReporter(ctx, params.token!, params.markId!),
  },
]);
