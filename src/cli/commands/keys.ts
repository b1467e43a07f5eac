import type { Command } from '../command.ts';

// The team's OpenPGP key from the shell: print the public key, generate a new one, import an existing
// one (../keys.ts, which loads OpenPGP.js).

const teamPublic: Command = {
  name: 'keys team-public',
  summary: "Print the team's armored OpenPGP public key (also: keys generate, keys import)",
  help: `Usage: embargo keys team-public
Prints the team's active OpenPGP public key, ASCII-armored (what reporters encrypt to). Exit 1 if the
desk has no team key yet (embargo keys generate, or keys import).\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../keys.ts')).teamPublic(args, io),
};

const generate: Command = {
  name: 'keys generate',
  help: `Usage: embargo keys generate [--rsa4096]
Generates a new team key (Curve25519: Ed25519 signing, X25519 encryption; --rsa4096 for RSA-4096)
with the profile's team name and central alias as its user ID, makes it the active key (earlier keys
are kept to decrypt old mail) and prints its fingerprint. The private key is sealed with the instance key.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../keys.ts')).generate(args, io),
};

const importKey: Command = {
  name: 'keys import',
  help: `Usage: embargo keys import FILE|- [--passphrase-file FILE]
Imports the team's existing private key (gpg --armor --export-secret-keys KEYID) as the active key;
it must be able to sign and decrypt. A protected key is unlocked with the passphrase in the file
(first line). Prints the fingerprint.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../keys.ts')).importKey(args, io),
};

export const keyCommands: Command[] = [teamPublic, generate, importKey];
