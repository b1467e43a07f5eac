import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { deskUrl, loadConfig } from '../config.ts';
import { initInstance, isInitialised } from '../app/admin/instance.ts';
import { applyMailConfig } from '../app/delivery/settings.ts';
import { migrateDesk } from '../app/admin/maintenance.ts';
import { buildServer } from '../http/server.ts';
import { setSetupToken } from '../http/routes/session.ts';
import { webPlugin } from '../web/index.ts';
import { publicSitePlugin } from '../public/index.ts';
import { startScheduler } from '../jobs/sla-scheduler.ts';
import { startPublicationEvents } from '../jobs/publication-events.ts';
import { startMailDelivery } from '../jobs/mail-delivery.ts';
import { startAuditChain, startAuditCheckpoints } from '../jobs/audit-chain.ts';
import { startMailIngress } from './mail.ts';
import { parse, UsageError } from './args.ts';
import { link, openDesk, withApp, type Command, type Out } from './command.ts';

// The desk itself: `embargo init` creates it, `embargo serve` runs it, `embargo migrate` brings its
// database schema up to date.

const init: Command = {
  name: 'init',
  summary: 'Create the desk: process profile, name, time zone and first admin',
  help: `Usage: embargo init --profile trusted-firmware|tock|FILE --name NAME --time-zone ZONE --admin-name NAME --admin-email EMAIL
Creates the desk and prints the admin's one-time enrollment link.\n`,
  opensDatabase: 'always',
  async run(args, { out }) {
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
  },
};

const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the desk (HTTP API and web UI)',
  help: `Usage: embargo serve
Runs the desk on EMBARGO_HOST:EMBARGO_PORT (default 127.0.0.1:8080). On an empty desk it prints a
one-time setup link. With EMBARGO_SMTP_PORT set it receives mail for the aliases by SMTP on
EMBARGO_SMTP_HOST:EMBARGO_SMTP_PORT (default host 127.0.0.1); configured IMAP accounts are polled.\n`,
  opensDatabase: 'always',
  async run(args, { out }) {
    parse(args, {}, false);
    return serve(out);
  },
};

const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  help: 'Usage: embargo migrate\nApplies pending migrations and prints their names.\n',
  opensDatabase: 'always',
  async run(args, { out }) {
    parse(args, {}, false);
    return withApp(async (app) => {
      const applied = await migrateDesk(app); // createApp already migrated; this reports nothing left to do
      out.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database schema is up to date.\n');
      return 0;
    });
  },
};

export const deskCommands: Command[] = [init, serveCommand, migrateCommand];

async function serve(out: Out): Promise<number> {
  const config = loadConfig();
  // On the embedded database this holds its lock until the server stops: every other command, and a
  // second server, is refused meanwhile rather than writing where this server cannot see it.
  const app = await openDesk(config);
  const server = await buildServer(app, { plugins: [webPlugin, publicSitePlugin], logger: false });
  await server.listen({ host: config.host, port: config.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = deskUrl({ ...config, port });
  const isNew = !(await isInitialised(app.db));
  const token = isNew ? randomBytes(24).toString('base64url') : null;
  if (token) setSetupToken(token);
  // Reminders and escalations: every server runs the scheduler; notices are claimed in the database,
  // so several servers never send one twice.
  const scheduler = startScheduler(app, { intervalMs: config.schedulerIntervalSeconds * 1000 });
  // Advisories public by the clock: their publication events (clocks stopping on them) once each.
  const publication = startPublicationEvents(app, { intervalMs: config.schedulerIntervalSeconds * 1000 });
  // Outbound mail: the config file's relay, aliases and IMAP account win over the admin UI's; then
  // the delivery job sends the outbox (every server runs it; rows are claimed with SKIP LOCKED).
  if (!isNew) await applyMailConfig(app);
  const delivery = startMailDelivery(app, { intervalMs: config.mailDeliveryIntervalSeconds * 1000 });
  // Incoming mail: the intake job, and the SMTP listener and IMAP pollers where configured.
  const ingress = await startMailIngress(app, out);
  // The audit chain: writes only append; this links them under the instance key within a second
  // (one server at a time, the others skip), and keeps a signed checkpoint of the head every so often.
  const chaining = startAuditChain(app, { intervalMs: config.auditChainIntervalSeconds * 1000 });
  const checkpoints = startAuditCheckpoints(app, { intervalMs: config.auditCheckpointIntervalSeconds * 1000 });
  const stop = async () => {
    await ingress.stop();
    await delivery.stop();
    await scheduler.stop();
    await publication.stop();
    await server.close();
    // A last pass links what this server's final requests and jobs appended.
    await checkpoints.stop();
    await chaining.wake();
    await chaining.stop();
    await app.db.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Said once the server stops cleanly on a signal (closing the database, releasing its lock), so
  // whoever waits for this line may stop it at once.
  out.write(`Embargo is running at ${base} (${app.db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}).\n`);
  out.write(
    token
      ? `\nThis desk is new. Create it and its first admin at:\n  ${base}/setup?token=${token}\n` +
          `(or stop the server and run: embargo init --help)\n`
      : `Sign in at ${base}/signin\n`,
  );
  return new Promise<number>(() => {});
}
