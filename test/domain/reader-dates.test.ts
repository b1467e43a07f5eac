import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readableDate, readableInstant } from '../../src/domain/reader-dates.ts';
import { ValidationError } from '../../src/domain/errors.ts';

// Dates in messages are written for a person in their zone, not as machine instants.

test('an instant reads as the day, month, year and minute in the reader zone', () => {
  const at = new Date('2026-12-03T06:54:29.561Z');
  assert.equal(readableInstant(at, 'UTC'), '3 December 2026, 06:54 UTC');
  assert.equal(readableInstant(at, 'Europe/London'), '3 December 2026, 06:54 GMT');
  assert.equal(readableInstant(at, 'America/Los_Angeles'), '2 December 2026, 22:54 GMT-8');
  assert.equal(readableInstant(new Date('2026-07-01T12:00:00Z'), 'Europe/Berlin'), '1 July 2026, 14:00 CEST');
});

test('a calendar date must be a real YYYY-MM-DD date', () => {
  assert.equal(readableDate('2027-01-15'), '15 January 2027');
  for (const bad of ['next week', '2027-02-30', '15/01/2027', '2027-1-5', '']) {
    assert.throws(
      () => readableDate(bad, 'resolutionDate'),
      (e: unknown) => e instanceof ValidationError && /YYYY-MM-DD/.test(e.message),
      bad,
    );
  }
});
