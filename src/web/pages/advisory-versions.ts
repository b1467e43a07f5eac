import { advisoryVersion, diffVersions, exportVersion } from '../../app/advisories/advisories.ts';
import { ValidationError } from '../../domain/errors.ts';
import { EXPORT_FORMATS, isExportFormat } from '../../formats/export.ts';
import { html } from '../html.ts';
import { field, layout, notFoundPage, sendHtml, zoneOf } from '../common.ts';
import { definePages } from '../route.ts';
import { advisoryPage, enc, renderPreview } from './advisory.ts';

// An advisory's versions: a preview of any version, the changes between two, and downloads in every
// export format.

export const advisoryVersionPages = definePages([
  {
    method: 'GET',
    url: '/desk/advisories/:id/versions/:version',
    policy: 'signed-in',
    handler: async (input) => {
      const { ctx, viewer, reply } = input;
      const { id, version } = input.params as { id: string; version: string };
      if (!/^[1-9][0-9]{0,8}$/.test(version)) return notFoundPage(reply, viewer);
      return advisoryPage(input, async () => {
        const v = await advisoryVersion(ctx, id, Number(version));
        return sendHtml(
          reply,
          200,
          layout({
            title: `Preview of version ${v.version}`,
            viewer,
            body: html`<p><a href="/desk/advisories/${enc(id)}">Back to the advisory</a> · version ${v.version} by ${v.author ?? 'the desk'}${v.comment ? ` — ${v.comment}` : ''}</p>
            ${renderPreview(v.document, zoneOf(viewer))}`,
          }),
        );
      });
    },
  },
  {
    method: 'GET',
    url: '/desk/advisories/:id/diff',
    policy: 'signed-in',
    handler: async (input) => {
      const { ctx, viewer, reply, query } = input;
      const id = input.params.id!;
      return advisoryPage(input, async () => {
        const d = await diffVersions(ctx, id, { from: field(query, 'from'), to: field(query, 'to') });
        return sendHtml(
          reply,
          200,
          layout({
            title: `Changes from version ${d.from} to ${d.to}`,
            viewer,
            body: html`<p><a href="/desk/advisories/${enc(id)}">Back to the advisory</a></p>
            ${d.sections.length === 0 ? html`<p>The two versions say the same.</p>` : ''}
            ${d.sections.map(
              (s) => html`<section class="card diff" aria-labelledby="d-${s.section}"><h2 id="d-${s.section}">${s.label}</h2>
              <pre class="diff">${s.parts.map((p) => (p.kind === 'added' ? html`<ins>${p.text}</ins>` : p.kind === 'removed' ? html`<del>${p.text}</del>` : html`${p.text}`))}</pre></section>`,
            )}`,
          }),
        );
      });
    },
  },
  {
    method: 'GET',
    url: '/desk/advisories/:id/export',
    policy: 'signed-in',
    handler: async (input) => {
      const { ctx, reply, query } = input;
      const id = input.params.id!;
      const format = field(query, 'format');
      const version = field(query, 'version');
      return advisoryPage(input, async () => {
        if (!isExportFormat(format)) throw new ValidationError(`Unknown format; choose one of ${EXPORT_FORMATS.join(', ')}.`);
        const r = await exportVersion(ctx, id, { format, ...(version ? { version } : {}) });
        // Several CVE records: one JSON array; every other format is one file.
        const file =
          r.files.length === 1
            ? r.files[0]!
            : {
                name: `${id}-cve.json`,
                mediaType: 'application/json',
                content: `${JSON.stringify(
                  r.files.map((f) => f.json),
                  null,
                  2,
                )}\n`,
              };
        return reply
          .status(200)
          .header('content-type', file.mediaType.startsWith('text/') ? file.mediaType : `${file.mediaType}; charset=utf-8`)
          .header('content-disposition', `attachment; filename="${file.name.replace(/[^\w.+-]/g, '_')}"`)
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(file.content);
      });
    },
  },
]);
