import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { deskUrl, loadConfig } from '../config.ts';
import { initInstance, isInitialised } from '../app/admin/instance.ts';
import { applyMailConfig } from '../app/delivery/settings.ts';
import { migrateDesk } from '../app/admin/maintenance.ts';
import { recordDeskAddress } from '../app/admin/desk-address.ts';
import { buildServer } from '../http/server.ts';
import { setSetupToken } from '../http/routes/session.ts';
import { webPlugin } from '../web/index.ts';
import { publicSitePlugin } from '../public/index.ts';
import { startScheduler } from '../jobs/sla-scheduler.ts';
import { startPublicationEvents } from '../jobs/publication-events.ts';
import { startTimedReleases } from '../jobs/timed-releases.ts';
import { type DeliveryHandle, startMailDelivery } from '../jobs/mail-delivery.ts';
import { wakeOnQueuedMail } from '../app/delivery/wake.ts';
import { startAuditChain, startAuditCheckpoints } from '../jobs/audit-chain.ts';
import { type MailIngress, startMailIngress } from './mail.ts';
import { parse, UsageError } from './args.ts';
import { link, openDesk, withApp, type Command, type Out } from './command.ts';
import { ZodError } from 'zod';
import { zodDetails, zodSentence } from '../domain/validation-words.ts';
import { EmbargoError, ValidationError } from '../domain/errors.ts';
import type { App } from '../app/context.ts';

// The desk itself: `embargo init` creates it, `embargo serve` runs it, `embargo migrate` brings its
// database schema up to date.

const init: Command = {
  name: 'init',
  summary: 'Create the desk: process profile, name, time zone, mail addresses and first admin',
  help: `Usage: embargo init --profile trusted-firmware|tock|FILE --name NAME --time-zone ZONE
                    --mail-domain DOMAIN [--alias ID=ADDRESS...] --admin-name NAME --admin-email EMAIL
Creates the desk and prints the admin's one-time enrollment link.
  --mail-domain  the team's own mail domain (lists.example.org): the profile's aliases are written
                 with it (security@DOMAIN, {project}-security@DOMAIN, ...); needed for the shipped
                 profiles, which name no team's lists
  --alias        an alias kept elsewhere, by its id in the profile: --alias ess={project}-ess@example.org
The desk's copy of the profile gets these addresses; the projects the profile starts with (Tock:
Tock, with its subsystem table) are created with their security teams.\n`,
  opensDatabase: 'always',
  async run(args, { out, err }) {
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
  },
};

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

/** The server `embargo serve` runs: the API, the web UI and the public advisory site (the benchmarks wire the same). */
export const buildDeskServer = (app: App) => buildServer(app, { plugins: [webPlugin, publicSitePlugin], logger: false });

/**
 * The App a running desk hands every door and job: its database signals each commit that queued
 * mail, so the delivery job sends it at once instead of at its next timer (src/app/delivery/wake.ts).
 * The signal goes to the delivery job startDeskJobs starts; before that, to nobody.
 */
export interface DeskApp {
  app: App;
  /** Set by startDeskJobs: what a commit that queued mail calls. */
  onQueued: () => void;
}

export function deskApp(opened: App): DeskApp {
  const desk: DeskApp = { app: opened, onQueued: () => {} };
  desk.app = wakeOnQueuedMail(opened, () => desk.onQueued());
  return desk;
}

export interface DeskJobs {
  delivery: DeliveryHandle;
  ingress: MailIngress;
  /** Stops every job (the mail ones first); `before` runs after the mail jobs stop (the HTTP server's close), then the audit chain's last pass. */
  stop(opts?: { before?: () => Promise<unknown> }): Promise<void>;
}

/**
 * Every job `embargo serve` runs, wired as it runs them: the SLA scheduler, publication events, timed releases, the
 * delivery job (woken by each commit that queues mail, an intake pass's fan-out among them), the mail ingress
 * (the intake job woken by each stored message; SMTP listener and IMAP pollers as configured), the
 * audit chain and its checkpoints. The benchmarks call this same function.
 */
export async function startDeskJobs(desk: DeskApp, out: Out, opts: { isNew: boolean }): Promise<DeskJobs> {
  const { app } = desk;
  const config = app.config;
  // Reminders and escalations: every server runs the scheduler; notices are claimed in the database,
  // so several servers never send one twice.
  const scheduler = startScheduler(app, { intervalMs: config.schedulerIntervalSeconds * 1000 });
  // Advisories public by the clock: their publication events (clocks stopping on them) once each.
  const publication = startPublicationEvents(app, { intervalMs: config.schedulerIntervalSeconds * 1000 });
  // What an embargo times (tier notices, the fix made public, the reporter told of the publication),
  // each once at its instant however many servers run.
  const releases = startTimedReleases(app, { intervalMs: config.schedulerIntervalSeconds * 1000, node: `${hostname()}:${process.pid}` });
  // Outbound mail: the config file's relay, aliases and IMAP account win over the admin UI's; then
  // the delivery job sends the outbox (every server runs it; rows are claimed with SKIP LOCKED). The
  // timer stays for retries that come due and for mail queued by another server.
  if (!opts.isNew) await applyMailConfig(app);
  const delivery = startMailDelivery(app, { intervalMs: config.mailDeliveryIntervalSeconds * 1000 });
  desk.onQueued = () => delivery.nudge();
  // Incoming mail: the intake job, and the SMTP listener and IMAP pollers where configured.
  const ingress = await startMailIngress(app, out);
  // The audit chain: writes only append; this links them under the instance key within a second
  // (one server at a time, the others skip), and keeps a signed checkpoint of the head every so often.
  const chaining = startAuditChain(app, { intervalMs: config.auditChainIntervalSeconds * 1000 });
  const checkpoints = startAuditCheckpoints(app, { intervalMs: config.auditCheckpointIntervalSeconds * 1000 });
  return {
    delivery,
    ingress,
    async stop(o = {}) {
      await ingress.stop();
      desk.onQueued = () => {};
      await delivery.stop();
      await scheduler.stop();
      await publication.stop();
      await releases.stop();
      await o.before?.();
      // A last pass links what this server's final requests and jobs appended.
      await checkpoints.stop();
      await chaining.wake();
      await chaining.stop();
    },
  };
}

async function serve(out: Out): Promise<number> {
  const config = loadConfig();
  // On the embedded database this holds its lock until the server stops: every other command, and a
  // second server, is refused meanwhile rather than writing where this server cannot see it.
  const desk = deskApp(await openDesk(config));
  const { app } = desk;
  const server = await buildDeskServer(app);
  await server.listen({ host: config.host, port: config.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = deskUrl({ ...config, port });
  const isNew = !(await isInitialised(app.db));
  const token = isNew ? randomBytes(24).toString('base64url') : null;
  if (token) setSetupToken(token);
  // Links printed by commands in other shells point here (they have none of this process's settings).
  await recordDeskAddress(app, base);
  const jobs = await startDeskJobs(desk, out, { isNew });
  const stop = async () => {
    await jobs.stop({ before: () => server.close() });
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
