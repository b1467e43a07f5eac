import type { Command } from '../command.ts';

// `embargo process check|copy`: profile files only, no desk data (../process.ts).

export const PROCESS_USAGE = `Usage:
  embargo process check FILE [FILE...]   Validate and lint process profiles (YAML).
  embargo process copy ID NEW_ID [--name NAME] > FILE.yaml
                                         Copy a shipped profile (or a profile file) under a new
                                         id, keeping its comments, for a team to edit.

check exits 0 when there are no errors (warnings allowed), 1 when any file has errors, 2 on bad
usage. Problems are printed as FILE:LINE:COLUMN: error: MESSAGE (PATH).
`;

export const processCommands: Command[] = [
  {
    name: 'process',
    listedAs: 'process check',
    summary: 'Validate and lint process profiles (also: process copy)',
    help: PROCESS_USAGE,
    opensDatabase: 'never',
    ownUsage: true,
    run: async (args, { out, err }) => (await import('../process.ts')).processCheckCommand(args, out, err),
  },
];
