import type { Command } from '../command.ts';

// `embargo cve request FILE|ID`: the ready-to-paste CVE request of an advisory (../cve.ts).

export const cveCommands: Command[] = [
  {
    name: 'cve request',
    summary: 'A ready-to-paste CVE request for an advisory (JSON file, or its id on the desk)',
    help: `Usage: embargo cve request FILE|-|ID [--as EMAIL]
Prints a ready-to-paste CVE request (the fields of MITRE's form at https://cveform.mitre.org/) for an
advisory: from a JSON file (or - for standard input), or by its id on the desk (with --as EMAIL, as a
member of a team that handles it; the latest version). Anonymous credits stay anonymous.\n`,
    opensDatabase: 'for an id',
    run: async (args, io) => (await import('../cve.ts')).cveRequest(args, io),
  },
];
