import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, auditActions, type Harness, type Member } from '../support/harness.ts';
import { webPlugin } from '../../src/web/index.ts';
import { webSession } from '../support/web-client.ts';

// What an admin does when a password may be in other hands (a reset) or someone leaves the team
// (disabling) must end every way in that person had: the web session and the API tokens alike.

let h: Harness;
let admin: Member;

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  admin = await setupDesk(h, 'tock');
});
after(() => h.close());

const sessionWorks = async (s: { cookie: string }) =>
  (await h.server.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } })).statusCode === 200;
const tokenWorks = async (m: Member) => (await api(h, 'GET', '/api/me', { as: m })).status === 200;

test('an account reset ends the sessions and revokes the API tokens', async () => {
  const m = await addMember(h, admin, { name: 'Rita Reset', email: 'rita@tock.example' });
  const s = await webSession(h, m);
  assert.ok(await tokenWorks(m));
  assert.ok(await sessionWorks(s));
  const r = await api(h, 'POST', `/api/people/${m.personId}/enrollment`, { as: admin });
  assert.equal(r.status, 200, r.body);
  assert.equal(await tokenWorks(m), false, 'the API token made with the old credentials is revoked');
  assert.equal(await sessionWorks(s), false);
  const tokens = await h.app.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE person_id = $1', [m.personId]);
  assert.ok(tokens.rows.every((t) => t.revoked_at !== null));
  assert.ok((await auditActions(h, m.personId)).includes('person.enrollment_reissued'));
});

test('disabling a person stops their session and token at once; enabling gives back sign-in only', async () => {
  const m = await addMember(h, admin, { name: 'Lea Leaving', email: 'lea@tock.example' });
  const s = await webSession(h, m);
  assert.ok(await tokenWorks(m));
  const r = await api(h, 'POST', `/api/people/${m.personId}/disabled`, { as: admin, body: { disabled: true } });
  assert.equal(r.status, 200, r.body);
  assert.equal(await tokenWorks(m), false);
  assert.equal(await sessionWorks(s), false);
  // Signing in again is refused like any wrong credentials.
  await assert.rejects(webSession(h, m));
  const people = (await api(h, 'GET', '/api/people', { as: admin })).json as { id: string; disabled: boolean }[];
  assert.equal(people.find((p) => p.id === m.personId)?.disabled, true);

  const back = await api(h, 'POST', `/api/people/${m.personId}/disabled`, { as: admin, body: { disabled: false } });
  assert.equal(back.status, 200, back.body);
  assert.equal(await tokenWorks(m), false, 'the revoked token stays revoked');
  assert.ok(await sessionWorks(await webSession(h, m)), 'they can sign in again');
  const actions = await auditActions(h, m.personId);
  assert.ok(actions.includes('person.disabled') && actions.includes('person.enabled'), actions.join(', '));
});

test('only an admin may disable, and an admin cannot disable themselves', async () => {
  const m = await addMember(h, admin, { name: 'Nora Nonadmin', email: 'nora@tock.example' });
  const r = await api(h, 'POST', `/api/people/${admin.personId}/disabled`, { as: m, body: { disabled: true } });
  assert.equal(r.status, 403, r.body);
  const self = await api(h, 'POST', `/api/people/${admin.personId}/disabled`, { as: admin, body: { disabled: true } });
  assert.equal(self.status, 409, self.body);
  assert.ok(await tokenWorks(admin));
  const bad = await api(h, 'POST', `/api/people/${m.personId}/disabled`, { as: admin, body: { disabled: 'yes' } });
  assert.equal(bad.status, 400, bad.body);
});

test('the admin people page disables and enables through its button', async () => {
  const m = await addMember(h, admin, { name: 'Web Walter', email: 'walter@tock.example' });
  const s = await webSession(h, admin);
  const post = (disabled: string) =>
    h.server.inject({
      method: 'POST',
      url: `/admin/people/${m.personId}/disabled`,
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: s.csrf, disabled }).toString(),
    });
  const page = await h.server.inject({ method: 'GET', url: '/admin/people', headers: { cookie: s.cookie } });
  assert.match(page.body, new RegExp(`action="/admin/people/${m.personId}/disabled"[^]*?value="1"[^]*?>Disable<`));
  const off = await post('1');
  assert.equal(off.statusCode, 200, off.body);
  assert.match(off.body, /They are disabled/);
  assert.equal(await tokenWorks(m), false);
  const on = await post('0');
  assert.equal(on.statusCode, 200, on.body);
  assert.match(on.body, /enabled again/);
});
