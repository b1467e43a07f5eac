import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { ConfigError, loadConfig, passwordCost } from '../../src/config.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../src/crypto/password.ts';
import { signIn } from '../../src/app/auth/auth.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { LOOPBACK, setupDesk, startHarness } from '../support/harness.ts';

// The suite hashes passwords at a test-only cost (the harness sets testPasswordCostLog2) so tests that
// are not about passwords do not spend their time in scrypt. These tests are about passwords: they
// pin the production cost and show what the lower test cost changes and what it does not.

test('the production password cost is unchanged: scrypt N=2^17 by default, and no test cost unless one is set', async () => {
  const config = loadConfig({});
  assert.equal(config.passwordCostLog2, 17);
  assert.equal(config.testPasswordCostLog2, null);
  assert.equal(passwordCost(config), 17);
  assert.match(await hashPassword('correct horse battery staple', passwordCost(config)), /^scrypt\$17\$8\$1\$/);
  assert.equal(passwordCost(loadConfig({ EMBARGO_PASSWORD_COST_LOG2: '18' })), 18);
});

test('a test cost replaces the production cost, only below its floor; the floor of the production setting stays, and the config loads again from itself', () => {
  assert.equal(passwordCost(loadConfig({ EMBARGO_TEST_PASSWORD_COST_LOG2: '10' })), 10);
  const test = loadConfig({}, { passwordCostLog2: 14, testPasswordCostLog2: 10 });
  assert.equal(passwordCost(test), 10);
  // The value stays what was validated: a config built from another one (tests do) loads again.
  assert.deepEqual(loadConfig({}, { ...test }), test);
  for (const bad of ['14', '3', 'low']) {
    assert.throws(() => loadConfig({ EMBARGO_TEST_PASSWORD_COST_LOG2: bad }), ConfigError, `test cost ${bad}`);
  }
  assert.throws(() => loadConfig({ EMBARGO_PASSWORD_COST_LOG2: '13' }), ConfigError);
});

test('hashes made at the test cost verify, and so do hashes made at the production cost whatever the setting', async () => {
  const cheap = await hashPassword('correct horse battery staple', 10);
  assert.match(cheap, /^scrypt\$10\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse battery staple', cheap), true);
  assert.equal(await verifyPassword('correct horse battery stapl', cheap), false);
  const real = await hashPassword('correct horse battery staple', 17);
  assert.equal(await verifyPassword('correct horse battery staple', real), true);
});

test('the hash spent on an unknown account has the configured cost and never verifies', async () => {
  for (const log2N of [10, 17]) {
    const dummy = dummyPasswordHash(log2N);
    assert.match(dummy, new RegExp(`^scrypt\\$${log2N}\\$8\\$1\\$`));
    assert.equal(await verifyPassword('', dummy), false);
  }
});

test('signing in spends a scrypt of the configured cost whether or not the account exists', async (t) => {
  // Watch the N of every scrypt the sign-in computes (password.ts imports node:crypto's scrypt).
  const costs: number[] = [];
  const original = crypto.scrypt;
  t.mock.method(crypto, 'scrypt', (...args: Parameters<typeof crypto.scrypt>) => {
    costs.push((args[3] as crypto.ScryptOptions).N!);
    return (original as (...a: unknown[]) => void)(...args);
  });
  syncBuiltinESMExports();
  t.after(() => {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  });
  // The real cost path: no test cost, a production cost above the fixed 2^14 the dummy once had.
  const h = await startHarness({ config: { testPasswordCostLog2: null, passwordCostLog2: 15 } });
  try {
    const admin = await setupDesk(h, 'trusted-firmware');
    costs.length = 0;
    h.clock.advance(31_000);
    await signIn(h.app, { email: admin.email, password: admin.password, totp: totpCode(admin.totpSecret, h.clock.now) }, LOOPBACK);
    await assert.rejects(signIn(h.app, { email: 'nobody@example.org', password: admin.password, totp: '000000' }, LOOPBACK), /wrong/);
    assert.deepEqual(costs, [2 ** 15, 2 ** 15], 'known and unknown accounts cost the same');
  } finally {
    await h.close();
  }
});
