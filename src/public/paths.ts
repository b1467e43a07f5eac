import { type Config, deskUrl } from '../config.ts';

// The public advisory site's layout: one tree of files, served by Embargo under /advisories/ and
// written as-is by `embargo site export DIR`. Every path here is relative to the site root, so the
// same names are URLs under /advisories/ and file names under DIR.
//
//   index.html  feed.atom  index.json  style.css
//   <id>/index.html  <id>/osv.json  <id>/csaf-2.0/<file>  <id>/csaf-2.1/<file> (CSAF's file name:
//   the lower-cased id, .json; also at the first names <id>/csaf-2.0.json and <id>/csaf-2.1.json)
//   <id>/cve/<CVE id>.json (one CVE record per CVE id)  <id>/advisory.txt  <id>/advisory.md
//
// Pages link to each other relatively (an advisory page is a directory index, "<id>/"), so the
// exported tree works wherever it is hosted; only the feed and the JSON index carry absolute URLs,
// built from the site's public URL.

/** Where the desk is mounted; the static export has the same tree at its root. */
export const SITE_PREFIX = '/advisories';

/**
 * One path segment the site may use: an advisory id (the schema allows letters, digits and . _ : -,
 * starting and ending with a letter or digit), a CVE id or a fixed file name. Checked again here,
 * whatever the schema says, because these become file names under the export directory.
 */
const SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,126}[A-Za-z0-9])?$/;

export function isSafeSegment(segment: string): boolean {
  return SEGMENT.test(segment) && !segment.includes('..');
}

/** A relative site path whose every segment is safe; anything else is refused. */
export function isSafeSitePath(path: string): boolean {
  const segments = path.split('/');
  return segments.length >= 1 && segments.length <= 3 && segments.every(isSafeSegment);
}

/** The site path of an advisory's page: its directory's index. */
export const advisoryPagePath = (id: string) => `${id}/index.html`;

/**
 * The absolute URL of the site root, ending in "/": EMBARGO_ADVISORY_SITE_URL when the site is
 * hosted elsewhere (a static export), else the desk's public URL + /advisories/, else the local
 * address `serve` listens on.
 */
export function siteUrl(config: Config): string {
  if (config.advisorySiteUrl) return config.advisorySiteUrl.endsWith('/') ? config.advisorySiteUrl : `${config.advisorySiteUrl}/`;
  return `${deskUrl(config)}${SITE_PREFIX}/`;
}

/** Whether the site's URL was configured, rather than guessed from the listening address. */
export function siteUrlConfigured(config: Config): boolean {
  return config.advisorySiteUrl !== null || config.publicUrl !== null;
}

/** The absolute URL of a site path ("TFV-2026-0001/osv.json"), for the feed and the JSON index. */
export function absolute(site: string, path: string): string {
  return site + path.split('/').map(encodeURIComponent).join('/');
}
