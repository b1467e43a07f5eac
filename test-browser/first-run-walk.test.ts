import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { setSetupToken } from '../src/http/routes/session.ts';
import { totpCode } from '../src/crypto/totp.ts';
import { artifactsDir, launchBrowser, mainText, newPage, PHONE, skipBrowser, startWebHarness, WIDE, type WebHarness } from './support.ts';

// The Trusted Firmware path through the web pages as the people on it take it, in Chromium with
// JavaScript off (the desk's pages need none) and the pages' CSP on: first-run setup, the first
// admin's enrollment and sign-in, the project and two people added (each with their team, in the
// one add-person form), their enrollment, a report sent on the public form, the central member who
// claims the triage and accepts it for TF-A, the TF-A member who becomes its incident handler and
// drafts the advisory in the editor. Once at a laptop's size and once at a phone's, each on a desk of
// its own. Each step's visible outcome is asserted and a screenshot of it saved under
// EMBARGO_TEST_ARTIFACTS (default test-artifacts/), first-run-walk/<size>/. Only the authenticator
// app's codes are computed here (from the secret the enrollment page shows, at the desk's clock).

const PASSWORD = 'a long enough passphrase';
const SETUP_TOKEN = 'setup-token-for-the-first-run-walk';

interface Person {
  email: string;
  totpSecret: string;
}

let browser: Browser;

describe('the Trusted Firmware path through the pages, from setup to the advisory draft', { skip: skipBrowser }, () => {
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    setSetupToken(null);
    await browser?.close();
  });

  for (const [size, viewport] of [
    ['wide', WIDE],
    ['phone', PHONE],
  ] as const) {
    test(`at ${viewport.width}×${viewport.height}`, async (t) => {
      const h = await startWebHarness();
      try {
        await walk(t, h, size, viewport);
      } finally {
        setSetupToken(null);
        await h.close();
      }
    });
  }
});

async function walk(t: test.TestContext, h: WebHarness, size: string, viewport: { width: number; height: number }): Promise<void> {
  const dir = artifactsDir(join('first-run-walk', size));
  let step = 0;
  let pages = 0;
  let posts = 0;
  const problems: string[] = [];
  /** A person at their own browser: cookies of their own; what they open and post is counted. */
  const person = async (who: string): Promise<Page> => {
    const { page, dialogs, errors } = await newPage(browser, { viewport, javaScriptEnabled: false });
    // A step that cannot be taken fails the walk soon, not after Playwright's 30 s.
    page.setDefaultTimeout(10_000);
    page.on('request', (r) => {
      if (!r.isNavigationRequest() || r.frame() !== page.mainFrame()) return;
      if (r.method() === 'POST') posts++;
      else pages++;
    });
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) problems.push(`${who}: ${m.text()}`);
    });
    page.on('close', () => problems.push(...dialogs.map((d) => `${who}: ${d}`), ...errors.map((e) => `${who}: ${e}`)));
    return page;
  };
  const shot = async (page: Page, name: string) => {
    step++;
    await page.screenshot({ path: join(dir, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  /** Submits a form by its button and waits for the page the post leads to. */
  const submit = async (page: Page, button: string | RegExp, scope = page.locator('main')) => {
    await Promise.all([page.waitForEvent('load'), scope.getByRole('button', { name: button, exact: typeof button === 'string' }).click()]);
  };
  const code = (secret: string) => {
    // A code is taken once per time step: each is read in a step of its own.
    h.clock.advance(31_000);
    return totpCode(secret, h.clock.now);
  };
  const signIn = async (page: Page, p: Person) => {
    await page.goto(`${h.baseUrl}/signin`);
    await page.getByLabel('E-mail').fill(p.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(code(p.totpSecret));
    await submit(page, 'Sign in');
    assert.doesNotMatch(new URL(page.url()).pathname, /^\/signin/, `${p.email} is signed in`);
  };
  /** Follows an enrollment link: the secret from the page, a password, the first code. */
  const enroll = async (link: string, name: string): Promise<Person> => {
    const page = await person(name);
    await page.goto(link);
    assert.match(await mainText(page), /Add Embargo to your authenticator app/);
    await shot(page, `${name}-enrollment`);
    const totpSecret = (await page.locator('#totp-secret').getAttribute('data-secret'))!;
    const email = await page.locator('input[name=username]').inputValue();
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('The same password again').fill(PASSWORD);
    await page.getByLabel('Code from your authenticator app').fill(code(totpSecret));
    await submit(page, 'Finish enrollment');
    assert.match(await mainText(page), /You are enrolled/);
    await page.context().close();
    return { email, totpSecret };
  };

  // 1. First-run setup, with the token `embargo serve` prints on an empty desk.
  setSetupToken(SETUP_TOKEN);
  const admin = await person('admin');
  await admin.goto(`${h.baseUrl}/setup?token=${SETUP_TOKEN}`);
  await admin.getByLabel('Trusted Firmware — central triager').check();
  await admin.getByLabel('Name of this desk').fill('Trusted Firmware Security Team');
  await admin.getByLabel('Time zone of the desk').fill('Europe/London');
  await admin.getByLabel('Mail domain of your lists').fill('lists.trustedfirmware.org');
  await admin.locator('input[name=adminName]').fill('Ada Admin');
  await admin.locator('input[name=adminEmail]').fill('ada@trustedfirmware.org');
  await shot(admin, 'setup-form');
  await submit(admin, 'Set up the desk');
  assert.match(await mainText(admin), /The desk is set up/);
  assert.match(await admin.locator('#desk-aliases').innerText(), /security@lists\.trustedfirmware\.org/);
  await shot(admin, 'desk-set-up');
  const adminLink = (await admin.locator('main .secret a').getAttribute('href'))!;
  const ada = await enroll(adminLink, 'admin');

  // 2. The admin signs in and lands on the checklist; creates TF-A there.
  await signIn(admin, ada);
  assert.equal(new URL(admin.url()).pathname, '/admin/start');
  assert.match(await mainText(admin), /Add your projects \(to do\)/);
  await shot(admin, 'admin-checklist');
  await Promise.all([admin.waitForEvent('load'), admin.locator('li[data-step=projects]').getByRole('link', { name: 'Projects' }).click()]);
  const project = admin.locator('form[action="/admin/projects"]');
  await project.getByLabel('Short name (slug)').fill('tf-a');
  await project.locator('input[name=name]').fill('TF-A');
  await submit(admin, 'Create project');
  assert.match(await mainText(admin), /The project and its security team are created/);
  assert.match(await mainText(admin), /TF-A \(tf-a\)/);
  await shot(admin, 'project-created');

  // 3. Two people, each with their team, through the one add-person form; each link is handed over.
  const links: Record<'tom' | 'hank', string> = { tom: '', hank: '' };
  await Promise.all([
    admin.waitForEvent('load'),
    admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'People' }).click(),
  ]);
  for (const [key, name, email, team] of [
    ['tom', 'Tom Triager', 'tom@trustedfirmware.org', 'security'],
    ['hank', 'Hank Handler', 'hank@trustedfirmware.org', 'tf-a-security'],
  ] as const) {
    const form = admin.locator('form[action="/admin/people"]');
    await form.locator('input[name=name]').fill(name);
    await form.getByLabel('E-mail addresses').fill(email);
    await form.getByLabel('Time zone').fill('Europe/London');
    await form.locator(`input[name=teams][value="${team}"]`).check();
    await submit(admin, 'Add person');
    assert.match(await mainText(admin), new RegExp(`${name} is added, on ${team}\\.`));
    links[key] = (await admin.locator('#enrollment-link').getAttribute('href'))!;
    await shot(admin, `${key}-added`);
  }
  const people = await admin.locator('main table', { hasText: 'Everyone on this desk' }).innerText();
  assert.match(people, /Tom Triager[\s\S]*security/);
  assert.match(people, /Hank Handler[\s\S]*tf-a-security/);
  await admin.context().close();
  const tomAccount = await enroll(links.tom, 'tom');
  const hankAccount = await enroll(links.hank, 'hank');

  // 4. A reporter sends a report on the public form and gets their status link.
  const rita = await person('reporter');
  await rita.goto(`${h.baseUrl}/report`);
  await rita.getByLabel('Title').fill('Stack overflow in the BL2 image loader');
  await rita.getByLabel('Description').fill('A crafted FIP image with an oversized header overflows a stack buffer in BL2.');
  await rita.getByLabel('Your name').fill('Rita Reporter');
  await rita.getByLabel('Your e-mail address').fill('rita@research.example');
  await shot(rita, 'report-form');
  await submit(rita, 'Send the report');
  assert.match(await mainText(rita), /your report is received/);
  assert.match((await rita.locator('#status-link').getAttribute('href'))!, /^\/status\/rpt_/);
  await shot(rita, 'report-received');
  await rita.context().close();

  // 5. The central member claims the triage and accepts it for TF-A.
  const tom = await person('tom');
  await signIn(tom, tomAccount);
  const row = tom.locator('main table tr', { hasText: 'Stack overflow in the BL2 image loader' });
  assert.match(await row.innerText(), /unclaimed/);
  await shot(tom, 'queue');
  await Promise.all([tom.waitForEvent('load'), row.getByRole('link').first().click()]);
  assert.match(await mainText(tom), /Rita Reporter/, 'the central team reads who reported it');
  await submit(tom, 'Claim the triage', tom.getByRole('form', { name: 'Claim the triage' }));
  assert.match(await mainText(tom), /You are now the triager of this report/);
  await shot(tom, 'triage-claimed');
  const accept = tom.getByRole('form', { name: 'Accept and forward to project team(s)' });
  await accept.getByLabel('Incident title').fill('BL2 FIP header overflow');
  await accept.getByLabel('TF-A (tf-a)').check();
  await submit(tom, 'Accept and forward to project team(s)', accept);
  const accepted = await mainText(tom);
  assert.match(accepted, /Accepted: the incident is created and forwarded/);
  const ref = /Incident (TF-\d{4}-\d{4})/.exec(accepted)?.[1];
  assert.ok(ref, accepted);
  await shot(tom, 'accepted');
  await tom.context().close();

  // 6. The TF-A member opens the incident from the queue and becomes its handler.
  const hank = await person('hank');
  await signIn(hank, hankAccount);
  const incidentRow = hank.locator('main table tr', { hasText: ref });
  await Promise.all([hank.waitForEvent('load'), incidentRow.getByRole('link', { name: ref }).click()]);
  assert.match(await mainText(hank), new RegExp(`${ref}: Stack overflow`));
  await submit(hank, 'TF-A: Become the incident handler', hank.getByRole('form', { name: 'TF-A: Become the incident handler' }));
  const handled = await mainText(hank);
  assert.match(handled, /You are now the incident handler for this project/);
  assert.match(handled, /Point of contact for the reporter Hank Handler/);
  await shot(hank, 'handler');

  // 7. The handler drafts the advisory in the editor and saves it.
  await Promise.all([hank.waitForEvent('load'), hank.getByRole('link', { name: 'Draft, review and publish the advisory' }).click()]);
  await submit(hank, 'Start an advisory from the incident');
  assert.match(new URL(hank.url()).pathname, /^\/desk\/advisories\/[0-9a-f-]{36}\/edit$/);
  await hank.getByLabel('Summary').fill('A crafted FIP image overflows a stack buffer in BL2.');
  await hank
    .getByLabel('Description (Markdown)')
    .fill('BL2 copies the image header into a fixed-size stack buffer without checking its length.');
  await shot(hank, 'advisory-editor');
  await submit(hank, 'Save as a new version');
  assert.match(hank.url(), /\/desk\/advisories\/[0-9a-f-]{36}\?done=saved$/);
  const overview = await mainText(hank);
  assert.match(overview, /Saved as a new version/);
  assert.match(overview, /State Draft Latest version 2/);
  await shot(hank, 'advisory-saved');
  await Promise.all([hank.waitForEvent('load'), hank.getByRole('link', { name: 'Preview version 2' }).click()]);
  const preview = await mainText(hank);
  assert.match(preview, /A crafted FIP image overflows a stack buffer in BL2\./);
  assert.match(preview, /without checking its length/);
  await shot(hank, 'advisory-preview');
  await hank.context().close();

  t.diagnostic(
    `first-run walk: ${pages} pages, ${posts} form posts (${size}, ${viewport.width}×${viewport.height}; screenshots in ${dir})`,
  );
  assert.deepEqual(problems, [], 'no dialog, page error or CSP violation');
}
