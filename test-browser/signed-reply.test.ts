import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import type { Browser } from 'playwright-core';
import { setupDesk, addMember, api, sampleReport, type Member } from '../test/support/harness.ts';
import { startSmtpSink, type SmtpSink } from '../test/support/smtp-sink.ts';
import { startGpg, type GpgKey, type GpgPeer } from '../test/support/gpg.ts';
import { setSmtpRelay } from '../src/app/delivery/settings.ts';
import { confirmKey, generateTeamKeyFor, recordOfferedKey, uploadMyKey } from '../src/app/keys/keys.ts';
import { runDeliveryPass } from '../src/jobs/mail-delivery.ts';
import type { Ctx } from '../src/app/context.ts';
import { openRelayed } from '../test/mail/relay-support.ts';
import { launchBrowser, mainText, newPage, signInAs, skipBrowser, startWebHarness, type WebHarness } from './support.ts';

// A member signs a reply to the reporter in Chromium with their own private key (a file picked in the
// page, unlocked with its passphrase), and the desk relays it: the SMTP sink gets the reporter's copy,
// which GnuPG decrypts with the reporter's key and verifies as signed by the member. The private key
// and passphrase never leave the browser; the page's CSP allows our own scripts only.

const ALIAS = 'security@lists.trustedfirmware.org';
const PASSPHRASE = 'purple otter 42 marmalade';
let h: WebHarness;
let browser: Browser;
let sink: SmtpSink;
let gpg: GpgPeer;
let alice: Member;
let aliceKey: GpgKey, ritaKey: GpgKey;
let keyFile: string;
let protectedArmored: string;
let reportId: string;
let admin: Member;

describe('signing a reply in the browser', { skip: skipBrowser }, () => {
  before(async () => {
    h = await startWebHarness({ config: { mailAliases: [ALIAS] } });
    admin = await setupDesk(h, 'trusted-firmware');
    alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
    sink = await startSmtpSink();
    await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
    gpg = await startGpg();
    aliceKey = await gpg.generateKey('Alice Central <alice@tf.example>');
    ritaKey = await gpg.generateKey('Rita Reporter <rita@research.example>');
    // OpenPGP.js signs by the real clock, so the team key must not be newer than that; the desk's
    // clock then goes back to where enrolment left it (sign-in codes may not be replayed).
    const deskNow = h.clock.now;
    h.clock.set(new Date().toISOString());
    await generateTeamKeyFor(admin.ctx, {});
    h.clock.now = deskNow;
    await uploadMyKey(alice.ctx, { armored: aliceKey.publicArmored });
    // Alice's private key file as her own tools keep it: protected by a passphrase.
    const locked = await openpgp.encryptKey({
      privateKey: await openpgp.readPrivateKey({ armoredKey: aliceKey.secretArmored }),
      passphrase: PASSPHRASE,
    });
    protectedArmored = locked.armor();
    keyFile = join(mkdtempSync(join(tmpdir(), 'emb-key-')), 'alice-secret.asc');
    writeFileSync(keyFile, protectedArmored);

    reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
    const system: Ctx = { app: h.app, principal: { kind: 'system', label: 'test' } };
    const offered = await h.app.db.transaction((tx) =>
      recordOfferedKey(system, tx, h.clock.now, {
        email: 'rita@research.example',
        armored: ritaKey.publicArmored,
        source: 'attachment',
        reportId,
      }),
    );
    assert.ok(offered.stored);
    await confirmKey(alice.ctx, offered.keyId);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sink?.close();
    await gpg?.close();
    await h?.close();
  });

  test('the member picks their key file, types a reply and sends it; the reporter gets it verifiably signed by them', async () => {
    const { context, page, dialogs, errors } = await newPage(browser);
    const posted: string[] = [];
    page.on('request', (r) => {
      const body = r.postData();
      if (body !== null) posted.push(body);
    });
    await signInAs(page, h, alice);

    await page.goto(`${h.baseUrl}/cases/${reportId}`);
    // The link is on the composer's reply tab.
    await page.locator('label[for=compose-reply]').click();
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === `/cases/${reportId}/signed-reply`),
      page.getByRole('link', { name: 'Sign the reply with your own OpenPGP key instead' }).click(),
    ]);
    const csp = response!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|nonce-|sha256-/);
    assert.match(await mainText(page), /encrypted to their key/);
    // The script enabled the button and hid the "needs JavaScript" note.
    await page.locator('button:has-text("Sign and send"):not([disabled])').waitFor();
    assert.equal(await page.locator('#signed-reply-needs-js').isHidden(), true);

    // Inline script does not run on this page.
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { __inline?: boolean };
      const seen = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }),
      );
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.body.append(s);
      const directive = await Promise.race([seen, new Promise<string>((r) => setTimeout(() => r('none'), 2000))]);
      return { ran: w.__inline === true, directive };
    });
    assert.deepEqual(ran, { ran: false, directive: 'script-src-elem' });

    await page.getByLabel('Subject').fill('About your BL2 report');
    await page
      .getByLabel(/Message to the reporter/)
      .fill('Thank you. We reproduced it and a fix is in review.\nWe will tell you the release date.');
    await page.getByLabel(/Your private key file/).setInputFiles(keyFile);
    // A wrong passphrase first: the page says so, nothing is sent.
    await page.getByLabel('Passphrase of the key').fill('not the passphrase');
    await page.getByRole('button', { name: 'Sign and send' }).click();
    await page.locator('#signed-reply-status.error').waitFor();
    assert.match(await page.locator('#signed-reply-status').innerText(), /passphrase/i);
    assert.equal(new URL(page.url()).pathname, `/cases/${reportId}/signed-reply`);

    await page.getByLabel('Passphrase of the key').fill(PASSPHRASE);
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/cases/${reportId}` && u.searchParams.get('done') === 'case.reply'),
      page.getByRole('button', { name: 'Sign and send' }).click(),
    ]);
    assert.match(await mainText(page), /Reply sent to the reporter/);
    assert.deepEqual([dialogs, errors], [[], []]);

    // The server never received the private key or its passphrase.
    const replyPost = posted.find((b) => b.includes('signature='));
    assert.ok(replyPost, 'the form posted the signed entity');
    for (const body of posted) {
      const decoded = decodeURIComponent(body.replace(/\+/g, ' '));
      assert.ok(!decoded.includes('PRIVATE KEY'), 'no private key block in a request');
      for (const line of protectedArmored.split('\n').filter((l) => l.length > 40))
        assert.ok(!decoded.includes(line), 'no line of the key file in a request');
      assert.ok(!decoded.includes(PASSPHRASE), 'no passphrase in a request');
    }

    const before = sink.received.length;
    await runDeliveryPass(h.app);
    const copy = sink.received.slice(before).find((m) => m.rcptTo.includes('rita@research.example'));
    assert.ok(copy, "the reporter's copy reached the SMTP server");
    const opened = await openRelayed(gpg, copy);
    assert.equal(opened.signer, aliceKey.fingerprint, "GnuPG: VALIDSIG by Alice's key");
    assert.match(opened.text, /a fix is in review\.\r?\nWe will tell you the release date\./);
    assert.match(opened.inner.toString('utf8'), /Subject: About your BL2 report/);
    await context.close();
  });

  test('without JavaScript the page says what is needed and cannot send anything', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    h.clock.advance(31_000);
    const { totpCode } = await import('../src/crypto/totp.ts');
    await page.goto(`${h.baseUrl}/signin`);
    await page.getByLabel('E-mail').fill(alice.email);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByLabel('Authenticator code').fill(totpCode(alice.totpSecret, h.clock.now));
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.goto(`${h.baseUrl}/cases/${reportId}/signed-reply`);
    const text = await mainText(page);
    assert.match(text, /needs JavaScript/);
    assert.match(
      text,
      /reply from your own mail client: reply to a mail of this case and address it to security\+reporter@lists\.trustedfirmware\.org/,
    );
    assert.equal(await page.getByRole('button', { name: 'Sign and send' }).isDisabled(), true);
    await context.close();
  });

  test('for a reporter without a key the page says before signing what the profile allows: refused, or sent in clear', async () => {
    const noKey = (
      await api(h, 'POST', '/api/reports', {
        body: { ...sampleReport, reporter: { ...sampleReport.reporter, email: 'nokey@research.example' } },
      })
    ).json.reportId;
    const { context, page, errors } = await newPage(browser);
    await signInAs(page, h, alice);
    await page.goto(`${h.baseUrl}/cases/${noKey}/signed-reply`);
    assert.match(await mainText(page), /does not allow mail in clear/);
    assert.equal(await page.getByRole('button', { name: 'Sign and send' }).count(), 0, 'nothing to sign when nothing may be sent');

    const tf = readFileSync(new URL('../src/process/profiles/trusted-firmware.yaml', import.meta.url), 'utf8');
    assert.equal(
      (await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: tf.replace('unencryptedMail: refuse', 'unencryptedMail: allow') } }))
        .status,
      200,
    );
    try {
      await page.goto(`${h.baseUrl}/cases/${noKey}/signed-reply`);
      assert.match(await page.locator('[role=alert]').first().innerText(), /This reply will be sent to the reporter unencrypted/);
      await page.locator('button:has-text("Sign and send"):not([disabled])').waitFor();
    } finally {
      assert.equal((await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: tf } })).status, 200);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
});
