import { assignCveFromPool, reviewAdvisory, schedulePublication, withdrawAdvisory } from '../../app/advisories/review.ts';
import { instantIn } from '../timeline-form.ts';
import { circulateAdvisory } from '../../app/advisories/circulation.ts';
import { publishCveRecords } from '../../app/cve/cna.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { field, flashOf } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { advisoryPage, DONE, enc, showOverview } from './advisory.ts';

// An advisory's overview and the forms on it: review, circulate a draft, schedule publication,
// withdraw, take a CVE id from the pool, publish the CVE records. A refusal draws the overview again
// with the sentence and the details the use case gave.

const num = (b: unknown, name: string) => {
  const n = Number.parseInt(field(b, name), 10);
  return Number.isFinite(n) ? n : undefined;
};

const action = (slug: string, run: (input: PageInput) => Promise<unknown>, done: (body: unknown) => string) =>
  formPost({
    url: `/desk/advisories/:id/${slug}`,
    policy: 'signed-in',
    run,
    done: (_r, { params, body }) => `/desk/advisories/${enc(params.id!)}?done=${done(body)}`,
    refused: (input, { problem, error }) => {
      const details =
        error instanceof EmbargoError && error.details.length
          ? ` ${error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}.`
          : '';
      return advisoryPage(input, () => showOverview(input, problem.status, null, `${problem.message}${details}`));
    },
  });

export const advisoryOverviewPages = definePages([
  {
    method: 'GET',
    url: '/desk/advisories/:id',
    policy: 'signed-in',
    handler: async (input) => advisoryPage(input, () => showOverview(input, 200, flashOf(input.query, DONE), null)),
  },
  action(
    'review',
    ({ ctx, params, body: b }) =>
      reviewAdvisory(ctx, params.id!, {
        version: num(b, 'version'),
        verdict: field(b, 'verdict'),
        ...(field(b, 'comment').trim() ? { comment: field(b, 'comment') } : {}),
      }),
    (b) => (field(b, 'verdict') === 'approved' ? 'approved' : 'changes_requested'),
  ),
  action(
    'circulate',
    ({ ctx, params, body: b }) => {
      const recipients = field(b, 'recipients')
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      return circulateAdvisory(ctx, params.id!, {
        audience: field(b, 'audience'),
        ...(num(b, 'version') ? { version: num(b, 'version') } : {}),
        ...(recipients.length ? { recipients } : {}),
        ...(field(b, 'message').trim() ? { message: field(b, 'message') } : {}),
      });
    },
    () => 'circulated',
  ),
  action(
    'schedule',
    ({ ctx, params, body: b }) =>
      schedulePublication(ctx, params.id!, {
        // The form's date-time control sends a wall time, read in the zone the form names beside it.
        ...(field(b, 'publishAt').trim() ? { publishAt: instantIn(field(b, 'publishAt'), field(b, 'publishZone').trim() || 'UTC') } : {}),
        notifyReporter: field(b, 'notifyReporter') === '1',
      }),
    () => 'scheduled',
  ),
  action(
    'withdraw',
    ({ ctx, params, body }) => withdrawAdvisory(ctx, params.id!, { reason: field(body, 'reason') }),
    () => 'withdrawn',
  ),
  action(
    'cve',
    ({ ctx, params }) => assignCveFromPool(ctx, params.id!),
    () => 'cve',
  ),
  action(
    'cve-records',
    ({ ctx, params }) => publishCveRecords(ctx, params.id!),
    () => 'cve_records',
  ),
]);
