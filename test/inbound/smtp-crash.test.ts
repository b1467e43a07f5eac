import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { ALIAS, plainMail, sendWithNodemailer } from './support.ts';
import { cliDatabase, runEmbargo } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';

// Crash safety of receiving: the mail ingress of `embargo serve` (startMailIngress: SMTP listener and
// intake job; smtp-crash-child.ts) runs as a child process
// and is killed with SIGKILL at random moments while a client sends many messages, retrying each one
// until it gets a 250, as an MTA does. After the last restart, every message that got a 250 is
// stored exactly once and processed exactly once (one report each, one processing audit event each).

const childScript = new URL('./smtp-crash-child.ts', import.meta.url).pathname;
const MESSAGES = 40;
const KILLS = 4;

function startServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // As bin/embargo starts `serve`: the database's WebAssembly on the baseline compiler.
    const child = spawn(process.execPath, ['--liftoff-only', childScript], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Receiving mail by SMTP')) resolve(child);
    });
    child.stderr!.on('data', (d) => (err += d));
    child.once('exit', (code) => reject(new Error(`the mail server exited (${code}) before listening:\n${out}\n${err}`)));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

test('SMTP receiving survives SIGKILL at random points: every 250 is stored once and processed once', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-smtp-crash-'));
  const smtpPort = await freePort();
  const { databaseUrl } = await cliDatabase(t, 'crash', dir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EMBARGO_DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    EMBARGO_PORT: '0',
    EMBARGO_PASSWORD_COST_LOG2: '14',
    EMBARGO_INSTANCE_KEY: randomBytes(32).toString('base64'),
    EMBARGO_SMTP_PORT: String(smtpPort),
    EMBARGO_MAIL_ALIASES: ALIAS,
    EMBARGO_MAIL_INTAKE_INTERVAL_SECONDS: '0.2',
    EMBARGO_MAIL_LEASE_SECONDS: '1',
    EMBARGO_SCHEDULER_INTERVAL_SECONDS: '3600',
  };
  const init = await runEmbargo(env, [
    'init',
    '--profile',
    'trusted-firmware',
    '--name',
    'TF Security',
    '--time-zone',
    'Europe/London',
    '--mail-domain',
    'lists.trustedfirmware.org',
    '--admin-name',
    'Ada',
    '--admin-email',
    'ada@tf.example',
  ]);
  assert.equal(init.code, 0, init.err);

  const messages = Array.from({ length: MESSAGES }, (_, i) =>
    plainMail(
      { subject: `Crash report ${i}`, messageId: `crash-${i}@research.example` },
      `Report number ${i} of the crash test, with enough text to be a report.`,
    ),
  );
  const acked = new Set<number>();
  let server = await startServer(env);
  // Resolves when the server is listening again after the latest kill: a refused send waits for it.
  let listening: Promise<void> = Promise.resolve();
  let kills = 0;
  let sending = true;

  const killer = (async () => {
    while (sending && kills < KILLS) {
      // The kill instants are random by design: anywhere in receiving, storing or processing.
      await new Promise((r) => setTimeout(r, randomInt(200, 1500)));
      if (!sending) break;
      let restarted!: () => void;
      listening = new Promise((r) => (restarted = r));
      await kill(server);
      kills++;
      server = await startServer(env);
      restarted();
    }
  })();
  const sender = (async () => {
    for (let i = 0; i < messages.length; i++) {
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < 500, `message ${i} never got a 250`);
        try {
          const r = await sendWithNodemailer(smtpPort, { from: 'rita@research.example', to: [ALIAS], raw: messages[i]! });
          if (/^250 /.test(r.response)) {
            acked.add(i);
            break;
          }
        } catch {
          // Refused, reset or 4xx while the server is down or restarting: an MTA tries again.
        }
        await listening;
      }
    }
  })();
  await sender;
  sending = false;
  await killer;
  // One last kill, wherever the intake job is.
  await new Promise((r) => setTimeout(r, randomInt(0, 500)));
  await kill(server);
  assert.equal(acked.size, MESSAGES);
  assert.ok(kills >= 1, 'the server was killed while receiving');

  // Restart (in process) and let the intake job finish what the killed servers left. Its clock runs a
  // minute ahead, past the one-second leases the killed processors held, instead of waiting them out.
  const app = await createApp(loadConfig(env), { clock: () => new Date(Date.now() + 60_000) });
  try {
    for (;;) {
      const pass = await runIntakePass(app, { leaseMs: 1000 });
      const waiting = await app.db.query<{ n: string }>(`SELECT count(*) AS n FROM mail_inbox WHERE status IN ('received', 'processing')`);
      if (Number(waiting.rows[0]!.n) === 0) break;
      assert.ok(pass.processed > 0, 'every message left by a killed server can be claimed again');
    }
    const rows = await app.db.query<{
      id: string;
      sha256: string;
      status: string;
      outcome: string | null;
      report_id: string | null;
      error: string | null;
    }>('SELECT id, sha256, status, outcome, report_id, error FROM mail_inbox');
    const bySha = new Map(rows.rows.map((r) => [r.sha256, r]));
    for (const i of acked) {
      const sha = createHash('sha256').update(Buffer.from(messages[i]!)).digest('hex');
      const row = bySha.get(sha);
      assert.ok(row, `message ${i} got a 250 and is stored`);
      assert.equal(row.status, 'done', `message ${i}: ${row.error}`);
      assert.equal(row.outcome, 'new_report');
    }
    assert.equal(rows.rows.length, MESSAGES, 'each message stored exactly once');
    const reports = await app.db.query<{ n: string; distinct_inbox: string }>(
      `SELECT count(*) AS n, count(DISTINCT m.id) AS distinct_inbox FROM reports r JOIN mail_inbox m ON m.report_id = r.id WHERE r.channel = 'email'`,
    );
    assert.equal(Number(reports.rows[0]!.n), MESSAGES, 'one report per message');
    const allReports = await app.db.query<{ n: string }>(`SELECT count(*) AS n FROM reports`);
    assert.equal(Number(allReports.rows[0]!.n), MESSAGES, 'no report from a half-processed attempt');
    const processed = await app.db.query<{ subject_id: string; n: string }>(
      `SELECT subject_id, count(*) AS n FROM audit_events WHERE action = 'mail.new_report' GROUP BY subject_id`,
    );
    assert.equal(processed.rows.length, MESSAGES);
    assert.ok(
      processed.rows.every((r) => Number(r.n) === 1),
      'processed exactly once',
    );
  } finally {
    await app.db.close();
  }
});
