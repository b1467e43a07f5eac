import type { CaseView } from '../../app/cases/queries.ts';
import {
  answerEmbargoProposal,
  endEmbargo,
  recordDisclosureFlag,
  proposeEmbargo,
  type ProposalView,
} from '../../app/disclosure/negotiation.ts';
import { answerStakeholder, decideStakeholderUpdate } from '../../app/stakeholders/portal.ts';
import { html, type Html } from '../html.ts';
import { field, formOf, hiddenCsrf, scrollTable, select, textarea, textBox, type Viewer } from '../common.ts';
import { at as when } from '../case-words.ts';
import { formPost } from '../form-action.ts';
import type { PageRoute } from '../route.ts';
import { timelineFields, timelineFromForm } from '../timeline-form.ts';
import type { Failed, showCase } from './case.ts';

// The case page's disclosure section: the embargo's state, the timeline agreed with the reporter, a
// proposal waiting for an answer, and for the handlers the forms to propose (or revise) a timeline,
// answer the reporter's counter, end the embargo, and record that an exploit is public or attacks are
// seen — which ends the embargo at once.

export const CASE_DISCLOSURE_DONE: Record<string, string> = {
  'embargo-proposed': 'The timeline is proposed; the reporter is asked to accept it or propose other dates.',
  'embargo-answered': "The reporter's proposal is answered; they are told.",
  'embargo-ended': 'The embargo has ended; the reporter is told.',
  'flag-recorded': 'Recorded. A running or proposed embargo ended with it, and the reporter is told.',
  'stakeholder-answered': 'The answer is in the organisation’s thread and on its way to its alias, encrypted.',
  'stakeholder-update': 'Done: the update went to the tiers told, or was discarded.',
};

const RELEASE_KIND: Record<string, string> = {
  tier_notice: 'Tell the tier',
  fix_public: 'Make the fix public',
  reporter_disclosure: 'Tell the reporter the advisory is public',
  embargo_ended: 'The embargo ended: tell every tier',
};

const RELEASE_STATE: Record<string, string> = { scheduled: 'scheduled', done: 'done', cancelled: 'cancelled' };

const DELIVERY: Record<string, string> = {
  queued: 'queued',
  sending: 'being sent',
  sent: 'sent',
  failed: 'failed',
};

const STATE_WORDS: Record<string, string> = {
  none: 'No embargo is agreed.',
  proposed: 'A timeline is proposed and waits for an answer.',
  active: 'An embargo is in force.',
  revise: 'An embargo is in force; a revision is proposed.',
  exited: 'The embargo has ended.',
};

/** A timeline's dates in the page's one zone (the viewer's), whatever zone it was proposed in. */
function timelineList(p: ProposalView, tz: string): Html {
  return html`<ul class="timeline-ends">${p.tiers.map((t) => html`<li>${t.name}: the embargo ends ${when(t.endsAt, tz)}</li>`)}
    <li><strong>Public disclosure: ${when(p.publicAt, tz)}</strong></li></ul>${p.note ? html`<p class="muted">${p.note}</p>` : ''}`;
}

/**
 * Ending the embargo now: for the case page's group of destructive actions, apart from the timeline.
 * Nothing when the embargo is not running or proposed, or the person may not negotiate it.
 */
export function embargoEndForm(v: CaseView, viewer: Viewer, failed: Failed | null): Html | null {
  const d = v.disclosure;
  if (!d || !v.actions.includes('incident.disclosure') || d.embargo === 'none' || d.embargo === 'exited') return null;
  const f = failed?.key === 'disclosure.end' ? failed : null;
  return html`<form method="post" action="/cases/${encodeURIComponent(v.reportId)}/embargo/end" class="action embargo-end danger${f ? ' has-error' : ''}" aria-label="End the embargo">
        <h3><span class="badge danger-word">Destructive</span> End the embargo now</h3>${f ? html`<p class="field-error" role="alert">${f.problem.message}</p>` : ''}${hiddenCsrf(viewer)}
        ${textarea({ name: 'reason', label: 'Why', required: true, rows: 2, value: f ? field(f.values, 'reason') : '' })}
        <p><button type="submit" class="danger"><span aria-hidden="true">⚠ </span>End the embargo</button></p></form>`;
}

export function caseDisclosureSection(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  return html`${timelineSection(v, viewer, failed, tz)}${stakeholdersSection(v, viewer, failed, tz)}`;
}

function timelineSection(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  const d = v.disclosure;
  if (!d) return html``;
  const may = v.actions.includes('incident.disclosure');
  const base = `/cases/${encodeURIComponent(v.reportId)}`;
  const f = (key: string) => (failed?.key === key ? failed : null);
  const proposeFailed = f('disclosure.propose');
  const error = (x: Failed | null) => (x ? html`<p class="field-error" role="alert">${x.problem.message}</p>` : html``);
  return html`<section aria-labelledby="disclosure-h" class="card" id="disclosure">
    <h2 id="disclosure-h">Disclosure timeline</h2>
    <p><strong>${STATE_WORDS[d.embargo] ?? d.embargo}</strong></p>
    ${d.agreed ? html`<h3>Agreed with the reporter</h3>${timelineList(d.agreed, tz)}` : ''}
    ${
      d.open
        ? html`<h3>Proposed by ${d.open.by === 'team' ? 'the team, waiting for the reporter' : 'the reporter'}</h3>${timelineList(d.open, tz)}
      ${d.warnings.map((w) => html`<p class="warning">${w}</p>`)}
      ${
        may && d.open.by === 'reporter'
          ? html`<div class="actions-row">${(['accept', 'reject'] as const).map(
              (a) =>
                html`<form method="post" action="${base}/embargo/proposals/${d.open!.id}/answer" class="inline">${hiddenCsrf(viewer)}<input type="hidden" name="answer" value="${a}"><button type="submit"${a === 'reject' ? html` class="secondary"` : ''}>${a === 'accept' ? "Accept the reporter's timeline" : 'Reject it'}</button></form>`,
            )}</div>`
          : ''
      }`
        : ''
    }
    ${
      may && d.embargo !== 'exited'
        ? html`<form method="post" action="${base}/embargo/proposals" class="stack" aria-label="Propose a disclosure timeline">
        <h3>${d.embargo === 'active' || d.embargo === 'revise' ? 'Propose a revised timeline' : 'Propose a timeline to the reporter'}</h3>
        ${error(proposeFailed)}${hiddenCsrf(viewer)}
        ${timelineFields(d.tiers, tz, proposeFailed ? formOf(proposeFailed.values) : null, proposeFailed?.problem.fields ?? {})}
        <p><button type="submit">Propose the timeline</button></p>
      </form>
      ${d.embargo !== 'none' ? html`<p class="hint">To end the embargo now, see <a href="#actions">Destructive actions</a>.</p>` : ''}`
        : ''
    }
    ${
      may
        ? html`<form method="post" action="${base}/disclosure-flags" class="stack" aria-label="Record what happened">
      <h3>Record that the vulnerability is out</h3>${error(f('disclosure.flag'))}${hiddenCsrf(viewer)}
      ${select({
        name: 'flag',
        label: 'What happened',
        options: [
          { value: 'exploit_public', label: 'An exploit is public' },
          { value: 'attacks_observed', label: 'Attacks are observed' },
          { value: 'public', label: 'The vulnerability is public' },
        ],
      })}
      ${textarea({ name: 'evidence', label: 'Evidence (a link, where it was seen)', required: true, rows: 2 })}
      <p><button type="submit">Record it (ends any embargo)</button></p></form>`
        : ''
    }
  </section>`;
}

/**
 * Who is told early, for the security teams only: the timed releases (what is done when, and how
 * it went) and, per organisation of the incident's tiers, what it was sent and how that went, whether
 * it opened and acknowledged it, and its thread with the form to answer. Someone pulled into the case
 * reads the case redacted (v.sensitive) and gets none of it; the case view gives them nothing either.
 */
function stakeholdersSection(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  if ('redacted' in v.sensitive || !v.incident) return html``;
  const may = v.actions.includes('incident.disclosure');
  const base = `/cases/${encodeURIComponent(v.reportId)}`;
  const tierName = (id: string | null) => (id ? (v.disclosure?.tiers.find((t) => t.id === id)?.name ?? id) : '');
  return html`<section aria-labelledby="stakeholders-h" class="card" id="stakeholders">
    <h2 id="stakeholders-h">Stakeholders</h2>
    <p class="muted">Confidential to the security teams: who is told early, and what they were told.</p>
    <h3>Timed releases</h3>
    ${
      v.releases.length
        ? scrollTable(
            "The incident's timed releases",
            html`<table>
      <caption class="visually-hidden">The incident's timed releases</caption>
      <thead><tr><th scope="col">What</th><th scope="col">Tier</th><th scope="col">Due</th><th scope="col">State</th><th scope="col">Outcome</th><th scope="col">Last error</th></tr></thead>
      <tbody>${v.releases.map(
        (r) => html`<tr>
        <td>${RELEASE_KIND[r.kind] ?? r.kind}</td>
        <td>${tierName(r.tier)}</td>
        <td>${when(r.dueAt, tz)}</td>
        <td>${RELEASE_STATE[r.state] ?? r.state}${r.doneAt ? html` ${when(r.doneAt, tz)}` : ''}</td>
        <td>${r.outcome ?? ''}</td>
        <td>${r.lastError ? html`<span class="field-error">${r.lastError}</span>` : ''}</td>
      </tr>`,
      )}</tbody></table>`,
          )
        : html`<p class="muted">None planned: releases are planned once a timeline is agreed.</p>`
    }
    ${
      v.stakeholderUpdates.length
        ? html`<h3>Updates waiting for review</h3>
    <p class="muted">The process profile has updates to the tiers told reviewed before they go: each goes with the briefing as it stands when sent.</p>
    <ul>${v.stakeholderUpdates.map(
      (u) =>
        html`<li><strong>${u.what}</strong> · ${when(u.createdAt, tz)}<br>${u.lead}${
          may
            ? html`<form method="post" action="${base}/stakeholder-updates/${u.id}" class="inline-form" aria-label="${u.what}">${hiddenCsrf(viewer)}
        <button type="submit" name="decision" value="send">Send to the tiers told</button>
        <button type="submit" name="decision" value="discard" class="secondary">Discard</button></form>`
            : ''
        }</li>`,
    )}</ul>`
        : ''
    }
    <h3>Organisations</h3>
    ${
      v.stakeholders.length
        ? v.stakeholders.map((o) => {
            const key = `stakeholder.answer:${o.orgId}`;
            const f = failed?.key === key ? failed : null;
            return html`<article class="card" aria-labelledby="org-${o.orgId}">
        <h4 id="org-${o.orgId}">${o.name} <span class="badge">${o.tierName}</span></h4>
        <dl class="facts">
          <div><dt>Its tier told</dt><dd>${o.releasedAt ? when(o.releasedAt, tz) : html`<span class="muted">not yet</span>`}</dd></div>
          <div><dt>Opened</dt><dd>${o.openedAt ? when(o.openedAt, tz) : html`<span class="muted">not yet</span>`}</dd></div>
          <div><dt>Acknowledged</dt><dd>${o.acknowledgedAt ? when(o.acknowledgedAt, tz) : html`<span class="muted">not yet</span>`}</dd></div>
        </dl>
        ${
          o.received.length
            ? html`<ul>${o.received.map((r) => html`<li>${r.what} · ${when(r.sentAt, tz)} · ${DELIVERY[r.delivery] ?? r.delivery}</li>`)}</ul>`
            : html`<p class="muted">Sent nothing yet.</p>`
        }
        ${o.thread.map(
          (
            m,
          ) => html`<article class="message${m.fromTeam ? '' : ' kind-from_reporter'}" aria-label="${m.fromTeam ? 'Answer of the security team' : `Question of ${o.name}`}">
          <header><strong>${m.fromTeam ? 'The security team' : o.name}</strong> · ${when(m.at, tz)}</header>
          ${textBox(m.body)}</article>`,
        )}
        ${
          may && o.releasedAt
            ? html`<form method="post" action="${base}/stakeholders/${o.orgId}/answers" class="stack" aria-label="Answer ${o.name}">
          ${f ? html`<p class="field-error" role="alert">${f.problem.message}</p>` : ''}${hiddenCsrf(viewer)}
          ${textarea({ name: 'body', label: `Answer ${o.name}`, required: true, rows: 3, value: f ? field(f.values, 'body') : '', error: f?.problem.fields.body, hint: 'Goes into its thread and to its alias, encrypted; it must carry nothing only the security teams may know.' })}
          <p><button type="submit">Send the answer</button></p></form>`
            : ''
        }
      </article>`;
          })
        : html`<p class="muted">No organisation is in a tier of this incident's projects.</p>`
    }
  </section>`;
}

/** The section's forms; a refusal redraws the case page with the form that failed. */
export function caseDisclosureForms(show: typeof showCase): PageRoute[] {
  const back = (params: Record<string, string>) => `/cases/${params.reportId}`;
  const done = (params: Record<string, string>, code: string) => `/cases/${encodeURIComponent(params.reportId!)}?done=${code}#disclosure`;
  const refused = (key: string) => (input: Parameters<typeof show>[0], r: { values: Failed['values']; problem: Failed['problem'] }) =>
    show(input, r.problem.status, null, { key, values: r.values, problem: r.problem });
  return [
    formPost({
      url: '/cases/:reportId/embargo/proposals',
      policy: 'signed-in',
      signInNext: back,
      labels: { publicAt: ['publicAt', 'Public disclosure'], timeZone: ['timeZone', 'In the time zone'] },
      run: ({ ctx, params, body }) => proposeEmbargo(ctx, params.reportId!, timelineFromForm(body)),
      done: (_r, { params }) => done(params, 'embargo-proposed'),
      refused: refused('disclosure.propose'),
    }),
    formPost({
      url: '/cases/:reportId/embargo/proposals/:proposalId/answer',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params, body }) => answerEmbargoProposal(ctx, params.reportId!, params.proposalId!, { answer: field(body, 'answer') }),
      done: (_r, { params }) => done(params, 'embargo-answered'),
      refused: refused('disclosure.answer'),
    }),
    formPost({
      url: '/cases/:reportId/embargo/end',
      policy: 'signed-in',
      signInNext: back,
      labels: { reason: ['reason', 'Why'] },
      run: ({ ctx, params, body }) => endEmbargo(ctx, params.reportId!, { reason: field(body, 'reason') }),
      done: (_r, { params }) => done(params, 'embargo-ended'),
      refused: refused('disclosure.end'),
    }),
    formPost({
      url: '/cases/:reportId/disclosure-flags',
      policy: 'signed-in',
      signInNext: back,
      labels: { evidence: ['evidence', 'Evidence'] },
      run: ({ ctx, params, body }) =>
        recordDisclosureFlag(ctx, params.reportId!, { flag: field(body, 'flag'), evidence: field(body, 'evidence') }),
      done: (_r, { params }) => done(params, 'flag-recorded'),
      refused: refused('disclosure.flag'),
    }),
    formPost({
      url: '/cases/:reportId/stakeholder-updates/:updateId',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params, body }) =>
        decideStakeholderUpdate(ctx, params.reportId!, params.updateId!, { decision: field(body, 'decision') }),
      done: (_r, { params }) => `/cases/${encodeURIComponent(params.reportId!)}?done=stakeholder-update#stakeholders`,
      refused: refused('stakeholder.update'),
    }),
    formPost({
      url: '/cases/:reportId/stakeholders/:orgId/answers',
      policy: 'signed-in',
      signInNext: back,
      labels: { body: ['body', 'The answer'] },
      run: ({ ctx, params, body }) => answerStakeholder(ctx, params.reportId!, params.orgId!, { body: field(body, 'body') }),
      done: (_r, { params }) => `/cases/${encodeURIComponent(params.reportId!)}?done=stakeholder-answered#stakeholders`,
      refused: (input, r) =>
        show(input, r.problem.status, null, { key: `stakeholder.answer:${input.params.orgId}`, values: r.values, problem: r.problem }),
    }),
  ];
}
