import { UsageError } from './args.ts';
import { setRunningCommand, type Io, type Out } from './command.ts';
import { COMMANDS, commandsOfGroup, findCommand } from './commands.ts';

// `embargo`: the command-line door. Commands that act on the desk open the database directly
// (they run on the server, with its config and instance key) and call the same use cases as the API.
// Administrative commands act as the shell operator ("system"); case commands act as a named person
// (--as EMAIL), so access rules and the audit log apply to them as to anyone. The commands are the
// table in commands.ts; this file finds one, prints help, and turns errors into exit statuses.
// Before a command runs, only this file, the table and the argument parser are loaded; each command
// imports its implementation when it runs (test/architecture.test.ts keeps it so). `embargo --help`
// and `embargo cvss` load neither the database nor the web server, and an MTA's `embargo mail
// import` loads the database and the intake, not the web server.

function usage(): string {
  const lines = COMMANDS.filter((c) => c.summary).map((c) => `  ${(c.listedAs ?? c.name).padEnd(16)} ${c.summary}\n`);
  return `Usage: embargo COMMAND [options]

Commands:
${lines.join('')}
Run "embargo COMMAND --help" for a command's options.
Configuration comes from the environment: DATABASE_URL (PostgreSQL; otherwise the embedded
database in EMBARGO_DATA_DIR, default ./data), EMBARGO_HOST, EMBARGO_PORT, EMBARGO_PUBLIC_URL, ...
`;
}

const unknown = (argv: readonly string[], io: Io) => {
  io.err.write(`embargo: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}`);
  return 2;
};

/** `embargo help [COMMAND]`: the list, one command's help, or the help of every command of a group. */
function help(words: string[], io: Io): number {
  if (words.length === 0) {
    io.out.write(usage());
    return 0;
  }
  const command = findCommand(words);
  if (command) {
    io.out.write(command.help);
    return 0;
  }
  const group = words.length === 1 ? commandsOfGroup(words[0]!) : [];
  if (group.length === 0) return unknown(words, io);
  io.out.write(group.map((c) => c.help).join('\n'));
  return 0;
}

export async function run(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const io: Io = { out, err };
  const [first] = argv;
  if (!first || first === '--help' || first === '-h') {
    (first ? out : err).write(usage());
    return first ? 0 : 2;
  }
  if (first === 'help') return help(argv.slice(1), io);
  const command = findCommand(argv);
  if (!command) return unknown(argv, io);
  setRunningCommand(command.name);
  const rest = argv.slice(command.name.split(' ').length);
  if (command.ownUsage) return command.run(rest, io);
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`embargo ${command.name}: ${e.message}\n\n${command.help}`);
      return 2;
    }
    // Any other failure is put into words by a module loaded now, not at every start.
    const { failure } = await import('./failure.ts');
    return failure(e, command.name, err);
  }
}

if (import.meta.main) {
  const code = await run(process.argv.slice(2));
  if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exitCode = code;
}
