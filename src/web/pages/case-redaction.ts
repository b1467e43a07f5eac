import type { CaseView } from '../../app/cases/queries.ts';
import { markSensitive, unmarkSensitive } from '../../app/cases/marks.ts';
import { rephraseForOutsiders } from '../../app/cases/outside-text.ts';
import { MARKABLE_KINDS, labelOf, mayRemoveMark, type SensitiveSource } from '../../domain/sensitive.ts';
import { html, type Html } from '../html.ts';
import { field, formOf, hiddenCsrf, input, scrollTable, select, textarea, textBox, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import type { PageRoute } from '../route.ts';
import type { Failed, showCase } from './case.ts';

// The case page's need-to-know section, for the security teams: what the desk keeps from everyone
// outside them (the marks, with where each came from), forms to mark a value or passage and to take
// a mark back, a box to rephrase the title and summary outsiders read, and the preview: the report
// side by side as the security teams read it and as collaborators, stakeholders and the public do.

export const CASE_REDACTION_DONE: Record<string, string> = {
  marked: 'Marked sensitive: everyone outside the security teams reads its label instead.',
  unmarked: 'The mark is taken back.',
  rephrased: 'Saved: outsiders read the new title and summary.',
};

const SOURCE_WORDS: Record<SensitiveSource, string> = {
  'reporter-record': 'the reporter record',
  'report-form': 'the report form',
  'mail-header': "the reporter's mail headers",
  'key-user-id': "the reporter's key",
  credit: 'the credit the reporter chose',
  'reporter-mark': 'marked by the reporter',
  'team-mark': 'marked by the team',
};

const KIND_WORDS: Record<(typeof MARKABLE_KINDS)[number], string> = {
  identity: 'Who the reporter is (a name, a handle)',
  organisation: 'Their organisation',
  product: "Their organisation's product",
  other: 'Something else (name it below)',
};

function val(f: Failed | null, name: string): string {
  const x = f ? formOf(f.values)[name] : undefined;
  return typeof x === 'string' ? x : '';
}

function formError(f: Failed | null, key: string): Html {
  return f?.key === key ? html`<p class="field-error" role="alert">${f.problem.message}</p>` : html``;
}

/** The section, for those who read the case unredacted; nothing for anyone else. */
export function caseRedactionSection(v: CaseView, viewer: Viewer, failed: Failed | null): Html {
  const r = v.redaction;
  if (!r) return html``;
  const base = `/cases/${encodeURIComponent(v.reportId)}`;
  const markFailed = failed?.key === 'redaction.mark' ? failed : null;
  const textFailed = failed?.key === 'redaction.rephrase' ? failed : null;
  return html`<section aria-labelledby="ntk-h" class="card" id="need-to-know">
    <h2 id="ntk-h">Need to know: what outsiders read</h2>
    <p>Everyone outside the security teams — people pulled into this case, stakeholders, the public — reads a label where any of these values
      stands, in every page, mail, export and feed. The reporter's name, addresses, organisation and product, and the fields they marked on the form,
      are kept out by default.</p>
    ${
      r.marks.length
        ? scrollTable(
            'Marked on this case',
            html`<table class="marks"><caption>Marked on this case</caption>
        <thead><tr><th scope="col">Value</th><th scope="col">Outsiders read</th><th scope="col">From</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${r.marks.map(
          (
            m,
          ) => html`<tr><td><span class="sensitive-value">${m.value}</span>${m.passage ? html` <span class="muted">(a passage of ${m.passage.of === 'body' ? 'the report' : 'a message'})</span>` : ''}</td>
            <td><code>${labelOf(m)}</code></td><td>${SOURCE_WORDS[m.source]}</td>
            <td>${
              mayRemoveMark('team', m.source)
                ? html`<form method="post" action="${base}/marks/${m.id}/remove" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Take back</button></form>`
                : html`<span class="muted">only the reporter can take it back</span>`
            }</td></tr>`,
        )}</tbody></table>`,
          )
        : html`<p class="muted">Nothing marked beyond the defaults yet.</p>`
    }
    <form method="post" action="${base}/marks" class="stack${markFailed ? ' has-error' : ''}" aria-label="Mark sensitive">
      <h3>Mark a value or passage sensitive</h3>
      ${formError(failed, 'redaction.mark')}
      ${hiddenCsrf(viewer)}
      ${textarea({
        name: 'value',
        label: 'The value or passage, as it stands in the text',
        required: true,
        rows: 2,
        value: val(markFailed, 'value'),
        error: markFailed?.problem.fields.value,
        hint: 'A name, a customer, a signature block: every occurrence, in any spelling, is replaced for outsiders.',
      })}
      ${select({
        name: 'kind',
        label: 'What it is',
        value: val(markFailed, 'kind') || 'other',
        options: MARKABLE_KINDS.map((k) => ({ value: k, label: KIND_WORDS[k] })),
      })}
      ${input({ name: 'name', label: 'Its name in the label', value: val(markFailed, 'name'), hint: 'For "something else": "customer" makes the label [sensitive: customer].', error: markFailed?.problem.fields.name })}
      <p><button type="submit">Mark sensitive</button></p>
    </form>
    <form method="post" action="${base}/outside-text" class="stack${textFailed ? ' has-error' : ''}" aria-label="Rephrase for outsiders">
      <h3>Rephrase what outsiders read</h3>
      ${formError(failed, 'redaction.rephrase')}
      ${hiddenCsrf(viewer)}
      ${input({ name: 'title', label: 'Title for outsiders', value: textFailed ? val(textFailed, 'title') : (r.rephrased.title ?? ''), hint: 'Empty: the title with the labels.', error: textFailed?.problem.fields.title })}
      ${textarea({ name: 'summary', label: 'Summary for outsiders', rows: 3, value: textFailed ? val(textFailed, 'summary') : (r.rephrased.summary ?? ''), error: textFailed?.problem.fields.summary })}
      <p><button type="submit">Save for outsiders</button></p>
    </form>
    <div class="preview-pair" role="group" aria-label="Preview">
      <div class="preview" id="preview-team"><h3>The security teams read</h3>
        <p><strong>${v.title}</strong></p>${textBox(v.body)}</div>
      <div class="preview" id="preview-outsiders"><h3>Collaborators, stakeholders and the public read</h3>
        <p><strong>${r.outsiders.title}</strong></p>${r.outsiders.summary ? html`<p class="summary">${r.outsiders.summary}</p>` : ''}${textBox(r.outsiders.body)}</div>
    </div>
  </section>`;
}

/** The forms of the section; a refusal redraws the case page with the form that failed. */
export function caseRedactionForms(show: typeof showCase): PageRoute[] {
  const back = (params: Record<string, string>) => `/cases/${params.reportId}`;
  const done = (params: Record<string, string>, code: string) => `/cases/${encodeURIComponent(params.reportId!)}?done=${code}#need-to-know`;
  return [
    formPost({
      url: '/cases/:reportId/marks',
      policy: 'signed-in',
      signInNext: back,
      labels: { value: ['value', 'The value'], name: ['name', 'Its name'], kind: ['kind', 'What it is'] },
      run: ({ ctx, params, body }) =>
        markSensitive(ctx, params.reportId!, {
          value: field(body, 'value'),
          kind: field(body, 'kind') || 'other',
          ...(field(body, 'name').trim() ? { name: field(body, 'name') } : {}),
        }),
      done: (_r, { params }) => done(params, 'marked'),
      refused: (input, { values, problem }) => show(input, problem.status, null, { key: 'redaction.mark', values, problem }),
    }),
    formPost({
      url: '/cases/:reportId/marks/:markId/remove',
      policy: 'signed-in',
      signInNext: back,
      run: ({ ctx, params }) => unmarkSensitive(ctx, params.reportId!, params.markId!),
      done: (_r, { params }) => done(params, 'unmarked'),
      refused: (input, { values, problem }) => show(input, problem.status, null, { key: 'redaction.unmark', values, problem }),
    }),
    formPost({
      url: '/cases/:reportId/outside-text',
      policy: 'signed-in',
      signInNext: back,
      labels: { title: ['title', 'Title for outsiders'], summary: ['summary', 'Summary for outsiders'] },
      run: ({ ctx, params, body }) =>
        rephraseForOutsiders(ctx, params.reportId!, { title: field(body, 'title'), summary: field(body, 'summary') }),
      done: (_r, { params }) => done(params, 'rephrased'),
      refused: (input, { values, problem }) => show(input, problem.status, null, { key: 'redaction.rephrase', values, problem }),
    }),
  ];
}
