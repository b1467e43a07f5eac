import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reminderAt, maxLeadMs } from '../../src/domain/reminder.ts';

// When an owner is reminded: hours before the due instant, or the start of the n-th working day
// before it in the owner's zone and working week.

const cases: [string, string, { amount: number; unit: 'hours' | 'working-days' }, { timeZone: string; workingWeek?: number[] }, string][] =
  [
    ['24 hours', '2026-11-27T08:00:00Z', { amount: 24, unit: 'hours' }, { timeZone: 'America/Los_Angeles' }, '2026-11-26T08:00:00.000Z'],
    [
      'hours ignore DST: 24 h before Sunday 29 March 2026 12:00 London',
      '2026-03-29T11:00:00Z',
      { amount: 24, unit: 'hours' },
      { timeZone: 'Europe/London' },
      '2026-03-28T11:00:00.000Z',
    ],
    [
      'end of Thursday in LA, 1 working day: start of Thursday',
      '2026-11-27T08:00:00Z',
      { amount: 1, unit: 'working-days' },
      { timeZone: 'America/Los_Angeles' },
      '2026-11-26T08:00:00.000Z',
    ],
    [
      'end of Thursday in LA, 2 working days: start of Wednesday',
      '2026-11-27T08:00:00Z',
      { amount: 2, unit: 'working-days' },
      { timeZone: 'America/Los_Angeles' },
      '2026-11-25T08:00:00.000Z',
    ],
    [
      'end of Monday, 2 working days: start of the Friday before',
      '2026-11-24T00:00:00Z',
      { amount: 2, unit: 'working-days' },
      { timeZone: 'Europe/London' },
      '2026-11-20T00:00:00.000Z',
    ],
    [
      'due Tuesday 10:00 (calendar days), 1 working day: the start of that Tuesday',
      '2026-12-01T10:00:00Z',
      { amount: 1, unit: 'working-days' },
      { timeZone: 'Europe/London' },
      '2026-12-01T00:00:00.000Z',
    ],
    [
      'due Saturday 10:00, 1 working day: start of Friday',
      '2026-11-28T10:00:00Z',
      { amount: 1, unit: 'working-days' },
      { timeZone: 'Europe/London' },
      '2026-11-27T00:00:00.000Z',
    ],
    [
      'Sunday–Thursday week (Asia/Jerusalem), end of Sunday, 2 working days: start of the Thursday before',
      '2026-11-22T22:00:00Z',
      { amount: 2, unit: 'working-days' },
      { timeZone: 'Asia/Jerusalem', workingWeek: [7, 1, 2, 3, 4] },
      '2026-11-18T22:00:00.000Z',
    ],
    [
      'across the October DST change: end of Monday 26 October London, 1 working day',
      '2026-10-27T00:00:00Z',
      { amount: 1, unit: 'working-days' },
      { timeZone: 'Europe/London' },
      '2026-10-26T00:00:00.000Z',
    ],
    [
      'across the October DST change: 2 working days reach Friday 23 October (BST)',
      '2026-10-27T00:00:00Z',
      { amount: 2, unit: 'working-days' },
      { timeZone: 'Europe/London' },
      '2026-10-22T23:00:00.000Z',
    ],
  ];

for (const [name, due, lead, cal, expected] of cases) {
  test(`reminderAt: ${name}`, () => {
    assert.equal(reminderAt(new Date(due), lead, cal).toISOString(), expected);
  });
}

test('maxLeadMs bounds every working-day lead in any working week', () => {
  assert.equal(maxLeadMs({ amount: 24, unit: 'hours' }), 24 * 3_600_000);
  // A one-day working week is the worst case without holidays: n working days back reach at most n weeks and a day.
  for (const amount of [1, 2, 5]) {
    const due = new Date('2026-11-25T00:00:00Z');
    const remind = reminderAt(due, { amount, unit: 'working-days' }, { timeZone: 'UTC', workingWeek: [3] });
    assert.ok(due.getTime() - remind.getTime() <= maxLeadMs({ amount, unit: 'working-days' }));
  }
});
