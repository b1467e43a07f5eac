import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, api } from '../support/harness.ts';
import { setSetupToken } from '../../src/http/routes/session.ts';
import { beginEnrollment } from '../../src/app/auth/auth.ts';

test('first run: the desk is created only with the setup token printed at start, and only once', async () => {
  const h = await startHarness();
  after(() => h.close());
  const instance = {
    name: 'Tock Security Team',
    profile: 'tock',
    timeZone: 'Europe/Berlin',
    admin: { name: 'Ada', email: 'ada@tock.example' },
  };
  // Before setup, nothing works that needs the desk.
  assert.equal(
    (await api(h, 'POST', '/api/reports', { body: { title: 'Early report', body: 'Reported before the desk exists.', reporter: {} } }))
      .status,
    409,
  );
  setSetupToken('the-printed-token');
  const wrong = await api(h, 'POST', '/api/setup', { body: { setupToken: 'guess', instance } });
  assert.equal(wrong.status, 403);
  const bad = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance: { ...instance, profile: 'nope' } } });
  assert.equal(bad.status, 404, bad.body);
  const ok = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance } });
  assert.equal(ok.status, 201, ok.body);
  const enrollment = await beginEnrollment(h.app, ok.json.enrollmentToken);
  assert.equal(enrollment.email, 'ada@tock.example');
  assert.match(enrollment.totpUri, /^otpauth:\/\/totp\/Embargo:ada%40tock\.example\?/);
  const again = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance } });
  assert.equal(again.status, 409);
});
