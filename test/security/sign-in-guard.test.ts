import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, api, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { webPlugin } from '../../src/web/index.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { placeOf } from '../../src/domain/sign-in-guard.ts';

// Brute force against the two sign-in doors (the JSON API and the web form): failures are counted on
// the account whatever address they come from, each next attempt waits longer, and at the threshold
// the account locks until the one-time link mailed to the person (or an admin) lifts it. An address
// the desk does not know gets the very same answers. Every attempt is in the audit log with the
// address it came from. Defaults: 3 free failures, then 5 s doubling, lock at 10.

let h: Harness;
let admin: Member;

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  admin = await setupDesk(h, 'tock');
});
after(() => h.close());

// Every attempt from another address: the per-address rate limit never applies, the guard still does.
let n = 0;
const nextIp = () => `203.0.113.${(n++ % 250) + 1}`;

const code = (m: Member) => totpCode(m.totpSecret, h.clock.now);

async function apiSignIn(email: string, password: string, totp: string, ip = nextIp()) {
  const r = await h.server.inject({ method: 'POST', url: '/api/session', remoteAddress: ip, payload: { email, password, totp } });
  return {
    status: r.statusCode,
    body: r.body,
    cookie: String(r.headers['set-cookie']).split(';')[0]!,
    json: r.json() as { error?: { code: string; message: string }; csrfToken?: string },
  };
}

/** The web form, as a browser sends it: the page first (its double-submit value and cookie), then the post. */
async function webSignIn(email: string, password: string, totp: string, ip = nextIp()) {
  const page = await h.server.inject({ method: 'GET', url: '/signin', remoteAddress: ip });
  const pre = /name="_signin" value="([^"]+)"/.exec(page.body)![1]!;
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const r = await h.server.inject({
    method: 'POST',
    url: '/signin',
    remoteAddress: ip,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _signin: pre, next: '/', email, password, totp }).toString(),
  });
  return { status: r.statusCode, body: r.body, location: r.headers.location ?? null };
}

/** The account mail of a template (tied to no case), newest last, opened. */
async function accountMail(templateId: string, to: string) {
  const r = await h.app.db.query<{ id: string; envelope_sealed: string }>(
    'SELECT id, envelope_sealed FROM outbox WHERE report_id IS NULL AND template_id = $1 ORDER BY seq',
    [templateId],
  );
  return r.rows
    .map((row) => h.app.sealer.openJson<{ to: string[]; subject: string; body: string }>(row.envelope_sealed, `outbox.envelope:${row.id}`))
    .filter((e) => e.to.includes(to));
}

const unlockTokenOf = (body: string) => /\/unlock\/(unl_[\w-]+)/.exec(body)![1]!;

async function auditOf(personId: string, action: string) {
  const r = await h.app.db.query<{ data: Record<string, unknown> }>(
    'SELECT data FROM audit_events WHERE subject_id = $1 AND action = $2 ORDER BY seq',
    [personId, action],
  );
  return r.rows.map((x) => x.data);
}

test('API door: failed passwords and codes back off, then lock, even for the right credentials; the mailed link unlocks once', async () => {
  const m = await addMember(h, admin, { name: 'Petra Password', email: 'petra@tock.example', timeZone: 'Asia/Kolkata' });
  // Three free failures: a wrong password twice, the right password with a wrong code once.
  assert.equal((await apiSignIn(m.email, 'wrong password one', '000000')).status, 401);
  assert.equal((await apiSignIn(m.email, 'wrong password two', '000000')).status, 401);
  assert.equal((await apiSignIn(m.email, m.password, '000000')).status, 401);
  // The fourth failure starts the delay; the next attempt within it is refused without being checked,
  // even with the right password and code.
  assert.equal((await apiSignIn(m.email, m.password, '111111')).status, 401);
  const held = await apiSignIn(m.email, m.password, code(m));
  assert.equal(held.status, 429, held.body);
  assert.equal(held.json.error?.code, 'rate_limited');
  assert.match(held.json.error!.message, /wait 5 seconds/);
  // Each further failure doubles the delay: 5, 10, 20, 40, 80 s ...
  for (const wait of [5, 10, 20, 40, 80]) {
    h.clock.advance(wait * 1000 - 1000);
    assert.equal((await apiSignIn(m.email, 'still guessing', '000000')).status, 429, `still waiting before ${wait} s`);
    h.clock.advance(1000);
    const r = await apiSignIn(m.email, 'still guessing', '000000');
    assert.equal(r.status, 401, r.body);
  }
  // Failure 10 locks the account; from then on nothing is checked, however long one waits.
  h.clock.advance(160_000);
  const locking = await apiSignIn(m.email, 'last guess', '000000');
  assert.equal(locking.status, 403, locking.body);
  assert.match(locking.json.error!.message, /locked/);
  h.clock.advance(6 * 3600_000);
  const right = await apiSignIn(m.email, m.password, code(m));
  assert.equal(right.status, 403, 'the right password and code are refused while the account is locked');

  // The unlock link went to the person through the outbox, once (not once per refused attempt).
  const mails = await accountMail('auth.unlock', m.email);
  assert.equal(mails.length, 1);
  assert.match(mails[0]!.body, /10 failed sign-ins/);
  // Instants in words and in the person's own zone, not the machine's ISO form.
  assert.match(mails[0]!.body, /came from [\d.]+ at \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d GMT\+5:30\./);
  assert.match(mails[0]!.body, /it works once, until \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d GMT\+5:30\)/);
  assert.doesNotMatch(mails[0]!.body, /\d{4}-\d\d-\d\dT/);
  const token = unlockTokenOf(mails[0]!.body);
  // Opening the link changes nothing (mail scanners open links); the button does, once.
  const page = await h.server.inject({ method: 'GET', url: `/unlock/${token}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, new RegExp(`action="/unlock/${token}"`));
  assert.equal((await apiSignIn(m.email, m.password, code(m))).status, 403, 'still locked after merely opening the link');
  const unlock = await h.server.inject({ method: 'POST', url: `/unlock/${token}`, remoteAddress: '198.51.100.20' });
  assert.equal(unlock.statusCode, 303, unlock.body);
  assert.equal(unlock.headers.location, '/signin?unlocked=1');
  const again = await h.server.inject({ method: 'POST', url: `/unlock/${token}` });
  assert.equal(again.statusCode, 404);
  assert.match(again.body, /unknown, used or expired/);
  assert.equal((await api(h, 'POST', `/api/unlock/${token}`)).status, 404, 'used through the API door neither');

  h.clock.advance(31_000);
  const ok = await apiSignIn(m.email, m.password, code(m));
  assert.equal(ok.status, 200, ok.body);
  const unlocked = await auditOf(m.personId, 'auth.unlocked');
  assert.deepEqual(
    unlocked.map((d) => [d.via, d.ip]),
    [['link', '198.51.100.20']],
  );
});

test('web door: the form backs off and locks the same way, and an admin lifts the lock', async () => {
  const m = await addMember(h, admin, { name: 'Walt Webform', email: 'walt@tock.example' });
  for (let i = 0; i < 4; i++) {
    const r = await webSignIn(m.email, `wrong ${i}`, '000000');
    assert.equal(r.status, 401, r.body);
    assert.match(r.body, /password or code is wrong/);
  }
  const held = await webSignIn(m.email, m.password, code(m));
  assert.equal(held.status, 429);
  assert.match(held.body, /Too many failed sign-ins with this e-mail address/);
  assert.equal(held.location, null, 'no session, no redirect');
  for (const wait of [5, 10, 20, 40, 80, 160]) {
    h.clock.advance(wait * 1000);
    await webSignIn(m.email, 'guess', '000000');
  }
  const locked = await webSignIn(m.email, m.password, code(m));
  assert.equal(locked.status, 403);
  assert.match(locked.body, /locked after too many failed attempts/);

  // The admin sees the lock on the sign-ins page and lifts it there.
  const s = await adminSession();
  const board = await h.server.inject({ method: 'GET', url: '/admin/sign-ins', headers: { cookie: s.cookie } });
  assert.equal(board.statusCode, 200);
  assert.match(board.body, /Walt Webform[\s\S]*?<strong>locked<\/strong>/);
  const lift = await h.server.inject({
    method: 'POST',
    url: `/admin/people/${m.personId}/sign-in-lock`,
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: s.csrf }).toString(),
  });
  assert.equal(lift.statusCode, 303, lift.body);
  h.clock.advance(31_000);
  const ok = await webSignIn(m.email, m.password, code(m));
  assert.equal(ok.status, 303, ok.body);
  assert.equal(ok.location, '/');
  assert.deepEqual(
    (await auditOf(m.personId, 'auth.unlocked')).map((d) => d.via),
    ['admin'],
  );
});

async function adminSession() {
  h.clock.advance(31_000);
  const r = await apiSignIn(admin.email, admin.password, code(admin), '127.0.0.1');
  assert.equal(r.status, 200, r.body);
  return { cookie: r.cookie, csrf: r.json.csrfToken! };
}

test('an unknown address gets exactly the answers a known one gets, step by step up to the lock', async () => {
  const m = await addMember(h, admin, { name: 'Kim Known', email: 'kim@tock.example' });
  const unknown = 'kim@elsewhere.example';
  const steps: number[] = [0, 0, 0, 0, 0, 4000, 1000, 10_000, 20_000, 40_000, 80_000, 160_000, 0, 3600_000];
  for (const [i, advance] of steps.entries()) {
    h.clock.advance(advance);
    const known = await apiSignIn(m.email, 'a wrong guess', '123456');
    const stranger = await apiSignIn(unknown, 'a wrong guess', '123456');
    assert.equal(stranger.status, known.status, `step ${i}`);
    assert.equal(stranger.body, known.body, `step ${i}`);
    const webKnown = await webSignIn(m.email, 'a wrong guess', '123456');
    const webStranger = await webSignIn(unknown, 'a wrong guess', '123456');
    assert.equal(webStranger.status, webKnown.status, `web step ${i}`);
    const form = (b: string) =>
      b
        .replace(/name="_signin" value="[^"]+"/, '')
        .replace(/value="[^"]*@[^"]*"/, '')
        .replace(/(for|id)="(\w+)-\d+"/g, '$1="$2"');
    assert.equal(form(webStranger.body), form(webKnown.body), `web step ${i}`);
  }
  // Both ended locked: the same sentence, and only the real person was mailed.
  const last = await apiSignIn(unknown, 'a wrong guess', '123456');
  assert.equal(last.status, 403);
  assert.equal((await accountMail('auth.unlock', m.email)).length, 1);
  assert.equal((await accountMail('auth.unlock', unknown)).length, 0);
});

test('failed attempts are in the audit log with their address and reason, on the admin page and in the API', async () => {
  const m = await addMember(h, admin, { name: 'Audrey Audit', email: 'audrey@tock.example' });
  await apiSignIn(m.email, 'not her password', '000000', '192.0.2.10');
  await apiSignIn(m.email, m.password, '000000', '192.0.2.11');
  await apiSignIn('nobody@tock.example', 'whatever it is', '000000', '192.0.2.12');
  const failed = await auditOf(m.personId, 'auth.sign_in_failed');
  assert.deepEqual(
    failed.map((d) => [d.ip, d.reason]),
    [
      ['192.0.2.10', 'password'],
      ['192.0.2.11', 'code'],
    ],
  );
  const stranger = await auditOf('unknown-address', 'auth.sign_in_failed');
  assert.equal(stranger.at(-1)?.ip, '192.0.2.12');
  assert.equal(stranger.at(-1)?.reason, 'unknown_address');
  assert.ok(!JSON.stringify(stranger).includes('nobody@tock.example'), 'the address a stranger typed is not kept');

  const list = await api(h, 'GET', '/api/sign-ins', { as: admin });
  assert.equal(list.status, 200, list.body);
  const events = list.json.events as { action: string; personId: string | null; ip: string; reason: string }[];
  assert.ok(
    events.some((e) => e.action === 'auth.sign_in_failed' && e.personId === m.personId && e.ip === '192.0.2.11' && e.reason === 'code'),
  );
  assert.ok(events.some((e) => e.action === 'auth.sign_in_failed' && e.personId === null && e.ip === '192.0.2.12'));
  assert.ok(events.some((e) => e.action === 'auth.sign_in' && e.personId === admin.personId));
  const guarded = list.json.guarded as { personId: string; failures: number; lockedAt: string | null }[];
  assert.equal(guarded.find((g) => g.personId === m.personId)?.failures, 2);
  assert.equal((await api(h, 'GET', '/api/sign-ins', { as: m })).status, 403, 'admins only');

  const s = await adminSession();
  const board = await h.server.inject({ method: 'GET', url: '/admin/sign-ins', headers: { cookie: s.cookie } });
  assert.match(board.body, /Audrey Audit[\s\S]*?right password, wrong code[\s\S]*?192\.0\.2\.11/);

  // Through the API door an admin lifts the count too.
  const cleared = await api(h, 'DELETE', `/api/people/${m.personId}/sign-in-lock`, { as: admin });
  assert.equal(cleared.status, 200, cleared.body);
  assert.equal(cleared.json.cleared, 1);
});

test('a sign-in from a new place queues a notice to the person; a known place does not', async () => {
  const m = await addMember(h, admin, { name: 'Nadia Newplace', email: 'nadia@tock.example', timeZone: 'America/New_York' });
  assert.equal((await accountMail('auth.new_place', m.email)).length, 0, 'enrolling and signing in at one place is no news');
  h.clock.advance(31_000);
  assert.equal((await apiSignIn(m.email, m.password, code(m), '198.51.100.77')).status, 200);
  const notices = await accountMail('auth.new_place', m.email);
  assert.equal(notices.length, 1);
  assert.match(notices[0]!.body, /address 198\.51\.100\.77, at \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d GMT-[45]\n/);
  h.clock.advance(31_000);
  assert.equal((await apiSignIn(m.email, m.password, code(m), '198.51.100.77')).status, 200);
  h.clock.advance(31_000);
  assert.equal((await apiSignIn(m.email, m.password, code(m), '127.0.0.1')).status, 200);
  assert.equal((await accountMail('auth.new_place', m.email)).length, 1, 'places signed in from before are no news');
  const signIns = await auditOf(m.personId, 'auth.sign_in');
  assert.deepEqual(
    signIns.slice(-3).map((d) => [d.ip, d.newPlace]),
    [
      ['198.51.100.77', true],
      ['198.51.100.77', false],
      ['127.0.0.1', false],
    ],
  );
});

test('an API token used from a new address is audited once per address', async () => {
  const m = await addMember(h, admin, { name: 'Toby Token', email: 'toby@tock.example' });
  const use = (ip: string) =>
    h.server.inject({ method: 'GET', url: '/api/me', remoteAddress: ip, headers: { authorization: `Bearer ${m.token}` } });
  assert.equal((await use('192.0.2.200')).statusCode, 200);
  assert.equal((await use('192.0.2.200')).statusCode, 200);
  assert.equal((await use('2001:db8:1:2::99')).statusCode, 200);
  assert.equal((await use('2001:db8:1:2:aaaa::1')).statusCode, 200, 'the same IPv6 /64');
  const events = await auditOf(m.personId, 'auth.api_token_new_place');
  assert.deepEqual(
    events.map((d) => d.ip),
    ['192.0.2.200', '2001:db8:1:2::99'],
  );
});

test('guessing from elsewhere does not lock the person out where they signed in before', async () => {
  const m = await addMember(h, admin, { name: 'Olga Office', email: 'olga@tock.example' });
  for (const wait of [0, 0, 0, 0, 5, 10, 20, 40, 80, 160]) {
    h.clock.advance(wait * 1000);
    await apiSignIn(m.email, 'guess', '000000');
  }
  assert.equal((await apiSignIn(m.email, m.password, code(m))).status, 403, 'locked for new places');
  h.clock.advance(31_000);
  const atWork = await apiSignIn(m.email, m.password, code(m), '127.0.0.1');
  assert.equal(atWork.status, 200, atWork.body);
  assert.equal((await apiSignIn(m.email, m.password, code(m))).status, 403, 'the lock on the guessing stays');
});

test('parallel attempts cannot slip through one delay: one is checked, the rest refused', async () => {
  const m = await addMember(h, admin, { name: 'Paula Parallel', email: 'paula@tock.example' });
  for (let i = 0; i < 3; i++) await apiSignIn(m.email, 'guess', '000000');
  const burst = await Promise.all(Array.from({ length: 6 }, () => apiSignIn(m.email, 'guess', '000000')));
  assert.deepEqual(burst.map((r) => r.status).sort(), [401, 429, 429, 429, 429, 429]);
});

test('the place of an address: IPv4 as it is, IPv6 by its /64', () => {
  assert.equal(placeOf('192.0.2.1'), '192.0.2.1');
  assert.equal(placeOf('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(placeOf('2001:DB8:0:1::5'), '2001:db8:0:1::/64');
  assert.equal(placeOf('2001:db8:0:1:ffff:ffff:ffff:ffff'), '2001:db8:0:1::/64');
  assert.equal(placeOf('::1'), '0:0:0:0::/64');
  assert.equal(placeOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  for (const junk of ['', 'localhost', '999.1.1.1', '1::2::3', '12345::1', null]) assert.equal(placeOf(junk), 'unknown');
});
