import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, api, type Harness, type Member } from '../support/harness.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { beginEnrollment } from '../../src/app/auth/auth.ts';
import { totpCode } from '../../src/crypto/totp.ts';

// Enrollment refuses passwords an attacker would guess early (twelve spaces, a common password, the
// person's own address), with the estimator's advice in the refusal, and accepts a strong one.

let h: Harness;
let admin: Member;

before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'tock');
});
after(() => h.close());

async function tryPassword(token: string, totpSecret: string, password: string) {
  h.clock.advance(31_000);
  return api(h, 'POST', `/api/enrollment/${token}`, { body: { password, totp: totpCode(totpSecret, h.clock.now) } });
}

test('weak passwords are refused with the estimator feedback; a strong one is accepted', async () => {
  const p = await addPerson(admin.ctx, { name: 'Rita Reset', emails: ['rita@tock.example'], timeZone: 'UTC' });
  const { totpSecret } = await beginEnrollment(h.app, p.enrollmentToken);
  for (const [password, advice] of [
    [' '.repeat(12), /Repeated characters/],
    ['password1234', /commonly used password/],
    ['rita@tock.example', /personal/],
  ] as const) {
    const r = await tryPassword(p.enrollmentToken, totpSecret, password);
    assert.equal(r.status, 400, `${JSON.stringify(password)}: ${r.body}`);
    assert.match(r.json.error.message, /too easy to guess/);
    assert.match(r.json.error.message, advice);
  }
  const ok = await tryPassword(p.enrollmentToken, totpSecret, 'a long and unusual passphrase 7');
  assert.equal(ok.status, 200, ok.body);
});

test('the least score is a setting (passwordMinScore)', async () => {
  const lax = await startHarness({ config: { passwordMinScore: 0 } });
  after(() => lax.close());
  const laxAdmin = await setupDesk(lax, 'tock');
  const p = await addPerson(laxAdmin.ctx, { name: 'Lax Larry', emails: ['larry@tock.example'], timeZone: 'UTC' });
  const { totpSecret } = await beginEnrollment(lax.app, p.enrollmentToken);
  lax.clock.advance(31_000);
  const r = await api(lax, 'POST', `/api/enrollment/${p.enrollmentToken}`, {
    body: { password: ' '.repeat(12), totp: totpCode(totpSecret, lax.clock.now) },
  });
  assert.equal(r.status, 200, r.body);
});
