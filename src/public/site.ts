import { readFileSync } from 'node:fs';
import type { App } from '../app/context.ts';
import type { Advisory } from '../domain/advisory.ts';
import { atomFeed, jsonIndex } from './feed.ts';
import { advisoryPage, indexPage, type SiteInfo } from './pages.ts';
import { advisoryPagePath, siteUrl } from './paths.ts';
import { findPublicAdvisory, listPublicAdvisories, siteOwner, type PublicAdvisory } from '../app/advisories/published.ts';
import { advisoryRecords, type AdvisoryRecord, type SiteFile } from './records.ts';

// The public site as files: the one place that decides what each path contains. The HTTP plugin
// serves one path at a time from here and `embargo site export` writes them all, so both give the
// same bytes for the same desk at the same moment.

export type { SiteFile } from './records.ts';

export const STYLESHEET: SiteFile = {
  path: 'style.css',
  mediaType: 'text/css; charset=utf-8',
  body: readFileSync(new URL('./site.css', import.meta.url), 'utf8'),
};

export const HTML = 'text/html; charset=utf-8';

/**
 * Control characters an advisory's text may carry (a pasted terminal escape) have no place in a
 * page: HTML treats them as parse errors. They are dropped from the finished page.
 */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const page = (markup: { value: string }) => markup.value.replace(CONTROLS, '');
export const ATOM = 'application/atom+xml; charset=utf-8';
export const JSON_INDEX = 'application/json; charset=utf-8';

// Records are a pure function of the (immutable, cached) published document and its publication
// time, so they are computed once per document rather than on every request.
const recordCache = new WeakMap<Advisory, { publishAt: string; url: string; records: AdvisoryRecord[] }>();

export function recordsOf(p: PublicAdvisory, url: string): AdvisoryRecord[] {
  const hit = recordCache.get(p.advisory);
  if (hit && hit.publishAt === p.publishAt && hit.url === url) return hit.records;
  const records = advisoryRecords(p.advisory, p.publishAt, url);
  recordCache.set(p.advisory, { publishAt: p.publishAt, url, records });
  return records;
}

/** A record's former path, serving the same bytes (links to it keep working). */
const formerCopies = (records: readonly AdvisoryRecord[]): SiteFile[] =>
  records.flatMap((r) => (r.formerPath ? [{ path: r.formerPath, mediaType: r.mediaType, body: r.body }] : []));

async function info(app: App): Promise<SiteInfo> {
  return { owner: await siteOwner(app) };
}

export const LISTINGS = ['index.html', 'feed.atom', 'index.json'] as const;
export type Listing = (typeof LISTINGS)[number];

interface SiteState {
  url: string;
  site: SiteInfo;
  advisories: PublicAdvisory[];
}

async function siteState(app: App): Promise<SiteState> {
  const [site, advisories] = await Promise.all([info(app), listPublicAdvisories(app)]);
  return { url: siteUrl(app.config), site, advisories };
}

function renderListing(s: SiteState, path: Listing): SiteFile {
  switch (path) {
    case 'index.html':
      return { path, mediaType: HTML, body: page(indexPage(s.site, s.advisories)) };
    case 'feed.atom':
      return { path, mediaType: ATOM, body: atomFeed(s.url, s.site, s.advisories) };
    case 'index.json':
      return {
        path,
        mediaType: JSON_INDEX,
        body: jsonIndex(
          s.url,
          s.site,
          s.advisories.map((pub) => ({ pub, records: recordsOf(pub, s.url) })),
        ),
      };
  }
}

/** The index page, the Atom feed or the JSON index, from the advisories public now. */
export async function listingFile(app: App, path: Listing): Promise<SiteFile> {
  return renderListing(await siteState(app), path);
}

function filesOfAdvisory(site: SiteInfo, url: string, p: PublicAdvisory): SiteFile[] {
  const records = recordsOf(p, url);
  return [
    { path: advisoryPagePath(p.advisory.id), mediaType: HTML, body: page(advisoryPage(site, p, records)) },
    ...records,
    ...formerCopies(records),
  ];
}

/** One file of one advisory ("TFV-2026-0001/osv.json"), or null when the advisory is not public or has no such file. */
export async function advisoryFile(app: App, publicId: string, path: string): Promise<SiteFile | null> {
  const p = await findPublicAdvisory(app, publicId);
  if (!p) return null;
  const wanted = `${publicId}/${path}`;
  const url = siteUrl(app.config);
  if (path === 'index.html') return filesOfAdvisory(await info(app), url, p)[0]!;
  const records = recordsOf(p, url);
  return records.find((r) => r.path === wanted) ?? formerCopies(records).find((f) => f.path === wanted) ?? null;
}

/** Every file of the site as it is now: what `embargo site export` writes. */
export async function allSiteFiles(app: App): Promise<SiteFile[]> {
  const s = await siteState(app);
  return [...LISTINGS.map((path) => renderListing(s, path)), STYLESHEET, ...s.advisories.flatMap((p) => filesOfAdvisory(s.site, s.url, p))];
}
