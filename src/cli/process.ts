// `embargo process check FILE...` and `embargo process copy ID NEW_ID`. The CLI dispatcher passes
// everything after "process"; streams are injected so tests can run the command in-process.

import { readFileSync } from 'node:fs';
import { EmbargoError } from '../domain/errors.ts';
import { checkProfileText } from '../process/lint.ts';
import { loadProfile } from '../process/loader.ts';
import { copyProfile } from '../process/render.ts';
import { formatProblems } from '../process/problems.ts';
import type { Out } from './command.ts';
import { PROCESS_USAGE } from './commands/process.ts';

/** Entry point for `embargo process ...`; `args` are the words after "process". Returns the exit code. */
export async function processCheckCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? err : out).write(PROCESS_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(PROCESS_USAGE);
    return 0;
  }
  switch (sub) {
    case 'check':
      return check(rest, out, err);
    case 'copy':
      return copy(rest, out, err);
    default:
      return usage(err, `unknown command "process ${sub}"`);
  }
}

/** Alias with the name the dispatcher may prefer. */
export const processCommand = processCheckCommand;

function check(files: string[], out: Out, err: Out): number {
  const unknownOption = files.find((f) => f.startsWith('-') && f !== '-');
  if (unknownOption) return usage(err, `unknown option "${unknownOption}"`);
  if (files.length === 0) return usage(err, 'process check needs at least one FILE');

  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      out.write(`${file}: error: cannot read file: ${(e as Error).message}\n`);
      errors++;
      continue;
    }
    const problems = checkProfileText(text, file === '-' ? '<stdin>' : file);
    if (problems.length > 0) out.write(`${formatProblems(problems)}\n`);
    errors += problems.filter((p) => p.severity === 'error').length;
    warnings += problems.filter((p) => p.severity === 'warning').length;
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.write(`${plural(files.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors > 0 ? 1 : 0;
}

function copy(args: string[], out: Out, err: Out): number {
  const positional: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--name') {
      name = args[++i];
      if (name === undefined) return usage(err, '--name needs a value');
    } else if (a.startsWith('--name=')) name = a.slice('--name='.length);
    else if (a.startsWith('-')) return usage(err, `unknown option "${a}"`);
    else positional.push(a);
  }
  if (positional.length !== 2) return usage(err, 'process copy needs ID and NEW_ID');
  const [id, newId] = positional as [string, string];
  try {
    const profile = loadProfile(id);
    out.write(copyProfile(profile, newId, name ?? `${profile.name} (${newId})`));
    return 0;
  } catch (e) {
    if (!(e instanceof EmbargoError)) throw e;
    err.write(`embargo process copy: ${e.message}\n`);
    // A bad NEW_ID is a usage error; a missing or broken source profile is a failure.
    return e.code === 'validation_failed' ? 2 : 1;
  }
}

function usage(err: Out, message: string): number {
  err.write(`embargo process: ${message}\n\n${PROCESS_USAGE}`);
  return 2;
}
