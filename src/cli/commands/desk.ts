import type { Command } from '../command.ts';

// The desk itself: `embargo init` creates it, `embargo serve` runs it, `embargo migrate` brings its
// database schema up to date. init and migrate are in ../init.ts, serve in ../desk.ts (the web
// server and the jobs, which only serve loads).

const init: Command = {
  name: 'init',
  summary: 'Create the desk: process profile, name, time zone, mail addresses and first admin',
  help: `Usage: embargo init --profile trusted-firmware|tock|FILE --name NAME --time-zone ZONE
                    --mail-domain DOMAIN [--alias ID=ADDRESS...] --admin-name NAME --admin-email EMAIL
Creates the desk and prints the admin's one-time enrollment link.
  --mail-domain  the team's own mail domain (lists.example.org): the profile's aliases are written
                 with it (security@DOMAIN, {project}-security@DOMAIN, ...); needed for the shipped
                 profiles, which name no team's lists
  --alias        an alias kept elsewhere, by its id in the profile: --alias ess={project}-ess@example.org
The desk's copy of the profile gets these addresses; the projects the profile starts with (Tock:
Tock, with its subsystem table) are created with their security teams.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../init.ts')).init(args, io),
};

const serve: Command = {
  name: 'serve',
  summary: 'Run the desk (HTTP API and web UI)',
  help: `Usage: embargo serve
Runs the desk on EMBARGO_HOST:EMBARGO_PORT (default 127.0.0.1:8080). On an empty desk it prints a
one-time setup link. With EMBARGO_SMTP_PORT set it receives mail for the aliases by SMTP on
EMBARGO_SMTP_HOST:EMBARGO_SMTP_PORT (default host 127.0.0.1); configured IMAP accounts are polled.\n`,
  opensDatabase: 'always',
  run: async (args, io) => (await import('../desk.ts')).serve(args, io),
};

const migrate: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  help: 'Usage: embargo migrate\nApplies pending migrations and prints their names.\n',
  opensDatabase: 'always',
  run: async (args, io) => (await import('../init.ts')).migrate(args, io),
};

export const deskCommands: Command[] = [init, serve, migrate];
