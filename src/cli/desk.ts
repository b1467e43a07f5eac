import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { deskUrl, loadConfig } from '../config.ts';
import { isInitialised } from '../app/admin/instance.ts';
import { applyMailConfig } from '../app/delivery/settings.ts';
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
import { parse } from './args.ts';
import type { Io, Out } from './command.ts';
import { openDesk } from './with-app.ts';
import type { App } from '../app/context.ts';

// `embargo serve`: the desk running, the web server and every job (its help is in commands/desk.ts).
// The benchmarks and tests wire the same server and jobs from here.

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

/** `embargo serve`: runs until a signal stops it. */
export async function serve(args: string[], { out }: Io): Promise<number> {
  parse(args, {}, false);
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
