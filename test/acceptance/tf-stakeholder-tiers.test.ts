import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, sampleReport, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startGpg, validSigPrimary, type GpgKey, type GpgPeer } from '../support/gpg.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor, teamPublicKey } from '../../src/app/keys/keys.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { runDueReleases } from '../../src/app/releases/run.ts';
import { emitPublicationEvents } from '../../src/app/advisories/publication-events.ts';
import { TF_A_AFFECTED } from '../support/advisory-parts.ts';
import { startCveServicesMock, type CveServicesMock } from '../support/cve-services-mock.ts';

// Trusted Firmware's project handling, steps 5–10, with an injected clock: the timeline agreed with the
// reporter; the fix recorded and marked ready, which tells the ESS tier at once (the primary embargo);
// at the end of the primary embargo the trusted stakeholders are told by the scheduler, nobody pressing
// anything; at the end of the secondary the fix is public; at the public instant the advisory is, and
// the reporter is told. Each organisation receives its own copy encrypted to its alias's key (GnuPG
// decrypts it and checks the desk's signature), signs in to the portal with a link that reaches only
// that key, and sees the incident from its tier's instant on and never before; an organisation of
// another project or tier gets "not found" for everything of the case.

let h: Harness;
let sink: SmtpSink;
let admin: Member, tina: Member, hank: Member, tom: Member, cora: Member;
let reportId: string, ref: string, token: string;
let teamFingerprint: string;
let cna: CveServicesMock;
const CNA_KEY = 'cna-secret-key-tiers-1234';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let t0: number;
const at = (ms: number) => new Date(t0 + ms).toISOString();

interface Org {
  name: string;
  alias: string;
  peer: GpgPeer;
  key: GpgKey;
  id?: string;
  csrf?: string;
  cookie?: string;
}
const orgs: Record<'distro' | 'vendor' | 'other', Org> = {} as never;

async function makeOrg(name: string, alias: string): Promise<Org> {
  const peer = await startGpg();
  const key = await peer.generateKey(`${name} Security <${alias}>`);
  await peer.importKey((await teamPublicKey(h.app.db))!.armored);
  return { name, alias, peer, key };
}

/** The desk's mail to an address since the last look, decrypted by the organisation's own GnuPG. */
async function mailTo(org: Org): Promise<string[]> {
  await runDeliveryPass(h.app);
  const mine = sink.received.filter((m) => m.rcptTo.includes(org.alias));
  sink.received.splice(0, sink.received.length, ...sink.received.filter((m) => !m.rcptTo.includes(org.alias)));
  const out: string[] = [];
  for (const m of mine) {
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(m.raw.toString('latin1'));
    assert.ok(armored, `the copy to ${org.alias} is encrypted`);
    const r = await org.peer.decrypt(armored[0]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(validSigPrimary(r.status), teamFingerprint, 'signed by the team key');
    out.push(
      r.stdout
        .toString('utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=3D/g, '='),
    );
  }
  return out;
}

async function signInToPortal(org: Org): Promise<void> {
  const asked = await api(h, 'POST', '/api/portal/sign-in', { body: { alias: org.alias } });
  assert.equal(asked.status, 202, asked.body);
  const [mail] = await mailTo(org);
  const link = /\/portal\/sign-in\/([A-Za-z0-9_-]+)/.exec(mail ?? '');
  assert.ok(link, 'the sign-in link is in the encrypted mail');
  const res = await h.server.inject({ method: 'POST', url: `/api/portal/sign-in/${link[1]}` });
  assert.equal(res.statusCode, 200, res.body);
  org.csrf = res.json().csrfToken;
  org.cookie = String(res.headers['set-cookie']).split(';')[0];
  const again = await h.server.inject({ method: 'POST', url: `/api/portal/sign-in/${link[1]}` });
  assert.equal(again.statusCode, 404, 'a link signs in once');
}

async function portal(org: Org, method: string, url: string, body?: unknown) {
  const res = await h.server.inject({
    method: method as 'GET',
    url,
    headers: { cookie: org.cookie!, ...(method === 'GET' ? {} : { 'x-csrf-token': org.csrf! }) },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: res.statusCode, json: res.statusCode < 500 ? (res.json() as any) : null, body: res.body };
}

async function pass(iso: string) {
  h.clock.set(iso);
  return runDueReleases(h.app, h.clock.now);
}

before(async () => {
  t0 = Math.ceil(Date.now() / HOUR) * HOUR;
  h = await startHarness({ clock: new Date(t0).toISOString() });
  cna = await startCveServicesMock({ now: () => h.clock.now });
  cna.addOrg('TrustedFW', 'cna@tf.example', CNA_KEY, { idQuota: 20 });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  tom = await addMember(h, admin, { name: 'Tom Reviewer', email: 'tom@tf.example', teams: ['tf-a-security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  // OpenPGP.js signs at the real time: the team key may not be younger than that.
  h.clock.set(new Date().toISOString());
  teamFingerprint = (await generateTeamKeyFor(admin.ctx, {})).fingerprint;
  orgs.distro = await makeOrg('Distro One', 'ess@distro.example');
  orgs.vendor = await makeOrg('Vendor Two', 'psirt@vendor.example');
  orgs.other = await makeOrg('Other Project Org', 'sec@other.example');
  t0 = Math.ceil((Date.now() + HOUR) / HOUR) * HOUR;
  h.clock.set(at(0));

  // Distro One is registered by the central team, its key confirmed by the fingerprint it read out.
  const added = await api(h, 'POST', '/api/stakeholders', {
    as: tina,
    body: {
      name: orgs.distro.name,
      alias: orgs.distro.alias,
      timeZone: 'Europe/Berlin',
      publicKey: orgs.distro.key.publicArmored,
      fingerprint: orgs.distro.key.fingerprint.replace(/(.{4})/g, '$1 '),
      tiers: [{ project: 'tf-a', tier: 'ess' }],
    },
  });
  assert.equal(added.status, 201, added.body);
  orgs.distro.id = added.json.id;
  // Vendor Two applies; a wrong fingerprint is refused and changes nothing; the right one approves it.
  const applied = await api(h, 'POST', '/api/stakeholders/applications', {
    body: {
      name: orgs.vendor.name,
      alias: orgs.vendor.alias,
      about: 'We ship TF-A in our boards and need early warning to patch them.',
      timeZone: 'America/New_York',
      project: 'tf-a',
      tier: 'trusted-stakeholders',
      publicKey: orgs.vendor.key.publicArmored,
      statement: 'We keep embargoed details confidential until the public disclosure.',
      acceptsPolicy: true,
    },
  });
  assert.equal(applied.status, 201, applied.body);
  assert.equal(applied.json.fingerprint, orgs.vendor.key.fingerprint, 'the fingerprint the central team will check');
  orgs.vendor.id = (await api(h, 'GET', '/api/stakeholders', { as: tina })).json.find((o: any) => o.alias === orgs.vendor.alias).id;
  const wrong = await api(h, 'POST', `/api/stakeholders/${orgs.vendor.id}/decision`, {
    as: tina,
    body: { decision: 'approve', fingerprint: orgs.distro.key.fingerprint },
  });
  assert.equal(wrong.status, 400, wrong.body);
  assert.equal((await api(h, 'GET', '/api/stakeholders', { as: tina })).json.find((o: any) => o.id === orgs.vendor.id).status, 'applied');
  const approved = await api(h, 'POST', `/api/stakeholders/${orgs.vendor.id}/decision`, {
    as: tina,
    body: { decision: 'approve', fingerprint: orgs.vendor.key.fingerprint },
  });
  assert.equal(approved.status, 200, approved.body);
  assert.equal(approved.json.status, 'approved');
  const other = await api(h, 'POST', '/api/stakeholders', {
    as: tina,
    body: {
      name: orgs.other.name,
      alias: orgs.other.alias,
      timeZone: 'UTC',
      publicKey: orgs.other.key.publicArmored,
      fingerprint: orgs.other.key.fingerprint,
      tiers: [{ project: 'tf-m', tier: 'ess' }],
    },
  });
  assert.equal(other.status, 201, other.body);
  assert.equal((await api(h, 'GET', '/api/stakeholders', { as: hank })).status, 403, 'a project member does not manage stakeholders');

  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  token = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 overflow', projects: ['tf-a'] } });
  assert.equal(acc.status, 200, acc.body);
  ref = acc.json.incidentRef;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } })).status, 200);
  for (const o of Object.values(orgs)) await signInToPortal(o);
});
after(async () => {
  await sink?.close();
  await cna?.close();
  for (const o of Object.values(orgs ?? {})) await o.peer.close();
  await h?.close();
});

const ESS_ENDS = 10 * DAY;
const TRUSTED_ENDS = 15 * DAY;
const PUBLIC_AT = 17 * DAY;

test('P5: the timeline is agreed with the reporter; nobody outside the teams is told before the fix is ready', async () => {
  const proposed = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: hank,
    body: {
      tiers: [
        { tier: 'ess', endsAt: at(ESS_ENDS) },
        { tier: 'trusted-stakeholders', endsAt: at(TRUSTED_ENDS) },
      ],
      publicAt: at(PUBLIC_AT),
      timeZone: 'Europe/London',
    },
  });
  assert.equal(proposed.status, 201, proposed.body);
  assert.equal((await api(h, 'POST', `/api/reporter/${token}/embargo/answer`, { body: { answer: 'accept' } })).status, 200);
  const r = await pass(at(HOUR));
  assert.equal(r.done, 0, 'nothing is due before the fix is ready');
  for (const o of Object.values(orgs)) {
    assert.deepEqual((await portal(o, 'GET', '/api/portal/cases')).json, []);
    assert.equal((await portal(o, 'GET', `/api/portal/cases/${ref}`)).status, 404);
  }
});

test('P6: the fix is ready: the ESS tier receives it at once, encrypted to its key; the trusted tier sees nothing yet', async () => {
  h.clock.set(at(2 * DAY));
  // A portal session lasts hours, not days: each signs in again (a new link, to its key).
  for (const o of Object.values(orgs)) await signInToPortal(o);
  const item = await api(h, 'POST', `/api/reports/${reportId}/fix/items`, {
    as: hank,
    body: { kind: 'patch', text: 'https://review.trustedfirmware.org/c/TF-A/trusted-firmware-a/+/31337' },
  });
  assert.equal(item.status, 201, item.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: hank })).status, 200);
  const r = await pass(at(2 * DAY));
  assert.equal(r.done, 1, r.failures.map((f) => f.message).join('; '));
  const [notice, ...more] = await mailTo(orgs.distro);
  assert.equal(more.length, 0, 'one notice');
  assert.match(notice!, /Distro One is among the Enhanced security stakeholders/);
  assert.match(notice!, /\+\/31337/, 'the fix is in it');
  assert.match(notice!, /Public disclosure/);
  assert.doesNotMatch(notice!, /Rita|rita@|Example Research/, "nothing of the reporter's identity");
  assert.deepEqual(await mailTo(orgs.vendor), [], 'the trusted tier is told nothing yet');
  assert.deepEqual(await mailTo(orgs.other), []);

  const seen = await portal(orgs.distro, 'GET', `/api/portal/cases/${ref}`);
  assert.equal(seen.status, 200, seen.body);
  assert.equal(seen.json.briefing.fix.state, 'shared');
  assert.equal(seen.json.received.length, 1);
  assert.equal((await portal(orgs.vendor, 'GET', `/api/portal/cases/${ref}`)).status, 404, 'the trusted tier: not before its instant');
  assert.equal((await portal(orgs.other, 'GET', `/api/portal/cases/${ref}`)).status, 404, 'another project: never');
  assert.equal((await portal(orgs.other, 'POST', `/api/portal/cases/${ref}/questions`, { body: 'Anything for us?' })).status, 404);

  assert.equal((await portal(orgs.distro, 'POST', `/api/portal/cases/${ref}/acknowledge`)).status, 200);
  assert.equal((await portal(orgs.distro, 'POST', `/api/portal/cases/${ref}/questions`, { body: 'Does 2.9 need it too?' })).status, 201);
  const d = (await api(h, 'GET', `/api/reports/${reportId}`, { as: hank })).json.stakeholders as any[];
  const distro = d.find((o) => o.name === 'Distro One');
  assert.ok(distro.openedAt && distro.acknowledgedAt, 'the handler sees it opened and acknowledged');
  assert.equal(distro.thread[0].body, 'Does 2.9 need it too?');
  assert.equal(d.find((o) => o.name === 'Vendor Two').releasedAt, null);
  const answered = await api(h, 'POST', `/api/reports/${reportId}/stakeholders/${orgs.distro.id}/answers`, {
    as: hank,
    body: { body: 'Yes: 2.9 is affected and gets the same patch.' },
  });
  assert.equal(answered.status, 201, answered.body);
  assert.match((await mailTo(orgs.distro))[0]!, /2\.9 is affected/);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/stakeholders/${orgs.vendor.id}/answers`, { as: hank, body: { body: 'Hello' } })).status,
    404,
    'no answer to an organisation not told',
  );
});

test('P7: at the end of the primary embargo the scheduler tells the trusted tier, at the instant and not before', async () => {
  assert.equal((await pass(at(ESS_ENDS - 60_000))).done, 0);
  await signInToPortal(orgs.vendor);
  assert.equal((await portal(orgs.vendor, 'GET', `/api/portal/cases/${ref}`)).status, 404);
  assert.equal((await pass(at(ESS_ENDS))).done, 1);
  const [notice] = await mailTo(orgs.vendor);
  assert.match(notice!, /Vendor Two is among the Trusted stakeholders/);
  // t0 follows the real time (OpenPGP.js signs at it), so the expected date is computed from it.
  const trustedEnds = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', dateStyle: 'long' }).format(
    new Date(at(TRUSTED_ENDS)),
  );
  assert.match(notice!, new RegExp(`${trustedEnds}, \\d\\d:00 GMT-[45]`), "dates in the organisation's own zone");
  const seen = await portal(orgs.vendor, 'GET', '/api/portal/cases');
  assert.deepEqual(
    seen.json.map((c: any) => c.ref),
    [ref],
  );
  const mine = (await portal(orgs.vendor, 'GET', `/api/portal/cases/${ref}`)).json;
  assert.deepEqual(mine.thread, [], "another organisation's questions are not shown");
  assert.deepEqual(await mailTo(orgs.distro), [], 'the ESS tier is not told twice');
  assert.equal((await pass(at(ESS_ENDS + HOUR))).done, 0, 'a release happens once');
  // Who is warned early is the security teams' to know: not someone pulled into the case.
  const pulledIn = await api(h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.equal(pulledIn.status, 200);
  assert.deepEqual(pulledIn.json.stakeholders, []);
  assert.doesNotMatch(pulledIn.body, /Distro One|Vendor Two|distro\.example|vendor\.example/);
});

test('P9–P10: drafts go to the tiers told; the advisory cannot be public before the agreed instant and is public at it', async () => {
  const cvss = await api(h, 'PUT', `/api/reports/${reportId}/cvss`, {
    as: hank,
    body: { vectors: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] },
  });
  assert.equal(cvss.status, 200, cvss.body);
  // The team's CNA account (the local CVE Services built from its API description): the id comes from it.
  const account = await api(h, 'PUT', '/api/cve/account', {
    as: admin,
    body: { url: cna.url, shortName: 'TrustedFW', user: 'cna@tf.example', apiKey: CNA_KEY },
  });
  assert.equal(account.status, 200, account.body);
  const reserved = await api(h, 'POST', '/api/cve/pool/reserve', { as: tina, body: { amount: 1 } });
  assert.equal(reserved.status, 201, reserved.body);
  const cveId = reserved.json.added[0] as string;
  const created = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: hank, body: {} });
  assert.equal(created.status, 201, created.body);
  const advisoryId = created.json.advisoryId as string;
  assert.equal((await api(h, 'POST', `/api/advisories/${advisoryId}/cve`, { as: hank })).status, 201);
  const doc = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: hank })).json.head.document;
  const saved = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
    as: hank,
    body: {
      document: {
        ...doc,
        summary: 'A crafted FIP image overflows a stack buffer in BL2.',
        description: 'BL2 copies the image header into a fixed-size stack buffer without checking its length.',
        affected: [TF_A_AFFECTED],
        references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
        mitigation: 'Only boot images signed by your own key.',
      },
    },
  });
  assert.equal(saved.status, 201, saved.body);
  const v = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: hank })).json.headVersion;
  const circulated = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: hank,
    body: { audience: 'stakeholders', version: v },
  });
  assert.equal(circulated.status, 201, circulated.body);
  assert.deepEqual(circulated.json.recipients.sort(), [orgs.distro.alias, orgs.vendor.alias]);
  assert.match((await mailTo(orgs.vendor))[0]!, /DRAFT advisory/);
  assert.match((await mailTo(orgs.distro))[0]!, /DRAFT advisory/);
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: v, verdict: 'approved' } })).status,
    201,
  );
  const early = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, {
    as: hank,
    body: { publishAt: at(PUBLIC_AT - DAY), notifyReporter: true },
  });
  assert.equal(early.status, 400, early.body);
  assert.deepEqual(early.json.error.details, [{ path: 'publishAt', message: 'is before the agreed public instant' }]);
  const pub = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: hank, body: { notifyReporter: true } });
  assert.equal(pub.status, 200, pub.body);
  assert.equal(pub.json.publishAt, at(PUBLIC_AT), 'the agreed public instant drives the publication');

  assert.equal((await pass(at(TRUSTED_ENDS))).done, 1, 'P8: the fix is public at the end of the secondary embargo');
  assert.match((await mailTo(orgs.vendor))[0]!, /the fix is public/i);
  const reporterMessages = async () =>
    (await api(h, 'GET', `/api/reporter/${token}`)).json.messages
      .map((m: any) => m.body as string)
      .filter((b: string) => /The advisory is public/.test(b));
  const before = (await reporterMessages()).length;
  await emitPublicationEvents(h.app, new Date(at(PUBLIC_AT - 1000)));
  assert.equal((await pass(at(PUBLIC_AT - 1000))).done, 0);
  h.clock.set(at(PUBLIC_AT));
  await emitPublicationEvents(h.app, h.clock.now);
  assert.equal(cna.records.size, 0, 'no CVE record before the public instant');
  const atPublic = await pass(at(PUBLIC_AT));
  assert.deepEqual(atPublic.failures, []);
  assert.equal(atPublic.done, 2, 'at the public instant: the CVE record published, the reporter told');
  assert.equal((cna.records.get(cveId) as any).cveMetadata.state, 'PUBLISHED');
  assert.equal(before, 0, 'not told it is public before it is');
  const told = await reporterMessages();
  assert.equal(told.length, 1, 'told once, at the public instant');
  assert.ok(told[0]!.includes(cveId), told[0]);
});
