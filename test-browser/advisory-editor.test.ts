import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { setupDesk, addMember, addProject, api, sampleReport, type Member } from '../test/support/harness.ts';
import { launchBrowser, newPage, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The advisory editor in Chromium: a drafter types hostile Markdown into the description (a script
// element, an inline event handler, javascript: links in both Markdown forms), saves it through the
// form, and opens the preview. Nothing runs: no dialog opens, the window flag the script would set
// stays unset, and clicking the links leaves the page where it is.

let h: WebHarness;
let browser: Browser;
let tina: Member;
let reportId: string;

const HOSTILE = [
  'Intro with **bold** text.',
  '',
  '<script>window.__advisoryPwned = 1; alert("script")</script>',
  '',
  '<img src=x onerror="window.__advisoryPwned = 2; alert(\'img\')">',
  '',
  '[click me](javascript:window.__advisoryPwned=3;alert(3))',
  '',
  '<a href="javascript:window.__advisoryPwned=4;alert(4)">raw link</a>',
  '',
  '[ref link][evil]',
  '',
  '[evil]: javascript:window.__advisoryPwned=5;alert(5)',
].join('\n');

describe('advisory editor and preview in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
    await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
    await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 image loader overflow', projects: ['tf-a'] } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('script and javascript: links in the description never run in the preview', async () => {
    const { page, dialogs, errors } = await newPage(browser);
    await signInAs(page, h, tina);
    await page.goto(`${h.baseUrl}/cases/${reportId}`);
    await page.getByRole('link', { name: 'Draft, review and publish the advisory' }).click();
    await page.getByRole('button', { name: 'Start an advisory from the incident' }).click();
    await page.waitForURL(/\/advisories\/[0-9a-f-]{36}\/edit/);

    // An extra reference row without JavaScript: the form is redrawn with what was typed.
    await page.getByLabel('Summary').fill('A stack overflow in BL2.');
    const rowsBefore = await page.locator('input[name^=ref][name$=_url]').count();
    await page.getByRole('button', { name: 'Add a reference' }).click();
    assert.equal(await page.locator('input[name^=ref][name$=_url]').count(), rowsBefore + 1);
    assert.equal(await page.getByLabel('Summary').inputValue(), 'A stack overflow in BL2.');

    await page.getByLabel('Description (Markdown)').fill(HOSTILE);
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL(/\/advisories\/[0-9a-f-]{36}\?done=saved/);
    await page.getByRole('link', { name: 'Preview version 2' }).click();
    await page.waitForURL(/\/versions\/2$/);

    const description = page.locator('#preview-description');
    assert.equal(await description.locator('strong').innerText(), 'bold', 'Markdown is rendered');
    assert.match(await description.innerText(), /<script>window.__advisoryPwned = 1/, 'raw HTML is shown as text');
    assert.equal(await page.locator('#preview-description script, #preview-description img').count(), 0);
    for (const name of ['click me', 'ref link']) {
      const link = description.getByText(name).first();
      assert.equal(await link.count(), 1, `${name} is shown`);
      assert.equal(await link.evaluate((el) => el.closest('a')?.getAttribute('href') ?? null), null, `${name}: no javascript: href`);
      await link.click();
    }
    assert.equal(await description.locator('a[href^="javascript:" i]').count(), 0);
    assert.match(page.url(), /\/versions\/2$/, 'clicking went nowhere');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __advisoryPwned?: number }).__advisoryPwned ?? null),
      null,
      'no script set the flag',
    );
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.deepEqual(errors, []);
  });
  test('wide: the sections, the form and the saved preview side by side, the preview kept in view; narrow: one below the other; the CWE picker', async () => {
    const created = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina });
    assert.equal(created.status, 201, created.body);
    const id = created.json.advisoryId;
    const { page, errors } = await newPage(browser);
    await signInAs(page, h, tina);
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.goto(`${h.baseUrl}/desk/advisories/${id}/edit`);
    const box = async (selector: string) => {
      const b = await page.locator(selector).boundingBox();
      assert.ok(b, `${selector} is shown`);
      return b;
    };
    const nav = await box('nav.editor-sections');
    const form = await box('.editor-form');
    let preview = await box('#editor-preview');
    assert.ok(nav.x + nav.width <= form.x, 'the sections left of the form');
    assert.ok(form.x + form.width <= preview.x, 'the preview right of the form');
    assert.ok(Math.abs(form.y - preview.y) < 2, 'side by side, tops level');
    assert.ok(preview.width >= 350, `the preview is readable (${preview.width}px)`);
    assert.ok(form.width >= 500, `the form is usable (${form.width}px)`);

    // A section link of the navigation scrolls the form there; the preview stays in view beside it.
    await page.locator('nav.editor-sections').getByRole('link', { name: 'Credits' }).click();
    assert.match(page.url(), /#sec-credits$/);
    const credits = await box('#sec-credits');
    assert.ok(credits.y >= -1 && credits.y < 100, `the credits section is at the top (${credits.y})`);
    preview = await box('#editor-preview');
    assert.ok(preview.y >= 0 && preview.y < 900, `the preview is still in view (${preview.y})`);

    // The picker is an input on the shipped list: the choice joins the weaknesses on save.
    const pick = page.getByLabel('Add a weakness from the CWE list');
    assert.equal(await pick.getAttribute('list'), 'cwe-catalogue');
    assert.equal(await page.locator('#cwe-catalogue option[value="CWE-121"]').count(), 1);
    await pick.fill('CWE-121');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL(/\?done=saved/);
    const doc = (await api(h, 'GET', `/api/advisories/${id}`, { as: tina })).json.head.document;
    assert.deepEqual(doc.cweIds, ['CWE-121']);

    await page.setViewportSize({ width: 700, height: 900 });
    await page.goto(`${h.baseUrl}/desk/advisories/${id}/edit`);
    const narrowForm = await box('.editor-form');
    const narrowPreview = await box('#editor-preview');
    assert.ok(narrowPreview.y >= narrowForm.y + narrowForm.height - 1, 'narrow: the preview below the form');
    assert.ok(narrowForm.width <= 700, 'no sideways scrolling of the form');
    assert.match(
      await page.locator('#editor-preview').innerText(),
      /CWE-121 Stack-based Buffer Overflow/,
      'the saved version is previewed',
    );
    assert.deepEqual(errors, []);
  });
});
