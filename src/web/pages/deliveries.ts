import { html } from '../html.ts';
import { field, hiddenCsrf, layout, sendHtml } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { listFailedDeliveries, resendDelivery } from '../../app/delivery/deliveries.ts';

// /admin/deliveries: deliveries that failed (refused by a server, bounced, held because the recipient
// has no key and the profile refuses mail in clear, given up after retries), with the reason and a
// resend button. Admins and the central team; the address of an outside recipient only for the latter.

const page = async ({ ctx, viewer, reply }: PageInput, status: number, flash: string | null, error: string | null) => {
  const rows = await listFailedDeliveries(ctx);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Failed deliveries',
      viewer,
      flash,
      error,
      body: html`<p class="muted">A resent delivery keeps its Message-ID and is built again with the keys on file now.</p>
      ${
        rows.length === 0
          ? html`<p>No failed deliveries.</p>`
          : html`<table>
        <caption class="visually-hidden">Failed deliveries, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Case</th><th scope="col">Recipient</th><th scope="col">Why</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${rows.map(
          (d) => html`<tr>
          <td>${d.failedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</td>
          <td>${d.reportId ? html`<a href="/cases/${d.reportId}">${d.caseLabel ?? 'case'}</a>` : html`<span class="muted">none</span>`}</td>
          <td>${d.recipient}</td>
          <td>${d.failure} <span class="muted">(${d.attempts} attempt${d.attempts === 1 ? '' : 's'})</span></td>
          <td><form method="post" action="/admin/deliveries/${d.id}/resend" class="inline">${hiddenCsrf(viewer)}<button type="submit">Resend</button></form></td>
        </tr>`,
        )}</tbody></table>`
      }`,
    }),
  );
};

export const deliveriesPages = definePages([
  {
    method: 'GET',
    url: '/admin/deliveries',
    policy: 'mail.deliveries',
    handler: async (input) => page(input, 200, field(input.query, 'done') === 'resent' ? 'The delivery is queued again.' : null, null),
  },
  formPost({
    url: '/admin/deliveries/:id/resend',
    policy: 'mail.deliveries',
    signInNext: () => '/admin/deliveries',
    run: ({ ctx, params }) => resendDelivery(ctx, params.id!),
    done: () => '/admin/deliveries?done=resent',
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  }),
]);
