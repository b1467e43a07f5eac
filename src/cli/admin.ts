import { addPerson } from '../app/admin/admin.ts';
import { verifyAuditChain } from '../app/admin/maintenance.ts';
import { clearSignInLockOf } from '../app/auth/guard.ts';
import { parse, UsageError } from './args.ts';
import { link, system, withApp, type Command } from './command.ts';

// Administration from the shell: add a person, lift a sign-in lock, verify the audit chain.

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
  summary: "Verify the audit log's hash chain",
  help: 'Usage: embargo audit verify\nExits 0 if the chain is intact, 1 with every broken link listed otherwise.\n',
  opensDatabase: 'always',
  async run(args, { out }) {
    parse(args, {}, false);
    return withApp(async (app) => {
      const r = await verifyAuditChain(system(app));
      out.write(
        r.ok
          ? `Audit chain intact: ${r.checked} events verified.\n`
          : `Audit chain BROKEN (${r.problems.length} problems):\n${r.problems.map((p) => `  ${p}\n`).join('')}`,
      );
      return r.ok ? 0 : 1;
    });
  },
};

export const adminCommands: Command[] = [userAdd, userUnlock, auditVerify];
