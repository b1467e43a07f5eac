import type { Advisory } from '../domain/advisory.ts';
import { ValidationError } from '../domain/errors.ts';
import { csafSitePath, exportAdvisory, type ExportFormat } from '../formats/export.ts';

// The machine-readable records of one advisory at their stable site paths, built by the same
// exporters as `embargo advisory export`. Not every format applies to every advisory: a CVE record
// needs CVE ids and the team's CNA account, a CSAF security advisory an affected product. An
// exporter refuses those with a ValidationError; the record is then simply not offered (the page
// lists what exists). Any other error is a bug and propagates.

export interface SiteFile {
  /** Path relative to the site root, e.g. "TFV-2026-0001/osv.json". */
  path: string;
  mediaType: string;
  body: string;
}

export interface AdvisoryRecord extends SiteFile {
  format: ExportFormat;
  /** An earlier path of the same file, still served (same bytes) so that links to it keep working. */
  formerPath?: string;
  /** What a person reads in the list of records: "OSV", "CVE record CVE-2026-10001". */
  label: string;
}

const LABELS: Record<ExportFormat, string> = {
  cve: 'CVE JSON 5 record',
  osv: 'OSV',
  'csaf-2.0': 'CSAF 2.0',
  'csaf-2.1': 'CSAF 2.1',
  text: 'Plain-text announcement',
  markdown: 'Markdown',
};

/**
 * Stable names inside the advisory's folder; CVE records go one per CVE id under cve/, CSAF
 * documents under csaf-2.0/ and csaf-2.1/ by the file name CSAF requires (the lower-cased tracking
 * id), where their self reference points. Their first names, csaf-2.0.json and csaf-2.1.json, are
 * still served.
 */
const FILE_NAMES: Record<'osv' | 'text' | 'markdown', string> = {
  osv: 'osv.json',
  text: 'advisory.txt',
  markdown: 'advisory.md',
};

const ORDER: ExportFormat[] = ['osv', 'cve', 'csaf-2.0', 'csaf-2.1', 'text', 'markdown'];

function tryExport(advisory: Advisory, format: ExportFormat, publishAt: string, siteUrl: string) {
  try {
    // A document without its own publication time takes the one it was published at; the output
    // never depends on when it is generated, so the served and exported bytes are the same.
    return exportAdvisory(advisory, format, { now: publishAt, siteUrl }).files;
  } catch (e) {
    if (e instanceof ValidationError) return [];
    throw e;
  }
}

/** The advisory's records; `siteUrl` is the site's root URL, where the CSAF documents name their canonical URL. */
export function advisoryRecords(advisory: Advisory, publishAt: string, siteUrl: string): AdvisoryRecord[] {
  const dir = advisory.id;
  const records: AdvisoryRecord[] = [];
  for (const format of ORDER) {
    for (const file of tryExport(advisory, format, publishAt, siteUrl)) {
      if (format === 'cve') {
        const cveId = file.name.replace(/\.json$/, '');
        records.push({
          format,
          label: `${LABELS.cve} ${cveId}`,
          path: `${dir}/cve/${cveId}.json`,
          mediaType: file.mediaType,
          body: file.content,
        });
      } else if (format === 'csaf-2.0' || format === 'csaf-2.1') {
        records.push({
          format,
          label: LABELS[format],
          path: csafSitePath(advisory.id, format === 'csaf-2.0' ? '2.0' : '2.1'),
          formerPath: `${dir}/${format}.json`,
          mediaType: file.mediaType,
          body: file.content,
        });
      } else {
        records.push({
          format,
          label: LABELS[format],
          path: `${dir}/${FILE_NAMES[format]}`,
          mediaType: file.mediaType,
          body: file.content,
        });
      }
    }
  }
  return records;
}
