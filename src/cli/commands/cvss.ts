import type { Command } from '../command.ts';

// `embargo cvss`: vectors on the command line, no desk data (../cvss.ts).

export const CVSS_USAGE = `Usage: embargo cvss [--json] VECTOR [VECTOR...]

Checks and scores CVSS 3.1 and 4.0 vectors and prints, for each, the score and qualitative severity:
  9.8 critical (CVSS 3.1 base)  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
With --json, one JSON object per vector (version, vector, baseScore, baseSeverity, score, severity, ...).
Exit status: 0 when every vector is valid, 1 when any is not, 2 on bad usage.
`;

export const cvssCommands: Command[] = [
  {
    name: 'cvss',
    summary: 'Score CVSS 3.1 and 4.0 vectors',
    help: CVSS_USAGE,
    opensDatabase: 'never',
    ownUsage: true,
    run: async (args, { out, err }) => (await import('../cvss.ts')).cvssCommand(args, out, err),
  },
];
