import type { Ctx } from '../../app/context.ts';
import type { CaseView } from '../../app/cases/queries.ts';
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
import { changeSeverity } from '../../app/scoring/severity.ts';
import { addProject, removeProject } from '../../app/cases/forwarding.ts';
import { setSerious } from '../../app/cases/serious.ts';
import type { listProjects } from '../../app/admin/admin.ts';
import type { CaseAction } from '../../domain/access.ts';
import { html, type Html } from '../html.ts';
import { field, fieldList, formOf, input, optional, select, splitList, textarea, type FormBody, type FormProblem } from '../common.ts';
import type { Labels } from '../form-action.ts';

// The forms of the case page, as data: one entry per action of the permission vocabulary, with its
// URL segment, title, confirmation, field labels, fields and the use case it runs. The case page
// shows an entry's form when the case's allowed actions name it, and registers its post route.

/** A form that failed: which one, what was typed, and what was wrong. */
export interface Failed {
  key: string;
  values: FormBody;
  problem: FormProblem;
}

/** What some forms need besides the case: the projects to choose from, priorities, how mail reaches the reporter. */
export interface FormExtras {
  projects: Awaited<ReturnType<typeof listProjects>>;
  priorities: string[];
  /** How the reply form's mail reaches the reporter (encrypted, in clear, held), said before sending. */
  replyMail: string | null;
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

export interface CaseActionDef {
  action: CaseAction;
  /** The URL segment. */
  slug: string;
  title: string;
  done: string;
  labels: Labels;
  /** The form's fields (none: a button only), with what was typed and its messages after a refusal. */
  fields?: (v: CaseView, extras: FormExtras, f: Failed | null) => Html;
  run(ctx: Ctx, reportId: string, body: unknown): Promise<unknown>;
}

const reasonLabels: Labels = { reason: ['reason', 'The reason'] };

export const CASE_ACTIONS: CaseActionDef[] = [
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
    fields: (_v, _extras, f) => reasonField(f, 'Why you take over (recorded in the history).'),
    slug: 'take-over',
    title: "Take over the triager's duties",
    done: 'You took over the triage.',
    labels: reasonLabels,
    run: (ctx, id, b) => takeOverTriage(ctx, id, { reason: field(b, 'reason') }),
  },
  {
    action: 'triage.accept',
    fields: (v, extras, f) => {
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
        </fieldset>
        <p class="hint">Not clear yet which projects are affected? Accept with none ticked: the holding response says you are establishing it, and you forward the incident to each project once it is clear.</p>`;
    },
    slug: 'accept',
    title: 'Accept and forward to project team(s)',
    done: 'Accepted: the incident is created and forwarded to the project team(s).',
    labels: { title: ['title', 'The incident title'], projects: ['projects', 'Projects'] },
    run: (ctx, id, b) => acceptReport(ctx, id, { title: field(b, 'title'), projects: fieldList(b, 'projects') }),
  },
  {
    action: 'triage.reject',
    fields: (_v, _extras, f) =>
      reasonField(f, 'Specific reasoning for the reporter (at least 10 characters); it goes into the standard rejection response.'),
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
    fields: (v, extras, f) =>
      html`${input({ name: 'title', label: 'Incident title', required: true, value: val(f, 'title', v.title), error: err(f, 'title') })}
        ${select({ name: 'severity', label: 'Severity', required: true, value: val(f, 'severity'), error: err(f, 'severity'), blank: 'Choose…', options: v.severities.map((s) => ({ value: s, label: s })) })}
        ${select({ name: 'priority', label: 'Priority', value: val(f, 'priority'), error: err(f, 'priority'), blank: 'As the severity says', options: extras.priorities.map((p) => ({ value: p, label: p })), hint: 'Leave it to follow from the severity unless you have a reason.' })}
        ${input({ name: 'components', label: 'Affected components', required: true, value: val(f, 'components'), error: err(f, 'components'), hint: 'Separated by commas, e.g. kernel, ipc.' })}
        ${select({ name: 'project', label: 'Project', required: true, value: val(f, 'project', extras.projects.length === 1 ? extras.projects[0]!.slug : ''), error: err(f, 'project'), blank: 'Choose…', options: extras.projects.map((p) => ({ value: p.slug, label: `${p.name} (${p.slug})` })) })}`,
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
    fields: (v, extras, f) => {
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
    },
    slug: 'assign',
    title: 'Assign by subsystem',
    done: 'Assigned through the subsystem contact table.',
    labels: { subsystem: ['subsystem', 'The subsystem'] },
    run: (ctx, id, b) => assignBySubsystem(ctx, id, { subsystem: field(b, 'subsystem') }),
  },
  {
    action: 'incident.add_project',
    fields: (v, extras, f) =>
      select({
        name: 'project',
        label: 'Project',
        required: true,
        value: val(f, 'project'),
        error: err(f, 'project'),
        blank: 'Choose…',
        options: extras.projects
          .filter((p) => !v.projects.some((x) => x.slug === p.slug))
          .map((p) => ({ value: p.slug, label: `${p.name} (${p.slug})` })),
        hint: 'Its security team is mailed the incident and its analysis clock starts.',
      }),
    slug: 'add-project',
    title: 'Forward to another affected project',
    done: "Forwarded: the project's security team has the incident.",
    labels: { project: ['project', 'The project'] },
    run: (ctx, id, b) => addProject(ctx, id, { project: field(b, 'project') }),
  },
  {
    action: 'incident.remove_project',
    fields: (v, _extras, f) =>
      html`${select({
        name: 'project',
        label: 'Project',
        required: true,
        value: val(f, 'project'),
        error: err(f, 'project'),
        blank: 'Choose…',
        options: v.projects.filter((p) => p.rmState === 'received').map((p) => ({ value: p.slug, label: `${p.name} (${p.slug})` })),
        hint: 'Only a project whose team has not decided on it yet; its team no longer sees the case.',
      })}
        ${reasonField(f, 'Why the project is not affected (recorded in the timeline).')}`,
    slug: 'remove-project',
    title: 'Take back a forward to a project that is not affected',
    done: 'The project is off the incident.',
    labels: { project: ['project', 'The project'], reason: ['reason', 'The reason'] },
    run: (ctx, id, b) => removeProject(ctx, id, field(b, 'project'), { reason: field(b, 'reason') }),
  },
  {
    action: 'incident.mark_serious',
    fields: (v, _extras, f) =>
      v.incident?.serious
        ? html`<input type="hidden" name="serious" value="false">${reasonField(f, 'Why the response team stands down (recorded in the timeline).')}`
        : html`${reasonField(f, 'Why it is serious enough for a response-team channel (recorded in the timeline).')}
            ${input({ name: 'channel', label: 'Where the response team talks', value: val(f, 'channel'), error: err(f, 'channel'), hint: 'Optional: a room or call link. Either way, notes on this case are mailed to everyone on it until it is stood down.' })}`,
    slug: 'serious',
    title: 'Deemed serious: response-team channel',
    done: 'Done: see the incident for the response-team channel.',
    labels: { reason: ['reason', 'The reason'], channel: ['channel', 'The channel'] },
    run: (ctx, id, b) =>
      setSerious(ctx, id, {
        serious: optional(b, 'serious') !== 'false',
        reason: field(b, 'reason'),
        ...(optional(b, 'channel') ? { channel: optional(b, 'channel') } : {}),
      }),
  },
  {
    action: 'case.pull_in',
    fields: (_v, _extras, f) =>
      input({
        name: 'email',
        label: 'Their e-mail address',
        type: 'email',
        required: true,
        value: val(f, 'email'),
        error: err(f, 'email'),
        hint: 'They see this case only; an admin must have added them.',
      }),
    slug: 'pull-in',
    title: 'Pull someone into this case',
    done: 'They can now see this case.',
    labels: { email: ['email', 'The e-mail address'] },
    run: (ctx, id, b) => pullIn(ctx, id, { email: field(b, 'email') }),
  },
  {
    action: 'case.note',
    fields: (_v, _extras, f) =>
      textarea({
        name: 'body',
        label: 'Note',
        required: true,
        value: val(f, 'body'),
        error: err(f, 'body'),
        hint: 'Internal: the reporter never sees notes.',
        rows: 4,
      }),
    slug: 'note',
    title: 'Add an internal note',
    done: 'Note added (internal: the reporter does not see it).',
    labels: { body: ['body', 'The note'] },
    run: (ctx, id, b) => addNote(ctx, id, { body: field(b, 'body') }),
  },
  {
    action: 'case.reply',
    fields: (v, extras, f) =>
      html`${input({ name: 'subject', label: 'Subject', value: val(f, 'subject'), error: err(f, 'subject'), hint: 'Optional; a subject with the case reference is used otherwise.' })}
        ${textarea({ name: 'body', label: 'Message to the reporter', required: true, value: val(f, 'body'), error: err(f, 'body'), rows: 5 })}
        ${extras.replyMail ? html`<p class="hint" id="reply-mail-note">${extras.replyMail}</p>` : ''}
        <p class="hint"><a href="/cases/${v.reportId}/signed-reply">Sign the reply with your own OpenPGP key instead</a>: your browser signs it, and the reporter gets your signature.</p>`,
    slug: 'reply',
    title: 'Reply to the reporter',
    done: 'Reply sent to the reporter.',
    labels: { subject: ['subject', 'The subject'], body: ['body', 'The message'] },
    run: (ctx, id, b) =>
      replyToReporter(ctx, id, { ...(optional(b, 'subject') ? { subject: optional(b, 'subject') } : {}), body: field(b, 'body') }),
  },
  {
    action: 'case.status_update',
    fields: (v, _extras, f) =>
      html`${
        // The profile's states when it lists them (Tock); the sender's own words otherwise.
        v.statusStates.length
          ? select({
              name: 'status',
              label: 'Status',
              required: true,
              value: val(f, 'status'),
              error: err(f, 'status'),
              blank: 'Choose…',
              options: v.statusStates.map((s) => ({ value: s, label: s })),
            })
          : input({
              name: 'status',
              label: 'Status',
              required: true,
              value: val(f, 'status'),
              error: err(f, 'status'),
              hint: 'For example "fix in review".',
            })
      }
        ${input({ name: 'resolutionDate', label: 'Expected resolution date', value: val(f, 'resolutionDate'), error: err(f, 'resolutionDate'), hint: 'Optional, e.g. 2026-12-15.' })}
        ${textarea({ name: 'details', label: 'Details', value: val(f, 'details'), error: err(f, 'details'), rows: 3 })}`,
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
    fields: (v, extras, f) =>
      html`${select({ name: 'severity', label: 'Severity', required: true, value: val(f, 'severity'), error: err(f, 'severity'), blank: 'Choose…', options: v.severities.map((s) => ({ value: s, label: s })) })}
        ${select({ name: 'priority', label: 'Priority', value: val(f, 'priority'), error: err(f, 'priority'), blank: 'As the severity says', options: extras.priorities.map((p) => ({ value: p, label: p })) })}
        ${reasonField(f, 'Why it changed (recorded in the timeline).')}`,
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
    fields: (_v, _extras, f) => reasonField(f, 'Recorded in the timeline.'),
    slug: 'close',
    title: 'Close the incident',
    done: 'The incident is closed.',
    labels: reasonLabels,
    run: (ctx, id, b) => closeIncident(ctx, id, { reason: field(b, 'reason') }),
  },
  {
    action: 'incident.reopen',
    fields: (_v, _extras, f) => reasonField(f, 'Recorded in the timeline.'),
    slug: 'reopen',
    title: 'Reopen the incident',
    done: 'The incident is open again.',
    labels: reasonLabels,
    run: (ctx, id, b) => reopenIncident(ctx, id, { reason: field(b, 'reason') }),
  },
];

export interface ProjectActionDef {
  action: CaseAction;
  slug: string;
  title: string;
  done: string;
  labels: Labels;
  fields?: (f: Failed | null) => Html;
  run(ctx: Ctx, reportId: string, project: string, body: unknown): Promise<unknown>;
}

export const PROJECT_ACTIONS: ProjectActionDef[] = [
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
    fields: (f) => reasonField(f, 'Why you take over (recorded in the history).'),
    slug: 'take-over',
    title: "Take over the handler's duties",
    done: 'You took over as incident handler.',
    labels: reasonLabels,
    run: (ctx, id, p, b) => takeOverHandler(ctx, id, p, { reason: field(b, 'reason') }),
  },
  {
    action: 'project.reject',
    fields: (f) => reasonField(f, 'Specific reasoning for the reporter (at least 10 characters).'),
    slug: 'reject',
    title: 'Not a vulnerability: reject',
    done: 'Rejected for this project: the standard rejection response goes to the reporter.',
    labels: reasonLabels,
    run: (ctx, id, p, b) => handlerReject(ctx, id, p, { reason: field(b, 'reason') }),
  },
  {
    action: 'project.downgrade',
    fields: (f) =>
      html`${reasonField(f, 'Why this is a normal bug (at least 10 characters); the reporter is told.')}
        ${input({ name: 'bugLink', label: 'Public bug link', type: 'url', required: true, value: val(f, 'bugLink'), error: err(f, 'bugLink'), hint: 'https://… link to the public bug report.' })}`,
    slug: 'downgrade',
    title: 'Downgrade to a normal bug',
    done: 'Downgraded to a normal bug; the reporter is told why.',
    labels: { reason: ['reason', 'The reason'], bugLink: ['bugLink', 'The bug link'] },
    run: (ctx, id, p, b) => downgradeToBug(ctx, id, p, { reason: field(b, 'reason'), bugLink: field(b, 'bugLink') }),
  },
  {
    action: 'project.confirm',
    fields: (f) =>
      textarea({
        name: 'note',
        label: 'Note',
        value: val(f, 'note'),
        error: err(f, 'note'),
        hint: 'Optional; recorded with the confirmation.',
        rows: 2,
      }),
    slug: 'confirm',
    title: 'Confirm the vulnerability',
    done: 'Confirmed as a vulnerability for this project.',
    labels: { note: ['note', 'The note'] },
    run: (ctx, id, p, b) => confirmVulnerability(ctx, id, p, optional(b, 'note') ? { note: optional(b, 'note') } : {}),
  },
];
