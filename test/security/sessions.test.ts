import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { totpCode } from '../../src/crypto/totp.ts';
import { secretHash } from '../../src/crypto/password.ts';
import { startHarness, setupDesk, addMember, api, auditActions, type Harness, type Member } from '../support/harness.ts';
import { webPlugin } from '../../src/web/index.ts';
import { webSession } from '../support/web-client.ts';

// Sessions (ASVS V3): a session ends after sessionIdleMinutes unused and sessionHours after sign-in;
// served over HTTPS its cookie carries the __Host- prefix; the sensitive actions need the password
// and code entered again within stepUpMinutes (step-up), in the API and in the pages.

let h: Harness;
let admin: Member;
const MIN = 60_000;

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  admin = await setupDesk(h, 'tock');
});
after(() => h.close());

const me = (s: { cookie: string }) => h.server.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } });

test('a session unused for sessionIdleMinutes (default 30) ends; using it keeps it alive', async () => {
  assert.equal(h.app.config.sessionIdleMinutes, 30);
  const s = await webSession(h, admin);
  for (let i = 0; i < 4; i++) {
    h.clock.advance(29 * MIN);
    assert.equal((await me(s)).statusCode, 200, `used after 29 minutes (${i + 1})`);
  }
  h.clock.advance(30 * MIN);
  const r = await me(s);
  assert.equal(r.statusCode, 401, r.body);
  assert.equal((r.json() as { error: { code: string } }).error.code, 'unauthenticated');
  const page = await h.server.inject({ method: 'GET', url: '/admin/people', headers: { cookie: s.cookie } });
  assert.equal(page.statusCode, 303);
  assert.match(String(page.headers.location), /^\/signin\?next=/);
  const left = await h.app.db.query('SELECT 1 FROM sessions WHERE token_hash = $1', [secretHash(s.cookie.split('=')[1]!)]);
  assert.equal(left.rows.length, 0, 'the idle session is deleted');
});

test('a session ends sessionHours (default 12) after sign-in however much it is used', async () => {
  assert.equal(h.app.config.sessionHours, 12);
  const s = await webSession(h, admin);
  for (let minutes = 20; minutes <= 11 * 60 + 40; minutes += 20) {
    h.clock.advance(20 * MIN);
    assert.equal((await me(s)).statusCode, 200, `after ${minutes} minutes`);
  }
  h.clock.advance(19 * MIN);
  assert.equal((await me(s)).statusCode, 200, 'at 11 h 59 min');
  h.clock.advance(1 * MIN);
  assert.equal((await me(s)).statusCode, 401, 'at 12 h');
});

test('served over plain HTTP the cookie is embargo_session; over HTTPS __Host-embargo_session (Secure, Path=/, no Domain)', async () => {
  const plain = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: admin.email, password: admin.password, totp: totpCode(admin.totpSecret, (h.clock.advance(31_000), h.clock.now)) },
  });
  assert.match(String(plain.headers['set-cookie']), /^embargo_session=ses_[^;]+; /);

  const https = await startHarness({ plugins: [webPlugin], config: { publicUrl: 'https://desk.example.org' } });
  try {
    const a = await setupDesk(https, 'tock');
    https.clock.advance(31_000);
    const r = await https.server.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: a.email, password: a.password, totp: totpCode(a.totpSecret, https.clock.now) },
    });
    assert.equal(r.statusCode, 200, r.body);
    const cookie = String(r.headers['set-cookie']);
    assert.match(cookie, /^__Host-embargo_session=ses_/);
    const attrs = cookie.split(';').map((x) => x.trim().toLowerCase());
    assert.ok(
      attrs.includes('secure') && attrs.includes('httponly') && attrs.includes('path=/') && attrs.includes('samesite=strict'),
      cookie,
    );
    assert.ok(!attrs.some((x) => x.startsWith('domain=')), cookie);
    const value = cookie.split(';')[0]!.split('=').slice(1).join('=');
    const ok = await https.server.inject({ method: 'GET', url: '/api/me', headers: { cookie: `__Host-embargo_session=${value}` } });
    assert.equal(ok.statusCode, 200);
    // The same token under the name without the prefix (a cookie any sibling host could set) is no session there.
    const shadow = await https.server.inject({ method: 'GET', url: '/api/me', headers: { cookie: `embargo_session=${value}` } });
    assert.equal(shadow.statusCode, 401);
  } finally {
    await https.close();
  }
});

const disable = (s: { cookie: string; csrf: string }, personId: string, disabled: boolean) =>
  h.server.inject({
    method: 'POST',
    url: `/api/people/${personId}/disabled`,
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    payload: { disabled },
  });

const reauth = (s: { cookie: string; csrf: string }, m: Member, password = m.password) => {
  h.clock.advance(31_000);
  return h.server.inject({
    method: 'POST',
    url: '/api/session/reauthentication',
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    payload: { password, totp: totpCode(m.totpSecret, h.clock.now) },
  });
};

test('step-up: disabling a person needs the password and code entered within stepUpMinutes (default 10)', async () => {
  assert.equal(h.app.config.stepUpMinutes, 10);
  const m = await addMember(h, admin, { name: 'Stan Stepup', email: 'stan@tock.example' });
  const s = await webSession(h, admin);
  // Fresh from sign-in: allowed.
  assert.equal((await disable(s, m.personId, true)).statusCode, 200);
  assert.equal((await disable(s, m.personId, false)).statusCode, 200);
  h.clock.advance(9 * MIN);
  assert.equal((await me(s)).statusCode, 200);
  h.clock.advance(2 * MIN);
  const refused = await disable(s, m.personId, true);
  assert.equal(refused.statusCode, 401, refused.body);
  const body = refused.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'reauthentication_required');
  assert.match(body.error.message, /disabling or enabling a person needs your password and authenticator code/);
  const row = await h.app.db.query<{ disabled: boolean }>('SELECT disabled FROM people WHERE id = $1', [m.personId]);
  assert.equal(row.rows[0]!.disabled, false, 'nothing changed');
  // The session itself still works for everything else.
  assert.equal((await me(s)).statusCode, 200);

  const wrong = await reauth(s, admin, 'not the password at all');
  assert.equal(wrong.statusCode, 401, wrong.body);
  assert.equal((await disable(s, m.personId, true)).statusCode, 401, 'a wrong password steps nothing up');
  const right = await reauth(s, admin);
  assert.equal(right.statusCode, 200, right.body);
  assert.equal((await disable(s, m.personId, true)).statusCode, 200);
  const actions = await auditActions(h, admin.personId);
  assert.ok(actions.includes('auth.reauthenticated'), actions.join(', '));
  const failed = await h.app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.sign_in_failed' AND subject_id = $1 AND data->>'reason' = 'password'`,
    [admin.personId],
  );
  assert.ok(failed.rows[0]!.n >= 1, 'the wrong password counts in the sign-in guard');
});

test('step-up covers resetting a person, API tokens, team members, mail servers and the CNA account; API tokens are not asked', async () => {
  const m = await addMember(h, admin, { name: 'Tess Tokens', email: 'tess@tock.example' });
  const s = await webSession(h, admin);
  h.clock.advance(11 * MIN);
  const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    h.server.inject({
      method,
      url,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const calls: [string, () => ReturnType<typeof send>][] = [
    ['reset', () => send('POST', `/api/people/${m.personId}/enrollment`)],
    ['token', () => send('POST', '/api/tokens', { name: 'stolen cookie' })],
    ['team member', () => send('POST', '/api/teams/tock-security/members', { email: 'tess@tock.example' })],
    ['relay', () => send('PUT', '/api/admin/mail-settings/smtp-relay', { host: 'relay.example.org', port: 587, tls: 'starttls' })],
    ['cna', () => send('DELETE', '/api/cve/account')],
    ['admin', () => send('POST', '/api/people', { name: 'New Admin', emails: ['na@tock.example'], timeZone: 'UTC', isAdmin: true })],
  ];
  for (const [what, call] of calls) {
    const r = await call();
    assert.equal(r.statusCode, 401, `${what}: ${r.body}`);
    assert.equal((r.json() as { error: { code: string } }).error.code, 'reauthentication_required', what);
  }
  const tokens = await h.app.db.query('SELECT 1 FROM api_tokens WHERE person_id = $1 AND name = $2', [admin.personId, 'stolen cookie']);
  assert.equal(tokens.rows.length, 0);
  // Adding a person who is not an admin is everyday work and needs no step-up.
  assert.equal((await send('POST', '/api/people', { name: 'Plain Person', emails: ['pp@tock.example'], timeZone: 'UTC' })).statusCode, 201);
  // An API token (made by a person who had just stepped up) is not asked.
  const viaToken = await api(h, 'POST', `/api/people/${m.personId}/disabled`, { as: admin, body: { disabled: true } });
  assert.equal(viaToken.status, 200, viaToken.body);
  // Step-up is for sessions: a token has nothing to step up.
  const tokenReauth = await api(h, 'POST', '/api/session/reauthentication', {
    as: admin,
    body: { password: admin.password, totp: '000000' },
  });
  assert.equal(tokenReauth.status, 400, tokenReauth.body);
});

test('step-up in the pages: the refused form comes back as a password and code form that does the action once confirmed', async () => {
  const m = await addMember(h, admin, { name: 'Paula Pages', email: 'paula@tock.example' });
  const s = await webSession(h, admin);
  h.clock.advance(11 * MIN);
  const post = (form: Record<string, string>) =>
    h.server.inject({
      method: 'POST',
      url: `/admin/people/${m.personId}/disabled`,
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: s.csrf, ...form }).toString(),
    });
  const asked = await post({ disabled: '1' });
  assert.equal(asked.statusCode, 401, asked.body);
  assert.match(asked.body, /Confirm it is you/);
  assert.match(asked.body, new RegExp(`<form method="post" action="/admin/people/${m.personId}/disabled"[^>]*id="step-up"`));
  assert.match(asked.body, /<input type="hidden" name="disabled" value="1">/);
  assert.match(asked.body, /name="_stepup_password" type="password"/);
  const row = async () => (await h.app.db.query<{ disabled: boolean }>('SELECT disabled FROM people WHERE id = $1', [m.personId])).rows[0]!;
  assert.equal((await row()).disabled, false);

  h.clock.advance(31_000);
  const wrong = await post({ disabled: '1', _stepup_password: 'wrong wrong wrong', _stepup_totp: totpCode(admin.totpSecret, h.clock.now) });
  assert.equal(wrong.statusCode, 401, wrong.body);
  assert.match(wrong.body, /The e-mail address, password or code is wrong/);
  assert.match(wrong.body, /<input type="hidden" name="disabled" value="1">/);
  assert.equal((await row()).disabled, false);

  h.clock.advance(31_000);
  const done = await post({ disabled: '1', _stepup_password: admin.password, _stepup_totp: totpCode(admin.totpSecret, h.clock.now) });
  assert.equal(done.statusCode, 200, done.body);
  assert.match(done.body, /They are disabled/);
  assert.equal((await row()).disabled, true);
});
