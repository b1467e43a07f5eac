import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The desk's latest audit checkpoint, kept outside the database (by default in the data directory,
// which on a PostgreSQL desk is on the server running `embargo serve`, not on the database's host):
// whoever can rewrite the database cannot also rewind this file.

/** The file's text, or null when there is none yet. */
export function readCheckpointFile(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Replaces the file whole: written beside it, then renamed over it, so a reader never sees half. */
export function writeCheckpointFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}
