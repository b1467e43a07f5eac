import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, api, auditActions, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { addDaysOff, personCalendar, removeDaysOff, setHolidayRegion } from '../../src/app/sla/calendars.ts';
import { ownerCalendar } from '../../src/app/sla/clocks.ts';
import { type EmbargoError, NotFoundError, ValidationError } from '../../src/domain/errors.ts';

// Holiday regions and days off, stored and used: a person sets their own (an admin anyone's), bad
// input changes nothing, and the calendar moves the deadlines the desk stores when a clock is counted
// in that person's calendar.

let h: Harness;
let admin: Member, tom: Member, ida: Member;

before(async () => {
  h = await startHarness({ clock: '2026-12-14T09:00:00Z' });
  admin = await setupDesk(h, 'trusted-firmware', 'Europe/London');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', timeZone: 'Europe/London', teams: ['security'] });
  ida = await addMember(h, admin, { name: 'Ida Iyer', email: 'ida@tf.example', timeZone: 'Asia/Kolkata', teams: ['security'] });
});
after(() => h.close());

async function state() {
  const a = await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events');
  const p = await h.app.db.query<{ r: string | null }>(
    "SELECT string_agg(id || ':' || coalesce(holiday_region, '-'), ',' ORDER BY id) AS r FROM people",
  );
  const d = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM person_days_off');
  return `${a.rows[0]!.seq}|${p.rows[0]!.r}|${d.rows[0]!.n}`;
}

async function refusedWithoutChange(fn: () => Promise<unknown>, type: new (...a: any[]) => EmbargoError, what: string) {
  const before = await state();
  await assert.rejects(fn, type, what);
  assert.equal(await state(), before, `${what}: nothing changed`);
}

async function runningDue(reportId: string): Promise<string[]> {
  const r = await h.app.db.query<{ due_at: Date }>(
    'SELECT due_at FROM deadlines WHERE report_id = $1 AND stopped_at IS NULL ORDER BY due_at',
    [reportId],
  );
  return r.rows.map((x) => new Date(x.due_at).toISOString());
}

async function submitAt(iso: string): Promise<string> {
  h.clock.set(iso);
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  return r.json.reportId;
}

test('holiday region: own or by an admin, validated, audited', async () => {
  assert.deepEqual(await setHolidayRegion(tom.ctx, tom.personId, { region: 'gb-eng' }), { region: 'GB-ENG' });
  assert.deepEqual(await setHolidayRegion(admin.ctx, ida.personId, { region: 'IN' }), { region: 'IN' });
  assert.deepEqual(
    (await auditActions(h, tom.personId)).filter((a) => a.startsWith('person.holiday')),
    ['person.holiday_region_set'],
  );

  await refusedWithoutChange(() => setHolidayRegion(tom.ctx, ida.personId, { region: 'GB-ENG' }), NotFoundError, "someone else's");
  await refusedWithoutChange(() => setHolidayRegion(tom.ctx, tom.personId, { region: 'XX' }), ValidationError, 'unknown region');
  await refusedWithoutChange(() => setHolidayRegion(tom.ctx, tom.personId, { region: 'GB-XX' }), ValidationError, 'unknown subdivision');
  await refusedWithoutChange(() => setHolidayRegion(tom.ctx, tom.personId, {}), ValidationError, 'missing region');
  await refusedWithoutChange(() => setHolidayRegion(tom.ctx, tom.personId, { region: 'GB', extra: 1 }), ValidationError, 'unknown field');
  await refusedWithoutChange(() => setHolidayRegion(admin.ctx, crypto.randomUUID(), { region: 'GB' }), NotFoundError, 'no such person');
  await assert.rejects(setHolidayRegion(tom.ctx, tom.personId, { region: 'Narnia' }), (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.match(e.message, /embargo sla regions/);
    assert.equal(e.details[0]?.path, 'region');
    return true;
  });

  const cal = await personCalendar(tom.ctx, tom.personId);
  assert.equal(cal.holidayRegion, 'GB-ENG');
  assert.equal(cal.timeZone, 'Europe/London');
  assert.ok(cal.publicHolidays.some((x) => x.date === '2026-12-28' && /Boxing Day/.test(x.name)));
  assert.ok(
    cal.publicHolidays.some((x) => x.date === '2027-12-27'),
    'this year and next',
  );
  await assert.rejects(personCalendar(tom.ctx, ida.personId), NotFoundError);

  assert.deepEqual(await setHolidayRegion(tom.ctx, tom.personId, { region: null }), { region: null });
  assert.equal((await personCalendar(tom.ctx, tom.personId)).holidayRegion, null);
});

test('days off: added and removed by the person or an admin, validated, reason kept out of the audit log', async () => {
  const one = await addDaysOff(tom.ctx, tom.personId, { startsOn: '2027-03-01', reason: 'dentist (private)' });
  assert.deepEqual([one.startsOn, one.endsOn], ['2027-03-01', '2027-03-01']);
  const trip = await addDaysOff(admin.ctx, tom.personId, { startsOn: '2027-03-10', endsOn: '2027-03-12' });
  const cal = await personCalendar(tom.ctx, tom.personId);
  assert.deepEqual(
    cal.daysOff.map((d) => [d.startsOn, d.endsOn, d.reason]),
    [
      ['2027-03-01', '2027-03-01', 'dentist (private)'],
      ['2027-03-10', '2027-03-12', null],
    ],
  );
  const extras = await ownerCalendar(h.app.db, tom.personId);
  assert.deepEqual(extras.daysOff, ['2027-03-01', '2027-03-10', '2027-03-11', '2027-03-12']);

  const events = await h.app.db.query<{ action: string; data: unknown }>(
    "SELECT action, data FROM audit_events WHERE subject_id = $1 AND action LIKE 'person.days_off%' ORDER BY seq",
    [tom.personId],
  );
  assert.deepEqual(
    events.rows.map((e) => e.action),
    ['person.days_off_added', 'person.days_off_added'],
  );
  assert.ok(!JSON.stringify(events.rows).includes('dentist'));

  for (const [what, body] of [
    ['ends before it starts', { startsOn: '2027-03-05', endsOn: '2027-03-04' }],
    ['impossible date', { startsOn: '2027-02-29' }],
    ['not a date', { startsOn: '5 March' }],
    ['longer than a year', { startsOn: '2027-01-01', endsOn: '2028-01-02' }],
    ['unknown field', { startsOn: '2027-03-05', until: '2027-03-06' }],
    ['reason too long', { startsOn: '2027-03-05', reason: 'x'.repeat(201) }],
    ['no body', undefined],
  ] as const) {
    await refusedWithoutChange(() => addDaysOff(tom.ctx, tom.personId, body), ValidationError, what);
  }
  // A year exactly is allowed.
  const year = await addDaysOff(tom.ctx, tom.personId, { startsOn: '2030-01-01', endsOn: '2030-12-31' });
  await removeDaysOff(tom.ctx, tom.personId, year.id);

  await refusedWithoutChange(() => addDaysOff(ida.ctx, tom.personId, { startsOn: '2027-03-05' }), NotFoundError, "someone else's days off");
  await refusedWithoutChange(() => removeDaysOff(ida.ctx, tom.personId, trip.id), NotFoundError, "removing someone else's");
  await refusedWithoutChange(
    () => removeDaysOff(ida.ctx, ida.personId, trip.id),
    NotFoundError,
    "another person's period under one's own id",
  );
  await refusedWithoutChange(() => removeDaysOff(tom.ctx, tom.personId, 'not-an-id'), NotFoundError, 'malformed id');

  await removeDaysOff(tom.ctx, tom.personId, trip.id);
  await refusedWithoutChange(() => removeDaysOff(tom.ctx, tom.personId, trip.id), NotFoundError, 'removed twice');
  await removeDaysOff(admin.ctx, tom.personId, one.id);
  assert.deepEqual((await personCalendar(tom.ctx, tom.personId)).daysOff, []);
  assert.ok((await auditActions(h, tom.personId)).includes('person.days_off_removed'));

  // The database refuses a reversed period on its own too.
  await assert.rejects(
    h.app.db.query(
      "INSERT INTO person_days_off (id, person_id, starts_on, ends_on, created_at) VALUES ($1, $2, '2027-01-02', '2027-01-01', now())",
      [crypto.randomUUID(), tom.personId],
    ),
  );
});

test('a holiday region and days off move the stored triage deadline of the person who claims', async () => {
  // Two reports on Friday 18 December 2026, 17:00 in London.
  const first = await submitAt('2026-12-18T17:00:00Z');
  const second = await submitAt('2026-12-18T17:00:00Z');
  // Unclaimed: the desk's zone (London), Mon 21, Tue 22, Wed 23 → end of Wednesday.
  assert.deepEqual(await runningDue(first), ['2026-12-24T00:00:00.000Z']);

  // Tom, with no holidays and no days off, claims the first: the same.
  h.clock.set('2026-12-18T17:30:00Z');
  assert.equal((await api(h, 'POST', `/api/reports/${first}/claim`, { as: tom })).status, 200);
  assert.deepEqual(await runningDue(first), ['2026-12-24T00:00:00.000Z']);

  // Tom sets England's holidays and two days off, then claims the second: Mon 21 counts, Tue 22 and
  // Wed 23 are off, Thu 24 counts, Fri 25 Christmas, Mon 28 Boxing Day (substitute), Tue 29 counts.
  await setHolidayRegion(tom.ctx, tom.personId, { region: 'GB-ENG' });
  await addDaysOff(tom.ctx, tom.personId, { startsOn: '2026-12-22', endsOn: '2026-12-23', reason: 'away' });
  assert.equal((await api(h, 'POST', `/api/reports/${second}/claim`, { as: tom })).status, 200);
  assert.deepEqual(await runningDue(second), ['2026-12-30T00:00:00.000Z']);
  const view = (await api(h, 'GET', `/api/reports/${second}`, { as: tom })).json;
  const stopped = view.deadlines.find((d: any) => d.stoppedAt);
  assert.equal(stopped.dueAt, '2026-12-24T00:00:00.000Z', 'the desk-zone deadline is kept, stopped, with the reason');

  // A running deadline keeps its due date when its owner's calendar changes later.
  assert.deepEqual(await runningDue(first), ['2026-12-24T00:00:00.000Z']);
});

test('Republic Day moves the deadline of a triager in Kolkata with the IN region', async () => {
  // Friday 22 January 2027, 18:00 in London = 23:30 in Kolkata. Mon 25, (Tue 26 Republic Day), Wed 27,
  // Thu 28 → end of Thursday 28 January IST = 18:30 UTC.
  const id = await submitAt('2027-01-22T18:00:00Z');
  await setHolidayRegion(admin.ctx, ida.personId, { region: 'IN' });
  assert.equal((await api(h, 'POST', `/api/reports/${id}/claim`, { as: ida })).status, 200);
  assert.deepEqual(await runningDue(id), ['2027-01-28T18:30:00.000Z']);
});

test('calendar routes over HTTP: own calendar, admin for anyone, errors in the one JSON shape', async () => {
  let r = await api(h, 'PUT', `/api/people/${ida.personId}/holiday-region`, { as: ida, body: { region: 'in' } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { region: 'IN' });
  r = await api(h, 'PUT', `/api/people/${ida.personId}/holiday-region`, { as: ida, body: { region: 'XX' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'validation_failed');
  assert.match(r.json.error.message, /embargo sla regions/);
  r = await api(h, 'PUT', `/api/people/${ida.personId}/holiday-region`, { as: tom, body: { region: 'GB-ENG' } });
  assert.equal(r.status, 404);

  r = await api(h, 'POST', `/api/people/${ida.personId}/days-off`, { as: ida, body: { startsOn: '2027-04-01', endsOn: '2027-04-02' } });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  r = await api(h, 'POST', `/api/people/${ida.personId}/days-off`, { as: ida, body: { startsOn: '2027-04-02', endsOn: '2027-04-01' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.details[0].path, 'endsOn');
  r = await api(h, 'GET', `/api/people/${ida.personId}/calendar`, { as: admin });
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.json.daysOff.map((d: any) => d.id),
    [id],
  );
  assert.equal(r.json.holidayRegion, 'IN');
  assert.equal((await api(h, 'DELETE', `/api/people/${ida.personId}/days-off/${id}`, { as: tom })).status, 404);
  assert.equal((await api(h, 'DELETE', `/api/people/${ida.personId}/days-off/${id}`, { as: ida })).status, 200);
  assert.equal((await api(h, 'DELETE', `/api/people/${ida.personId}/days-off/${id}`, { as: ida })).status, 404);

  r = await api(h, 'GET', '/api/holiday-regions?country=NZ', { as: tom });
  assert.equal(r.status, 200);
  assert.ok(r.json.some((x: any) => x.code === 'NZ-AUK'));
  assert.equal((await api(h, 'GET', '/api/holiday-regions?country=QQ', { as: tom })).status, 400);
  assert.equal((await api(h, 'GET', '/api/holiday-regions')).status, 401);
  const doc = (await api(h, 'GET', '/api/openapi.json')).json;
  assert.equal(doc.paths['/api/people/{id}/days-off'].post['x-policy'], 'signed-in');
});
