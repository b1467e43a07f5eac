import { queue, type QueueItem } from '../../app/cases/queries.ts';
import { runningClocks, type RunningClock } from '../../app/sla/stats.ts';
import { isInitialised } from '../../app/admin/instance.ts';
import { html, type Html } from '../html.ts';
import { field, layout, sendHtml, seeOther } from '../common.ts';
import { definePages } from '../route.ts';
import { due } from '../format.ts';
import { viewerTimeZone } from '../viewer-zone.ts';

// The queue: overdue items first, then reports still in triage and incidents, earliest due first,
// each with the clock that runs (the one due first) and who owns it.

type Clocks = Map<string, RunningClock[]>;

/** The clock due first on a case, its owner, and how many more run. */
function clockCell(list: RunningClock[] | undefined): Html {
  const first = list?.[0];
  if (!first) return html`<span class="muted">none</span>`;
  const more = list.length - 1;
  return html`<span class="clock-name">${first.name}${first.project ? html` <span class="muted">(${first.project})</span>` : ''}${first.paused ? html` <span class="badge">paused</span>` : ''}</span>
    <span class="muted">owned by</span> ${first.owner ?? html`<span class="muted">nobody yet</span>`}${more > 0 ? html`<br><span class="muted">+${more} more running</span>` : ''}`;
}

function table(caption: string, items: QueueItem[], tz: string, empty: string, clocks: Clocks): Html {
  return html`<table class="queue">
  <caption>${caption} <span class="count">(${items.length})</span></caption>
  <thead><tr><th scope="col">Ref</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Owner</th><th scope="col">Clock running</th><th scope="col">Due</th></tr></thead>
  <tbody>
  ${
    items.length === 0
      ? html`<tr><td colspan="6" class="muted">${empty}</td></tr>`
      : items.map(
          (i) => html`<tr${i.overdue ? html` class="overdue-row"` : ''}>
      <td><a href="/cases/${i.reportId}">${i.ref}</a></td>
      <td><a href="/cases/${i.reportId}">${i.title}</a></td>
      <td>${i.state}</td>
      <td>${i.owner ?? html`<span class="muted">unclaimed</span>`}</td>
      <td>${clockCell(clocks.get(i.reportId))}</td>
      <td>${due(i.dueAt, tz, i.overdue)}</td>
    </tr>`,
        )
  }
  </tbody>
</table>`;
}

/** Everything overdue, reports and incidents together, most overdue first: what needs someone now. */
function overdueTable(items: QueueItem[], tz: string, clocks: Clocks): Html {
  const late = items.filter((i) => i.overdue).sort((a, b) => Date.parse(a.dueAt!) - Date.parse(b.dueAt!));
  if (late.length === 0) return html``;
  return html`<table class="overdue-list">
  <caption>Overdue now <span class="count">(${late.length})</span></caption>
  <thead><tr><th scope="col">Ref</th><th scope="col">Title</th><th scope="col">Clock running</th><th scope="col">Due</th></tr></thead>
  <tbody>${late.map(
    (i) => html`<tr class="overdue-row">
    <td><a href="/cases/${i.reportId}">${i.ref}</a></td><td>${i.title}</td><td>${clockCell(clocks.get(i.reportId))}</td><td>${due(i.dueAt, tz, true)}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

export const queuePages = definePages([
  {
    method: 'GET',
    url: '/',
    policy: 'signed-in',
    // The start page: a fresh desk goes to setup, anyone else signed out to sign in.
    signedOut: async ({ app, reply }) => seeOther(reply, (await isInitialised(app.db)) ? '/signin' : '/setup'),
    handler: async ({ app, ctx, viewer, query, reply }) => {
      const status = field(query, 'status') === 'closed' ? 'closed' : 'open';
      const q = await queue(ctx, { status });
      const clocks = await runningClocks(
        ctx,
        [...q.reports, ...q.incidents].map((i) => i.reportId),
      );
      const tz = await viewerTimeZone(app, viewer.principal!.personId);
      const tab = (s: 'open' | 'closed', label: string) =>
        s === status
          ? html`<li><a href="/?status=${s}" aria-current="page">${label}</a></li>`
          : html`<li><a href="/?status=${s}">${label}</a></li>`;
      return sendHtml(
        reply,
        200,
        layout({
          title: 'Queue',
          viewer,
          body: html`<nav aria-label="Filter" class="tabs"><ul>${tab('open', 'Open')}${tab('closed', 'Closed')}</ul></nav>
          <p class="muted">Times are shown in ${tz}.</p>
          ${overdueTable([...q.reports, ...q.incidents], tz, clocks)}
          ${status === 'open' ? table('Reports in triage', q.reports, tz, 'No reports waiting for triage.', clocks) : ''}
          ${table(status === 'open' ? 'Open incidents' : 'Closed incidents', q.incidents, tz, status === 'open' ? 'No open incidents.' : 'No closed incidents.', clocks)}`,
        }),
      );
    },
  },
]);
