import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, enroll, api, sampleReport, auditActions, type Member } from '../support/harness.ts';
import { webUser, type WebUser } from '../support/web-client.ts';
import { startSmtpSink, headerValue, type SmtpSink } from '../support/smtp-sink.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor } from '../../src/app/keys/keys.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';

// Outbound mail that cannot go out is said, not hidden: admins see a banner on every page while there
// is no relay or no team key (and why), the deliveries page lists what waits beside what failed, the
// case thread says whether each message's mail was queued, sent or failed, and an admin can send a
// test mail through the relay. Over real HTTP, as a browser would.

let h: WebHarness;
let sink: SmtpSink;
let admin: Member, alice: Member, ops: Member;
let asAdmin: WebUser, asAlice: WebUser, asOps: WebUser;
let reportId: string;

before(async () => {
  h = await startWebHarness();
  sink = await startSmtpSink();
  admin = await setupDesk(h, 'tock');
  alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tock.example', teams: ['security'] });
  // An admin who runs the machine and is on no security team: sees no reporter's address.
  const { personId, enrollmentToken } = await addPerson(admin.ctx, {
    name: 'Oscar Ops',
    emails: ['ops@tock.example'],
    timeZone: 'Europe/London',
    isAdmin: true,
  });
  ops = { personId, ...(await enroll(h, personId, enrollmentToken)) };
  asAdmin = await webUser(h, admin);
  asAlice = await webUser(h, alice);
  asOps = await webUser(h, ops);
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  reportId = r.json.reportId;
});
after(async () => {
  await sink.close();
  await h.close();
});

const reply = async (body: string) =>
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/replies`, { as: alice, body: { body } })).status, 200);

/** The thread entry of the message whose body starts with `text`: its header line. */
async function threadLabel(text: string): Promise<string> {
  const page = await asAlice.get(`/cases/${reportId}`);
  assert.equal(page.status, 200);
  const article = page.body.split('<article').find((a) => a.includes(text));
  assert.ok(article, `no thread entry with ${text}`);
  return article.slice(0, article.indexOf('</header>'));
}

const deliveries = async () => Number((await h.app.db.query<{ n: string }>('SELECT count(*) AS n FROM deliveries')).rows[0]!.n);

test('no relay and no team key: admins are told on every page, the thread says queued, the page lists what waits', async () => {
  await reply('First answer, while mail is off.');
  for (const path of ['/', '/admin/people', `/cases/${reportId}`]) {
    const page = await asAdmin.get(path);
    assert.equal(page.status, 200);
    assert.match(page.body, /id="outbound-mail"/, `banner on ${path}`);
    assert.match(page.body, /Outbound mail is off\.<\/strong> 3 deliveries wait, the oldest since/);
    assert.match(page.body, /No SMTP relay is set up, so no mail goes out/);
    assert.match(page.body, /There is no team key, so mail that must be encrypted and signed waits/);
  }
  // The central team member cannot fix it: no banner, but the thread tells the truth.
  assert.doesNotMatch((await asAlice.get('/')).body, /id="outbound-mail"/);
  const label = await threadLabel('First answer');
  assert.match(label, /mail queued, not sent yet/);
  assert.doesNotMatch(label, /sent by mail/);

  const page = await asAdmin.get('/admin/deliveries');
  assert.equal(page.status, 200);
  const queued = page.body.slice(page.body.indexOf('id="queued"'), page.body.indexOf('id="failed"'));
  assert.match(queued, /Queued \(3\)/);
  assert.match(queued, /rita@research\.example/);
  assert.match(queued, /alice@tock\.example/);
  assert.match(queued, /not tried yet/);
  // An admin outside the central team sees that something waits for the reporter, not their address.
  const opsPage = await asOps.get('/admin/deliveries');
  assert.match(opsPage.body, /Queued \(3\)/);
  assert.match(opsPage.body, /\(an external recipient\)/);
  assert.doesNotMatch(opsPage.body, /rita@research\.example/);
  // The same through the API.
  const status = await api(h, 'GET', '/api/deliveries/status', { as: admin });
  assert.equal(status.status, 200, status.body);
  assert.equal(status.json.canSend, false);
  assert.equal(status.json.queued, 3);
  assert.equal((await api(h, 'GET', '/api/deliveries/queued', { as: alice })).json.deliveries.length, 3);
});

test('a test mail is refused while it could only wait, and changes nothing', async () => {
  const before = await deliveries();
  const r = await asAdmin.post('/admin/deliveries/test', { to: '' });
  assert.equal(r.status, 409);
  assert.match(r.body, /A test mail could only wait: No SMTP relay is set up/);
  assert.equal(await deliveries(), before);
  // Only admins: the central team member has no such form, and the post is "not found".
  assert.doesNotMatch((await asAlice.get('/admin/deliveries')).body, /Send a test mail/);
  assert.equal((await asAlice.post('/admin/deliveries/test', { to: '' })).status, 404);
});

test('with a relay and a team key the banner goes; a test mail is queued, audited and sent; the thread says sent', async () => {
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@lists.tockos.org' });
  // A relay but no key yet: held, not off.
  assert.match((await asAdmin.get('/')).body, /Outbound mail is held\.<\/strong>[\s\S]*There is no team key/);
  await generateTeamKeyFor(admin.ctx, {});
  assert.doesNotMatch((await asAdmin.get('/')).body, /id="outbound-mail"/);

  const sent = await asAdmin.post('/admin/deliveries/test', { to: '' });
  assert.equal(sent.status, 303, sent.body);
  assert.equal(sent.location, '/admin/deliveries?done=tested#test-mail');
  const page = await asAdmin.get('/admin/deliveries?done=tested');
  assert.match(page.body, /The test mail is queued/);
  assert.match(page.body, /<table id="test-mails">[\s\S]*admin@example\.org<\/td><td>queued/);
  const outboxId = (await h.app.db.query<{ id: string }>("SELECT id FROM outbox WHERE template_id = 'mail.test'")).rows[0]!.id;
  assert.deepEqual(await auditActions(h, outboxId), ['mail.test_queued']);

  const pass = await runDeliveryPass(h.app);
  assert.equal(pass.failed, 0, JSON.stringify(pass));
  const { message_id } = (
    await h.app.db.query<{ message_id: string }>('SELECT message_id FROM deliveries WHERE outbox_id = $1', [outboxId])
  ).rows[0]!;
  const test = sink.received.find((m) => m.messageId === message_id);
  assert.ok(test, 'the test mail reached the relay');
  assert.deepEqual(test.rcptTo, ['admin@example.org']);
  // The admin has no key on file: the test mail itself, in clear (it holds nothing secret), not a notice.
  assert.equal(headerValue(test.raw, 'Subject'), '[Tock Security Team] Test mail from the desk');
  assert.match(test.raw.toString(), /If you read it, outbound mail works/);
  assert.match((await asAdmin.get('/admin/deliveries')).body, /admin@example\.org<\/td><td>sent/);
  assert.match(await threadLabel('First answer'), /sent by mail/);
});

test('a delivery due long ago that nobody tried: the banner asks whether the delivery job runs', async () => {
  await reply('Second answer, with no delivery job running.');
  h.clock.advance(11 * 60_000);
  const page = await asAdmin.get('/');
  assert.match(page.body, /Outbound mail is held\.<\/strong>/);
  assert.match(page.body, /3 deliveries have waited more than 10 minutes past their time without being tried: is embargo serve running\?/);
  await runDeliveryPass(h.app);
  assert.doesNotMatch((await asAdmin.get('/')).body, /id="outbound-mail"/);
});

test('mail refused by the server: the thread says failed, for how many of its recipients', async () => {
  sink.reply = (m) => (m.rcptTo.includes('rita@research.example') ? { code: 550, message: '5.1.1 No such user' } : undefined);
  try {
    await reply('Third answer, which the reporter will not get.');
    assert.match(await threadLabel('Third answer'), /mail queued, not sent yet/);
    await runDeliveryPass(h.app);
    assert.match(await threadLabel('Third answer'), /mail failed \(1 of 3\)/);
    const page = await asAdmin.get('/admin/deliveries');
    assert.match(page.body.slice(page.body.indexOf('id="failed"')), /Failed \(1\)[\s\S]*5\.1\.1 No such user/);
  } finally {
    sink.reply = null;
  }
});
