import type { Command } from '../command.ts';

// Administration from the shell: add a person, lift a sign-in lock, verify the audit chain, sign a
// checkpoint of it (../admin.ts).

const userAdd: Command = {
  name: 'user add',
  summary: 'Add a person and print their enrollment link',
  help: `Usage: embargo user add --name NAME --email EMAIL [--email EMAIL...] --time-zone ZONE [--admin] [--team SLUG...]
Prints the one-time enrollment link where the person sets a password and a second factor.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../admin.ts')).userAdd(args, io),
};

const userUnlock: Command = {
  name: 'user unlock',
  summary: "Lift the lock and delay on a person's sign-in after failed attempts",
  help: `Usage: embargo user unlock EMAIL
Lifts every lock and delay the sign-in guard holds on the person with this address (what the unlock
link mailed to them does, and the admin page /admin/sign-ins). Audited. Says how many were lifted.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../admin.ts')).userUnlock(args, io),
};

const auditVerify: Command = {
  name: 'audit verify',
  summary: "Verify the audit log's keyed chain, against kept checkpoints too",
  help: `Usage: embargo audit verify [--checkpoint FILE...]
Checks every link of the audit chain under the desk's key, and compares the chain with each
checkpoint: the files given (checkpoints the team kept or published), the desk's own checkpoint file
and the checkpoints kept in the database. A chain shorter than a checkpoint lost its newest events;
a different event at a checkpoint's count was rewritten. Events appended but not chained yet (a
running server links them within a second) are counted, not checked.
Exits 0 if the chain is intact, 1 with every problem listed otherwise.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../admin.ts')).auditVerify(args, io),
};

const auditCheckpoint: Command = {
  name: 'audit checkpoint',
  summary: "Sign a checkpoint of the audit chain's head, to keep elsewhere",
  help: `Usage: embargo audit checkpoint [--out FILE]
Links the events not chained yet, then writes a checkpoint of the chain (how many events, the last
one's MAC, when) signed with the desk's Ed25519 checkpoint key, to FILE or to standard output. Keep
it where the database's owner cannot change it, or publish it; \`embargo audit verify --checkpoint
FILE\` later shows any event removed from the end or rewritten since. Refused when the chain no
longer holds a checkpoint the desk kept.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../admin.ts')).auditCheckpoint(args, io),
};

export const adminCommands: Command[] = [userAdd, userUnlock, auditVerify, auditCheckpoint];
