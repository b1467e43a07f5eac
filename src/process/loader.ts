// Finding and loading profiles: the shipped ones by id, a team's own by file path. Loading runs the
// schema and the linter; a profile with any error is refused as a whole, with every problem listed.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EmbargoError } from '../domain/errors.ts';
import type { ProcessProfile } from './schema.ts';
import { parseProfileText } from './parse.ts';
import { checkParsed } from './lint.ts';
import { formatPath, formatProblems, hasErrors } from './problems.ts';
import type { Problem } from './problems.ts';

export type { Problem };

const SHIPPED_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

export interface ShippedProfile {
  id: string;
  path: string;
}

/** YAML text → profile, checked against the schema only; see checkProfileText for lint too. */
export function parseProfile(text: string, source: string): { profile?: ProcessProfile; problems: Problem[] } {
  const { profile, problems } = parseProfileText(text, source);
  return profile ? { profile, problems } : { problems };
}

/** The profiles shipped with Embargo; the file name is the profile id. */
export function listShippedProfiles(): ShippedProfile[] {
  return readdirSync(SHIPPED_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ id: f.slice(0, -'.yaml'.length), path: join(SHIPPED_DIR, f) }));
}

/** Where a profile's text lives: a shipped id ("tock") or a file path. */
export function resolveProfilePath(nameOrPath: string): string {
  const shipped = listShippedProfiles().find((p) => p.id === nameOrPath);
  if (shipped) return shipped.path;
  if (existsSync(nameOrPath)) return nameOrPath;
  const ids = listShippedProfiles()
    .map((p) => p.id)
    .join(', ');
  throw new EmbargoError('not_found', `No process profile "${nameOrPath}": not a shipped profile (${ids}) nor a file.`);
}

/** The YAML text of a shipped profile, e.g. to store as an instance's editable copy. */
export function loadShippedProfileText(id: string): string {
  const shipped = listShippedProfiles().find((p) => p.id === id);
  if (!shipped) {
    const ids = listShippedProfiles()
      .map((p) => p.id)
      .join(', ');
    throw new EmbargoError('not_found', `No shipped process profile "${id}"; shipped: ${ids}.`);
  }
  return readFileSync(shipped.path, 'utf8');
}

export interface LoadOptions {
  /** Called with each warning of a profile that loads; warnings do not stop it from loading. */
  onWarning?: (problem: Problem) => void;
}

/**
 * Loads, validates and lints a profile. Throws EmbargoError('profile_invalid') listing every
 * problem (details carry "file:line:col" paths) if there is any error.
 */
export function loadProfile(nameOrPath: string, options: LoadOptions = {}): ProcessProfile {
  const path = resolveProfilePath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EmbargoError('not_found', `Cannot read process profile ${path}: ${(e as Error).message}`);
  }
  const parsed = parseProfileText(text, path);
  const problems = checkParsed(parsed, path);
  const { profile } = parsed;
  if (!profile || hasErrors(problems)) {
    const errors = problems.filter((p) => p.severity === 'error');
    throw new EmbargoError(
      'profile_invalid',
      `Process profile ${path} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${formatProblems(errors)}`,
      errors.map((p) => ({ path: `${p.source}:${p.line}:${p.column}${p.path ? ` ${p.path}` : ''}`, message: p.message })),
    );
  }
  for (const p of problems) options.onWarning?.(p);
  return profile;
}

// Re-exported so that callers need one import for parsing and formatting.
export { formatPath, formatProblems };
