import { readFileSync } from 'node:fs';
import { generateTeamKeyFor, importTeamKeyFor, teamPublicKey } from '../app/keys/keys.ts';
import { parse, UsageError } from './args.ts';
import { system, withApp, type Command } from './command.ts';

// The team's OpenPGP key from the shell: print the public key, generate a new one, import an existing one.

const teamPublic: Command = {
  name: 'keys team-public',
  summary: "Print the team's armored OpenPGP public key (also: keys generate, keys import)",
  help: `Usage: embargo keys team-public
Prints the team's active OpenPGP public key, ASCII-armored (what reporters encrypt to). Exit 1 if the
desk has no team key yet (embargo keys generate, or keys import).\n`,
  opensDatabase: 'always',
  async run(args, { out, err }) {
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
  },
};

const generate: Command = {
  name: 'keys generate',
  help: `Usage: embargo keys generate [--rsa4096]
Generates a new team key (Curve25519: Ed25519 signing, X25519 encryption; --rsa4096 for RSA-4096)
with the profile's team name and central alias as its user ID, makes it the active key (earlier keys
are kept to decrypt old mail) and prints its fingerprint. The private key is sealed with the instance key.\n`,
  opensDatabase: 'always',
  async run(args, { out }) {
    const { values } = parse(args, { rsa4096: { type: 'boolean' } }, false);
    return withApp(async (app) => {
      const k = await generateTeamKeyFor(system(app), { algorithm: values.rsa4096 ? 'rsa4096' : 'curve25519' });
      out.write(`${k.fingerprint}\n`);
      return 0;
    });
  },
};

const importKey: Command = {
  name: 'keys import',
  help: `Usage: embargo keys import FILE|- [--passphrase-file FILE]
Imports the team's existing private key (gpg --armor --export-secret-keys KEYID) as the active key;
it must be able to sign and decrypt. A protected key is unlocked with the passphrase in the file
(first line). Prints the fingerprint.\n`,
  opensDatabase: 'always',
  async run(args, { out }) {
    const { values, positionals } = parse(args, { 'passphrase-file': { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE (or - for standard input)');
    const armored = readFileSync(positionals[0] === '-' ? 0 : positionals[0]!, 'utf8');
    const passphrase = values['passphrase-file'] ? readFileSync(values['passphrase-file'], 'utf8').split(/\r?\n/)[0] : undefined;
    return withApp(async (app) => {
      const k = await importTeamKeyFor(system(app), { armored, ...(passphrase !== undefined ? { passphrase } : {}) });
      out.write(`${k.fingerprint}\n`);
      return 0;
    });
  },
};

export const keyCommands: Command[] = [teamPublic, generate, importKey];
