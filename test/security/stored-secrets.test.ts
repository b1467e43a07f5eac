import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, setupDesk, api, type Harness, type Member } from '../support/harness.ts';
import { imapAccountsForPoller, smtpRelay } from '../../src/app/delivery/settings.ts';

// Stored secrets (the SMTP relay and IMAP passwords, the CNA API key) are "never shown back". That
// promise is void if an admin may point the stored secret at another server without typing it again:
// the desk then hands the secret to that server itself (SMTP AUTH, IMAP LOGIN, the CVE-API-KEY
// header), or sends it in clear after a TLS downgrade. A secret kept from a blank form field is kept
// only for the same server reached the same way.

let h: Harness;
let admin: Member;
let capture: Server;
let captureUrl: string;
const seen: IncomingHttpHeaders[] = [];

before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'trusted-firmware');
  // A server on this machine standing for one an attacker controls: it records what it is sent.
  capture = createServer((req, res) => {
    seen.push(req.headers);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ short_name: 'TrustedFW', UUID: '00000000-0000-4000-8000-000000000000' }));
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/api`;
});
after(async () => {
  await h.close();
  await new Promise((resolve) => capture.close(resolve));
});

test('the CNA API key is not kept when the URL changes: it would be sent to the new server', async () => {
  const KEY = 'cna-secret-key-never-leaves-1';
  const set = await api(h, 'PUT', '/api/cve/account', {
    as: admin,
    body: { url: 'https://cveawg.mitre.org/api', shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: KEY },
  });
  assert.equal(set.status, 200, set.body);

  const moved = await api(h, 'PUT', '/api/cve/account', {
    as: admin,
    body: { url: captureUrl, shortName: 'TrustedFW', user: 'cna@tf.example' },
  });
  if (moved.status === 200) {
    await api(h, 'POST', '/api/cve/account/check', { as: admin, body: {} });
    assert.fail(`the stored key was kept for ${captureUrl}; the check sent it there: ${JSON.stringify(seen.map((s) => s['cve-api-key']))}`);
  }
  assert.equal(moved.status, 400, moved.body);
  assert.match(moved.json.error?.message ?? moved.body, /API key/i);
  assert.equal((await api(h, 'GET', '/api/cve/account', { as: admin })).json.url, 'https://cveawg.mitre.org/api', 'nothing changed');
  // The same URL with a blank key still keeps the key (the form's convenience stays where it is safe).
  assert.equal(
    (
      await api(h, 'PUT', '/api/cve/account', {
        as: admin,
        body: { url: 'https://cveawg.mitre.org/api', shortName: 'TrustedFW', user: 'cna2@tf.example' },
      })
    ).status,
    200,
  );
  // Moving with the key typed again is fine: whoever types it knows it.
  assert.equal(
    (
      await api(h, 'PUT', '/api/cve/account', {
        as: admin,
        body: { url: captureUrl, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: 'another-key' },
      })
    ).status,
    200,
  );
  assert.ok(!seen.some((s) => s['cve-api-key'] === KEY), 'the first key never reached the other server');
});

test('the SMTP relay password is not kept for another host, user or a weaker TLS mode', async () => {
  const base = { host: 'smtp.example.org', port: 587, tls: 'starttls', username: 'desk', bounceAddress: 'bounces@desk.example.org' };
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', { as: admin, body: { ...base, password: 'relay-secret-1' } })).status,
    200,
  );
  for (const change of [{ host: '127.0.0.1' }, { port: 2525 }, { tls: 'none' }, { username: 'someone-else' }]) {
    const r = await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', { as: admin, body: { ...base, ...change } });
    const relay = (await smtpRelay(h.app))!;
    assert.equal(
      r.status,
      400,
      `${JSON.stringify(change)} kept the password for ${relay.host}:${relay.port} (${relay.tls}, user ${relay.username}): ${r.body}`,
    );
    assert.deepEqual(
      { host: relay.host, port: relay.port, tls: relay.tls, username: relay.username, password: relay.password },
      { host: base.host, port: base.port, tls: base.tls, username: base.username, password: 'relay-secret-1' },
      'nothing changed',
    );
  }
  // Same server, blank password: kept. Another server with the password typed again: fine.
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', { as: admin, body: { ...base, bounceAddress: 'b2@desk.example.org' } }))
      .status,
    200,
  );
  assert.equal((await smtpRelay(h.app))!.password, 'relay-secret-1');
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
        as: admin,
        body: { ...base, host: 'smtp2.example.org', password: 'relay-secret-2' },
      })
    ).status,
    200,
  );
  assert.equal((await smtpRelay(h.app))!.password, 'relay-secret-2');
  // Removing the password (null) needs no retyping.
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
        as: admin,
        body: { ...base, host: 'smtp3.example.org', username: null, password: null },
      })
    ).status,
    200,
  );
  assert.equal((await smtpRelay(h.app))!.password, null);
});

test('an IMAP account password is not kept for another host, user or a weaker TLS mode', async () => {
  const base = { name: 'provider', host: 'imap.example.org', port: 993, tls: 'tls', username: 'security', folder: 'INBOX' };
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/imap-accounts', { as: admin, body: { ...base, password: 'imap-secret-1' } })).status,
    200,
  );
  for (const change of [{ host: '127.0.0.1' }, { port: 143 }, { tls: 'none' }, { username: 'other' }]) {
    const r = await api(h, 'PUT', '/api/admin/mail-settings/imap-accounts', { as: admin, body: { ...base, ...change } });
    const a = (await imapAccountsForPoller(h.app)).find((x) => x.name === 'provider')!;
    assert.equal(
      r.status,
      400,
      `${JSON.stringify(change)} kept the password for ${a.host}:${a.port} (${a.tls}, user ${a.username}): ${r.body}`,
    );
    assert.deepEqual(
      { host: a.host, port: a.port, tls: a.tls, username: a.username, password: a.password },
      { host: base.host, port: base.port, tls: base.tls, username: base.username, password: 'imap-secret-1' },
      'nothing changed',
    );
  }
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/imap-accounts', { as: admin, body: { ...base, folder: 'Security' } })).status,
    200,
  );
  assert.equal((await imapAccountsForPoller(h.app)).find((x) => x.name === 'provider')!.password, 'imap-secret-1');
});
