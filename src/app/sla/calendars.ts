import { z, ZodError, type ZodType } from 'zod';
import { zodDetails, zodSentence } from '../../domain/validation-words.ts';
import type { Queryable } from '../../store/db.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { addDaysToLocalDate, parseLocalDate } from '../../domain/calendar.ts';
import { isHolidayRegion, listHolidayRegions, normalizeHolidayRegion, publicHolidayDetails } from '../../domain/holidays.ts';
import { mayManageCalendarOf } from '../../domain/access.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { isUuid } from '../../domain/ids.ts';

// A person's calendar beyond time zone and working week (those are in admin.ts, updateAvailability):
// the public-holiday region whose holidays are not working days, and personal days off and
// out-of-office periods. A person manages their own; an admin anyone's.
//
// Deadlines are computed when a clock starts or changes owner (src/app/sla/clocks.ts, ownerCalendar), so a
// calendar change applies to clocks counted from then on; a running deadline keeps its due date (a
// promise made to a reporter does not move because its owner books leave later; the reminders and
// escalation skip owners who are away).

/** Longest single days-off period: a year. */
const MAX_PERIOD_DAYS = 366;

const localDate = z.string().refine((s) => {
  try {
    parseLocalDate(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a date YYYY-MM-DD');

export const HolidayRegionInput = z.strictObject({
  /** A date-holidays region code ('GB-ENG', 'US-CA', 'IN', 'NZ', 'DE-BY'), or null for none. */
  region: z.string().trim().min(2).max(40).nullable(),
});

export const DaysOffInput = z.strictObject({
  /** First day off, a local date in the person's time zone. */
  startsOn: localDate,
  /** Last day off (inclusive); the first day when absent. */
  endsOn: localDate.optional(),
  reason: z.string().trim().max(200).optional(),
});

export const HolidayRegionsQuery = z.strictObject({
  country: z.string().trim().max(10).optional(),
});

/** Zod's verdict as the desk's typed ValidationError, with every problem's path. */
function parseInput<T>(schema: ZodType<T>, raw: unknown): T {
  try {
    return schema.parse(raw);
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    throw new ValidationError(zodSentence(e), zodDetails(e));
  }
}

/** The person themselves, an admin, or the system (CLI); anyone else is told there is no such person. */
function requireSelfOrAdmin(ctx: Ctx, personId: string): void {
  if (mayManageCalendarOf(ctx.principal, personId)) return;
  requirePerson(ctx);
  throw new NotFoundError('person');
}

async function personExists(tx: Queryable, personId: string): Promise<void> {
  if (!isUuid(personId)) throw new NotFoundError('person');
  const r = await tx.query('SELECT 1 FROM people WHERE id = $1', [personId]);
  if (!r.rows.length) throw new NotFoundError('person');
}

/** Sets (or with null clears) the region whose public holidays are not working days for the person. */
export async function setHolidayRegion(ctx: Ctx, personId: string, raw: unknown): Promise<{ region: string | null }> {
  requireSelfOrAdmin(ctx, personId);
  const input = parseInput(HolidayRegionInput, raw);
  const region = input.region === null ? null : normalizeHolidayRegion(input.region, 'region');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    await personExists(tx, personId);
    await tx.query('UPDATE people SET holiday_region = $2 WHERE id = $1', [personId, region]);
    await audit(ctx, tx, now, { action: 'person.holiday_region_set', subjectType: 'person', subjectId: personId, data: { region } });
  });
  return { region };
}

/**
 * Adds a day off or an out-of-office period (inclusive local dates in the person's time zone).
 * The reason is for the person and the admins; it is kept out of the append-only audit log.
 */
export async function addDaysOff(ctx: Ctx, personId: string, raw: unknown): Promise<{ id: string; startsOn: string; endsOn: string }> {
  requireSelfOrAdmin(ctx, personId);
  const input = parseInput(DaysOffInput, raw);
  const startsOn = input.startsOn;
  const endsOn = input.endsOn ?? startsOn;
  if (endsOn < startsOn) {
    throw new ValidationError(`The period ends (${endsOn}) before it starts (${startsOn}).`, [
      { path: 'endsOn', message: 'before startsOn' },
    ]);
  }
  if (addDaysToLocalDate(startsOn, MAX_PERIOD_DAYS - 1) < endsOn) {
    throw new ValidationError(`A period of days off may be at most ${MAX_PERIOD_DAYS} days long; add longer absences in parts.`, [
      { path: 'endsOn', message: `more than ${MAX_PERIOD_DAYS} days after startsOn` },
    ]);
  }
  const now = ctx.app.clock();
  const id = crypto.randomUUID();
  await ctx.app.db.transaction(async (tx) => {
    await personExists(tx, personId);
    await tx.query('INSERT INTO person_days_off (id, person_id, starts_on, ends_on, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      personId,
      startsOn,
      endsOn,
      input.reason || null,
      now,
    ]);
    await audit(ctx, tx, now, {
      action: 'person.days_off_added',
      subjectType: 'person',
      subjectId: personId,
      data: { id, startsOn, endsOn },
    });
  });
  return { id, startsOn, endsOn };
}

/** Removes one days-off period of the person. */
export async function removeDaysOff(ctx: Ctx, personId: string, daysOffId: string): Promise<void> {
  requireSelfOrAdmin(ctx, personId);
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    await personExists(tx, personId);
    if (!isUuid(daysOffId)) throw new NotFoundError('days-off period');
    const r = await tx.query<{ starts_on: string; ends_on: string }>(
      'DELETE FROM person_days_off WHERE id = $1 AND person_id = $2 RETURNING starts_on::text, ends_on::text',
      [daysOffId, personId],
    );
    const row = r.rows[0];
    if (!row) throw new NotFoundError('days-off period');
    await audit(ctx, tx, now, {
      action: 'person.days_off_removed',
      subjectType: 'person',
      subjectId: personId,
      data: { id: daysOffId, startsOn: row.starts_on, endsOn: row.ends_on },
    });
  });
}

/**
 * A person's calendar: time zone, working week, holiday region with its public holidays this year and
 * next (by the desk's clock, in the person's zone), and their days-off periods.
 */
export async function personCalendar(ctx: Ctx, personId: string) {
  requireSelfOrAdmin(ctx, personId);
  await personExists(ctx.app.db, personId);
  const p = await ctx.app.db.query<{ time_zone: string; working_week: number[]; holiday_region: string | null }>(
    'SELECT time_zone, working_week, holiday_region FROM people WHERE id = $1',
    [personId],
  );
  const person = p.rows[0]!;
  const d = await ctx.app.db.query<{ id: string; starts_on: string; ends_on: string; reason: string | null }>(
    'SELECT id, starts_on::text, ends_on::text, reason FROM person_days_off WHERE person_id = $1 ORDER BY starts_on, ends_on, id',
    [personId],
  );
  const year = ctx.app.clock().getUTCFullYear();
  const region = person.holiday_region && isHolidayRegion(person.holiday_region) ? person.holiday_region : null;
  return {
    timeZone: person.time_zone,
    workingWeek: person.working_week,
    holidayRegion: person.holiday_region,
    publicHolidays: region ? publicHolidayDetails(region, year, year + 1) : [],
    daysOff: d.rows.map((r) => ({ id: r.id, startsOn: r.starts_on, endsOn: r.ends_on, reason: r.reason })),
  };
}

/** Holiday region codes: countries, or with a country its subdivisions (for choosing a region). */
export async function holidayRegions(ctx: Ctx, raw: unknown) {
  requirePerson(ctx);
  const { country } = parseInput(HolidayRegionsQuery, raw ?? {});
  return listHolidayRegions(country);
}

/**
 * What ownerCalendar adds to a person's zone and working week: their holiday region and their days
 * off as local dates. A stored region the holiday library no longer knows (after an upgrade renamed
 * it) counts no holidays rather than stopping every clock the person owns.
 */
export async function personCalendarExtras(tx: Queryable, personId: string): Promise<{ holidayRegion: string | null; daysOff: string[] }> {
  const r = await tx.query<{ holiday_region: string | null; periods: string[] }>(
    `SELECT holiday_region,
            ARRAY(SELECT starts_on::text || '/' || ends_on::text FROM person_days_off d WHERE d.person_id = p.id ORDER BY starts_on) AS periods
       FROM people p WHERE id = $1`,
    [personId],
  );
  const row = r.rows[0];
  if (!row) return { holidayRegion: null, daysOff: [] };
  const daysOff = new Set<string>();
  for (const period of row.periods) {
    const [from, to] = period.split('/') as [string, string];
    for (let day = from; day <= to; day = addDaysToLocalDate(day, 1)) daysOff.add(day);
  }
  const region = row.holiday_region && isHolidayRegion(row.holiday_region) ? row.holiday_region : null;
  return { holidayRegion: region, daysOff: [...daysOff].sort() };
}
