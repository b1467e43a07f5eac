import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { setupDesk, addMember, addProject, api, sampleReport, type Member } from '../test/support/harness.ts';
import { launchBrowser, newPage, resultsDir, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The case page's layout in Chromium at 1440×900: the report starts in the first viewport for a
// central member and for a project member, with the summary and the one highlighted next step beside
// it; the composer's tabs switch without JavaScript.

const VIEWPORT = { width: 1440, height: 900 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let h: WebHarness;
let browser: Browser;
let tina: Member, hank: Member;
let inTriage: string, incident: string;

async function caseAt(m: Member, reportId: string, opts: { javaScript?: boolean } = {}): Promise<Page> {
  const page =
    opts.javaScript === false
      ? await (await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORT })).newPage()
      : (await newPage(browser)).page;
  await page.setViewportSize(VIEWPORT);
  await signInAs(page, h, m);
  await page.goto(`${h.baseUrl}/cases/${reportId}`);
  return page;
}

async function top(page: Page, selector: string): Promise<number> {
  const box = await page.locator(selector).first().boundingBox();
  assert.ok(box, `${selector} is laid out`);
  return Math.round(box.y);
}

describe('the case page at 1440×900', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
    inTriage = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
    await api(h, 'POST', `/api/reports/${inTriage}/claim`, { as: tina });
    incident = (await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: 'BL31 SMC handler overflow' } })).json.reportId;
    await api(h, 'POST', `/api/reports/${incident}/claim`, { as: tina });
    await api(h, 'POST', `/api/reports/${incident}/accept`, { as: tina, body: { title: 'BL31 overflow', projects: ['tf-a'] } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('the triager sees the report in the first viewport, and accepting as the one highlighted step beside it', async () => {
    const page = await caseAt(tina, inTriage);
    const report = await top(page, 'section[aria-labelledby=report-h]');
    console.log(`# top of the report for a central member: ${report} px`);
    await page.screenshot({ path: `${resultsDir()}case-page-triage.png` });
    assert.ok(report < VIEWPORT.height / 2, `the report starts at ${report} px`);
    const primary = page.locator('#actions button.primary');
    assert.equal(await primary.count(), 1, 'one primary action');
    assert.equal(await primary.innerText(), 'Accept and forward to project team(s)');
    const box = await primary.boundingBox();
    assert.ok(box && box.y + box.height <= VIEWPORT.height, 'the primary action is above the fold');
    // Rejecting is apart, behind its own disclosure, and says it is destructive in words.
    const reject = page.locator('details.danger-zone form.triage-reject');
    assert.equal(await reject.count(), 1);
    assert.equal(await reject.isVisible(), false, 'folded away');
    await page.locator('details.danger-zone > summary').click();
    assert.match(await reject.innerText(), /Destructive/);
    assert.equal(await reject.locator('button.danger').count(), 1);
    await page.context().close();
  });

  test('the project member sees the report and "become the handler" in the first viewport', async () => {
    const page = await caseAt(hank, incident);
    const report = await top(page, 'section[aria-labelledby=report-h]');
    console.log(`# top of the report for a project member: ${report} px`);
    assert.ok(report < VIEWPORT.height / 2, `the report starts at ${report} px`);
    const primary = page.locator('#actions button.primary');
    assert.equal(await primary.innerText(), 'TF-A: Become the incident handler');
    const box = await primary.boundingBox();
    assert.ok(box && box.y + box.height <= VIEWPORT.height, 'the key action is above the fold');
    const summary = (await page.locator('#summary').innerText()).replace(/\s+/g, ' ');
    assert.match(summary, /TF-A: waiting for a handler/);
    assert.match(summary, /project analysis .*due in \d+ days/);
    await page.screenshot({ path: `${resultsDir()}case-page-project.png` });
    await page.context().close();
  });

  test('the composer switches between note, reply and status update without JavaScript', async () => {
    const page = await caseAt(hank, incident, { javaScript: false });
    const note = page.locator('form.case-note');
    const reply = page.locator('form.case-reply');
    assert.ok(await note.isVisible());
    assert.equal(await reply.isVisible(), false);
    await page.locator('label[for=compose-reply]').click();
    assert.ok(await reply.isVisible());
    assert.equal(await note.isVisible(), false);
    await page.locator('label[for=compose-status]').click();
    assert.ok(await page.locator('form.case-status-update').isVisible());
    await page.context().close();
  });

  test('axe-core finds no critical or serious violation on the case page, the action groups and composer open', async () => {
    const bad: string[] = [];
    for (const [who, m, id] of [
      ['central', tina, inTriage],
      ['project', hank, incident],
    ] as const) {
      const page = await caseAt(m, id);
      for (const d of await page.locator('details').all()) await d.evaluate((el) => el.setAttribute('open', ''));
      // axe goes in through the DevTools protocol, which the page's CSP does not govern.
      await page.evaluate(AXE_SOURCE);
      const found = await page.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: {
              run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }>;
            };
          }
        ).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
      });
      for (const v of found)
        if (v.impact === 'critical' || v.impact === 'serious') bad.push(`${who}: ${v.impact} ${v.id} (${v.nodes}): ${v.help}`);
      await page.context().close();
    }
    assert.deepEqual(bad, []);
  });
});
