// The names of the export formats, apart from the writers (src/formats/export.ts re-exports them):
// the command line's help names them without loading every format's code.

export const EXPORT_FORMATS = ['cve', 'osv', 'csaf-2.0', 'csaf-2.1', 'text', 'markdown'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}
