import type { Command } from '../command.ts';

// `embargo sla due|regions`: the desk's deadline rules without its data (../sla.ts).

export const SLA_DUE_HELP = `Usage: embargo sla due --profile trusted-firmware|tock|FILE (--stage STAGE | --clock CLOCK_ID | --priority P)
                       --arrival INSTANT --time-zone ZONE [--holidays REGION] [--days-off DATES]
                       [--working-week DAYS] [--json]
Prints when a clock that starts at INSTANT is due, in ISO 8601 with the owner's UTC offset, counted
as the desk counts it: working days in the owner's zone and working week, skipping the public
holidays of REGION and the days off; the day of arrival never counts and a deadline in working days
ends at 24:00 local. Reads no desk data and opens no database.

  --profile       a shipped profile (trusted-firmware, tock) or a profile file
  --stage         a workflow stage with one clock (trusted-firmware: triage, project-handling;
                  tock: reception, assignment, remediation)
  --clock         a clock id from the profile's sla section (trusted-firmware: triage,
                  project-analysis; tock: initial-review, assignment, resolution)
  --priority      the priority whose resolution days give the clock's length (tock: P0..P3);
                  alone it selects the clock whose length comes from the priority
  --arrival       when the clock starts, with an offset or Z: 2026-11-27T18:00:00Z,
                  2026-11-28T07:00+13:00
  --time-zone     the owner's IANA time zone, e.g. Pacific/Auckland
  --holidays      public-holiday region: IN, NZ, GB-ENG, US-CA, DE-BY ... (embargo sla regions)
  --days-off      the owner's days off, comma-separated dates or FROM..TO ranges (repeatable):
                  2026-12-01,2026-12-03..2026-12-05
  --working-week  ISO weekdays worked, 1 = Monday ... 7 = Sunday (default 1,2,3,4,5)
  --json          the due instant with the clock, its rule, the inputs and the days skipped

Exit status: 0 and the due instant; 1 if the profile file has errors; 2 on bad usage.
Example: embargo sla due --profile tock --priority P1 --arrival 2026-11-27T18:00:00Z --time-zone Pacific/Auckland
`;

export const SLA_REGIONS_HELP = `Usage: embargo sla regions [COUNTRY] [--json]
Lists the public-holiday region codes --holidays accepts: the countries, or with a country code
(GB, US, DE, IN, ...) its subdivisions and their regions (GB-ENG, US-CA, DE-BY, DE-BY-A, ...).
`;

/** `embargo sla due|regions`: the desk's deadline rules without its data. */
export const slaCommands: Command[] = [
  {
    name: 'sla due',
    summary: 'Compute when an SLA clock is due (no desk data; also: sla regions)',
    help: SLA_DUE_HELP,
    opensDatabase: 'never',
    run: async (args, { out, err }) => (await import('../sla.ts')).slaCommand(['due', ...args], out, err),
  },
  {
    name: 'sla regions',
    help: SLA_REGIONS_HELP,
    opensDatabase: 'never',
    run: async (args, { out, err }) => (await import('../sla.ts')).slaCommand(['regions', ...args], out, err),
  },
];
