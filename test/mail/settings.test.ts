import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, api, sampleReport, type Member } from '../support/harness.ts';
import { startGpg } from '../support/gpg.ts';
import { webSession } from '../support/web-client.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { applyMailConfig, aliasTeam, imapAccountsForPoller, smtpRelay } from '../../src/app/delivery/settings.ts';
import { loadConfig } from '../../src/config.ts';
import type { App } from '../../src/app/context.ts';

// Mail settings: aliases, SMTP relay and IMAP accounts through the admin API and the admin page;
// secrets go in and never come back out; the config file wins (read-only in the UI).

let h: WebHarness;
let admin: Member, alice: Member;

before(async () => {
  h = await startWebHarness();
  admin = await setupDesk(h, 'trusted-firmware');
  alice = await addMember(h, admin, { name: 'Alice', email: 'alice@tf.example', teams: ['security'] });
  assert.equal((await api(h, 'POST', '/api/projects', { as: admin, body: { slug: 'tf-a', name: 'TF-A' } })).status, 201);
});
after(() => h.close());

const session = (m: Member) => webSession(h, m);

test('admin API: relay, aliases, IMAP accounts; passwords sealed and never shown back; others refused', async () => {
  const relay = await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
    as: admin,
    body: {
      host: 'smtp.example.org',
      port: 587,
      tls: 'starttls',
      username: 'desk',
      password: 'relay-secret-1',
      bounceAddress: 'Bounces@Desk.example.org',
    },
  });
  assert.equal(relay.status, 200, relay.body);
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/aliases', {
        as: admin,
        body: { address: 'tf-a-security@desk.example.org', team: 'tf-a-security' },
      })
    ).status,
    200,
  );
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/imap-accounts', {
        as: admin,
        body: {
          name: 'provider',
          host: 'imap.example.org',
          port: 993,
          tls: 'tls',
          username: 'security',
          password: 'imap-secret-2',
          folder: 'INBOX',
        },
      })
    ).status,
    200,
  );

  const view = await api(h, 'GET', '/api/admin/mail-settings', { as: admin });
  assert.equal(view.status, 200);
  assert.ok(!view.body.includes('relay-secret-1') && !view.body.includes('imap-secret-2'), 'no secret in the answer');
  assert.equal(view.json.smtpRelay.hasPassword, true);
  assert.equal(view.json.smtpRelay.bounceAddress, 'bounces@desk.example.org');
  assert.ok(
    view.json.aliases.some(
      (a: any) => a.address === 'tf-a-security@desk.example.org' && a.team === 'tf-a-security' && a.source === 'admin',
    ),
  );
  assert.ok(view.json.aliases.some((a: any) => a.source === 'profile' && a.team === 'security'));
  const stored = await h.app.db.query<{ password_sealed: string }>('SELECT password_sealed FROM smtp_relay');
  assert.ok(!stored.rows[0]!.password_sealed.includes('relay-secret-1'), 'sealed at rest');
  assert.equal((await smtpRelay(h.app))!.password, 'relay-secret-1');
  assert.deepEqual(
    (await imapAccountsForPoller(h.app)).map((a) => [a.name, a.password]),
    [['provider', 'imap-secret-2']],
  );
  assert.equal((await aliasTeam(h.app.db, 'TF-A-Security@desk.example.org'))?.slug, 'tf-a-security');

  // A form left blank keeps the password for the same server; another server needs it typed again
  // (test/security/stored-secrets.test.ts).
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
        as: admin,
        body: { host: 'smtp.example.org', port: 587, tls: 'starttls', username: 'desk', bounceAddress: 'bounces@desk.example.org' },
      })
    ).status,
    200,
  );
  assert.equal((await smtpRelay(h.app))!.password, 'relay-secret-1');
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
        as: admin,
        body: {
          host: 'smtp2.example.org',
          port: 465,
          tls: 'tls',
          username: 'desk',
          password: 'relay-secret-1',
          bounceAddress: 'bounces@desk.example.org',
        },
      })
    ).status,
    200,
  );

  // Bad input is refused and changes nothing; a member is refused.
  for (const body of [
    { host: 'smtp.example.org', port: 99999, tls: 'starttls', bounceAddress: 'b@x.example' },
    { host: 'smtp.example.org\r\nRCPT TO:<x>', port: 25, tls: 'none', bounceAddress: 'b@x.example' },
    { host: 'smtp.example.org', port: 25, tls: 'sometimes', bounceAddress: 'b@x.example' },
    { host: 'smtp.example.org', port: 25, tls: 'none', bounceAddress: 'not an address' },
  ]) {
    assert.equal((await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', { as: admin, body })).status, 400, JSON.stringify(body));
  }
  assert.equal((await smtpRelay(h.app))!.host, 'smtp2.example.org');
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/aliases', { as: admin, body: { address: 'alice@tf.example', team: 'security' } }))
      .status,
    409,
    "a person's address is no alias",
  );
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/aliases', { as: admin, body: { address: 'x@desk.example.org', team: 'nope' } })).status,
    400,
  );
  assert.equal(
    (
      await api(h, 'PUT', '/api/admin/mail-settings/imap-accounts', {
        as: admin,
        body: { name: 'new', host: 'h.example', port: 993, tls: 'tls', username: 'u' },
      })
    ).status,
    400,
    'a new account needs its password',
  );
  assert.equal((await api(h, 'GET', '/api/admin/mail-settings', { as: alice })).status, 403);
  assert.equal(
    (await api(h, 'PUT', '/api/admin/mail-settings/aliases', { as: alice, body: { address: 'y@desk.example.org', team: 'security' } }))
      .status,
    403,
  );
});

test('the admin page shows the settings without secrets; its forms save through the same use cases', async () => {
  const s = await session(admin);
  const page = await h.server.inject({ method: 'GET', url: '/admin/mail', headers: { cookie: s.cookie } });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /No team key yet/);
  assert.match(page.body, /smtp2\.example\.org/);
  assert.ok(!page.body.includes('relay-secret-1') && !page.body.includes('imap-secret-2'));
  assert.match(page.body, /alice@tf\.example/); // the members' key table
  const gen = await h.server.inject({
    method: 'POST',
    url: '/admin/mail/team-key/generate',
    payload: new URLSearchParams({ _csrf: s.csrf, algorithm: 'curve25519' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
  });
  assert.equal(gen.statusCode, 303);
  const after = await h.server.inject({ method: 'GET', url: '/admin/mail?done=key', headers: { cookie: s.cookie } });
  assert.match(after.body, /Active: <code>[0-9A-F]{40}<\/code>/);
  const noCsrf = await h.server.inject({
    method: 'POST',
    url: '/admin/mail/aliases',
    payload: new URLSearchParams({ address: 'z@desk.example.org', team: 'security' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
  });
  assert.equal(noCsrf.statusCode, 403);
  assert.equal(await aliasTeam(h.app.db, 'z@desk.example.org'), null);
  const a = await session(alice);
  assert.equal((await h.server.inject({ method: 'GET', url: '/admin/mail', headers: { cookie: a.cookie } })).statusCode, 404);
  // The central team sees the failed-delivery list; the page has a resend form per row.
  assert.equal((await h.server.inject({ method: 'GET', url: '/admin/deliveries', headers: { cookie: a.cookie } })).statusCode, 200);
});

test('the config file wins: its relay, aliases and IMAP account are written at start and read-only in the UI', async () => {
  const config = loadConfig(
    {},
    {
      ...h.app.config,
      instanceKeyFile: null,
      smtpRelayHost: 'relay.internal',
      smtpRelayPort: 25,
      smtpRelayTls: 'none',
      mailBounceAddress: 'bounces@tf.example',
      mailAliasTeams: { 'security-ext@tf.example': 'security' },
      imapHost: 'imap.internal',
      imapUser: 'sec',
      imapPassword: 'from-config',
    },
  );
  const app: App = { ...h.app, config };
  await applyMailConfig(app);
  const relay = (await smtpRelay(app))!;
  assert.deepEqual([relay.host, relay.port, relay.tls, relay.source], ['relay.internal', 25, 'none', 'config']);
  assert.equal((await aliasTeam(app.db, 'security-ext@tf.example'))?.slug, 'security');
  const edit = await api(h, 'PUT', '/api/admin/mail-settings/smtp-relay', {
    as: admin,
    body: { host: 'other.example', port: 25, tls: 'none', bounceAddress: 'b@tf.example' },
  });
  assert.equal(edit.status, 409);
  assert.match(edit.json.error.message, /config file/);
  assert.equal((await api(h, 'DELETE', '/api/admin/mail-settings/aliases/security-ext@tf.example', { as: admin })).status, 409);
  assert.equal((await api(h, 'DELETE', '/api/admin/mail-settings/imap-accounts/config', { as: admin })).status, 409);
  assert.ok((await imapAccountsForPoller(app)).some((a) => a.name === 'config' && a.password === 'from-config'));

  // A later start without those settings hands them back to the UI instead of dropping them.
  await applyMailConfig({ ...h.app });
  assert.equal((await smtpRelay(h.app))!.source, 'admin');
  assert.equal((await api(h, 'DELETE', '/api/admin/mail-settings/aliases/security-ext@tf.example', { as: admin })).status, 200);
});

test('/me: a member uploads their key through the form; the case reply form says before sending what happens to the mail', async () => {
  const gpg = await startGpg();
  try {
    const key = await gpg.generateKey('Alice <alice@tf.example>');
    h.clock.set(new Date(Math.max(Date.now(), h.clock.now.getTime())).toISOString());
    const s = await session(alice);
    let me = await h.server.inject({ method: 'GET', url: '/me', headers: { cookie: s.cookie } });
    assert.match(me.body, /No key yet/);
    const form = (armored: string) =>
      h.server.inject({
        method: 'POST',
        url: '/me/keys',
        payload: new URLSearchParams({ _csrf: s.csrf, armored }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
      });
    const bad = await form(key.secretArmored);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /private key/);
    assert.equal((await form(key.publicArmored)).statusCode, 303);
    me = await h.server.inject({ method: 'GET', url: '/me?done=key-uploaded', headers: { cookie: s.cookie } });
    assert.ok(me.body.includes(key.fingerprint));
    assert.match(me.body, /mail to you is encrypted to it/);

    const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
    const casePage = await h.server.inject({ method: 'GET', url: `/cases/${reportId}`, headers: { cookie: s.cookie } });
    assert.equal(casePage.statusCode, 200);
    assert.match(
      casePage.body,
      /id="reply-mail-note">Not mailed: no confirmed OpenPGP key is on file for the reporter and the process profile refuses mail in clear/,
    );
  } finally {
    await gpg.close();
  }
});
