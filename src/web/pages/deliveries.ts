import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html.ts';
import {
  ctxOf,
  field,
  layout,
  notFoundPage,
  pageProblem,
  sendHtml,
  seeOther,
  hiddenCsrf,
  webRoute,
  type Viewer,
  type WebDeps,
} from '../common.ts';
import { listFailedDeliveries, resendDelivery } from '../../app/delivery/deliveries.ts';
import { allowedTo, guardPage } from './guard.ts';

// /admin/deliveries: deliveries that failed (refused by a server, bounced, held because the recipient
// has no key and the profile refuses mail in clear, given up after retries), with the reason and a
// resend button. Admins and the central team; the address of an outside recipient only for the latter.

export function registerDeliveriesPages(fastify: FastifyInstance, deps: WebDeps): void {
  const { app } = deps;

  const guard = (request: FastifyRequest, reply: FastifyReply, post: boolean) =>
    guardPage(deps, request, reply, { post, allow: allowedTo('mail.deliveries'), signInNext: '/admin/deliveries' });

  const page = async (reply: FastifyReply, viewer: Viewer, status: number, flash: string | null, error: string | null) => {
    const rows = await listFailedDeliveries(ctxOf(app, viewer));
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

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/admin/deliveries',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, false);
      if (!viewer) return reply;
      return page(reply, viewer, 200, field(request.query, 'done') === 'resent' ? 'The delivery is queued again.' : null, null);
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/admin/deliveries/:id/resend',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      try {
        await resendDelivery(ctxOf(app, viewer), (request.params as { id: string }).id);
      } catch (err) {
        const problem = pageProblem(request, err);
        if (problem.status === 404) return notFoundPage(reply, viewer);
        return page(reply, viewer, problem.status, null, problem.message);
      }
      return seeOther(reply, '/admin/deliveries?done=resent');
    },
  });
}
