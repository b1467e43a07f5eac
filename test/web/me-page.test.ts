import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, type Member } from '../support/harness.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';

// "My calendar and access": a person manages their own availability, holiday region, days off and
// API tokens through plain forms that call the same use cases as the API.

let h: WebHarness;
let tom: Member;

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  tom = await addMember(h, admin, { name: 'Tom <b>Triager</b>', email: 'tom@tf.example', teams: ['security'] });
});
after(() => h.close());

async function session(m: Member) {
  h.clock.advance(31_000);
  const r = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: m.email, password: m.password, totp: totpCode(m.totpSecret, h.clock.now) },
  });
  return { cookie: String(r.headers['set-cookie']).split(';')[0]!, csrf: r.json().csrfToken as string };
}

const post = (url: string, form: Record<string, string>, cookie: string) =>
  h.server.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });

test('the /me page: region, days off, availability and tokens, with CSRF and escaping', async () => {
  assert.equal((await h.server.inject({ method: 'GET', url: '/me' })).statusCode, 303, 'signed out: to the sign-in page');
  const s = await session(tom);
  let page = await h.server.inject({ method: 'GET', url: '/me', headers: { cookie: s.cookie } });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Tom &lt;b&gt;Triager&lt;\/b&gt;/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);

  assert.equal((await post('/me/holiday-region', { region: 'GB-ENG' }, s.cookie)).statusCode, 403, 'no CSRF token');
  let r = await post('/me/holiday-region', { region: 'GB-ENG', _csrf: s.csrf }, s.cookie);
  assert.equal(r.statusCode, 303, r.body);
  r = await post('/me/holiday-region', { region: 'XX-NOPE', _csrf: s.csrf }, s.cookie);
  assert.equal(r.statusCode, 400);
  assert.match(r.body, /role="alert"/);
  r = await post('/me/days-off', { startsOn: '2026-12-28', endsOn: '2026-12-31', reason: 'holiday <script>', _csrf: s.csrf }, s.cookie);
  assert.equal(r.statusCode, 303, r.body);
  r = await post('/me/availability', { awayUntil: '2026-12-24T09:00:00+00:00', _csrf: s.csrf }, s.cookie);
  assert.equal(r.statusCode, 303, r.body);
  r = await post('/me/tokens', { name: 'laptop CLI', _csrf: s.csrf }, s.cookie);
  assert.equal(r.statusCode, 201, r.body);
  const token = /<code>(emb_[\w-]+)<\/code>/.exec(r.body)?.[1];
  assert.ok(token, 'the new token is shown once');
  assert.equal((await h.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);

  page = await h.server.inject({ method: 'GET', url: '/me', headers: { cookie: s.cookie } });
  assert.match(page.body, /value="GB-ENG"/);
  assert.match(page.body, /<time datetime="2026-12-25">Fri, 25 Dec 2026<\/time>: Christmas Day/);
  assert.match(
    page.body,
    /<time datetime="2026-12-28">Mon, 28 Dec 2026<\/time><\/td><td><time datetime="2026-12-31">Thu, 31 Dec 2026<\/time><\/td><td>holiday &lt;script&gt;/,
  );
  assert.match(page.body, /laptop CLI/);
  assert.doesNotMatch(page.body, new RegExp(token!), 'the token is not shown again');

  const people = await h.app.db.query<{ available: boolean; away_until: Date }>('SELECT available, away_until FROM people WHERE id = $1', [
    tom.personId,
  ]);
  assert.equal(people.rows[0]!.available, false);
  assert.equal(new Date(people.rows[0]!.away_until).toISOString(), '2026-12-24T09:00:00.000Z');

  const revoke = /laptop CLI<\/td>.*?action="\/me\/tokens\/([0-9a-f-]{36})\/revoke"/s.exec(page.body)![1]!;
  assert.equal((await post(`/me/tokens/${revoke}/revoke`, { _csrf: s.csrf }, s.cookie)).statusCode, 303);
  assert.equal(
    (await h.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode,
    401,
    'revoked',
  );
  const dayOff = /action="\/me\/days-off\/([0-9a-f-]{36})\/remove"/.exec(page.body)![1]!;
  assert.equal((await post(`/me/days-off/${dayOff}/remove`, { _csrf: s.csrf }, s.cookie)).statusCode, 303);
  page = await h.server.inject({ method: 'GET', url: '/me', headers: { cookie: s.cookie } });
  assert.doesNotMatch(page.body, /<td><time datetime="2026-12-28">/);
});
