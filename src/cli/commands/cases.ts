import type { Command } from '../command.ts';

// Cases from the shell: import a report, list the queue and show a case as a person sees them (../cases.ts).

const reportImport: Command = {
  name: 'report import',
  summary: 'Import a report from a JSON file (or - for standard input)',
  help: `Usage: embargo report import FILE|- [--as EMAIL]
FILE is JSON: { "title", "body", "reporter": { "name", "email", "organisation", "handle" }, "product",
"sensitive": [{ "label", "value" }], "creditPreference": "name|handle|anonymous" }. Prints the report id.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../cases.ts')).reportImport(args, io),
};

const incidentList: Command = {
  name: 'incident list',
  summary: 'List the queue as a person sees it',
  help: 'Usage: embargo incident list --as EMAIL [--closed] [--json]\n',
  opensDatabase: 'always',
  run: async (args, io) => (await import('../cases.ts')).incidentList(args, io),
};

const incidentShow: Command = {
  name: 'incident show',
  summary: 'Show one case',
  help: 'Usage: embargo incident show ID --as EMAIL [--json]\nID is an incident id (TF-2026-0007) or a report id.\n',
  opensDatabase: 'always',
  run: async (args, io) => (await import('../cases.ts')).incidentShow(args, io),
};

export const caseCommands: Command[] = [reportImport, incidentList, incidentShow];
