import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTimeline, releasePlan } from '../../src/domain/embargo-timeline.ts';

// The disclosure timeline's checks that are pure: weekends and the recipients' public holidays are
// warnings (named by field), and what an agreed timeline releases when.

const TIERS = [
  { id: 'ess', name: 'ESS' },
  { id: 'trusted', name: 'Trusted' },
];
const NOW = new Date('2026-12-01T09:00:00Z');

test("an end on a public holiday where a recipient keeps them is a warning, in the recipient's own zone", () => {
  const input = {
    // 25 December: a public holiday in the US; 15:00 UTC is still the 25th in New York.
    tiers: [
      { tier: 'ess', endsAt: '2026-12-25T15:00:00Z' },
      { tier: 'trusted', endsAt: '2027-01-05T09:00:00Z' },
    ],
    publicAt: '2027-01-07T09:00:00Z',
    timeZone: 'UTC',
  };
  const plain = checkTimeline(input, { tiers: TIERS }, NOW);
  assert.deepEqual(plain.warnings, [], 'a Friday, and nobody whose holidays are known');
  const us = checkTimeline(input, { tiers: TIERS, holidays: [{ region: 'US', timeZone: 'America/New_York' }] }, NOW);
  assert.equal(us.warnings.length, 1, us.warnings.join('; '));
  assert.match(us.warnings[0]!, /^tiers\[0\]\.endsAt falls on Christmas Day, a public holiday in US/);
  // 00:30 UTC on the 26th is still the 25th in New York, but the 26th in Tokyo (no holiday there).
  const late = { ...input, tiers: [{ tier: 'ess', endsAt: '2026-12-26T00:30:00Z' }, input.tiers[1]!] };
  assert.equal(checkTimeline(late, { tiers: TIERS, holidays: [{ region: 'US', timeZone: 'America/New_York' }] }, NOW).warnings.length, 2);
  assert.deepEqual(checkTimeline(late, { tiers: TIERS, holidays: [{ region: 'JP', timeZone: 'Asia/Tokyo' }] }, NOW).warnings, [
    'tiers[0].endsAt falls on a weekend in UTC: people may not be there to act on it',
  ]);
});

test('the first tier is told when the fix is ready, each later tier when the tier before ends, the fix public when the last ends', () => {
  const t = {
    tiers: [
      { tier: 'ess', endsAt: new Date('2027-01-10T09:00:00Z') },
      { tier: 'trusted', endsAt: new Date('2027-01-20T09:00:00Z') },
    ],
    publicAt: new Date('2027-02-01T09:00:00Z'),
  };
  const iso = (p: ReturnType<typeof releasePlan>) => p.map((r) => [r.kind, r.tier, r.dueAt.toISOString()]);
  assert.deepEqual(iso(releasePlan(t, null, { tiers: new Set(), fixPublic: false })), [
    ['tier_notice', 'trusted', '2027-01-10T09:00:00.000Z'],
    ['fix_public', null, '2027-01-20T09:00:00.000Z'],
  ]);
  assert.deepEqual(iso(releasePlan(t, new Date('2027-01-02T09:00:00Z'), { tiers: new Set(['ess']), fixPublic: false })), [
    ['tier_notice', 'trusted', '2027-01-10T09:00:00.000Z'],
    ['fix_public', null, '2027-01-20T09:00:00.000Z'],
  ]);
  assert.deepEqual(iso(releasePlan({ tiers: [], publicAt: t.publicAt }, null, { tiers: new Set(), fixPublic: false })), [
    ['fix_public', null, '2027-02-01T09:00:00.000Z'],
  ]);
});
