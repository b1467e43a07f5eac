import { EXPORT_FORMATS } from '../../formats/export-formats.ts';
import type { Command } from '../command.ts';

// `embargo advisory export ID|FILE`: an advisory from the desk's database or from a JSON file (../advisory.ts).

export const ADVISORY_EXPORT_DB_USAGE = `Usage: embargo advisory export ID|FILE --format FORMAT [options]

ID is an advisory in the desk's database: its public id (TF-2026-0001) or its id.
FILE is an advisory as a JSON file ("-" for standard input); an argument that is "-" or an
existing file is read as a file, anything else is looked up as an ID.
Formats: ${EXPORT_FORMATS.join(', ')}
Options:
  --format FORMAT     the format (required)
  --version N         (ID) the version to write; default the latest (with --as) or the published one
  --as EMAIL          (ID) act as this person: their access applies, drafts can be written
  --cve ID            with --format cve and several CVE ids: the record to print
  --output-dir DIR    write the file(s) into DIR instead of printing
  --now INSTANT       (FILE) generation time for a draft preview
Without --as, only a published advisory whose publication time has come is written.
Exit status: 0 done, 1 not found or cannot be written in that format, 2 bad usage.
`;

export const advisoryCommands: Command[] = [
  {
    name: 'advisory export',
    summary: 'Export an advisory (from the desk by id, or a JSON file) as CVE, OSV, CSAF 2.0/2.1, text or Markdown',
    help: ADVISORY_EXPORT_DB_USAGE,
    opensDatabase: 'for an id',
    ownUsage: true,
    run: async (args, { out, err }) => (await import('../advisory.ts')).advisoryExport(args, out, err),
  },
];
