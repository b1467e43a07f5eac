import { applyProfileProposal, listProfileProposals, rejectProfileProposal } from '../../app/profile/proposals.ts';
import { html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, sendHtml, zoneOf, type FormProblem } from '../common.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { adminNav } from '../admin-nav.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { proposalPart } from './case-after-disclosure.ts';

// Admin page /admin/profile-proposals: the edits of the process profile proposed from retrospectives,
// each as its diff with whether it applies to the profile as it is and lints; an admin applies or
// rejects it. A patched profile that does not lint is refused with its problems, and nothing changes.

const DONE: Record<string, string> = { applied: 'The edit is applied: the desk runs the new profile.', rejected: 'The edit is rejected.' };

async function page({ ctx, viewer, reply }: PageInput, status: number, flash: string | null, error: string | null) {
  const proposals = await listProfileProposals(ctx);
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Proposed profile edits',
      viewer,
      flash,
      error,
      body: html`${adminNav('/admin/profile-proposals')}
      <p class="muted">Edits of the process profile proposed from incident retrospectives. Applying one writes the patched
        profile through the same checks as any profile edit: a profile that does not lint is refused.</p>
      ${
        proposals.length === 0
          ? html`<p>No edits proposed.</p>`
          : proposals.map(
              (p) =>
                html`${proposalPart(p, tz)}${
                  p.status === 'open'
                    ? html`<div class="actions-row">
              <form method="post" action="/admin/profile-proposals/${p.id}/apply" class="inline">${hiddenCsrf(viewer)}${input({ name: 'note', label: 'Note (optional)' })}<button type="submit">Apply</button></form>
              <form method="post" action="/admin/profile-proposals/${p.id}/reject" class="inline">${hiddenCsrf(viewer)}${input({ name: 'note', label: 'Why not (optional)' })}<button type="submit" class="secondary">Reject</button></form>
            </div>`
                    : ''
                }`,
            )
      }`,
    }),
  );
}

const note = (body: unknown) => {
  const n = field(body, 'note').trim();
  return n ? { note: n } : {};
};
// A refused profile lists every problem with its line and column, as the API does.
const refusal = (input: PageInput, problem: FormProblem, error: unknown) =>
  page(
    input,
    problem.status,
    null,
    [
      problem.message,
      ...(error instanceof EmbargoError ? error.details : []).map((d) => `${d.path ? `${d.path}: ` : ''}${d.message}`),
    ].join(' '),
  );

export const adminProfileProposalPages = definePages([
  {
    method: 'GET',
    url: '/admin/profile-proposals',
    policy: 'admin.manage',
    handler: async (input) => page(input, 200, flashOf(input.query, DONE), null),
  },
  formPost({
    url: '/admin/profile-proposals/:id/apply',
    policy: 'admin.manage',
    signInNext: () => '/admin/profile-proposals',
    run: ({ ctx, params, body }) => applyProfileProposal(ctx, params.id!, note(body)),
    done: () => '/admin/profile-proposals?done=applied',
    refused: (input, { problem, error }) => refusal(input, problem, error),
  }),
  formPost({
    url: '/admin/profile-proposals/:id/reject',
    policy: 'admin.manage',
    signInNext: () => '/admin/profile-proposals',
    run: ({ ctx, params, body }) => rejectProfileProposal(ctx, params.id!, note(body)),
    done: () => '/admin/profile-proposals?done=rejected',
    refused: (input, { problem, error }) => refusal(input, problem, error),
  }),
]);
