import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from 'openpgp';
import {
  addMember,
  addProject,
  api,
  backend,
  outbox,
  sampleReport,
  setupDesk,
  startHarness,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { runDueReleases } from '../../src/app/releases/run.ts';
import { loadShippedProfileText } from '../../src/process/loader.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { requestPortalLink } from '../../src/app/stakeholders/portal-auth.ts';
import { addOrg as addTestOrg, aliasKey, portalSession, type TestOrg } from '../support/portal.ts';

// What the timed releases do when things do not go to plan, and what stakeholder input may not do:
// an exploit made public mid-embargo tells every tier and the reporter in one scheduler pass and
// nothing more happens on the old schedule; under export control no path hands out the fix; a
// revised timeline is told to the tiers already told; hostile applications change nothing.

let h: Harness;
let tina: Member, hank: Member, admin: Member;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let t0: number;
const at = (ms: number) => new Date(t0 + ms).toISOString();

type Org = TestOrg;

const addOrg = (name: string, alias: string, tier: string) => addTestOrg(h, tina, name, alias, [{ project: 'tf-a', tier }]);

/** A portal request, on a session opened now (a session lasts hours; the tests jump days). */
async function portal(org: Org, method: string, url: string, fresh = true) {
  if (fresh) Object.assign(org, await portalSession(h, org.alias));
  const res = await h.server.inject({
    method: method as 'GET',
    url,
    headers: { cookie: org.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': org.csrf }) },
  });
  return { status: res.statusCode, body: res.body, json: res.json() as any };
}

async function newIncident(title: string): Promise<{ reportId: string; ref: string; token: string }> {
  const r = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title } });
  const reportId = r.json.reportId as string;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title, projects: ['tf-a'] } });
  assert.equal(acc.status, 200, acc.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
  return { reportId, ref: acc.json.incidentRef, token: r.json.statusToken };
}

async function agree(c: { reportId: string; token: string }, ess: number, trusted: number, publicAt: number) {
  const p = await api(h, 'POST', `/api/reports/${c.reportId}/embargo/proposals`, {
    as: hank,
    body: {
      tiers: [
        { tier: 'ess', endsAt: at(ess) },
        { tier: 'trusted-stakeholders', endsAt: at(trusted) },
      ],
      publicAt: at(publicAt),
      timeZone: 'UTC',
    },
  });
  assert.equal(p.status, 201, p.body);
  assert.equal((await api(h, 'POST', `/api/reporter/${c.token}/embargo/answer`, { body: { answer: 'accept' } })).status, 200);
}

async function fixReady(reportId: string, patch: string) {
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/fix/items`, { as: hank, body: { kind: 'patch', text: patch } })).status,
    201,
  );
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: hank })).status, 200);
}

const mailsTo = async (reportId: string, alias: string) => (await outbox(h, reportId)).filter((m) => m.to.includes(alias));
const pass = async (iso: string) => {
  h.clock.set(iso);
  return runDueReleases(h.app, h.clock.now);
};

let ess: Org, trusted: Org;
/** Each test runs on the shared clock after the one before. */
const B2 = 20 * DAY;
const B3 = 40 * DAY;

before(async () => {
  t0 = Math.ceil((Date.now() + HOUR) / HOUR) * HOUR;
  h = await startHarness({ clock: new Date(t0).toISOString() });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  h.clock.set(at(0));
  ess = await addOrg('Distro One', 'ess@distro.example', 'ess');
  trusted = await addOrg('Vendor Two', 'psirt@vendor.example', 'trusted-stakeholders');
});
after(() => h.close());

test('an exploit made public mid-embargo tells every tier and the reporter in one pass; the old schedule is void', async () => {
  const c = await newIncident('Loader overflow one');
  await agree(c, 10 * DAY, 15 * DAY, 20 * DAY);
  h.clock.set(at(DAY));
  await fixReady(c.reportId, 'https://review.example/c/1');
  assert.equal((await pass(at(DAY))).done, 1);
  assert.equal((await mailsTo(c.reportId, ess.alias)).length, 1);
  assert.equal((await mailsTo(c.reportId, trusted.alias)).length, 0);

  h.clock.set(at(2 * DAY));
  const flag = await api(h, 'POST', `/api/reports/${c.reportId}/disclosure-flags`, {
    as: hank,
    body: { flag: 'exploit_public', evidence: 'A proof of concept was posted to a public mailing list.' },
  });
  assert.equal(flag.status, 200, flag.body);
  const reporterTold = (await api(h, 'GET', `/api/reporter/${c.token}`)).json.messages.at(-1).body as string;
  assert.match(reporterTold, /The embargo has ended/);
  const r = await pass(at(2 * DAY));
  assert.equal(r.done, 1, 'one pass');
  for (const org of [ess, trusted]) {
    const ended = (await mailsTo(c.reportId, org.alias)).at(-1)!;
    assert.match(ended.subject, /the embargo has ended/);
    assert.match(ended.body, /an exploit is public/);
  }
  assert.equal((await portal(trusted, 'GET', `/api/portal/cases/${c.ref}`)).status, 200, 'the tier not told before sees it now');
  const trustedMails = (await mailsTo(c.reportId, trusted.alias)).length;
  assert.equal((await pass(at(10 * DAY))).done, 0, 'no tier notice on the old schedule');
  assert.equal((await pass(at(15 * DAY))).done, 0, 'the fix is not made public on the old schedule');
  assert.equal((await mailsTo(c.reportId, trusted.alias)).length, trustedMails);
  const releases = (await api(h, 'GET', `/api/reports/${c.reportId}`, { as: hank })).json.releases as any[];
  assert.deepEqual(
    releases.map((x) => [x.kind, x.state]),
    [
      ['tier_notice', 'done'],
      ['embargo_ended', 'done'],
    ],
  );
});

test('under export control no path hands out the fix: not the mail, not the portal, not a guessed attachment URL', async () => {
  const c = await newIncident('Loader overflow two');
  const hold = await api(h, 'PUT', `/api/reports/${c.reportId}/fix/export-control`, {
    as: hank,
    body: { controlled: true, note: 'Crypto export rules of the vendor.' },
  });
  assert.equal(hold.status, 200, hold.body);
  h.clock.set(at(B2));
  await agree(c, B2 + 10 * DAY, B2 + 15 * DAY, B2 + 20 * DAY);
  const upload = await api(h, 'POST', `/api/reports/${c.reportId}/attachments`, {
    as: hank,
    body: {
      filename: 'fix.patch',
      contentType: 'text/x-patch',
      contentBase64: Buffer.from('--- a\n+++ b\nSECRET-PATCH\n').toString('base64'),
    },
  });
  await fixReady(c.reportId, 'https://review.example/c/SECRET-PATCH');
  assert.equal((await pass(at(B2))).done, 1, 'the ESS tier is told, without the fix');
  const notice = (await mailsTo(c.reportId, ess.alias)).at(-1)!;
  assert.match(notice.body, /cannot be shared: export-control restrictions/);
  assert.doesNotMatch(notice.body, /SECRET-PATCH/);
  const seen = await portal(ess, 'GET', `/api/portal/cases/${c.ref}`);
  assert.equal(seen.status, 200, seen.body);
  assert.equal(seen.json.briefing.fix.state, 'export-controlled');
  assert.deepEqual(seen.json.briefing.fix.items, []);
  assert.doesNotMatch(seen.body, /SECRET-PATCH/);
  for (const url of [
    `/api/reports/${c.reportId}`,
    `/api/reports/${c.reportId}/attachments/${upload.json?.id ?? '00000000-0000-4000-8000-000000000000'}`,
    `/api/portal/cases/${c.ref}/fix`,
    `/api/portal/cases/${c.ref}/attachments/${upload.json?.id ?? '00000000-0000-4000-8000-000000000000'}`,
  ]) {
    const res = await portal(ess, 'GET', url);
    assert.ok([401, 404].includes(res.status), `${url}: ${res.status}`);
    assert.doesNotMatch(res.body, /SECRET-PATCH/);
  }
  assert.equal((await pass(at(B2 + 10 * DAY))).done, 1, 'the trusted tier is told, without the fix');
  assert.doesNotMatch((await mailsTo(c.reportId, trusted.alias)).at(-1)!.body, /SECRET-PATCH/);
  assert.equal((await pass(at(B2 + 15 * DAY))).done, 1);
  const fix = (await api(h, 'GET', `/api/reports/${c.reportId}`, { as: hank })).json;
  assert.match(fix.releases.find((x: any) => x.kind === 'fix_public').outcome, /export control/);
  assert.ok(
    !(await outbox(h, c.reportId)).some(
      (m) => !m.to.some((t) => t.endsWith('@tf.example') || t.includes('trustedfirmware')) && /SECRET-PATCH/.test(m.body),
    ),
  );
});

test('a revised timeline is told to the tiers already told, and only to them', async () => {
  const c = await newIncident('Loader overflow three');
  h.clock.set(at(B3));
  await agree(c, B3 + 10 * DAY, B3 + 15 * DAY, B3 + 20 * DAY);
  await fixReady(c.reportId, 'https://review.example/c/3');
  assert.equal((await pass(at(B3))).done, 1);
  // A revision, agreed: a new proposal the reporter accepts.
  await agree(c, B3 + 12 * DAY, B3 + 16 * DAY, B3 + 21 * DAY);
  const agreed = await h.app.db.query(
    `SELECT p.id FROM embargo_proposals p JOIN incidents i ON i.id = p.incident_id WHERE i.report_id = $1 AND p.status = 'accepted'`,
    [c.reportId],
  );
  assert.equal(agreed.rows.length, 1, 'the revision supersedes the timeline agreed before');
  const update = (await mailsTo(c.reportId, ess.alias)).at(-1)!;
  assert.match(update.subject, /the disclosure timeline changed/);
  assert.match(update.body, /Public disclosure/);
  assert.equal((await mailsTo(c.reportId, trusted.alias)).length, 0, 'a tier not told learns nothing of it');
  assert.equal((await pass(at(B3 + 10 * DAY))).done, 0, 'the old instant is void');
  assert.equal((await pass(at(B3 + 12 * DAY))).done, 1, 'the trusted tier is told at the new instant');
});

test('hostile applications are refused with a clear error and change nothing', async () => {
  const k = await aliasKey('Applicant', 'sec@applicant.example');
  const base = {
    name: 'Applicant Ltd',
    alias: 'sec@applicant.example',
    about: 'We build boards on TF-A and ship updates to customers.',
    timeZone: 'Europe/Paris',
    project: 'tf-a',
    tier: 'ess',
    publicKey: k.publicKey,
    statement: 'We keep embargoed details confidential until the public disclosure.',
    acceptsPolicy: true,
  };
  const count = async () => Number((await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM stakeholder_orgs')).rows[0]!.n);
  const n = await count();
  const other = await aliasKey('Someone Else', 'other@else.example');
  const { privateKey } = await generateKey({ type: 'curve25519', userIDs: [{ email: 'sec@applicant.example' }], format: 'armored' });
  for (const [bad, code] of [
    [{ publicKey: 'not a key' }, 400],
    [{ publicKey: privateKey }, 400],
    [{ publicKey: other.publicKey }, 400],
    [{ tier: 'inner-circle' }, 400],
    [{ project: 'no-such-project' }, 400],
    [{ acceptsPolicy: false }, 400],
    [{ timeZone: 'Mars/Olympus' }, 400],
    [{ alias: 'not an address' }, 400],
    [{ extra: 1 }, 400],
  ] as const) {
    const r = await api(h, 'POST', '/api/stakeholders/applications', { body: { ...base, ...bad } });
    assert.equal(r.status, code, `${JSON.stringify(bad).slice(0, 60)}: ${r.body}`);
    assert.equal(typeof r.json.error.message, 'string');
  }
  assert.equal(await count(), n, 'nothing stored');
  assert.equal((await api(h, 'POST', '/api/stakeholders/applications', { body: base })).status, 201);
  const again = await api(h, 'POST', '/api/stakeholders/applications', { body: { ...base, name: 'Someone Probing' } });
  assert.equal(again.status, 201, 'the same answer: the public door does not tell which aliases are known');
  assert.equal(await count(), n + 1, 'one application per alias');
  assert.equal((await api(h, 'POST', '/api/stakeholders/applications', { body: { ...base, alias: ess.alias } })).status, 400);
});

test('a removed organisation is told nothing more and its portal session ends', async () => {
  const gone = await addOrg('Gone Corp', 'sec@gone.example', 'ess');
  assert.equal((await portal(gone, 'GET', '/api/portal/cases')).status, 200);
  assert.equal((await api(h, 'DELETE', `/api/stakeholders/${gone.id}`, { as: tina })).status, 204);
  assert.equal((await portal(gone, 'GET', '/api/portal/cases', false)).status, 401);
  await requestPortalLink({ app: h.app, principal: { kind: 'anonymous' } }, { alias: gone.alias });
  const links = await h.app.db.query('SELECT 1 FROM stakeholder_links WHERE org_id = $1 AND used_at IS NULL', [gone.id]);
  assert.equal(links.rows.length, 0, 'no link for a removed organisation');
});

test(`two servers passing at once (${backend === 'postgres' ? 'two App instances, two connection pools' : 'two concurrent passes'}): every release once`, async () => {
  const B4 = 60 * DAY;
  await pass(at(B4)); // what the tests before left due
  const cases = [];
  for (let i = 0; i < 6; i++) {
    const c = await newIncident(`Loader overflow ${i + 10}`);
    await agree(c, B4 + 10 * DAY, B4 + 15 * DAY, B4 + 20 * DAY);
    await fixReady(c.reportId, `https://review.example/c/${i + 10}`);
    cases.push(c);
  }
  let second = h.app;
  if (backend === 'postgres') {
    const schema = (await h.app.db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    second = await createApp(h.app.config, { clock: h.clock.fn, schema });
  }
  try {
    for (const instant of [B4, B4 + 10 * DAY, B4 + 15 * DAY]) {
      h.clock.set(at(instant));
      const [a, b] = await Promise.all([runDueReleases(h.app, h.clock.now, 'one'), runDueReleases(second, h.clock.now, 'two')]);
      assert.equal(a.done + b.done, cases.length, `at day ${(instant - B4) / DAY}: each release of each case once`);
      assert.deepEqual([...a.failures, ...b.failures], []);
    }
    for (const c of cases) {
      assert.equal((await mailsTo(c.reportId, ess.alias)).length, 2, 'the ESS notice and the fix made public, once each');
      assert.equal((await mailsTo(c.reportId, trusted.alias)).length, 2, 'the trusted notice and the fix made public, once each');
    }
  } finally {
    if (second !== h.app) await second.db.close();
  }
});

test('a revision to a later public instant holds a publication scheduled before it, and the team is told', async () => {
  const B5 = 90 * DAY;
  await pass(at(B5));
  const c = await newIncident('Loader overflow held');
  await agree(c, B5 + 10 * DAY, B5 + 15 * DAY, B5 + 20 * DAY);
  const created = await api(h, 'POST', `/api/reports/${c.reportId}/advisories`, { as: hank, body: {} });
  const advisoryId = created.json.advisoryId as string;
  // Scheduled at the agreed instant, as the desk does by default (stored directly: the drafting is tested elsewhere).
  await h.app.db.query(`UPDATE advisories SET state = 'published', published_version = head_version, publish_at = $2 WHERE id = $1`, [
    advisoryId,
    at(B5 + 20 * DAY),
  ]);
  // A revision, agreed: a new proposal the reporter accepts.
  await agree(c, B5 + 12 * DAY, B5 + 18 * DAY, B5 + 25 * DAY);
  const row = await h.app.db.query<{ publish_at: Date }>('SELECT publish_at FROM advisories WHERE id = $1', [advisoryId]);
  assert.equal(new Date(row.rows[0]!.publish_at).toISOString(), at(B5 + 25 * DAY), 'not public at the old instant');
  const notes = (await api(h, 'GET', `/api/reports/${c.reportId}`, { as: hank })).json.thread.map((m: any) => m.body as string);
  assert.ok(notes.some((b: string) => /now waits for the new public instant/.test(b)));
});

test('a profile that has updates reviewed keeps them for a team member to send or discard; an ended embargo is told at once', async () => {
  const B6 = 120 * DAY;
  await pass(at(B6));
  const yaml = loadShippedProfileText('trusted-firmware')
    .replace(/^embargo:\n/m, 'embargo:\n  updates: after-review\n')
    .replace(
      /^templates:\n/m,
      'templates:\n  stakeholder_update:\n    audience: stakeholders\n    subject: "[TF Security] {{incident_id}}: update for stakeholders"\n    body: |\n      {{status}}\n\n      {{details}}\n',
    );
  const edited = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml } });
  assert.equal(edited.status, 200, edited.body);
  try {
    const c = await newIncident('Loader overflow reviewed');
    await agree(c, B6 + 10 * DAY, B6 + 15 * DAY, B6 + 20 * DAY);
    await fixReady(c.reportId, 'https://review.example/c/reviewed');
    assert.equal((await pass(at(B6))).done, 1, 'the tier notice itself is no update: it goes at its instant');
    const before = (await mailsTo(c.reportId, ess.alias)).length;
    const sev = await api(h, 'POST', `/api/reports/${c.reportId}/severity`, {
      as: hank,
      body: { severity: 'high', reason: 'It is worse than we thought.' },
    });
    const sev2 = await api(h, 'POST', `/api/reports/${c.reportId}/severity`, {
      as: hank,
      body: { severity: 'critical', reason: 'Remote after all, it turns out.' },
    });
    assert.ok(
      [sev.status, sev2.status].every((x) => x === 200),
      `${sev.body} ${sev2.body}`,
    );
    assert.equal((await mailsTo(c.reportId, ess.alias)).length, before, 'nothing goes before the review');
    const view = (await api(h, 'GET', `/api/reports/${c.reportId}`, { as: hank })).json;
    assert.equal(view.stakeholderUpdates.length, 1);
    assert.match(view.stakeholderUpdates[0].lead, /changed from high to critical/);
    const cora = (await api(h, 'GET', `/api/reports/${c.reportId}`, { as: tina })).json.stakeholderUpdates.length;
    assert.equal(cora, 1, 'the central team sees it too');
    const id = view.stakeholderUpdates[0].id as string;
    const sent = await api(h, 'POST', `/api/reports/${c.reportId}/stakeholder-updates/${id}`, { as: hank, body: { decision: 'send' } });
    assert.equal(sent.status, 200, sent.body);
    assert.equal(sent.json.mailed, 1);
    const update = (await mailsTo(c.reportId, ess.alias)).at(-1)!;
    assert.match(update.subject, /^\[TF Security\] TF-\d{4}-\d{4}: update for stakeholders$/, "the profile's template");
    assert.match(update.body, /changed from high to critical[\s\S]*Public disclosure/);
    const again = await api(h, 'POST', `/api/reports/${c.reportId}/stakeholder-updates/${id}`, { as: hank, body: { decision: 'send' } });
    assert.equal(again.status, 404, 'an update is decided once');
    const flag = await api(h, 'POST', `/api/reports/${c.reportId}/disclosure-flags`, {
      as: hank,
      body: { flag: 'attacks_observed', evidence: 'Our partner saw it exploited in the wild.' },
    });
    assert.equal(flag.status, 200, flag.body);
    assert.equal((await pass(at(B6 + HOUR))).done, 1);
    assert.match((await mailsTo(c.reportId, trusted.alias)).at(-1)!.body, /has ended early/, 'an ended embargo is told at once');
  } finally {
    const back = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: loadShippedProfileText('trusted-firmware') } });
    assert.equal(back.status, 200, back.body);
  }
});

test("a timeline ending on an organisation's public holiday is a warning to the team; a region that is none is refused", async () => {
  const B7 = 150 * DAY;
  await pass(at(B7));
  const k = await aliasKey('Holiday Corp', 'sec@holiday.example');
  const body = {
    name: 'Holiday Corp',
    alias: 'sec@holiday.example',
    timeZone: 'America/New_York',
    publicKey: k.publicKey,
    fingerprint: k.fingerprint,
    tiers: [{ project: 'tf-a', tier: 'trusted-stakeholders' }],
  };
  const bad = await api(h, 'POST', '/api/stakeholders', { as: tina, body: { ...body, holidayRegion: 'XX-NOPE' } });
  assert.equal(bad.status, 400, bad.body);
  assert.match(bad.body, /not a holiday region/);
  const added = await api(h, 'POST', '/api/stakeholders', { as: tina, body: { ...body, holidayRegion: 'us' } });
  assert.equal(added.status, 201, added.body);
  assert.equal(added.json.holidayRegion, 'US');
  const c = await newIncident('Loader overflow on a holiday');
  // Memorial Day 2027 is Monday 31 May; 15:00 UTC is 11:00 in New York.
  const p = await api(h, 'POST', `/api/reports/${c.reportId}/embargo/proposals`, {
    as: hank,
    body: {
      tiers: [
        { tier: 'ess', endsAt: '2027-05-31T15:00:00Z' },
        { tier: 'trusted-stakeholders', endsAt: '2027-06-08T15:00:00Z' },
      ],
      publicAt: '2027-06-15T15:00:00Z',
      timeZone: 'UTC',
    },
  });
  assert.equal(p.status, 201, p.body);
  assert.deepEqual(p.json.warnings, ['tiers[0].endsAt falls on Memorial Day, a public holiday in US where a stakeholder organisation is']);
  const seen = (await api(h, 'GET', `/api/reporter/${c.token}`)).json;
  assert.doesNotMatch(JSON.stringify(seen), /Memorial Day|stakeholder organisation is/, 'the reporter is not told where stakeholders are');
});
