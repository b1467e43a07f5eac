import { existsSync, readFileSync } from 'node:fs';
import { parseAdvisory } from '../domain/advisory.ts';
import { ValidationError } from '../domain/errors.ts';
import { toCveRequest } from '../formats/cve-request.ts';
import { parse, UsageError } from './args.ts';
import type { Io } from './command.ts';

// `embargo cve request FILE|ID`: the ready-to-paste CVE request of an advisory (its help is in
// commands/cve.ts). A FILE (or - for standard input) is an advisory JSON document and needs no
// database; anything else is the public id of an advisory on the desk, read as the person named by
// --as (src/app/cve/request.ts).

/** Whether the argument names a file (or standard input) rather than an advisory on the desk. */
export function isAdvisoryFile(target: string): boolean {
  return target === '-' || existsSync(target);
}

export function cveRequestFromFile(target: string): string {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(target === '-' ? 0 : target, 'utf8'));
  } catch (e) {
    throw new ValidationError(`Cannot read the advisory from ${target === '-' ? 'standard input' : target}: ${(e as Error).message}`);
  }
  return toCveRequest(parseAdvisory(data));
}

export async function cveRequest(args: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parse(args, { as: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('give exactly one FILE or advisory ID');
  const target = positionals[0]!;
  if (isAdvisoryFile(target)) {
    out.write(cveRequestFromFile(target));
    return 0;
  }
  // An id on the desk: the store and the use cases are loaded for it, not for a file.
  const [{ asPerson, withApp }, { cveRequestText }] = await Promise.all([import('./with-app.ts'), import('../app/cve/request.ts')]);
  return withApp(async (app) => {
    out.write(await cveRequestText(await asPerson(app, values.as), target));
    return 0;
  });
}
