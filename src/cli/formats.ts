// The command-line door to the formats for a file, in-process and with injected streams:
//   embargo advisory export FILE --format FORMAT [--cve ID] [--output-dir DIR] [--now INSTANT]
// (`embargo advisory export` of ./advisory.ts comes here for a file). Exit codes: 0 done, 1 invalid
// input (every problem printed), 2 bad usage.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAdvisory, publicationProblems } from '../domain/advisory.ts';
import { EXPORT_FORMATS, exportAdvisory, isExportFormat, type ExportedFile } from '../formats/export.ts';
import type { Out } from './command.ts';
import { printError, usage } from './print.ts';

// `embargo cvss` is in ./cvss.ts, which loads none of the formats; re-exported for this door's callers.
export { cvssCommand } from './cvss.ts';

export const ADVISORY_EXPORT_USAGE = `Usage: embargo advisory export FILE --format FORMAT [options]

Writes an advisory (a JSON file, "-" for standard input) in one of the formats:
  ${EXPORT_FORMATS.join(', ')}
Options:
  --format FORMAT     the format (required)
  --cve ID            with --format cve and several CVE ids: the record to print
  --output-dir DIR    write the file(s) into DIR (one per CVE id for cve) instead of printing
  --now INSTANT       generation time, for a preview of an advisory that is not yet published
Problems that keep the advisory from publication are printed as warnings.
Exit status: 0 done, 1 the advisory is invalid or cannot be written in that format, 2 bad usage.
`;

/**
 * Where both `advisory export` commands put what an export made: with --cve only that CVE record,
 * with --output-dir every file into that directory (one path printed per file), otherwise the one
 * file to standard output. `cveIds`, when known, are named in the errors. Returns the exit status.
 */
export function writeExportedFiles(
  made: ExportedFile[],
  opts: { cve?: string | undefined; outputDir?: string | undefined; cveIds?: string[] },
  out: Out,
  err: Out,
): number {
  const ids = opts.cveIds ? ` (${opts.cveIds.join(', ') || 'none'})` : '';
  let files = made;
  if (opts.cve) {
    files = files.filter((f) => f.name === `${opts.cve}.json`);
    if (files.length === 0) {
      err.write(`error: ${opts.cve} is not one of the advisory's CVE ids${ids}\n`);
      return 1;
    }
  }
  if (opts.outputDir) {
    mkdirSync(opts.outputDir, { recursive: true });
    for (const f of files) {
      writeFileSync(join(opts.outputDir, f.name), f.content);
      out.write(`${join(opts.outputDir, f.name)}\n`);
    }
    return 0;
  }
  if (files.length !== 1) {
    err.write(`error: the advisory has ${files.length} CVE records${ids}; choose one with --cve ID or write all with --output-dir DIR\n`);
    return 1;
  }
  out.write(files[0]!.content);
  return 0;
}

/** `embargo advisory export ...`; `args` are the words after "export". */
export async function advisoryExportCommand(args: string[], out: Out, err: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        format: { type: 'string', short: 'f' },
        cve: { type: 'string' },
        'output-dir': { type: 'string', short: 'o' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return usage(err, ADVISORY_EXPORT_USAGE, (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(ADVISORY_EXPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usage(err, ADVISORY_EXPORT_USAGE, 'give exactly one FILE');
  if (!values.format) return usage(err, ADVISORY_EXPORT_USAGE, '--format is required');
  if (!isExportFormat(values.format)) return usage(err, ADVISORY_EXPORT_USAGE, `unknown format "${values.format}"`);
  if (values.cve && values.format !== 'cve') return usage(err, ADVISORY_EXPORT_USAGE, '--cve goes with --format cve');
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now)))
    return usage(err, ADVISORY_EXPORT_USAGE, `--now: "${values.now}" is not a date and time`);

  const file = positionals[0]!;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (e) {
    err.write(`error: cannot read ${file === '-' ? 'standard input' : file}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const advisory = parseAdvisory(data);
    const problems = publicationProblems(advisory);
    if (problems.length) err.write(`warning: not ready for publication:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    const result = exportAdvisory(advisory, values.format, values.now ? { now: values.now } : {});
    return writeExportedFiles(result.files, { cve: values.cve, outputDir: values['output-dir'], cveIds: advisory.cveIds }, out, err);
  } catch (e) {
    return printError(err, e);
  }
}
