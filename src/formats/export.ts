// One entry point for every export format: exportAdvisory(advisory, format) gives the files to
// write (name, media type, text), so the CLI, the public site and the HTTP API name and encode the
// formats the same way.

import type { Advisory } from '../domain/advisory.ts';
import { ValidationError } from '../domain/errors.ts';
import type { ExportOptions } from './common.ts';
import { toCveRecords } from './cve.ts';
import { csafFileName } from './csaf.ts';
import { toCsaf20 } from './csaf20.ts';
import { toCsaf21 } from './csaf21.ts';
import { toMarkdown } from './markdown.ts';
import { osvId, toOsv } from './osv.ts';
import { toText } from './text.ts';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';

export { EXPORT_FORMATS, isExportFormat, type ExportFormat } from './export-formats.ts';

export interface ExportedFile {
  /** A file name for the document, e.g. "CVE-2026-1234.json", "tf-2026-0001.json". */
  name: string;
  mediaType: string;
  /** The document as written (JSON is indented, ends with a newline). */
  content: string;
  /** The JSON value, for the JSON formats. */
  json?: unknown;
}

export interface ExportResult {
  format: ExportFormat;
  /** One file per CVE id for "cve"; one file for every other format. */
  files: ExportedFile[];
}

export { csafFileName, csafSitePath } from './csaf.ts';

const json = (name: string, value: unknown, mediaType = 'application/json'): ExportedFile => ({
  name,
  mediaType,
  content: `${JSON.stringify(value, null, 2)}\n`,
  json: value,
});

export function exportAdvisory(advisory: Advisory, format: ExportFormat, options: ExportOptions = {}): ExportResult {
  switch (format) {
    case 'cve':
      return { format, files: toCveRecords(advisory, options).map((r) => json(`${r.cveMetadata.cveId}.json`, r)) };
    case 'osv':
      return { format, files: [json(`${osvId(advisory)}.json`, toOsv(advisory, options))] };
    case 'csaf-2.0':
      return { format, files: [json(csafFileName(advisory.id), toCsaf20(advisory, options), 'application/csaf+json')] };
    case 'csaf-2.1':
      return { format, files: [json(csafFileName(advisory.id), toCsaf21(advisory, options), 'application/csaf+json')] };
    case 'text':
      return {
        format,
        files: [{ name: `${advisory.id}.txt`, mediaType: 'text/plain; charset=utf-8', content: toText(advisory, options) }],
      };
    case 'markdown':
      return {
        format,
        files: [{ name: `${advisory.id}.md`, mediaType: 'text/markdown; charset=utf-8', content: toMarkdown(advisory, options) }],
      };
    default:
      throw new ValidationError(`Unknown export format "${String(format)}".`, [
        { path: 'format', message: `expected one of ${EXPORT_FORMATS.join(', ')}` },
      ]);
  }
}
