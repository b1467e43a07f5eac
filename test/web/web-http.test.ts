import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, sampleReport, type Member } from '../support/harness.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { setSetupToken } from '../../src/http/routes/session.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';

// The web pages over in-process HTTP (no browser): access rules, CSRF, headers, escaping, errors.

let h: WebHarness;
let admin: Member, tina: Member, hank: Member;

async function session(m: Member): Promise<{ cookie: string; csrf: string }> {
  h.clock.advance(31_000);
  const r = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: m.email, password: m.password, totp: totpCode(m.totpSecret, h.clock.now) },
  });
  assert.equal(r.statusCode, 200, r.body);
  const set = String(r.headers['set-cookie']);
  return { cookie: set.split(';')[0]!, csrf: r.json().csrfToken };
}

async function get(url: string, cookie?: string) {
  return h.server.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

async function postForm(url: string, form: Record<string, string | string[]>, cookie?: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
  return h.server.inject({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
  });
}

describe('setup page', () => {
  test('first run: needs the setup token, then shows the enrollment link; afterwards 404', async () => {
    const fresh = await startWebHarness();
    try {
      setSetupToken('setup-secret-123');
      const page = await fresh.server.inject({ method: 'GET', url: '/setup?token=setup-secret-123' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /name="setupToken" value="setup-secret-123"/);
      // The page asks for the team's mail domain and, per profile, each list's address.
      assert.match(page.body, /name="mailDomain"[^>]* required/);
      assert.match(page.body, /name="alias\.tock\.security"/);
      assert.match(page.body, /name="alias\.trusted-firmware\.ess"/);
      assert.match(page.body, /Leave empty for security@your mail domain/);
      const form = {
        profile: 'tock',
        name: 'Tock Security Team',
        timeZone: 'Europe/Berlin',
        mailDomain: 'lists.tock.example',
        'alias.trusted-firmware.central': 'ignored@other.example',
        adminName: 'Ada',
        adminEmail: 'ada@example.org',
      };
      const enc = (o: Record<string, string>) => new URLSearchParams(o).toString();
      const post = (o: Record<string, string>) =>
        fresh.server.inject({
          method: 'POST',
          url: '/setup',
          payload: enc(o),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      const wrong = await post({ ...form, setupToken: 'nope' });
      assert.equal(wrong.statusCode, 403);
      assert.match(wrong.body, /setup token is wrong/);
      assert.match(wrong.body, /value="Tock Security Team"/, 'what was typed is kept');
      const bad = await post({ ...form, setupToken: 'setup-secret-123', adminEmail: 'not-an-address' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /e-mail/i);
      const noDomain = await post({ ...form, setupToken: 'setup-secret-123', mailDomain: '' });
      assert.equal(noDomain.statusCode, 400);
      assert.match(noDomain.body, /The mail domain: is needed: the alias &quot;security&quot; is security@\{domain\}/);
      const badAlias = await post({ ...form, setupToken: 'setup-secret-123', 'alias.tock.security': 'not an address' });
      assert.equal(badAlias.statusCode, 400);
      assert.match(badAlias.body, /The address security: must be an e-mail address/);
      assert.match(badAlias.body, /value="not an address"/, 'the typed address is kept');
      const ok = await post({ ...form, setupToken: 'setup-secret-123', 'alias.tock.security': 'PSIRT@tock.example' });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.match(ok.body, /\/enroll\/enr_[\w-]+/);
      // The addresses the desk now uses: the one written for the chosen profile, none of the other's.
      assert.match(ok.body, /<code>psirt@tock\.example<\/code>/);
      assert.doesNotMatch(ok.body, /ignored@other\.example|lists\.tockos\.org/);
      assert.match(ok.body, /projects are created, each with its security team: tock/);
      assert.equal((await fresh.server.inject({ method: 'GET', url: '/setup' })).statusCode, 404);
    } finally {
      setSetupToken(null);
      await fresh.close();
    }
  });
});

describe('pages', () => {
  before(async () => {
    h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
    admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  });
  after(() => h.close());

  test('pages set their own strict CSP and serve the stylesheet', async () => {
    const r = await get('/report');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /text\/html/);
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.doesNotMatch(r.body, /<script|style=/i);
    const css = await get('/static/style.css');
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
  });

  test('signed-out visitors are sent to sign in; the queue needs a session', async () => {
    const r = await get('/');
    assert.equal(r.statusCode, 303);
    assert.equal(r.headers.location, '/signin');
  });

  test('sign-in form: the double-submit value is required, and next= stays on this site', async () => {
    const page = await get('/signin?next=//evil.example/x');
    assert.match(page.body, /name="next" value="\/"/);
    const r = await postForm('/signin', { email: tina.email, password: tina.password, totp: '000000' });
    assert.equal(r.statusCode, 403);
    assert.match(r.body, /sign-in form expired/);
  });

  test('hostile report text is escaped on the queue and case pages', async () => {
    const title = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const rep = await h.server.inject({
      method: 'POST',
      url: '/api/reports',
      payload: { ...sampleReport, title, body: `${title} and </pre><b>bold</b>` },
    });
    assert.equal(rep.statusCode, 201);
    const { cookie } = await session(tina);
    const q = await get('/', cookie);
    assert.equal(q.statusCode, 200);
    assert.ok(q.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;'));
    // The queue's one script element is the desk's own file (its keyboard shortcuts); no other may be.
    assert.doesNotMatch(q.body.replace('<script type="module" src="/static/queue-keys.mjs"></script>', ''), /<script|<img/);
    const c = await get(`/cases/${rep.json().reportId}`, cookie);
    assert.equal(c.statusCode, 200);
    assert.doesNotMatch(c.body, /<script|<img|<b>bold/);
    assert.ok(c.body.includes('&lt;/pre&gt;&lt;b&gt;bold&lt;/b&gt;'));
  });

  test('a case someone may not see is the 404 page; admin pages are 404 for non-admins', async () => {
    const rep = await h.server.inject({ method: 'POST', url: '/api/reports', payload: sampleReport });
    const { cookie } = await session(hank);
    const c = await get(`/cases/${rep.json().reportId}`, cookie);
    assert.equal(c.statusCode, 404);
    assert.match(c.body, /no such page, or you may not see it/);
    assert.doesNotMatch(c.body, /BL2/);
    assert.equal((await get('/cases/not-a-uuid', cookie)).statusCode, 404);
    assert.equal((await get('/admin/people', cookie)).statusCode, 404);
    const asAdmin = await session(admin);
    assert.equal((await get('/admin/people', asAdmin.cookie)).statusCode, 200);
  });

  test('case actions need the CSRF token; with it they run and redirect back', async () => {
    const rep = await h.server.inject({ method: 'POST', url: '/api/reports', payload: sampleReport });
    const id = rep.json().reportId as string;
    const { cookie, csrf } = await session(tina);
    const refused = await postForm(`/cases/${id}/claim`, {}, cookie);
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /security token is missing or wrong/);
    const wrong = await postForm(`/cases/${id}/claim`, { _csrf: 'csrf_wrong' }, cookie);
    assert.equal(wrong.statusCode, 403);
    let view = await get(`/cases/${id}`, cookie);
    assert.match(view.body, /Claim the triage/, 'nothing changed');
    const ok = await postForm(`/cases/${id}/claim`, { _csrf: csrf }, cookie);
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, `/cases/${id}?done=triage.claim`);
    view = await get(String(ok.headers.location), cookie);
    assert.match(view.body, /You are now the triager/);
    // A refused action shows the reason and keeps what was typed.
    const bad = await postForm(`/cases/${id}/reject`, { _csrf: csrf, reason: 'no <b>!' }, cookie);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /at least 10 characters/);
    assert.ok(bad.body.includes('no &lt;b&gt;!</textarea>'));
    const shortTitle = await postForm(`/cases/${id}/accept`, { _csrf: csrf, title: 'ab', projects: 'tf-a' }, cookie);
    assert.equal(shortTitle.statusCode, 400);
    assert.match(shortTitle.body, /incident title/i);
    assert.match(shortTitle.body, /value="ab"/);
    // The relevant projects may not be clear yet: accepted with none, to be forwarded later.
    const noProject = await postForm(`/cases/${id}/accept`, { _csrf: csrf, title: 'Kept title' }, cookie);
    assert.equal(noProject.statusCode, 303);
    view = await get(`/cases/${id}`, cookie);
    assert.match(view.body, /Forward to another affected project/);
  });

  test('signing out needs the token too', async () => {
    const { cookie, csrf } = await session(tina);
    assert.equal((await postForm('/signout', {}, cookie)).statusCode, 403);
    const out = await postForm('/signout', { _csrf: csrf }, cookie);
    assert.equal(out.statusCode, 303);
    assert.equal((await get('/', cookie)).statusCode, 303, 'the session is gone');
  });

  test('the reporter status page never shows internal notes', async () => {
    const rep = await h.server.inject({ method: 'POST', url: '/api/reports', payload: sampleReport });
    const { reportId, statusToken } = rep.json();
    const { cookie, csrf } = await session(tina);
    assert.equal((await postForm(`/cases/${reportId}/note`, { _csrf: csrf, body: 'INTERNAL-ONLY note text' }, cookie)).statusCode, 303);
    assert.equal((await postForm(`/cases/${reportId}/reply`, { _csrf: csrf, body: 'Thanks, we are looking.' }, cookie)).statusCode, 303);
    const page = await get(`/status/${statusToken}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Thanks, we are looking/);
    assert.doesNotMatch(page.body, /INTERNAL-ONLY/);
    assert.equal((await get('/status/rpt_unknown')).statusCode, 404);
  });
});

describe('Tock forms', () => {
  let t: WebHarness;
  let coord: Member, kernelDev: Member;
  before(async () => {
    t = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
    const a = await setupDesk(t, 'tock');
    coord = await addMember(t, a, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
    kernelDev = await addMember(t, a, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
    const { setSubsystemContacts } = await import('../../src/app/admin/admin.ts');
    await setSubsystemContacts(a.ctx, 'tock', 'Kernel', { primary: kernelDev.email, secondary: null });
  });
  after(() => t.close());

  test('acknowledge → assess (severity select, components) → assign by subsystem', async () => {
    h = t;
    const rep = await t.server.inject({ method: 'POST', url: '/api/reports', payload: sampleReport });
    const id = rep.json().reportId as string;
    const { cookie, csrf } = await session(coord);
    let page = await get(`/cases/${id}`, cookie);
    assert.match(page.body, /Acknowledge receipt/);
    assert.match(page.body, /<option value="critical">critical<\/option>/);
    assert.match(page.body, /<option value="P0">P0<\/option>/);
    assert.equal((await postForm(`/cases/${id}/acknowledge`, { _csrf: csrf }, cookie)).statusCode, 303);
    const bad = await postForm(
      `/cases/${id}/assess`,
      { _csrf: csrf, title: 'Kernel grant overflow', severity: 'high', priority: '', components: '', project: 'tock' },
      cookie,
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /at least one affected component/);
    assert.match(bad.body, /<option value="high" selected>/, 'the chosen severity is kept');
    const ok = await postForm(
      `/cases/${id}/assess`,
      { _csrf: csrf, title: 'Kernel grant overflow', severity: 'high', priority: '', components: 'kernel, grants', project: 'tock' },
      cookie,
    );
    assert.equal(ok.statusCode, 303, ok.body);
    page = await get(String(ok.headers.location), cookie);
    assert.match(page.body, /Assessed: the incident is created/);
    assert.match(page.body, /kernel, grants/);
    assert.match(page.body, /<option value="Kernel">Kernel — primary kim@tock\.example, secondary none<\/option>/);
    const assigned = await postForm(`/cases/${id}/assign`, { _csrf: csrf, subsystem: 'Kernel' }, cookie);
    assert.equal(assigned.statusCode, 303, assigned.body);
    page = await get(String(assigned.headers.location), cookie);
    assert.match(page.body, /Assigned through the subsystem contact table/);
    assert.match(page.body, /Kim Kernel/);
  });
});

describe('rate limit on the public form', () => {
  test('a visitor over the limit gets an HTML page saying to wait', async () => {
    const r = await startWebHarness({ config: { publicFormRatePerMinute: 1 } });
    try {
      const post = () =>
        r.server.inject({
          method: 'POST',
          url: '/report',
          payload: 'title=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      assert.equal((await post()).statusCode, 400);
      const limited = await post();
      assert.equal(limited.statusCode, 429);
      assert.match(String(limited.headers['content-type']), /text\/html/);
      assert.match(limited.body, /wait a minute/);
    } finally {
      await r.close();
    }
  });
});
