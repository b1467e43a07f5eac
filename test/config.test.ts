import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deskUrl, loadConfig } from '../src/config.ts';

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
