import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { startSmtpSink, type SmtpSink, type SinkMessage } from '../support/smtp-sink.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { loadCase } from '../../src/app/cases/case.ts';
import { addMessage } from '../../src/app/cases/messaging.ts';
import { fanOutMessage } from '../../src/app/delivery/fan-out.ts';
import { wakeOnQueuedMail } from '../../src/app/delivery/wake.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { deskApp, startDeskJobs } from '../../src/cli/desk.ts';
import type { App, Ctx } from '../../src/app/context.ts';

// Mail queued wakes the delivery job `embargo serve` runs: the copies of a message go out at once,
// not at the job's next timer (here an hour), and a transaction that rolled back signals nothing.

let h: Harness;
let sink: SmtpSink;
let admin: Member;

before(async () => {
  h = await startHarness({ config: { mailDeliveryIntervalSeconds: 3600, schedulerIntervalSeconds: 3600 } });
  admin = await setupDesk(h, 'trusted-firmware');
  await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
});
after(async () => {
  await sink?.close();
  await h.close();
});

/** A reporter's message on a case, fanned out to the team, in one transaction of `app`'s database. */
async function queueFanOut(app: App, reportId: string, text: string, fail = false): Promise<number> {
  return app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const ctx: Ctx = { app, principal: { kind: 'reporter', reportId } };
    const r = await fanOutMessage(ctx, tx, h.clock.now, {
      reportId,
      messageId: await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', text),
    });
    if (fail) throw new Error('rolled back on purpose');
    return r.recipients;
  });
}

test('a commit that queues mail signals once; a rollback signals nothing', async () => {
  const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await runDeliveryPass(h.app);
  let signals = 0;
  const app = wakeOnQueuedMail(h.app, () => signals++);
  await assert.rejects(queueFanOut(app, reportId, 'never queued', true), /rolled back on purpose/);
  assert.equal(signals, 0);
  assert.ok((await queueFanOut(app, reportId, 'queued')) > 0);
  assert.equal(signals, 1);
  await app.db.query('SELECT 1');
  assert.equal(signals, 1, 'a statement that queues nothing signals nothing');
  await runDeliveryPass(h.app);
});

test("the jobs as serve wires them send queued mail at once, not at the delivery job's timer", async () => {
  const reportId = (await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: 'Second report' } })).json.reportId;
  await runDeliveryPass(h.app); // the receipt and its list copies, sent before the jobs start
  const desk = deskApp(h.app);
  const jobs = await startDeskJobs(desk, { write: () => true }, { isNew: false });
  try {
    const arrived = new Promise<SinkMessage>((resolve) => {
      sink.onAccepted = (m) => resolve(m);
    });
    const before = sink.received.length;
    assert.ok((await queueFanOut(desk.app, reportId, 'The PoC also crashes BL31.')) > 0);
    // The job's timer is an hour away: only the commit's signal can have sent this.
    const m = await arrived;
    assert.ok(sink.received.length > before);
    assert.ok(m.rcptTo.length > 0);
  } finally {
    sink.onAccepted = null;
    await jobs.stop();
  }
});
