import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { webPlugin } from '../../src/web/index.ts';
import { webSession } from '../support/web-client.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import type { AdminActivity } from '../../src/app/admin/activity.ts';

// Every admin action is visible to admins with the address it came from: /admin/activity and
// GET /api/admin/activity list the admin events of the audit log; a token used from a new address
// is listed with it. A reporter's address is never recorded.

let h: Harness;
let admin: Member;
let member: Member;

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  admin = await setupDesk(h, 'tock');
  member = await addMember(h, admin, { name: 'Mo Member', email: 'mo@tock.example', teams: ['tock-security'] });
});
after(() => h.close());

const from = (ip: string, m: Member | null, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
  h.server.inject({
    method,
    url,
    remoteAddress: ip,
    headers: m ? { authorization: `Bearer ${m.token}` } : {},
    ...(payload ? { payload } : {}),
  });

const activity = async () => {
  const r = await from('127.0.0.1', admin, 'GET', '/api/admin/activity');
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as AdminActivity[];
};

test('admin actions through the API and the pages are listed with who, what, when and the source address', async () => {
  const added = await from('203.0.113.7', admin, 'POST', '/api/people', {
    name: 'Pia Probe',
    emails: ['pia@tock.example'],
    timeZone: 'UTC',
  });
  assert.equal(added.statusCode, 201, added.body);
  const pia = (added.json() as { personId: string }).personId;
  assert.equal((await from('203.0.113.8', admin, 'POST', `/api/people/${pia}/disabled`, { disabled: true })).statusCode, 200);

  // Through a page, from yet another address.
  const s = await webSession(h, admin);
  const page = await h.server.inject({
    method: 'POST',
    url: `/admin/people/${pia}/disabled`,
    remoteAddress: '198.51.100.20',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: s.csrf, disabled: '0' }).toString(),
  });
  assert.equal(page.statusCode, 200, page.body);

  // The operator at the server's shell: no address.
  await addPerson(
    { app: h.app, principal: { kind: 'system', label: 'cli' } },
    { name: 'Cli Carl', emails: ['carl@tock.example'], timeZone: 'UTC' },
  );

  const events = await activity();
  const find = (action: string, subject: string) => events.find((e) => e.action === action && e.subject === subject);
  assert.equal(find('person.added', 'Pia Probe')?.ip, '203.0.113.7');
  assert.equal(find('person.added', 'Pia Probe')?.actor, 'Ada Admin');
  assert.equal(find('person.disabled', 'Pia Probe')?.ip, '203.0.113.8');
  assert.equal(find('person.enabled', 'Pia Probe')?.ip, '198.51.100.20');
  assert.equal(find('person.added', 'Cli Carl')?.ip, null);
  assert.equal(find('person.added', 'Cli Carl')?.actor, 'system (cli)');
  // Newest first.
  assert.ok(events.every((e, i) => i === 0 || events[i - 1]!.seq > e.seq));
  // Case work is not admin activity.
  assert.ok(!events.some((e) => e.action.startsWith('case.') || e.action.startsWith('triage.')));

  const html = (await h.server.inject({ method: 'GET', url: '/admin/activity', headers: { cookie: s.cookie } })).body;
  assert.match(html, /<td>Ada Admin<\/td>\s*<td>disabled a person<\/td>\s*<td>Pia Probe<\/td>\s*<td><code>203\.0\.113\.8<\/code><\/td>/);
  assert.match(
    html,
    /<td>system \(cli\)<\/td>\s*<td>added a person<\/td>\s*<td>Cli Carl<\/td>\s*<td><span class="muted">at the server<\/span><\/td>/,
  );
  assert.match(html, /href="\/admin\/activity" aria-current="page"/);
});

test('an API token used from a new address is listed with that address, once', async () => {
  assert.equal((await from('192.0.2.55', member, 'GET', '/api/me')).statusCode, 200);
  assert.equal((await from('192.0.2.55', member, 'GET', '/api/me')).statusCode, 200);
  const seen = (await activity()).filter((e) => e.action === 'auth.api_token_new_place' && e.ip === '192.0.2.55');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.actor, 'Mo Member');
  const html = (await h.server.inject({ method: 'GET', url: '/admin/activity', headers: { cookie: (await webSession(h, admin)).cookie } }))
    .body;
  assert.match(html, /API token used from a new address<\/td>\s*<td>Mo Member<\/td>\s*<td><code>192\.0\.2\.55<\/code>/);
});

test('only admins see the activity; a reporter’s address is never recorded', async () => {
  assert.equal((await from('127.0.0.1', member, 'GET', '/api/admin/activity')).statusCode, 403);
  const page = await h.server.inject({ method: 'GET', url: '/admin/activity', headers: { cookie: (await webSession(h, member)).cookie } });
  assert.equal(page.statusCode, 404);

  const sent = await from('203.0.113.99', null, 'POST', '/api/reports', sampleReport);
  assert.equal(sent.statusCode, 201, sent.body);
  const token = (sent.json() as { statusToken: string }).statusToken;
  assert.ok(token, sent.body);
  assert.equal((await from('203.0.113.99', null, 'POST', `/api/reporter/${token}/messages`, { body: 'One more detail.' })).statusCode, 201);
  const leaked = await h.app.db.query(`SELECT action FROM audit_events WHERE data::text LIKE '%203.0.113.99%'`);
  assert.deepEqual(leaked.rows, []);
});
