import type { Command } from '../command.ts';

// `embargo site export DIR`: the public advisory site as static files (../site.ts).

export const siteCommands: Command[] = [
  {
    name: 'site export',
    summary: 'Write the public advisory site (/advisories/) as static files',
    help: `Usage: embargo site export DIR
Writes the public advisory site as it is served under /advisories/ now, byte for byte: index.html,
feed.atom, index.json, style.css and, per published advisory, ID/index.html with its records
(ID/osv.json, ID/csaf-2.0.json, ID/csaf-2.1.json, ID/cve/CVE-ID.json, ID/advisory.txt, ID/advisory.md).
Only advisories whose publication time has come are written. DIR must be new or empty.
The feed and the JSON index carry absolute links: set EMBARGO_ADVISORY_SITE_URL to where DIR will
be hosted (default: EMBARGO_PUBLIC_URL + /advisories/; one of the two is required).\n`,
    opensDatabase: 'always',
    run: async (args, io) => (await import('../site.ts')).siteExport(args, io),
  },
];
