import { advisoryView, saveAdvisory } from '../../app/advisories/advisories.ts';
import { listProjects } from '../../app/admin/admin.ts';
import { ValidationError } from '../../domain/errors.ts';
import { html } from '../html.ts';
import { field, flashOf, layout, sendHtml, zoneOf } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { advisoryPage, APPROVAL_RULE, DONE, enc, renderPreview } from './advisory.ts';
import {
  documentFromModel,
  EDITOR_SECTIONS,
  modelFromAdvisory,
  modelFromForm,
  renderEditor,
  withEmptyRows,
  type EditorModel,
} from './advisory-form.ts';

// The structured advisory editor. Saving makes a new version on top of the one the form was opened
// on; "Add a row" draws the form again with one more empty row and saves nothing.
// Three columns on a wide screen (one below the other on a narrow one): the sections to jump to, the
// form, and the preview of the saved version beside it, drawn by the server as readers will see it
// (Markdown through the one renderer). Without JavaScript the preview follows the form on each save.
// The preview scrolls on its own beside the form, so it takes the keyboard's focus to scroll.

async function showEditor(
  input: PageInput,
  status: number,
  model: EditorModel | null,
  add: string | null,
  problem: { message: string; fields: Record<string, string>; list: string[] } | null,
  flash: string | null,
) {
  const { ctx, viewer, reply } = input;
  const id = input.params.id!;
  const v = await advisoryView(ctx, id);
  const m = model ?? modelFromAdvisory(v.head.document, v.head.reporterCredit, v.headVersion);
  const projects = (await listProjects(ctx)).map((p) => p.slug);
  return sendHtml(
    reply,
    status,
    layout({
      title: `Edit ${v.publicId}`,
      viewer,
      flash,
      error: problem?.message ?? null,
      body: html`<p><a href="/desk/advisories/${enc(id)}">Back to the advisory</a> · editing on top of version ${m.baseVersion}</p>
        <p class="approval-rule" id="approval-rule">${APPROVAL_RULE}</p>
        ${problem?.list.length ? html`<ul class="problems" id="problems">${problem.list.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
        <div class="editor-columns">
          <nav class="editor-sections" aria-label="Sections of the advisory"><ul>${EDITOR_SECTIONS.map((x) => html`<li><a href="#${x.id}">${x.label}</a></li>`)}<li><a href="#editor-preview">Preview</a></li></ul></nav>
          <div class="editor-form">${renderEditor(withEmptyRows(m, add), { action: `/desk/advisories/${enc(id)}/edit`, viewer, errors: problem?.fields ?? {}, projects })}</div>
          <aside class="editor-preview" id="editor-preview" aria-labelledby="editor-preview-h" tabindex="0">
            <h2 id="editor-preview-h">Preview of version ${v.headVersion}, as saved</h2>
            <p class="hint">What readers will see of the saved version; save to see your changes here.</p>
            ${renderPreview(v.head.document, zoneOf(viewer))}
          </aside>
        </div>`,
    }),
  );
}

export const advisoryEditorPages = definePages([
  {
    method: 'GET',
    url: '/desk/advisories/:id/edit',
    policy: 'signed-in',
    handler: async (input) => advisoryPage(input, () => showEditor(input, 200, null, null, null, flashOf(input.query, DONE))),
  },
  formPost({
    url: '/desk/advisories/:id/edit',
    policy: 'signed-in',
    run: async ({ ctx, params, body }) => {
      const model = modelFromForm(body);
      // "Add a row" redraws the form with what was typed and one more empty row; nothing is saved.
      if (field(body, 'add')) return { added: model };
      const { document, reporterCredit } = documentFromModel(model);
      const base = Number.parseInt(model.baseVersion, 10);
      await saveAdvisory(ctx, params.id!, {
        document,
        reporterCredit,
        ...(model.comment.trim() ? { comment: model.comment.trim() } : {}),
        ...(Number.isFinite(base) && base > 0 ? { baseVersion: base } : {}),
      });
      return null;
    },
    done: (r, input) =>
      r
        ? advisoryPage(input, () => showEditor(input, 200, r.added, field(input.body, 'add'), null, null))
        : `/desk/advisories/${enc(input.params.id!)}?done=saved`,
    refused: (input, { problem, error }) => {
      const model = modelFromForm(input.body);
      const { fieldOf } = documentFromModel(model);
      const fields: Record<string, string> = {};
      const list: string[] = [];
      if (error instanceof ValidationError) {
        for (const d of error.details) {
          if (d.path) fields[fieldOf(d.path)] ??= d.message;
          list.push(d.path ? `${d.path}: ${d.message}` : d.message);
        }
      }
      return advisoryPage(input, () => showEditor(input, problem.status, model, null, { message: problem.message, fields, list }, null));
    },
  }),
]);
