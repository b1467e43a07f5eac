import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Ctx } from '../app/context.ts';
import { EmbargoError } from '../domain/errors.ts';
import type { ExportedFile } from '../formats/export.ts';
import { isExportFormat } from '../formats/export-formats.ts';
import { advisoryExportCommand, writeExportedFiles } from './formats.ts';
import { printError } from './print.ts';
import type { Out } from './command.ts';
import { ADVISORY_EXPORT_DB_USAGE } from './commands/advisory.ts';

// `embargo advisory export ID|FILE`: an advisory from the desk's database (ID: its public id such
// as TF-2026-0001, or its id) or from a JSON file. The argument is a file when it is "-" or names
// an existing file; anything else is looked up in the database. With --as EMAIL the person's access
// applies and any version can be written (a draft is dated now); without it, only the published
// version of a public advisory, as the public site shows it. Its help is in commands/advisory.ts.

function isFileArgument(arg: string): boolean {
  if (arg === '-') return true;
  try {
    return existsSync(arg) && statSync(arg).isFile();
  } catch {
    return false;
  }
}

export async function advisoryExport(args: string[], out: Out, err: Out): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out.write(ADVISORY_EXPORT_DB_USAGE);
    return 0;
  }
  const first = args.find((a) => !a.startsWith('-') || a === '-');
  // Options that take a value: the first word that is not one of those values is the argument.
  const positional = (() => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-' || !a.startsWith('-')) return a;
      if (!a.includes('=') && ['--format', '-f', '--cve', '--output-dir', '-o', '--now', '--version', '--as'].includes(a)) i++;
    }
    return first;
  })();
  if (positional !== undefined && isFileArgument(positional)) {
    if (args.includes('--version') || args.includes('--as')) {
      err.write(`error: --version and --as are for an advisory in the database, not a file\n\n${ADVISORY_EXPORT_DB_USAGE}`);
      return 2;
    }
    return advisoryExportCommand(args, out, err);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        version: { type: 'string' },
        as: { type: 'string' },
        cve: { type: 'string' },
        'output-dir': { type: 'string', short: 'o' },
      },
    });
  } catch (e) {
    err.write(`error: ${(e as Error).message}\n\n${ADVISORY_EXPORT_DB_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const usage = (m: string) => (err.write(`error: ${m}\n\n${ADVISORY_EXPORT_DB_USAGE}`), 2);
  if (positionals.length !== 1) return usage('give exactly one ID or FILE');
  if (!values.format) return usage('--format is required');
  if (!isExportFormat(values.format)) return usage(`unknown format "${values.format}"`);
  if (values.version !== undefined && !/^[1-9][0-9]{0,8}$/.test(values.version)) return usage('--version must be a version number');
  if (values.version !== undefined && !values.as)
    return usage('--version needs --as EMAIL (without it, only the published version is written)');
  if (values.cve && values.format !== 'cve') return usage('--cve goes with --format cve');

  // An advisory on the desk: the store and the use cases are loaded for it, not for a file.
  const [{ openDesk }, { deskHeld, EXIT_DESK_HELD }, { principalByEmail }, { advisoryIdOf, exportPublished, exportVersion }] =
    await Promise.all([
      import('./with-app.ts'),
      import('./failure.ts'),
      import('../app/auth/auth.ts'),
      import('../app/advisories/advisories.ts'),
    ]);
  let app;
  try {
    app = await openDesk();
  } catch (e) {
    const held = deskHeld(e, 'advisory export');
    if (held) return (err.write(held), EXIT_DESK_HELD);
    err.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const id = positionals[0]!;
    let files: ExportedFile[];
    if (values.as) {
      const principal = await principalByEmail(app.db, values.as);
      if (!principal) throw new EmbargoError('not_found', `No active person with the address ${values.as}.`);
      const ctx: Ctx = { app, principal };
      const advisoryId = await advisoryIdOf(app.db, id);
      files = (await exportVersion(ctx, advisoryId, { format: values.format, ...(values.version ? { version: values.version } : {}) }))
        .files;
    } else {
      files = (await exportPublished({ app, principal: { kind: 'system', label: 'cli' } }, id, values.format)).files;
    }
    return writeExportedFiles(files, { cve: values.cve, outputDir: values['output-dir'] }, out, err);
  } catch (e) {
    return printError(err, e);
  } finally {
    await app.db.close();
  }
}
