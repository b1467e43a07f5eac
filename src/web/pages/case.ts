import type { Ctx } from '../../app/context.ts';
import { caseView, type CaseView } from '../../app/cases/queries.ts';
import { reporterMailNote } from '../../app/delivery/reporter-plan.ts';
import { listProjects } from '../../app/admin/admin.ts';
import type { CaseAction } from '../../domain/access.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { html, safeHref, type Html } from '../html.ts';
import { flashOf, hiddenCsrf, layout, notFoundPage, scrollTable, sendHtml, textBox, zoneOf, type Viewer } from '../common.ts';
import { formPost, type Labels } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { at, clockWords, projectStateWords, relativeDue, reportStateWords, stopWords, timelineSentence } from '../case-words.ts';
import { clockTimeline, outcomeBadge } from '../clock-timeline.ts';
import { CVSS_DONE, cvssSection } from './cvss-calculator.ts';
import { describeMailFacts, mailFactsOfCase } from '../../app/inbound/view.ts';
import { CASE_KEY_DONE, caseKeyForms, caseKeysSection } from './case-keys.ts';
import { CASE_REDACTION_DONE, caseRedactionForms, caseRedactionSection } from './case-redaction.ts';
import { CASE_DISCLOSURE_DONE, caseDisclosureForms, caseDisclosureSection, embargoEndForm } from './case-disclosure.ts';
import { CASE_FIX_DONE, caseFixForms, caseFixSection } from './case-fix.ts';
import {
  afterDisclosureSection,
  CASE_AFTER_DISCLOSURE_DONE,
  caseAfterDisclosureForms,
  retrospectiveSection,
} from './case-after-disclosure.ts';
import { CASE_ACTIONS, PROJECT_ACTIONS, type Failed, type FormExtras } from './case-actions.ts';
import { mailLabel } from '../mail-status.ts';

// The case page: everything caseView returns, and one form per action the person may take now.
// Every form POSTs to /cases/:reportId/<action> (or .../projects/:slug/<action>), calls the use case
// and redirects back with a confirmation; a refusal re-renders the page with the error and what
// was typed.

const DONE: Record<string, string> = {
  ...Object.fromEntries([...CASE_ACTIONS, ...PROJECT_ACTIONS].map((a) => [a.action, a.done])),
  ...CVSS_DONE,
  ...CASE_KEY_DONE,
  ...CASE_REDACTION_DONE,
  ...CASE_DISCLOSURE_DONE,
  ...CASE_FIX_DONE,
  ...CASE_AFTER_DISCLOSURE_DONE,
};

interface Extras extends FormExtras {
  tz: string;
  now: Date;
  /** Thread messages that came in by mail: encryption, signature and signer, in words. */
  mailFacts: Map<string, string>;
  /** Keys the reporter offered by mail, to confirm or dismiss (empty for those who may not see them). */
  offeredKeys: Html;
}

const KIND_LABEL: Record<string, string> = { note: 'Internal note', to_reporter: 'To the reporter', from_reporter: 'From the reporter' };

function dl(rows: [string, Html | string | null | undefined][]): Html {
  return html`<dl class="facts">${rows.filter(([, v]) => v !== undefined).map(([k, v]) => html`<div><dt>${k}</dt><dd>${v === null || v === '' ? html`<span class="muted">—</span>` : v}</dd></div>`)}</dl>`;
}

function renderCase(v: CaseView, viewer: Viewer, extras: Extras, failed: Failed | null): Html {
  const tz = extras.tz;
  const reporter = 'redacted' in v.reporter ? null : v.reporter;
  const sensitive = 'redacted' in v.sensitive ? null : v.sensitive;
  const inc = v.incident;
  const bug = inc?.bugLink ? String(inc.bugLink) : null;
  const bugHref = safeHref(bug);

  const reportSection = html`<section aria-labelledby="report-h" class="card report" id="report">
    <h2 id="report-h">Report #${v.number}</h2>
    ${dl([
      ['Title', v.title],
      ...(v.redaction === null && v.summary ? [['Summary', v.summary] as [string, string]] : []),
      ['Received', at(v.receivedAt, tz)],
      ['Channel', v.channel],
      ['Triager', v.triager],
      ['Acknowledged', v.acknowledgedAt ? at(v.acknowledgedAt, tz) : null],
      ['Credit preference', v.creditPreference],
    ])}
    <h3>Description</h3>
    ${textBox(v.body)}
    <h3>Reporter</h3>
    ${
      reporter
        ? dl([
            ['Name', reporter.name],
            ['E-mail', reporter.email],
            ['Organisation', reporter.organisation],
            ['Handle', reporter.handle],
          ])
        : html`<p class="redacted">Redacted: only the security teams see who reported this.</p>`
    }
    <h3>Sensitive information</h3>
    ${
      sensitive
        ? html`${dl([['Product', sensitive.product]])}
        ${
          sensitive.fields.length
            ? scrollTable(
                'Fields the reporter marked sensitive',
                html`<table><caption>Fields the reporter marked sensitive</caption><thead><tr><th scope="col">Label</th><th scope="col">Value</th></tr></thead>
            <tbody>${sensitive.fields.map((f) => html`<tr><td>${f.label}</td><td>${f.value}</td></tr>`)}</tbody></table>`,
              )
            : html`<p class="muted">No other sensitive fields.</p>`
        }`
        : html`<p class="redacted">Redacted.</p>`
    }
  </section>`;

  const incidentSection = inc
    ? html`<section aria-labelledby="incident-h" class="card">
      <h2 id="incident-h">Incident ${String(inc.ref)}</h2>
      ${dl([
        ['Title', String(inc.title)],
        ['Status', String(inc.status)],
        ['Outcome', inc.outcome ? String(inc.outcome) : null],
        ['Severity', inc.severity ? String(inc.severity) : null],
        ['Priority', inc.priority ? String(inc.priority) : null],
        [
          'Affected components',
          Array.isArray(inc.affectedComponents) && inc.affectedComponents.length
            ? (inc.affectedComponents as unknown[]).map(String).join(', ')
            : null,
        ],
        ['Bug link', bug ? (bugHref ? html`<a href="${bugHref}" rel="noreferrer noopener">${bug}</a>` : bug) : null],
        ['Resolution due', inc.resolutionDueAt ? dueAt(inc.resolutionDueAt, tz, extras.now) : null],
        ['Point of contact for the reporter', inc.pointOfContact],
        [
          'Deemed serious',
          inc.serious
            ? html`${at(inc.serious.at ?? '', tz)}${inc.serious.by ? html`, by ${inc.serious.by}` : ''}: the response team talks ${inc.serious.channel ? html`at ${inc.serious.channel} and` : ''} on this case (notes are mailed to everyone on it)`
            : null,
        ],
        ['Created', at(inc.createdAt, tz)],
        ['Closed', inc.closedAt ? at(inc.closedAt, tz) : null],
      ])}
      <h3>Case state</h3>
      ${dl([
        ['Vendor aware', inc.caseState.vendorAware ? at(inc.caseState.vendorAware, tz) : 'no'],
        ['Fix ready', inc.caseState.fixReady ? at(inc.caseState.fixReady, tz) : 'no'],
        ['Public aware', inc.caseState.publicAware ? at(inc.caseState.publicAware, tz) : 'no'],
        ['Exploit public', inc.caseState.exploitPublic ? at(inc.caseState.exploitPublic, tz) : 'no'],
        ['Attacks observed', inc.caseState.attacksObserved ? at(inc.caseState.attacksObserved, tz) : 'no'],
      ])}
    </section>`
    : '';

  const projectsSection = v.projects.length
    ? html`<section aria-labelledby="projects-h" class="card">
      <h2 id="projects-h">Projects</h2>
      ${scrollTable(
        'Projects of the incident',
        html`<table>
        <thead><tr><th scope="col">Project</th><th scope="col">Team alias</th><th scope="col">Handler</th><th scope="col">State</th></tr></thead>
        <tbody>${v.projects.map((p) => html`<tr><td>${p.name} <span class="muted">(${p.slug})</span></td><td>${p.alias ?? '—'}</td><td>${p.handler ?? html`<span class="muted">unclaimed</span>`}</td><td>${p.rmState}</td></tr>`)}</tbody>
      </table>`,
      )}
    </section>`
    : '';

  const participants = v.participants.length
    ? html`<section aria-labelledby="part-h" class="card"><h2 id="part-h">Pulled into this case</h2>
      <ul>${v.participants.map((p) => html`<li>${p.name ?? 'unknown'} <span class="muted">(${p.role})</span></li>`)}</ul></section>`
    : '';

  // Every date of the page in the viewer's zone, named once at the top: a clock kept in its owner's
  // zone is still counted there, but shown here.
  const deadlines = html`<section aria-labelledby="dl-h" class="card">
    <h2 id="dl-h">Deadlines</h2>
    ${clockTimeline(v.deadlines, extras.now, tz)}
    ${
      v.deadlines.length
        ? scrollTable(
            'Deadlines, one row per clock',
            html`<table class="deadlines">
        <thead><tr><th scope="col">Clock</th><th scope="col">Project</th><th scope="col">Owner</th><th scope="col">Started</th><th scope="col">Due</th><th scope="col">Stopped</th></tr></thead>
        <tbody>${v.deadlines.map((d) => {
          return html`<tr${d.stoppedAt ? html` class="stopped"` : ''}>
            <td>${d.clock}</td><td>${d.project ?? '—'}</td><td>${d.owner ?? html`<span class="muted">nobody yet</span>`}</td>
            <td>${at(d.startedAt, tz)}</td><td>${d.stoppedAt ? at(d.dueAt, tz) : dueAt(d.dueAt!, tz, extras.now)}</td>
            <td>${outcomeBadge(d, extras.now)} ${d.stoppedAt ? html`${at(d.stoppedAt, tz)}<br><span class="muted">${stopWords(d.stopReason, tz)}</span>` : html`<span class="running">running</span>`}</td>
          </tr>`;
        })}</tbody></table>`,
          )
        : html`<p class="muted">No clocks.</p>`
    }
  </section>`;

  const timeline = html`<section aria-labelledby="tl-h" class="card">
    <h2 id="tl-h">Timeline</h2>
    <ol class="timeline">${v.timeline.map(
      (t) =>
        html`<li>${at(t.at, tz)}: ${timelineSentence(t)}${t.actor ? html` <span class="muted">(by ${t.actor})</span>` : ''}${t.reason ? html`<br><span class="reason">${t.reason}</span>` : ''}</li>`,
    )}</ol>
  </section>`;

  const thread = html`<section aria-labelledby="th-h" class="card" id="thread">
    <h2 id="th-h">Thread</h2>
    ${threadPager(v, 'top')}
    ${
      v.thread.length
        ? v.thread.map(
            (m) => html`<article class="message kind-${m.kind}" aria-label="${KIND_LABEL[m.kind] ?? m.kind}">
        <header><strong class="badge ${m.kind === 'note' ? 'internal' : ''}">${KIND_LABEL[m.kind] ?? m.kind}</strong>
          ${m.author ?? 'unknown'} · ${at(m.at, tz)}${m.mail ? html` · ${mailLabel(m.mail)}` : ''}
          ${extras.mailFacts.has(m.id) ? html`<br><span class="muted mail-facts">${extras.mailFacts.get(m.id)}</span>` : ''}</header>
        ${textBox(m.body)}
      </article>`,
          )
        : html`<p class="muted">${v.threadPage.totalMessages ? 'No messages on this page.' : 'No messages yet.'}</p>`
    }
    ${threadPager(v, 'bottom')}
  </section>`;

  const attachments = html`<section aria-labelledby="att-h" class="card">
    <h2 id="att-h">Attachments</h2>
    ${
      v.attachments.length
        ? html`<ul>${v.attachments.map((a) => html`<li><a href="/api/reports/${v.reportId}/attachments/${a.id}" download>${a.filename}</a> <span class="muted">(${a.contentType}, ${a.size} bytes; downloads as a file)</span></li>`)}</ul>`
        : html`<p class="muted">None.</p>`
    }
  </section>`;

  const plan = planActions(v);

  return html`<p class="muted case-meta"><a href="/">← Queue</a> · All times on this page are in ${tz}.</p>
    <div class="case-layout">
      <aside class="case-side" aria-label="What you can do now, and a summary">
        ${actionPanels(v, viewer, extras, failed, plan)}
        ${summaryPanel(v, extras)}
      </aside>
      <div class="case-main">
        ${reportSection}${thread}${composer(viewer, extras, failed, plan.compose)}
      </div>
    </div>
    ${caseRedactionSection(v, viewer, failed)}${extras.offeredKeys}${incidentSection}${caseFixSection(v, viewer, failed, tz)}${caseDisclosureSection(v, viewer, failed, tz)}${afterDisclosureSection(v, viewer, failed, tz)}${retrospectiveSection(v, viewer, failed, tz)}${cvssSection(v, viewer)}${v.advisoryActions.includes('advisory.create') ? html`<section aria-labelledby="adv-h" class="card"><h2 id="adv-h">Advisory</h2><p><a href="/cases/${v.reportId}/advisories">Draft, review and publish the advisory</a></p></section>` : ''}${projectsSection}${participants}${deadlines}${timeline}${attachments}`;
}

/** A due time: relative ("due in 2 days", "5 h overdue", the word, not colour alone) and absolute. */
function dueAt(iso: string, tz: string, now: Date): Html {
  const overdue = new Date(iso).getTime() < now.getTime();
  return html`<span class="due${overdue ? ' is-overdue' : ''}">${overdue ? html`<strong class="badge overdue">${relativeDue(iso, now)}</strong>` : html`<strong>${relativeDue(iso, now)}</strong>`} · ${at(iso, tz)}</span>`;
}

/**
 * The summary beside the report: where the case stands in words, who has it, how bad it is, each
 * running clock, the embargo dates once agreed and the state of the fix.
 */
function summaryPanel(v: CaseView, extras: Extras): Html {
  const tz = extras.tz;
  const inc = v.incident;
  const running = v.deadlines.filter((d) => !d.stoppedAt && d.dueAt);
  const owner = inc
    ? (inc.pointOfContact ??
      (v.projects
        .map((p) => p.handler)
        .filter(Boolean)
        .join(', ') ||
        null))
    : v.triager;
  const d = v.disclosure;
  const agreed = d?.agreed ?? null;
  return html`<section aria-labelledby="summary-h" class="card summary" id="summary">
    <h2 id="summary-h">Summary</h2>
    <dl class="summary-facts">
      <div><dt>State</dt><dd>${reportStateWords(v.rmState, v.triager, inc !== null)}${inc && String(inc.status) === 'closed' ? ' · the incident is closed' : ''}
        ${v.projects.length ? html`<ul class="plain">${v.projects.map((p) => html`<li>${p.name}: ${projectStateWords(p.rmState, p.handler)}</li>`)}</ul>` : ''}</dd></div>
      <div><dt>Owner</dt><dd>${owner ?? html`<span class="muted">nobody yet</span>`}</dd></div>
      ${inc ? html`<div><dt>Severity and priority</dt><dd>${inc.severity ? String(inc.severity) : html`<span class="muted">not assessed</span>`}${inc.priority ? html` · ${String(inc.priority)}` : ''}</dd></div>` : ''}
      <div><dt>Running clocks</dt><dd>${
        running.length
          ? html`<ul class="plain clocks">${running.map(
              (c) =>
                html`<li>${clockWords(c.clock)}${c.project ? html` <span class="muted">(${c.project})</span>` : ''}${c.pausedAt ? html`: <span class="badge outcome-paused">paused</span>` : html`: ${dueAt(c.dueAt!, tz, extras.now)}`}</li>`,
            )}</ul>`
          : html`<span class="muted">none</span>`
      }</dd></div>
      ${
        d
          ? html`<div><dt>Embargo</dt><dd>${EMBARGO_SUMMARY[d.embargo] ?? d.embargo}${
              agreed
                ? html`<ul class="plain"><li><strong>Public: ${at(agreed.publicAt, tz)}</strong></li>${agreed.tiers.map((t) => html`<li>${t.name} until ${at(t.endsAt, tz)}</li>`)}</ul>`
                : ''
            }</dd></div>`
          : ''
      }
      ${
        inc
          ? html`<div><dt>Fix</dt><dd>${v.fix?.readyAt ? html`<strong>Ready</strong> since ${at(v.fix.readyAt, tz)}` : 'Not ready yet'}${v.fix?.exportControlled ? html` · <strong class="badge export-controlled">Export-controlled</strong>` : ''}</dd></div>`
          : ''
      }
    </dl>
  </section>`;
}

const EMBARGO_SUMMARY: Record<string, string> = {
  none: 'None agreed',
  proposed: 'Proposed, waiting for an answer',
  active: 'In force',
  revise: 'In force; a revision is proposed',
  exited: 'Ended',
};

/**
 * Where this page of the thread sits among all of them, with links to the older messages (above, as
 * they come before these) and to the newer ones (below); nothing for a thread that fits on one page.
 */
function threadPager(v: CaseView, where: 'top' | 'bottom'): Html {
  const { page, pageSize, totalMessages, older, newer } = v.threadPage;
  if (!older && !newer) return html``;
  const href = (n: number) => `/cases/${v.reportId}${n === 1 ? '' : `?page=${n}`}#thread`;
  const last = Math.max(0, totalMessages - (page - 1) * pageSize);
  const first = Math.max(1, last - pageSize + 1);
  const links =
    where === 'top'
      ? [older ? html`<a href="${href(page + 1)}" rel="next">← Older messages</a>` : null]
      : [
          newer ? html`<a href="${href(page - 1)}" rel="prev">Newer messages →</a>` : null,
          newer && page > 2 ? html`<a href="${href(1)}">Newest</a>` : null,
        ];
  const shown = links.filter((l): l is Html => l !== null);
  return html`<nav class="pager" aria-label="Thread pages (${where})"><p>${
    where === 'top'
      ? html`<span class="muted">${last > 0 ? `Messages ${first}–${last} of ${totalMessages}` : `Page ${page}: no messages (${totalMessages} in all)`}.</span> `
      : ''
  }${shown.map((l, i) => html`${i ? ' · ' : ''}${l}`)}</p></nav>`;
}

/** One form of the actions panel: its route, title, vocabulary key, the key a refusal names, and its fields. */
interface PlannedForm {
  url: string;
  title: string;
  action: CaseAction;
  key: string;
  fields: (extras: Extras, f: Failed | null) => Html;
}

/** The next step, in the order a case moves: the first of these the vocabulary allows is the primary action. */
const PRIMARY_ORDER: readonly CaseAction[] = [
  'triage.claim',
  'triage.accept',
  'triage.acknowledge',
  'triage.assess',
  'project.claim',
  'project.confirm',
  'incident.assign',
];

/** Actions that end or take something back: grouped apart, marked in words and by an icon. */
const DESTRUCTIVE: ReadonlySet<CaseAction> = new Set(['triage.reject', 'project.reject', 'incident.remove_project', 'incident.close']);

/** The composer's tabs: writing on the case, not a change of its state. */
const COMPOSE: readonly CaseAction[] = ['case.note', 'case.reply', 'case.status_update'];

interface ActionPlan {
  primary: PlannedForm | null;
  more: PlannedForm[];
  danger: PlannedForm[];
  compose: PlannedForm[];
}

/** Sorts every form the vocabulary allows (v.actions, and each project's actions) into the panels. */
function planActions(v: CaseView): ActionPlan {
  const forms: PlannedForm[] = [
    ...CASE_ACTIONS.filter((a) => v.actions.includes(a.action)).map((a) => ({
      url: `/cases/${v.reportId}/${a.slug}`,
      title: a.title,
      action: a.action,
      key: a.action as string,
      fields: (extras: Extras, f: Failed | null) => a.fields?.(v, extras, f) ?? html``,
    })),
    ...v.projects.flatMap((p) =>
      PROJECT_ACTIONS.filter((a) => p.actions.includes(a.action)).map((a) => ({
        url: `/cases/${v.reportId}/projects/${encodeURIComponent(p.slug)}/${a.slug}`,
        title: `${p.name}: ${a.title}`,
        action: a.action,
        key: `${a.action}:${p.slug}`,
        fields: (_extras: Extras, f: Failed | null) => a.fields?.(f) ?? html``,
      })),
    ),
  ];
  const compose = COMPOSE.flatMap((c) => forms.filter((f) => f.action === c));
  const rest = forms.filter((f) => !COMPOSE.includes(f.action));
  let primary: PlannedForm | null = null;
  for (const a of PRIMARY_ORDER) {
    primary = rest.find((f) => f.action === a) ?? null;
    if (primary) break;
  }
  return {
    primary,
    more: rest.filter((f) => f !== primary && !DESTRUCTIVE.has(f.action)),
    danger: rest.filter((f) => DESTRUCTIVE.has(f.action)),
    compose,
  };
}

function actionPanels(v: CaseView, viewer: Viewer, extras: Extras, failed: Failed | null, plan: ActionPlan): Html {
  const failedOf = (p: PlannedForm) => (failed?.key === p.key ? failed : null);
  // With no state-moving step left, marking the fix ready is the next one for its handlers.
  const fixReady =
    !plan.primary && v.actions.includes('incident.fix') && v.fix && !v.fix.readyAt && v.fix.items.length > 0
      ? html`<form method="post" action="/cases/${encodeURIComponent(v.reportId)}/fix/ready" class="action fix-ready primary" aria-label="The fix is ready">
      <h3>Mark the fix ready</h3>${hiddenCsrf(viewer)}
      <p class="hint">Everything the fix needs is recorded below; marking it ready lets the planned releases go out.</p>
      <p><button type="submit" class="primary">The fix is ready</button></p></form>`
      : null;
  const endEmbargo = embargoEndForm(v, viewer, failed);
  const dangerOpen = plan.danger.some((p) => failedOf(p)) || failed?.key === 'disclosure.end';
  const moreOpen = plan.more.some((p) => failedOf(p));
  if (!plan.primary && !fixReady && plan.more.length === 0 && plan.danger.length === 0 && !endEmbargo) return html``;
  return html`<section aria-labelledby="actions-h" id="actions" class="card actions">
    <h2 id="actions-h">What you can do now</h2>
    ${
      plan.primary
        ? actionForm(plan.primary, viewer, failedOf(plan.primary), plan.primary.fields(extras, failedOf(plan.primary)), 'primary')
        : (fixReady ?? html`<p class="muted">No next step waits on you.</p>`)
    }
    ${
      plan.more.length
        ? html`<details class="more-actions"${moreOpen ? html` open` : ''}>
      <summary>More actions <span class="count">(${plan.more.length})</span></summary>
      <div class="action-list">${plan.more.map((p) => actionForm(p, viewer, failedOf(p), p.fields(extras, failedOf(p)), 'secondary'))}</div>
    </details>`
        : ''
    }
    ${
      plan.danger.length || endEmbargo
        ? html`<details class="danger-zone"${dangerOpen ? html` open` : ''}>
      <summary><span aria-hidden="true">⚠</span> Destructive actions <span class="count">(${plan.danger.length + (endEmbargo ? 1 : 0)})</span></summary>
      <p class="hint">These reject, close or take something back; the reporter or a team may be told at once.</p>
      <div class="action-list">${plan.danger.map((p) => actionForm(p, viewer, failedOf(p), p.fields(extras, failedOf(p)), 'danger'))}${endEmbargo ?? ''}</div>
    </details>`
        : ''
    }
  </section>`;
}

function actionForm(
  p: PlannedForm,
  viewer: Viewer,
  failed: Failed | null,
  fields: Html,
  kind: 'primary' | 'secondary' | 'danger' | 'compose',
): Html {
  const cls = p.action.replace('.', '-').replace('_', '-');
  // A heading names a form with fields; a lone button names itself, and a composer tab names its form.
  return html`<form method="post" action="${p.url}" class="action ${cls} ${kind}${failed ? ' has-error' : ''}" aria-label="${p.title}">
    ${(fields.value.trim() && kind !== 'compose') || kind === 'danger' ? html`<h3>${kind === 'danger' ? html`<span class="badge danger-word">Destructive</span> ` : ''}${p.title}</h3>` : ''}
    ${failed ? html`<p class="field-error" role="alert">${failed.problem.message}</p>` : ''}
    ${hiddenCsrf(viewer)}
    ${fields}
    <p><button type="submit" class="${kind}">${kind === 'danger' ? html`<span aria-hidden="true">⚠ </span>` : ''}${p.title}</button></p>
  </form>`;
}

const COMPOSE_TABS: Record<string, { id: string; label: string }> = {
  'case.note': { id: 'compose-note', label: 'Internal note' },
  'case.reply': { id: 'compose-reply', label: 'Reply to the reporter' },
  'case.status_update': { id: 'compose-status', label: 'Status update' },
};

/**
 * One composer under the thread: a tab per kind of message (radio buttons and labels, so it works
 * without JavaScript), each posting to its own form route. The tab of a refused form is the one shown.
 */
function composer(viewer: Viewer, extras: Extras, failed: Failed | null, forms: PlannedForm[]): Html {
  if (forms.length === 0) return html``;
  const failedOf = (p: PlannedForm) => (failed?.key === p.key ? failed : null);
  const chosen = forms.find((p) => failedOf(p)) ?? forms[0]!;
  const form = (p: PlannedForm) => actionForm(p, viewer, failedOf(p), p.fields(extras, failedOf(p)), 'compose');
  if (forms.length === 1)
    return html`<section aria-labelledby="composer-h" class="card composer" id="composer"><h2 id="composer-h">Write</h2>${form(chosen)}</section>`;
  return html`<section aria-labelledby="composer-h" class="card composer" id="composer">
    <h2 id="composer-h">Write</h2>
    <div class="compose-tabs">
      ${forms.map((p) => {
        const t = COMPOSE_TABS[p.action]!;
        return html`<input type="radio" name="compose-tab" id="${t.id}" class="tab-radio"${p === chosen ? html` checked` : ''}><label for="${t.id}" class="tab-label">${t.label}</label>`;
      })}
      ${forms.map((p) => html`<div class="tab-panel panel-${COMPOSE_TABS[p.action]!.id}">${form(p)}</div>`)}
    </div>
  </section>`;
}

async function extrasFor(ctx: Ctx, v: CaseView, viewer: Viewer): Promise<Extras> {
  const needProjects = (['triage.accept', 'triage.assess', 'incident.assign', 'incident.add_project'] as const).some((a) =>
    v.actions.includes(a),
  );
  const projects = needProjects ? await listProjects(ctx) : [];
  const replyMail = v.actions.includes('case.reply') ? await reporterMailNote(ctx, v.reportId) : null;
  const mailFacts = new Map([...(await mailFactsOfCase(ctx, v.reportId))].map(([id, f]) => [id, describeMailFacts(f)]));
  const tz = zoneOf(viewer);
  const offeredKeys = await caseKeysSection(ctx, v, viewer, tz);
  return { projects, priorities: [...v.priorities], tz, now: ctx.app.clock(), replyMail, mailFacts, offeredKeys };
}

/** The case page, with a confirmation or with the form that failed drawn again. */
export type { Failed };

export async function showCase(input: PageInput, status: number, flash: string | null, failed: Failed | null) {
  const { ctx, viewer, reply } = input;
  let v: CaseView;
  try {
    // The thread's page, when asked for (?page=2 for older messages); the use case checks it.
    const page = (input.query as Record<string, unknown> | undefined)?.page;
    v = await caseView(ctx, input.params.reportId!, page === undefined ? {} : { page });
  } catch (e) {
    if (e instanceof EmbargoError && e.code === 'not_found') return notFoundPage(reply, viewer);
    throw e;
  }
  const extras = await extrasFor(ctx, v, viewer);
  const ref = v.incident ? String(v.incident.ref) : `#${v.number}`;
  return sendHtml(
    reply,
    status,
    layout({
      title: `${ref}: ${v.title}`,
      viewer,
      flash,
      error: failed?.problem.message ?? null,
      body: renderCase(v, viewer, extras, failed),
    }),
  );
}

/** Signed out, a case form sends to sign in and back to the case. */
export const backToCase = (params: Record<string, string>) => `/cases/${params.reportId}`;

/** A form on the case page: a refusal draws the page again with that form's values and sentence. */
function caseForm(
  url: string,
  key: (params: Record<string, string>) => string,
  doneKey: string,
  labels: Labels,
  run: (input: PageInput) => Promise<unknown>,
) {
  return formPost({
    url,
    policy: 'signed-in',
    signInNext: backToCase,
    labels,
    run,
    done: (_r, { params }) => `/cases/${encodeURIComponent(params.reportId!)}?done=${encodeURIComponent(doneKey)}`,
    refused: (input, { values, problem }) => showCase(input, problem.status, null, { key: key(input.params), values, problem }),
  });
}

export const casePages = definePages([
  {
    method: 'GET',
    url: '/cases/:reportId',
    policy: 'signed-in',
    signInNext: backToCase,
    handler: async (input) => showCase(input, 200, flashOf(input.query, DONE), null),
  },
  ...CASE_ACTIONS.map((a) =>
    caseForm(
      `/cases/:reportId/${a.slug}`,
      () => a.action,
      a.action,
      a.labels,
      ({ ctx, params, body }) => a.run(ctx, params.reportId!, body),
    ),
  ),
  ...caseKeyForms(showCase),
  ...caseRedactionForms(showCase),
  ...caseDisclosureForms(showCase),
  ...caseFixForms(showCase),
  ...caseAfterDisclosureForms(showCase),
  ...PROJECT_ACTIONS.map((a) =>
    caseForm(
      `/cases/:reportId/projects/:project/${a.slug}`,
      (params) => `${a.action}:${params.project}`,
      a.action,
      a.labels,
      ({ ctx, params, body }) => a.run(ctx, params.reportId!, params.project!, body),
    ),
  ),
]);
