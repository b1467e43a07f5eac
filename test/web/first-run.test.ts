import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import decodeQR from 'qr/decode.js';
import { setupDesk, addProject, api, sampleReport, type Member } from '../support/harness.ts';
import { webUser, type WebUser } from '../support/web-client.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { setSetupToken } from '../../src/http/routes/session.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor } from '../../src/app/keys/keys.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { initInstance } from '../../src/app/admin/instance.ts';
import { PAGE_CSP } from '../../src/web/common.ts';

// The first hour of a new desk, over real HTTP: setup with plain-word refusals and IANA zone names,
// enrollment with a QR code, the sign-in right after it, one form that adds a person on their teams
// (the enrollment link mailed once mail goes out), and the checklist that says what is still missing.

const form = (o: Record<string, string | string[]>) => {
  const b = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) for (const x of [v].flat()) b.append(k, x);
  return b.toString();
};

/** The sign-in form as a browser sends it: the double-submit cookie from the page, then the post. */
async function signInThroughForm(h: WebHarness, email: string, password: string, totp: string) {
  const page = await h.server.inject({ method: 'GET', url: '/signin' });
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const pre = /name="_signin" value="([^"]+)"/.exec(page.body)![1]!;
  return h.server.inject({
    method: 'POST',
    url: '/signin',
    payload: form({ _signin: pre, next: '/', email, password, totp }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });
}

/** The QR code's modules read back from the SVG path (one rectangle per run of dark modules). */
function modulesOf(svg: string): { size: number; dark: Set<string> } {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)![1]);
  const d = /<path fill="#000" d="([^"]+)"/.exec(svg)![1]!;
  const dark = new Set<string>();
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let x = Number(m[1]); x < Number(m[1]) + Number(m[3]); x++) dark.add(`${x},${m[2]}`);
  }
  return { size, dark };
}

/** A bitmap of the code as a screen would show it (8 pixels a module, its quiet zone included), decoded. */
function scan(svg: string): string {
  const { size, dark } = modulesOf(svg);
  const scale = 8;
  const side = size * scale;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (dark.has(`${Math.floor(x / scale)},${Math.floor(y / scale)}`)) data.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
    }
  }
  return decodeQR({ width: side, height: side, data });
}

describe('setup: plain words and IANA time zones', () => {
  test('the zone field offers Asia/Kolkata and Europe/Kyiv, not their old names; refusals are sentences', async () => {
    const fresh = await startWebHarness();
    try {
      setSetupToken('tok-first-run');
      const page = await fresh.server.inject({ method: 'GET', url: '/setup?token=tok-first-run' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<input id="[^"]+" name="timeZone" type="text" value="UTC" required[^>]* list="(time-zones-\d+)"/);
      const list = /<datalist id="time-zones-\d+">([\s\S]*?)<\/datalist>/.exec(page.body)![1]!;
      assert.match(list, /<option value="Asia\/Kolkata" label="Asia\/Kolkata \(formerly Asia\/Calcutta\)">/);
      assert.match(list, /<option value="Europe\/Kyiv"/);
      assert.doesNotMatch(list, /value="Asia\/Calcutta"|value="Europe\/Kiev"/);

      const good = {
        setupToken: 'tok-first-run',
        profile: 'trusted-firmware',
        name: 'Trusted Firmware Security Team',
        timeZone: 'Asia/Calcutta',
        mailDomain: 'lists.tf.example',
        adminName: 'Ada',
        adminEmail: 'ada@tf.example',
      };
      const post = (o: Record<string, string>) =>
        fresh.server.inject({
          method: 'POST',
          url: '/setup',
          payload: form(o),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      const bad = await post({ ...good, name: 'x', adminEmail: 'ada-at-tf' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /The name of the desk: must be at least 2 characters\./);
      assert.match(bad.body, /The admin&#39;s e-mail: is not an e-mail address \(like name@example\.org\)\./);
      assert.doesNotMatch(bad.body, /Too small|expected string|Invalid email/);
      // The API's own error body speaks the same words.
      const apiBad = await fresh.server.inject({
        method: 'POST',
        url: '/api/setup',
        payload: {
          setupToken: 'tok-first-run',
          instance: { name: 'x', profile: 'tock', timeZone: 'Mars/Base', admin: { name: 'A', email: 'a@x.example' } },
        },
      });
      assert.equal(apiBad.statusCode, 400);
      const details = apiBad.json().error.details as { path: string; message: string }[];
      assert.deepEqual(
        details.map((d) => `${d.path} ${d.message}`),
        ['name must be at least 2 characters', 'timeZone must be an IANA time zone like Europe/London'],
      );
      assert.match(apiBad.json().error.message, /name must be at least 2 characters/);

      // An old zone name is taken, and the desk keeps its IANA name.
      const ok = await post(good);
      assert.equal(ok.statusCode, 201, ok.body);
      const zone = await fresh.app.db.query<{ default_time_zone: string }>('SELECT default_time_zone FROM instance');
      assert.equal(zone.rows[0]!.default_time_zone, 'Asia/Kolkata');
    } finally {
      setSetupToken(null);
      await fresh.close();
    }
  });
});

describe('enrollment and the first sign-in', () => {
  test('the enrollment page shows a scannable QR code of the otpauth URI, issued by the desk, within the CSP', async () => {
    const h = await startWebHarness();
    try {
      const { enrollmentToken } = await initInstance(h.app, {
        name: 'Trusted Firmware Security Team',
        profile: 'trusted-firmware',
        timeZone: 'Europe/London',
        admin: { name: 'Ada Admin', email: 'ada@tf.example' },
        mail: { domain: 'lists.tf.example' },
      });
      const page = await h.server.inject({ method: 'GET', url: `/enroll/${enrollmentToken}` });
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['content-security-policy'], PAGE_CSP);
      const uri = /<code id="totp-uri">([^<]+)<\/code>/.exec(page.body)![1]!.replace(/&amp;/g, '&');
      assert.match(uri, /^otpauth:\/\/totp\/Trusted%20Firmware%20Security%20Team:ada%40tf\.example\?/);
      assert.match(uri, /[?&]issuer=Trusted%20Firmware%20Security%20Team(&|$)/);
      const secret = /data-secret="([A-Z2-7]+)"/.exec(page.body)![1]!;
      assert.match(uri, new RegExp(`[?&]secret=${secret}(&|$)`), 'the secret is still shown as text, and it is the one in the code');
      const svg = /<svg [^>]*id="totp-qr"[\s\S]*?<\/svg>/.exec(page.body)?.[0];
      assert.ok(svg, 'an inline SVG QR code');
      // Nothing the CSP forbids: no style attribute or element, no script, no data: or remote image.
      assert.doesNotMatch(page.body, /style=|<style|<script|data:|<img/i);
      assert.match(svg, /role="img" aria-labelledby="totp-qr-title"/);
      assert.equal(scan(svg), uri, 'the QR code decodes to the otpauth URI');

      // Enroll, then sign in at once with the code just typed: the desk says to wait for the next one.
      const code = totpCode(secret, h.clock.now);
      const done = await h.server.inject({
        method: 'POST',
        url: `/enroll/${enrollmentToken}`,
        payload: form({ password: 'a long enough passphrase', password2: 'a long enough passphrase', totp: code }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(done.statusCode, 303, done.body);
      const flash = await h.server.inject({ method: 'GET', url: String(done.headers.location) });
      assert.match(flash.body, /the next code your app shows/);
      const again = await signInThroughForm(h, 'ada@tf.example', 'a long enough passphrase', code);
      assert.equal(again.statusCode, 401);
      assert.match(again.body, /This code was just used \(each code works once\); wait for the next code/);
      assert.doesNotMatch(again.body, /password or code is wrong/);
      // With a wrong password the same code gets the general answer: nothing is said about the code.
      const wrongPw = await signInThroughForm(h, 'ada@tf.example', 'not the passphrase at all', code);
      assert.match(wrongPw.body, /The e-mail address, password or code is wrong/);
      // The next code signs in, and an admin of a desk that is not ready starts on the checklist.
      h.clock.advance(30_000);
      const next = await signInThroughForm(h, 'ada@tf.example', 'a long enough passphrase', totpCode(secret, h.clock.now));
      assert.equal(next.statusCode, 303, next.body);
      assert.equal(next.headers.location, '/admin/start');
    } finally {
      await h.close();
    }
  });
});

describe('the first-run checklist and adding people', () => {
  let h: WebHarness;
  let sink: SmtpSink;
  let admin: Member;
  let asAdmin: WebUser;

  before(async () => {
    h = await startWebHarness();
    sink = await startSmtpSink();
    admin = await setupDesk(h, 'trusted-firmware');
    asAdmin = await webUser(h, admin);
  });
  after(async () => {
    await sink.close();
    await h.close();
  });

  const steps = async (url = '/admin/start') => {
    const page = await asAdmin.get(url);
    assert.equal(page.status, 200, page.body);
    return Object.fromEntries([...page.body.matchAll(/<li class="(done|todo)" data-step="(\w+)">/g)].map((m) => [m[2]!, m[1]!])) as Record<
      string,
      string
    >;
  };

  test('a new desk: every step to do, each linking where it is done; the dashboard shows it to admins only', async () => {
    assert.deepEqual(await steps(), { projects: 'todo', people: 'todo', teams: 'todo', mail: 'todo', report: 'todo' });
    const page = await asAdmin.get('/admin/start');
    for (const href of ['/admin/projects', '/admin/people', '/admin/mail']) assert.match(page.body, new RegExp(`<a href="${href}">`));
    assert.match(page.body, /<code>http:\/\/localhost:\d+\/report<\/code>/, 'the link to share');
    assert.match(page.body, /No SMTP relay is set up/);
    assert.deepEqual(await steps('/dashboard'), { projects: 'todo', people: 'todo', teams: 'todo', mail: 'todo', report: 'todo' });
    assert.match((await asAdmin.get('/admin/people')).body, /<a href="\/admin\/start">Start<\/a>/);
  });

  test('one form adds a person on their teams; without mail the link is shown, with a relay it is mailed', async () => {
    await addProject(admin, 'tf-a', 'TF-A');
    assert.equal((await steps()).projects, 'done');
    assert.deepEqual([(await steps()).teams], ['todo']);
    assert.match((await asAdmin.get('/admin/start')).body, /Nobody is on tf-a-security yet/);

    const people = await asAdmin.get('/admin/people');
    assert.match(people.body, /<input type="checkbox" name="teams" value="security"> Trusted Firmware Security Team \(central\)/);
    assert.match(people.body, /<input type="checkbox" name="teams" value="tf-a-security"> TF-A security team/);
    assert.match(people.body, /enrollment link is shown here for you to hand over/);

    // An unknown team refuses the whole addition, in words, and what was typed stays ticked.
    const refused = await asAdmin.post('/admin/people', {
      name: 'Hank Handler',
      emails: 'hank@tf.example',
      timeZone: 'Europe/Kiev',
      workingWeek: '1',
      teams: 'no-such-team',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /No team no-such-team; the teams are/);
    assert.equal((await h.app.db.query("SELECT 1 FROM person_emails WHERE email = 'hank@tf.example'")).rows.length, 0);

    const body = new URLSearchParams({ name: 'Hank Handler', emails: 'hank@tf.example', timeZone: 'Europe/Kiev' });
    for (const d of ['1', '2', '3', '4', '5']) body.append('workingWeek', d);
    body.append('teams', 'tf-a-security');
    const added = await asAdmin.post('/admin/people', Object.fromEntries(body) as Record<string, string>);
    assert.equal(added.status, 201, added.body);
    assert.match(added.body, /Hank Handler is added, on tf-a-security\./);
    assert.match(added.body, /id="enrollment-link"/, 'no mail goes out: the link is shown to hand over');
    const hank = await h.app.db.query<{ time_zone: string; teams: string[] }>(
      `SELECT p.time_zone, ARRAY(SELECT t.slug FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.person_id = p.id) AS teams
         FROM people p JOIN person_emails e ON e.person_id = p.id WHERE e.email = 'hank@tf.example'`,
    );
    assert.deepEqual(hank.rows[0], { time_zone: 'Europe/Kyiv', teams: ['tf-a-security'] }, 'on the team, the zone by its IANA name');
    assert.deepEqual(await steps(), { projects: 'done', people: 'done', teams: 'done', mail: 'todo', report: 'todo' });

    // Outbound mail through a relay: the next person's link goes by mail and is not shown.
    await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@lists.trustedfirmware.org' });
    assert.match((await asAdmin.get('/admin/people')).body, /Their enrollment link is mailed to their first address/);
    const mailed = await asAdmin.post('/admin/people', {
      name: 'Tina Triager',
      emails: 'tina@tf.example',
      timeZone: 'Europe/London',
      workingWeek: '1',
      teams: 'security',
    });
    assert.equal(mailed.status, 201, mailed.body);
    assert.match(mailed.body, /Their enrollment link is mailed to tina@tf\.example; it works once, for 7 days\./);
    assert.doesNotMatch(mailed.body, /\/enroll\/enr_/, 'the link is in the mail only');
    const out = await h.app.db.query<{ id: string; envelope_sealed: string }>(
      "SELECT id, envelope_sealed FROM outbox WHERE template_id = 'auth.enrollment'",
    );
    assert.equal(out.rows.length, 1);
    const env = h.app.sealer.openJson<{ to: string[]; subject: string; body: string }>(
      out.rows[0]!.envelope_sealed,
      `outbox.envelope:${out.rows[0]!.id}`,
    );
    assert.deepEqual(env.to, ['tina@tf.example']);
    assert.equal(env.subject, 'Your account on Trusted Firmware Security Team');
    const link = /(\/enroll\/enr_[\w-]+)/.exec(env.body)![1]!;
    const enrollPage = await asAdmin.get(link);
    assert.equal(enrollPage.status, 200, 'the mailed link opens the enrollment page');
    assert.match(enrollPage.body, /Welcome, <strong>Tina Triager<\/strong>/);
  });

  test('mail and the first report complete the checklist; the dashboard then shows no checklist', async () => {
    await generateTeamKeyFor(admin.ctx, {});
    assert.equal((await steps()).mail, 'done');
    assert.equal((await steps()).report, 'todo');
    assert.equal((await api(h, 'POST', '/api/reports', { body: sampleReport })).status, 201);
    assert.deepEqual(await steps(), { projects: 'done', people: 'done', teams: 'done', mail: 'done', report: 'done' });
    assert.match((await asAdmin.get('/admin/start')).body, /The desk has everything its process needs/);
    assert.doesNotMatch((await asAdmin.get('/dashboard')).body, /first-run/);
  });

  test('other members see no checklist and may not open the start page', async () => {
    const { addMember } = await import('../support/harness.ts');
    const sam = await addMember(h, admin, { name: 'Sam Central', email: 'sam@tf.example', teams: ['security'] });
    const asSam = await webUser(h, sam);
    assert.equal((await asSam.get('/admin/start')).status, 404);
    assert.doesNotMatch((await asSam.get('/dashboard')).body, /first-run/);
  });
});
