import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addWorkingDays,
  addCalendarDays,
  addHours,
  localDate,
  startOfLocalDay,
  endOfLocalDay,
  localDayExists,
  isoWithOffset,
  instantFromLocal,
  isWorkingDay,
  isoWeekday,
  addDaysToLocalDate,
  parseWorkingWeek,
  parseLocalDate,
  assertTimeZone,
  isValidTimeZone,
  timeZoneOffsetMinutes,
  DEFAULT_WORKING_WEEK,
  type WorkingCalendar,
} from '../../src/domain/calendar.ts';
import { ValidationError } from '../../src/domain/errors.ts';

const LON = 'Europe/London';
const LA = 'America/Los_Angeles';
const AKL = 'Pacific/Auckland';
const KOL = 'Asia/Kolkata';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const SUN_THU = [7, 1, 2, 3, 4];

// Each expected deadline below was worked out by hand from the rule: skip the arrival day,
// count n working days in the owner's zone, the deadline is 24:00 local of the n-th one
// (written as 00:00 of the next local day, with the offset in force at that moment).
// 2026 facts used: London BST 29 Mar–25 Oct; Los Angeles PDT 8 Mar–1 Nov;
// Auckland NZST from 5 Apr, NZDT from 27 Sep; Kolkata +05:30 all year.
interface Case {
  name: string;
  arrival: string;
  n: number;
  cal: WorkingCalendar;
  due: string;
}

const cases: Case[] = [
  // ---- the rule's own examples
  {
    name: 'Monday 10:00, 3 days: end of Thursday',
    arrival: '2026-03-02T10:00:00+00:00',
    n: 3,
    cal: { timeZone: LON },
    due: '2026-03-06T00:00:00+00:00',
  },
  {
    name: 'Saturday, 3 days: end of Wednesday',
    arrival: '2026-03-07T12:00:00+00:00',
    n: 3,
    cal: { timeZone: LON },
    due: '2026-03-12T00:00:00+00:00',
  },
  {
    name: 'Friday 23:30, 3 days: Mon Tue Wed',
    arrival: '2026-03-06T23:30:00+00:00',
    n: 3,
    cal: { timeZone: LON },
    due: '2026-03-12T00:00:00+00:00',
  },
  {
    name: 'Sunday, 1 day: end of Monday',
    arrival: '2026-03-01T23:59:59.999+00:00',
    n: 1,
    cal: { timeZone: LON },
    due: '2026-03-03T00:00:00+00:00',
  },
  {
    name: 'arrival at Monday 00:00 sharp: Monday still does not count',
    arrival: '2026-03-02T00:00:00+00:00',
    n: 1,
    cal: { timeZone: LON },
    due: '2026-03-04T00:00:00+00:00',
  },
  {
    name: 'Friday 17:00, 1 day: end of Monday',
    arrival: '2026-03-06T17:00:00+00:00',
    n: 1,
    cal: { timeZone: LON },
    due: '2026-03-10T00:00:00+00:00',
  },
  // ---- Europe/London spring forward (Sun 29 Mar 2026, 01:00 GMT → 02:00 BST)
  {
    name: 'London: Thursday before spring forward, 3 days',
    arrival: '2026-03-26T09:00:00+00:00',
    n: 3,
    cal: { timeZone: LON },
    due: '2026-04-01T00:00:00+01:00',
  },
  {
    name: 'London: deadline Saturday just before the change',
    arrival: '2026-03-25T09:00:00+00:00',
    n: 2,
    cal: { timeZone: LON },
    due: '2026-03-28T00:00:00+00:00',
  },
  {
    name: 'London: Saturday arrival, 1 day → end of Monday in BST',
    arrival: '2026-03-28T12:00:00+00:00',
    n: 1,
    cal: { timeZone: LON },
    due: '2026-03-31T00:00:00+01:00',
  },
  {
    name: 'London: Sunday worked (Sun–Thu), the 23-hour day',
    arrival: '2026-03-28T12:00:00+00:00',
    n: 1,
    cal: { timeZone: LON, workingWeek: SUN_THU },
    due: '2026-03-30T00:00:00+01:00',
  },
  // ---- Europe/London fall back (Sun 25 Oct 2026, 02:00 BST → 01:00 GMT)
  {
    name: 'London: Thursday before fall back, 3 days',
    arrival: '2026-10-22T15:00:00+01:00',
    n: 3,
    cal: { timeZone: LON },
    due: '2026-10-28T00:00:00+00:00',
  },
  {
    name: 'London: Sunday worked, the 25-hour day',
    arrival: '2026-10-23T10:00:00+01:00',
    n: 1,
    cal: { timeZone: LON, workingWeek: SUN_THU },
    due: '2026-10-26T00:00:00+00:00',
  },
  {
    name: 'London: arrival in the repeated hour (second 01:30)',
    arrival: '2026-10-25T01:30:00+00:00',
    n: 1,
    cal: { timeZone: LON },
    due: '2026-10-27T00:00:00+00:00',
  },
  // ---- America/Los_Angeles (Sun 8 Mar 2026 02:00 PST → 03:00 PDT; Sun 1 Nov 02:00 PDT → 01:00 PST)
  {
    name: 'LA: Friday 17:00 before spring forward, 2 days',
    arrival: '2026-03-06T17:00:00-08:00',
    n: 2,
    cal: { timeZone: LA },
    due: '2026-03-11T00:00:00-07:00',
  },
  {
    name: 'LA: Saturday before spring forward, 1 day',
    arrival: '2026-03-07T09:00:00-08:00',
    n: 1,
    cal: { timeZone: LA },
    due: '2026-03-10T00:00:00-07:00',
  },
  {
    name: 'LA: arrival 01:30 on the spring-forward night',
    arrival: '2026-03-08T01:30:00-08:00',
    n: 1,
    cal: { timeZone: LA },
    due: '2026-03-10T00:00:00-07:00',
  },
  {
    name: 'LA: Friday before fall back, 1 day',
    arrival: '2026-10-30T16:00:00-07:00',
    n: 1,
    cal: { timeZone: LA },
    due: '2026-11-03T00:00:00-08:00',
  },
  {
    name: 'LA: seven-day week, the 25-hour Sunday',
    arrival: '2026-10-31T12:00:00-07:00',
    n: 1,
    cal: { timeZone: LA, workingWeek: EVERY_DAY },
    due: '2026-11-02T00:00:00-08:00',
  },
  {
    name: 'LA: arrival in first 01:30 of fall-back night',
    arrival: '2026-11-01T01:30:00-07:00',
    n: 1,
    cal: { timeZone: LA },
    due: '2026-11-03T00:00:00-08:00',
  },
  {
    name: 'LA: arrival in second 01:30 of fall-back night',
    arrival: '2026-11-01T01:30:00-08:00',
    n: 1,
    cal: { timeZone: LA },
    due: '2026-11-03T00:00:00-08:00',
  },
  {
    name: 'LA: New Year, Thursday 22:00 local (already Friday in UTC)',
    arrival: '2026-12-31T22:00:00-08:00',
    n: 1,
    cal: { timeZone: LA },
    due: '2027-01-02T00:00:00-08:00',
  },
  // ---- Pacific/Auckland (Sun 5 Apr 2026 03:00 NZDT → 02:00 NZST; Sun 27 Sep 02:00 NZST → 03:00 NZDT)
  {
    name: 'Auckland: Thursday before Easter, no holidays, 2 days',
    arrival: '2026-04-02T10:00:00+13:00',
    n: 2,
    cal: { timeZone: AKL },
    due: '2026-04-07T00:00:00+12:00',
  },
  {
    name: 'Auckland: Good Friday and Easter Monday skipped',
    arrival: '2026-04-02T10:00:00+13:00',
    n: 2,
    cal: { timeZone: AKL, holidays: ['2026-04-03', '2026-04-06'] },
    due: '2026-04-09T00:00:00+12:00',
  },
  {
    name: 'Auckland: Friday evening in UTC is Saturday morning local',
    arrival: '2026-04-03T20:00:00Z',
    n: 3,
    cal: { timeZone: AKL },
    due: '2026-04-09T00:00:00+12:00',
  },
  {
    name: 'Auckland: Thursday before spring forward, 2 days',
    arrival: '2026-09-24T10:00:00+12:00',
    n: 2,
    cal: { timeZone: AKL },
    due: '2026-09-29T00:00:00+13:00',
  },
  {
    name: 'Auckland: seven-day week, the 23-hour Sunday',
    arrival: '2026-09-26T10:00:00+12:00',
    n: 1,
    cal: { timeZone: AKL, workingWeek: EVERY_DAY },
    due: '2026-09-28T00:00:00+13:00',
  },
  {
    name: 'Auckland: New Year with Mondayised holiday',
    arrival: '2026-12-31T09:00:00+13:00',
    n: 2,
    cal: { timeZone: AKL, holidays: ['2027-01-01', '2027-01-04'] },
    due: '2027-01-07T00:00:00+13:00',
  },
  {
    name: 'Auckland: Friday 1 Jan 20:00 UTC is Saturday 2 Jan local',
    arrival: '2027-01-01T20:00:00Z',
    n: 1,
    cal: { timeZone: AKL },
    due: '2027-01-05T00:00:00+13:00',
  },
  // ---- Asia/Kolkata (+05:30, no DST)
  {
    name: 'Kolkata: Monday 10:00, 3 days',
    arrival: '2026-03-02T10:00:00+05:30',
    n: 3,
    cal: { timeZone: KOL },
    due: '2026-03-06T00:00:00+05:30',
  },
  {
    name: 'Kolkata: one second before Friday local: Thursday arrival',
    arrival: '2026-03-05T18:29:59Z',
    n: 1,
    cal: { timeZone: KOL },
    due: '2026-03-07T00:00:00+05:30',
  },
  {
    name: 'Kolkata: Friday 00:00 local: Friday arrival',
    arrival: '2026-03-05T18:30:00Z',
    n: 1,
    cal: { timeZone: KOL },
    due: '2026-03-10T00:00:00+05:30',
  },
  {
    name: 'Kolkata: Friday 19:00 UTC is Saturday local',
    arrival: '2026-03-06T19:00:00Z',
    n: 1,
    cal: { timeZone: KOL },
    due: '2026-03-10T00:00:00+05:30',
  },
  {
    name: 'Kolkata: Sunday–Thursday week',
    arrival: '2026-03-05T10:00:00+05:30',
    n: 2,
    cal: { timeZone: KOL, workingWeek: SUN_THU },
    due: '2026-03-10T00:00:00+05:30',
  },
  // ---- same instant, different owners
  {
    name: 'same instant, London owner: Friday 19:00',
    arrival: '2026-03-06T19:00:00Z',
    n: 2,
    cal: { timeZone: LON },
    due: '2026-03-11T00:00:00+00:00',
  },
  {
    name: 'same instant, LA owner: Friday 11:00',
    arrival: '2026-03-06T19:00:00Z',
    n: 2,
    cal: { timeZone: LA },
    due: '2026-03-11T00:00:00-07:00',
  },
  // ---- New Year, holidays, days off
  {
    name: 'London: across New Year with UK holidays',
    arrival: '2026-12-30T11:00:00+00:00',
    n: 3,
    cal: { timeZone: LON, holidays: ['2026-12-25', '2026-12-28', '2027-01-01'] },
    due: '2027-01-06T00:00:00+00:00',
  },
  {
    name: 'London: across New Year without holidays',
    arrival: '2026-12-30T11:00:00+00:00',
    n: 3,
    cal: { timeZone: LON },
    due: '2027-01-05T00:00:00+00:00',
  },
  {
    name: 'London: a day off in the middle',
    arrival: '2026-06-01T09:00:00+01:00',
    n: 3,
    cal: { timeZone: LON, daysOff: ['2026-06-03'] },
    due: '2026-06-06T00:00:00+01:00',
  },
  {
    name: 'London: holiday and day off on the same date count once',
    arrival: '2026-06-01T09:00:00+01:00',
    n: 1,
    cal: { timeZone: LON, holidays: ['2026-06-02'], daysOff: ['2026-06-02', '2026-06-03'] },
    due: '2026-06-05T00:00:00+01:00',
  },
  {
    name: 'London: holiday on the arrival day changes nothing',
    arrival: '2026-06-01T09:00:00+01:00',
    n: 1,
    cal: { timeZone: LON, holidays: ['2026-06-01'] },
    due: '2026-06-03T00:00:00+01:00',
  },
  {
    name: 'London: holiday on a weekend changes nothing',
    arrival: '2026-06-05T09:00:00+01:00',
    n: 1,
    cal: { timeZone: LON, holidays: ['2026-06-06', '2026-06-07'] },
    due: '2026-06-09T00:00:00+01:00',
  },
  {
    name: 'London: 20 days across spring forward',
    arrival: '2026-03-16T10:00:00+00:00',
    n: 20,
    cal: { timeZone: LON },
    due: '2026-04-14T00:00:00+01:00',
  },
  {
    name: 'London: 20 days across spring forward and Easter',
    arrival: '2026-03-16T10:00:00+00:00',
    n: 20,
    cal: { timeZone: LON, holidays: ['2026-04-03', '2026-04-06'] },
    due: '2026-04-16T00:00:00+01:00',
  },
  // ---- zones where midnight itself moves
  // America/Santiago: Sat 5 Sep 2026 24:00 -04 → Sun 01:00 -03, so Sunday starts at 01:00.
  {
    name: 'Santiago: end of Saturday is Sunday 01:00 -03',
    arrival: '2026-09-04T12:00:00-04:00',
    n: 1,
    cal: { timeZone: 'America/Santiago', workingWeek: EVERY_DAY },
    due: '2026-09-06T01:00:00-03:00',
  },
  // Pacific/Apia skipped Friday 30 Dec 2011 (-10 → +14): it cannot be a working day.
  {
    name: 'Apia: the skipped Friday does not count',
    arrival: '2011-12-29T10:00:00-10:00',
    n: 1,
    cal: { timeZone: 'Pacific/Apia' },
    due: '2012-01-03T00:00:00+14:00',
  },
];

test(`addWorkingDays: ${cases.length} hand-computed deadlines`, () => {
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    const due = addWorkingDays(new Date(c.arrival), c.n, c.cal);
    assert.equal(due.toISOString(), new Date(c.due).toISOString(), c.name);
    assert.equal(isoWithOffset(due, c.cal.timeZone), c.due, c.name);
  }
});

test('addWorkingDays: the deadline is always a local midnight of the owner', () => {
  for (const c of cases) {
    const due = addWorkingDays(new Date(c.arrival), c.n, c.cal);
    assert.equal(startOfLocalDay(localDate(due, c.cal.timeZone), c.cal.timeZone).getTime(), due.getTime(), c.name);
  }
});

test('addWorkingDays: exact UTC instants across DST (not 24-hour steps)', () => {
  // London, Thursday 26 Mar + 3 → end of Tue 31 Mar BST = 23:00 UTC on the 31st.
  assert.equal(addWorkingDays(new Date('2026-03-26T09:00:00Z'), 3, { timeZone: LON }).toISOString(), '2026-03-31T23:00:00.000Z');
  // Auckland, Thursday 2 Apr + 2 → end of Mon 6 Apr NZST = 12:00 UTC on the 6th.
  assert.equal(addWorkingDays(new Date('2026-04-01T21:00:00Z'), 2, { timeZone: AKL }).toISOString(), '2026-04-06T12:00:00.000Z');
  // LA Saturday 31 Oct, every day worked: end of Sunday 1 Nov PST = 08:00 UTC on the 2nd.
  assert.equal(
    addWorkingDays(new Date('2026-10-31T19:00:00Z'), 1, { timeZone: LA, workingWeek: EVERY_DAY }).toISOString(),
    '2026-11-02T08:00:00.000Z',
  );
});

test('addWorkingDays: invalid input is a ValidationError', () => {
  const start = new Date('2026-03-02T10:00:00Z');
  for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => addWorkingDays(start, n, { timeZone: LON }), ValidationError, String(n));
  }
  assert.throws(() => addWorkingDays(start, 1, { timeZone: 'Mars/Olympus_Mons' }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: '' }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, workingWeek: [] }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, workingWeek: [0, 1] }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, workingWeek: [8] }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, workingWeek: [1.5] }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, holidays: ['2026-13-01'] }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, holidays: ['2026/12/25'] }), ValidationError);
  assert.throws(() => addWorkingDays(start, 1, { timeZone: LON, daysOff: ['2026-02-30'] }), ValidationError);
  assert.throws(() => addWorkingDays(new Date('nope'), 1, { timeZone: LON }), ValidationError);
});

test('addWorkingDays: a single-day week and long holiday runs still terminate correctly', () => {
  // Only Wednesdays worked; arrival Monday 2 Mar; 2 days → Wed 4, Wed 11 → end of 11 Mar.
  assert.equal(
    isoWithOffset(addWorkingDays(new Date('2026-03-02T10:00:00Z'), 2, { timeZone: LON, workingWeek: [3] }), LON),
    '2026-03-12T00:00:00+00:00',
  );
  // Three weeks of holidays from Tue 3 Mar to Mon 23 Mar: first working day Tue 24 Mar.
  const holidays = Array.from({ length: 21 }, (_, i) => addDaysToLocalDate('2026-03-03', i));
  assert.equal(
    isoWithOffset(addWorkingDays(new Date('2026-03-02T10:00:00Z'), 1, { timeZone: LON, holidays }), LON),
    '2026-03-25T00:00:00+00:00',
  );
});

test('addCalendarDays keeps the local wall-clock time across DST', () => {
  const cases: [string, number, string, string][] = [
    ['2026-03-28T12:00:00+00:00', 1, LON, '2026-03-29T12:00:00+01:00'],
    ['2026-10-24T12:00:00+01:00', 1, LON, '2026-10-25T12:00:00+00:00'],
    ['2026-03-29T12:00:00+01:00', -1, LON, '2026-03-28T12:00:00+00:00'],
    ['2026-10-31T09:00:00-07:00', 1, LA, '2026-11-01T09:00:00-08:00'],
    ['2026-03-01T09:00:00-08:00', 14, LA, '2026-03-15T09:00:00-07:00'],
    ['2026-04-01T10:00:00+13:00', 7, AKL, '2026-04-08T10:00:00+12:00'],
    ['2026-09-20T10:00:00+12:00', 7, AKL, '2026-09-27T10:00:00+13:00'],
    ['2026-12-25T10:00:00+05:30', 7, KOL, '2027-01-01T10:00:00+05:30'],
    ['2026-12-31T23:59:59.250+00:00', 1, LON, '2027-01-01T23:59:59.250+00:00'],
    ['2026-02-28T08:00:00+00:00', 30, LON, '2026-03-30T08:00:00+01:00'],
    // 02:30 does not exist on 8 Mar in LA: moved forward by the gap.
    ['2026-03-07T02:30:00-08:00', 1, LA, '2026-03-08T03:30:00-07:00'],
    // 01:30 happens twice on 1 Nov in LA: the earlier one.
    ['2026-10-31T01:30:00-07:00', 1, LA, '2026-11-01T01:30:00-07:00'],
    ['2026-11-02T01:30:00-08:00', -1, LA, '2026-11-01T01:30:00-07:00'],
    ['2026-03-02T10:00:00+00:00', 0, LON, '2026-03-02T10:00:00+00:00'],
  ];
  for (const [start, n, tz, expected] of cases) {
    const got = addCalendarDays(new Date(start), n, tz);
    assert.equal(isoWithOffset(got, tz), expected, `${start} + ${n} in ${tz}`);
    assert.equal(got.toISOString(), new Date(expected).toISOString());
  }
  // 1 local day around spring forward is 23 hours of elapsed time, around fall back 25.
  assert.equal(addCalendarDays(new Date('2026-03-28T12:00:00Z'), 1, LON).getTime() - Date.parse('2026-03-28T12:00:00Z'), 23 * 3_600_000);
  assert.equal(addCalendarDays(new Date('2026-10-24T11:00:00Z'), 1, LON).getTime() - Date.parse('2026-10-24T11:00:00Z'), 25 * 3_600_000);
  assert.throws(() => addCalendarDays(new Date(), 1.5, LON), ValidationError);
  assert.throws(() => addCalendarDays(new Date(), 1, 'Nowhere/Atlantis'), ValidationError);
});

test('addHours is plain elapsed time', () => {
  assert.equal(addHours(new Date('2026-03-28T12:00:00Z'), 24).toISOString(), '2026-03-29T12:00:00.000Z');
  assert.equal(isoWithOffset(addHours(new Date('2026-03-28T12:00:00Z'), 24), LON), '2026-03-29T13:00:00+01:00');
  assert.equal(addHours(new Date('2026-03-02T10:00:00Z'), 48).toISOString(), '2026-03-04T10:00:00.000Z');
  assert.equal(addHours(new Date('2026-03-02T10:00:00Z'), -1.5).toISOString(), '2026-03-02T08:30:00.000Z');
  assert.throws(() => addHours(new Date(), Number.NaN), ValidationError);
  assert.throws(() => addHours(new Date('x'), 1), ValidationError);
});

test('localDate', () => {
  assert.equal(localDate(new Date('2026-03-05T18:29:59Z'), KOL), '2026-03-05');
  assert.equal(localDate(new Date('2026-03-05T18:30:00Z'), KOL), '2026-03-06');
  assert.equal(localDate(new Date('2026-12-31T11:00:00Z'), AKL), '2027-01-01');
  assert.equal(localDate(new Date('2027-01-01T07:59:59Z'), LA), '2026-12-31');
  assert.equal(localDate(new Date('2026-10-25T00:30:00Z'), LON), '2026-10-25');
  assert.equal(localDate(new Date('2026-10-24T22:59:59Z'), LON), '2026-10-24');
  assert.equal(localDate(new Date('2026-10-24T23:00:00Z'), LON), '2026-10-25');
  assert.throws(() => localDate(new Date(Number.NaN), LON), ValidationError);
});

test('startOfLocalDay and endOfLocalDay', () => {
  const cases: [string, string, string][] = [
    ['2026-03-29', LON, '2026-03-29T00:00:00.000Z'], // midnight is before the 01:00 change
    ['2026-03-30', LON, '2026-03-29T23:00:00.000Z'],
    ['2026-10-25', LON, '2026-10-24T23:00:00.000Z'],
    ['2026-10-26', LON, '2026-10-26T00:00:00.000Z'],
    ['2026-04-05', AKL, '2026-04-04T11:00:00.000Z'],
    ['2026-04-06', AKL, '2026-04-05T12:00:00.000Z'],
    ['2026-09-27', AKL, '2026-09-26T12:00:00.000Z'],
    ['2026-09-28', AKL, '2026-09-27T11:00:00.000Z'],
    ['2026-03-08', LA, '2026-03-08T08:00:00.000Z'],
    ['2026-03-09', LA, '2026-03-09T07:00:00.000Z'],
    ['2026-11-01', LA, '2026-11-01T07:00:00.000Z'],
    ['2026-11-02', LA, '2026-11-02T08:00:00.000Z'],
    ['2027-01-01', KOL, '2026-12-31T18:30:00.000Z'],
    ['2026-06-15', 'UTC', '2026-06-15T00:00:00.000Z'],
    // Santiago: midnight of Sun 6 Sep 2026 does not exist; the day starts at 01:00 -03.
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    // Santiago: Sat 4 Apr has 25 hours (24:00 -03 → 23:00 -04); Sunday starts at 00:00 -04.
    ['2026-04-04', 'America/Santiago', '2026-04-04T03:00:00.000Z'],
    ['2026-04-05', 'America/Santiago', '2026-04-05T04:00:00.000Z'],
    // Havana: 01:00 -04 → 00:00 -05 on Sun 1 Nov 2026, midnight happens twice; the first one.
    ['2026-11-01', 'America/Havana', '2026-11-01T04:00:00.000Z'],
    // Apia skipped 30 Dec 2011: its "start" is the start of the 31st.
    ['2011-12-30', 'Pacific/Apia', '2011-12-30T10:00:00.000Z'],
    ['2011-12-31', 'Pacific/Apia', '2011-12-30T10:00:00.000Z'],
    ['2011-12-29', 'Pacific/Apia', '2011-12-29T10:00:00.000Z'],
  ];
  for (const [date, tz, iso] of cases) {
    assert.equal(startOfLocalDay(date, tz).toISOString(), iso, `${date} ${tz}`);
  }
  assert.equal(endOfLocalDay('2026-10-25', LON).getTime() - startOfLocalDay('2026-10-25', LON).getTime(), 25 * 3_600_000);
  assert.equal(endOfLocalDay('2026-03-29', LON).getTime() - startOfLocalDay('2026-03-29', LON).getTime(), 23 * 3_600_000);
  assert.equal(endOfLocalDay('2026-09-27', AKL).getTime() - startOfLocalDay('2026-09-27', AKL).getTime(), 23 * 3_600_000);
  assert.equal(endOfLocalDay('2026-04-05', AKL).getTime() - startOfLocalDay('2026-04-05', AKL).getTime(), 25 * 3_600_000);
  assert.equal(localDayExists('2011-12-30', 'Pacific/Apia'), false);
  assert.equal(localDayExists('2011-12-31', 'Pacific/Apia'), true);
  assert.equal(localDayExists('2026-09-06', 'America/Santiago'), true);
  assert.throws(() => startOfLocalDay('2026-02-29', LON), ValidationError);
  assert.throws(() => startOfLocalDay('2026-3-1', LON), ValidationError);
  assert.throws(() => startOfLocalDay('2026-03-01', 'Europe/Lndon'), ValidationError);
});

test('isoWithOffset', () => {
  const cases: [string, string, string][] = [
    ['2026-03-28T23:00:00Z', LON, '2026-03-28T23:00:00+00:00'],
    ['2026-03-29T00:00:00Z', LON, '2026-03-29T00:00:00+00:00'],
    ['2026-03-29T01:00:00Z', LON, '2026-03-29T02:00:00+01:00'],
    ['2026-03-28T23:00:00Z', 'Europe/Paris', '2026-03-29T00:00:00+01:00'],
    ['2026-03-29T01:00:00Z', 'Europe/Paris', '2026-03-29T03:00:00+02:00'],
    ['2026-03-05T18:30:00Z', KOL, '2026-03-06T00:00:00+05:30'],
    ['2026-06-01T00:00:00Z', 'Asia/Kathmandu', '2026-06-01T05:45:00+05:45'],
    ['2026-01-01T00:00:00Z', 'Pacific/Chatham', '2026-01-01T13:45:00+13:45'],
    ['2026-01-01T00:00:00Z', 'America/St_Johns', '2025-12-31T20:30:00-03:30'],
    ['2026-07-01T12:00:00.007Z', LA, '2026-07-01T05:00:00.007-07:00'],
    ['2026-07-01T12:00:00Z', 'UTC', '2026-07-01T12:00:00+00:00'],
    // Local mean time before 1847: London was 1 min 15 s behind Greenwich.
    ['1800-01-01T00:00:00Z', LON, '1799-12-31T23:58:45-00:01:15'],
  ];
  for (const [iso, tz, expected] of cases) assert.equal(isoWithOffset(new Date(iso), tz), expected, `${iso} ${tz}`);
  for (const [, , expected] of cases) {
    if (!/[+-]\d\d:\d\d:\d\d$/.test(expected)) assert.equal(new Date(expected).toISOString().length, 24);
  }
});

test('instantFromLocal with disambiguation', () => {
  assert.equal(instantFromLocal('2026-12-01', '14:00', 'Europe/Berlin').toISOString(), '2026-12-01T13:00:00.000Z');
  assert.equal(instantFromLocal('2026-07-01', '09:30:15', KOL).toISOString(), '2026-07-01T04:00:15.000Z');
  // gap: 02:30 on 8 Mar in LA
  assert.equal(instantFromLocal('2026-03-08', '02:30', LA).toISOString(), '2026-03-08T10:30:00.000Z');
  assert.equal(instantFromLocal('2026-03-08', '02:30', LA, 'later').toISOString(), '2026-03-08T10:30:00.000Z');
  assert.equal(instantFromLocal('2026-03-08', '02:30', LA, 'earlier').toISOString(), '2026-03-08T09:30:00.000Z');
  assert.throws(() => instantFromLocal('2026-03-08', '02:30', LA, 'reject'), ValidationError);
  // fold: 01:30 on 1 Nov in LA
  assert.equal(instantFromLocal('2026-11-01', '01:30', LA).toISOString(), '2026-11-01T08:30:00.000Z');
  assert.equal(instantFromLocal('2026-11-01', '01:30', LA, 'earlier').toISOString(), '2026-11-01T08:30:00.000Z');
  assert.equal(instantFromLocal('2026-11-01', '01:30', LA, 'later').toISOString(), '2026-11-01T09:30:00.000Z');
  assert.throws(() => instantFromLocal('2026-11-01', '01:30', LA, 'reject'), ValidationError);
  assert.equal(instantFromLocal('2026-11-01', '03:00', LA, 'reject').toISOString(), '2026-11-01T11:00:00.000Z');
  for (const bad of ['24:00', '9:00', '12:60', '12:00:60', 'noon']) {
    assert.throws(() => instantFromLocal('2026-12-01', bad, LON), ValidationError, bad);
  }
});

test('isWorkingDay', () => {
  assert.equal(isWorkingDay('2026-03-06', { timeZone: LON }), true); // Friday
  assert.equal(isWorkingDay('2026-03-07', { timeZone: LON }), false); // Saturday
  assert.equal(isWorkingDay('2026-03-08', { timeZone: LON, workingWeek: SUN_THU }), true);
  assert.equal(isWorkingDay('2026-03-06', { timeZone: LON, workingWeek: SUN_THU }), false);
  assert.equal(isWorkingDay('2026-04-03', { timeZone: AKL, holidays: ['2026-04-03'] }), false);
  assert.equal(isWorkingDay('2026-04-02', { timeZone: AKL, daysOff: ['2026-04-02'] }), false);
  assert.equal(isWorkingDay('2011-12-30', { timeZone: 'Pacific/Apia' }), false);
});

test('local date helpers', () => {
  assert.equal(isoWeekday('2026-03-02'), 1);
  assert.equal(isoWeekday('2026-03-08'), 7);
  assert.equal(isoWeekday('2027-01-01'), 5);
  assert.equal(isoWeekday('2028-02-29'), 2);
  assert.equal(addDaysToLocalDate('2026-12-31', 1), '2027-01-01');
  assert.equal(addDaysToLocalDate('2028-02-28', 1), '2028-02-29');
  assert.equal(addDaysToLocalDate('2100-02-28', 1), '2100-03-01');
  assert.equal(addDaysToLocalDate('2026-03-01', -1), '2026-02-28');
  assert.deepEqual(parseLocalDate('2000-02-29'), { year: 2000, month: 2, day: 29 });
  for (const bad of ['1900-02-29', '2026-04-31', '2026-00-01', '0000-01-01', '26-01-01', '2026-01-01T00:00', '']) {
    assert.throws(() => parseLocalDate(bad), ValidationError, bad);
  }
});

test('time zone and working week validation', () => {
  for (const tz of [LON, LA, AKL, KOL, 'UTC', 'Asia/Calcutta', 'america/new_york']) {
    assert.doesNotThrow(() => assertTimeZone(tz), tz);
    assert.equal(isValidTimeZone(tz), true);
  }
  for (const tz of ['', '  ', 'Mars/Olympus_Mons', 'Europe/Londres', 'GMT+25']) {
    assert.throws(() => assertTimeZone(tz), ValidationError, tz);
    assert.equal(isValidTimeZone(tz), false);
  }
  assert.throws(() => assertTimeZone(undefined as unknown as string), ValidationError);
  assert.deepEqual(DEFAULT_WORKING_WEEK, [1, 2, 3, 4, 5]);
  assert.deepEqual(parseWorkingWeek(undefined), [1, 2, 3, 4, 5]);
  assert.deepEqual(parseWorkingWeek([7, 1, 2, 3, 4, 4]), [1, 2, 3, 4, 7]);
  for (const bad of [[], [0], [8], [1, 2.5], [Number.NaN], ['1' as unknown as number]]) {
    assert.throws(() => parseWorkingWeek(bad), ValidationError, JSON.stringify(bad));
  }
  assert.equal(timeZoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), LON), 60);
  assert.equal(timeZoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), KOL), 330);
  assert.equal(timeZoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), LA), -420);
  assert.equal(timeZoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), AKL), 720);
});
