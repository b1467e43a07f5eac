import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { setSetupToken } from '../src/http/routes/session.ts';
import { totpCode } from '../src/crypto/totp.ts';
import { isoWithOffset } from '../src/domain/calendar.ts';
import { queue } from '../src/app/cases/queries.ts';
import { loadPrincipal } from '../src/app/auth/auth.ts';
import { sampleReport } from '../test/support/harness.ts';
import { launchBrowser, mainText, newPage, resultsDir, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The security desk in Chromium: first-run setup and enrollment, the admin pages, sign-in with a
// second factor, the queue with due dates, a full Trusted Firmware triage, hostile report text, CSRF.

const PASSWORD = 'a long enough passphrase';
const SETUP_TOKEN = 'setup-token-for-the-browser-test';

interface Account {
  email: string;
  password: string;
  totpSecret: string;
}

let h: WebHarness;
let browser: Browser;
const accounts: Record<'admin' | 'tina' | 'hank', Account> = {} as never;
const pages: Page[] = [];

async function page(): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const p = await newPage(browser);
  pages.push(p.page);
  return p;
}

/** Follows an enrollment link in its own browser context: reads the secret, sets password and code. */
async function enrollThroughBrowser(link: string): Promise<{ email: string; totpSecret: string }> {
  const { page: p } = await page();
  await p.goto(link);
  assert.match(await mainText(p), /Add Embargo to your authenticator app/);
  const totpSecret = (await p.locator('#totp-secret').getAttribute('data-secret'))!;
  assert.match(totpSecret, /^[A-Z2-7]+$/);
  // The authenticator app shows the desk's own name beside the code.
  assert.match(await p.locator('#totp-uri').innerText(), /^otpauth:\/\/totp\/Trusted%20Firmware%20Security%20Team:/);
  const email = await p.locator('input[name=username]').inputValue();
  await p.getByLabel('New password').fill(PASSWORD);
  await p.getByLabel('The same password again').fill(PASSWORD);
  h.clock.advance(31_000);
  await p.getByLabel('Code from your authenticator app').fill(totpCode(totpSecret, h.clock.now));
  await Promise.all([p.waitForURL(/\/signin\?enrolled=1/), p.getByRole('button', { name: 'Finish enrollment' }).click()]);
  assert.match(await mainText(p), /You are enrolled/);
  await p.context().close();
  return { email, totpSecret };
}

describe('the desk in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    // Long sessions: the tests move the app clock days ahead to make a deadline overdue.
    h = await startWebHarness({ config: { sessionHours: 24 * 30, sessionIdleMinutes: 30 * 24 * 60 } });
    browser = await launchBrowser();
  });
  after(async () => {
    setSetupToken(null);
    await browser?.close();
    await h?.close();
  });

  test('first-run setup shows the admin enrollment link; enrollment sets password and authenticator', async () => {
    setSetupToken(SETUP_TOKEN);
    const { page: p, dialogs } = await page();
    await p.goto(`${h.baseUrl}/`);
    assert.equal(new URL(p.url()).pathname, '/setup', 'an empty desk sends visitors to setup');
    await p.goto(`${h.baseUrl}/setup?token=${SETUP_TOKEN}`);
    await p.getByLabel('Trusted Firmware').check();
    await p.locator('input[name=name]').fill('Trusted Firmware Security Team');
    await p.locator('input[name=timeZone]').fill('Europe/London');
    await p.getByLabel('Mail domain of your lists').fill('lists.tf.example');
    await p.locator('input[name=adminName]').fill('Ada Admin');
    await p.locator('input[name=adminEmail]').fill('admin@tf.example');
    await p.getByRole('button', { name: 'Set up the desk' }).click();
    assert.match(await mainText(p), /The desk is set up/);
    const link = await p.locator('main .secret a').getAttribute('href');
    assert.match(link!, /\/enroll\/enr_/);
    const enrolled = await enrollThroughBrowser(link!);
    accounts.admin = { ...enrolled, password: PASSWORD };
    assert.equal(enrolled.email, 'admin@tf.example');
    assert.deepEqual(dialogs, []);
  });

  test('the admin creates a project and two people, and puts them on teams', async () => {
    const { page: p } = await page();
    await signInAs(p, h, accounts.admin);
    assert.match(await p.locator('header.site').innerText(), /Signed in as Ada Admin/);
    await p.getByRole('link', { name: 'Admin' }).click();
    await p.getByRole('link', { name: 'Projects' }).click();
    await p.locator('input[name=slug]').fill('tf-a');
    await p.locator('main form.stack input[name=name]').fill('TF-A');
    await p.getByRole('button', { name: 'Create project' }).click();
    assert.match(await mainText(p), /The project and its security team are created/);
    assert.match(await mainText(p), /TF-A \(tf-a\)/);

    const links: Record<string, string> = {};
    for (const [key, name, email] of [
      ['tina', 'Tina Triager', 'tina@tf.example'],
      ['hank', 'Hank Handler', 'hank@tf.example'],
    ] as const) {
      await p.goto(`${h.baseUrl}/admin/people`);
      await p.locator('main form.stack input[name=name]').fill(name);
      await p.locator('textarea[name=emails]').fill(email);
      await p.locator('input[name=timeZone]').fill(key === 'hank' ? 'Asia/Kolkata' : 'Europe/London');
      await p.getByRole('button', { name: 'Add person' }).click();
      assert.match(await mainText(p), new RegExp(`${name} is added`));
      links[key] = (await p.locator('#enrollment-link').getAttribute('href'))!;
    }
    // A mistake is explained and what was typed stays.
    await p.locator('main form.stack input[name=name]').fill('Nobody');
    await p.locator('textarea[name=emails]').fill('not-an-address');
    await p.getByRole('button', { name: 'Add person' }).click();
    assert.match(await p.locator('[role=alert]').innerText(), /e-mail address/);
    assert.equal(await p.locator('main form.stack input[name=name]').inputValue(), 'Nobody');

    await p.goto(`${h.baseUrl}/admin/teams`);
    for (const [team, email] of [
      ['security', 'tina@tf.example'],
      ['tf-a-security', 'hank@tf.example'],
    ] as const) {
      const form = p.locator(`form[action="/admin/teams/${team}/members"]`);
      await form.locator('input[name=email]').fill(email);
      await form.getByRole('button', { name: 'Add member' }).click();
      assert.match(await mainText(p), /The member is added/);
    }
    const text = await mainText(p);
    assert.match(text, /tina@tf\.example/);
    assert.match(text, /hank@tf\.example/);

    for (const key of ['tina', 'hank'] as const) accounts[key] = { ...(await enrollThroughBrowser(links[key]!)), password: PASSWORD };
  });

  test('sign-in needs password and TOTP code; a wrong code is refused with an error', async () => {
    const { page: p } = await page();
    await p.goto(`${h.baseUrl}/signin`);
    await p.getByLabel('E-mail').fill(accounts.tina.email);
    await p.getByLabel('Password').fill(accounts.tina.password);
    h.clock.advance(31_000);
    const good = totpCode(accounts.tina.totpSecret, h.clock.now);
    await p.getByLabel('Authenticator code').fill(good === '123456' ? '654321' : '123456');
    await p.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(new URL(p.url()).pathname, '/signin');
    assert.match(await p.locator('[role=alert]').innerText(), /e-mail address, password or code is wrong/);
    assert.equal(await p.getByLabel('E-mail').inputValue(), accounts.tina.email, 'the address is kept');
    // Now the right code.
    await p.getByLabel('Password').fill(accounts.tina.password);
    await p.getByLabel('Authenticator code').fill(good);
    await p.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(new URL(p.url()).pathname, '/');
    assert.match(await p.locator('header.site').innerText(), /Signed in as Tina Triager/);
    const cookie = (await p.context().cookies()).find((c) => c.name === 'embargo_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    // The same code again is a replay: where Tina signs in, the desk says so plainly (docs/security.md).
    const { page: q } = await page();
    await q.goto(`${h.baseUrl}/signin`);
    await q.getByLabel('E-mail').fill(accounts.tina.email);
    await q.getByLabel('Password').fill(accounts.tina.password);
    await q.getByLabel('Authenticator code').fill(good);
    await q.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await q.locator('[role=alert]').innerText(), /This code was just used/);
    // Sign out through the header.
    await p.getByRole('button', { name: 'Sign out' }).click();
    assert.match(await mainText(p), /You are signed out/);
    await p.goto(`${h.baseUrl}/`);
    assert.equal(new URL(p.url()).pathname, '/signin');
  });

  let reportId = '';

  test('the queue shows the report with its due date, in ISO with offset too, and marks it overdue', async () => {
    const r = await h.server.inject({ method: 'POST', url: '/api/reports', payload: sampleReport });
    assert.equal(r.statusCode, 201);
    reportId = r.json().reportId;
    const { page: p } = await page();
    await signInAs(p, h, accounts.tina);
    // Overdue, the row moves to the overdue table: each case is listed once.
    const row = p.locator('main table tr', { hasText: sampleReport.title });
    await row.waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /#\d+/);
    assert.match(text, /awaiting triage/);
    assert.match(text, /unclaimed/);
    // The due date is the same instant the use case computes, shown in Tina's zone with its offset.
    const tina = (await loadPrincipal(
      h.app.db,
      (
        await h.app.db.query<{ person_id: string }>("SELECT person_id FROM person_emails WHERE email = 'tina@tf.example'")
      ).rows[0]!.person_id,
    ))!;
    const q = await queue({ app: h.app, principal: tina }, {});
    const item = q.reports.find((x) => x.reportId === reportId)!;
    assert.ok(item.dueAt);
    assert.ok(text.includes(isoWithOffset(new Date(item.dueAt), 'Europe/London')), text);
    // The machine-readable instant, to the second.
    assert.equal(await row.locator('time').getAttribute('datetime'), `${item.dueAt.slice(0, 19)}Z`);
    assert.doesNotMatch(text, /overdue/i);
    // Past the triage deadline the row says so in words. (The clock only moves forward: a TOTP
    // step once used may not be used again.)
    h.clock.set(new Date(new Date(item.dueAt).getTime() + 3600_000).toISOString());
    await p.reload();
    assert.match(await row.innerText(), /1 h overdue/);
    assert.equal(await p.locator('table.overdue-list tr', { hasText: sampleReport.title }).count(), 1);
    await p.screenshot({ path: `${resultsDir()}queue-page.png`, fullPage: true });
    // The closed filter has no reports table.
    await p.getByRole('link', { name: 'Closed' }).click();
    assert.equal(await p.locator('table.queue', { hasText: 'Reports in triage' }).count(), 0);
  });

  test('a full TF triage: claim → accept → the project member claims → confirms', async () => {
    const tina = await page();
    await signInAs(tina.page, h, accounts.tina);
    await tina.page.goto(`${h.baseUrl}/cases/${reportId}`);
    let text = await mainText(tina.page);
    assert.match(text, /Stack overflow in the BL2 image loader/);
    assert.match(text, /Rita Reporter/, 'the central team sees the reporter');
    assert.match(text, /Megacorp Automotive/);

    await tina.page.locator('form.triage-claim').getByRole('button').click();
    text = await mainText(tina.page);
    assert.match(text, /You are now the triager of this report/);
    assert.match(text, /Triager Tina Triager/);

    const accept = tina.page.locator('form.triage-accept');
    await accept.locator('input[name=title]').fill('BL2 FIP header overflow');
    await accept.getByLabel('TF-A').check();
    await accept.getByRole('button').click();
    text = await mainText(tina.page);
    assert.match(text, /Accepted: the incident is created and forwarded/);
    const ref = /Incident (TF-\d{4}-\d{4})/.exec(text)?.[1];
    assert.ok(ref, text);
    assert.match(text, /BL2 FIP header overflow/);
    assert.match(text, /To the reporter/, 'the holding response is in the thread');

    const hank = await page();
    await signInAs(hank.page, h, accounts.hank);
    const row = hank.page.locator('table.queue tr', { hasText: ref! });
    await row.getByRole('link', { name: ref! }).click();
    text = await mainText(hank.page);
    assert.match(text, new RegExp(`${ref}: Stack overflow`));
    assert.match(text, /project-analysis/);
    await hank.page.locator('form.project-claim').getByRole('button').click();
    text = await mainText(hank.page);
    assert.match(text, /You are now the incident handler for this project/);
    assert.match(text, /Point of contact for the reporter Hank Handler/);

    await hank.page.locator('form.project-confirm textarea[name=note]').fill('Reproduced on the FVP.');
    await hank.page.locator('form.project-confirm').getByRole('button').click();
    text = await mainText(hank.page);
    assert.match(text, /Confirmed as a vulnerability for this project/);
    assert.match(hank.page.url(), /done=project\.confirm/);
    const projectRow = (await hank.page.locator('section[aria-labelledby=projects-h] tbody tr').innerText()).replace(/\s+/g, ' ');
    assert.match(projectRow, /TF-A \(tf-a\) .*Hank Handler accepted/);
    assert.match(text, /Project tf-a: the vulnerability was confirmed/);
    assert.equal(await hank.page.locator('form.project-confirm').count(), 0, 'the action is gone once taken');
    await hank.page.screenshot({ path: `${resultsDir()}case-page.png`, fullPage: true });
    assert.deepEqual([...tina.dialogs, ...hank.dialogs, ...tina.errors, ...hank.errors], []);
  });

  test('a hostile report title is shown as text: no script runs, no element is injected', async () => {
    const title = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const reporter = await page();
    await reporter.page.goto(`${h.baseUrl}/report`);
    await reporter.page.locator('input[name=title]').fill(title);
    await reporter.page.locator('textarea[name=body]').fill(`${title}\n</pre><b onmouseover=alert(3)>bold</b>`);
    await reporter.page.getByRole('button', { name: 'Send the report' }).click();
    assert.match(await mainText(reporter.page), /your report is received/);
    await reporter.page.locator('#status-link').click();
    assert.ok((await mainText(reporter.page)).includes(title));

    const tina = await page();
    await signInAs(tina.page, h, accounts.tina);
    const cell = tina.page.locator('table.queue td', { hasText: '<script>alert(1)</script>' });
    assert.equal(await cell.innerText(), title);
    await cell.getByRole('link').click();
    assert.ok((await tina.page.locator('h1').innerText()).endsWith(`: ${title}`));
    assert.ok((await tina.page.locator('pre.body').first().innerText()).includes('</pre><b onmouseover=alert(3)>bold</b>'));
    for (const p of [reporter.page, tina.page]) {
      assert.equal(await p.locator('main img, main script, main b').count(), 0);
    }
    // Give a would-be handler a chance to fire.
    await tina.page.locator('pre.body').first().hover();
    await tina.page.waitForTimeout(200);
    assert.deepEqual([...reporter.dialogs, ...tina.dialogs], []);
    assert.deepEqual([...reporter.errors, ...tina.errors], []);
  });

  test('CSRF: a form posted without the token, or with a wrong one, is refused and changes nothing', async () => {
    const { page: p } = await page();
    await signInAs(p, h, accounts.tina);
    await p.goto(`${h.baseUrl}/cases/${reportId}`);
    const notes = await p.locator('article.kind-note').count();
    const form = p.locator('form.case-note');
    await form.locator('input[name=_csrf]').evaluate((el) => el.remove());
    await form.locator('textarea[name=body]').fill('posted without a token');
    await form.getByRole('button').click();
    assert.match(await mainText(p), /security token is missing or wrong/);
    // A request from the same browser (cookies attached) with a wrong token.
    const res = await p
      .context()
      .request.post(`${h.baseUrl}/cases/${reportId}/note`, { form: { _csrf: 'csrf_forged', body: 'forged' }, maxRedirects: 0 });
    assert.equal(res.status(), 403);
    // And through the JSON API with the cookie but no header.
    const api = await p.context().request.post(`${h.baseUrl}/api/reports/${reportId}/notes`, { data: { body: 'forged' } });
    assert.equal(api.status(), 403);
    await p.goto(`${h.baseUrl}/cases/${reportId}`);
    assert.equal(await p.locator('article.kind-note').count(), notes);
    assert.doesNotMatch(await mainText(p), /posted without a token|forged/);
    // With the token the same form works, and the note is marked internal.
    await p.locator('form.case-note textarea[name=body]').fill('checked the FVP build');
    await p.locator('form.case-note').getByRole('button').click();
    assert.match(await mainText(p), /Note added \(internal/);
    assert.match(await p.locator('article.kind-note').last().innerText(), /Internal note[\s\S]*checked the FVP build/);
  });
});
