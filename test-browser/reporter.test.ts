import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { setupDesk, addMember, type Member } from '../test/support/harness.ts';
import { launchBrowser, mainText, newPage, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The reporter's side in Chromium: the public report form, the secret status link, messages.

let h: WebHarness;
let browser: Browser;
let tina: Member;

describe('the public report form in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    const admin = await setupDesk(h, 'trusted-firmware');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('submit a report, keep the status link, open it, add a message', async () => {
    const { page, dialogs, errors } = await newPage(browser);
    await page.goto(`${h.baseUrl}/report`);
    assert.equal(await page.locator('h1').innerText(), 'Report a vulnerability');

    // A mistake first: the description is too short. The error says so and nothing typed is lost.
    await page.locator('input[name=title]').fill('Heap overflow in the TF-M crypto service');
    await page.locator('textarea[name=body]').fill('short');
    await page.locator('input[name=email]').fill('rita@research.example');
    await page.getByRole('button', { name: 'Send the report' }).click();
    assert.match(await page.locator('[role=alert]').innerText(), /description must be at least 10 characters/i);
    assert.equal(await page.locator('input[name=title]').inputValue(), 'Heap overflow in the TF-M crypto service');
    assert.equal(await page.locator('input[name=email]').inputValue(), 'rita@research.example');

    await page
      .locator('textarea[name=body]')
      .fill('A crafted PSA call with an oversized input length overflows a heap buffer in the crypto partition.');
    await page.locator('input[name=name]').fill('Rita Reporter');
    await page.locator('input[name=organisation]').fill('Example Research Ltd');
    await page.locator('input[name=handle]').fill('rita');
    await page.locator('textarea[name=product]').fill('Musca-B1 board, TF-M v2.1');
    await page.locator('#label_0').fill('customer');
    await page.locator('#value_0').fill('Megacorp Automotive');
    await page.getByLabel('By my handle or another name').check();
    await page.getByRole('button', { name: 'Send the report' }).click();

    const text = await mainText(page);
    assert.match(text, /your report is received/);
    assert.match(text, /Keep this private link/);
    const link = page.locator('#status-link');
    const shown = await link.innerText();
    assert.match(shown, new RegExp(`^${h.baseUrl}/status/rpt_`));
    await link.click();
    assert.equal(page.url(), shown);

    let status = await mainText(page);
    assert.match(status, /Heap overflow in the TF-M crypto service/);
    assert.match(await page.locator('#report-status').innerText(), /awaiting triage/);
    assert.match(status, /No messages yet/);
    // The reference is the reporter's, not the desk's running number; the page says when to expect an answer.
    assert.match(await page.locator('#report-reference').innerText(), /^R-[0-9A-Z]{8}$/);
    assert.match(await page.locator('#next-expected').innerText(), /^We aim to answer by \w{3}, \d{1,2} \w{3} \d{4}/);

    await page.getByLabel('Your message').fill('I can also share a proof of concept if useful.');
    await page.getByRole('button', { name: 'Send message' }).click();
    status = await mainText(page);
    assert.match(status, /Your message is sent to the team/);
    assert.match(await page.locator('article.message').innerText(), /You[\s\S]*proof of concept/);

    // The team sees the report with the reporter's message and the sensitive fields.
    const reportId = (await h.app.db.query<{ id: string }>('SELECT id FROM reports ORDER BY number DESC LIMIT 1')).rows[0]!.id;
    const view = await h.server.inject({
      method: 'GET',
      url: `/api/reports/${reportId}`,
      headers: { authorization: `Bearer ${tina.token}` },
    });
    const json = view.json();
    assert.equal(json.channel, 'web');
    assert.equal(json.creditPreference, 'handle');
    assert.deepEqual(json.sensitive.fields, [{ label: 'customer', value: 'Megacorp Automotive' }]);
    assert.equal(json.sensitive.product, 'Musca-B1 board, TF-M v2.1');
    assert.equal(json.reporter.organisation, 'Example Research Ltd');
    assert.equal(json.thread.at(-1).kind, 'from_reporter');

    // A reply from the team shows on the status page; an unknown link is "not found".
    await h.server.inject({
      method: 'POST',
      url: `/api/reports/${reportId}/replies`,
      headers: { authorization: `Bearer ${tina.token}` },
      payload: { body: 'Thank you, we are on it.' },
    });
    await page.reload();
    assert.match(await mainText(page), /The security team[\s\S]*Thank you, we are on it/);
    const missing = await page.goto(`${h.baseUrl}/status/rpt_not_a_real_token`);
    assert.equal(missing?.status(), 404);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
