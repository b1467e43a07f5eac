import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addMember, addProject, api, sampleReport, setupDesk, type Member } from '../test/support/harness.ts';
import { launchBrowser, newPage, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The queue's keyboard shortcuts in Chromium, under the page's own CSP (never bypassed here): j/k
// and the arrows move a visible selection over the cases, Enter and o open the selected one, / goes
// to the filters, m turns "Mine only" on and off, ? opens the list of shortcuts; none acts while the
// person types in a field or holds a modifier. Nothing breaks the CSP (no violation, no console
// error). Without JavaScript the page is the same page, word for word and element for element, and
// everything the keys do is still done with its links and its form.

let h: WebHarness;
let browser: Browser;
let tina: Member;
const mine: string[] = []; // the cases Tina triages
let other = ''; // a case nobody claimed

interface Watched {
  context: BrowserContext;
  page: Page;
  errors: string[];
  console: string[];
}

/** A signed-in page that records console errors and the CSP's violation reports, besides page errors. */
async function watchedPage(o: { javaScript?: boolean } = {}): Promise<Watched> {
  let w: { context: BrowserContext; page: Page; errors: string[] };
  if (o.javaScript === false) {
    const context = await browser.newContext({ javaScriptEnabled: false });
    w = { context, page: await context.newPage(), errors: [] };
  } else {
    w = await newPage(browser);
    await w.context.addInitScript(() => {
      const v: string[] = [];
      (window as unknown as { __cspViolations: string[] }).__cspViolations = v;
      document.addEventListener('securitypolicyviolation', (e) => v.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
  }
  const console: string[] = [];
  w.page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.push(`${m.type()}: ${m.text()}`);
  });
  await signInAs(w.page, h, tina);
  return { ...w, console };
}

const violations = (p: Page) => p.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

/** The case ids of the queue's rows, in the page's order, and which one is selected. */
async function rows(p: Page): Promise<{ ids: string[]; selected: string[] }> {
  return p.evaluate(() => {
    const idOf = (tr: Element) => /\/cases\/([^/"?#]+)/.exec(tr.querySelector('a[href^="/cases/"]')?.getAttribute('href') ?? '')?.[1] ?? '';
    const trs = Array.from(document.querySelectorAll('table.queue tbody tr, table.overdue-list tbody tr')).filter(idOf);
    return { ids: trs.map(idOf), selected: trs.filter((tr) => tr.classList.contains('is-selected')).map(idOf) };
  });
}

/** The case whose link holds the keyboard's focus, or what element does. */
const focused = (p: Page) =>
  p.evaluate(() => {
    const a = document.activeElement;
    const id = a instanceof HTMLAnchorElement ? /\/cases\/([^/?#]+)/.exec(a.getAttribute('href') ?? '')?.[1] : undefined;
    return id ?? `${a?.localName}${a?.getAttribute('name') ? `[name=${a.getAttribute('name')}]` : ''}`;
  });

describe('the queue keyboard shortcuts in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    const report = async (title: string) =>
      (await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title } })).json.reportId as string;
    for (const title of ['Overflow in BL2', 'Leak in BL31']) {
      const id = await report(title);
      assert.equal((await api(h, 'POST', `/api/reports/${id}/claim`, { as: tina })).status, 200);
      mine.push(id);
    }
    const incident = await report('Race in the SPM');
    assert.equal((await api(h, 'POST', `/api/reports/${incident}/claim`, { as: tina })).status, 200);
    const accepted = await api(h, 'POST', `/api/reports/${incident}/accept`, {
      as: tina,
      body: { title: 'Race in the SPM', projects: ['tf-a'] },
    });
    assert.equal(accepted.status, 200, accepted.body);
    mine.push(incident);
    other = await report('Unclaimed report');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('j, k and the arrows move a visible selection; Enter and o open the selected case', async () => {
    const w = await watchedPage();
    const p = w.page;
    const res = await p.goto(`${h.baseUrl}/`);
    assert.match(res!.headers()['content-security-policy']!, /script-src 'self'/);
    assert.doesNotMatch(res!.headers()['content-security-policy']!, /unsafe-inline|unsafe-eval/);
    const { ids } = await rows(p);
    assert.equal(ids.length, 4, 'every case is a row');

    assert.deepEqual((await rows(p)).selected, [], 'nothing is selected before a key');
    await p.keyboard.press('ArrowDown');
    assert.deepEqual((await rows(p)).selected, [], 'an arrow with nothing selected is the page’s own (it scrolls)');
    await p.keyboard.press('j');
    assert.deepEqual((await rows(p)).selected, [ids[0]]);
    assert.equal(await focused(p), ids[0], 'the selected case’s link holds the focus');
    // The selection shows as a bar, not only as a tint.
    const bar = await p
      .locator('tr.is-selected td')
      .first()
      .evaluate((td) => getComputedStyle(td).boxShadow);
    assert.notEqual(bar, 'none');
    await p.keyboard.press('j');
    await p.keyboard.press('j');
    assert.deepEqual((await rows(p)).selected, [ids[2]]);
    await p.keyboard.press('k');
    assert.deepEqual((await rows(p)).selected, [ids[1]]);
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowDown');
    assert.deepEqual((await rows(p)).selected, [ids[3]], 'the last case stays selected at the end');
    await p.keyboard.press('ArrowUp');
    assert.deepEqual((await rows(p)).selected, [ids[2]]);
    for (const combo of ['Shift+J', 'Alt+j', 'Control+k']) {
      await p.keyboard.press(combo);
      assert.deepEqual((await rows(p)).selected, [ids[2]], `${combo}: keys with a modifier are not the queue’s`);
    }

    await Promise.all([p.waitForURL(`**/cases/${ids[2]}`), p.keyboard.press('Enter')]);
    await p.goBack();
    await p.keyboard.press('k');
    const first = (await rows(p)).selected[0];
    assert.ok(first);
    await Promise.all([p.waitForURL(`**/cases/${first}`), p.keyboard.press('o')]);
    await p.goBack();
    assert.deepEqual(await violations(p), [], 'no CSP violation');
    assert.deepEqual([...w.errors, ...w.console], [], 'no page or console error');
    await w.context.close();
  });

  test('/ goes to the filters, m turns "Mine only" on and off, ? opens the list; none while typing in a field', async () => {
    const w = await watchedPage();
    const p = w.page;
    await p.goto(`${h.baseUrl}/`);
    await p.keyboard.press('/');
    assert.equal(await focused(p), 'select[name=project]', 'the first filter has the focus');
    // In a field the keys are the person's: a list box's own type-ahead, a checkbox's own keys.
    await p.keyboard.press('j');
    await p.keyboard.press('m');
    assert.deepEqual((await rows(p)).selected, []);
    assert.equal(new URL(p.url()).search, '', '"m" in a field changes no filter');
    await p.locator('input[name="mine"]').focus();
    await p.keyboard.press('m');
    assert.equal(await p.locator('input[name="mine"]').isChecked(), false);
    assert.equal(new URL(p.url()).search, '');

    await p.locator('h1').click(); // out of the fields
    await Promise.all([p.waitForURL(/[?&]mine=true/), p.keyboard.press('m')]);
    assert.equal(await p.locator('input[name="mine"]').isChecked(), true);
    assert.deepEqual((await rows(p)).ids.sort(), [...mine].sort(), 'only Tina’s cases');
    await Promise.all([p.waitForURL((u) => !u.search.includes('mine=')), p.keyboard.press('m')]);
    assert.ok((await rows(p)).ids.includes(other), 'everyone’s cases again');

    const help = p.locator('details#queue-shortcuts');
    assert.equal(await help.evaluate((d: HTMLDetailsElement) => d.open), false);
    await p.keyboard.press('?');
    assert.equal(await help.evaluate((d: HTMLDetailsElement) => d.open), true, '? opens the list');
    assert.equal(await focused(p), 'summary', 'its summary has the focus');
    assert.match(await help.innerText(), /Select the next case[\s\S]*Open the selected case[\s\S]*Go to the filters/);
    await p.keyboard.press('Escape');
    assert.equal(await help.evaluate((d: HTMLDetailsElement) => d.open), false, 'Escape closes it');
    await p.keyboard.press('?');
    await p.keyboard.press('?');
    assert.equal(await help.evaluate((d: HTMLDetailsElement) => d.open), false, '? again closes it');

    assert.deepEqual(await violations(p), [], 'no CSP violation');
    assert.deepEqual([...w.errors, ...w.console], [], 'no page or console error');
    await w.context.close();
  });

  test('without JavaScript the page is the same, and its links and form do what the keys do', async () => {
    const withJs = await watchedPage();
    const noJs = await watchedPage({ javaScript: false });
    // Both signed in first, so the clock stands still between the two loads.
    await withJs.page.goto(`${h.baseUrl}/`);
    await noJs.page.goto(`${h.baseUrl}/`);
    // Each rendering numbers its label/field ids afresh (uid()); the numbers aside, the markup is compared.
    const main = (p: Page) =>
      p
        .locator('main')
        .evaluate((m) => ({ html: m.innerHTML.replace(/="([a-z]+)-\d+"/gi, '="$1-n"'), text: (m as HTMLElement).innerText }));
    const [a, b] = [await main(withJs.page), await main(noJs.page)];
    assert.equal(b.text, a.text, 'the same words');
    assert.equal(b.html, a.html, 'the same elements: the script adds nothing until a key is pressed');
    await withJs.context.close();

    const p = noJs.page;
    // The list of shortcuts is a short text on the page, opened without script.
    await p.locator('details#queue-shortcuts > summary').click();
    assert.match(await p.locator('details#queue-shortcuts').innerText(), /With JavaScript on, these single keys work on this page/);
    await p.keyboard.press('j');
    assert.deepEqual((await rows(p)).selected, [], 'no key does anything without script');
    // What the keys do, by the page's own means: a case link from the keyboard, and the filter form.
    const { ids } = await rows(p);
    await p.locator(`a[href="/cases/${ids[0]}"]`).first().focus();
    await Promise.all([p.waitForURL(`**/cases/${ids[0]}`), p.keyboard.press('Enter')]);
    await p.goBack();
    await p.getByLabel('Mine only').check();
    await Promise.all([p.waitForURL(/[?&]mine=true/), p.getByRole('button', { name: 'Filter' }).click()]);
    assert.deepEqual((await rows(p)).ids.sort(), [...mine].sort());
    assert.deepEqual(noJs.errors, []);
    await noJs.context.close();
  });
});
