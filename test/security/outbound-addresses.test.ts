import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { startHarness, setupDesk, api, sampleReport, type Harness } from '../support/harness.ts';
import { tableResolver } from '../support/resolver.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { addressRefusal, definedAddresses, addressLiteral, parseAllowEntry, parseAllowList } from '../../src/domain/network-address.ts';
import { smtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor } from '../../src/app/keys/keys.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { pollImapOnce } from '../../src/listeners/imap.ts';
import { AddressRefusedError } from '../../src/integrations/outbound-guard.ts';
import { loadCase } from '../../src/app/cases/case.ts';
import { addMessage } from '../../src/app/cases/messaging.ts';
import { fanOutMessage } from '../../src/app/delivery/fan-out.ts';
import { openDeliveryText } from '../../src/app/delivery/deliveries.ts';
import type { Ctx } from '../../src/app/context.ts';

// Server addresses an admin types (the CVE Services URL, the SMTP relay, IMAP accounts) must not turn
// the desk into a way into its own network. Every test here runs without an allow-list unless it says
// so, with names answered by a table (no DNS), and proves that nothing connected: the servers that an
// internal host would be are real listeners on 127.0.0.1 that count their connections.

const PUBLIC = '93.184.215.14';
const allowList = (...entries: string[]) => parseAllowList(entries).list;
/** The addresses a host stands for without DNS (a literal in any spelling, or localhost). */
const fixed = (host: string) => (addressLiteral(host) ? [addressLiteral(host)!] : definedAddresses(host)!);
const refusedWith = (host: string, allow = allowList()) =>
  fixed(host)
    .map((a) => addressRefusal(host, a, allow))
    .find((r) => r !== null) ?? null;

test('internal addresses are refused in every spelling: loopback, private, link-local, unique-local, metadata, IPv4 inside IPv6', () => {
  const internal: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['2130706433', /loopback/], // decimal
    ['0x7f000001', /loopback/], // hex
    ['0x7f.1', /loopback/],
    ['0177.0.0.1', /loopback/], // octal
    ['127.1', /loopback/],
    ['localhost', /loopback/],
    ['api.localhost', /loopback/],
    ['::1', /loopback/],
    ['[::1]', /loopback/],
    ['::ffff:127.0.0.1', /loopback/], // IPv4-mapped
    ['[::ffff:7f00:1]', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.5.4', /private/],
    ['192.168.1.1', /private/],
    ['::ffff:10.0.0.1', /private/],
    ['64:ff9b::a00:1', /private/], // NAT64 of 10.0.0.1
    ['2002:a00:1::1', /private/], // 6to4 of 10.0.0.1
    ['169.254.169.254', /metadata/],
    ['fd00:ec2::254', /metadata/],
    ['100.100.100.200', /metadata/],
    ['169.254.1.1', /link-local/],
    ['fe80::1', /link-local/],
    ['fd12:3456::1', /unique-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
  ];
  for (const [host, why] of internal) {
    const refusal = refusedWith(host);
    assert.ok(refusal, `${host} was not refused`);
    assert.match(refusal, why, host);
  }
  for (const host of [PUBLIC, '2606:4700::1111', '::ffff:93.184.215.14']) assert.equal(refusedWith(host), null, host);
});

test('the allow-list admits what it names and nothing more; metadata and no-host addresses never', () => {
  assert.equal(refusedWith('127.0.0.1', allowList('127.0.0.1')), null);
  assert.equal(refusedWith('::ffff:127.0.0.1', allowList('127.0.0.1')), null, 'the same address written as IPv6');
  assert.equal(refusedWith('localhost', allowList('127.0.0.1', '::1')), null);
  assert.match(refusedWith('127.0.0.2', allowList('127.0.0.1'))!, /loopback/);
  assert.equal(addressRefusal('relay.corp.example', '10.1.2.3', allowList('10.0.0.0/8')), null);
  assert.match(addressRefusal('relay.corp.example', '192.168.1.1', allowList('10.0.0.0/8'))!, /private/);
  // A name entry admits that name, whatever it resolves to, and no other name at the same address.
  assert.equal(addressRefusal('relay.corp.example', '10.1.2.3', allowList('Relay.Corp.Example.')), null);
  assert.match(addressRefusal('other.corp.example', '10.1.2.3', allowList('relay.corp.example'))!, /private/);
  // The metadata service stays out of reach even inside an allowed range, and cannot be listed itself.
  assert.match(addressRefusal('x.example', '169.254.169.254', allowList('169.254.0.0/16'))!, /never/);
  assert.equal(typeof parseAllowEntry('169.254.169.254'), 'string');
  assert.equal(typeof parseAllowEntry('0.0.0.0'), 'string');
  assert.equal(typeof parseAllowEntry('not a host!'), 'string');
});

/** A report and a message from its reporter, fanned out to the team: mail in the outbox to deliver. */
async function queueMail(h: Harness): Promise<void> {
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  const reportId: string = r.json.reportId;
  await h.app.db.transaction(async (tx) => {
    const c = (await loadCase(tx, reportId))!;
    const ctx: Ctx = { app: h.app, principal: { kind: 'reporter', reportId } };
    await fanOutMessage(ctx, tx, h.clock.now, { reportId, messageId: await addMessage(ctx, tx, h.clock.now, c, 'from_reporter', 'hello') });
  });
}

/** A TCP listener on 127.0.0.1 that counts connections: what an internal service would see. */
async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createTcpServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('an admin cannot set the relay, an IMAP account or the CNA URL to an internal host; nothing is stored', async (t) => {
  const h = await startHarness({
    config: { allowPrivateHosts: [] },
    resolveHost: tableResolver({
      'relay.corp.example': ['10.1.2.3'],
      'metadata.corp.example': ['169.254.169.254'],
      'smtp.example.org': [PUBLIC],
    }),
  });
  t.after(() => h.close());
  const admin = await setupDesk(h, 'tock');
  const relay = (host: string) =>
    api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
      as: admin,
      body: { host, port: 25, tls: 'none', bounceAddress: 'b@desk.example' },
    });
  for (const host of [
    '127.0.0.1',
    '2130706433',
    '0x7f.1',
    '[::ffff:127.0.0.1]',
    'localhost',
    '169.254.169.254',
    '10.0.0.1',
    'fd00::1',
    'relay.corp.example',
  ]) {
    const r = await relay(host);
    assert.equal(r.status, 400, `${host}: ${r.body}`);
    assert.equal(r.json.error.code, 'validation_failed');
    assert.match(r.json.error.message, /The SMTP relay: .*(loopback|private|metadata|unique-local)/, host);
    assert.ok(r.json.error.details.some((d: { path: string }) => d.path === 'host'));
  }
  assert.equal(await smtpRelay(h.app), null, 'nothing was stored');
  assert.equal((await relay('smtp.example.org')).status, 200, 'a public relay is accepted');

  const imap = await api(h, 'PUT', '/api/admin/mail-settings/imap-accounts', {
    as: admin,
    body: { name: 'provider', host: 'metadata.corp.example', port: 993, tls: 'tls', username: 'u', password: 'p' },
  });
  assert.equal(imap.status, 400, imap.body);
  assert.match(
    imap.json.error.message,
    /The IMAP account provider: metadata\.corp\.example \(169\.254\.169\.254\) is a cloud metadata address/,
  );

  for (const url of ['http://127.0.0.1:9/api', 'https://[::1]/api', 'https://169.254.169.254/latest', 'https://relay.corp.example/api']) {
    const cna = await api(h, 'PUT', '/api/cve/account', {
      as: admin,
      body: { url, shortName: 'TockOS', user: 'cna@tock.example', apiKey: 'k' },
    });
    assert.equal(cna.status, 400, `${url}: ${cna.body}`);
    assert.match(cna.json.error.message, /The CVE Services URL: /);
  }
  assert.equal((await api(h, 'GET', '/api/cve/account', { as: admin })).json.source, 'none');
});

test('a relay name that resolves to a public address when saved and to loopback when used is not connected to (DNS rebinding)', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  let lookups = 0;
  // The first answer (when the admin saves) is public; every later one is this machine.
  const rebinding = () => (lookups++ === 0 ? [PUBLIC] : ['127.0.0.1']);
  const h = await startHarness({ config: { allowPrivateHosts: [] }, resolveHost: tableResolver({ 'mail.rebind.example': rebinding }) });
  t.after(() => h.close());
  const admin = await setupDesk(h, 'trusted-firmware');
  await generateTeamKeyFor(admin.ctx, {});
  const saved = await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
    as: admin,
    body: { host: 'mail.rebind.example', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example' },
  });
  assert.equal(saved.status, 200, saved.body);
  await queueMail(h);

  const pass = await runDeliveryPass(h.app);
  assert.ok(pass.claimed > 0);
  assert.equal(pass.sent, 0);
  assert.equal(pass.retried, pass.claimed, 'retried later, as for an unreachable relay');
  assert.equal(sink.received.length, 0, 'nothing reached the address the name turned into');
  const errors = await h.app.db.query<{ id: string; last_error_sealed: string }>(
    "SELECT id, last_error_sealed FROM deliveries WHERE status = 'queued'",
  );
  assert.ok(errors.rows.length > 0);
  for (const e of errors.rows)
    assert.match(
      openDeliveryText(h.app, e.id, 'last_error', e.last_error_sealed, null) ?? '',
      /The SMTP relay: mail\.rebind\.example \(127\.0\.0\.1\) is a loopback address/,
    );
});

test('a relay the allow-list names by host name is used, at the address the name resolved to', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const h = await startHarness({
    config: { allowPrivateHosts: ['relay.corp.example'] },
    resolveHost: tableResolver({ 'relay.corp.example': ['127.0.0.1'] }),
  });
  t.after(() => h.close());
  const admin = await setupDesk(h, 'trusted-firmware');
  await generateTeamKeyFor(admin.ctx, {});
  const saved = await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
    as: admin,
    body: { host: 'relay.corp.example', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example' },
  });
  assert.equal(saved.status, 200, saved.body);
  await queueMail(h);
  const pass = await runDeliveryPass(h.app);
  assert.ok(pass.sent > 0 && pass.sent === pass.claimed, JSON.stringify(pass));
  assert.equal(sink.received.length, pass.sent);
});

test('an IMAP account on an internal address is refused at connect time, before any connection', async (t) => {
  const listener = await countingListener();
  t.after(() => listener.close());
  const h = await startHarness({ config: { allowPrivateHosts: [] }, resolveHost: tableResolver({ 'imap.rebind.example': ['127.0.0.1'] }) });
  t.after(() => h.close());
  for (const host of ['127.0.0.1', 'imap.rebind.example', 'localhost']) {
    await assert.rejects(
      pollImapOnce(h.app, { host, port: listener.port, tls: 'none', user: 'u', password: 'p', mailbox: 'INBOX', processedFolder: 'Done' }),
      (e: unknown) => e instanceof AddressRefusedError && /loopback/.test(e.message),
      host,
    );
  }
  assert.equal(listener.connections(), 0);
});

test('the CNA check connects to no internal host, and says what failed without repeating what a server answered', async (t) => {
  const SECRET = 'internal-secret-0f-another-service';
  const answers: { status: number; type: string; body: string }[] = [
    { status: 500, type: 'application/json', body: JSON.stringify({ error: 'INTERNAL', message: `db password ${SECRET}` }) },
    { status: 401, type: 'application/json', body: JSON.stringify({ error: 'UNAUTHORIZED', message: SECRET, details: { SECRET } }) },
    { status: 404, type: 'application/json', body: JSON.stringify({ error: `<b>${SECRET}</b>`, message: SECRET }) },
    { status: 200, type: 'text/html', body: `<h1>Admin panel</h1><p>${SECRET}</p>` },
    { status: 502, type: 'text/plain', body: `upstream said ${SECRET}` },
    { status: 200, type: 'application/json', body: JSON.stringify({ UUID: SECRET, short_name: SECRET }) },
    { status: 200, type: 'application/json', body: JSON.stringify({ UUID: randomUUID(), short_name: SECRET, name: SECRET }) },
    { status: 302, type: 'text/plain', body: SECRET },
  ];
  let requests = 0;
  const service = createHttpServer((_req, res) => {
    const a = answers[requests++ % answers.length]!;
    res.writeHead(a.status, { 'content-type': a.type, ...(a.status === 302 ? { location: `http://10.0.0.1/${SECRET}` } : {}) });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => service.close(() => resolve())));
  const port = (service.address() as AddressInfo).port;

  // Allow-listed (as an on-premise proxy would be): the desk connects, and repeats nothing of it.
  const h = await startHarness();
  t.after(() => h.close());
  const admin = await setupDesk(h, 'tock');
  const set = await api(h, 'PUT', '/api/cve/account', {
    as: admin,
    body: { url: `http://127.0.0.1:${port}/api`, shortName: 'TockOS', user: 'cna@tock.example', apiKey: 'k' },
  });
  assert.equal(set.status, 200, set.body);
  for (const expected of [
    /HTTP 500\)/,
    /HTTP 401 \(UNAUTHORIZED\)/,
    /HTTP 404\)/,
    /not JSON \(HTTP 200\)/,
    /HTTP 502, not JSON/,
    /unexpected shape \(HTTP 200\)/,
    /another organisation/,
    /redirect \(HTTP 302\)/,
  ]) {
    const check = await api(h, 'POST', '/api/cve/account/check', { as: admin });
    assert.equal(check.status, 502, check.body);
    assert.doesNotMatch(check.body, new RegExp(SECRET), check.body);
    assert.match(check.json.error.message, expected, JSON.stringify(check.json.error));
  }
  assert.equal(requests, answers.length);

  // Without the allow-list: a name that turns into this machine's address is refused before connecting.
  const before = requests;
  // The name answers publicly when the admin saves the account (as a rebinding name does), then this machine.
  let lookups = 0;
  const rebinding = () => (lookups++ === 0 ? [PUBLIC] : ['127.0.0.1']);
  const h2 = await startHarness({ config: { allowPrivateHosts: [] }, resolveHost: tableResolver({ 'cve.rebind.example': rebinding }) });
  t.after(() => h2.close());
  const admin2 = await setupDesk(h2, 'tock');
  const stored = await api(h2, 'PUT', '/api/cve/account', {
    as: admin2,
    body: { url: `https://cve.rebind.example:${port}/api`, shortName: 'TockOS', user: 'cna@tock.example', apiKey: 'k' },
  });
  assert.equal(stored.status, 200, stored.body);
  const refused = await api(h2, 'POST', '/api/cve/account/check', { as: admin2 });
  assert.equal(refused.status, 502, refused.body);
  assert.match(refused.json.error.message, /The CVE Services URL: cve\.rebind\.example \(127\.0\.0\.1\) is a loopback address/);
  assert.equal(requests, before, 'no request reached the internal service');
});
