import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listMigrations } from '../../src/store/migrate.ts';

test('migrations are numbered 001, 002, ... without gaps or duplicates', () => {
  const versions = listMigrations().map((m) => m.version);
  assert.ok(versions.length >= 5);
  assert.deepEqual(
    versions,
    versions.map((_, i) => i + 1),
  );
});
