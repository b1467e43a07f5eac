import type { CaseView } from '../../app/cases/queries.ts';
import { addFixItem, FIX_ITEM_KINDS, markFixItemDone, markFixReady, setExportControl } from '../../app/disclosure/fix.ts';
import { html, type Html } from '../html.ts';
import { field, hiddenCsrf, input, select, textarea, type Viewer } from '../common.ts';
import { at as when } from '../case-words.ts';
import { formPost } from '../form-action.ts';
import type { PageRoute } from '../route.ts';
import type { Failed, showCase } from './case.ts';
import { checklistPart } from './case-after-disclosure.ts';

// The case page's fix record: its items, each marked done when it is; "the fix is ready"; and the
// export-control hold. The forms are for the incident's handlers and the central team.

export const CASE_FIX_DONE: Record<string, string> = {
  'fix-item-added': 'Added to the fix record.',
  'fix-item-done': 'Marked done.',
  'fix-ready': 'The fix is ready.',
  'fix-export-control': 'The export-control hold is saved.',
};

const KIND_WORDS: Record<(typeof FIX_ITEM_KINDS)[number], string> = {
  patch: 'Patch',
  branch: 'Private branch',
  'pull-request': 'Pull request',
  'fixed-version': 'Fixed version',
  review: 'Code review',
  test: 'Tests',
  'release-notes': 'Release notes',
  note: 'Note',
};

export function caseFixSection(v: CaseView, viewer: Viewer, failed: Failed | null, tz: string): Html {
  const fix = v.fix;
  if (!v.incident) return html``;
  const may = v.actions.includes('incident.fix');
  if (!fix && !may) return html``;
  const base = `/cases/${encodeURIComponent(v.reportId)}/fix`;
  const err = (key: string) => (failed?.key === key ? html`<p class="field-error" role="alert">${failed.problem.message}</p>` : html``);
  return html`<section aria-labelledby="fix-h" class="card" id="fix">
    <h2 id="fix-h">Fix</h2>
    ${fix?.exportControlled ? html`<p class="warning"><strong>Under export control</strong>: nobody outside the security teams is shown or sent any of it.${fix.exportNote ? html` ${fix.exportNote}` : ''}</p>` : ''}
    <p>${fix?.readyAt ? html`<strong>Ready</strong> since ${when(fix.readyAt, tz)}.` : 'Not ready yet.'}</p>
    ${
      fix?.items.length
        ? html`<ul class="fix-items">${fix.items.map(
            (i) =>
              html`<li><strong>${KIND_WORDS[i.kind]}</strong>: <span class="fix-text">${i.text}</span> ${
                i.done
                  ? html`<span class="badge">done</span>`
                  : may
                    ? html`<form method="post" action="${base}/items/${i.id}/done" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Mark done</button></form>`
                    : ''
              }</li>`,
          )}</ul>`
        : html`<p class="muted">Nothing recorded yet.</p>`
    }
    ${checklistPart(v, viewer, failed, tz)}
    ${
      may
        ? html`<form method="post" action="${base}/items" class="stack" aria-label="Add to the fix">
        <h3>Add to the fix</h3>${err('fix.add')}${hiddenCsrf(viewer)}
        ${select({ name: 'kind', label: 'What', options: FIX_ITEM_KINDS.map((k) => ({ value: k, label: KIND_WORDS[k] })) })}
        ${textarea({ name: 'text', label: 'Link, version or text', required: true, rows: 2 })}
        <p><button type="submit">Add</button></p></form>
      ${fix?.readyAt ? '' : html`<form method="post" action="${base}/ready" class="inline">${hiddenCsrf(viewer)}<button type="submit">The fix is ready</button></form>`}
      <form method="post" action="${base}/export-control" class="stack" aria-label="Export control">
        <h3>Export control</h3>${err('fix.export')}${hiddenCsrf(viewer)}
        ${select({
          name: 'controlled',
          label: 'The fix',
          value: fix?.exportControlled ? 'true' : 'false',
          options: [
            { value: 'false', label: 'may be shared as the process says' },
            { value: 'true', label: 'is under export control: the security teams only' },
          ],
        })}
        ${input({ name: 'note', label: 'Why (which rule applies)', value: fix?.exportNote ?? '' })}
        <p><button type="submit" class="secondary">Save</button></p></form>`
        : ''
    }
  </section>`;
}

export function caseFixForms(show: typeof showCase): PageRoute[] {
  const back = (params: Record<string, string>) => `/cases/${params.reportId}`;
  const done = (params: Record<string, string>, code: string) => `/cases/${encodeURIComponent(params.reportId!)}?done=${code}#fix`;
  const refused = (key: string) => (input: Parameters<typeof show>[0], r: { values: Failed['values']; problem: Failed['problem'] }) =>
    show(input, r.problem.status, null, { key, values: r.values, problem: r.problem });
  return [
    formPost({
      url: '/cases/:reportId/fix/items',
      policy: 'signed-in',
      signInNext: back,
      labels: { text: ['text', 'Link, version or text'] },
      run: ({ ctx, params, body }) => addFixItem(ctx, params.reportId!, { kind: field(body, 'kind'), text: field(body, 'text') }),
      done: (_r, { params }) => done(params, 'fix-item-added'),
      refused: refused('fix.add'),
    }),
    formPost({
      url: '/cases/:reportId/fix/items/:itemId/done',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params }) => markFixItemDone(ctx, params.reportId!, params.itemId!),
      done: (_r, { params }) => done(params, 'fix-item-done'),
      refused: refused('fix.done'),
    }),
    formPost({
      url: '/cases/:reportId/fix/ready',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params }) => markFixReady(ctx, params.reportId!),
      done: (_r, { params }) => done(params, 'fix-ready'),
      refused: refused('fix.ready'),
    }),
    formPost({
      url: '/cases/:reportId/fix/export-control',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params, body }) => {
        const note = field(body, 'note').trim();
        return setExportControl(ctx, params.reportId!, { controlled: field(body, 'controlled') === 'true', ...(note ? { note } : {}) });
      },
      done: (_r, { params }) => done(params, 'fix-export-control'),
      refused: refused('fix.export'),
    }),
  ];
}
