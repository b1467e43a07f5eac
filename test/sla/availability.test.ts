import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPresent, type PresenceFacts } from '../../src/domain/availability.ts';

// The one presence rule that assignment and the SLA notices share.

const base: PresenceFacts = { available: true, disabled: false, awayUntil: null, timeZone: 'Europe/London', daysOff: [] };
const at = new Date('2026-12-07T14:00:00Z');

test('present unless unavailable, disabled, away until later, or on a day off today in their own zone', () => {
  assert.equal(isPresent(base, at), true);
  assert.equal(isPresent({ ...base, available: false }, at), false);
  assert.equal(isPresent({ ...base, disabled: true }, at), false);
  assert.equal(isPresent({ ...base, awayUntil: new Date('2026-12-07T14:00:01Z') }, at), false);
  assert.equal(isPresent({ ...base, awayUntil: at }, at), true, 'away until now: back');
  assert.equal(isPresent({ ...base, daysOff: [{ startsOn: '2026-12-05', endsOn: '2026-12-07' }] }, at), false);
  assert.equal(isPresent({ ...base, daysOff: [{ startsOn: '2026-12-08', endsOn: '2026-12-08' }] }, at), true);
  // 14:00 UTC on the 7th is already the 8th in Auckland.
  assert.equal(
    isPresent({ ...base, timeZone: 'Pacific/Auckland', daysOff: [{ startsOn: '2026-12-08', endsOn: '2026-12-08' }] }, at),
    false,
  );
});
