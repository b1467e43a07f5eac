import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueAt, type OwnerCalendar } from '../../src/domain/deadline.ts';
import { isoWithOffset } from '../../src/domain/calendar.ts';
import { loadProfile } from '../../src/process/loader.ts';
import { rulesFromProfile } from '../../src/app/profile/from-profile.ts';

// The shipped profiles' clocks, deadline by deadline. Every expected instant below was worked out by
// hand from the written rules, not by running the code:
//   Trusted Firmware: triage within 3 working days (Mon–Fri in the triager's zone); project analysis
//   within 7 days. Tock: initial review 2 working days, assignment 3 working days, resolution
//   P0 7 / P1 14 / P2 30 / P3 60 days.
// Working days: the day of arrival never counts; count n working days in the owner's zone, skipping
// weekends, the public holidays of the owner's region and their days off; due at 24:00 local of the
// n-th (written as 00:00 of the next day, with the offset in force then). Days: the same local wall
// time n days later.
//
// 2026 facts used: London BST 29 Mar–25 Oct; Los Angeles PDT 8 Mar–1 Nov; Auckland NZST 5 Apr–27 Sep
// (NZDT +13 otherwise); Kolkata +05:30 all year. Holidays: GB-ENG Good Friday 3 Apr, Easter Monday
// 6 Apr, Christmas Fri 25 Dec, Boxing Day Sat 26 Dec → Mon 28 Dec, New Year Fri 1 Jan 2027.
// NZ: Waitangi Day Fri 6 Feb 2026 and Sat 6 Feb 2027 → Mon 8 Feb; Easter Monday 6 Apr; Christmas
// Fri 25 Dec, Boxing Day → Mon 28 Dec; 1 Jan 2027 Fri, 2 Jan Sat → Mon 4 Jan. IN: Republic Day
// Mon 26 Jan 2026 and Tue 26 Jan 2027, Christmas 25 Dec, no New Year holiday. US-CA: César Chávez
// Day Tue 31 Mar, Thanksgiving Thu 26 Nov and the day after, Christmas, New Year.

const AKL = 'Pacific/Auckland';
const KOL = 'Asia/Kolkata';
const LON = 'Europe/London';
const LA = 'America/Los_Angeles';

const tf = rulesFromProfile(loadProfile('trusted-firmware'), 'TF');
const tock = rulesFromProfile(loadProfile('tock'), 'Tock');

type Clock = 'tf-triage' | 'tf-analysis' | 'tock-review' | 'tock-assignment' | 'P0' | 'P1' | 'P2' | 'P3';

function spec(clock: Clock) {
  const fixed = (rules: typeof tf, id: string) => {
    const r = rules.clockRule(id)!;
    return { amount: r.amount!, unit: r.unit };
  };
  switch (clock) {
    case 'tf-triage':
      return fixed(tf, 'triage');
    case 'tf-analysis':
      return fixed(tf, 'project-analysis');
    case 'tock-review':
      return fixed(tock, 'initial-review');
    case 'tock-assignment':
      return fixed(tock, 'assignment');
    default:
      return { amount: tock.resolutionDays(clock)!, unit: tock.clockRule('resolution')!.unit };
  }
}

interface Case {
  name: string;
  clock: Clock;
  arrival: string;
  zone: string;
  region?: string;
  daysOff?: string[];
  week?: number[];
  due: string;
}

const FRI_EVENING_NOV = '2026-11-27T18:00:00Z'; // Fri 27 Nov 18:00 in London (GMT)
const SAT_MARCH = '2026-03-07T12:00:00Z'; // Sat 7 Mar 12:00 in London, the day before LA springs forward
const NEW_YEARS_EVE = '2026-12-31T18:00:00Z'; // Thu 31 Dec 18:00 in London

const cases: Case[] = [
  // ---- A report on Friday evening in London (Fri 27 Nov 2026), owners around the world
  {
    name: 'TF triage, Auckland owner (Sat 07:00 local)',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: AKL,
    due: '2026-12-03T00:00:00+13:00',
  },
  {
    name: 'TF triage, Kolkata owner (Fri 23:30 local)',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: KOL,
    due: '2026-12-03T00:00:00+05:30',
  },
  { name: 'TF triage, London owner', clock: 'tf-triage', arrival: FRI_EVENING_NOV, zone: LON, due: '2026-12-03T00:00:00+00:00' },
  {
    name: 'TF triage, LA owner (Fri 10:00 local)',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: LA,
    due: '2026-12-03T00:00:00-08:00',
  },
  {
    name: 'TF triage, LA owner, US-CA: day after Thanksgiving is the arrival day, changes nothing',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: LA,
    region: 'US-CA',
    due: '2026-12-03T00:00:00-08:00',
  },
  {
    name: 'TF project analysis, Auckland owner: 7 days at the same wall time',
    clock: 'tf-analysis',
    arrival: FRI_EVENING_NOV,
    zone: AKL,
    due: '2026-12-05T07:00:00+13:00',
  },
  { name: 'TF project analysis, LA owner', clock: 'tf-analysis', arrival: FRI_EVENING_NOV, zone: LA, due: '2026-12-04T10:00:00-08:00' },
  {
    name: 'Tock initial review, Kolkata owner',
    clock: 'tock-review',
    arrival: FRI_EVENING_NOV,
    zone: KOL,
    due: '2026-12-02T00:00:00+05:30',
  },
  {
    name: 'Tock initial review, Auckland owner',
    clock: 'tock-review',
    arrival: FRI_EVENING_NOV,
    zone: AKL,
    due: '2026-12-02T00:00:00+13:00',
  },
  {
    name: 'Tock assignment, London owner',
    clock: 'tock-assignment',
    arrival: FRI_EVENING_NOV,
    zone: LON,
    due: '2026-12-03T00:00:00+00:00',
  },
  { name: 'Tock resolution P0, London owner', clock: 'P0', arrival: FRI_EVENING_NOV, zone: LON, due: '2026-12-04T18:00:00+00:00' },
  { name: 'Tock resolution P1, Auckland owner', clock: 'P1', arrival: FRI_EVENING_NOV, zone: AKL, due: '2026-12-12T07:00:00+13:00' },

  // ---- Thanksgiving (US-CA)
  {
    name: 'TF triage, LA, Wednesday before Thanksgiving, no holidays',
    clock: 'tf-triage',
    arrival: '2026-11-25T18:00:00Z',
    zone: LA,
    due: '2026-12-01T00:00:00-08:00',
  },
  {
    name: 'TF triage, LA, Wednesday before Thanksgiving, US-CA skips Thu and Fri',
    clock: 'tf-triage',
    arrival: '2026-11-25T18:00:00Z',
    zone: LA,
    region: 'US-CA',
    due: '2026-12-03T00:00:00-08:00',
  },
  {
    name: 'Tock assignment, LA Tuesday 17:00 (Wednesday in London), US-CA',
    clock: 'tock-assignment',
    arrival: '2026-11-24T17:00:00-08:00',
    zone: LA,
    region: 'US-CA',
    due: '2026-12-02T00:00:00-08:00',
  },

  // ---- A report on Saturday 7 March 2026 (London), LA springs forward on Sunday 8 March
  { name: 'TF triage, LA owner across spring forward', clock: 'tf-triage', arrival: SAT_MARCH, zone: LA, due: '2026-03-12T00:00:00-07:00' },
  {
    name: 'TF project analysis, LA owner: 04:00 PST → 04:00 PDT',
    clock: 'tf-analysis',
    arrival: SAT_MARCH,
    zone: LA,
    due: '2026-03-14T04:00:00-07:00',
  },
  {
    name: 'Tock resolution P1, LA owner across spring forward',
    clock: 'P1',
    arrival: SAT_MARCH,
    zone: LA,
    due: '2026-03-21T04:00:00-07:00',
  },
  {
    name: 'TF triage, Auckland owner (Sun 01:00 local)',
    clock: 'tf-triage',
    arrival: SAT_MARCH,
    zone: AKL,
    due: '2026-03-12T00:00:00+13:00',
  },
  {
    name: 'Tock initial review, Kolkata owner (Sat 17:30 local)',
    clock: 'tock-review',
    arrival: SAT_MARCH,
    zone: KOL,
    due: '2026-03-11T00:00:00+05:30',
  },
  {
    name: 'Tock assignment, London owner, Saturday arrival',
    clock: 'tock-assignment',
    arrival: SAT_MARCH,
    zone: LON,
    due: '2026-03-12T00:00:00+00:00',
  },

  // ---- London springs forward (Sun 29 Mar 2026); Easter; César Chávez Day
  {
    name: 'TF triage, London, Friday evening before spring forward',
    clock: 'tf-triage',
    arrival: '2026-03-27T19:00:00Z',
    zone: LON,
    due: '2026-04-02T00:00:00+01:00',
  },
  {
    name: 'Tock resolution P0, London: 19:00 GMT → 19:00 BST',
    clock: 'P0',
    arrival: '2026-03-27T19:00:00Z',
    zone: LON,
    due: '2026-04-03T19:00:00+01:00',
  },
  {
    name: 'TF triage, LA, US-CA: César Chávez Day skipped',
    clock: 'tf-triage',
    arrival: '2026-03-27T19:00:00Z',
    zone: LA,
    region: 'US-CA',
    due: '2026-04-03T00:00:00-07:00',
  },
  {
    name: 'TF triage, London, Thursday before Easter, no holidays',
    clock: 'tf-triage',
    arrival: '2026-04-02T10:00:00+01:00',
    zone: LON,
    due: '2026-04-08T00:00:00+01:00',
  },
  {
    name: 'TF triage, London, Thursday before Easter, GB-ENG',
    clock: 'tf-triage',
    arrival: '2026-04-02T10:00:00+01:00',
    zone: LON,
    region: 'GB-ENG',
    due: '2026-04-10T00:00:00+01:00',
  },

  // ---- Auckland falls back (Sun 5 Apr 2026): Friday evening in London is Saturday 06:00 NZDT
  {
    name: 'TF triage, Auckland across fall back, no holidays',
    clock: 'tf-triage',
    arrival: '2026-04-03T18:00:00+01:00',
    zone: AKL,
    due: '2026-04-09T00:00:00+12:00',
  },
  {
    name: 'TF triage, Auckland across fall back, NZ: Easter Monday skipped',
    clock: 'tf-triage',
    arrival: '2026-04-03T18:00:00+01:00',
    zone: AKL,
    region: 'NZ',
    due: '2026-04-10T00:00:00+12:00',
  },
  {
    name: 'TF project analysis, Auckland: 06:00 NZDT → 06:00 NZST',
    clock: 'tf-analysis',
    arrival: '2026-04-03T18:00:00+01:00',
    zone: AKL,
    due: '2026-04-11T06:00:00+12:00',
  },
  {
    name: 'Tock resolution P1, Auckland across fall back',
    clock: 'P1',
    arrival: '2026-04-03T18:00:00+01:00',
    zone: AKL,
    due: '2026-04-18T06:00:00+12:00',
  },
  {
    name: 'Tock initial review, Kolkata, Good Friday evening',
    clock: 'tock-review',
    arrival: '2026-04-03T18:00:00+01:00',
    zone: KOL,
    due: '2026-04-08T00:00:00+05:30',
  },
  {
    name: 'Tock assignment, LA, Friday morning local',
    clock: 'tock-assignment',
    arrival: '2026-04-03T18:00:00+01:00',
    zone: LA,
    due: '2026-04-09T00:00:00-07:00',
  },

  // ---- Auckland springs forward (Sun 27 Sep 2026): Friday evening in London is Saturday 06:00 NZST
  {
    name: 'TF triage, Auckland across spring forward',
    clock: 'tf-triage',
    arrival: '2026-09-25T19:00:00+01:00',
    zone: AKL,
    due: '2026-10-01T00:00:00+13:00',
  },
  {
    name: 'TF project analysis, Auckland: 06:00 NZST → 06:00 NZDT',
    clock: 'tf-analysis',
    arrival: '2026-09-25T19:00:00+01:00',
    zone: AKL,
    due: '2026-10-03T06:00:00+13:00',
  },
  {
    name: 'Tock resolution P3, Auckland: 60 days',
    clock: 'P3',
    arrival: '2026-09-25T19:00:00+01:00',
    zone: AKL,
    due: '2026-11-25T06:00:00+13:00',
  },
  {
    name: 'Tock resolution P2, London: 30 days, ends after fall back',
    clock: 'P2',
    arrival: '2026-09-25T19:00:00+01:00',
    zone: LON,
    due: '2026-10-25T19:00:00+00:00',
  },

  // ---- Northern fall back: London Sun 25 Oct, LA Sun 1 Nov 2026
  {
    name: 'TF triage, London, Friday evening before fall back',
    clock: 'tf-triage',
    arrival: '2026-10-23T20:00:00+01:00',
    zone: LON,
    due: '2026-10-29T00:00:00+00:00',
  },
  {
    name: 'TF triage, LA, Saturday (03:00 PDT) before fall back',
    clock: 'tf-triage',
    arrival: '2026-10-31T10:00:00Z',
    zone: LA,
    due: '2026-11-05T00:00:00-08:00',
  },
  {
    name: 'Tock initial review, LA, Saturday before fall back',
    clock: 'tock-review',
    arrival: '2026-10-31T10:00:00Z',
    zone: LA,
    due: '2026-11-04T00:00:00-08:00',
  },
  {
    name: 'Tock resolution P0, LA: 03:00 PDT → 03:00 PST',
    clock: 'P0',
    arrival: '2026-10-31T10:00:00Z',
    zone: LA,
    due: '2026-11-07T03:00:00-08:00',
  },
  {
    name: 'TF triage, Kolkata, same Saturday',
    clock: 'tf-triage',
    arrival: '2026-10-31T10:00:00Z',
    zone: KOL,
    due: '2026-11-05T00:00:00+05:30',
  },
  {
    name: 'TF triage, Auckland, same Saturday (23:00 NZDT)',
    clock: 'tf-triage',
    arrival: '2026-10-31T10:00:00Z',
    zone: AKL,
    due: '2026-11-05T00:00:00+13:00',
  },
  {
    name: 'TF project analysis, LA, Friday 11:00 PDT → 11:00 PST',
    clock: 'tf-analysis',
    arrival: '2026-10-30T18:00:00Z',
    zone: LA,
    due: '2026-11-06T11:00:00-08:00',
  },

  // ---- Christmas
  {
    name: 'TF triage, London, 23 Dec, no holidays',
    clock: 'tf-triage',
    arrival: '2026-12-23T17:00:00Z',
    zone: LON,
    due: '2026-12-29T00:00:00+00:00',
  },
  {
    name: 'TF triage, London, 23 Dec, GB-ENG: Christmas and substitute Boxing Day',
    clock: 'tf-triage',
    arrival: '2026-12-23T17:00:00Z',
    zone: LON,
    region: 'GB-ENG',
    due: '2026-12-31T00:00:00+00:00',
  },
  {
    name: 'TF triage, London, 23 Dec, GB-ENG and out of office 29–30 Dec',
    clock: 'tf-triage',
    arrival: '2026-12-23T17:00:00Z',
    zone: LON,
    region: 'GB-ENG',
    daysOff: ['2026-12-29', '2026-12-30'],
    due: '2027-01-05T00:00:00+00:00',
  },
  {
    name: 'Tock initial review, Auckland (Thu 24 Dec local), NZ',
    clock: 'tock-review',
    arrival: '2026-12-23T17:00:00Z',
    zone: AKL,
    region: 'NZ',
    due: '2026-12-31T00:00:00+13:00',
  },
  {
    name: 'TF triage, Kolkata, IN: Christmas skipped',
    clock: 'tf-triage',
    arrival: '2026-12-23T17:00:00Z',
    zone: KOL,
    region: 'IN',
    due: '2026-12-30T00:00:00+05:30',
  },

  // ---- New Year (Thu 31 Dec 2026 18:00 London)
  {
    name: 'TF triage, London across New Year, no holidays',
    clock: 'tf-triage',
    arrival: NEW_YEARS_EVE,
    zone: LON,
    due: '2027-01-06T00:00:00+00:00',
  },
  {
    name: 'TF triage, London across New Year, GB-ENG',
    clock: 'tf-triage',
    arrival: NEW_YEARS_EVE,
    zone: LON,
    region: 'GB-ENG',
    due: '2027-01-07T00:00:00+00:00',
  },
  {
    name: 'TF triage, Auckland (already 1 Jan 07:00), no holidays',
    clock: 'tf-triage',
    arrival: NEW_YEARS_EVE,
    zone: AKL,
    due: '2027-01-07T00:00:00+13:00',
  },
  {
    name: 'TF triage, Auckland, NZ: Mondayised 2 January skipped',
    clock: 'tf-triage',
    arrival: NEW_YEARS_EVE,
    zone: AKL,
    region: 'NZ',
    due: '2027-01-08T00:00:00+13:00',
  },
  {
    name: 'Tock initial review, Kolkata across New Year',
    clock: 'tock-review',
    arrival: NEW_YEARS_EVE,
    zone: KOL,
    due: '2027-01-05T00:00:00+05:30',
  },
  {
    name: 'Tock initial review, Kolkata, IN has no New Year holiday',
    clock: 'tock-review',
    arrival: NEW_YEARS_EVE,
    zone: KOL,
    region: 'IN',
    due: '2027-01-05T00:00:00+05:30',
  },
  {
    name: 'Tock assignment, LA across New Year, no holidays',
    clock: 'tock-assignment',
    arrival: NEW_YEARS_EVE,
    zone: LA,
    due: '2027-01-06T00:00:00-08:00',
  },
  {
    name: 'Tock assignment, LA across New Year, US-CA',
    clock: 'tock-assignment',
    arrival: NEW_YEARS_EVE,
    zone: LA,
    region: 'US-CA',
    due: '2027-01-07T00:00:00-08:00',
  },
  { name: 'Tock resolution P0, London across New Year', clock: 'P0', arrival: NEW_YEARS_EVE, zone: LON, due: '2027-01-07T18:00:00+00:00' },
  {
    name: 'TF triage, London, GB-ENG and out of office 4–8 Jan',
    clock: 'tf-triage',
    arrival: NEW_YEARS_EVE,
    zone: LON,
    region: 'GB-ENG',
    daysOff: ['2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'],
    due: '2027-01-14T00:00:00+00:00',
  },

  // ---- Waitangi Day (NZ) and Republic Day (IN)
  {
    name: 'TF triage, Auckland, Waitangi Day 2027 Mondayised, no holidays',
    clock: 'tf-triage',
    arrival: '2027-02-05T18:00:00Z',
    zone: AKL,
    due: '2027-02-11T00:00:00+13:00',
  },
  {
    name: 'TF triage, Auckland, Waitangi Day 2027 Mondayised, NZ',
    clock: 'tf-triage',
    arrival: '2027-02-05T18:00:00Z',
    zone: AKL,
    region: 'NZ',
    due: '2027-02-12T00:00:00+13:00',
  },
  {
    name: 'TF triage, Auckland, NZ, day off on the holiday counts once',
    clock: 'tf-triage',
    arrival: '2027-02-05T18:00:00Z',
    zone: AKL,
    region: 'NZ',
    daysOff: ['2027-02-08', '2027-02-09'],
    due: '2027-02-13T00:00:00+13:00',
  },
  {
    name: 'Tock initial review, Auckland, Waitangi Day 2026 (Friday)',
    clock: 'tock-review',
    arrival: '2026-02-04T21:00:00Z',
    zone: AKL,
    region: 'NZ',
    due: '2026-02-11T00:00:00+13:00',
  },
  {
    name: 'TF triage, Kolkata, Republic Day 2027, no holidays',
    clock: 'tf-triage',
    arrival: '2027-01-22T18:00:00Z',
    zone: KOL,
    due: '2027-01-28T00:00:00+05:30',
  },
  {
    name: 'TF triage, Kolkata, Republic Day 2027, IN',
    clock: 'tf-triage',
    arrival: '2027-01-22T18:00:00Z',
    zone: KOL,
    region: 'IN',
    due: '2027-01-29T00:00:00+05:30',
  },
  {
    name: 'Tock initial review, Kolkata, Saturday before Republic Day 2026, IN',
    clock: 'tock-review',
    arrival: '2026-01-24T12:00:00Z',
    zone: KOL,
    region: 'IN',
    due: '2026-01-29T00:00:00+05:30',
  },

  // ---- Out-of-office days and working weeks
  {
    name: 'TF triage, London, out of office Mon–Wed',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: LON,
    daysOff: ['2026-11-30', '2026-12-01', '2026-12-02'],
    due: '2026-12-08T00:00:00+00:00',
  },
  {
    name: 'Tock initial review, Auckland, a day off on Tuesday',
    clock: 'tock-review',
    arrival: FRI_EVENING_NOV,
    zone: AKL,
    daysOff: ['2026-12-01'],
    due: '2026-12-03T00:00:00+13:00',
  },
  {
    name: 'TF triage, Kolkata, days off on the weekend change nothing',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: KOL,
    daysOff: ['2026-11-28', '2026-11-29'],
    due: '2026-12-03T00:00:00+05:30',
  },
  {
    name: 'TF project analysis, LA, days off do not stretch calendar days',
    clock: 'tf-analysis',
    arrival: FRI_EVENING_NOV,
    zone: LA,
    daysOff: ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'],
    due: '2026-12-04T10:00:00-08:00',
  },
  {
    name: 'TF triage, Kolkata owner working Monday to Saturday',
    clock: 'tf-triage',
    arrival: FRI_EVENING_NOV,
    zone: KOL,
    week: [1, 2, 3, 4, 5, 6],
    due: '2026-12-02T00:00:00+05:30',
  },
];

test('the shipped profiles say what the deadline table assumes', () => {
  assert.deepEqual(spec('tf-triage'), { amount: 3, unit: 'working-days' });
  assert.deepEqual(spec('tf-analysis'), { amount: 7, unit: 'days' });
  assert.deepEqual(spec('tock-review'), { amount: 2, unit: 'working-days' });
  assert.deepEqual(spec('tock-assignment'), { amount: 3, unit: 'working-days' });
  assert.deepEqual(
    (['P0', 'P1', 'P2', 'P3'] as const).map((p) => spec(p)),
    [7, 14, 30, 60].map((amount) => ({ amount, unit: 'days' })),
  );
});

test(`SLA deadlines: ${cases.length} hand-computed cases`, () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
  for (const c of cases) {
    const owner: OwnerCalendar = {
      timeZone: c.zone,
      workingWeek: c.week ?? [1, 2, 3, 4, 5],
      holidayRegion: c.region ?? null,
      daysOff: c.daysOff ?? [],
    };
    const due = dueAt(spec(c.clock), new Date(c.arrival), owner);
    assert.equal(isoWithOffset(due, c.zone), c.due, c.name);
    assert.equal(due.getTime(), Date.parse(c.due), c.name);
  }
});
