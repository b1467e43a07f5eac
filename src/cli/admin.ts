import { addPerson } from '../app/admin/admin.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkpointText, makeCheckpoint, verifyAuditChain } from '../app/admin/audit-chain.ts';
import { clearSignInLockOf } from '../app/auth/guard.ts';
import { parse, UsageError } from './args.ts';
import { link, system, withApp, type Command } from './command.ts';

// Administration from the shell: add a person, lift a sign-in lock, verify the audit chain, sign a
// checkpoint of it.

const userAdd: Command = {
  name: 'user add',
  summary: 'Add a person and print their enrollment link',
  help: `Usage: embargo user add --name NAME --email EMAIL [--email EMAIL...] --time-zone ZONE [--admin] [--team SLUG...]
Prints the one-time enrollment link where the person sets a password and a second factor.\n`,
  opensDatabase: 'always',
  async run(args, { out, err }) {
    const { values } = parse(
      args,
      {
        name: { type: 'string' },
        email: { type: 'string', multiple: true },
        'time-zone': { type: 'string' },
        admin: { type: 'boolean' },
        team: { type: 'string', multiple: true },
      },
      false,
    );
    if (!values.name || !values.email?.length || !values['time-zone']) throw new UsageError('--name, --email and --time-zone are required');
    return withApp(async (app) => {
      // The person and their teams in one use case: an unknown team adds nobody.
      const r = await addPerson(system(app), {
        name: values.name,
        emails: values.email,
        timeZone: values['time-zone'],
        isAdmin: values.admin ?? false,
        teams: values.team ?? [],
      });
      out.write(`${r.personId}\nEnrollment link (one use, 7 days):\n  ${link(app, `/enroll/${r.enrollmentToken}`, err)}\n`);
      return 0;
    });
  },
};

const userUnlock: Command = {
  name: 'user unlock',
  summary: "Lift the lock and delay on a person's sign-in after failed attempts",
  help: `Usage: embargo user unlock EMAIL
Lifts every lock and delay the sign-in guard holds on the person with this address (what the unlock
link mailed to them does, and the admin page /admin/sign-ins). Audited. Says how many were lifted.\n`,
  opensDatabase: 'always',
  async run(args, { out }) {
    const { positionals } = parse(args, {}, true);
    if (positionals.length !== 1) throw new UsageError('give the address of one person');
    return withApp(async (app) => {
      const r = await clearSignInLockOf(system(app), positionals[0]!);
      out.write(
        r.cleared === 0 ? 'Nothing to lift: no failed sign-ins are held against them.\n' : `Lifted ${r.cleared} lock(s) or delay(s).\n`,
      );
      return 0;
    });
  },
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
  async run(args, { out }) {
    const { values } = parse(args, { checkpoint: { type: 'string', multiple: true } }, false);
    const checkpoints = (values.checkpoint ?? []).map((file) => readKept(file));
    return withApp(async (app) => {
      const r = await verifyAuditChain(system(app), { checkpoints });
      const pending = r.pending ? `; ${r.pending} appended and not chained yet` : '';
      const against = r.checkpoints
        ? `, against ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}`
        : ', no checkpoint to compare with';
      out.write(
        r.ok
          ? `Audit chain intact: ${r.checked} events verified${against}${pending}.\n`
          : `Audit chain BROKEN (${r.problems.length} problems):\n${r.problems.map((p) => `  ${p}\n`).join('')}`,
      );
      return r.ok ? 0 : 1;
    });
  },
};

/** A checkpoint file given on the command line, as text (the use case checks what it holds). */
function readKept(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the checkpoint ${file}: ${(e as Error).message}`);
  }
}

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
  async run(args, { out }) {
    const { values } = parse(args, { out: { type: 'string' } }, false);
    return withApp(async (app) => {
      const { checkpoint } = await makeCheckpoint(system(app));
      const text = checkpointText(checkpoint);
      if (!values.out) {
        out.write(text);
        return 0;
      }
      writeFileSync(values.out, text, { flag: 'w' });
      out.write(
        `Checkpoint of ${checkpoint.count} events written to ${values.out}.\n` +
          `Signed with the desk's checkpoint key (Ed25519, base64): ${checkpoint.publicKey}\n`,
      );
      return 0;
    });
  },
};

export const adminCommands: Command[] = [userAdd, userUnlock, auditVerify, auditCheckpoint];
