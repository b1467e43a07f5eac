import { mkdirSync, readdirSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { App } from '../app/context.ts';
import { EmbargoError } from '../domain/errors.ts';
import { isSafeSitePath, siteUrlConfigured } from './paths.ts';
import { allSiteFiles, LISTINGS, STYLESHEET } from './site.ts';

// `embargo site export DIR`: the public site as static files, byte for byte what the desk serves
// under /advisories/ at this moment, for hosting on any web server. Only advisories public by now
// are written. DIR must be new or empty, so an export never mixes with older files (a page that an
// older export had and this one would not is impossible to tell apart from a current one).
//
// Paths are checked twice: every segment must be a safe name (ids are restricted by the schema,
// but this is where they become file names), and every resolved path must stay inside DIR. Files
// are created exclusively, so nothing already there (a planted symlink) is followed or overwritten.

const RESERVED = new Set<string>([...LISTINGS, STYLESHEET.path]);

export interface SiteExportResult {
  dir: string;
  files: number;
  advisories: number;
}

export async function exportSite(app: App, dirArg: string): Promise<SiteExportResult> {
  if (!siteUrlConfigured(app.config)) {
    throw new EmbargoError(
      'bad_request',
      'Set EMBARGO_PUBLIC_URL (or EMBARGO_ADVISORY_SITE_URL, where the exported site will be hosted): the feed and the JSON index carry absolute links.',
    );
  }
  const dir = resolve(dirArg);
  if (existsSync(dir)) {
    if (!lstatSync(dir).isDirectory()) throw new EmbargoError('bad_request', `${dirArg} exists and is not a directory.`);
    if (readdirSync(dir).length > 0) throw new EmbargoError('bad_request', `${dirArg} is not empty: export into a new or empty directory.`);
  }
  const files = await allSiteFiles(app);

  // Check everything before writing anything.
  const seen = new Map<string, string>();
  const ids = new Set<string>();
  for (const file of files) {
    if (!isSafeSitePath(file.path)) throw new EmbargoError('internal', `Refusing to write an unsafe path: ${JSON.stringify(file.path)}.`);
    const target = resolve(dir, file.path);
    if (!target.startsWith(dir + sep))
      throw new EmbargoError('internal', `Refusing to write outside ${dirArg}: ${JSON.stringify(file.path)}.`);
    // Two ids that differ only in case would overwrite each other on case-insensitive file systems.
    const folded = file.path.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined)
      throw new EmbargoError('conflict', `Two files differ only in case (${other} and ${file.path}); rename one advisory.`);
    seen.set(folded, file.path);
    const top = file.path.split('/')[0]!;
    if (file.path.includes('/')) {
      if (RESERVED.has(top))
        throw new EmbargoError('conflict', `The advisory id "${top}" is the name of a site file; it cannot be exported.`);
      ids.add(top);
    }
  }

  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.body, { flag: 'wx', mode: 0o644 });
  }
  return { dir, files: files.length, advisories: ids.size };
}
