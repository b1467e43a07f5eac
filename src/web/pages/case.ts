import type { Ctx } from '../../app/context.ts';
import { caseView, type CaseView } from '../../app/cases/queries.ts';
import { acceptReport, acknowledgeReport, assessReport, claimTriage, rejectReport, takeOverTriage } from '../../app/cases/triage.ts';
import {
  assignBySubsystem,
  claimHandler,
  confirmVulnerability,
  downgradeToBug,
  handlerReject,
  pullIn,
  takeOverHandler,
} from '../../app/cases/handling.ts';
import { addNote, closeIncident, reopenIncident, replyToReporter, sendStatusUpdate } from '../../app/cases/thread.ts';
import { reporterMailNote } from '../../app/delivery/deliveries.ts';
import { changeSeverity } from '../../app/scoring/severity.ts';
import { listProjects } from '../../app/admin/admin.ts';
import type { CaseAction } from '../../domain/access.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { html, safeHref, type Html } from '../html.ts';
import {
  field,
  fieldList,
  flashOf,
  formOf,
  hiddenCsrf,
  input,
  layout,
  notFoundPage,
  optional,
  select,
  sendHtml,
  splitList,
  textarea,
  type FormBody,
  type FormProblem,
  type Viewer,
} from '../common.ts';
import { formPost, type Labels } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { due, when, zoneOr } from '../format.ts';
import { viewerTimeZone } from '../viewer-zone.ts';
import { clockTimeline, outcomeBadge } from '../clock-timeline.ts';
import { CVSS_DONE, cvssSection } from './cvss-calculator.ts';
import { describeMailFacts, mailFactsOfCase } from '../../app/inbound/view.ts';
import { CASE_KEY_DONE, caseKeyForms, caseKeysSection } from './case-keys.ts';

// The case page: everything caseView returns, and one form per action the person may take now.
// Every form POSTs to /cases/:reportId/<action> (or .../projects/:slug/<action>), calls the use case
// and redirects back with a confirmation; a refusal re-renders the page with the error and what
// was typed.

interface CaseActionDef {
  action: CaseAction;
  /** The URL segment. */
  slug: string;
  title: string;
  done: string;
  labels: Labels;
  run(ctx: Ctx, reportId: string, body: unknown): Promise<unknown>;
}

const reasonLabels: Labels = { reason: ['reason', 'The reason'] };

const CASE_ACTIONS: CaseActionDef[] = [
  {
    action: 'triage.claim',
    slug: 'claim',
    title: 'Claim the triage',
    done: 'You are now the triager of this report.',
    labels: {},
    run: (ctx, id) => claimTriage(ctx, id),
  },
  {
    action: 'triage.take_over',
    slug: 'take-over',
    title: "Take over the triager's duties",
    done: 'You took over the triage.',
    labels: reasonLabels,
    run: (ctx, id, b) => takeOverTriage(ctx, id, { reason: field(b, 'reason') }),
  },
  {
    action: 'triage.accept',
    slug: 'accept',
    title: 'Accept and forward to project team(s)',
    done: 'Accepted: the incident is created and forwarded to the project team(s).',
    labels: { title: ['title', 'The incident title'], projects: ['projects', 'Projects'] },
    run: (ctx, id, b) => acceptReport(ctx, id, { title: field(b, 'title'), projects: fieldList(b, 'projects') }),
  },
  {
    action: 'triage.reject',
    slug: 'reject',
    title: 'Reject the report',
    done: 'Rejected: the standard rejection response goes to the reporter.',
    labels: reasonLabels,
    run: (ctx, id, b) => rejectReport(ctx, id, { reason: field(b, 'reason') }),
  },
  {
    action: 'triage.acknowledge',
    slug: 'acknowledge',
    title: 'Acknowledge receipt',
    done: 'Acknowledged: the acknowledgment goes to the reporter.',
    labels: {},
    run: (ctx, id) => acknowledgeReport(ctx, id),
  },
  {
    action: 'triage.assess',
    slug: 'assess',
    title: 'Initial assessment',
    done: 'Assessed: the incident is created.',
    labels: {
      title: ['title', 'The incident title'],
      severity: ['severity', 'The severity'],
      priority: ['priority', 'The priority'],
      components: ['components', 'Affected components'],
      project: ['project', 'The project'],
    },
    run: (ctx, id, b) =>
      assessReport(ctx, id, {
        title: field(b, 'title'),
        severity: field(b, 'severity'),
        ...(optional(b, 'priority') ? { priority: optional(b, 'priority') } : {}),
        components: splitList(field(b, 'components')),
        project: field(b, 'project'),
      }),
  },
  {
    action: 'incident.assign',
    slug: 'assign',
    title: 'Assign by subsystem',
    done: 'Assigned through the subsystem contact table.',
    labels: { subsystem: ['subsystem', 'The subsystem'] },
    run: (ctx, id, b) => assignBySubsystem(ctx, id, { subsystem: field(b, 'subsystem') }),
  },
  {
    action: 'case.pull_in',
    slug: 'pull-in',
    title: 'Pull someone into this case',
    done: 'They can now see this case.',
    labels: { email: ['email', 'The e-mail address'] },
    run: (ctx, id, b) => pullIn(ctx, id, { email: field(b, 'email') }),
  },
  {
    action: 'case.note',
    slug: 'note',
    title: 'Add an internal note',
    done: 'Note added (internal: the reporter does not see it).',
    labels: { body: ['body', 'The note'] },
    run: (ctx, id, b) => addNote(ctx, id, { body: field(b, 'body') }),
  },
  {
    action: 'case.reply',
    slug: 'reply',
    title: 'Reply to the reporter',
    done: 'Reply sent to the reporter.',
    labels: { subject: ['subject', 'The subject'], body: ['body', 'The message'] },
    run: (ctx, id, b) =>
      replyToReporter(ctx, id, { ...(optional(b, 'subject') ? { subject: optional(b, 'subject') } : {}), body: field(b, 'body') }),
  },
  {
    action: 'case.status_update',
    slug: 'status-update',
    title: 'Send a status update',
    done: 'Status update sent to the reporter.',
    labels: {
      status: ['status', 'The status'],
      resolutionDate: ['resolutionDate', 'The resolution date'],
      details: ['details', 'The details'],
    },
    run: (ctx, id, b) =>
      sendStatusUpdate(ctx, id, {
        status: field(b, 'status'),
        ...(optional(b, 'resolutionDate') ? { resolutionDate: optional(b, 'resolutionDate') } : {}),
        ...(optional(b, 'details') ? { details: optional(b, 'details') } : {}),
      }),
  },
  {
    action: 'incident.change_severity',
    slug: 'severity',
    title: 'Change the severity',
    done: 'Severity changed; the resolution target moved with it.',
    labels: { severity: ['severity', 'The severity'], priority: ['priority', 'The priority'], reason: ['reason', 'The reason'] },
    run: (ctx, id, b) =>
      changeSeverity(ctx, id, {
        severity: field(b, 'severity'),
        ...(optional(b, 'priority') ? { priority: optional(b, 'priority') } : {}),
        reason: field(b, 'reason'),
      }),
  },
  {
    action: 'incident.close',
    slug: 'close',
    title: 'Close the incident',
    done: 'The incident is closed.',
    labels: reasonLabels,
    run: (ctx, id, b) => closeIncident(ctx, id, { reason: field(b, 'reason') }),
  },
  {
    action: 'incident.reopen',
    slug: 'reopen',
    title: 'Reopen the incident',
    done: 'The incident is open again.',
    labels: reasonLabels,
    run: (ctx, id, b) => reopenIncident(ctx, id, { reason: field(b, 'reason') }),
  },
];

interface ProjectActionDef {
  action: CaseAction;
  slug: string;
  title: string;
  done: string;
  labels: Labels;
  run(ctx: Ctx, reportId: string, project: string, body: unknown): Promise<unknown>;
}

const PROJECT_ACTIONS: ProjectActionDef[] = [
  {
    action: 'project.claim',
    slug: 'claim',
    title: 'Become the incident handler',
    done: 'You are now the incident handler for this project.',
    labels: {},
    run: (ctx, id, p) => claimHandler(ctx, id, p),
  },
  {
    action: 'project.take_over',
    slug: 'take-over',
    title: "Take over the handler's duties",
    done: 'You took over as incident handler.',
    labels: reasonLabels,
    run: (ctx, id, p, b) => takeOverHandler(ctx, id, p, { reason: field(b, 'reason') }),
  },
  {
    action: 'project.reject',
    slug: 'reject',
    title: 'Not a vulnerability: reject',
    done: 'Rejected for this project: the standard rejection response goes to the reporter.',
    labels: reasonLabels,
    run: (ctx, id, p, b) => handlerReject(ctx, id, p, { reason: field(b, 'reason') }),
  },
  {
    action: 'project.downgrade',
    slug: 'downgrade',
    title: 'Downgrade to a normal bug',
    done: 'Downgraded to a normal bug; the reporter is told why.',
    labels: { reason: ['reason', 'The reason'], bugLink: ['bugLink', 'The bug link'] },
    run: (ctx, id, p, b) => downgradeToBug(ctx, id, p, { reason: field(b, 'reason'), bugLink: field(b, 'bugLink') }),
  },
  {
    action: 'project.confirm',
    slug: 'confirm',
    title: 'Confirm the vulnerability',
    done: 'Confirmed as a vulnerability for this project.',
    labels: { note: ['note', 'The note'] },
    run: (ctx, id, p, b) => confirmVulnerability(ctx, id, p, optional(b, 'note') ? { note: optional(b, 'note') } : {}),
  },
];

const DONE: Record<string, string> = {
  ...Object.fromEntries([...CASE_ACTIONS, ...PROJECT_ACTIONS].map((a) => [a.action, a.done])),
  ...CVSS_DONE,
  ...CASE_KEY_DONE,
};

/** A form that failed: which one, what was typed, and what was wrong. */
export interface Failed {
  key: string;
  values: FormBody;
  problem: FormProblem;
}

interface Extras {
  projects: Awaited<ReturnType<typeof listProjects>>;
  priorities: string[];
  tz: string;
  now: Date;
  /** How the reply form's mail reaches the reporter (encrypted, in clear, held), said before sending. */
  replyMail: string | null;
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

  const reportSection = html`<section aria-labelledby="report-h" class="card">
    <h2 id="report-h">Report #${v.number}</h2>
    ${dl([
      ['Title', v.title],
      ['Received', when(v.receivedAt, tz)],
      ['Channel', v.channel],
      ['Report state', v.rmState],
      ['Triager', v.triager],
      ['Acknowledged', v.acknowledgedAt ? when(v.acknowledgedAt, tz) : null],
      ['Credit preference', v.creditPreference],
    ])}
    <h3>Description</h3>
    <pre class="body">${v.body}</pre>
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
            ? html`<table><caption>Fields the reporter marked sensitive</caption><thead><tr><th scope="col">Label</th><th scope="col">Value</th></tr></thead>
            <tbody>${sensitive.fields.map((f) => html`<tr><td>${f.label}</td><td>${f.value}</td></tr>`)}</tbody></table>`
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
        ['Resolution due', inc.resolutionDueAt ? due(inc.resolutionDueAt, tz, false) : null],
        ['Point of contact for the reporter', inc.pointOfContact],
        ['Created', when(inc.createdAt, tz)],
        ['Closed', inc.closedAt ? when(inc.closedAt, tz) : null],
      ])}
      <h3>Case state</h3>
      ${dl([
        ['Vendor aware', inc.caseState.vendorAware ? when(inc.caseState.vendorAware, tz) : 'no'],
        ['Fix ready', inc.caseState.fixReady ? when(inc.caseState.fixReady, tz) : 'no'],
        ['Public aware', inc.caseState.publicAware ? when(inc.caseState.publicAware, tz) : 'no'],
        ['Exploit public', inc.caseState.exploitPublic ? when(inc.caseState.exploitPublic, tz) : 'no'],
        ['Attacks observed', inc.caseState.attacksObserved ? when(inc.caseState.attacksObserved, tz) : 'no'],
      ])}
    </section>`
    : '';

  const projectsSection = v.projects.length
    ? html`<section aria-labelledby="projects-h" class="card">
      <h2 id="projects-h">Projects</h2>
      <table>
        <thead><tr><th scope="col">Project</th><th scope="col">Team alias</th><th scope="col">Handler</th><th scope="col">State</th></tr></thead>
        <tbody>${v.projects.map((p) => html`<tr><td>${p.name} <span class="muted">(${p.slug})</span></td><td>${p.alias ?? '—'}</td><td>${p.handler ?? html`<span class="muted">unclaimed</span>`}</td><td>${p.rmState}</td></tr>`)}</tbody>
      </table>
    </section>`
    : '';

  const participants = v.participants.length
    ? html`<section aria-labelledby="part-h" class="card"><h2 id="part-h">Pulled into this case</h2>
      <ul>${v.participants.map((p) => html`<li>${p.name ?? 'unknown'} <span class="muted">(${p.role})</span></li>`)}</ul></section>`
    : '';

  const deadlines = html`<section aria-labelledby="dl-h" class="card">
    <h2 id="dl-h">Deadlines</h2>
    ${clockTimeline(v.deadlines, extras.now, tz)}
    ${
      v.deadlines.length
        ? html`<table class="deadlines">
        <thead><tr><th scope="col">Clock</th><th scope="col">Project</th><th scope="col">Owner</th><th scope="col">Started</th><th scope="col">Due</th><th scope="col">Stopped</th></tr></thead>
        <tbody>${v.deadlines.map((d) => {
          const z = zoneOr(d.timeZone, tz);
          return html`<tr${d.stoppedAt ? html` class="stopped"` : ''}>
            <td>${d.clock}</td><td>${d.project ?? '—'}</td><td>${d.owner ?? html`<span class="muted">nobody yet</span>`}<br><span class="muted">${z}</span></td>
            <td>${when(d.startedAt, z)}</td><td>${due(d.dueAt, z, d.overdue)}</td>
            <td>${outcomeBadge(d, extras.now)} ${d.stoppedAt ? html`${when(d.stoppedAt, z)}<br><span class="muted">${d.stopReason ?? ''}</span>` : html`<span class="running">running</span>`}</td>
          </tr>`;
        })}</tbody></table>`
        : html`<p class="muted">No clocks.</p>`
    }
  </section>`;

  const timeline = html`<section aria-labelledby="tl-h" class="card">
    <h2 id="tl-h">Timeline</h2>
    <ol class="timeline">${v.timeline.map(
      (t) => html`<li>${when(t.at, tz)}: <strong>${t.participant}</strong> ${t.from} → ${t.to}
      <span class="muted">(${t.machine}${t.actor ? html`, by ${t.actor}` : ''})</span>${t.reason ? html`<br><span class="reason">${t.reason}</span>` : ''}</li>`,
    )}</ol>
  </section>`;

  const thread = html`<section aria-labelledby="th-h" class="card">
    <h2 id="th-h">Thread</h2>
    ${
      v.thread.length
        ? v.thread.map(
            (m) => html`<article class="message kind-${m.kind}" aria-label="${KIND_LABEL[m.kind] ?? m.kind}">
        <header><strong class="badge ${m.kind === 'note' ? 'internal' : ''}">${KIND_LABEL[m.kind] ?? m.kind}</strong>
          ${m.author ?? 'unknown'} · ${when(m.at, tz)}${m.queuedMail ? html` · <span class="muted">sent by mail</span>` : ''}
          ${extras.mailFacts.has(m.id) ? html`<br><span class="muted mail-facts">${extras.mailFacts.get(m.id)}</span>` : ''}</header>
        <pre class="body">${m.body}</pre>
      </article>`,
          )
        : html`<p class="muted">No messages yet.</p>`
    }
  </section>`;

  const attachments = html`<section aria-labelledby="att-h" class="card">
    <h2 id="att-h">Attachments</h2>
    ${
      v.attachments.length
        ? html`<ul>${v.attachments.map((a) => html`<li><a href="/api/reports/${v.reportId}/attachments/${a.id}" download>${a.filename}</a> <span class="muted">(${a.contentType}, ${a.size} bytes; downloads as a file)</span></li>`)}</ul>`
        : html`<p class="muted">None.</p>`
    }
  </section>`;

  const forms = actionForms(v, viewer, extras, failed);

  return html`<p class="muted"><a href="/">← Queue</a> · times in ${tz}</p>
    ${forms}
    ${reportSection}${extras.offeredKeys}${incidentSection}${cvssSection(v, viewer)}${v.advisoryActions.includes('advisory.create') ? html`<section aria-labelledby="adv-h" class="card"><h2 id="adv-h">Advisory</h2><p><a href="/cases/${v.reportId}/advisories">Draft, review and publish the advisory</a></p></section>` : ''}${projectsSection}${participants}${deadlines}${timeline}${thread}${attachments}`;
}

function actionForms(v: CaseView, viewer: Viewer, extras: Extras, failed: Failed | null): Html {
  const caseForms = CASE_ACTIONS.filter((a) => v.actions.includes(a.action)).map((a) => {
    const f = failed?.key === a.action ? failed : null;
    return actionForm(`/cases/${v.reportId}/${a.slug}`, a.title, a.action, viewer, f, caseFields(a.action, v, extras, f));
  });
  const projectForms = v.projects.flatMap((p) =>
    PROJECT_ACTIONS.filter((a) => p.actions.includes(a.action)).map((a) => {
      const key = `${a.action}:${p.slug}`;
      const f = failed?.key === key ? failed : null;
      return actionForm(
        `/cases/${v.reportId}/projects/${encodeURIComponent(p.slug)}/${a.slug}`,
        `${p.name}: ${a.title}`,
        a.action,
        viewer,
        f,
        projectFields(a.action, f),
      );
    }),
  );
  const all = [...caseForms, ...projectForms];
  if (all.length === 0) return html``;
  return html`<section aria-labelledby="actions-h" id="actions" class="card actions">
    <h2 id="actions-h">What you can do now</h2>
    <div class="action-grid">${all}</div>
  </section>`;
}

function actionForm(action: string, title: string, key: CaseAction, viewer: Viewer, failed: Failed | null, fields: Html): Html {
  const cls = key.replace('.', '-').replace('_', '-');
  return html`<form method="post" action="${action}" class="action ${cls}${failed ? ' has-error' : ''}" aria-label="${title}">
    <h3>${title}</h3>
    ${failed ? html`<p class="field-error" role="alert">${failed.problem.message}</p>` : ''}
    ${hiddenCsrf(viewer)}
    ${fields}
    <p><button type="submit">${title}</button></p>
  </form>`;
}

function val(f: Failed | null, name: string, fallback = ''): string {
  if (!f) return fallback;
  const x = formOf(f.values)[name];
  return typeof x === 'string' ? x : Array.isArray(x) ? (x.at(-1) ?? '') : fallback;
}
const err = (f: Failed | null, name: string) => f?.problem.fields[name];

function reasonField(f: Failed | null, hint: string, label = 'Reason'): Html {
  return textarea({ name: 'reason', label, required: true, value: val(f, 'reason'), error: err(f, 'reason'), hint, rows: 3 });
}

function caseFields(action: CaseAction, v: CaseView, extras: Extras, f: Failed | null): Html {
  switch (action) {
    case 'triage.claim':
    case 'triage.acknowledge':
      return html``;
    case 'triage.take_over':
      return reasonField(f, 'Why you take over (recorded in the history).');
    case 'triage.reject':
      return reasonField(f, 'Specific reasoning for the reporter (at least 10 characters); it goes into the standard rejection response.');
    case 'incident.close':
    case 'incident.reopen':
      return reasonField(f, 'Recorded in the timeline.');
    case 'incident.change_severity':
      return html`${select({ name: 'severity', label: 'Severity', required: true, value: val(f, 'severity'), error: err(f, 'severity'), blank: 'Choose…', options: v.severities.map((s) => ({ value: s, label: s })) })}
        ${select({ name: 'priority', label: 'Priority', value: val(f, 'priority'), error: err(f, 'priority'), blank: 'As the severity says', options: extras.priorities.map((p) => ({ value: p, label: p })) })}
        ${reasonField(f, 'Why it changed (recorded in the timeline).')}`;
    case 'triage.accept': {
      const chosen = f ? fieldList(f.values, 'projects') : [];
      return html`${input({ name: 'title', label: 'Incident title', required: true, value: val(f, 'title', v.title), error: err(f, 'title'), hint: 'Shown to the project teams; leave out sensitive details.' })}
        <fieldset${err(f, 'projects') ? html` class="has-error"` : ''}><legend>Affected project(s)</legend>
          ${err(f, 'projects') ? html`<p class="field-error">${err(f, 'projects')}</p>` : ''}
          ${
            extras.projects.length
              ? extras.projects.map(
                  (p) =>
                    html`<div class="choice"><label><input type="checkbox" name="projects" value="${p.slug}"${chosen.includes(p.slug) ? html` checked` : ''}> ${p.name} <span class="muted">(${p.slug})</span></label></div>`,
                )
              : html`<p class="muted">No projects yet: an admin creates them first.</p>`
          }
        </fieldset>`;
    }
    case 'triage.assess':
      return html`${input({ name: 'title', label: 'Incident title', required: true, value: val(f, 'title', v.title), error: err(f, 'title') })}
        ${select({ name: 'severity', label: 'Severity', required: true, value: val(f, 'severity'), error: err(f, 'severity'), blank: 'Choose…', options: v.severities.map((s) => ({ value: s, label: s })) })}
        ${select({ name: 'priority', label: 'Priority', value: val(f, 'priority'), error: err(f, 'priority'), blank: 'As the severity says', options: extras.priorities.map((p) => ({ value: p, label: p })), hint: 'Leave it to follow from the severity unless you have a reason.' })}
        ${input({ name: 'components', label: 'Affected components', required: true, value: val(f, 'components'), error: err(f, 'components'), hint: 'Separated by commas, e.g. kernel, ipc.' })}
        ${select({ name: 'project', label: 'Project', required: true, value: val(f, 'project', extras.projects.length === 1 ? extras.projects[0]!.slug : ''), error: err(f, 'project'), blank: 'Choose…', options: extras.projects.map((p) => ({ value: p.slug, label: `${p.name} (${p.slug})` })) })}`;
    case 'incident.assign': {
      const proj = extras.projects.find((p) => p.slug === v.projects[0]?.slug);
      const subs = proj?.subsystems ?? [];
      return html`${select({
        name: 'subsystem',
        label: 'Subsystem',
        required: true,
        value: val(f, 'subsystem'),
        error: err(f, 'subsystem'),
        blank: 'Choose…',
        options: subs.map((s) => ({
          value: s.name,
          label: `${s.name} — primary ${s.primary ?? 'none'}, secondary ${s.secondary ?? 'none'}`,
        })),
        hint: 'The primary contact is assigned, or the secondary when the primary is away.',
      })}`;
    }
    case 'case.pull_in':
      return input({
        name: 'email',
        label: 'Their e-mail address',
        type: 'email',
        required: true,
        value: val(f, 'email'),
        error: err(f, 'email'),
        hint: 'They see this case only; an admin must have added them.',
      });
    case 'case.note':
      return textarea({
        name: 'body',
        label: 'Note',
        required: true,
        value: val(f, 'body'),
        error: err(f, 'body'),
        hint: 'Internal: the reporter never sees notes.',
        rows: 4,
      });
    case 'case.reply':
      return html`${input({ name: 'subject', label: 'Subject', value: val(f, 'subject'), error: err(f, 'subject'), hint: 'Optional; a subject with the case reference is used otherwise.' })}
        ${textarea({ name: 'body', label: 'Message to the reporter', required: true, value: val(f, 'body'), error: err(f, 'body'), rows: 5 })}
        ${extras.replyMail ? html`<p class="hint" id="reply-mail-note">${extras.replyMail}</p>` : ''}
        <p class="hint"><a href="/cases/${v.reportId}/signed-reply">Sign the reply with your own OpenPGP key instead</a>: your browser signs it, and the reporter gets your signature.</p>`;
    case 'case.status_update':
      return html`${input({ name: 'status', label: 'Status', required: true, value: val(f, 'status'), error: err(f, 'status'), hint: 'For example "fix in review".' })}
        ${input({ name: 'resolutionDate', label: 'Expected resolution date', value: val(f, 'resolutionDate'), error: err(f, 'resolutionDate'), hint: 'Optional, e.g. 2026-12-15.' })}
        ${textarea({ name: 'details', label: 'Details', value: val(f, 'details'), error: err(f, 'details'), rows: 3 })}`;
    default:
      return html``;
  }
}

function projectFields(action: CaseAction, f: Failed | null): Html {
  switch (action) {
    case 'project.take_over':
      return reasonField(f, 'Why you take over (recorded in the history).');
    case 'project.reject':
      return reasonField(f, 'Specific reasoning for the reporter (at least 10 characters).');
    case 'project.downgrade':
      return html`${reasonField(f, 'Why this is a normal bug (at least 10 characters); the reporter is told.')}
        ${input({ name: 'bugLink', label: 'Public bug link', type: 'url', required: true, value: val(f, 'bugLink'), error: err(f, 'bugLink'), hint: 'https://… link to the public bug report.' })}`;
    case 'project.confirm':
      return textarea({
        name: 'note',
        label: 'Note',
        value: val(f, 'note'),
        error: err(f, 'note'),
        hint: 'Optional; recorded with the confirmation.',
        rows: 2,
      });
    default:
      return html``;
  }
}

async function extrasFor(ctx: Ctx, v: CaseView, viewer: Viewer): Promise<Extras> {
  const needProjects = v.actions.includes('triage.accept') || v.actions.includes('triage.assess') || v.actions.includes('incident.assign');
  const projects = needProjects ? await listProjects(ctx) : [];
  const replyMail = v.actions.includes('case.reply') ? await reporterMailNote(ctx, v.reportId) : null;
  const mailFacts = new Map([...(await mailFactsOfCase(ctx, v.reportId))].map(([id, f]) => [id, describeMailFacts(f)]));
  const tz = await viewerTimeZone(ctx.app, viewer.principal!.personId);
  const offeredKeys = await caseKeysSection(ctx, v, viewer, tz);
  return { projects, priorities: [...v.priorities], tz, now: ctx.app.clock(), replyMail, mailFacts, offeredKeys };
}

/** The case page, with a confirmation or with the form that failed drawn again. */
export async function showCase(input: PageInput, status: number, flash: string | null, failed: Failed | null) {
  const { ctx, viewer, reply } = input;
  let v: CaseView;
  try {
    v = await caseView(ctx, input.params.reportId!);
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
