import type { FastifyInstance } from 'fastify';
import { queue, type QueueItem } from '../../app/queries.ts';
import { isInitialised } from '../../app/instance.ts';
import { html, type Html } from '../html.ts';
import { ctxOf, field, layout, sendHtml, seeOther, viewerOf, webRoute, type WebDeps } from '../common.ts';
import { due } from '../format.ts';
import { viewerTimeZone } from '../viewer-zone.ts';

// The queue: reports still in triage and incidents, earliest due first.

function table(caption: string, items: QueueItem[], tz: string, empty: string): Html {
  return html`<table class="queue">
  <caption>${caption} <span class="count">(${items.length})</span></caption>
  <thead><tr><th scope="col">Ref</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Owner</th><th scope="col">Due</th></tr></thead>
  <tbody>
  ${items.length === 0
    ? html`<tr><td colspan="5" class="muted">${empty}</td></tr>`
    : items.map((i) => html`<tr${i.overdue ? html` class="overdue-row"` : ''}>
      <td><a href="/cases/${i.reportId}">${i.ref}</a></td>
      <td><a href="/cases/${i.reportId}">${i.title}</a></td>
      <td>${i.state}</td>
      <td>${i.owner ?? html`<span class="muted">unclaimed</span>`}</td>
      <td>${due(i.dueAt, tz, i.overdue)}</td>
    </tr>`)}
  </tbody>
</table>`;
}

export function registerQueuePage(fastify: FastifyInstance, deps: WebDeps): void {
  const { app } = deps;
  webRoute(fastify, deps, {
    method: 'GET', url: '/',
    handler: async (request, reply) => {
      const viewer = await viewerOf(deps, request);
      if (!viewer.principal) {
        if (!(await isInitialised(app.db))) return seeOther(reply, '/setup');
        return seeOther(reply, '/signin');
      }
      const status = field(request.query, 'status') === 'closed' ? 'closed' : 'open';
      const q = await queue(ctxOf(app, viewer), { status });
      const tz = await viewerTimeZone(app, viewer.principal.personId);
      const tab = (s: 'open' | 'closed', label: string) =>
        s === status ? html`<li><a href="/?status=${s}" aria-current="page">${label}</a></li>` : html`<li><a href="/?status=${s}">${label}</a></li>`;
      return sendHtml(reply, 200, layout({
        title: 'Queue', viewer,
        body: html`<nav aria-label="Filter" class="tabs"><ul>${tab('open', 'Open')}${tab('closed', 'Closed')}</ul></nav>
          <p class="muted">Times are shown in ${tz}.</p>
          ${status === 'open' ? table('Reports in triage', q.reports, tz, 'No reports waiting for triage.') : ''}
          ${table(status === 'open' ? 'Open incidents' : 'Closed incidents', q.incidents, tz, status === 'open' ? 'No open incidents.' : 'No closed incidents.')}`,
      }));
    },
  });
}
