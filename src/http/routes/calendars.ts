import { defineRoutes } from '../route.ts';
import {
  addDaysOff,
  DaysOffInput,
  HolidayRegionInput,
  HolidayRegionsQuery,
  holidayRegions,
  personCalendar,
  removeDaysOff,
  setHolidayRegion,
} from '../../app/sla/calendars.ts';

// Calendars: a person's holiday region and days off (their own, or anyone's for an admin), and the
// list of holiday region codes. Deadlines in working days skip both.

export const calendarRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/holiday-regions',
    policy: 'signed-in',
    tag: 'account',
    query: HolidayRegionsQuery,
    summary: "Holiday region codes: countries, or with ?country=GB that country's subdivisions (GB-ENG, ...).",
    handler: ({ ctx, query }) => holidayRegions(ctx, query),
  },
  {
    method: 'GET',
    url: '/api/people/:id/calendar',
    policy: 'signed-in',
    tag: 'account',
    summary:
      "A person's calendar: time zone, working week, holiday region with its public holidays, days off (own, or anyone for an admin).",
    handler: ({ ctx, params }) => personCalendar(ctx, params.id!),
  },
  {
    method: 'PUT',
    url: '/api/people/:id/holiday-region',
    policy: 'signed-in',
    tag: 'account',
    body: HolidayRegionInput,
    summary: 'Set or clear the region whose public holidays are not working days (own, or anyone for an admin).',
    handler: ({ ctx, params, body }) => setHolidayRegion(ctx, params.id!, body),
  },
  {
    method: 'POST',
    url: '/api/people/:id/days-off',
    policy: 'signed-in',
    tag: 'account',
    status: 201,
    body: DaysOffInput,
    summary: 'Add a day off or an out-of-office period, inclusive local dates (own, or anyone for an admin).',
    handler: ({ ctx, params, body }) => addDaysOff(ctx, params.id!, body),
  },
  {
    method: 'DELETE',
    url: '/api/people/:id/days-off/:daysOffId',
    policy: 'signed-in',
    tag: 'account',
    summary: 'Remove a day off or out-of-office period (own, or anyone for an admin).',
    handler: async ({ ctx, params }) => (await removeDaysOff(ctx, params.id!, params.daysOffId!), { ok: true }),
  },
]);
