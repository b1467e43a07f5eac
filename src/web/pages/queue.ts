import { readFileSync } from 'node:fs';
import { queue, queueFilterOptions, QueueQuery, type QueueItem, type QueueSort } from '../../app/cases/queries.ts';
import { runningClocks, type RunningClock } from '../../app/sla/stats.ts';
import { isInitialised, rulesOf } from '../../app/admin/instance.ts';
import { firstRunChecklist, type FirstRunChecklist } from '../../app/admin/first-run.ts';
import { mayDo } from '../../domain/access.ts';
import { REPORT_STATES } from '../../domain/report-management.ts';
import { SEVERITIES } from '../../domain/severity.ts';
import { html, raw, type Html } from '../html.ts';
import { baseUrl, field, layout, PAGE_CSP, scrollTable, select, sendHtml, sendScript, seeOther, zoneOf } from '../common.ts';
import { nextStepCard } from '../first-run-card.ts';
import { definePages } from '../route.ts';
import { relativeDue } from '../format.ts';

// The queue: what is overdue first, then reports still in triage and incidents, each case once, in
// the order the person chose, narrowed by filters that are a plain GET form, so every view is a link
// that can be shared. The filters only narrow what the use case lets the person see. Keyboard
// shortcuts (static/queue-keys.mjs) are an enhancement: each does what a link or field here does.

const KEYS_SCRIPT = readFileSync(new URL('../static/queue-keys.mjs', import.meta.url), 'utf8');

/**
 * The queue's CSP: the pages' own, plus the desk's script for the shortcuts (script-src 'self':
 * nothing inline, no eval), which builds no markup, so Trusted Types allow it no policy at all.
 */
export const QUEUE_CSP = `${PAGE_CSP}; script-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'`;

/** The shortcuts, said on the page for everyone: a <details> that opens without script, and that "?" opens. */
const SHORTCUTS = html`<details class="shortcuts" id="queue-shortcuts">
  <summary>Keyboard shortcuts</summary>
  <p>With JavaScript on, these single keys work on this page while you are not typing in a field. Each does what a link or a field here does.</p>
  <dl class="keys">
    <div><dt><kbd>j</kbd> or <kbd>↓</kbd></dt><dd>Select the next case (the arrow once a case is selected)</dd></div>
    <div><dt><kbd>k</kbd> or <kbd>↑</kbd></dt><dd>Select the previous case</dd></div>
    <div><dt><kbd>Enter</kbd> or <kbd>o</kbd></dt><dd>Open the selected case</dd></div>
    <div><dt><kbd>/</kbd></dt><dd>Go to the filters</dd></div>
    <div><dt><kbd>m</kbd></dt><dd>Turn "Mine only" on or off</dd></div>
    <div><dt><kbd>?</kbd></dt><dd>Open or close this list (<kbd>Escape</kbd> closes it)</dd></div>
  </dl>
</details>`;

type Clocks = Map<string, RunningClock[]>;

/** The filters and order of one view of the queue, as they travel in its URL. */
interface View {
  status: 'open' | 'closed';
  project?: string;
  state?: string;
  severity?: string;
  owner?: string;
  mine?: boolean;
  overdue?: boolean;
  sort: QueueSort;
  dir: 'asc' | 'desc';
}

/** Reads the view from the query string; a value that is not one the queue knows is ignored rather than refused. */
function viewOf(query: unknown): View {
  const s = QueueQuery.shape;
  const given = (name: string) => field(query, name) || undefined;
  const v: View = {
    status: s.status.safeParse(given('status')).data ?? 'open',
    sort: s.sort.safeParse(given('sort')).data ?? 'due',
    dir: s.dir.safeParse(given('dir')).data ?? 'asc',
  };
  const project = s.project.safeParse(given('project')).data;
  const state = s.state.safeParse(given('state')).data;
  const severity = s.severity.safeParse(given('severity')).data;
  const owner = s.owner.safeParse(given('owner')).data;
  if (project) v.project = project;
  if (state) v.state = state;
  if (severity) v.severity = severity;
  if (owner) v.owner = owner;
  if (s.mine.safeParse(given('mine')).data) v.mine = true;
  if (s.overdue.safeParse(given('overdue')).data) v.overdue = true;
  return v;
}

const hasFilters = (v: View) => Boolean(v.project || v.state || v.severity || v.owner || v.mine || v.overdue);

/** The link to a view: only what differs from the defaults, so links stay short. */
function hrefOf(v: View): string {
  const q = new URLSearchParams();
  if (v.status !== 'open') q.set('status', v.status);
  for (const k of ['project', 'state', 'severity', 'owner'] as const) if (v[k]) q.set(k, v[k]!);
  if (v.mine) q.set('mine', 'true');
  if (v.overdue) q.set('overdue', 'true');
  if (v.sort !== 'due') q.set('sort', v.sort);
  if (v.dir !== 'asc') q.set('dir', v.dir);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

/** Which way a column sorts first: the most severe, the newest received; the rest from the top. */
const FIRST_DIR: Record<QueueSort, 'asc' | 'desc'> = {
  due: 'asc',
  ref: 'asc',
  severity: 'desc',
  priority: 'asc',
  owner: 'asc',
  received: 'desc',
};

/** A column heading that sorts by it: a plain link; the current order is announced by aria-sort. */
function sortHeader(v: View, sort: QueueSort, label: string): Html {
  const current = v.sort === sort;
  const dir = current ? (v.dir === 'asc' ? 'desc' : 'asc') : FIRST_DIR[sort];
  const aria = current ? html` aria-sort="${v.dir === 'asc' ? 'ascending' : 'descending'}"` : '';
  const arrow = current ? (v.dir === 'asc' ? ' ▲' : ' ▼') : '';
  const hint = current ? `, sorted ${v.dir === 'asc' ? 'ascending' : 'descending'}; sort the other way` : ', sort by it';
  return html`<th scope="col"${aria}><a href="${hrefOf({ ...v, sort, dir })}">${label}<span aria-hidden="true">${arrow}</span><span class="visually-hidden">${hint}</span></a></th>`;
}

/** The clock due first on a case, its owner, and how many more run. */
function clockCell(list: RunningClock[] | undefined): Html {
  const first = list?.[0];
  if (!first) return html`<span class="muted">none</span>`;
  const more = list.length - 1;
  return html`<span class="clock-name">${first.name}${first.project ? html` <span class="muted">(${first.project})</span>` : ''}${first.paused ? html` <span class="badge">paused</span>` : ''}</span>
    <span class="muted">owned by</span> ${first.owner ?? html`<span class="muted">nobody yet</span>`}${more > 0 ? html`<br><span class="muted">+${more} more running</span>` : ''}`;
}

const notSet = html`<span class="muted">—</span>`;

interface TableOptions {
  className: string;
  caption: string;
  items: QueueItem[];
  empty: string;
  /** Severity and priority belong to incidents; reports in triage have neither yet. */
  incidentColumns: boolean;
}

function table(o: TableOptions, v: View, tz: string, now: Date, clocks: Clocks): Html {
  const cols = o.incidentColumns ? 8 : 6;
  return scrollTable(
    o.caption,
    html`<table class="${o.className}">
  <caption>${o.caption} <span class="count">(${o.items.length})</span></caption>
  <thead><tr>${sortHeader(v, 'ref', 'Ref')}<th scope="col">Title</th><th scope="col">State</th>${o.incidentColumns ? html`${sortHeader(v, 'severity', 'Severity')}${sortHeader(v, 'priority', 'Priority')}` : ''}${sortHeader(v, 'owner', 'Owner')}<th scope="col">Clock running</th>${sortHeader(v, 'due', 'Due')}</tr></thead>
  <tbody>
  ${
    o.items.length === 0
      ? html`<tr><td colspan="${cols}" class="muted">${o.empty}</td></tr>`
      : o.items.map(
          (i) => html`<tr${i.overdue ? html` class="overdue-row"` : ''}>
      <td><a href="/cases/${i.reportId}">${i.ref}</a></td>
      <td><a href="/cases/${i.reportId}">${i.title}</a></td>
      <td>${i.state}</td>
      ${o.incidentColumns ? html`<td>${i.severity ?? notSet}</td><td>${i.priority ?? notSet}</td>` : ''}
      <td>${i.owner ?? html`<span class="muted">unclaimed</span>`}</td>
      <td>${clockCell(clocks.get(i.reportId))}</td>
      <td>${relativeDue(i.dueAt, tz, now, i.overdue)}</td>
    </tr>`,
        )
  }
  </tbody>
</table>`,
  );
}

function filterForm(v: View, options: Awaited<ReturnType<typeof queueFilterOptions>>): Html {
  const check = (name: 'mine' | 'overdue', label: string) =>
    html`<div class="field choice"><label><input type="checkbox" name="${name}" value="true"${v[name] ? raw(' checked') : ''}> ${label}</label></div>`;
  return html`<form method="get" action="/" class="filters" role="search" aria-label="Filter the queue">
  <input type="hidden" name="status" value="${v.status}">
  <input type="hidden" name="sort" value="${v.sort}">
  <input type="hidden" name="dir" value="${v.dir}">
  ${select({ name: 'project', label: 'Project', value: v.project ?? '', blank: 'Any project', options: options.projects.map((p) => ({ value: p.slug, label: p.name })) })}
  ${select({ name: 'state', label: 'State', value: v.state ?? '', blank: 'Any state', options: REPORT_STATES.filter((s) => s !== 'start').map((s) => ({ value: s, label: s })) })}
  ${select({ name: 'severity', label: 'Severity', value: v.severity ?? '', blank: 'Any severity', options: [...SEVERITIES].reverse().map((s) => ({ value: s, label: s })) })}
  ${select({
    name: 'owner',
    label: 'Owner',
    value: v.owner ?? '',
    blank: 'Anyone',
    options: [{ value: 'nobody', label: 'Nobody yet' }, ...options.owners.map((o) => ({ value: o.id, label: o.name }))],
  })}
  ${check('mine', 'Mine only')}
  ${check('overdue', 'Overdue only')}
  <div class="filter-buttons"><button type="submit">Filter</button>${hasFilters(v) ? html` <a href="${hrefOf({ status: v.status, sort: v.sort, dir: v.dir })}">Clear the filters</a>` : ''}</div>
</form>`;
}

/** What the empty queue says about what comes next. */
interface EmptyFacts {
  central: boolean;
  /** The public report form's address, to share. */
  reportUrl: string;
  /** The central team's alias, where reports arrive by mail. */
  alias: string;
  /** For an admin: the first-run checklist, while the desk still lacks something. */
  firstRun: FirstRunChecklist | null;
}

/** What to do when nothing is listed: clear the filters, set the desk up, or where new work comes from. */
function emptyQueue(v: View, o: EmptyFacts): Html {
  if (hasFilters(v))
    return html`<div class="empty-state" role="status"><p><strong>No case matches these filters.</strong></p>
    <p><a href="${hrefOf({ status: v.status, sort: v.sort, dir: v.dir })}">Clear the filters</a> to see the whole ${v.status === 'open' ? 'queue' : 'list of closed incidents'}.</p></div>`;
  if (v.status === 'closed')
    return html`<div class="empty-state" role="status"><p><strong>No closed incidents yet.</strong></p><p><a href="/">Back to the open queue</a>.</p></div>`;
  const arrive = html`Reports arrive through the public report form at <a href="${o.reportUrl}"><code>${o.reportUrl}</code></a>${o.alias ? html`, by mail to <code>${o.alias}</code>` : ''} or through the API`;
  const card = o.firstRun && !o.firstRun.allDone ? nextStepCard(o.firstRun, o.reportUrl) : '';
  // An admin of a desk not ready yet reads first what to do next: no report can go through its process before.
  return html`${card}<div class="empty-state" role="status"><p><strong>The queue is empty: nothing waits for triage and no incident is open.</strong></p>
  ${
    o.central
      ? html`<p>${arrive}. Each new one appears here for triage.</p>`
      : html`<p>Cases appear here once they are forwarded to your project or someone pulls you into one. ${arrive}, to the central security team first.</p>`
  }
  <p>See the <a href="/?status=closed">closed incidents</a>, or the <a href="/dashboard">dashboard</a> for how the deadlines went.</p></div>`;
}

export const queuePages = definePages([
  { method: 'GET', url: '/static/queue-keys.mjs', policy: 'public', handler: async ({ reply }) => sendScript(reply, KEYS_SCRIPT) },
  {
    method: 'GET',
    url: '/',
    policy: 'signed-in',
    // The start page: a fresh desk goes to setup, anyone else signed out to sign in.
    signedOut: async ({ app, reply }) => seeOther(reply, (await isInitialised(app.db)) ? '/signin' : '/setup'),
    handler: async ({ app, ctx, viewer, query, request, reply }) => {
      const v = viewOf(query);
      const { status, sort, dir, ...filters } = v;
      const q = await queue(ctx, {
        status,
        sort,
        dir,
        ...filters,
        ...(filters.mine ? { mine: 'true' } : {}),
        ...(filters.overdue ? { overdue: 'true' } : {}),
      });
      const all = [...q.reports, ...q.incidents];
      const clocks = await runningClocks(
        ctx,
        all.map((i) => i.reportId),
      );
      const tz = zoneOf(viewer);
      const now = app.clock();
      const options = await queueFilterOptions(ctx);
      const tab = (s: 'open' | 'closed', label: string) =>
        s === status
          ? html`<li><a href="${hrefOf({ ...v, status: s })}" aria-current="page">${label}</a></li>`
          : html`<li><a href="${hrefOf({ ...v, status: s })}">${label}</a></li>`;
      // Each case once: what is overdue is listed in its own table first, and only there.
      const late = all.filter((i) => i.overdue);
      const onTime = (items: QueueItem[]) => items.filter((i) => !i.overdue);
      const p = viewer.principal!;
      const empty = all.length === 0 && !hasFilters(v) && status === 'open';
      const body =
        all.length === 0
          ? emptyQueue(v, {
              central: p.central,
              reportUrl: `${baseUrl(app, request)}/report`,
              alias: empty ? (await rulesOf(app.db)).centralAlias : '',
              firstRun: empty && mayDo(p, 'admin.manage') ? await firstRunChecklist(ctx) : null,
            })
          : html`${late.length ? table({ className: 'overdue-list', caption: 'Overdue now', items: late, empty: '', incidentColumns: true }, v, tz, now, clocks) : ''}
          ${
            v.overdue
              ? ''
              : html`${status === 'open' ? table({ className: 'queue', caption: 'Reports in triage', items: onTime(q.reports), empty: late.some((i) => i.kind === 'report') ? 'No other reports waiting for triage.' : 'No reports waiting for triage.', incidentColumns: false }, v, tz, now, clocks) : ''}
          ${table({ className: 'queue', caption: status === 'open' ? 'Open incidents' : 'Closed incidents', items: onTime(q.incidents), empty: status === 'closed' ? 'No closed incidents.' : late.some((i) => i.kind === 'incident') ? 'No other open incidents.' : 'No open incidents.', incidentColumns: true }, v, tz, now, clocks)}`
          }`;
      return sendHtml(
        reply,
        200,
        layout({
          title: 'Queue',
          viewer,
          body: html`<nav aria-label="Open or closed" class="tabs"><ul>${tab('open', 'Open')}${tab('closed', 'Closed')}</ul></nav>
          ${filterForm(v, options)}
          <p class="muted">Times are shown in ${tz}.</p>
          ${body}
          ${SHORTCUTS}
          <script type="module" src="/static/queue-keys.mjs"></script>`,
        }),
        QUEUE_CSP,
      );
    },
  },
]);
