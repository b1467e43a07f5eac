import { addPerson } from '../app/admin/admin.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkpointText, makeCheckpoint, verifyAuditChain } from '../app/admin/audit-chain.ts';
import { clearSignInLockOf } from '../app/auth/guard.ts';
import { parse, UsageError } from './args.ts';
import type { Io } from './command.ts';
import { link, system, withApp } from './with-app.ts';

// Administration from the shell: add a person, lift a sign-in lock, verify the audit chain, sign a
// checkpoint of it (their help is in commands/admin.ts).

export async function userAdd(args: string[], { out, err }: Io): Promise<number> {
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
}

export async function userUnlock(args: string[], { out }: Io): Promise<number> {
  const { positionals } = parse(args, {}, true);
  if (positionals.length !== 1) throw new UsageError('give the address of one person');
  return withApp(async (app) => {
    const r = await clearSignInLockOf(system(app), positionals[0]!);
    out.write(
      r.cleared === 0 ? 'Nothing to lift: no failed sign-ins are held against them.\n' : `Lifted ${r.cleared} lock(s) or delay(s).\n`,
    );
    return 0;
  });
}

export async function auditVerify(args: string[], { out }: Io): Promise<number> {
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
}

/** A checkpoint file given on the command line, as text (the use case checks what it holds). */
function readKept(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the checkpoint ${file}: ${(e as Error).message}`);
  }
}

export async function auditCheckpoint(args: string[], { out }: Io): Promise<number> {
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
}
