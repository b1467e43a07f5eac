import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import type { Ctx } from '../../src/app/context.ts';
import { initInstance } from '../../src/app/admin/instance.ts';
import { addPerson, setTeamMember } from '../../src/app/admin/admin.ts';
import { loadPrincipal } from '../../src/app/auth/auth.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { loadCase } from '../../src/app/cases/case.ts';
import { addMessage } from '../../src/app/cases/messaging.ts';
import { fanOutMessage } from '../../src/app/delivery/fan-out.ts';
import { generateTeamKeyFor, uploadMyKey } from '../../src/app/keys/keys.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { startSmtpSink, type SinkMessage } from '../support/smtp-sink.ts';
import { startGpg } from '../support/gpg.ts';
import { sampleReport } from '../support/harness.ts';
import { SETTLE_EVERY } from '../../src/jobs/mail-delivery.ts';
import { openRecipient } from '../../src/app/delivery/deliveries.ts';

// Crash safety of delivery. The delivery job runs in a child process that the test kills with SIGKILL
// at random points: at random instants, and right after the SMTP server has sent its 250 for a
// message (before the job can record it as sent: the window the design accepts, up to SETTLE_EVERY
// copies sent together and recorded together). After each kill the
// job is started again, until it finishes on its own. Then:
// - every queued delivery is sent, and every one of their Message-IDs reached the SMTP server;
// - a Message-ID arrives more than once only when a run was killed after the 250, never more often
//   than WINDOW copies per such kill, and every repeat is byte for byte the first copy (same Message-ID,
//   same encrypted bytes), so the recipient's MTA or mail client keeps one: at least once over SMTP,
//   exactly once for the recipient.

const MESSAGES = 12;
const BATCH = 7; // spans outbox rows (3 copies each), so a pass holds whole and partial messages
// Copies sent and not yet recorded at any moment: what one kill can make go out twice.
const WINDOW = Math.min(BATCH, SETTLE_EVERY);
const childScript = new URL('./delivery-crash.child.ts', import.meta.url).pathname;
const nodeBin = process.execPath;
// As bin/embargo runs the desk's jobs: the database's WebAssembly on the baseline compiler. A child
// lives a few seconds, too short for the optimising compiler's work on PGlite to pay back.
const nodeArgs = ['--liftoff-only'];

test('delivery survives SIGKILL at random points: every delivery made, repeats only from the 250 window, byte-identical', {
  timeout: 600_000,
}, async (t) => {
  const url = process.env.EMBARGO_TEST_DATABASE_URL ?? null;
  const schema = url ? `crash_${randomBytes(5).toString('hex')}` : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'embargo-crash-'));
  const instanceKey = randomBytes(32).toString('base64');
  const config = loadConfig(
    {},
    {
      databaseUrl: url,
      dataDir,
      instanceKey,
      passwordCostLog2: 14,
      publicUrl: 'https://desk.example.org',
      allowPrivateHosts: ['127.0.0.1'],
    },
  );
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const gpg = await startGpg();
  t.after(() => gpg.close());

  // The desk, three members (one with a key), a team key, the relay, and MESSAGES fanned-out messages.
  let app = await createApp(config, schema ? { schema } : {});
  const system: Ctx = { app, principal: { kind: 'system', label: 'test' } };
  await initInstance(app, {
    name: 'TF Security',
    profile: 'trusted-firmware',
    timeZone: 'Europe/London',
    admin: { name: 'Ada', email: 'ada@tf.example' },
    mail: { domain: 'lists.tf.example' },
  });
  const alice = await addPerson(system, { name: 'Alice', emails: ['alice@tf.example'], timeZone: 'Europe/London' });
  await addPerson(system, { name: 'Bob', emails: ['bob@tf.example'], timeZone: 'Europe/London' });
  for (const email of ['alice@tf.example', 'bob@tf.example']) await setTeamMember(system, 'security', { email }, true);
  const aliceKey = await gpg.generateKey('Alice <alice@tf.example>');
  await uploadMyKey({ app, principal: (await loadPrincipal(app.db, alice.personId))! }, { armored: aliceKey.publicArmored });
  await generateTeamKeyFor(system, {});
  await setSmtpRelay(system, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  for (let i = 0; i < MESSAGES; i++) {
    const { reportId } = await submitReport({ app, principal: { kind: 'anonymous' } }, 'web', sampleReport);
    await app.db.transaction(async (tx) => {
      const ctx: Ctx = { app, principal: { kind: 'reporter', reportId } };
      const c = (await loadCase(tx, reportId))!;
      await fanOutMessage(ctx, tx, new Date(), {
        reportId,
        messageId: await addMessage(ctx, tx, new Date(), c, 'from_reporter', `message ${i}`),
      });
    });
  }
  const queued = (await app.db.query<{ id: string; message_id: string }>('SELECT id, message_id FROM deliveries')).rows;
  assert.equal(queued.length, MESSAGES * 3); // ada (the first admin is on the central team), alice, bob
  await app.db.close(); // the embedded database is opened by one process at a time

  // Passes of BATCH rows: several copies of one message are built, sent and recorded together.
  const env = {
    ...process.env,
    EMBARGO_TEST_DELIVERY_BATCH: String(BATCH),
    DATABASE_URL: url ?? '',
    EMBARGO_DATA_DIR: dataDir,
    EMBARGO_INSTANCE_KEY: instanceKey,
    EMBARGO_PUBLIC_URL: 'https://desk.example.org',
    // The sink is on loopback: allow-listed, as an on-premise relay would be.
    EMBARGO_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    ...(schema ? { EMBARGO_TEST_SCHEMA: schema } : {}),
  };
  let child: ChildProcess | null = null;
  let killsAfter250 = 0;
  let randomKills = 0;
  // Kill right after some 250s: the job has the server's answer in flight and has not recorded it.
  sink.onAccepted = (_m: SinkMessage) => {
    if (child && child.exitCode === null && randomInt(4) === 0) {
      child.kill('SIGKILL');
      killsAfter250++;
    }
  };
  let runs = 0;
  for (;;) {
    runs++;
    assert.ok(runs < 200, 'the job finishes eventually');
    const c = spawn(nodeBin, [...nodeArgs, childScript], {
      env: { ...env, EMBARGO_TEST_CLOCK_OFFSET_MS: String(runs * 61_000) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = c;
    let stderr = '';
    c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    // And, in every other run, at a random instant (start-up, claiming, building, sending, recording).
    const timer =
      randomInt(2) === 0
        ? setTimeout(
            () => {
              if (c.exitCode === null && c.kill('SIGKILL')) randomKills++;
            },
            randomInt(50, 3000),
          )
        : undefined;
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      c.once('exit', (co, sig) => resolve([co, sig])),
    );
    clearTimeout(timer);
    if (stderr) t.diagnostic(`run ${runs}: ${stderr.trim()}`);
    if (signal === 'SIGKILL') continue;
    assert.equal(code, 0, `the delivery child failed: ${stderr}`);
    break;
  }
  child = null;
  t.diagnostic(
    `runs ${runs}, kills after 250: ${killsAfter250}, random kills: ${randomKills}, messages at the sink: ${sink.received.length} for ${queued.length} deliveries`,
  );

  app = await createApp(config, schema ? { schema } : {});
  t.after(async () => {
    if (schema) await app.db.query(`DROP SCHEMA ${schema} CASCADE`);
    await app.db.close();
  });
  const final = (
    await app.db.query<{ id: string; message_id: string; status: string; recipient_sealed: string }>(
      'SELECT id, message_id, status, recipient_sealed FROM deliveries',
    )
  ).rows.map((r) => ({ message_id: r.message_id, status: r.status, recipient: openRecipient(app, r) }));
  assert.deepEqual(
    final.filter((d) => d.status !== 'sent'),
    [],
    'every delivery is sent',
  );

  const byId = new Map<string, SinkMessage[]>();
  for (const m of sink.received) byId.set(m.messageId!, [...(byId.get(m.messageId!) ?? []), m]);
  assert.deepEqual(
    [...byId.keys()].sort(),
    queued.map((d) => d.message_id).sort(),
    'each delivery reached the server under its own Message-ID, and nothing else did',
  );
  let repeats = 0;
  for (const d of final) {
    const copies = byId.get(d.message_id)!;
    assert.ok(
      copies.every((m) => m.rcptTo.length === 1 && m.rcptTo[0] === d.recipient),
      'to its recipient only',
    );
    for (const m of copies.slice(1)) assert.ok(m.raw.equals(copies[0]!.raw), 'a repeat is the same message, byte for byte');
    repeats += copies.length - 1;
  }
  // Any kill can fall between a 250 and its recording (those made right after a 250 always do).
  assert.ok(
    repeats <= (killsAfter250 + randomKills) * WINDOW,
    `repeats (${repeats}) only from kills (${killsAfter250} after a 250, ${randomKills} at random), at most ${WINDOW} each`,
  );
  assert.ok(runs > 1, 'the job was killed at least once');
});
