import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { insertPublished } from '../support/published-advisories.ts';
import { FIXTURES } from '../formats/fixtures.ts';
import { cliDatabase, runEmbargo } from '../support/cli.ts';

// `embargo site export DIR` as an operator runs it: a real process of bin/embargo on the embedded
// database or the PostgreSQL server of the test run, with the real clock deciding what is public.

const embargo = (env: NodeJS.ProcessEnv, ...args: string[]) => runEmbargo(env, args);

test('embargo site export: --help, writes only what is public now, refuses a non-empty directory and a missing URL', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'embargo-site-cli-'));
  const { databaseUrl } = await cliDatabase(t, 'site_cli', dataDir);
  const env = { ...process.env, EMBARGO_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, EMBARGO_PUBLIC_URL: 'https://desk.example.org' };

  // The desk's database, with one advisory public since yesterday and one public only tomorrow.
  const app = await createApp(loadConfig(env));
  const day = 24 * 3600 * 1000;
  const [first, second] = [FIXTURES[0]!.input, FIXTURES[3]!.input];
  await insertPublished(app, [first], { publishAt: new Date(Date.now() - day).toISOString() });
  await insertPublished(app, [second], { publishAt: new Date(Date.now() + day).toISOString() });
  await app.db.close();

  let r = await embargo(env, 'site', 'export', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /Usage: embargo site export DIR/);
  r = await embargo(env, '--help');
  assert.match(r.out, /site export +Write the public advisory site/);
  r = await embargo(env, 'site', 'export');
  assert.equal(r.code, 2);
  assert.match(r.err, /give exactly one DIR/);

  const out = join(mkdtempSync(join(tmpdir(), 'embargo-site-out-')), 'public');
  r = await embargo(env, 'site', 'export', out);
  assert.equal(r.code, 0, r.err);
  // The page, OSV, one CVE record, CSAF 2.0 and 2.1 under CSAF's file name and at their first
  // paths, text and Markdown; the index, feed, JSON index and stylesheet.
  assert.match(r.out, /Wrote 13 files \(1 published advisories\)/);
  for (const version of ['2.0', '2.1']) {
    const body = readFileSync(join(out, first.id, `csaf-${version}`, 'tfv-2026-0001.json'), 'utf8');
    const csaf = JSON.parse(body);
    const self = csaf.document.references.filter((x: { category: string }) => x.category === 'self');
    assert.deepEqual(
      self.map((x: { url: string }) => x.url),
      [`https://desk.example.org/advisories/TFV-2026-0001/csaf-${version}/tfv-2026-0001.json`],
    );
    assert.equal(readFileSync(join(out, first.id, `csaf-${version}.json`), 'utf8'), body, 'the first path keeps the same bytes');
  }
  assert.deepEqual(readdirSync(out).sort(), [first.id, 'feed.atom', 'index.html', 'index.json', 'style.css'].sort());
  assert.ok(!existsSync(join(out, second.id)));
  assert.ok(!readFileSync(join(out, 'feed.atom'), 'utf8').includes(second.id));
  assert.match(readFileSync(join(out, 'feed.atom'), 'utf8'), /<id>https:\/\/desk\.example\.org\/advisories\/TFV-2026-0001\/<\/id>/);

  r = await embargo(env, 'site', 'export', out);
  assert.equal(r.code, 1);
  assert.match(r.err, /is not empty: export into a new or empty directory/);

  r = await embargo({ ...env, EMBARGO_PUBLIC_URL: '' }, 'site', 'export', join(out, '..', 'other'));
  assert.equal(r.code, 1);
  assert.match(r.err, /Set EMBARGO_PUBLIC_URL/);
  assert.ok(!existsSync(join(out, '..', 'other')));
});
