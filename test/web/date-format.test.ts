import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHTML } from 'entities';
import { generateKey } from 'openpgp';
import { api, sampleReport, startHarness, type Harness, type Member } from '../support/harness.ts';
import { castOfRoles, type Role } from '../support/roles.ts';
import { aliasKey, portalHeaders, portalSession } from '../support/portal.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { webSession } from '../support/web-client.ts';
import { ALIAS } from '../inbound/support.ts';
import { TF_CNA } from '../support/advisory-parts.ts';
import { storeRaw } from '../../src/app/inbound/inbox.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { runDueReleases } from '../../src/app/releases/run.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor } from '../../src/app/keys/keys.ts';
import { webPages, webPlugin } from '../../src/web/index.ts';
import { day, exactTime, when } from '../../src/web/format.ts';
import { stopWords } from '../../src/web/case-words.ts';

// One date format on every page of the desk: a desk with something dated on every page (a case with
// its clocks, notes, fix and agreed embargo; an advisory scheduled for publication; deliveries queued
// and failed; sign-ins that failed; tokens, days off, an away period and a key of one's own; an
// organisation told on the portal; a rejected inbound mail) is walked page by page as every role, and
// no page's visible text holds a date written another way than format.ts writes it: no ISO instant in
// UTC, no milliseconds, no locale's default form, no Date printed raw, no count of milliseconds.
// Machine-readable instants belong in <time datetime> (and the exact instant in a title), where they
// are welcome. The clock has milliseconds, so a page that printed them would show them.

let h: Harness;
let sink: SmtpSink;
let as: Record<Role, Member | null>;
let deskAdmin: Member;
let reportId: string;
let statusToken: string;
let incidentRef: string;
let advisoryId: string;
let orgSession: { cookie: string; csrf: string };
const sessions = new Map<string, { cookie: string }>();

async function must(r: Promise<{ status: number; body: string; json: any }>, what: string) {
  const res = await r;
  assert.ok([200, 201].includes(res.status), `${what}: ${res.status} ${res.body}`);
  return res.json;
}

before(async () => {
  h = await startHarness({ plugins: [webPlugin], clock: '2026-11-23T09:00:00.123Z' });
  sink = await startSmtpSink();
  const cast = await castOfRoles(h);
  deskAdmin = cast.deskAdmin;
  as = cast.as;
  const central = as.central!;
  const hank = as.projectTeam!;
  const hour = 3_600_000;
  const at = (ms: number) => new Date(h.clock.now.getTime() + ms).toISOString();

  // A case: the report and a message of the reporter, triage, a note and a reply, someone pulled in,
  // the project's handler, the severity, the fix, and an embargo agreed with the reporter.
  const sent = await must(api(h, 'POST', '/api/reports', { body: sampleReport }), 'report');
  reportId = sent.reportId;
  statusToken = sent.statusToken;
  await must(api(h, 'POST', `/api/reporter/${statusToken}/messages`, { body: { body: 'Any news?' } }), 'reporter message');
  h.clock.advance(1_234);
  await must(api(h, 'POST', `/api/reports/${reportId}/claim`, { as: central }), 'claim');
  incidentRef = (
    await must(
      api(h, 'POST', `/api/reports/${reportId}/accept`, { as: central, body: { title: 'Dated incident', projects: ['tf-a'] } }),
      'accept',
    )
  ).incidentRef;
  await must(api(h, 'POST', `/api/reports/${reportId}/notes`, { as: central, body: { body: 'A note.' } }), 'note');
  await must(api(h, 'POST', `/api/reports/${reportId}/replies`, { as: central, body: { body: 'We are on it.' } }), 'reply');
  await must(api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: central, body: { email: 'cora@tf.example' } }), 'pull in');
  await must(api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank }), 'project claim');
  await must(
    api(h, 'POST', `/api/reports/${reportId}/severity`, { as: hank, body: { severity: 'high', reason: 'Code execution in BL2.' } }),
    'severity',
  );
  await must(
    api(h, 'POST', `/api/reports/${reportId}/fix/items`, { as: hank, body: { kind: 'patch', text: 'https://review.example/c/31337' } }),
    'fix item',
  );
  await must(api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: hank }), 'fix ready');
  await must(
    api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
      as: hank,
      body: {
        tiers: [
          { tier: 'ess', endsAt: at(240 * hour + 777) },
          { tier: 'trusted-stakeholders', endsAt: at(360 * hour + 777) },
        ],
        publicAt: at(408 * hour + 777),
        timeZone: 'Europe/Berlin',
      },
    }),
    'embargo proposal',
  );
  await must(api(h, 'POST', `/api/reporter/${statusToken}/embargo/answer`, { body: { answer: 'accept' } }), 'embargo agreed');

  // An organisation of the first tier, told by the timed release; it acknowledges and asks. Another applies.
  const madeBefore = new Date(h.clock.now.getTime() - 86_400_000);
  const key = await aliasKey('Distro One', 'ess@distro.example', madeBefore);
  await must(
    api(h, 'POST', '/api/stakeholders', {
      as: central,
      body: {
        name: 'Distro One',
        alias: 'ess@distro.example',
        timeZone: 'America/New_York',
        publicKey: key.publicKey,
        fingerprint: key.fingerprint,
        tiers: [{ project: 'tf-a', tier: 'ess' }],
      },
    }),
    'organisation',
  );
  assert.equal((await runDueReleases(h.app, h.clock.now)).done, 1, 'the first tier is told');
  orgSession = await portalSession(h, 'ess@distro.example');
  const org = (method: string, url: string, body?: unknown) =>
    h.server.inject({ method: method as 'POST', url, headers: portalHeaders(orgSession), ...(body ? { payload: body as object } : {}) });
  assert.equal((await org('POST', `/api/portal/cases/${incidentRef}/acknowledge`)).statusCode, 200);
  assert.ok(
    [200, 201].includes((await org('POST', `/api/portal/cases/${incidentRef}/questions`, { body: 'Does 2.9 need it?' })).statusCode),
  );
  const applicant = await aliasKey('Vendor Two', 'psirt@vendor.example', madeBefore);
  await must(
    api(h, 'POST', '/api/stakeholders/applications', {
      body: {
        name: 'Vendor Two',
        alias: 'psirt@vendor.example',
        about: 'We ship TF-A in our boards.',
        timeZone: 'Asia/Tokyo',
        project: 'tf-a',
        tier: 'trusted-stakeholders',
        publicKey: applicant.publicKey,
        statement: 'We keep embargoed details confidential until the public disclosure.',
        acceptsPolicy: true,
      },
    }),
    'application',
  );

  // An advisory, approved by a second member and scheduled for publication.
  advisoryId = (await must(api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: central }), 'advisory')).advisoryId;
  const doc = (await must(api(h, 'GET', `/api/advisories/${advisoryId}`, { as: central }), 'advisory view')).head.document;
  await must(
    api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
      as: central,
      body: {
        document: {
          ...doc,
          summary: 'A crafted FIP image overflows a stack buffer in BL2.',
          description: 'BL2 copies the image header into a fixed-size stack buffer.',
          affected: [
            {
              project: 'tf-a',
              vendor: 'Trusted Firmware',
              product: 'TF-A',
              ranges: [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }],
              components: ['BL2'],
            },
          ],
          cveIds: ['CVE-2026-12345'],
          cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
          references: [{ url: 'https://git.example/fix', type: 'fix' }],
          publisher: { ...doc.publisher, cve: TF_CNA },
        },
      },
    }),
    'advisory version',
  );
  const head = (await must(api(h, 'GET', `/api/advisories/${advisoryId}`, { as: central }), 'advisory view')).headVersion;
  await must(api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: hank, body: { version: head, verdict: 'approved' } }), 'review');
  await must(api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: central, body: { publishAt: at(500 * hour) } }), 'schedule');

  // A person's own: days off, an away period, a key that expires, a token used; a sign-in that failed.
  await must(
    api(h, 'POST', `/api/people/${central.personId}/days-off`, { as: central, body: { startsOn: '2026-12-28', endsOn: '2026-12-31' } }),
    'days off',
  );
  await must(
    api(h, 'PATCH', `/api/people/${hank.personId}/availability`, { as: hank, body: { available: false, awayUntil: at(72 * hour + 555) } }),
    'away',
  );
  const { publicKey } = await generateKey({
    type: 'curve25519',
    userIDs: [{ name: 'Tom Triager', email: 'tom@tf.example' }],
    date: madeBefore,
    keyExpirationTime: 400 * 86_400,
    format: 'armored',
  });
  await must(api(h, 'POST', '/api/me/keys', { as: central, body: { armored: publicKey } }), 'own key');
  const failed = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: as.otherProject!.email, password: 'not the password at all', totp: '000000' },
  });
  assert.equal(failed.statusCode, 401, failed.body);

  // Inbound mail that is no mail: rejected, listed for admins.
  await storeRaw(h.app, { raw: Buffer.from('\x00\x01 no mail \x02'), via: 'smtp', envelopeFrom: 'spam@bad.example', envelopeTo: [ALIAS] });
  await runIntakePass(h.app, { leaseMs: 60_000 });

  // Outbound mail: a relay that refuses everything fails the deliveries so far; a reply after them
  // waits with no delivery job running, so admins see the banner with the oldest waiting one.
  await setSmtpRelay(deskAdmin.ctx, {
    host: '127.0.0.1',
    port: sink.port,
    tls: 'none',
    bounceAddress: 'bounces@lists.trustedfirmware.org',
  });
  await generateTeamKeyFor(deskAdmin.ctx, {});
  sink.reply = () => ({ code: 550, message: '5.1.1 No such user' });
  await runDeliveryPass(h.app);
  h.clock.advance(5_432);
  await must(api(h, 'POST', `/api/reports/${reportId}/replies`, { as: central, body: { body: 'Still on it.' } }), 'second reply');
  h.clock.advance(11 * 60_000 + 321);

  for (const [role, m] of Object.entries(as)) if (m) sessions.set(role, await webSession(h, m));
  sessions.set('desk admin', await webSession(h, deskAdmin));
  sessions.set('organisation', { cookie: orgSession.cookie });
  sessions.set('anonymous', { cookie: '' });
});
after(async () => {
  await sink?.close();
  await h?.close();
});

/** Every GET page of the web door with its parameters filled by the planted things. */
function pageUrls(): string[] {
  return (
    webPages
      // Scripts and stylesheets are no pages; the export is a file to download, in its own format.
      .filter((r) => r.method === 'GET' && !r.url.startsWith('/static/') && !r.url.endsWith('/export'))
      .map((r) =>
        r.url
          .replace('/desk/advisories/:id', `/desk/advisories/${advisoryId}`)
          .replace(':reportId', reportId)
          .replace('/admin/people/:id', `/admin/people/${as.projectTeam!.personId}`)
          .replace(':ref', incidentRef)
          .replace(':version', '1')
          .replace(':name', 'Kernel')
          .replace('/status/:token', `/status/${statusToken}`),
      )
      .map((u) => (u.endsWith('/diff') ? `${u}?from=1&to=2` : u === '/cwe' ? `${u}?q=overflow` : u))
      .concat(['/?status=closed', '/dashboard?days=365'])
  );
}

/** What a person reads on the page: the text of the body, without tags and attributes, entities decoded. */
function visibleText(page: string): string {
  const body = page.slice(page.indexOf('<body'), page.lastIndexOf('</body>'));
  return decodeHTML(body.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ');
}

/** Dates written another way than format.ts writes them. */
const OTHER_WAYS: [string, RegExp][] = [
  ['an ISO instant in UTC', /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/],
  ['milliseconds', /\d{2}:\d{2}:\d{2}\.\d+/],
  ['an ISO date and time with a space', /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/],
  [
    'a Date printed raw',
    /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2} \d{4} \d{2}:\d{2}:\d{2}|GMT[+-]\d{4} \(/,
  ],
  ["a locale's default form", /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/],
  ['milliseconds since 1970', /\b1[5-9]\d{11}\b/],
];

test('the format helpers: readable text, the instant in <time datetime> to the second, the exact time with its offset', () => {
  const instant = '2026-12-04T18:14:05.678Z';
  assert.equal(
    when(instant, 'Europe/Berlin').value,
    '<time datetime="2026-12-04T18:14:05Z" title="2026-12-04T19:14:05+01:00">Fri, 4 Dec 2026, 19:14 CET</time>',
  );
  assert.equal(when(new Date(instant), 'Europe/Berlin').value, when(instant, 'Europe/Berlin').value, 'a Date the same as its ISO string');
  assert.equal(exactTime(instant, 'Asia/Kolkata'), '2026-12-04T23:44:05+05:30', 'no milliseconds');
  assert.equal(day('2026-12-28').value, '<time datetime="2026-12-28">Mon, 28 Dec 2026</time>');
  for (const [what, pattern] of OTHER_WAYS) assert.doesNotMatch(visibleText(`<body>${when(instant, 'UTC').value}</body>`), pattern, what);
});

test('no desk page, for any role, writes a date another way than format.ts', async () => {
  const found: string[] = [];
  /** The pages that showed a readable date, by role: the walk must have met the planted dates. */
  const dated = new Set<string>();
  let pages = 0;
  for (const [role, s] of sessions) {
    for (const url of pageUrls()) {
      const res = await h.server.inject({ method: 'GET', url, headers: s.cookie ? { cookie: s.cookie } : {} });
      // Refusals and redirects are the page matrix's business; here only what a page shows.
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/html')) continue;
      pages++;
      const text = visibleText(res.body);
      for (const [what, pattern] of OTHER_WAYS) {
        const m = pattern.exec(text);
        if (m) found.push(`${role} ${url}: ${what}: …${text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 20)}…`);
      }
      if (/<time datetime="[^"]+"[^>]*>[^<]+<\/time>/.test(res.body)) dated.add(`${role} ${url.split('?')[0]}`);
    }
  }
  assert.deepEqual(found, []);
  assert.ok(pages > 150, `walked ${pages} pages`);
  // The pages that print dates of their own, as someone who sees them: each met at least one.
  for (const page of [
    'central /',
    'central /me',
    'central /admin/deliveries',
    `central /cases/${reportId}`,
    `central /desk/advisories/${advisoryId}`,
    'central /admin/stakeholders',
    'desk admin /admin/sign-ins',
    'desk admin /admin/activity',
    'desk admin /admin/people',
    'desk admin /admin/inbox',
    'desk admin /',
    `anonymous /status/${statusToken}`,
    'organisation /portal',
    `organisation /portal/cases/${incidentRef}`,
  ])
    assert.ok(dated.has(page), `${page} shows a date`);
});

test("a page's dates are in the viewer's zone: the organisation's on the portal, the person's on the desk", async () => {
  const portal = await h.server.inject({ method: 'GET', url: `/portal/cases/${incidentRef}`, headers: { cookie: orgSession.cookie } });
  assert.equal(portal.statusCode, 200, portal.body);
  // The organisation reads New York's dates: the briefing's embargo ends and when it was told.
  assert.match(portal.body, /the embargo ends <time datetime="[^"]+Z" title="[^"]+-05:00">[^<]+ GMT-5<\/time>/);
  assert.match(portal.body, /Released to your tier .*<time datetime="[^"]+" title="[^"]+-05:00">[^<]+<\/time>\. Keep what you read/);
  const admin = await h.server.inject({ method: 'GET', url: '/admin/deliveries', headers: { cookie: sessions.get('desk admin')!.cookie } });
  assert.match(
    admin.body,
    /(?:delivery waits|deliveries wait), the oldest since <time datetime="[^"]+Z" title="[^"]+\+00:00">[^<]+ GMT<\/time>/,
  );
});

test('a clock that resumed after a pause reads its pause in the page zone and its event in words, not as stored', () => {
  const stored = 'reassigned: paused from 2026-11-24T10:00:00.000Z until reporter_replied';
  assert.equal(stopWords(stored, 'Europe/Berlin'), 'reassigned: paused from Tue, 24 Nov 2026, 11:00 until the reporter answered');
  assert.equal(stopWords('reassigned: Tom claimed', 'Europe/Berlin'), 'reassigned: Tom claimed');
  assert.equal(stopWords('report_accepted', 'UTC'), 'the report was accepted');
});
