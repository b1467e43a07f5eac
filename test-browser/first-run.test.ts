import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import decodeQR from 'qr/decode.js';
import { initInstance } from '../src/app/admin/instance.ts';
import { launchBrowser, mainText, newPage, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';
import { totpCode } from '../src/crypto/totp.ts';

// The enrollment page's QR code as Chromium draws it (pixels from a screenshot, not the markup) reads
// back as the otpauth URI, under the page's CSP; then the new admin lands on the first-run checklist.

let h: WebHarness;
let browser: Browser;

describe('the first hour in Chromium', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('the QR code on screen scans as the otpauth URI; the new admin then starts on the checklist', async () => {
    const { enrollmentToken } = await initInstance(h.app, {
      name: 'Trusted Firmware Security Team',
      profile: 'trusted-firmware',
      timeZone: 'Europe/London',
      admin: { name: 'Ada Admin', email: 'ada@tf.example' },
      mail: { domain: 'lists.tf.example' },
    });
    const { page, errors, context } = await newPage(browser);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${h.baseUrl}/enroll/${enrollmentToken}`);
    const qr = page.locator('#totp-qr');
    assert.ok(await qr.isVisible(), 'the QR code is shown');
    const box = (await qr.boundingBox())!;
    assert.ok(box.width >= 150 && box.width === box.height, `a square big enough to scan: ${box.width}×${box.height}`);
    const png = await qr.screenshot({ type: 'png' });
    // The screenshot's pixels, through a canvas on a page of its own (no CSP there).
    const reader = await context.newPage();
    await reader.setContent(`<img id="shot" src="data:image/png;base64,${png.toString('base64')}">`);
    await reader.locator('#shot').evaluate((img: HTMLImageElement) => img.decode());
    const pixels = await reader.evaluate(() => {
      const img = document.getElementById('shot') as HTMLImageElement;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const c = canvas.getContext('2d')!;
      c.drawImage(img, 0, 0);
      return { width: canvas.width, height: canvas.height, data: Array.from(c.getImageData(0, 0, canvas.width, canvas.height).data) };
    });
    const uri = await page.locator('#totp-uri').innerText();
    assert.equal(decodeQR({ width: pixels.width, height: pixels.height, data: Uint8ClampedArray.from(pixels.data) }), uri);
    assert.match(uri, /^otpauth:\/\/totp\/Trusted%20Firmware%20Security%20Team:/);
    assert.deepEqual(violations, [], 'nothing on the page broke the CSP');

    // Enroll with the secret shown, then sign in: the admin of a bare desk lands on the checklist.
    const secret = (await page.locator('#totp-secret').getAttribute('data-secret'))!;
    await page.getByLabel('New password').fill('a long enough passphrase');
    await page.getByLabel('The same password again').fill('a long enough passphrase');
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, h.clock.now));
    await Promise.all([page.waitForURL(/\/signin\?enrolled=1/), page.getByRole('button', { name: 'Finish enrollment' }).click()]);
    await signInAs(page, h, { email: 'ada@tf.example', password: 'a long enough passphrase', totpSecret: secret });
    assert.equal(new URL(page.url()).pathname, '/admin/start');
    const text = await mainText(page);
    assert.match(text, /Checklist \(0 of 5 done\)/);
    assert.match(text, /Add your projects \(to do\)/);
    await page.locator('li[data-step=projects]').getByRole('link', { name: 'Projects' }).click();
    assert.equal(new URL(page.url()).pathname, '/admin/projects');
    assert.deepEqual(errors, []);
  });
});
