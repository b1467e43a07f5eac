import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicAt, publicAtSql, publicVersionAt } from '../../src/domain/publication.ts';

const at = new Date('2026-12-04T15:00:00Z');
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

test('an advisory is public from its publication instant on, not a millisecond before', () => {
  const a = { publishedVersion: 3, publishAt: at };
  assert.equal(isPublicAt(a, ms(at, -1)), false);
  assert.equal(isPublicAt(a, at), true);
  assert.equal(isPublicAt(a, ms(at, 86_400_000)), true);
  assert.equal(publicVersionAt(a, ms(at, -1)), null);
  assert.equal(publicVersionAt(a, at), 3);
});

test('never scheduled: never public', () => {
  assert.equal(isPublicAt({ publishedVersion: null, publishAt: null }, at), false);
  assert.equal(isPublicAt({ publishedVersion: null, publishAt: at }, ms(at, 1)), false);
  assert.equal(isPublicAt({ publishedVersion: 1, publishAt: null }, at), false);
});

test('an update or a withdrawal of a public advisory is what the public sees, at once and from the same instant', () => {
  // The update (version 4) and the withdrawal notice (version 5) become the published version; the
  // publication instant stays the first one, so the advisory never stops being public.
  assert.equal(publicVersionAt({ publishedVersion: 4, publishAt: at }, ms(at, 1000)), 4);
  const withdrawn = { publishedVersion: 5, publishAt: at };
  assert.equal(isPublicAt(withdrawn, ms(at, 2000)), true);
  assert.equal(publicVersionAt(withdrawn, ms(at, 2000)), 5);
});

test('the SQL form states the same rule on a named row and parameter', () => {
  assert.equal(publicAtSql('a', '$1'), '(a.published_version IS NOT NULL AND a.publish_at IS NOT NULL AND a.publish_at <= $1)');
});
