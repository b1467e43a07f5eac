import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { api, type Member } from '../test/support/harness.ts';
import { castOfRoles, type Role } from '../test/support/roles.ts';
import { webPages } from '../src/web/index.ts';
import { launchBrowser, newPage, PHONE, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The desk on a phone, in Chromium: at 390×844 no page the web door has is wider than the viewport
// (tables scroll inside their own region, long text wraps, the navigation folds into a "Menu" that
// opens without script). axe-core on every page for every role is a11y-every-page.test.ts.

let h: WebHarness;
let browser: Browser;
let as: Record<Role, Member | null>;
let reportId = '';
let statusToken = '';
let advisoryId = '';

/** Every GET page of the web door (downloads and the stylesheet aside), its parameters filled. */
function pageUrls(): string[] {
  return webPages
    .filter((r) => r.method === 'GET' && !r.url.startsWith('/static/') && !r.url.endsWith('/export'))
    .map((r) =>
      r.url
        .replace('/desk/advisories/:id', `/desk/advisories/${advisoryId}`)
        .replace(':reportId', reportId)
        .replace(':version', '1')
        .replace('/status/:token', `/status/${statusToken}`)
        .replace('/enroll/:token', `/enroll/enr_${'x'.repeat(43)}`)
        .replace('/unlock/:token', `/unlock/unl_${'x'.repeat(43)}`)
        .replace('/portal/sign-in/:token', `/portal/sign-in/${'x'.repeat(43)}`)
        .replace(':ref', 'TF-2026-0001'),
    )
    .map((u) => (u.endsWith('/diff') ? `${u}?from=1&to=1` : u === '/cwe' ? `${u}?q=overflow` : u))
    .concat(['/no/such/page', '/?status=closed', '/?mine=true&overdue=true']);
}

describe('the desk on a phone', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    const cast = await castOfRoles(h);
    as = cast.as;
    const central = as.central!;
    // A case with long unbroken text everywhere it shows: the title, the body, a reply and a note.
    const long = `${'A'.repeat(120)} https://git.example/${'path/'.repeat(30)}`;
    const sent = await api(h, 'POST', '/api/reports', {
      body: {
        title: `Overflow ${'B'.repeat(90)}`,
        body: `${long}\n${'    indented code line '.repeat(12)}`,
        reporter: { name: 'Rita Reporter', email: 'rita@research.example' },
      },
    });
    assert.equal(sent.status, 201, sent.body);
    reportId = sent.json.reportId;
    statusToken = sent.json.statusToken;
    await api(h, 'POST', '/api/reports', { body: { title: 'Second report', body: 'Waiting for triage.' } });
    assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: central })).status, 200);
    const accepted = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
      as: central,
      body: { title: `Incident ${'C'.repeat(90)}`, projects: ['tf-a'] },
    });
    assert.equal(accepted.status, 200, accepted.body);
    await api(h, 'POST', `/api/reports/${reportId}/notes`, { as: central, body: { body: long } });
    await api(h, 'POST', `/api/reporter/${statusToken}/messages`, { body: { body: `${long}\n`.repeat(40) } });
    const adv = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: central });
    advisoryId = adv.json.advisoryId;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('at 390 px no page is wider than the viewport, for the central member', async () => {
    const { context, page, errors } = await newPage(browser);
    await page.setViewportSize(PHONE);
    await signInAs(page, h, as.central!);
    const wide: string[] = [];
    const urls = pageUrls();
    for (const url of urls) {
      await page.goto(`${h.baseUrl}${url}`, { waitUntil: 'load' });
      const { width, culprit } = await page.evaluate(() => {
        // For the message: the innermost elements that stick out past the viewport, not inside a
        // container that scrolls or clips them.
        const vw = window.innerWidth;
        const contained = (el: Element) => {
          for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
            if (getComputedStyle(p).overflowX !== 'visible') return true;
          return false;
        };
        const out = Array.from(document.body.querySelectorAll('*')).filter(
          (el) => el.getBoundingClientRect().right > vw + 0.5 && !contained(el),
        );
        const innermost = out.filter((el) => !out.some((o) => o !== el && el.contains(o)));
        const name = (el: Element) =>
          `${el.localName}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}" (${Math.round(el.getBoundingClientRect().right)} px)`;
        return {
          width: document.documentElement.scrollWidth,
          culprit: innermost
            .sort((x, y) => y.getBoundingClientRect().right - x.getBoundingClientRect().right)
            .slice(0, 3)
            .map(name)
            .join('; '),
        };
      });
      if (width > PHONE.width) wide.push(`${url}: ${width} px, by ${culprit}`);
    }
    assert.ok(urls.length >= 35, `opened ${urls.length} pages`);
    assert.deepEqual(wide, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('on a phone the navigation is a Menu that opens without script; on a wide screen it is always shown', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/signin`);
    const menu = page.locator('header.site summary', { hasText: 'Menu' });
    assert.ok(await menu.isVisible());
    const signIn = page.locator('header.site').getByRole('link', { name: 'Sign in' });
    assert.equal(await signIn.isVisible(), false, 'folded away');
    await menu.focus();
    await page.keyboard.press('Enter');
    assert.ok(await signIn.isVisible(), 'opened from the keyboard');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.reload();
    assert.equal(await menu.isVisible(), false, 'no toggle on a wide screen');
    assert.ok(await signIn.isVisible());
    await context.close();
  });

  test('a wide table scrolls inside a labelled region the keyboard reaches, and long messages wrap and scroll', async () => {
    const { context, page } = await newPage(browser);
    await page.setViewportSize(PHONE);
    await signInAs(page, h, as.central!);
    const region = page.getByRole('region', { name: 'Open incidents' });
    assert.equal(await region.getAttribute('tabindex'), '0');
    const [scroll, client] = await region.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(scroll > client, `the table is wider than its region (${scroll} > ${client}) and scrolls there`);
    await region.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    // Keyboard scrolling is animated: wait for it to move.
    await region.evaluate(
      (el) =>
        new Promise<void>((resolve, reject) => {
          const t0 = Date.now();
          const tick = () =>
            el.scrollLeft > 0
              ? resolve()
              : Date.now() - t0 > 5000
                ? reject(new Error('not scrolled by the keyboard'))
                : requestAnimationFrame(tick);
          tick();
        }),
    );
    // The reporter's long message: wrapped, and its box (taller than its limit) takes the focus to scroll.
    await page.goto(`${h.baseUrl}/status/${statusToken}`);
    // The message's text box (paragraphs, no longer a <pre> dump).
    const pre = page.locator('.message-text').last();
    const box = await pre.evaluate((el) => {
      (el as HTMLElement).focus();
      return {
        wraps: el.scrollWidth <= el.clientWidth,
        scrolls: el.scrollHeight > el.clientHeight,
        focused: document.activeElement === el,
      };
    });
    assert.deepEqual(box, { wraps: true, scrolls: true, focused: true });
    await context.close();
  });
});
