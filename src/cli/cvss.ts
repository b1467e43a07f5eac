// `embargo cvss [--json] VECTOR...`: checks and scores CVSS vectors, in-process and with injected
// streams (its help is in commands/cvss.ts). Exit codes: 0 done, 1 an invalid vector (every problem
// printed), 2 bad usage.

import { parseArgs } from 'node:util';
import { describeCvss, parseCvss } from '../domain/cvss.ts';
import type { Out } from './command.ts';
import { CVSS_USAGE } from './commands/cvss.ts';
import { printError, usage } from './print.ts';

/** `embargo cvss ...`; `args` are the words after "cvss". */
export async function cvssCommand(args: string[], out: Out, err: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return usage(err, CVSS_USAGE, (e as Error).message);
  }
  if (parsed.values.help) {
    out.write(CVSS_USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) return usage(err, CVSS_USAGE, 'give at least one VECTOR');
  let status = 0;
  for (const vector of parsed.positionals) {
    try {
      const score = parseCvss(vector);
      out.write(parsed.values.json ? `${JSON.stringify(score)}\n` : `${describeCvss(score)}  ${score.vector}\n`);
    } catch (e) {
      status = printError(err, e);
    }
  }
  return status;
}
