import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { webPlugin } from '../src/web/index.ts';
import { totpCode } from '../src/crypto/totp.ts';
import { startHarness, type Harness, type HarnessOptions, type Member } from '../test/support/harness.ts';

// The browser-test harness: the real app on the test database with an injected clock, the real server
// with the web plugin listening on 127.0.0.1, and headless Chromium from Debian (/usr/bin/chromium).

export const CHROMIUM = process.env.EMBARGO_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests are skipped, or false to run them. On CI (CI=true) a missing Chromium is
 * never a skip: the tests run and fail with a message saying what to install.
 */
export const skipBrowser: string | false =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? false
    : `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) to run the browser tests.`;

if (skipBrowser) console.warn(`# SKIP browser tests: ${skipBrowser}`);

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}; install it with apt-get install -y chromium (CI must have it).`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface WebHarness extends Harness {
  baseUrl: string;
}

/**
 * The desk with the web UI on a real socket. The clock starts at the real current time (to the
 * second): session cookies carry an expiry from the app clock, and Chromium drops cookies that
 * expired by its own clock.
 */
export async function startWebHarness(
  opts: { clock?: string; config?: Record<string, unknown>; plugins?: NonNullable<HarnessOptions['plugins']> } = {},
): Promise<WebHarness> {
  const h = await startHarness({
    clock: opts.clock ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    plugins: [webPlugin, ...(opts.plugins ?? [])],
    listen: true,
    ...(opts.config ? { config: opts.config } : {}),
  });
  return { ...h, baseUrl: h.baseUrl! };
}

export async function signInAs(page: Page, h: WebHarness, m: Pick<Member, 'email' | 'password' | 'totpSecret'>): Promise<void> {
  h.clock.advance(31_000);
  await page.goto(`${h.baseUrl}/signin`);
  await page.getByLabel('E-mail').fill(m.email);
  await page.getByLabel('Password').fill(m.password);
  await page.getByLabel('Authenticator code').fill(totpCode(m.totpSecret, h.clock.now));
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A fresh browser context (own cookies) whose page fails the test on any dialog or page error. */
export async function newPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; errors: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // No request may leave the test server.
  await context.route(
    (url) => !/^http:\/\/localhost:\d+\//.test(url.href),
    (route) => {
      errors.push(`unexpected request to ${route.request().url()}`);
      return route.abort();
    },
  );
  return { context, page, dialogs, errors };
}

/** The two sizes the desk is checked at: a laptop screen and a phone (an iPhone 12–15's viewport). */
export const WIDE = { width: 1440, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * Where a test keeps what it saves for people to look at (screenshots of a walk): the directory in
 * EMBARGO_TEST_ARTIFACTS (a relative path from the working directory), else test-artifacts/ in the
 * repository; `sub` is made under it.
 */
export function artifactsDir(sub = ''): string {
  const env = process.env.EMBARGO_TEST_ARTIFACTS;
  const root = env ? (isAbsolute(env) ? env : resolve(process.cwd(), env)) : new URL('../test-artifacts/', import.meta.url).pathname;
  const dir = resolve(root, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function resultsDir(): string {
  const dir = new URL('../test-results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The visible text of the main region, whitespace-collapsed, for assertions. */
export async function mainText(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: 'critical' | 'serious' | 'moderate' | 'minor';
  help: string;
  /** How many elements break the rule. */
  nodes: number;
  /** The first few of them, as CSS selectors, for the failure message. */
  targets: string[];
}

/**
 * axe-core's violations on the page as it is laid out now (WCAG 2.x A and AA and best practices),
 * one entry per rule. axe is put into the page through the DevTools protocol (page.evaluate), which
 * the page's CSP does not govern, so the CSP stays on; it is put in once per loaded document, so a
 * page checked again after a resize reuses it.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            o: object,
          ) => Promise<{ violations: { id: string; impact: AxeViolation['impact']; help: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
}

/** Whether axe counts the violation as one that blocks people: critical or serious. */
export const blocking = (v: AxeViolation): boolean => v.impact === 'critical' || v.impact === 'serious';
