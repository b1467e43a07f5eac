import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../test/support/harness.ts';
import { insertPublished } from '../test/support/published-advisories.ts';
import { FIXTURES } from '../test/formats/fixtures.ts';
import { webPlugin } from '../src/web/index.ts';
import { publicSitePlugin } from '../src/public/index.ts';
import { launchBrowser, mainText, newPage, resultsDir, skipBrowser } from './support.ts';

// The public advisory site in Chromium: script written into an advisory's Markdown (description,
// mitigation, upgrade, title, summary) is shown as text and never runs, and the page appears at its
// publication time by the clock alone.

let h: Harness & { baseUrl: string };
let browser: Browser;

const ID = 'TOCK-2026-0042';
const PUBLISH_AT = '2026-11-23T12:00:00Z';

// Each payload, if it ever ran, would leave a mark in window.__pwned or open a dialog.
const payloads = (where: string) =>
  [
    `<script>window.__pwned = (window.__pwned || []).concat('${where}: script')</script>`,
    `<img src="x" onerror="window.__pwned = (window.__pwned || []).concat('${where}: img')">`,
    `<svg onload="alert('${where}: svg')"></svg>`,
    `<iframe srcdoc="<script>parent.alert('${where}: iframe')</script>"></iframe>`,
    `[a link](javascript:alert('${where}: link'))`,
    `<javascript:alert('${where}: autolink')>`,
    `[data link](data:text/html,<script>alert('${where}: data')</script>)`,
    `<a href="javascript:alert('${where}: anchor')">anchor</a>`,
  ].join('\n\n');

describe('the public advisory site in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    const started = await startHarness({
      clock: '2026-11-23T09:00:00Z',
      plugins: [webPlugin, publicSitePlugin],
      listen: true,
      config: { publicUrl: 'https://desk.example.org' },
    });
    h = { ...started, baseUrl: started.baseUrl! };
    const base = FIXTURES.find((f) => f.name === 'tock-kernel-git-range')!.input;
    await insertPublished(
      h.app,
      [
        {
          ...base,
          id: ID,
          title: `Console escape <script>alert('title')</script>`,
          summary: `Summary <img src=x onerror="alert('summary')">`,
          description: `A description with **bold** text.\n\n${payloads('description')}`,
          mitigation: `Mitigate it.\n\n${payloads('mitigation')}`,
          upgrade: `Upgrade it.\n\n${payloads('upgrade')}`,
          published: PUBLISH_AT,
        },
      ],
      { publishAt: PUBLISH_AT },
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('before its publication time the page is not there; at that time it is', async () => {
    const { page, context } = await newPage(browser);
    const url = `${h.baseUrl}/advisories/${ID}/`;
    let response = await page.goto(url);
    assert.equal(response?.status(), 404);
    assert.match(await mainText(page), /There is no published advisory at this address/);
    await page.goto(`${h.baseUrl}/advisories/`);
    assert.doesNotMatch(await mainText(page), new RegExp(ID));

    h.clock.set(PUBLISH_AT);
    response = await page.goto(url);
    assert.equal(response?.status(), 200);
    assert.match(await page.locator('h1').innerText(), /^Console escape <script>alert\('title'\)<\/script>$/);
    await page.goto(`${h.baseUrl}/advisories/`);
    await page.getByRole('link', { name: ID }).click();
    assert.equal(page.url(), url);
    await context.close();
  });

  test('script in the title, summary, description, mitigation and upgrade is shown as text and never runs', async () => {
    h.clock.set(PUBLISH_AT);
    const { page, context, dialogs, errors } = await newPage(browser);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const response = await page.goto(`${h.baseUrl}/advisories/${ID}/`);
    assert.equal(response?.status(), 200);
    assert.match(response!.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    await page.waitForLoadState('load');

    // Nothing ran: no mark, no dialog, no error.
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);

    // Nothing could have run, CSP aside: the payloads are not elements or attributes in the page at all.
    const dom = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      frames: document.querySelectorAll('iframe, frame, object, embed, svg, img').length,
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`),
      ),
      badLinks: [...document.querySelectorAll('a[href]')]
        .map((a) => a.getAttribute('href')!)
        .filter((href) => !/^(https?:|\.{0,2}\/|[a-z0-9.-]+\.(json|txt|md|atom)$|(cve|csaf-2\.[01])\/[a-z0-9.-]+\.json$|#)/i.test(href)),
    }));
    assert.deepEqual(dom, { scripts: 0, frames: 0, handlers: [], badLinks: [] });
    assert.deepEqual(violations, [], 'there was nothing for the CSP to block');

    // The reader sees the text as written.
    for (const section of ['description', 'mitigation', 'upgrade']) {
      const text = await page.locator(`#${section}`).innerText();
      assert.ok(
        text.includes(`<script>window.__pwned = (window.__pwned || []).concat('${section}: script')</script>`),
        `${section}: ${text}`,
      );
      assert.ok(text.includes(`<img src="x" onerror=`), section);
    }
    assert.equal(await page.locator('#description strong').innerText(), 'bold', 'Markdown still renders');
    assert.match(await page.locator('.summary').innerText(), /^Summary <img src=x onerror="alert\('summary'\)">$/);

    // Clicking what looks like a link does nothing harmful: the javascript: ones are not links.
    assert.equal(await page.locator('#description a', { hasText: 'a link' }).count(), 0);
    await page.screenshot({ path: `${resultsDir()}public-site-hostile-advisory.png`, fullPage: true });
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.deepEqual(dialogs, []);
    await context.close();
  });
});
