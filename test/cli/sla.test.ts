import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmbargo } from '../support/cli.ts';

// `embargo sla due` as a user runs it: a real process of bin/embargo. It must not open a database:
// the data directory stays empty and the PostgreSQL address given points nowhere.

const dataDir = mkdtempSync(join(tmpdir(), 'embargo-sla-'));
const env = { ...process.env, EMBARGO_DATA_DIR: dataDir, DATABASE_URL: 'postgres://nobody@127.0.0.1:9/nowhere' };

const embargo = (...args: string[]) => runEmbargo(env, args);

const FRIDAY_EVENING_LONDON = '2026-11-27T18:00:00Z';

test("embargo sla due prints the due instant with the owner's offset", async () => {
  const [tf, tock, week, ist] = await Promise.all([
    embargo(
      'sla',
      'due',
      '--profile',
      'trusted-firmware',
      '--stage',
      'triage',
      '--arrival',
      FRIDAY_EVENING_LONDON,
      '--time-zone',
      'Pacific/Auckland',
    ),
    embargo('sla', 'due', '--profile', 'tock', '--priority', 'P1', '--arrival', FRIDAY_EVENING_LONDON, '--time-zone', 'Pacific/Auckland'),
    embargo(
      'sla',
      'due',
      '--profile',
      'tock',
      '--clock',
      'initial-review',
      '--arrival',
      FRIDAY_EVENING_LONDON,
      '--time-zone',
      'Asia/Kolkata',
      '--working-week',
      '1,2,3,4,5,6',
    ),
    // The same instant written with another offset is the same arrival.
    embargo(
      'sla',
      'due',
      '--profile',
      'tock',
      '--stage',
      'assignment',
      '--arrival',
      '2026-11-27T23:30:00+05:30',
      '--time-zone',
      'Asia/Kolkata',
    ),
  ]);
  // Saturday 07:00 in Auckland: Mon 30, Tue 1, Wed 2 → end of Wednesday 2 December NZDT.
  assert.deepEqual([tf.code, tf.out, tf.err], [0, '2026-12-03T00:00:00+13:00\n', '']);
  // 14 calendar days at the same wall time.
  assert.deepEqual([tock.code, tock.out], [0, '2026-12-12T07:00:00+13:00\n']);
  // Friday 23:30 in Kolkata, Saturday worked: Sat 28, Mon 30 → end of Monday.
  assert.deepEqual([week.code, week.out], [0, '2026-12-01T00:00:00+05:30\n']);
  assert.deepEqual([ist.code, ist.out], [0, '2026-12-03T00:00:00+05:30\n']);
});

test('embargo sla due --json: holidays and days off, with the clock, rule, inputs and the days skipped', async () => {
  const r = await embargo(
    'sla',
    'due',
    '--profile',
    'trusted-firmware',
    '--clock',
    'triage',
    '--arrival',
    '2026-12-23T17:00:00Z',
    '--time-zone',
    'Europe/London',
    '--holidays',
    'gb-eng',
    '--days-off',
    '2026-12-29..2026-12-30',
    '--json',
  );
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.due, '2027-01-05T00:00:00+00:00');
  assert.equal(j.dueUtc, '2027-01-05T00:00:00.000Z');
  assert.deepEqual([j.clock.id, j.clock.stage, j.clock.owner], ['triage', 'triage', 'triager']);
  assert.deepEqual(j.rule, { amount: 3, unit: 'working-days' });
  assert.deepEqual(j.inputs, {
    profile: 'trusted-firmware',
    arrival: '2026-12-23T17:00:00.000Z',
    arrivalLocal: '2026-12-23T17:00:00+00:00',
    timeZone: 'Europe/London',
    workingWeek: [1, 2, 3, 4, 5],
    holidayRegion: 'GB-ENG',
    daysOff: ['2026-12-29', '2026-12-30'],
  });
  assert.deepEqual(j.countedDays, ['2026-12-24', '2026-12-31', '2027-01-04']);
  assert.deepEqual(
    j.skippedDays.map((d: any) => `${d.date} ${d.why}`),
    [
      '2026-12-25 public holiday: Christmas Day',
      '2026-12-26 not a working day (Saturday)',
      '2026-12-27 not a working day (Sunday)',
      '2026-12-28 public holiday: Boxing Day (substitute day)',
      '2026-12-29 day off',
      '2026-12-30 day off',
      "2027-01-01 public holiday: New Year's Day",
      '2027-01-02 not a working day (Saturday)',
      '2027-01-03 not a working day (Sunday)',
    ],
  );
  const p = JSON.parse(
    (
      await embargo(
        'sla',
        'due',
        '--profile',
        'tock',
        '--stage',
        'remediation',
        '--priority',
        'p3',
        '--arrival',
        FRIDAY_EVENING_LONDON,
        '--time-zone',
        'America/Los_Angeles',
        '--json',
      )
    ).out,
  );
  assert.deepEqual(
    [p.due, p.clock.id, p.rule],
    ['2027-01-26T10:00:00-08:00', 'resolution', { amount: 60, unit: 'days', durationFrom: 'priority', priority: 'P3' }],
  );
  assert.equal(p.countedDays, undefined, 'calendar days skip nothing');
});

test('embargo sla due reads a profile file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-sla-profile-'));
  const shipped = readFileSync(new URL('../../src/process/profiles/tock.yaml', import.meta.url), 'utf8');
  const mine = shipped.replace('duration: { amount: 2, unit: working-days }', 'duration: { amount: 5, unit: working-days }');
  assert.notEqual(mine, shipped);
  writeFileSync(join(dir, 'mine.yaml'), mine);
  writeFileSync(join(dir, 'broken.yaml'), 'id: broken\n');
  const [ok, broken] = await Promise.all([
    embargo(
      'sla',
      'due',
      '--profile',
      join(dir, 'mine.yaml'),
      '--clock',
      'initial-review',
      '--arrival',
      FRIDAY_EVENING_LONDON,
      '--time-zone',
      'Asia/Kolkata',
    ),
    embargo(
      'sla',
      'due',
      '--profile',
      join(dir, 'broken.yaml'),
      '--clock',
      'initial-review',
      '--arrival',
      FRIDAY_EVENING_LONDON,
      '--time-zone',
      'Asia/Kolkata',
    ),
  ]);
  // Friday 23:30 in Kolkata: Mon 30 … Fri 4 → end of Friday 4 December.
  assert.deepEqual([ok.code, ok.out], [0, '2026-12-05T00:00:00+05:30\n']);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /broken\.yaml has \d+ errors?/);
});

test('embargo sla due: bad usage exits 2 with a clear message', async () => {
  const base = ['sla', 'due', '--profile', 'tock', '--arrival', FRIDAY_EVENING_LONDON, '--time-zone', 'Europe/London'];
  const cases: [string[], RegExp][] = [
    [
      ['sla', 'due', '--profile', 'tock', '--stage', 'reception', '--arrival', '2026-11-27T18:00:00', '--time-zone', 'Europe/London'],
      /--arrival "2026-11-27T18:00:00" has no offset/,
    ],
    [
      ['sla', 'due', '--profile', 'tock', '--stage', 'reception', '--arrival', '2026-11-27', '--time-zone', 'Europe/London'],
      /has no offset/,
    ],
    [
      ['sla', 'due', '--profile', 'tock', '--stage', 'reception', '--arrival', 'next friday', '--time-zone', 'Europe/London'],
      /not an ISO 8601 date and time/,
    ],
    [
      ['sla', 'due', '--profile', 'tock', '--stage', 'reception', '--arrival', '2026-02-30T10:00:00Z', '--time-zone', 'Europe/London'],
      /not a calendar date/,
    ],
    [
      ['sla', 'due', '--profile', 'tock', '--stage', 'reception', '--arrival', FRIDAY_EVENING_LONDON, '--time-zone', 'Mars/Olympus'],
      /Unknown time zone "Mars\/Olympus"/,
    ],
    [['sla', 'due', '--profile', 'tock', '--stage', 'reception', '--arrival', FRIDAY_EVENING_LONDON], /--time-zone is required/],
    [
      [...base, '--stage', 'reception', '--holidays', 'GB-XX'],
      /GB \(United Kingdom\) has no subdivision "XX"; known: .*ENG.*embargo sla regions/s,
    ],
    [[...base, '--stage', 'reception', '--holidays', 'Atlantis'], /not a holiday region.*embargo sla regions/s],
    [[...base, '--stage', 'triage'], /no clock in stage "triage"; stages with a clock: reception, assignment, remediation/],
    [[...base, '--clock', 'nope'], /no clock "nope"; its clocks: initial-review/],
    [[...base, '--stage', 'reception', '--clock', 'initial-review'], /either --stage or --clock/],
    [[...base], /give --stage, --clock or --priority/],
    [[...base, '--clock', 'resolution'], /give --priority \(P0 \(7 days\), P1 \(14 days\)/],
    [[...base, '--priority', 'P9'], /no priority "P9"/],
    [[...base, '--stage', 'reception', '--priority', 'P1'], /--priority applies only to a clock whose length comes from the priority/],
    [
      ['sla', 'due', '--profile', 'trusted-firmware', '--priority', 'P1', '--arrival', FRIDAY_EVENING_LONDON, '--time-zone', 'UTC'],
      /no clock whose length comes from the priority/,
    ],
    [[...base, '--stage', 'reception', '--days-off', '2026-12-01,1 Dec'], /--days-off: "1 Dec" is not a date/],
    [[...base, '--stage', 'reception', '--days-off', '2026-12-05..2026-12-01'], /not a range FROM\.\.TO with TO on or after FROM/],
    [[...base, '--stage', 'reception', '--working-week', 'mon-fri'], /--working-week "mon-fri" must list ISO weekdays/],
    [[...base, '--stage', 'reception', '--frobnicate'], /Unknown option '--frobnicate'/],
    [
      ['sla', 'due', '--profile', 'no-such-profile', '--stage', 'x', '--arrival', FRIDAY_EVENING_LONDON, '--time-zone', 'UTC'],
      /No process profile "no-such-profile"/,
    ],
    [['sla', 'frob'], /unknown command "sla frob"/],
  ];
  const results = await Promise.all(cases.map(([args]) => embargo(...args)));
  results.forEach((r, i) => {
    const [args, message] = cases[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.equal(r.out, '', args.join(' '));
    assert.match(r.err, message, args.join(' '));
  });
});

test('embargo sla: help, region list, and no database touched', async () => {
  const [help, top, regions, json] = await Promise.all([
    embargo('sla', 'due', '--help'),
    embargo('--help'),
    embargo('sla', 'regions', 'GB'),
    embargo('sla', 'regions', '--json'),
  ]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--arrival INSTANT/);
  assert.match(help.out, /--holidays/);
  assert.match(top.out, /sla due/);
  assert.equal(regions.code, 0);
  assert.match(regions.out, /^GB-ENG +England$/m);
  assert.ok(JSON.parse(json.out).some((c: any) => c.code === 'NZ'));
  assert.deepEqual(readdirSync(dataDir), [], 'the embedded database was never created');
});
