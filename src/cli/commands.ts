import type { Command } from './command.ts';
import { deskCommands } from './commands/desk.ts';
import { processCommands } from './commands/process.ts';
import { caseCommands } from './commands/cases.ts';
import { adminCommands } from './commands/admin.ts';
import { mailCommands } from './commands/mail.ts';
import { slaCommands } from './commands/sla.ts';
import { cvssCommands } from './commands/cvss.ts';
import { advisoryCommands } from './commands/advisory.ts';
import { siteCommands } from './commands/site.ts';
import { cveCommands } from './commands/cve.ts';
import { keyCommands } from './commands/keys.ts';

// The command table of `embargo`, in the order `embargo --help` lists it. A new command goes in the
// table of its group (commands/: desk, process, cases, admin, mail, sla, cvss, advisory, site, cve,
// keys), with its name, summary, help and a run that imports its implementation (the group's file in
// src/cli) when it runs; its group's list is named here once. Every `embargo` process loads this
// table, so the group tables import nothing but types and a few constants.

export const COMMANDS: readonly Command[] = [
  ...deskCommands,
  ...processCommands,
  ...caseCommands,
  ...adminCommands,
  ...mailCommands,
  ...slaCommands,
  ...cvssCommands,
  ...advisoryCommands,
  ...siteCommands,
  ...cveCommands,
  ...keyCommands,
];

/** The command named by the first words of argv (two words before one), or null. */
export function findCommand(argv: readonly string[]): Command | null {
  const two = argv.slice(0, 2).join(' ');
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]) ?? null;
}

/** The commands of a group ("keys": keys team-public, keys generate, keys import). */
export const commandsOfGroup = (group: string): Command[] => COMMANDS.filter((c) => c.name.split(' ')[0] === group);
