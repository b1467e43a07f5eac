import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isHolidayRegion,
  listHolidayRegions,
  normalizeHolidayRegion,
  publicHolidayDetails,
  publicHolidays,
} from '../../src/domain/holidays.ts';
import { addWorkingDays, isoWithOffset } from '../../src/domain/calendar.ts';
import { dueAt } from '../../src/domain/deadline.ts';
import { ValidationError } from '../../src/domain/errors.ts';

test('publicHolidays: public holidays as local dates, substitute days included', () => {
  assert.deepEqual(publicHolidays('GB-ENG', 2026, 2026), [
    '2026-01-01',
    '2026-04-03',
    '2026-04-06',
    '2026-05-04',
    '2026-05-25',
    '2026-08-31',
    '2026-12-25',
    '2026-12-26',
    '2026-12-28',
  ]);
  const nz = publicHolidays('NZ', 2027, 2027);
  for (const d of ['2027-01-01', '2027-01-02', '2027-01-04', '2027-02-06', '2027-02-08', '2027-12-27', '2027-12-28'])
    assert.ok(nz.includes(d), d);
  assert.ok(publicHolidays('IN', 2027, 2027).includes('2027-01-26'), 'Republic Day');
  assert.ok(!publicHolidays('IN', 2027, 2027).includes('2027-01-01'), 'India has no New Year holiday');
  const ca = publicHolidays('US-CA', 2026, 2026);
  for (const d of ['2026-03-31', '2026-11-26', '2026-11-27', '2026-12-25']) assert.ok(ca.includes(d), d);
  // Only type "public": Christmas Eve (optional) and Halloween (observance) are working days.
  assert.ok(!ca.includes('2026-12-24') && !ca.includes('2026-10-31'));
  // A state's own holidays: Epiphany in Bavaria, not in Berlin; Augsburg's Peace Festival only there.
  assert.ok(publicHolidays('DE-BY', 2026, 2026).includes('2026-01-06'));
  assert.ok(!publicHolidays('DE-BE', 2026, 2026).includes('2026-01-06'));
  assert.ok(publicHolidays('DE-BY-A', 2026, 2026).includes('2026-08-08'));
  assert.ok(!publicHolidays('DE-BY', 2026, 2026).includes('2026-08-08'));
});

test('publicHolidays: several years, sorted, a holiday of several days gives each date', () => {
  const two = publicHolidays('GB-ENG', 2026, 2027);
  assert.deepEqual(two, [...two].sort());
  assert.ok(two.includes('2026-12-28') && two.includes('2027-12-28'));
  assert.deepEqual(
    two.filter((d) => d.startsWith('2027-12')),
    ['2027-12-25', '2027-12-26', '2027-12-27', '2027-12-28'],
  );
  // Eid al-Fitr in the UAE lasts three days.
  const ae = publicHolidayDetails('AE', 2026, 2026)
    .filter((h) => h.name.includes('Eid al-Fitr'))
    .map((h) => h.date);
  assert.equal(ae.length, 3);
  assert.deepEqual(publicHolidayDetails('GB-ENG', 2026, 2026).at(-1), { date: '2026-12-28', name: 'Boxing Day (substitute day)' });
  // Cached results are not shared mutable state.
  const a = publicHolidays('NZ', 2026, 2026);
  a.push('1999-01-01');
  assert.ok(!publicHolidays('NZ', 2026, 2026).includes('1999-01-01'));
});

test('holiday regions: codes are validated, matched without case, and can be listed', () => {
  assert.equal(normalizeHolidayRegion('gb-eng'), 'GB-ENG');
  assert.equal(normalizeHolidayRegion(' nz '), 'NZ');
  assert.equal(normalizeHolidayRegion('nz-can-timaru'), 'NZ-CAN-Timaru');
  assert.equal(isHolidayRegion('US-CA'), true);
  for (const bad of ['', 'X', 'XX', 'GB-XX', 'GB_ENG', 'US-CA-XX', '12', 'GB-ENG-LONDON-X', 'gb/eng']) {
    assert.equal(isHolidayRegion(bad), false, bad);
    assert.throws(
      () => normalizeHolidayRegion(bad),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError, bad);
        assert.match(e.message, /embargo sla regions/, 'says how to find the codes');
        return true;
      },
    );
  }
  assert.throws(() => normalizeHolidayRegion('GB-XX'), /known: ALD, ENG, NIR, SCT, WLS/);
  assert.throws(() => publicHolidays('Narnia', 2026, 2026), ValidationError);
  for (const [from, to] of [
    [2026, 2025],
    [1800, 2026],
    [2026, 2300],
    [2026.5, 2027],
    [1950, 2100],
  ]) {
    assert.throws(() => publicHolidays('GB-ENG', from!, to!), ValidationError, `${from}..${to}`);
  }
  const countries = listHolidayRegions();
  assert.ok(countries.length > 150);
  assert.deepEqual(
    countries.find((c) => c.code === 'NZ'),
    { code: 'NZ', name: 'New Zealand' },
  );
  const gb = listHolidayRegions('gb').map((r) => r.code);
  assert.ok(gb.includes('GB') && gb.includes('GB-ENG') && gb.includes('GB-SCT'));
  assert.ok(listHolidayRegions('DE').some((r) => r.code === 'DE-BY-A'));
  assert.throws(() => listHolidayRegions('GB-ENG'), ValidationError);
  assert.throws(() => listHolidayRegions('QQ'), ValidationError);
});

test('dueAt with a holiday region reaches as many years as the count needs', () => {
  const start = new Date('2026-12-23T17:00:00Z');
  const cal = { timeZone: 'Europe/London', workingWeek: [1, 2, 3, 4, 5] };
  // 300 working days from December 2026 run into 2028: the holidays of all three years count.
  const expected = addWorkingDays(start, 300, { ...cal, holidays: publicHolidays('GB-ENG', 2026, 2028) });
  const due = dueAt({ amount: 300, unit: 'working-days' }, start, { ...cal, holidayRegion: 'GB-ENG' });
  assert.equal(due.getTime(), expected.getTime());
  assert.ok(isoWithOffset(due, 'Europe/London').startsWith('2028-'));
  // With only the first two years' holidays the count would end earlier.
  assert.ok(addWorkingDays(start, 300, { ...cal, holidays: publicHolidays('GB-ENG', 2026, 2027) }) < due);
  // Holidays given by hand and a region add up.
  const both = dueAt({ amount: 1, unit: 'working-days' }, start, { ...cal, holidayRegion: 'GB-ENG', holidays: ['2026-12-24'] });
  assert.equal(isoWithOffset(both, 'Europe/London'), '2026-12-30T00:00:00+00:00');
  assert.throws(() => dueAt({ amount: 1, unit: 'working-days' }, start, { ...cal, holidayRegion: 'XX' }), ValidationError);
});
