import { existsSync, readFileSync } from 'node:fs';
import { parseAdvisory } from '../domain/advisory.ts';
import { ValidationError } from '../domain/errors.ts';
import { toCveRequest } from '../formats/cve-request.ts';
import { cveRequestText } from '../app/cve/request.ts';
import { parse, UsageError } from './args.ts';
import { asPerson, withApp, type Command } from './command.ts';

// `embargo cve request FILE|ID`: the ready-to-paste CVE request of an advisory. A FILE (or - for
// standard input) is an advisory JSON document and needs no database; anything else is the public id
// of an advisory on the desk, read as the person named by --as (src/app/cve/request.ts).

export const CVE_REQUEST_HELP = `Usage: embargo cve request FILE|-|ID [--as EMAIL]
Prints a ready-to-paste CVE request (the fields of MITRE's form at https://cveform.mitre.org/) for an
advisory: from a JSON file (or - for standard input), or by its id on the desk (with --as EMAIL, as a
member of a team that handles it; the latest version). Anonymous credits stay anonymous.\n`;

/** Whether the argument names a file (or standard input) rather than an advisory on the desk. */
export function isAdvisoryFile(target: string): boolean {
  return target === '-' || existsSync(target);
}

export function cveRequestFromFile(target: string): string {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(target === '-' ? 0 : target, 'utf8'));
  } catch (e) {
    throw new ValidationError(`Cannot read the advisory from ${target === '-' ? 'standard input' : target}: ${(e as Error).message}`);
  }
  return toCveRequest(parseAdvisory(data));
}

export const cveCommands: Command[] = [
  {
    name: 'cve request',
    summary: 'A ready-to-paste CVE request for an advisory (JSON file, or its id on the desk)',
    help: CVE_REQUEST_HELP,
    opensDatabase: 'for an id',
    async run(args, { out }) {
      const { values, positionals } = parse(args, { as: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('give exactly one FILE or advisory ID');
      const target = positionals[0]!;
      if (isAdvisoryFile(target)) {
        out.write(cveRequestFromFile(target));
        return 0;
      }
      return withApp(async (app) => {
        out.write(await cveRequestText(await asPerson(app, values.as), target));
        return 0;
      });
    },
  },
];
