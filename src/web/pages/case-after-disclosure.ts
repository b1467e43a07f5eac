import type { CaseView } from '../../app/cases/queries.ts';
import { markChecklistItem, setChecklistOwner } from '../../app/disclosure/checklist.ts';
import { addMonitoringNote, recordCorrectedFixPublic, reopenFix } from '../../app/disclosure/after-disclosure.ts';
import { addRetrospectiveAction, markRetrospectiveActionDone, saveRetrospective } from '../../app/disclosure/retrospective.ts';
import { proposeProfileEdit, type ProfileProposalView } from '../../app/profile/proposals.ts';
import { html, type Html } from '../html.ts';
import { field, hiddenCsrf, optional, scrollTable, select, textarea, textBox, type Viewer } from '../common.ts';
import { at as when } from '../case-words.ts';
import { formPost } from '../form-action.ts';
import type { PageRoute } from '../route.ts';
import type { Failed, showCase } from './case.ts';

// The case page's remediation checklist (inside the fix section), and its sections for what follows
// disclosure: the phase (post-disclosure, or reopened), monitoring notes, reopening the fix and
// recording the corrected fix public; the retrospective with its actions, and the profile edits
// proposed from it, each shown as its diff with whether it still applies and lints.

export const CASE_AFTER_DISCLOSURE_DONE: Record<string, string> = {
  'checklist-owner': 'The owner is saved.',
  'checklist-done': 'The checklist is saved.',
  'monitoring-note': 'Monitoring note added.',
  'fix-reopened': 'The fix is back in remediation; the reason is in the timeline.',
  'fix-corrected': 'The corrected fix is public; monitoring goes on.',
  'retrospective-saved': 'The retrospective is saved.',
  'retrospective-action': 'Action added.',
  'retrospective-action-done': 'Action marked done.',
  'profile-proposed': 'The edit is proposed; an admin reviews and applies it.',
};

const errorOf = (failed: Failed | null, key: string) =>
  failed?.key === key ? html`<p class="field-error" role="alert">${failed.problem.message}</p>` : html``;
const typed = (failed: Failed | null, key: string, name: string, fallback = '') =>
  failed?.key === key ? field(failed.values, name) : fallback;

/** The remediation checklist, drawn inside the fix section. */
export function checklistPart(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  const list = v.checklist;
  if (!list) return html``;
  const may = v.actions.includes('incident.fix');
  const base = `/cases/${encodeURIComponent(v.reportId)}/checklist`;
  const owners = [{ value: '', label: 'Nobody' }, ...list.candidates.map((p) => ({ value: p.id, label: p.name }))];
  return html`<h3 id="checklist-h">Remediation checklist</h3>${errorOf(failed, 'checklist')}
    ${scrollTable(
      'Remediation checklist',
      html`<table class="checklist" aria-labelledby="checklist-h"><thead><tr><th scope="col">Step</th><th scope="col">Owner</th><th scope="col">Done</th></tr></thead><tbody>${list.items.map(
        (i) => html`<tr>
        <td>${i.name}${i.stage ? html`<br><span class="muted">${i.stage}</span>` : ''}</td>
        <td>${
          may
            ? html`<form method="post" action="${base}/${i.id}/owner" class="inline">${hiddenCsrf(viewer)}${select({ name: 'ownerId', label: `Owner of “${i.name}”`, value: i.owner?.id ?? '', options: owners })}<button type="submit" class="secondary">Save</button></form>`
            : (i.owner?.name ?? html`<span class="muted">nobody</span>`)
        }</td>
        <td>${i.doneAt ? html`<span class="badge">done</span> ${when(i.doneAt, tz)}${i.doneBy ? html`, by ${i.doneBy}` : ''}` : html`<span class="muted">not yet</span>`}${
          may
            ? html` <form method="post" action="${base}/${i.id}/done" class="inline">${hiddenCsrf(viewer)}<input type="hidden" name="done" value="${i.doneAt ? 'false' : 'true'}"><button type="submit" class="secondary">${i.doneAt ? 'Not done' : 'Mark done'}</button></form>`
            : ''
        }</td></tr>`,
      )}</tbody></table>`,
    )}`;
}

const PHASE_WORDS = {
  'post-disclosure': 'Post-disclosure: the advisory is public; the team monitors the fix.',
  remediation: 'Back in remediation: the public fix proved incomplete.',
} as const;

/** Post-disclosure: the phase, the monitoring notes, and the forms to note, reopen and record the corrected fix. */
export function afterDisclosureSection(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  const a = v.afterDisclosure;
  if (!a) return html``;
  const may = v.actions.includes('incident.after_disclosure');
  const base = `/cases/${encodeURIComponent(v.reportId)}`;
  return html`<section aria-labelledby="after-h" class="card" id="after-disclosure">
    <h2 id="after-h">After disclosure</h2>
    <p><strong>${PHASE_WORDS[a.phase]}</strong> Disclosed ${when(a.disclosedAt, tz)}${a.reopened ? html`; reopened ${a.reopened} time${a.reopened === 1 ? '' : 's'}` : ''}.</p>
    <h3>Monitoring</h3>
    ${
      a.monitoring.length
        ? html`<ul class="monitoring">${a.monitoring.map((n) => html`<li>${when(n.at, tz)}${n.by ? html`, ${n.by}` : ''}: <span class="note-text">${n.text}</span></li>`)}</ul>`
        : html`<p class="muted">Nothing noted yet.</p>`
    }
    ${
      may
        ? html`<form method="post" action="${base}/monitoring-notes" class="stack" aria-label="Add a monitoring note">${errorOf(failed, 'after.note')}${hiddenCsrf(viewer)}
        ${textarea({ name: 'text', label: 'What monitoring the fix found', required: true, rows: 2, value: typed(failed, 'after.note', 'text') })}
        <p><button type="submit" class="secondary">Add the note</button></p></form>
      ${
        a.phase === 'post-disclosure'
          ? html`<form method="post" action="${base}/fix/reopen" class="stack" aria-label="Reopen the fix">
        <h3>The fix proved incomplete</h3>${errorOf(failed, 'after.reopen')}${hiddenCsrf(viewer)}
        ${textarea({ name: 'reason', label: 'What showed it (recorded in the timeline)', required: true, rows: 2, value: typed(failed, 'after.reopen', 'reason') })}
        <p><button type="submit">Reopen the fix: back to remediation</button></p></form>`
          : html`<form method="post" action="${base}/fix/corrected" class="stack" aria-label="The corrected fix is public">
        <h3>The corrected fix is public</h3>${errorOf(failed, 'after.corrected')}${hiddenCsrf(viewer)}
        ${textarea({ name: 'note', label: 'Where (a release, a commit, an updated advisory)', required: true, rows: 2, value: typed(failed, 'after.corrected', 'note') })}
        <p><button type="submit">Record the corrected fix public</button></p></form>`
      }`
        : ''
    }
  </section>`;
}

function diffLines(patch: string): Html {
  return html`<pre class="diff">${patch.split('\n').map((line) => {
    const kind =
      line.startsWith('+') && !line.startsWith('+++') ? 'added' : line.startsWith('-') && !line.startsWith('---') ? 'removed' : 'same';
    return html`<span class="diff-${kind}">${line}</span>\n`;
  })}</pre>`;
}

/** A proposed edit of the profile: its diff, and whether it applies and lints against the profile now. */
export function proposalPart(p: ProfileProposalView, tz: string): Html {
  const state =
    p.status !== 'open'
      ? html`<strong>${p.status === 'applied' ? 'Applied' : 'Rejected'}</strong>${p.decidedAt ? html` ${when(p.decidedAt, tz)}` : ''}${p.decidedBy ? html` by ${p.decidedBy}` : ''}${p.decisionNote ? html`: ${p.decisionNote}` : ''}`
      : !p.applies
        ? html`<strong class="warning">No longer applies</strong> to the profile as it is now.`
        : p.problems.length
          ? html`<strong class="warning">Would not lint</strong>: <ul>${p.problems.map((x) => html`<li>${x.path}: ${x.message}</li>`)}</ul>`
          : html`<strong>Open</strong>: applies and lints${p.baseIsCurrent ? '' : ' (the profile changed since it was made)'}.`;
  return html`<article class="proposal" aria-label="Proposed profile edit">
    <p>${p.summary} <span class="muted">(${p.proposedBy ?? 'unknown'}, ${when(p.createdAt, tz)}${p.incidentRef ? html`, from ${p.incidentRef}` : ''})</span></p>
    <p>${state}</p>
    ${diffLines(p.patch)}
  </article>`;
}

/** The retrospective (Tock §6.2) with its actions, and the profile edits proposed from it (§6.3). */
export function retrospectiveSection(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  const r = v.retrospective;
  if (!r) return html``;
  const may = v.actions.includes('incident.retrospective');
  if (!may && !r.updatedAt && r.actions.length === 0 && v.profileProposals.length === 0) return html``;
  const base = `/cases/${encodeURIComponent(v.reportId)}/retrospective`;
  const owners = (v.checklist?.candidates ?? []).map((p) => ({ value: p.id, label: p.name }));
  return html`<section aria-labelledby="retro-h" class="card" id="retrospective">
    <h2 id="retro-h">Retrospective</h2>
    ${r.updatedAt ? html`<p class="muted">Last written ${when(r.updatedAt, tz)}${r.updatedBy ? html` by ${r.updatedBy}` : ''}.</p>` : ''}
    ${
      may
        ? html`<form method="post" action="${base}" class="stack" aria-label="The retrospective">${errorOf(failed, 'retro.save')}${hiddenCsrf(viewer)}
        ${textarea({ name: 'wentWell', label: 'What went well', rows: 3, value: typed(failed, 'retro.save', 'wentWell', r.wentWell ?? '') })}
        ${textarea({ name: 'wentBadly', label: 'What did not', rows: 3, value: typed(failed, 'retro.save', 'wentBadly', r.wentBadly ?? '') })}
        <p><button type="submit">Save the retrospective</button></p></form>`
        : html`<h3>What went well</h3>${textBox(r.wentWell ?? '')}<h3>What did not</h3>${textBox(r.wentBadly ?? '')}`
    }
    <h3>Actions</h3>
    ${
      r.actions.length
        ? html`<ul class="retro-actions">${r.actions.map(
            (a) =>
              html`<li>${a.text} <span class="muted">(${a.owner?.name ?? 'no owner'})</span> ${
                a.doneAt
                  ? html`<span class="badge">done</span> ${when(a.doneAt, tz)}${a.doneBy ? html`, by ${a.doneBy}` : ''}`
                  : may
                    ? html`<form method="post" action="${base}/actions/${a.id}/done" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Mark done</button></form>`
                    : ''
              }</li>`,
          )}</ul>`
        : html`<p class="muted">None yet.</p>`
    }
    ${
      may
        ? html`<form method="post" action="${base}/actions" class="stack" aria-label="Add an action">${errorOf(failed, 'retro.action')}${hiddenCsrf(viewer)}
        ${textarea({ name: 'text', label: 'Action', required: true, rows: 2, value: typed(failed, 'retro.action', 'text') })}
        ${select({ name: 'ownerId', label: 'Owner', value: typed(failed, 'retro.action', 'ownerId'), options: [{ value: '', label: 'Nobody yet' }, ...owners] })}
        <p><button type="submit" class="secondary">Add the action</button></p></form>`
        : ''
    }
    <h3>Edits of the process proposed from it</h3>
    ${v.profileProposals.length ? v.profileProposals.map((p) => proposalPart(p, tz)) : html`<p class="muted">None.</p>`}
    ${
      may
        ? html`<form method="post" action="/cases/${encodeURIComponent(v.reportId)}/profile-proposals" class="stack" aria-label="Propose an edit of the process">${errorOf(failed, 'retro.propose')}${hiddenCsrf(viewer)}
        ${textarea({ name: 'summary', label: 'What the edit changes, and why', required: true, rows: 1, value: typed(failed, 'retro.propose', 'summary') })}
        ${textarea({ name: 'patch', label: 'The edit, as a unified diff against the current profile (GET /api/profile)', required: true, rows: 8, value: typed(failed, 'retro.propose', 'patch') })}
        <p><button type="submit" class="secondary">Propose the edit</button></p></form>`
        : ''
    }
  </section>`;
}

export function caseAfterDisclosureForms(show: typeof showCase): PageRoute[] {
  const back = (params: Record<string, string>) => `/cases/${params.reportId}`;
  const done = (params: Record<string, string>, code: string, anchor: string) =>
    `/cases/${encodeURIComponent(params.reportId!)}?done=${code}#${anchor}`;
  const refused = (key: string) => (input: Parameters<typeof show>[0], r: { values: Failed['values']; problem: Failed['problem'] }) =>
    show(input, r.problem.status, null, { key, values: r.values, problem: r.problem });
  const owner = (body: unknown) => optional(body, 'ownerId') ?? null;
  return [
    formPost({
      url: '/cases/:reportId/checklist/:item/owner',
      policy: 'signed-in',
      signInNext: back,
      labels: { ownerId: ['ownerId', 'The owner'] },
      run: ({ ctx, params, body }) => setChecklistOwner(ctx, params.reportId!, params.item!, { ownerId: owner(body) }),
      done: (_r, { params }) => done(params, 'checklist-owner', 'fix'),
      refused: refused('checklist'),
    }),
    formPost({
      url: '/cases/:reportId/checklist/:item/done',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params, body }) => markChecklistItem(ctx, params.reportId!, params.item!, { done: field(body, 'done') !== 'false' }),
      done: (_r, { params }) => done(params, 'checklist-done', 'fix'),
      refused: refused('checklist'),
    }),
    formPost({
      url: '/cases/:reportId/monitoring-notes',
      policy: 'signed-in',
      signInNext: back,
      labels: { text: ['text', 'The note'] },
      run: ({ ctx, params, body }) => addMonitoringNote(ctx, params.reportId!, { text: field(body, 'text') }),
      done: (_r, { params }) => done(params, 'monitoring-note', 'after-disclosure'),
      refused: refused('after.note'),
    }),
    formPost({
      url: '/cases/:reportId/fix/reopen',
      policy: 'signed-in',
      signInNext: back,
      labels: { reason: ['reason', 'The reason'] },
      run: ({ ctx, params, body }) => reopenFix(ctx, params.reportId!, { reason: field(body, 'reason') }),
      done: (_r, { params }) => done(params, 'fix-reopened', 'after-disclosure'),
      refused: refused('after.reopen'),
    }),
    formPost({
      url: '/cases/:reportId/fix/corrected',
      policy: 'signed-in',
      signInNext: back,
      labels: { note: ['note', 'Where'] },
      run: ({ ctx, params, body }) => recordCorrectedFixPublic(ctx, params.reportId!, { note: field(body, 'note') }),
      done: (_r, { params }) => done(params, 'fix-corrected', 'after-disclosure'),
      refused: refused('after.corrected'),
    }),
    formPost({
      url: '/cases/:reportId/retrospective',
      policy: 'signed-in',
      signInNext: back,
      labels: { wentWell: ['wentWell', 'What went well'], wentBadly: ['wentBadly', 'What did not'] },
      run: ({ ctx, params, body }) =>
        saveRetrospective(ctx, params.reportId!, {
          ...(optional(body, 'wentWell') ? { wentWell: optional(body, 'wentWell') } : {}),
          ...(optional(body, 'wentBadly') ? { wentBadly: optional(body, 'wentBadly') } : {}),
        }),
      done: (_r, { params }) => done(params, 'retrospective-saved', 'retrospective'),
      refused: refused('retro.save'),
    }),
    formPost({
      url: '/cases/:reportId/retrospective/actions',
      policy: 'signed-in',
      signInNext: back,
      labels: { text: ['text', 'The action'], ownerId: ['ownerId', 'The owner'] },
      run: ({ ctx, params, body }) => addRetrospectiveAction(ctx, params.reportId!, { text: field(body, 'text'), ownerId: owner(body) }),
      done: (_r, { params }) => done(params, 'retrospective-action', 'retrospective'),
      refused: refused('retro.action'),
    }),
    formPost({
      url: '/cases/:reportId/retrospective/actions/:itemId/done',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params }) => markRetrospectiveActionDone(ctx, params.reportId!, params.itemId!),
      done: (_r, { params }) => done(params, 'retrospective-action-done', 'retrospective'),
      refused: refused('retro.action'),
    }),
    formPost({
      url: '/cases/:reportId/profile-proposals',
      policy: 'signed-in',
      signInNext: back,
      labels: { summary: ['summary', 'The summary'], patch: ['patch', 'The diff'] },
      run: ({ ctx, params, body }) =>
        proposeProfileEdit(ctx, params.reportId!, { summary: field(body, 'summary'), patch: field(body, 'patch').replace(/\r\n/g, '\n') }),
      done: (_r, { params }) => done(params, 'profile-proposed', 'retrospective'),
      refused: refused('retro.propose'),
    }),
  ];
}
