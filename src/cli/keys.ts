import { readFileSync } from 'node:fs';
import { generateTeamKeyFor, importTeamKeyFor, teamPublicKey } from '../app/keys/keys.ts';
import { parse, UsageError } from './args.ts';
import type { Io } from './command.ts';
import { system, withApp } from './with-app.ts';

// The team's OpenPGP key from the shell: print the public key, generate a new one, import an existing
// one (their help is in commands/keys.ts).

export async function teamPublic(args: string[], { out, err }: Io): Promise<number> {
  parse(args, {}, false);
  return withApp(async (app) => {
    const k = await teamPublicKey(app.db);
    if (!k) {
      err.write('embargo: the desk has no team key yet; run: embargo keys generate (or keys import FILE)\n');
      return 1;
    }
    out.write(k.armored.endsWith('\n') ? k.armored : `${k.armored}\n`);
    return 0;
  });
}

export async function generate(args: string[], { out }: Io): Promise<number> {
  const { values } = parse(args, { rsa4096: { type: 'boolean' } }, false);
  return withApp(async (app) => {
    const k = await generateTeamKeyFor(system(app), { algorithm: values.rsa4096 ? 'rsa4096' : 'curve25519' });
    out.write(`${k.fingerprint}\n`);
    return 0;
  });
}

export async function importKey(args: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parse(args, { 'passphrase-file': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('give exactly one FILE (or - for standard input)');
  const armored = readFileSync(positionals[0] === '-' ? 0 : positionals[0]!, 'utf8');
  const passphrase = values['passphrase-file'] ? readFileSync(values['passphrase-file'], 'utf8').split(/\r?\n/)[0] : undefined;
  return withApp(async (app) => {
    const k = await importTeamKeyFor(system(app), { armored, ...(passphrase !== undefined ? { passphrase } : {}) });
    out.write(`${k.fingerprint}\n`);
    return 0;
  });
}
