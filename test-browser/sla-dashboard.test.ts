import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { addMember, addProject, api, sampleReport, setupDesk, type Member } from '../test/support/harness.ts';
import { launchBrowser, mainText, newPage, resultsDir, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// The SLA views in Chromium: the dashboard's charts render (inline SVG, visible, with a size) under the
// strict CSP, with accessible names and the numbers in tables; the queue puts overdue cases first with
// the clock that runs and its owner; the case page draws every clock as a timeline strip.

let h: WebHarness;
let browser: Browser;
let tina: Member;
let acceptedId = '';

describe('SLA views in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    // Long sessions: the app clock moves ten days ahead before anyone signs in.
    h = await startWebHarness({ config: { sessionHours: 24 * 30 } });
    browser = await launchBrowser();
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    const hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
    const base = h.clock.now.getTime();
    const at = (hours: number) => h.clock.set(new Date(base + hours * 3600_000).toISOString());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: `Report ${i + 1}: stack overflow in BL2` } })).json
          .reportId,
      );
    const ok = async (url: string, as: Member, body?: unknown) => {
      const r = await api(h, 'POST', url, { as, ...(body !== undefined ? { body } : {}) });
      assert.ok(r.status < 300, `${url}: ${r.body}`);
    };
    at(1);
    for (const id of ids.slice(0, 4)) await ok(`/api/reports/${id}/claim`, tina);
    at(3);
    await ok(`/api/reports/${ids[0]}/accept`, tina, { title: 'BL2 FIP header overflow', projects: ['tf-a'] });
    acceptedId = ids[0]!;
    at(5);
    await ok(`/api/reports/${ids[0]}/projects/tf-a/claim`, hank);
    at(30);
    await ok(`/api/reports/${ids[1]}/accept`, tina, { title: 'Second incident', projects: ['tf-a'] });
    at(50);
    await ok(`/api/reports/${ids[0]}/projects/tf-a/confirm`, hank, {});
    at(8 * 24);
    await ok(`/api/reports/${ids[2]}/reject`, tina, { reason: 'Not a vulnerability: documented behaviour.' });
    // ids[3] claimed and ids[4] unclaimed: never triaged, overdue; the second incident's project analysis too.
    at(10 * 24);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('the dashboard draws the share met and the distributions as visible SVG charts, with the numbers in tables', async () => {
    const { page, dialogs, errors } = await newPage(browser);
    const console: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.push(m.text());
    });
    await signInAs(page, h, tina);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    assert.equal(await page.locator('h1').innerText(), 'SLA dashboard');

    const charts = page.locator('main svg.chart');
    assert.equal(await charts.count(), 2 + 4, 'a share chart per clock and a histogram per measure');
    for (let i = 0; i < 6; i++) {
      const c = charts.nth(i);
      assert.ok(await c.isVisible(), `chart ${i} visible`);
      const box = await c.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 50, `chart ${i} has a size: ${JSON.stringify(box)}`);
    }
    // Accessible names and descriptions from <title> and <desc>.
    const triage = page.getByRole('img', { name: 'Share of "Triage within 3 working days" deadlines met per week' });
    assert.ok(await triage.isVisible());
    assert.match((await triage.getAttribute('aria-labelledby'))!, /-t .*-d$/);
    assert.match((await triage.locator('desc').textContent()) ?? '', /2 met and 3 breached/);
    // Bars are drawn: the week with decided deadlines has a bar of real height, coloured by share.
    const bars = page.locator('svg.share-chart rect.bar:not(.none)');
    assert.ok((await bars.count()) >= 2);
    const tallest = Math.max(...(await Promise.all((await bars.all()).map(async (b) => (await b.boundingBox())?.height ?? 0))));
    assert.ok(tallest > 20, `a bar has height: ${tallest}`);
    const histBars = page.locator('#dist-triage svg rect.bar');
    assert.equal(await histBars.count(), 11);
    const heights = await Promise.all((await histBars.all()).map(async (b) => (await b.boundingBox())?.height ?? 0));
    assert.equal(heights.filter((x) => x > 0).length, 3, `three buckets have data: ${heights}`);
    assert.match(await page.locator('#dist-fix').innerText(), /No data in this period/);

    // The same numbers in tables.
    const row = (await page.locator('table.sla-counts tbody tr', { hasText: 'Triage within 3 working days' }).innerText()).replace(
      /\s+/g,
      ' ',
    );
    assert.match(row, /triage .*2 1 3 40% 2 0 2/, row);
    const text = await mainText(page);
    assert.match(text, /Time to triage .*3 in the period; median 1 d 6 h, 90th percentile 8 d/);

    // Switching to months is a plain GET form.
    await page.getByLabel('Group by').selectOption('month');
    await page.getByRole('button', { name: 'Show' }).click();
    assert.match(page.url(), /bucket=month/);
    assert.match(await mainText(page), /Share of deadlines met per month/);
    await page.getByLabel('Group by').selectOption('week');
    await page.getByRole('button', { name: 'Show' }).click();

    await page.screenshot({ path: `${resultsDir()}sla-dashboard.png`, fullPage: true });
    assert.deepEqual([...dialogs, ...errors, ...console], [], 'no dialog, page error or CSP complaint');
    await page.context().close();
  });

  test('the queue lists overdue cases first with the running clock and its owner; the case page draws each clock', async () => {
    const { page, errors } = await newPage(browser);
    await signInAs(page, h, tina);
    const overdue = page.locator('table.overdue-list');
    assert.ok(await overdue.isVisible());
    const first = await page.locator('main table').first().getAttribute('class');
    assert.equal(first, 'overdue-list', 'the overdue table comes first');
    const rows = (await overdue.locator('tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.match(rows.find((r) => r.includes('Report 4'))!, /Triage within 3 working days owned by Tina Triager/);
    assert.match(rows.find((r) => r.includes('Report 5'))!, /Triage within 3 working days owned by nobody yet/);
    assert.match(rows.find((r) => r.includes('Second incident'))!, /Project analysis within 7 days \(tf-a\) owned by nobody yet/);

    await page.goto(`${h.baseUrl}/cases/${acceptedId}`);
    const strip = page.getByRole('img', { name: 'Clock timeline of this case' });
    assert.ok(await strip.isVisible());
    const box = await strip.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 50);
    // The triage clock (the unowned row superseded by the claim, then met) and the project analysis (likewise).
    assert.equal(await strip.locator('rect.span').count(), 4);
    assert.equal(await strip.locator('rect.span.superseded').count(), 2);
    assert.equal(await strip.locator('rect.span.met').count(), 2);
    for (const r of await strip.locator('rect.span').all()) assert.ok(((await r.boundingBox())?.width ?? 0) >= 1);
    assert.match(await page.locator('table.deadlines').innerText(), /met/);
    await page.locator('section[aria-labelledby=dl-h]').screenshot({ path: `${resultsDir()}case-clock-timeline.png` });
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
