import { parse, UsageError } from './args.ts';
import { system, withApp, type Command } from './command.ts';
import { deskCommands } from './desk.ts';
import { processCommands } from './process.ts';
import { caseCommands } from './cases.ts';
import { adminCommands } from './admin.ts';
import { MAIL_IMPORT_HELP, MAIL_INBOX_HELP, MAIL_RETRY_HELP, mailImport, mailInbox, mailRetry } from './mail.ts';
import { slaCommands } from './sla.ts';
import { cvssCommands } from './formats.ts';
import { advisoryCommands } from './advisory.ts';
import { siteCommands } from './site.ts';
import { cveCommands } from './cve.ts';
import { keyCommands } from './keys.ts';

// The command table of `embargo`, in the order `embargo --help` lists it. A new command goes in the
// file of its group (desk, process, cases, admin, mail, sla, formats, advisory, site, cve, keys) and
// its group's list is named here once.

/** The mail commands (their work is in mail.ts: storing, processing, the inbox). */
const mailCommands: Command[] = [
  {
    name: 'mail import',
    summary: 'Store and process one e-mail message (file or standard input; for an MTA pipe)',
    help: MAIL_IMPORT_HELP,
    opensDatabase: 'always',
    async run(args, { out, err }) {
      const { positionals } = parse(args, {});
      if (positionals.length > 1) throw new UsageError('give at most one FILE (without it, the message is read from standard input)');
      return withApp((app) => mailImport(app, positionals[0] && positionals[0] !== '-' ? positionals[0] : null, out, err));
    },
  },
  {
    name: 'mail inbox',
    summary: 'List failed and rejected mail (also: mail retry ID)',
    help: MAIL_INBOX_HELP,
    opensDatabase: 'always',
    async run(args, { out }) {
      const { values } = parse(args, { all: { type: 'boolean' } }, false);
      return withApp((app) => mailInbox(system(app), values.all ?? false, out));
    },
  },
  {
    name: 'mail retry',
    help: MAIL_RETRY_HELP,
    opensDatabase: 'always',
    async run(args, { out }) {
      const { positionals } = parse(args, {});
      if (positionals.length !== 1) throw new UsageError('give exactly one ID (see embargo mail inbox)');
      return withApp((app) => mailRetry(system(app), positionals[0]!, out));
    },
  },
];

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
