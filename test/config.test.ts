import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, deskUrl, loadConfig } from '../src/config.ts';

test('deskUrl: the configured public URL without its trailing slashes, else the address serve listens on', () => {
  const at = (env: Record<string, string>) => deskUrl(loadConfig({ EMBARGO_INSTANCE_KEY: 'x'.repeat(44), ...env }));
  assert.equal(at({ EMBARGO_PUBLIC_URL: 'https://desk.example.org/embargo//' }), 'https://desk.example.org/embargo');
  assert.equal(at({}), 'http://localhost:8080');
  assert.equal(at({ EMBARGO_HOST: '0.0.0.0', EMBARGO_PORT: '9000' }), 'http://localhost:9000');
  assert.equal(at({ EMBARGO_HOST: '::' }), 'http://localhost:8080');
  assert.equal(at({ EMBARGO_HOST: 'desk.internal' }), 'http://desk.internal:8080');
  assert.equal(at({ EMBARGO_HOST: 'fd00::5' }), 'http://[fd00::5]:8080');
  for (const host of ['localhost', 'desk.internal', 'fd00::5']) assert.ok(new URL(at({ EMBARGO_HOST: host })).hostname);
});

test('yes/no settings from the environment: "false" and "0" are off, "true" and "1" on, anything else refused', () => {
  const base = { EMBARGO_INSTANCE_KEY: 'x'.repeat(44) };
  assert.equal(loadConfig(base).trustProxy, false);
  assert.equal(loadConfig({ ...base, EMBARGO_TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ ...base, EMBARGO_TRUST_PROXY: '0' }).trustProxy, false);
  assert.equal(loadConfig({ ...base, EMBARGO_TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(loadConfig({ ...base, EMBARGO_TRUST_PROXY: '1' }).trustProxy, true);
  assert.throws(() => loadConfig({ ...base, EMBARGO_TRUST_PROXY: 'no' }), /trustProxy/);
});

test('servers given as internal addresses need the allow-list; its entries are checked, all problems at once', () => {
  const base = { EMBARGO_INSTANCE_KEY: 'x'.repeat(44) };
  assert.throws(
    () => loadConfig({ ...base, EMBARGO_SMTP_RELAY_HOST: '10.0.0.5', EMBARGO_IMAP_HOST: '0x7f.1' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.some((p) => /^smtpRelayHost: 10\.0\.0\.5 is a private address/.test(p)) &&
      e.problems.some((p) => /^imapHost: .*loopback/.test(p)),
  );
  const allowed = loadConfig({
    ...base,
    EMBARGO_SMTP_RELAY_HOST: '10.0.0.5',
    EMBARGO_ALLOW_PRIVATE_HOSTS: '10.0.0.0/24, relay.corp.example',
  });
  assert.deepEqual(allowed.allowPrivateHosts, ['10.0.0.0/24', 'relay.corp.example']);
  // A name is judged when the desk connects, not at start-up (no DNS while loading the config).
  assert.equal(loadConfig({ ...base, EMBARGO_SMTP_RELAY_HOST: 'relay.corp.example' }).smtpRelayHost, 'relay.corp.example');
  assert.throws(
    () => loadConfig({ ...base, EMBARGO_ALLOW_PRIVATE_HOSTS: '169.254.169.254,not a host!' }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 2 && /metadata/.test(e.problems.join('\n')),
  );
  assert.throws(
    () =>
      loadConfig(
        {},
        { instanceKey: 'x'.repeat(44), cveServices: { url: 'http://127.0.0.1:8443/api', shortName: 'tf', user: 'u', apiKey: 'k' } },
      ),
    /cveServices\.url: .*loopback/,
  );
});
