import type { Command } from '../command.ts';

// The mail commands: store and process one message (an MTA's pipe), the inbox of failed and rejected
// mail, a retry (../mail.ts).

export const mailCommands: Command[] = [
  {
    name: 'mail import',
    summary: 'Store and process one e-mail message (file or standard input; for an MTA pipe)',
    help: `Usage: embargo mail import [FILE]
Reads one RFC 5322 message from FILE, or from standard input without FILE (an MTA pipe:
  "|/usr/local/bin/embargo mail import"), stores it durably, processes it and prints the id of the
incident (e.g. TF-2026-0007) or report it landed on. The same message imported twice lands once.
Exits 1 with the reason when the message is rejected (not an e-mail message, too large, a member's
mail without a valid signature, ...) and 75 (EX_TEMPFAIL, the MTA retries) when it could not be stored.\n`,
    opensDatabase: 'always',
    run: async (args, io) => (await import('../mail.ts')).mailImportCommand(args, io),
  },
  {
    name: 'mail inbox',
    summary: 'List failed and rejected mail (also: mail retry ID)',
    help: `Usage: embargo mail inbox [--all]
Lists stored messages that need an admin's attention: failed (processing threw; kept, retryable)
and rejected ones, newest first, without content or addresses. --all lists every status.\n`,
    opensDatabase: 'always',
    run: async (args, io) => (await import('../mail.ts')).mailInboxCommand(args, io),
  },
  {
    name: 'mail retry',
    help: `Usage: embargo mail retry ID
Puts a failed message back in the queue; the intake job of a running server (or the next
\`embargo mail import\`) processes it again.\n`,
    opensDatabase: 'always',
    run: async (args, io) => (await import('../mail.ts')).mailRetryCommand(args, io),
  },
];
