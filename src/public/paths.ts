import type { Config } from '../config.ts';

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

// The site's root URL is the desk's configuration (use cases name advisory pages in mail too).
export { SITE_PREFIX, siteUrl } from '../config.ts';

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

/** Whether the site's URL was configured, rather than guessed from the listening address. */
export function siteUrlConfigured(config: Config): boolean {
  return config.advisorySiteUrl !== null || config.publicUrl !== null;
}

/** The absolute URL of a site path ("TFV-2026-0001/osv.json"), for the feed and the JSON index. */
export function absolute(site: string, path: string): string {
  return site + path.split('/').map(encodeURIComponent).join('/');
}
