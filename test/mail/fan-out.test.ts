import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startGpg, validSigPrimary, type GpgPeer } from '../support/gpg.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor, teamPublicKey, uploadMyKey } from '../../src/app/keys/keys.ts';
import { loadCase } from '../../src/app/cases/case.ts';
import { addMessage } from '../../src/app/cases/messaging.ts';
import { fanOutMessage, peopleWithAccess } from '../../src/app/delivery/fan-out.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { runSlaScheduler } from '../../src/jobs/sla-scheduler.ts';
import type { Ctx } from '../../src/app/context.ts';
import { openRecipient } from '../../src/app/delivery/deliveries.ts';

// Who receives a case's messages: everyone with access by the same policy as every door (central
// team, the incident's project team, people pulled in), nobody else; a collaborator, who may not see
// the reporter's identity, gets a notice even with a key. SLA notices go encrypted to the person's key.

let h: Harness;
let sink: SmtpSink;
let admin: Member, alice: Member, hank: Member, cora: Member, paula: Member;
const peers = new Map<string, GpgPeer>();
let teamFingerprint: string;

before(async () => {
  h = await startHarness({ clock: new Date().toISOString() });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  paula = await addMember(h, admin, { name: 'Paula Other', email: 'paula@tf.example', teams: ['tf-m-security'] });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  h.clock.set(new Date().toISOString());
  teamFingerprint = (await generateTeamKeyFor(admin.ctx, {})).fingerprint;
  for (const m of [alice, hank, cora, paula]) {
    const peer = await startGpg();
    const key = await peer.generateKey(`${m.email.split('@')[0]} <${m.email}>`);
    await peer.importKey((await teamPublicKey(h.app.db))!.armored);
    peers.set(m.email, peer);
    h.clock.set(new Date().toISOString());
    await uploadMyKey(m.ctx, { armored: key.publicArmored });
  }
});
after(async () => {
  await sink?.close();
  for (const p of peers.values()) await p.close();
  await h.close();
});

async function decrypt(email: string, raw: Buffer) {
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(raw.toString('latin1'));
  assert.ok(armored, `an encrypted copy for ${email}`);
  const r = await peers.get(email)!.decrypt(armored[0]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(validSigPrimary(r.status), teamFingerprint);
  return r.stdout.toString('utf8').replace(/=\r?\n/g, '');
}

test("a reporter's message reaches exactly the people with access, each by their own route", async () => {
  const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: alice })).status, 200);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: alice, body: { title: 'BL2 overflow', projects: ['tf-a'] } })).status,
    200,
  );
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: alice, body: { email: 'cora@tf.example' } })).status, 200);
  await runDeliveryPass(h.app); // the holding response and its list copies
  sink.received.length = 0;

  const withAccess = await h.app.db.transaction((tx) => peopleWithAccess(tx, reportId));
  assert.deepEqual(
    withAccess.map((p) => p.email),
    ['admin@example.org', 'alice@tf.example', 'cora@tf.example', 'hank@tf.example'],
  );
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const ctx: Ctx = { app: h.app, principal: { kind: 'reporter', reportId } };
    await fanOutMessage(ctx, tx, h.clock.now, {
      reportId,
      messageId: await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', 'The PoC also crashes BL31 on Juno.'),
    });
  });
  assert.equal((await runDeliveryPass(h.app)).sent, 4);
  const to = (email: string) => sink.received.filter((m) => m.rcptTo.includes(email));
  assert.equal(to('paula@tf.example').length, 0, "another project's team gets nothing");
  for (const email of ['alice@tf.example', 'hank@tf.example'])
    assert.match(await decrypt(email, to(email)[0]!.raw), /crashes BL31 on Juno/);
  const coraCopy = to('cora@tf.example')[0]!.raw.toString('utf8');
  assert.ok(!coraCopy.includes('BL31') && !coraCopy.includes('BEGIN PGP MESSAGE'), 'the collaborator gets a notice, even with a key');
  assert.match(coraCopy, /shared with you without the reporter/);
});

test('SLA notices go to the person encrypted to their own key', async () => {
  const reportId = (await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: 'Second report' } })).json.reportId;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: alice })).status, 200);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: alice, body: { title: 'Second', projects: ['tf-a'] } })).status,
    200,
  );
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
  await runDeliveryPass(h.app);
  sink.received.length = 0;
  // The project analysis clock (7 days) is owned by Hank; his reminder comes 24 hours before it is due.
  h.clock.advance(6.5 * 86_400_000);
  const r = await runSlaScheduler(h.app, h.clock.now);
  assert.ok(r.reminders >= 1, JSON.stringify(r));
  await runDeliveryPass(h.app);
  const rows = await h.app.db.query<{ id: string; recipient_sealed: string; mode: string; status: string }>(
    `SELECT d.id, d.recipient_sealed, d.mode, d.status FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.template_id = 'sla.reminder' AND d.report_id = $1`,
    [reportId],
  );
  assert.deepEqual(
    rows.rows.map((x) => [openRecipient(h.app, x), x.mode, x.status]),
    [['hank@tf.example', 'encrypted', 'sent']],
  );
  const copy = sink.received.find((m) => m.rcptTo.includes('hank@tf.example'))!;
  assert.ok(!copy.raw.toString('latin1').includes('Reminder:'), 'nothing readable outside the encryption');
  assert.match(await decrypt('hank@tf.example', copy.raw), /Reminder:/);
});
