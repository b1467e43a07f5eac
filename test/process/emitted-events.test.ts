import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMITTED_EVENTS } from '../../src/process/events.ts';
import { KNOWN_EVENTS } from '../../src/process/schema.ts';
import { checkProfileText } from '../../src/process/lint.ts';
import { loadShippedProfileText } from '../../src/process/loader.ts';

// The list of emitted events is what the linter lets a clock name; each must really be emitted by a
// use case or a job, or a profile could rely on a clock that never moves.

const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('every event in the emitted list is emitted by the code, by name', () => {
  const emitted = new Set<string>();
  for (const file of sources(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bemit\(\s*\w+,\s*\w+,\s*'([a-z_]+)'/g)) emitted.add(m[1]!);
  }
  const missing = EMITTED_EVENTS.filter((e) => !emitted.has(e));
  assert.deepEqual(missing, [], `listed as emitted but never emitted: ${missing.join(', ')}`);
  const unlisted = [...emitted].filter((e) => !(EMITTED_EVENTS as readonly string[]).includes(e));
  assert.deepEqual(unlisted, []);
});

test('every emitted event is a known event', () => {
  for (const e of EMITTED_EVENTS) assert.ok(e in KNOWN_EVENTS, e);
});

test('every event a clock may name is emitted by something', () => {
  assert.deepEqual(
    Object.keys(KNOWN_EVENTS).filter((e) => !(EMITTED_EVENTS as readonly string[]).includes(e)),
    [],
  );
});

test('the shipped profiles name only emitted events', () => {
  for (const id of ['tock', 'trusted-firmware']) {
    const problems = checkProfileText(loadShippedProfileText(id), id);
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error'),
      [],
    );
  }
});
