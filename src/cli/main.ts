import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { createApp } from '../app/bootstrap.ts';
import type { App, Ctx } from '../app/context.ts';
import { initInstance, isInitialised } from '../app/admin/instance.ts';
import { addPerson, setTeamMember } from '../app/admin/admin.ts';
import { submitReport } from '../app/intake/intake.ts';
import { queue, caseView } from '../app/cases/queries.ts';
import { reportIdOfIncident } from '../app/cases/case.ts';
import { principalByEmail } from '../app/auth/auth.ts';
import { verifyAudit } from '../store/audit.ts';
import { migrate } from '../store/migrate.ts';
import { processCheckCommand } from './process.ts';
import { buildServer, toErrorBody } from '../http/server.ts';
import { setSetupToken } from '../http/routes/session.ts';
import { EmbargoError } from '../domain/errors.ts';
import { webPlugin } from '../web/index.ts';
import { publicSitePlugin } from '../public/index.ts';
import { exportSite } from '../public/export.ts';
import { parse, UsageError } from './args.ts';
import { MAIL_IMPORT_HELP, MAIL_INBOX_HELP, MAIL_RETRY_HELP, mailImport, mailInbox, mailRetry, startMailIngress } from './mail.ts';
import { startScheduler } from '../jobs/sla-scheduler.ts';
import { startPublicationEvents } from '../jobs/publication-events.ts';
import { slaCommand, SLA_DUE_HELP, SLA_REGIONS_HELP } from './sla.ts';
import { cvssCommand } from './formats.ts';
import { advisoryExport } from './advisory.ts';
import { CVE_REQUEST_HELP, cveRequestFromFile, isAdvisoryFile } from './cve.ts';
import { cveRequestText } from '../app/cve/request.ts';
import { generateTeamKeyFor, importTeamKeyFor, teamPublicKey } from '../app/keys/keys.ts';
import { applyMailConfig } from '../app/delivery/settings.ts';
import { startMailDelivery } from '../jobs/mail-delivery.ts';

// `embargo`: the command-line door. Commands that act on the desk open the database directly
// (they run on the server, with its config and instance key) and call the same use cases as the API.
// Administrative commands act as the shell operator ("system"); case commands act as a named person
// (--as EMAIL), so access rules and the audit log apply to them as to anyone.

type Out = { write(s: string): unknown };

const USAGE = `Usage: embargo COMMAND [options]

Commands:
  init             Create the desk: process profile, name, time zone and first admin
  serve            Run the desk (HTTP API and web UI)
  migrate          Apply pending database migrations
  process check    Validate and lint process profiles (also: process copy)
  report import    Import a report from a JSON file (or - for standard input)
  incident list    List the queue as a person sees it
  incident show    Show one case
  user add         Add a person and print their enrollment link
  audit verify     Verify the audit log's hash chain
  mail import      Store and process one e-mail message (file or standard input; for an MTA pipe)
  mail inbox       List failed and rejected mail (also: mail retry ID)
  sla due          Compute when an SLA clock is due (no desk data; also: sla regions)
  cvss             Score CVSS 3.1 and 4.0 vectors
  advisory export  Export an advisory (from the desk by id, or a JSON file) as CVE, OSV, CSAF 2.0/2.1, text or Markdown
  site export      Write the public advisory site (/advisories/) as static files
  cve request      A ready-to-paste CVE request for an advisory (JSON file, or its id on the desk)
  keys team-public Print the team's armored OpenPGP public key (also: keys generate, keys import)

Run "embargo COMMAND --help" for a command's options.
Configuration comes from the environment: DATABASE_URL (PostgreSQL; otherwise the embedded
database in EMBARGO_DATA_DIR, default ./data), EMBARGO_HOST, EMBARGO_PORT, EMBARGO_PUBLIC_URL, ...
`;

const HELP: Record<string, string> = {
  'cve request': CVE_REQUEST_HELP,
  init: `Usage: embargo init --profile trusted-firmware|tock|FILE --name NAME --time-zone ZONE --admin-name NAME --admin-email EMAIL
Creates the desk and prints the admin's one-time enrollment link.\n`,
  serve: `Usage: embargo serve
Runs the desk on EMBARGO_HOST:EMBARGO_PORT (default 127.0.0.1:8080). On an empty desk it prints a
one-time setup link. With EMBARGO_SMTP_PORT set it receives mail for the aliases by SMTP on
EMBARGO_SMTP_HOST:EMBARGO_SMTP_PORT (default host 127.0.0.1); configured IMAP accounts are polled.\n`,
  migrate: 'Usage: embargo migrate\nApplies pending migrations and prints their names.\n',
  'report import': `Usage: embargo report import FILE|- [--as EMAIL]
FILE is JSON: { "title", "body", "reporter": { "name", "email", "organisation", "handle" }, "product",
"sensitive": [{ "label", "value" }], "creditPreference": "name|handle|anonymous" }. Prints the report id.\n`,
  'incident list': 'Usage: embargo incident list --as EMAIL [--closed] [--json]\n',
  'incident show': 'Usage: embargo incident show ID --as EMAIL [--json]\nID is an incident id (TF-2026-0007) or a report id.\n',
  'user add': `Usage: embargo user add --name NAME --email EMAIL [--email EMAIL...] --time-zone ZONE [--admin] [--team SLUG...]
Prints the one-time enrollment link where the person sets a password and a second factor.\n`,
  'audit verify': 'Usage: embargo audit verify\nExits 0 if the chain is intact, 1 with every broken link listed otherwise.\n',
  'site export': `Usage: embargo site export DIR
Writes the public advisory site as it is served under /advisories/ now, byte for byte: index.html,
feed.atom, index.json, style.css and, per published advisory, ID/index.html with its records
(ID/osv.json, ID/csaf-2.0.json, ID/csaf-2.1.json, ID/cve/CVE-ID.json, ID/advisory.txt, ID/advisory.md).
Only advisories whose publication time has come are written. DIR must be new or empty.
The feed and the JSON index carry absolute links: set EMBARGO_ADVISORY_SITE_URL to where DIR will
be hosted (default: EMBARGO_PUBLIC_URL + /advisories/; one of the two is required).\n`,
  'mail import': MAIL_IMPORT_HELP,
  'mail inbox': MAIL_INBOX_HELP,
  'mail retry': MAIL_RETRY_HELP,
  'sla due': SLA_DUE_HELP,
  'keys team-public': `Usage: embargo keys team-public
Prints the team's active OpenPGP public key, ASCII-armored (what reporters encrypt to). Exit 1 if the
desk has no team key yet (embargo keys generate, or keys import).\n`,
  'keys generate': `Usage: embargo keys generate [--rsa4096]
Generates a new team key (Curve25519: Ed25519 signing, X25519 encryption; --rsa4096 for RSA-4096)
with the profile's team name and central alias as its user ID, makes it the active key (earlier keys
are kept to decrypt old mail) and prints its fingerprint. The private key is sealed with the instance key.\n`,
  'keys import': `Usage: embargo keys import FILE|- [--passphrase-file FILE]
Imports the team's existing private key (gpg --armor --export-secret-keys KEYID) as the active key;
it must be able to sign and decrypt. A protected key is unlocked with the passphrase in the file
(first line). Prints the fingerprint.\n`,
  'sla regions': SLA_REGIONS_HELP,
};

function link(config: Config, path: string): string {
  const base = config.publicUrl ?? `http://${config.host === '127.0.0.1' ? 'localhost' : config.host}:${config.port}`;
  return `${base.replace(/\/$/, '')}${path}`;
}

async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const app = await createApp(loadConfig());
  try {
    return await fn(app);
  } finally {
    await app.db.close();
  }
}

const system: (app: App) => Ctx = (app) => ({ app, principal: { kind: 'system', label: 'cli' } });

async function asPerson(app: App, email: string | undefined): Promise<Ctx> {
  if (!email) throw new UsageError('--as EMAIL is required: case commands act as a person, with their access.');
  const principal = await principalByEmail(app.db, email);
  if (!principal) throw new EmbargoError('not_found', `No active person with the address ${email}.`);
  return { app, principal };
}

export async function run(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const [first, second] = argv;
  const two = `${first} ${second}`;
  const key = HELP[two] ? two : first && HELP[first] ? first : null;
  const rest = argv.slice(key?.includes(' ') ? 2 : 1);
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    (first ? out : err).write(USAGE);
    return first ? 0 : 2;
  }
  if (first === 'process') return processCheckCommand(argv.slice(1), out as NodeJS.WritableStream, err as NodeJS.WritableStream);
  // Pure commands on files and vectors: no desk data, no database.
  if (first === 'cvss') return cvssCommand(argv.slice(1), out as NodeJS.WritableStream, err as NodeJS.WritableStream);
  // An advisory from a JSON file, or from the database by its id (which opens the database itself).
  if (first === 'advisory' && second === 'export')
    return advisoryExport(argv.slice(2), out as NodeJS.WritableStream, err as NodeJS.WritableStream);
  if (!key) {
    err.write(`embargo: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(HELP[key]!);
    return 0;
  }
  try {
    return await dispatch(key, rest, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`embargo ${key}: ${e.message}\n\n${HELP[key]}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      err.write(`${e.message}\n`);
      return 2;
    }
    const body = toErrorBody(e);
    if (body.code === 'internal') err.write(`embargo: ${(e as Error).stack ?? e}\n`);
    else err.write(`embargo: ${body.message}\n${body.details.map((d) => `  ${d.path ? `${d.path}: ` : ''}${d.message}\n`).join('')}`);
    return 1;
  }
}

async function dispatch(key: string, args: string[], out: Out, err: Out): Promise<number> {
  switch (key) {
    case 'sla due':
    case 'sla regions':
      return slaCommand([key.slice('sla '.length), ...args], out, err);
    case 'init': {
      const { values } = parse(
        args,
        {
          profile: { type: 'string' },
          name: { type: 'string' },
          'time-zone': { type: 'string' },
          'admin-name': { type: 'string' },
          'admin-email': { type: 'string' },
        },
        false,
      );
      for (const k of ['profile', 'name', 'time-zone', 'admin-name', 'admin-email'] as const)
        if (!values[k]) throw new UsageError(`--${k} is required`);
      const profile = values.profile!;
      const isFile = profile.includes('/') || profile.endsWith('.yaml') || profile.endsWith('.yml');
      return withApp(async (app) => {
        const r = await initInstance(app, {
          name: values.name,
          timeZone: values['time-zone'],
          ...(isFile ? { profileYaml: readFileSync(profile, 'utf8') } : { profile }),
          admin: { name: values['admin-name'], email: values['admin-email'] },
        });
        out.write(`Desk created. The admin sets a password and second factor at:\n  ${link(app.config, `/enroll/${r.enrollmentToken}`)}\n`);
        return 0;
      });
    }
    case 'serve': {
      parse(args, {}, false);
      return serve(out);
    }
    case 'migrate': {
      parse(args, {}, false);
      return withApp(async (app) => {
        const applied = await migrate(app.db); // createApp already migrated; this reports nothing left to do
        out.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database schema is up to date.\n');
        return 0;
      });
    }
    case 'report import': {
      const { values, positionals } = parse(args, { as: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('give exactly one FILE (or - for standard input)');
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(positionals[0] === '-' ? 0 : positionals[0]!, 'utf8'));
      } catch (e) {
        throw new EmbargoError('bad_request', `Cannot read a JSON report from ${positionals[0]}: ${(e as Error).message}`);
      }
      return withApp(async (app) => {
        const ctx = values.as ? await asPerson(app, values.as) : system(app);
        const r = await submitReport(ctx, 'import', json);
        out.write(`${r.reportId}\n`);
        return 0;
      });
    }
    case 'cve request': {
      const { values, positionals } = parse(args, { as: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('give exactly one FILE or advisory ID');
      const target = positionals[0]!;
      if (isAdvisoryFile(target)) {
        out.write(cveRequestFromFile(target));
        return 0;
      }
      return withApp(async (app) => {
        out.write(await cveRequestText(await asPerson(app, values.as), target));
        return 0;
      });
    }
    case 'incident list': {
      const { values } = parse(args, { as: { type: 'string' }, closed: { type: 'boolean' }, json: { type: 'boolean' } }, false);
      return withApp(async (app) => {
        const q = await queue(await asPerson(app, values.as), { status: values.closed ? 'closed' : 'open', limit: 200 });
        if (values.json) out.write(`${JSON.stringify(q, null, 2)}\n`);
        else {
          for (const i of [...q.reports, ...q.incidents]) {
            out.write(
              `${i.ref.padEnd(14)} ${(i.dueAt ?? '-').padEnd(24)} ${i.overdue ? 'OVERDUE ' : ''}${i.state.padEnd(18)} ${(i.owner ?? '-').padEnd(16)} ${oneLine(i.title)}\n`,
            );
          }
        }
        return 0;
      });
    }
    case 'incident show': {
      const { values, positionals } = parse(args, { as: { type: 'string' }, json: { type: 'boolean' } });
      if (positionals.length !== 1) throw new UsageError('give exactly one ID');
      return withApp(async (app) => {
        const ctx = await asPerson(app, values.as);
        const id = positionals[0]!;
        const reportId = /^[0-9a-f-]{36}$/i.test(id) ? id : await reportIdOfIncident(app.db, id);
        const v = await caseView(ctx, reportId);
        if (values.json) {
          out.write(`${JSON.stringify(v, null, 2)}\n`);
          return 0;
        }
        out.write(`${v.incident?.ref ?? `#${v.number}`}  ${oneLine(String(v.incident?.title ?? v.title))}\n`);
        out.write(
          `state: ${v.rmState}${v.incident ? `, incident ${v.incident.status}` : ''}   triager: ${v.triager ?? '-'}   contact: ${v.incident?.pointOfContact ?? '-'}\n`,
        );
        for (const p of v.projects) out.write(`project ${p.slug}: ${p.rmState}, handler ${p.handler ?? '-'}\n`);
        for (const d of v.deadlines)
          out.write(
            `clock ${d.clock}: due ${d.dueAt} (${d.owner ?? 'unowned'}, ${d.timeZone})${d.stoppedAt ? ` stopped ${d.stoppedAt}` : d.overdue ? ' OVERDUE' : ''}\n`,
          );
        out.write(`actions now: ${v.actions.join(', ') || '-'}\n`);
        return 0;
      });
    }
    case 'user add': {
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
      if (!values.name || !values.email?.length || !values['time-zone'])
        throw new UsageError('--name, --email and --time-zone are required');
      return withApp(async (app) => {
        const ctx = system(app);
        const r = await addPerson(ctx, {
          name: values.name,
          emails: values.email,
          timeZone: values['time-zone'],
          isAdmin: values.admin ?? false,
        });
        for (const team of values.team ?? []) await setTeamMember(ctx, team, { email: values.email![0] }, true);
        out.write(`${r.personId}\nEnrollment link (one use, 7 days):\n  ${link(app.config, `/enroll/${r.enrollmentToken}`)}\n`);
        return 0;
      });
    }
    case 'site export': {
      const { positionals } = parse(args, {});
      if (positionals.length !== 1) throw new UsageError('give exactly one DIR');
      return withApp(async (app) => {
        const r = await exportSite(app, positionals[0]!);
        out.write(`Wrote ${r.files} files (${r.advisories} published advisories) to ${r.dir}\n`);
        return 0;
      });
    }
    case 'keys team-public': {
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
    case 'keys generate': {
      const { values } = parse(args, { rsa4096: { type: 'boolean' } }, false);
      return withApp(async (app) => {
        const k = await generateTeamKeyFor(system(app), { algorithm: values.rsa4096 ? 'rsa4096' : 'curve25519' });
        out.write(`${k.fingerprint}\n`);
        return 0;
      });
    }
    case 'keys import': {
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
    case 'mail import': {
      const { positionals } = parse(args, {});
      if (positionals.length > 1) throw new UsageError('give at most one FILE (without it, the message is read from standard input)');
      return withApp((app) => mailImport(app, positionals[0] && positionals[0] !== '-' ? positionals[0] : null, out, err));
    }
    case 'mail inbox': {
      const { values } = parse(args, { all: { type: 'boolean' } }, false);
      return withApp((app) => mailInbox(system(app), values.all ?? false, out));
    }
    case 'mail retry': {
      const { positionals } = parse(args, {});
      if (positionals.length !== 1) throw new UsageError('give exactly one ID (see embargo mail inbox)');
      return withApp((app) => mailRetry(system(app), positionals[0]!, out));
    }
    case 'audit verify': {
      parse(args, {}, false);
      return withApp(async (app) => {
        const r = await verifyAudit(app.db);
        out.write(
          r.ok
            ? `Audit chain intact: ${r.checked} events verified.\n`
            : `Audit chain BROKEN (${r.problems.length} problems):\n${r.problems.map((p) => `  ${p}\n`).join('')}`,
        );
        return r.ok ? 0 : 1;
      });
    }
  }
  throw new UsageError('unknown command');
}

const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 100);

async function serve(out: Out): Promise<number> {
  const config = loadConfig();
  const app = await createApp(config);
  const server = await buildServer(app, { plugins: [webPlugin, publicSitePlugin], logger: false });
  await server.listen({ host: config.host, port: config.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = config.publicUrl ?? `http://localhost:${port}`;
  out.write(`Embargo is running at ${base} (${app.db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}).\n`);
  if (!(await isInitialised(app.db))) {
    const token = randomBytes(24).toString('base64url');
    setSetupToken(token);
    out.write(
      `\nThis desk is new. Create it and its first admin at:\n  ${base}/setup?token=${token}\n` +
        `(or stop the server and run: embargo init --help)\n`,
    );
  } else {
    out.write(`Sign in at ${base}/signin\n`);
  }
  // Reminders and escalations: every server runs the scheduler; notices are claimed in the database,
  // so several servers never send one twice.
  const scheduler = startScheduler(app, { intervalMs: config.schedulerIntervalSeconds * 1000 });
  // Advisories public by the clock: their publication events (clocks stopping on them) once each.
  const publication = startPublicationEvents(app, { intervalMs: config.schedulerIntervalSeconds * 1000 });
  // Outbound mail: the config file's relay, aliases and IMAP account win over the admin UI's; then
  // the delivery job sends the outbox (every server runs it; rows are claimed with SKIP LOCKED).
  if (await isInitialised(app.db)) await applyMailConfig(app);
  const delivery = startMailDelivery(app, { intervalMs: config.mailDeliveryIntervalSeconds * 1000 });
  // Incoming mail: the intake job, and the SMTP listener and IMAP pollers where configured.
  const ingress = await startMailIngress(app, out);
  const stop = async () => {
    await ingress.stop();
    await delivery.stop();
    await scheduler.stop();
    await publication.stop();
    await server.close();
    await app.db.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {});
}

if (import.meta.main) {
  const code = await run(process.argv.slice(2));
  if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exitCode = code;
}
