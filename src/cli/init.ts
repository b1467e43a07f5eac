import { readFileSync } from 'node:fs';
import { ZodError } from 'zod';
import { initInstance } from '../app/admin/instance.ts';
import { migrateDesk } from '../app/admin/maintenance.ts';
import { zodDetails, zodSentence } from '../domain/validation-words.ts';
import { EmbargoError, ValidationError } from '../domain/errors.ts';
import { parse, UsageError } from './args.ts';
import type { Io } from './command.ts';
import { link, withApp } from './with-app.ts';

// `embargo init` creates the desk, `embargo migrate` brings its database schema up to date (their
// help is in commands/desk.ts).

export async function init(args: string[], { out, err }: Io): Promise<number> {
  const { values } = parse(
    args,
    {
      profile: { type: 'string' },
      name: { type: 'string' },
      'time-zone': { type: 'string' },
      'mail-domain': { type: 'string' },
      alias: { type: 'string', multiple: true },
      'admin-name': { type: 'string' },
      'admin-email': { type: 'string' },
    },
    false,
  );
  for (const k of ['profile', 'name', 'time-zone', 'admin-name', 'admin-email'] as const)
    if (!values[k]) throw new UsageError(`--${k} is required`);
  const aliases: Record<string, string> = {};
  for (const pair of values.alias ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--alias ${pair}: write it as ID=ADDRESS, like ess={project}-ess@lists.example.org`);
    aliases[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  const profile = values.profile!;
  const isFile = profile.includes('/') || profile.endsWith('.yaml') || profile.endsWith('.yml');
  return withApp(async (app) => {
    const r = await initInstance(app, {
      name: values.name,
      timeZone: values['time-zone'],
      ...(isFile ? { profileYaml: readFileSync(profile, 'utf8') } : { profile }),
      admin: { name: values['admin-name'], email: values['admin-email'] },
      mail: { ...(values['mail-domain'] ? { domain: values['mail-domain'] } : {}), aliases },
    }).catch((e: unknown) => {
      throw inFlagWords(e);
    });
    out.write(
      `Desk created. Its mail addresses:\n${r.aliases.map((a) => `  ${a.id}: ${a.address}${a.inbound ? '' : ' (outbound only)'}\n`).join('')}` +
        (r.projects.length
          ? `Projects: ${r.projects.join(', ')} (each with its security team ${r.projects.map((p) => `${p}-security`).join(', ')})\n`
          : '') +
        `The admin sets a password and second factor at:\n  ${link(app, `/enroll/${r.enrollmentToken}`, err)}\n`,
    );
    return 0;
  });
}

/** The use case names its input's fields; the operator typed flags. */
function inFlagWords(e: unknown): unknown {
  const words = (s: string) =>
    s
      .replace(/\bmail\.domain\b/g, '--mail-domain')
      .replace(/\bmail\.aliases\.([\w-]+)/g, '--alias $1=...')
      .replace(/^admin\.(name|email)$/, '--admin-$1')
      .replace(/^timeZone$/, '--time-zone');
  const details = e instanceof ZodError ? zodDetails(e) : e instanceof EmbargoError && e.code === 'validation_failed' ? e.details : null;
  if (!details) return e;
  const message = e instanceof ZodError ? zodSentence(e) : (e as Error).message;
  return new ValidationError(
    words(message),
    details.map((d) => ({ ...d, ...(d.path ? { path: words(d.path) } : {}) })),
  );
}

export async function migrate(args: string[], { out }: Io): Promise<number> {
  parse(args, {}, false);
  return withApp(async (app) => {
    const applied = await migrateDesk(app); // createApp already migrated; this reports nothing left to do
    out.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database schema is up to date.\n');
    return 0;
  });
}
