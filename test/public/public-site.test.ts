import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startHarness, setupDesk, type Harness } from '../support/harness.ts';
import { insertDraft, insertPublished, publishNewVersion } from '../support/published-advisories.ts';
import { ANONYMOUS_SECRETS, FIXTURES } from '../formats/fixtures.ts';
import { explain, validators } from '../formats/support/schemas.ts';
import type { AdvisoryInput } from '../../src/domain/advisory.ts';
import { publicSitePlugin } from '../../src/public/index.ts';
import { exportSite } from '../../src/public/export.ts';
import { isSafeSegment, isSafeSitePath } from '../../src/public/paths.ts';
import { parseAtom } from './atom-parser.ts';

// The public advisory site over HTTP (the real server, the real database, the TestClock): what it
// shows, when, in which formats, and that a static export is the same bytes.

const SITE = 'https://desk.example.org/advisories/';
const NOW = '2026-11-23T09:00:00Z';

async function start(opts: { config?: Record<string, unknown> } = {}): Promise<Harness> {
  return startHarness({ clock: NOW, plugins: [publicSitePlugin], config: { publicUrl: 'https://desk.example.org', ...opts.config } });
}

const fixture = (name: string): AdvisoryInput => {
  const f = FIXTURES.find((x) => x.name === name);
  assert.ok(f, name);
  return f.input;
};

/** The fixture as the drafting workflow would publish it: its publication time is the scheduled one. */
const at = (input: AdvisoryInput, publishAt: string): AdvisoryInput => ({
  ...input,
  published: publishAt,
  ...(input.modified ? { modified: undefined, revisions: undefined } : {}),
});

async function get(h: Harness, url: string, headers: Record<string, string> = {}) {
  const r = await h.server.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, headers: r.headers, body: r.body, raw: r.rawPayload };
}

/** CSAF's file name for an advisory: its lower-cased id (CSAF section 5.1). */
const csafName = (input: AdvisoryInput) => `${input.id.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`;

/** Every path of an advisory's files under the site root, as the page must list them. */
function expectedFiles(input: AdvisoryInput): string[] {
  return [
    'index.html',
    'osv.json',
    ...(input.cveIds ?? []).map((c) => `cve/${c}.json`),
    `csaf-2.0/${csafName(input)}`,
    `csaf-2.1/${csafName(input)}`,
    'advisory.txt',
    'advisory.md',
  ].map((f) => `${input.id}/${f}`);
}

/** The CSAF documents' first paths, still served with the same bytes (not listed on the page). */
const formerFiles = (input: AdvisoryInput): string[] => ['csaf-2.0.json', 'csaf-2.1.json'].map((f) => `${input.id}/${f}`);

function advisoryUrls(input: AdvisoryInput): string[] {
  return [`/advisories/${input.id}/`, ...expectedFiles(input).map((f) => `/advisories/${f}`)];
}

const LISTINGS = ['/advisories/', '/advisories/index.html', '/advisories/feed.atom', '/advisories/index.json'];

async function listingsText(h: Harness): Promise<string> {
  const bodies = await Promise.all(LISTINGS.map((u) => get(h, u)));
  for (const [i, b] of bodies.entries()) assert.equal(b.status, 200, LISTINGS[i]);
  return bodies.map((b) => b.body).join('\n');
}

async function indexIds(h: Harness): Promise<string[]> {
  return (JSON.parse((await get(h, '/advisories/index.json')).body) as { advisories: { id: string }[] }).advisories.map((a) => a.id);
}

test('nothing is public before its publication time, then it is, without anyone acting', async (t) => {
  const h = await start();
  t.after(() => h.close());
  const shown = at(fixture('tf-a-smc-overflow'), '2026-11-20T10:00:00Z');
  const scheduled = at(fixture('tock-kernel-git-range'), '2026-11-23T12:00:00Z');
  const draft = fixture('tf-m-two-cves');
  await insertPublished(h.app, [shown], { publishAt: shown.published! });
  await insertPublished(h.app, [scheduled], { publishAt: scheduled.published! });
  await insertDraft(h.app, draft);
  // A published advisory with a newer, unpublished edit: the edit never shows.
  const edited = at(fixture('tockloader-pypi'), '2026-11-01T08:00:00Z');
  await insertPublished(h.app, [edited, { ...edited, title: 'SECRET-EDIT not yet published' }], {
    publishAt: edited.published!,
    publishedVersion: 1,
  });

  // Before: every URL of the scheduled advisory answers exactly as for an id that never existed.
  const ghost = { ...scheduled, id: 'TOCK-2099-0001', cveIds: ['CVE-2026-20001'] };
  const scheduledUrls = advisoryUrls(scheduled);
  const ghostUrls = advisoryUrls(ghost);
  for (const [i, url] of scheduledUrls.entries()) {
    const r = await get(h, url);
    const g = await get(h, ghostUrls[i]!);
    assert.equal(r.status, 404, url);
    assert.equal(r.body, g.body, `${url}: the same 404 as for an unknown id`);
    for (const header of ['content-type', 'content-security-policy', 'cache-control', 'content-length'])
      assert.equal(r.headers[header], g.headers[header], `${url} ${header}`);
    assert.equal(r.headers['cache-control'], 'no-store', 'a 404 is never cached: it becomes a page at publication');
    assert.ok(!r.body.includes(scheduled.id) && !r.body.includes(scheduled.title), 'the 404 names nothing');
  }
  // The draft's URLs too.
  for (const url of advisoryUrls(draft)) assert.equal((await get(h, url)).status, 404, url);

  let listings = await listingsText(h);
  for (const secret of [scheduled.id, scheduled.title, 'CVE-2026-20001', draft.id, draft.title, 'CVE-2026-10002', 'SECRET-EDIT']) {
    assert.ok(!listings.includes(secret), `listings must not mention ${secret}`);
  }
  assert.deepEqual(await indexIds(h), [shown.id, edited.id], 'newest first; only what is public');
  assert.equal(parseAtom((await get(h, '/advisories/feed.atom')).body).entries.length, 2);

  // One millisecond before: still nothing.
  h.clock.set('2026-11-23T11:59:59.999Z');
  assert.equal((await get(h, `/advisories/${scheduled.id}/`)).status, 404);
  assert.ok(!(await indexIds(h)).includes(scheduled.id));

  // At the publication time, by the clock alone: every URL answers, every listing has it.
  h.clock.set('2026-11-23T12:00:00Z');
  for (const url of scheduledUrls) assert.equal((await get(h, url)).status, 200, url);
  assert.deepEqual(await indexIds(h), [scheduled.id, shown.id, edited.id]);
  listings = await listingsText(h);
  assert.ok(listings.includes(scheduled.title));
  assert.ok(!listings.includes('SECRET-EDIT') && !listings.includes(draft.id));
  const feed = parseAtom((await get(h, '/advisories/feed.atom')).body);
  assert.deepEqual(
    feed.entries.map((e) => e.id),
    [`${SITE}${scheduled.id}/`, `${SITE}${shown.id}/`, `${SITE}${edited.id}/`],
  );
  assert.equal(feed.updated, '2026-11-23T12:00:00Z');
  const page = (await get(h, `/advisories/${edited.id}/`)).body;
  assert.ok(page.includes(edited.title) && !page.includes('SECRET-EDIT'), 'the published version, not the later edit');
});

test('a withdrawn advisory stays, with its notice, in the page, the index, the feed and the records', async (t) => {
  const h = await start();
  t.after(() => h.close());
  const input = at(fixture('tf-a-smc-overflow'), '2026-11-20T10:00:00Z');
  const stored = await insertPublished(h.app, [input], { publishAt: input.published! });
  const before = await get(h, `/advisories/${input.id}/`);
  assert.equal(before.status, 200);
  assert.ok(!before.body.includes('withdrawn on'));
  const etag = before.headers.etag as string;
  assert.equal((await get(h, `/advisories/${input.id}/`, { 'if-none-match': etag })).status, 304, 'unchanged: revalidation is a 304');

  const reason = 'Not exploitable: the handler is unreachable from the normal world.';
  await publishNewVersion(h.app, stored, { ...input, withdrawn: '2026-11-23T08:30:00Z', withdrawnReason: reason });

  // The cached copy is not reused: the same validator now gets the new page.
  const after = await get(h, `/advisories/${input.id}/`, { 'if-none-match': etag });
  assert.equal(after.status, 200);
  assert.notEqual(after.headers.etag, etag);
  assert.equal(after.headers['cache-control'], 'public, no-cache', 'caches revalidate every time, so no copy outlives a withdrawal');
  assert.match(
    after.body,
    /<div class="notice withdrawn" id="withdrawal" role="note">\s*<p><strong>This advisory was withdrawn on <time datetime="2026-11-23T08:30:00Z">2026-11-23<\/time>\.<\/strong><\/p>\s*<p>Not exploitable: the handler is unreachable from the normal world\.<\/p>/,
  );
  assert.ok(after.body.includes(input.title), 'the content stays');
  assert.match(after.body, /Advisory withdrawn: Not exploitable/, 'the revision history says so');

  const index = (await get(h, '/advisories/')).body;
  assert.match(
    index,
    new RegExp(
      `<tr class="is-withdrawn">\\s*<th scope="row"><a href="./${input.id}/">${input.id}</a></th>\\s*<td><span class="badge withdrawn">Withdrawn</span> `,
    ),
  );
  const entry = parseAtom((await get(h, '/advisories/feed.atom')).body).entries[0]!;
  assert.equal(entry.title, `[Withdrawn] ${input.id}: ${input.title}`);
  assert.equal(entry.updated, '2026-11-23T08:30:00Z');
  assert.match(entry.content, /Withdrawn on 2026-11-23:<\/strong> Not exploitable/);
  const json = JSON.parse((await get(h, '/advisories/index.json')).body).advisories[0];
  assert.equal(json.withdrawn, '2026-11-23T08:30:00Z');
  assert.equal(json.withdrawnReason, reason);

  const osv = JSON.parse((await get(h, `/advisories/${input.id}/osv.json`)).body);
  assert.equal(osv.withdrawn, '2026-11-23T08:30:00Z');
  const cve = JSON.parse((await get(h, `/advisories/${input.id}/cve/CVE-2026-10001.json`)).body);
  assert.equal(cve.cveMetadata.state, 'REJECTED');
  const csaf21 = JSON.parse((await get(h, `/advisories/${input.id}/csaf-2.1.json`)).body);
  assert.equal(csaf21.document.category, 'csaf_withdrawn');
  assert.match((await get(h, `/advisories/${input.id}/advisory.txt`)).body, /WITHDRAWN/i);
});

test('every fixture: the page lists exactly its records, each served with its media type and valid by the official schema; anonymous credits name nobody', async (t) => {
  const h = await start();
  t.after(() => h.close());
  for (const f of FIXTURES) await insertPublished(h.app, [f.input], { publishAt: '2026-10-01T00:00:00Z' });
  const v = validators();
  const schemaOf: Record<string, ReturnType<typeof validators>['cve']> = {
    'osv.json': v.osv,
    'csaf-2.0': v.csaf20,
    'csaf-2.1': v.csaf21,
  };
  const failures: string[] = [];
  let validated = 0;
  const everything: string[] = [await listingsText(h)];
  for (const f of FIXTURES) {
    const page = await get(h, `/advisories/${f.input.id}/`);
    assert.equal(page.status, 200, f.name);
    everything.push(page.body);
    const linked = [...page.body.matchAll(/<ul class="records">([\s\S]*?)<\/ul>/g)].flatMap((m) =>
      [...m[1]!.matchAll(/href="([^"]+)"/g)].map((x) => `${f.input.id}/${x[1]}`),
    );
    assert.deepEqual(
      linked.sort(),
      expectedFiles(f.input)
        .filter((p) => !p.endsWith('index.html'))
        .sort(),
      `${f.name}: records listed`,
    );
    for (const path of linked) {
      const r = await get(h, `/advisories/${path}`);
      assert.equal(r.status, 200, path);
      everything.push(r.body);
      const file = path.slice(f.input.id.length + 1);
      const type = r.headers['content-type'];
      if (file.endsWith('.txt')) assert.equal(type, 'text/plain; charset=utf-8');
      else if (file.endsWith('.md')) assert.equal(type, 'text/markdown; charset=utf-8');
      else if (file.startsWith('csaf')) assert.equal(type, 'application/csaf+json; charset=utf-8');
      else assert.equal(type, 'application/json; charset=utf-8');
      if (file.endsWith('.json')) {
        const validate = file.startsWith('cve/') ? v.cve : schemaOf[file.split('/')[0]!]!;
        validated++;
        if (!validate(JSON.parse(r.body))) failures.push(`${path}:\n${explain(validate)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(validated >= FIXTURES.length * 4, `${validated} records validated`);
  const all = everything.join('\n');
  for (const secret of ANONYMOUS_SECRETS) assert.ok(!all.includes(secret), `"${secret}" (an anonymous credit) must appear nowhere`);
  const tf1 = (await get(h, '/advisories/TFV-2026-0001/')).body;
  assert.match(tf1, /<li>Ada Lovelace \(Analytical Engines Ltd\), finder — <a href="https:\/\/ada.example.org\/"/);
  assert.match(tf1, /<li>An anonymous reporter<\/li>/);
  // Ranges say whose version rules they follow.
  const packages = (await get(h, '/advisories/TOCK-2026-0008/')).body;
  assert.match(packages, /<li>1\.0rc1 and later, before 4\.2 <span class="muted">\(PyPI versions\)<\/span><\/li>/);
  assert.match(packages, /<li>2\.13\.0 and later, before 2\.13\.4\.2 <span class="muted">\(Maven versions\)<\/span><\/li>/);
  assert.match(packages, /<li>1\.0\.0 and later, before 1\.4\.2 <span class="muted">\(semantic versions\)<\/span><\/li>/);
  // The CSAF documents name their own URL on the site; their first paths serve the same bytes.
  for (const version of ['2.0', '2.1']) {
    const path = `TOCK-2026-0008/csaf-${version}/tock-2026-0008.json`;
    const served = await get(h, `/advisories/${path}`);
    const self = JSON.parse(served.body).document.references.filter((r: { category: string }) => r.category === 'self');
    assert.deepEqual(
      self.map((r: { url: string }) => r.url),
      [`${SITE}${path}`],
    );
    assert.equal((await get(h, `/advisories/TOCK-2026-0008/csaf-${version}.json`)).body, served.body);
  }
});

test('an advisory page carries every section: Markdown rendered safely, products and ranges, CVSS, references, credits, timeline, revisions', async (t) => {
  const h = await start();
  t.after(() => h.close());
  for (const name of ['tf-a-smc-overflow', 'tf-a-updated-with-revisions', 'hostile-long-description', 'board-sha256-last-affected']) {
    await insertPublished(h.app, [fixture(name)], { publishAt: '2026-10-01T00:00:00Z' });
  }
  const tf1 = (await get(h, '/advisories/TFV-2026-0001/')).body;
  for (const section of [
    'description',
    'affected',
    'mitigation',
    'upgrade',
    'scores',
    'references',
    'credits',
    'timeline',
    'revisions',
    'records',
  ]) {
    assert.match(tf1, new RegExp(`<section id="${section}">`), section);
  }
  assert.match(tf1, /can <strong>overwrite the return address<\/strong>/, 'Markdown rendered');
  assert.match(tf1, /<li>2\.8\.0 and later, before 2\.10\.1 <span class="muted">\(semantic versions\)<\/span><\/li>/);
  assert.match(tf1, /Commits from <code>(?:1a){20}<\/code> up to, not including, <code>(?:2b){20}<\/code>/);
  assert.match(tf1, /<code>BL31<\/code>, <code>SMC handler<\/code>/);
  assert.match(tf1, /<th scope="row">3\.1<\/th><td><code>CVSS:3\.1\/AV:L\/AC:L\/PR:H\/UI:N\/S:C\/C:H\/I:H\/A:H<\/code><\/td><td>8\.2/);
  assert.match(tf1, /<th scope="row">4\.0<\/th>/);
  assert.match(tf1, /CWE-787<\/a>: Out-of-bounds Write/);
  assert.match(
    tf1,
    /<a href="https:\/\/review.trustedfirmware.org\/c\/TF-A\/trusted-firmware-a\/\+\/30001" rel="noopener noreferrer nofollow">Fix: bound the SMC copy<\/a> <span class="muted">\(fix\)<\/span>/,
  );
  assert.match(tf1, /<time datetime="2026-01-12T14:30:00Z">2026-01-12 14:30:00 UTC<\/time>: Confirmed by the TF-A team/);

  const revised = (await get(h, '/advisories/TFV-2026-0005/')).body;
  assert.match(revised, /<tr><td>2<\/td><td><time datetime="2026-06-15T10:00:00Z">[^<]+<\/time><\/td><td>Credits corrected\.<\/td><\/tr>/);
  assert.match(revised, /<dt>Last updated<\/dt><dd><time datetime="2026-06-20T10:00:00Z">/);

  const board = (await get(h, '/advisories/TOCK-2026-0005/')).body;
  assert.match(board, /<code>(?:0a){32}<\/code>/, 'SHA-256 commits in full');
  assert.match(board, /2\.0\.0 through 2\.1\.1/);

  const hostile = await get(h, '/advisories/TOCK-2026-0006/');
  assert.ok(
    !/<script|<img|onerror=|javascript:/i.test(
      hostile.body.replace(/&lt;script&gt;|&lt;img src=x onerror=alert\(1\)&gt;|\(javascript:alert\(1\)\)/g, ''),
    ),
    'no live markup from the advisory',
  );
  assert.ok(hostile.body.includes('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;'), 'shown as text');
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(hostile.body), 'no control characters in the page');
  assert.equal(
    hostile.headers['content-security-policy'],
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  );
});

test('the Atom feed is well-formed Atom 1.0 with one entry per public advisory, absolute ids and links, escaped text', async (t) => {
  const h = await start();
  t.after(() => h.close());
  await setupDesk(h, 'tock');
  let feed = parseAtom((await get(h, '/advisories/feed.atom')).body);
  assert.equal(feed.entries.length, 0);
  assert.equal(feed.updated, '1970-01-01T00:00:00Z', 'an empty feed is dated at the epoch, never at the time it is read');
  for (const f of FIXTURES) await insertPublished(h.app, [f.input], { publishAt: '2026-10-01T00:00:00Z' });
  const r = await get(h, '/advisories/feed.atom');
  assert.equal(r.headers['content-type'], 'application/atom+xml; charset=utf-8');
  feed = parseAtom(r.body);
  assert.equal(feed.root, '{http://www.w3.org/2005/Atom}feed');
  assert.equal(feed.id, `${SITE}feed.atom`);
  assert.equal(feed.title, 'Security advisories of Tock Security Team');
  assert.deepEqual(feed.authors, ['Tock Security Team']);
  assert.deepEqual(
    feed.links.find((l) => l.rel === 'self'),
    { rel: 'self', type: 'application/atom+xml', href: `${SITE}feed.atom` },
  );
  assert.equal(feed.entries.length, FIXTURES.length);
  const lastChange = (f: AdvisoryInput) =>
    [f.published, f.modified, f.withdrawn]
      .filter((d): d is string => !!d)
      .sort()
      .at(-1)!;
  assert.deepEqual(
    feed.entries.map((e) => e.updated),
    FIXTURES.map((f) => lastChange(f.input))
      .sort()
      .reverse(),
    'most recently changed first',
  );
  assert.equal(feed.updated, feed.entries[0]!.updated);
  const withdrawnEntry = feed.entries.find((e) => e.id.endsWith('/TFV-2026-0004/'))!;
  assert.deepEqual([withdrawnEntry.published, withdrawnEntry.updated], ['2026-03-20T09:00:00Z', '2026-04-01T09:00:00Z']);
  for (const e of feed.entries) {
    assert.match(e.id, /^https:\/\/desk\.example\.org\/advisories\/[A-Z]+-2026-\d{4}\/$/);
    assert.deepEqual(e.links, [{ rel: 'alternate', type: 'text/html', href: e.id }]);
    assert.ok(e.authors.length === 1 && e.summary.length > 0);
    assert.equal(e.contentType, 'html');
  }
  const hostile = feed.entries.find((e) => e.id.endsWith('/TOCK-2026-0006/'))!;
  assert.equal(
    hostile.title,
    'TOCK-2026-0006: Process console <script>alert("title")</script> | *injection*',
    'text, escaped for XML, read back intact',
  );
  assert.equal(
    hostile.summary,
    'The process console echoed control sequences: [31mred[0m and [a link](javascript:alert(1)).',
    'characters XML cannot carry are dropped',
  );
  assert.ok(
    hostile.content.includes('<p>&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;</p>'),
    'the HTML content carries the script as text',
  );
  const two = feed.entries.find((e) => e.id.endsWith('/TFV-2026-0002/'))!;
  assert.deepEqual(two.categories, ['medium', 'CVE-2026-10002', 'CVE-2026-10003']);
});

test('the static export is byte for byte what the desk serves, and every link in it resolves', async (t) => {
  const h = await start();
  t.after(() => h.close());
  await setupDesk(h, 'trusted-firmware');
  for (const f of FIXTURES) await insertPublished(h.app, [f.input], { publishAt: '2026-10-01T00:00:00Z' });
  const later = { ...fixture('tf-a-smc-overflow'), id: 'TFV-2026-0099', title: 'Scheduled, not yet public', cveIds: ['CVE-2026-10099'] };
  await insertPublished(h.app, [later], { publishAt: '2026-12-01T00:00:00Z' });
  const dir = join(mkdtempSync(join(tmpdir(), 'embargo-site-')), 'site');
  const result = await exportSite(h.app, dir);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(dir, p));
    }
  };
  walk(dir);
  assert.equal(result.files, files.length);
  assert.equal(result.advisories, FIXTURES.length);
  assert.ok(!files.some((f) => f.startsWith('TFV-2026-0099')), 'the scheduled advisory is not exported');
  const expected = [
    'index.html',
    'feed.atom',
    'index.json',
    'style.css',
    ...FIXTURES.flatMap((f) => [...expectedFiles(f.input), ...formerFiles(f.input)]),
  ];
  assert.deepEqual(files.sort(), expected.sort());
  for (const file of files) {
    const served = await get(h, `/advisories/${file}`);
    assert.equal(served.status, 200, file);
    assert.ok(served.raw.equals(readFileSync(join(dir, file))), `${file}: the same bytes`);
  }
  // The advisory directory index is the page served at ".../ID/".
  assert.ok((await get(h, '/advisories/TFV-2026-0001/')).raw.equals(readFileSync(join(dir, 'TFV-2026-0001/index.html'))));
  // Every relative link of every exported page points at an exported file (or a directory with an index).
  for (const file of files.filter((f) => f.endsWith('.html'))) {
    const base = new URL(`https://x.example/${file}`);
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/href="([^"]+)"/g)) {
      const href = m[1]!.replaceAll('&amp;', '&');
      if (/^https?:/.test(href) || href.startsWith('#')) continue;
      let target = decodeURIComponent(new URL(href, base).pathname.slice(1));
      if (target === '' || target.endsWith('/')) target += 'index.html';
      assert.ok(files.includes(target), `${file} links to ${href}, which the export does not have`);
    }
  }
  // The JSON index's absolute URLs are the exported paths under the site URL.
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { advisories: { url: string; records: { url: string }[] }[] };
  for (const a of index.advisories) {
    for (const r of a.records) assert.ok(files.includes(r.url.slice(SITE.length)), r.url);
    assert.ok(files.includes(`${a.url.slice(SITE.length)}index.html`));
  }

  // Into a directory that is not empty: refused, nothing written.
  const full = mkdtempSync(join(tmpdir(), 'embargo-site-'));
  writeFileSync(join(full, 'keep.txt'), 'mine');
  await assert.rejects(exportSite(h.app, full), /is not empty/);
  assert.deepEqual(readdirSync(full), ['keep.txt']);
});

test('the export needs a public URL, refuses ids that are site file names, and writes nothing then', async (t) => {
  const h = await startHarness({ clock: NOW, plugins: [publicSitePlugin] });
  t.after(() => h.close());
  const dir = join(mkdtempSync(join(tmpdir(), 'embargo-site-')), 'site');
  await assert.rejects(exportSite(h.app, dir), /Set EMBARGO_PUBLIC_URL/);
  const h2 = await start({ config: { advisorySiteUrl: 'https://static.example.net/sec' } });
  t.after(() => h2.close());
  await insertPublished(h2.app, [{ ...fixture('tf-a-smc-overflow'), id: 'index.html' }], { publishAt: '2026-10-01T00:00:00Z' });
  await assert.rejects(exportSite(h2.app, dir), /"index\.html" is the name of a site file/);
  assert.throws(() => readdirSync(dir), /ENOENT/, 'nothing written');
  // The configured site URL is the one in the feed.
  assert.equal(parseAtom((await get(h2, '/advisories/feed.atom')).body).id, 'https://static.example.net/sec/feed.atom');
});

test('site paths: only plain names, never traversal; hostile URLs get the plain 404', async (t) => {
  for (const ok of ['TFV-2026-0001', 'TOCK-2026-03', 'a', 'x.y_z:1', 'CVE-2026-10001.json', 'index.html']) assert.ok(isSafeSegment(ok), ok);
  for (const bad of ['', '.', '..', 'a..b', '../x', 'a/b', 'a\\b', '-a', 'a-', '.hidden', 'a b', 'é', 'a\u0000', 'x'.repeat(129), '%2e%2e'])
    assert.ok(!isSafeSegment(bad), JSON.stringify(bad));
  assert.ok(isSafeSitePath('TFV-1/cve/CVE-2026-1234.json'));
  for (const bad of ['/etc/passwd', 'TFV-1/../../x', 'TFV-1//x', 'a/b/c/d', '']) assert.ok(!isSafeSitePath(bad), bad);

  const h = await start();
  t.after(() => h.close());
  await insertPublished(h.app, [fixture('tf-a-smc-overflow')], { publishAt: '2026-10-01T00:00:00Z' });
  const notFound = await get(h, '/advisories/NOPE-1/');
  assert.equal(notFound.status, 404);
  for (const url of [
    '/advisories/..%2F..%2Fetc%2Fpasswd/',
    '/advisories/TFV-2026-0001/..%2Fosv.json',
    '/advisories/TFV-2026-0001/cve/..%2F..%2Findex.json',
    '/advisories/TFV-2026-0001/nothing.json',
    '/advisories/TFV-2026-0001/cve/CVE-2026-99999.json',
    '/advisories/TFV-2026-0001/a/b/c',
    '/advisories/%00/',
  ]) {
    const r = await get(h, url);
    assert.equal(r.status, 404, url);
    assert.equal(r.body, notFound.body, url);
  }
  // The router resolves dot segments before the site sees them: still nothing but a 404.
  assert.equal((await get(h, '/advisories/%2e%2e/')).status, 404);
  assert.equal((await get(h, '/advisories/TFV-2026-0001/%2e%2e/%2e%2e/%2e%2e/etc/passwd')).status, 404);
  // Directory URLs redirect to their slash form, for any well-formed id (known or not alike).
  for (const [url, location] of [
    ['/advisories', '/advisories/'],
    ['/advisories/TFV-2026-0001', '/advisories/TFV-2026-0001/'],
    ['/advisories/NOPE-1', '/advisories/NOPE-1/'],
    ['/advisories/TF%3A1', '/advisories/TF%3A1/'],
  ]) {
    const r = await get(h, url!);
    assert.equal(r.status, 301, url);
    assert.equal(r.headers.location, location);
  }
  // HEAD and conditional GET.
  const head = await h.server.inject({ method: 'HEAD', url: '/advisories/TFV-2026-0001/osv.json' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.body, '');
  const full = await get(h, '/advisories/TFV-2026-0001/osv.json');
  assert.equal(head.headers.etag, full.headers.etag);
  assert.equal(
    full.headers['content-security-policy'],
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox",
  );
  assert.equal(full.headers['x-content-type-options'], 'nosniff');
  const cond = await get(h, '/advisories/TFV-2026-0001/osv.json', { 'if-none-match': `"other", ${full.headers.etag as string}` });
  assert.equal(cond.status, 304);
  assert.equal(cond.body, '');
  // No page of the site carries a script.
  for (const url of ['/advisories/', '/advisories/TFV-2026-0001/', '/advisories/NOPE-1/'])
    assert.ok(!/<script/i.test((await get(h, url)).body), url);
});

test('the feed carries the 100 most recently changed advisories; a withdrawal brings an old one back to the top', async (t) => {
  const h = await start();
  t.after(() => h.close());
  const base = fixture('tock-registers-crate');
  const old = await insertPublished(h.app, [{ ...base, id: 'OLD-0001', published: '2025-01-01T00:00:00Z' }], {
    publishAt: '2025-01-01T00:00:00Z',
  });
  for (let i = 0; i < 100; i++) {
    const published = new Date(Date.UTC(2026, 0, 1) + i * 3600_000).toISOString().replace('.000Z', 'Z');
    await insertPublished(h.app, [{ ...base, id: `NEW-${String(i).padStart(4, '0')}`, published }], { publishAt: published });
  }
  let feed = parseAtom((await get(h, '/advisories/feed.atom')).body);
  assert.equal(feed.entries.length, 100);
  assert.equal(feed.entries[0]!.id, `${SITE}NEW-0099/`);
  assert.ok(!feed.entries.some((e) => e.id.endsWith('/OLD-0001/')), 'the oldest of 101 is left out of the feed');
  assert.equal((await indexIds(h)).length, 101, 'the JSON index lists every one');
  assert.ok((await get(h, '/advisories/')).body.includes('./OLD-0001/'), 'so does the index page');

  await publishNewVersion(h.app, old, {
    ...base,
    id: 'OLD-0001',
    published: '2025-01-01T00:00:00Z',
    withdrawn: '2026-11-23T08:00:00Z',
    withdrawnReason: 'Duplicate.',
  });
  feed = parseAtom((await get(h, '/advisories/feed.atom')).body);
  assert.equal(feed.entries.length, 100);
  assert.deepEqual(
    [feed.entries[0]!.id, feed.entries[0]!.title, feed.entries[0]!.updated],
    [`${SITE}OLD-0001/`, `[Withdrawn] OLD-0001: ${base.title}`, '2026-11-23T08:00:00Z'],
  );
  assert.equal(feed.updated, '2026-11-23T08:00:00Z');
  assert.ok(!feed.entries.some((e) => e.id.endsWith('/NEW-0000/')), 'now the least recently changed is left out');
});

test('advisory Markdown loads nothing from elsewhere: remote images are links in the page, the feed and the export, and the exported pages carry their own CSP', async (t) => {
  const h = await start();
  t.after(() => h.close());
  await setupDesk(h, 'trusted-firmware');
  const base = fixture('tf-a-smc-overflow');
  const pixel = 'https://tracker.example/pixel.png?advisory=1';
  const input: AdvisoryInput = {
    ...base,
    description: `${base.description ?? 'Description.'}\n\n![diagram of the overflow](${pixel})`,
    mitigation: '[![build status](https://ci.example/badge.svg)](https://ci.example/)',
  };
  await insertPublished(h.app, [input], { publishAt: '2026-10-01T00:00:00Z' });
  const page = await get(h, `/advisories/${input.id}/`);
  const feed = await get(h, '/advisories/feed.atom');
  for (const [what, body] of [
    ['page', page.body],
    ['feed', feed.body],
  ] as const) {
    assert.doesNotMatch(body, /<img|&lt;img/i, `${what} has no image`);
    assert.ok(body.includes('Image: diagram of the overflow'), `${what} names the image`);
  }
  assert.ok(page.body.includes(`<a class="image-link" href="${pixel.replace('&', '&amp;')}" rel="noopener noreferrer nofollow">`));
  const dir = join(mkdtempSync(join(tmpdir(), 'embargo-site-')), 'site');
  await exportSite(h.app, dir);
  for (const file of ['index.html', `${input.id}/index.html`]) {
    const html = readFileSync(join(dir, file), 'utf8');
    const csp = /<meta http-equiv="content-security-policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp, `${file} carries a CSP`);
    assert.match(csp.replace(/&#39;/g, "'"), /default-src 'none'; style-src 'self'; img-src 'self'/);
    assert.doesNotMatch(html, /<img/i);
  }
});
