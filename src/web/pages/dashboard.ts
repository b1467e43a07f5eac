import { slaDashboard, type ClockCounts, type Distribution, type SlaDashboard } from '../../app/sla/stats.ts';
import { dateTimeFormat } from '../../domain/date-formats.ts';
import { html, type Html } from '../html.ts';
import { baseUrl, field, layout, scrollTable, sendHtml } from '../common.ts';
import { definePages } from '../route.ts';
import { mayDo } from '../../domain/access.ts';
import { firstRunChecklist } from '../../app/admin/first-run.ts';
import { firstRunCard } from '../first-run-card.ts';
import { when } from '../format.ts';
import { histogramChart, humanDuration, shareChart } from '../charts.ts';

// The SLA dashboard: how well the team keeps its promises, for the cases this person may see. The
// share of deadlines met per clock and week (or month) and the distributions of time to acknowledge,
// triage, fix and disclose, as SVG charts with the same numbers in tables.

const PERIODS = [30, 90, 180, 365] as const;

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`);

function bucketLabel(iso: string, bucket: 'week' | 'month', timeZone: string): string {
  const opts: Intl.DateTimeFormatOptions =
    bucket === 'week' ? { timeZone, day: 'numeric', month: 'short' } : { timeZone, month: 'short', year: 'numeric' };
  return dateTimeFormat('en-GB', opts).format(new Date(iso));
}

function bucketName(iso: string, bucket: 'week' | 'month', timeZone: string): string {
  return bucket === 'week'
    ? `Week of ${dateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso))}`
    : dateTimeFormat('en-GB', { timeZone, month: 'long', year: 'numeric' }).format(new Date(iso));
}

function countsTable(clocks: ClockCounts[]): Html {
  return scrollTable(
    'Deadlines per clock',
    html`<table class="sla-counts">
  <caption>Deadlines per clock</caption>
  <thead><tr><th scope="col">Clock</th><th scope="col">Stage</th><th scope="col">Met</th><th scope="col">Missed</th><th scope="col">Breached</th>
    <th scope="col">Share met</th><th scope="col">Running now</th><th scope="col">Paused</th><th scope="col">Overdue now</th></tr></thead>
  <tbody>${clocks.map(
    (c) => html`<tr>
    <th scope="row">${c.name} <span class="muted">(${c.clock})</span></th><td>${c.stage}</td>
    <td>${c.met}</td><td>${c.missed}</td><td>${c.breached}</td><td><strong>${pct(c.shareMet)}</strong></td>
    <td>${c.running}</td><td>${c.paused}</td><td>${c.overdue ? html`<strong class="badge overdue">${c.overdue}</strong>` : '0'}</td>
  </tr>`,
  )}</tbody>
</table>`,
  );
}

function seriesFigure(d: SlaDashboard, s: SlaDashboard['series'][number]): Html {
  const { bucket, timeZone } = d.period;
  const per = bucket === 'week' ? 'week' : 'month';
  const decided = s.buckets.filter((b) => b.shareMet !== null);
  const met = s.buckets.reduce((a, b) => a + b.met, 0);
  const breached = s.buckets.reduce((a, b) => a + b.breached, 0);
  const desc = decided.length
    ? `Bar chart, one bar per ${per}: ${decided.length} of ${s.buckets.length} ${per}s had deadlines decided; in all ${met} met and ${breached} breached. ` +
      decided.map((b) => `${bucketName(b.start, bucket, timeZone)}: ${pct(b.shareMet)} (${b.met} of ${b.met + b.breached})`).join('; ') +
      '.'
    : `No ${s.name} deadline was decided in this period.`;
  return html`<figure class="chart-figure" id="share-${s.clock}">
  <figcaption><h3>${s.name}</h3></figcaption>
  ${shareChart({
    title: `Share of "${s.name}" deadlines met per ${per}`,
    desc,
    bars: s.buckets.map((b) => ({
      label: bucketLabel(b.start, bucket, timeZone),
      share: b.shareMet,
      title:
        b.shareMet === null
          ? `${bucketName(b.start, bucket, timeZone)}: no deadline decided`
          : `${bucketName(b.start, bucket, timeZone)}: ${pct(b.shareMet)} met (${b.met} met, ${b.breached} breached)`,
    })),
  })}
  <details><summary>The numbers per ${per}</summary>
    ${scrollTable(
      `${s.name}: the numbers per ${per}`,
      html`<table class="sla-series"><thead><tr><th scope="col">${bucket === 'week' ? 'Week of' : 'Month'}</th><th scope="col">Met</th><th scope="col">Breached</th><th scope="col">Share met</th></tr></thead>
    <tbody>${s.buckets.map((b) => html`<tr><td>${bucketName(b.start, bucket, timeZone)}</td><td>${b.met}</td><td>${b.breached}</td><td>${pct(b.shareMet)}</td></tr>`)}</tbody></table>`,
    )}
  </details>
</figure>`;
}

function bucketShort(seconds: number): string {
  return seconds % 86_400 === 0 ? `${seconds / 86_400} d` : `${seconds / 3600} h`;
}

function distributionFigure(x: Distribution): Html {
  const labels = x.histogram.map((b) => (b.toSeconds === null ? `>${bucketShort(b.fromSeconds)}` : `≤${bucketShort(b.toSeconds)}`));
  const ranges = x.histogram.map((b) =>
    b.toSeconds === null ? `over ${bucketShort(b.fromSeconds)}` : `${bucketShort(b.fromSeconds)} to ${bucketShort(b.toSeconds)}`,
  );
  const summary = x.n
    ? `${x.n} in the period; median ${humanDuration(x.p50Seconds)}, 90th percentile ${humanDuration(x.p90Seconds)}, mean ${humanDuration(x.meanSeconds)}.`
    : 'No data in this period.';
  return html`<figure class="chart-figure" id="dist-${x.measure}">
  <figcaption><h3>${x.label}</h3><p class="muted">From ${x.source}. ${summary}</p></figcaption>
  ${histogramChart({
    title: `${x.label}: histogram`,
    desc: x.n
      ? `Histogram of ${x.n} durations: ${x.histogram.map((b, i) => `${ranges[i]}: ${b.count}`).join('; ')}. ${summary}`
      : `${x.label}: no data in this period.`,
    empty: 'No data in this period',
    bars: x.histogram.map((b, i) => ({ label: labels[i]!, count: b.count, title: `${ranges[i]}: ${b.count}` })),
  })}
  <details><summary>The numbers</summary>
    ${scrollTable(
      `${x.label}: the numbers`,
      html`<table class="sla-hist"><thead><tr><th scope="col">Duration</th><th scope="col">Count</th></tr></thead>
    <tbody>${x.histogram.map((b, i) => html`<tr><td>${ranges[i]}</td><td>${b.count}</td></tr>`)}</tbody></table>`,
    )}
    <p>n = ${x.n}; p50 ${humanDuration(x.p50Seconds)}; p90 ${humanDuration(x.p90Seconds)}.</p>
  </details>
</figure>`;
}

function renderDashboard(d: SlaDashboard, days: number): Html {
  const tz = d.period.timeZone;
  const per = d.period.bucket;
  const jsonHref = `/api/sla/dashboard?from=${encodeURIComponent(d.period.from)}&to=${encodeURIComponent(d.period.to)}&bucket=${per}`;
  return html`<p>How well the team keeps the process's deadlines, for the cases you may see:
    from ${when(d.period.from, tz)} to ${when(d.period.asOf, tz)}. <span class="muted">Times in ${tz}.</span></p>
  <form method="get" action="/dashboard" class="inline-form filter">
    <div class="field"><label for="dash-days">Period</label>
      <select id="dash-days" name="days">${PERIODS.map((p) => html`<option value="${p}"${p === days ? html` selected` : ''}>Last ${p} days</option>`)}</select></div>
    <div class="field"><label for="dash-bucket">Group by</label>
      <select id="dash-bucket" name="bucket"><option value="week"${per === 'week' ? html` selected` : ''}>Week</option><option value="month"${per === 'month' ? html` selected` : ''}>Month</option></select></div>
    <p><button type="submit" class="secondary">Show</button></p>
  </form>

  <section aria-labelledby="counts-h" class="card">
    <h2 id="counts-h">Deadlines</h2>
    ${countsTable(d.clocks)}
    <dl class="definitions">
      <div><dt>Met</dt><dd>stopped on or before its due time, in the period.</dd></div>
      <div><dt>Missed</dt><dd>stopped after its due time, in the period.</dd></div>
      <div><dt>Breached</dt><dd>its due time passed in the period before it was stopped — stopped late or still running.</dd></div>
      <div><dt>Share met</dt><dd>met ÷ (met + breached).</dd></div>
      <div><dt>Running, paused, overdue</dt><dd>now (or at the end of the period); a paused clock is not due.</dd></div>
    </dl>
  </section>

  <section aria-labelledby="share-h" class="card">
    <h2 id="share-h">Share of deadlines met per ${per}</h2>
    <div class="chart-grid">${d.series.map((s) => seriesFigure(d, s))}</div>
  </section>

  <section aria-labelledby="dist-h" class="card">
    <h2 id="dist-h">How long it takes</h2>
    <div class="chart-grid">${d.distributions.map(distributionFigure)}</div>
  </section>

  <p class="muted">The same figures as JSON: <a href="${jsonHref}">${jsonHref}</a>. Desk-wide metrics for Prometheus (admins and the central team): <a href="/metrics">/metrics</a>.</p>`;
}

export const dashboardPages = definePages([
  {
    method: 'GET',
    url: '/dashboard',
    policy: 'signed-in',
    handler: async ({ app, ctx, viewer, query, reply, request }) => {
      const askedDays = Number(field(query, 'days'));
      const days = (PERIODS as readonly number[]).includes(askedDays) ? askedDays : 90;
      const bucket = field(query, 'bucket') === 'month' ? 'month' : 'week';
      const to = app.clock();
      const from = new Date(to.getTime() - days * 86_400_000);
      const d = await slaDashboard(ctx, { from: from.toISOString(), to: to.toISOString(), bucket });
      // An admin of a desk not ready yet sees what it still lacks first: an empty dashboard says nothing.
      const ready = viewer.principal && mayDo(viewer.principal, 'admin.manage') ? await firstRunChecklist(ctx) : null;
      const checklist = ready && !ready.allDone ? firstRunCard(ready, `${baseUrl(app, request)}/report`) : html``;
      return sendHtml(reply, 200, layout({ title: 'SLA dashboard', viewer, body: html`${checklist}${renderDashboard(d, days)}` }));
    },
  },
]);
