// A command of the `embargo` CLI is data: its name, its help, whether it opens the desk's database,
// and the function that runs it. The command table (commands.ts, from the group tables in
// commands/) lists them; `embargo`, `embargo --help` and `embargo help COMMAND` all read that table.
//
// This module and the table are what every `embargo` process loads before it knows which command
// runs, so they import nothing heavy: a command's run loads its implementation (the use cases, the
// database, OpenPGP.js, ...) with import() when it runs. Opening the desk is in ./with-app.ts.

export type Out = { write(s: string): unknown };

export interface Io {
  out: Out;
  err: Out;
}

export interface Command {
  /** The words that name it, a group and a sub-command ("incident show") or one word ("cvss"). */
  name: string;
  /** Its line in `embargo --help`; a command without one is named on a sibling's line. */
  summary?: string;
  /** The name its `embargo --help` line shows, when that is not its own ("process check"). */
  listedAs?: string;
  /** The text `embargo COMMAND --help` and `embargo help COMMAND` print. */
  help: string;
  /** Whether it opens the desk's database: always, never, or only for an id on the desk (not for a file). */
  opensDatabase: 'always' | 'never' | 'for an id';
  /**
   * The command reads --help and reports usage errors itself (with its own exit codes); otherwise the
   * table prints its help and turns a UsageError into its help and exit status 2.
   */
  ownUsage?: boolean;
  /** Runs it with the words after its name; returns the exit status. It imports its implementation. */
  run(args: string[], io: Io): Promise<number>;
}

/** The command this process runs, as the embedded database's lock names it to anyone refused meanwhile. */
let running = 'an embargo command';
export const setRunningCommand = (name: string) => {
  running = `embargo ${name}`;
};
export const runningCommand = () => running;

/** One line of someone else's text for a terminal: no control characters, at most 100 characters. */
export const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 100);
