import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { setupDesk, addMember, addProject, api, sampleReport, type Member } from '../test/support/harness.ts';
import { launchBrowser, newPage, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// Need-to-know in Chromium: a member of the security team marks a value on the case page and reads
// the preview side by side (as the team reads it, as outsiders read it); the collaborator pulled into
// the case reads the labels where the reporter's name, organisation, product and the marked values
// stood, in the page as rendered, never the values.

let h: WebHarness;
let browser: Browser;
let tina: Member, cora: Member;
let reportId: string;

const NAME = sampleReport.reporter.name; // Rita Reporter
const ORG = sampleReport.reporter.organisation; // Example Research Ltd
const HOST = 'lab-gw-3.example-research.internal';

describe('need-to-know in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
    const r = await api(h, 'POST', '/api/reports', {
      body: {
        ...sampleReport,
        title: `BL2 overflow found by ${NAME}`,
        body: `${NAME} of ${ORG} reproduced it on ${HOST} with the ${sampleReport.product} at Megacorp Automotive.`,
      },
    });
    reportId = r.json.reportId;
    await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
    await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('the team marks a host name and sees both renderings side by side', async () => {
    const { page, errors } = await newPage(browser);
    await signInAs(page, h, tina);
    await page.goto(`${h.baseUrl}/cases/${reportId}`);
    const form = page.getByRole('form', { name: 'Mark sensitive' });
    await form.getByLabel('The value or passage, as it stands in the text').fill(HOST);
    await form.getByLabel('Its name in the label').fill('lab host');
    await form.getByRole('button', { name: 'Mark sensitive' }).click();
    await page.waitForURL(/done=marked/);
    assert.match(await page.locator('.flash').innerText(), /Marked sensitive/);
    const team = await page.locator('#preview-team').innerText();
    const outsiders = await page.locator('#preview-outsiders').innerText();
    assert.ok(team.includes(NAME) && team.includes(HOST), team);
    for (const v of [NAME, ORG, HOST, sampleReport.product, 'Megacorp Automotive'])
      assert.ok(!outsiders.includes(v), `preview shows "${v}"`);
    for (const label of ['[reporter]', '[organisation]', '[product]', '[sensitive: customer]', '[sensitive: lab host]']) {
      assert.ok(outsiders.includes(label), `the preview lacks ${label}: ${outsiders}`);
    }
    assert.deepEqual(errors, []);
  });

  test('the collaborator reads labels where the values stood, and no value anywhere on the page', async () => {
    const { page, errors } = await newPage(browser);
    await signInAs(page, h, cora);
    await page.goto(`${h.baseUrl}/`);
    const queueText = await page.locator('main').innerText();
    assert.ok(queueText.includes('BL2 overflow found by [reporter]'), queueText);
    await page.goto(`${h.baseUrl}/cases/${reportId}`);
    const text = await page.locator('main').innerText();
    for (const v of [NAME, ORG, HOST, sampleReport.product, 'Megacorp Automotive', 'rita@'])
      assert.ok(!text.includes(v), `the page shows "${v}"`);
    const description = await page.locator('#report-h ~ pre.body').first().innerText();
    assert.equal(
      description,
      '[reporter] of [organisation] reproduced it on [sensitive: lab host] with the [product] at [sensitive: customer].',
    );
    assert.equal(await page.locator('#need-to-know').count(), 0, 'the marking tools are for the security teams');
    assert.deepEqual(errors, []);
  });
});
