import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { addMember, addProject, api, sampleReport, setupDesk, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { webSession } from '../support/web-client.ts';
import { runDueReleases } from '../../src/app/releases/run.ts';
import { PORTAL_SIGN_IN_TEMPLATE } from '../../src/app/stakeholders/portal-auth.ts';
import { totpCode } from '../../src/crypto/totp.ts';

// Stakeholder organisations through the pages, without JavaScript: the central team registers one
// on /admin/stakeholders, another applies on the public page and is approved there once the key's
// fingerprint is typed; each signs in to the portal by the link mailed to its alias (a GET shows a
// button, only the POST uses it); after the ESS tier is told, its organisation reads the incident,
// acknowledges it and asks a question through the portal's forms, and the handler answers on the
// case page, whose Stakeholders section shows who was sent what. The trusted tier, not told yet,
// gets "not found"; someone pulled into the case sees no Stakeholders section.

let h: WebHarness;
let tina: Member, hank: Member, cora: Member;
let tinaWeb: { cookie: string; csrf: string };
let hankWeb: { cookie: string; csrf: string };
let reportId: string, ref: string, token: string;

interface Org {
  name: string;
  alias: string;
  publicKey: string;
  fingerprint: string;
  id?: string;
  cookie?: string;
  csrf?: string;
}
const orgs: Record<'distro' | 'vendor', Org> = {} as never;

async function makeOrg(name: string, alias: string): Promise<Org> {
  // Made a minute ago, so the desk's clock is never before the key.
  const { publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: `${name} Security`, email: alias }],
    date: new Date(h.clock.now.getTime() - 60_000),
    format: 'armored',
  });
  const key = await openpgp.readKey({ armoredKey: publicKey });
  return { name, alias, publicKey, fingerprint: key.getFingerprint().toUpperCase() };
}

type Res = { status: number; body: string; location: string | undefined; setCookie: string | undefined };

async function send(
  method: 'GET' | 'POST',
  url: string,
  o: { cookie?: string; form?: Record<string, string>; csrf?: string } = {},
): Promise<Res> {
  const form = o.form || method === 'POST' ? { ...o.form, ...(o.csrf ? { _csrf: o.csrf } : {}) } : null;
  const r = await h.server.inject({
    method,
    url,
    headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
  });
  const setCookie = r.headers['set-cookie'];
  return {
    status: r.statusCode,
    body: r.body,
    location: r.headers.location as string | undefined,
    setCookie: setCookie === undefined ? undefined : String(setCookie),
  };
}
const asTina = (method: 'GET' | 'POST', url: string, form?: Record<string, string>) =>
  send(method, url, { cookie: tinaWeb.cookie, csrf: method === 'POST' ? tinaWeb.csrf : '', ...(form ? { form } : {}) });
const asHank = (method: 'GET' | 'POST', url: string, form?: Record<string, string>) =>
  send(method, url, { cookie: hankWeb.cookie, csrf: method === 'POST' ? hankWeb.csrf : '', ...(form ? { form } : {}) });
const asOrg = (org: Org, method: 'GET' | 'POST', url: string, form?: Record<string, string>) =>
  send(method, url, { cookie: org.cookie!, csrf: method === 'POST' ? org.csrf! : '', ...(form ? { form } : {}) });

/** The newest sign-in link mailed to an alias, read from the outbox (the envelope, before encryption). */
async function newestLink(alias: string): Promise<string> {
  const r = await h.app.db.query<{ id: string; envelope_sealed: string }>(
    'SELECT id, envelope_sealed FROM outbox WHERE template_id = $1 ORDER BY seq DESC',
    [PORTAL_SIGN_IN_TEMPLATE],
  );
  for (const row of r.rows) {
    const env = h.app.sealer.openJson<{ to: string[]; body: string }>(row.envelope_sealed, `outbox.envelope:${row.id}`);
    if (!env.to.includes(alias)) continue;
    const m = /\/portal\/sign-in\/([A-Za-z0-9_-]+)/.exec(env.body);
    assert.ok(m, 'the link is in the mail');
    return m[1]!;
  }
  assert.fail(`no sign-in link to ${alias}`);
}

/** Signs an organisation in to the portal through its pages; the portal's CSRF token is read from its page. */
async function signIn(org: Org): Promise<void> {
  const asked = await send('POST', '/portal/sign-in', { form: { alias: org.alias } });
  assert.equal(asked.status, 303, asked.body);
  assert.equal(asked.location, '/portal?done=link-sent');
  const link = await newestLink(org.alias);
  // A mail scanner fetching the link uses nothing up: the GET shows a button.
  for (let i = 0; i < 2; i++) {
    const page = await send('GET', `/portal/sign-in/${link}`);
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, new RegExp(`<form method="post" action="/portal/sign-in/${link}"`));
    assert.equal(page.setCookie, undefined);
  }
  const done = await send('POST', `/portal/sign-in/${link}`);
  assert.equal(done.status, 303, done.body);
  assert.equal(done.location, '/portal?done=signed-in');
  org.cookie = done.setCookie!.split(';')[0]!;
  assert.match(org.cookie, /^embargo_portal=/);
  assert.match(done.setCookie!, /HttpOnly/);
  assert.match(done.setCookie!, /SameSite=Strict/);
  const list = await send('GET', '/portal', { cookie: org.cookie });
  assert.equal(list.status, 200, list.body);
  assert.match(list.body, new RegExp(`Signed in as <strong>${org.name}</strong>`));
  org.csrf = /name="_csrf" value="([^"]+)"/.exec(list.body)![1]!;
  const again = await send('POST', `/portal/sign-in/${link}`);
  assert.equal(again.status, 404, 'a link signs in once');
  assert.match(again.body, /has been used or has expired/);
  assert.match(again.body, /action="\/portal\/sign-in"/, 'with the form to ask for a new one');
}

before(async () => {
  h = await startWebHarness();
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  tinaWeb = await webSession(h, tina);
  hankWeb = await webSession(h, hank);
  orgs.distro = await makeOrg('Distro One', 'ess@distro.example');
  orgs.vendor = await makeOrg('Vendor Two', 'psirt@vendor.example');
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  token = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 overflow', projects: ['tf-a'] } });
  ref = acc.json.incidentRef;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hank })).status, 200);
});
after(() => h.close());

test('the central team registers an organisation on the admin page; a wrong fingerprint redraws the form with what was typed', async () => {
  const page = await asTina('GET', '/admin/stakeholders');
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, /<option value="ess"[^>]*>Enhanced security stakeholders \(primary embargo\)<\/option>/, "the profile's tiers");
  assert.match(page.body, /<option value="tf-m"[^>]*>TF-M \(tf-m\)<\/option>/, "the desk's projects");
  assert.match((await asTina('GET', '/')).body, /href="\/admin\/stakeholders"/, 'linked from the navigation');
  const form = {
    name: orgs.distro.name,
    alias: orgs.distro.alias,
    timeZone: 'Europe/Berlin',
    publicKey: orgs.distro.publicKey,
    fingerprint: orgs.vendor.fingerprint,
    project: 'tf-a',
    tier: 'ess',
  };
  const wrong = await asTina('POST', '/admin/stakeholders', form);
  assert.equal(wrong.status, 400, wrong.body);
  assert.match(wrong.body, /The fingerprint does not match/);
  assert.match(wrong.body, /value="Europe\/Berlin"/, 'what was typed is kept');
  assert.match(
    wrong.body,
    new RegExp(`the key’s fingerprint is ${orgs.distro.fingerprint}|the key&#39;s fingerprint is ${orgs.distro.fingerprint}`),
  );
  assert.equal((await api(h, 'GET', '/api/stakeholders', { as: tina })).json.length, 0, 'nothing registered');
  const ok = await asTina('POST', '/admin/stakeholders', { ...form, fingerprint: orgs.distro.fingerprint.replace(/(.{4})/g, '$1 ') });
  assert.equal(ok.status, 303, ok.body);
  assert.equal(ok.location, '/admin/stakeholders?done=added');
  const list = await asTina('GET', ok.location!);
  assert.match(list.body, /The organisation is registered/);
  assert.match(list.body, /Distro One <span class="badge">approved<\/span>/);
  assert.match(list.body, new RegExp(`<code>${orgs.distro.fingerprint}</code>`));
  assert.match(list.body, /<li>tf-a: Enhanced security stakeholders \(primary embargo\)<\/li>/);
  orgs.distro.id = (await api(h, 'GET', '/api/stakeholders', { as: tina })).json[0].id;
  assert.equal((await asHank('GET', '/admin/stakeholders')).status, 404, 'a project member does not manage them');
});

test('an organisation applies on the public page; the central team approves it on the admin page with the fingerprint', async () => {
  const form = await send('GET', '/stakeholders/apply');
  assert.equal(form.status, 200, form.body);
  assert.match(form.body, /<option value="trusted-stakeholders"[^>]*>Trusted stakeholders \(secondary embargo\)<\/option>/);
  assert.match(form.body, /type="checkbox" name="acceptsPolicy"/);
  const fields = {
    name: orgs.vendor.name,
    alias: orgs.vendor.alias,
    about: 'We ship TF-A in our boards and need early warning to patch them.',
    timeZone: 'America/New_York',
    project: 'tf-a',
    tier: 'trusted-stakeholders',
    publicKey: orgs.vendor.publicKey,
    statement: 'We keep embargoed details confidential until the public disclosure.',
  };
  const unticked = await send('POST', '/stakeholders/apply', { form: fields });
  assert.equal(unticked.status, 400, unticked.body);
  assert.match(unticked.body, /the policy must be accepted to apply/);
  assert.match(unticked.body, /value="America\/New_York"/, 'what was typed is kept');
  const applied = await send('POST', '/stakeholders/apply', { form: { ...fields, acceptsPolicy: 'yes' } });
  assert.equal(applied.status, 201, applied.body);
  assert.match(applied.body, /Your application is received/);
  assert.match(applied.body, new RegExp(orgs.vendor.fingerprint.replace(/(.{4})/g, '$1 ').trim()), 'the fingerprint to check');

  const page = await asTina('GET', '/admin/stakeholders');
  assert.match(page.body, /Applications \(1\)/);
  assert.match(page.body, /Vendor Two <span class="badge">applied, waiting for a decision<\/span>/);
  const approveForm = /<form[^>]+aria-label="Approve Vendor Two">[\s\S]*?<\/form>/.exec(page.body)![0];
  assert.match(approveForm, /<option value="trusted-stakeholders" selected>/, 'the tier it applied for, prefilled');
  orgs.vendor.id = /action="\/admin\/stakeholders\/([0-9a-f-]+)\/decision"/.exec(approveForm)![1]!;
  const decide = (f: Record<string, string>) => asTina('POST', `/admin/stakeholders/${orgs.vendor.id}/decision`, f);
  const wrong = await decide({ decision: 'approve', fingerprint: orgs.distro.fingerprint, project: 'tf-a', tier: 'trusted-stakeholders' });
  assert.equal(wrong.status, 400, wrong.body);
  assert.match(wrong.body, /The fingerprint does not match/);
  assert.match(wrong.body, new RegExp(`value="${orgs.distro.fingerprint}"`), 'what was typed is kept');
  const ok = await decide({ decision: 'approve', fingerprint: orgs.vendor.fingerprint, project: 'tf-a', tier: 'trusted-stakeholders' });
  assert.equal(ok.status, 303, ok.body);
  assert.equal(ok.location, '/admin/stakeholders?done=approved');
  const after = await asTina('GET', ok.location!);
  assert.match(after.body, /Applications \(0\)/);
  assert.match(after.body, /Vendor Two <span class="badge">approved<\/span>/);
  assert.match(after.body, /<li>tf-a: Trusted stakeholders \(secondary embargo\)<\/li>/);
});

test('an organisation signs in to the portal through its pages; a person’s session opens no portal page, and the portal’s no person’s page', async () => {
  const signedOut = await send('GET', '/portal');
  assert.equal(signedOut.status, 200);
  assert.match(signedOut.body, /action="\/portal\/sign-in"/);
  const unknown = await send('POST', '/portal/sign-in', { form: { alias: 'nobody@nowhere.example' } });
  assert.equal(unknown.status, 303, 'the same answer for any alias');
  assert.match((await send('GET', unknown.location!)).body, /a sign-in link is on its way/);
  for (const o of Object.values(orgs)) await signIn(o);
  assert.match((await asOrg(orgs.distro, 'GET', '/portal')).body, /No incident is released to your organisation now/);

  const person = await asTina('GET', `/portal/cases/${ref}`);
  assert.equal(person.status, 401);
  assert.match(person.body, /action="\/portal\/sign-in"/, 'the portal sign-in page');
  assert.doesNotMatch(person.body, /action="\/signin/, 'never a person’s sign-in');
  const org = await asOrg(orgs.distro, 'GET', `/cases/${reportId}`);
  assert.equal(org.status, 303);
  assert.match(org.location!, /^\/signin/);
});

test('once its tier is told the organisation reads the incident, acknowledges it and asks; another tier gets "not found"; the handler answers on the case page', async () => {
  const day = 24 * 3_600_000;
  const at = (ms: number) => new Date(h.clock.now.getTime() + ms).toISOString();
  const proposed = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: hank,
    body: {
      tiers: [
        { tier: 'ess', endsAt: at(10 * day) },
        { tier: 'trusted-stakeholders', endsAt: at(15 * day) },
      ],
      publicAt: at(17 * day),
      timeZone: 'Europe/London',
    },
  });
  assert.equal(proposed.status, 201, proposed.body);
  assert.equal((await api(h, 'POST', `/api/reporter/${token}/embargo/answer`, { body: { answer: 'accept' } })).status, 200);
  const item = await api(h, 'POST', `/api/reports/${reportId}/fix/items`, {
    as: hank,
    body: { kind: 'patch', text: 'https://review.trustedfirmware.org/c/TF-A/trusted-firmware-a/+/31337' },
  });
  assert.equal(item.status, 201, item.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: hank })).status, 200);
  assert.equal((await runDueReleases(h.app, h.clock.now)).done, 1, 'the ESS tier is told');

  const list = await asOrg(orgs.distro, 'GET', '/portal');
  assert.match(list.body, new RegExp(`<a href="/portal/cases/${ref}">${ref}</a>`));
  const seen = await asOrg(orgs.distro, 'GET', `/portal/cases/${ref}`);
  assert.equal(seen.status, 200, seen.body);
  assert.match(seen.body, /<h1>[^<]*Stack overflow in the BL2 image loader<\/h1>/, 'the title outsiders read');
  assert.match(seen.body, /An embargo is in force/);
  assert.match(seen.body, /Enhanced security stakeholders \(primary embargo\): the embargo ends/, 'the timeline');
  assert.match(seen.body, /Public disclosure/);
  assert.match(seen.body, /The fix may be shared with your tier/);
  assert.match(seen.body, /\+\/31337/, 'the fix items');
  assert.match(seen.body, /What you were sent[\s\S]*Distro One is among the Enhanced security stakeholders/, 'the notice as sent');
  assert.doesNotMatch(seen.body, /Rita|rita@|Example Research|Megacorp/, "nothing of the reporter's identity");
  for (const url of [`/portal/cases/${ref}`, `/portal/cases/${ref}/acknowledge`]) {
    const other = await asOrg(orgs.vendor, url.endsWith('acknowledge') ? 'POST' : 'GET', url);
    assert.equal(other.status, 404, `the trusted tier, not told yet: ${url}`);
    assert.doesNotMatch(other.body, /BL2/);
  }
  assert.doesNotMatch((await asOrg(orgs.vendor, 'GET', '/portal')).body, new RegExp(ref));

  const noToken = await send('POST', `/portal/cases/${ref}/acknowledge`, { cookie: orgs.distro.cookie! });
  assert.equal(noToken.status, 403, 'a portal form without its CSRF token');
  const ack = await asOrg(orgs.distro, 'POST', `/portal/cases/${ref}/acknowledge`);
  assert.equal(ack.status, 303, ack.body);
  const acked = await asOrg(orgs.distro, 'GET', ack.location!);
  assert.match(acked.body, /Receipt acknowledged/);
  assert.match(acked.body, /<strong>Acknowledged<\/strong>/);
  assert.doesNotMatch(acked.body, /Acknowledge receipt<\/button>/, 'no button once done');
  const empty = await asOrg(orgs.distro, 'POST', `/portal/cases/${ref}/questions`, { body: '  ' });
  assert.equal(empty.status, 400, empty.body);
  assert.match(empty.body, /Your question is required/);
  const asked = await asOrg(orgs.distro, 'POST', `/portal/cases/${ref}/questions`, { body: 'Does 2.9 need it too?' });
  assert.equal(asked.status, 303, asked.body);
  assert.match((await asOrg(orgs.distro, 'GET', asked.location!)).body, /Does 2\.9 need it too\?/);

  const casePage = await asHank('GET', `/cases/${reportId}`);
  assert.equal(casePage.status, 200, casePage.body);
  const section = /<section aria-labelledby="stakeholders-h"[\s\S]*?<\/section>/.exec(casePage.body)![0];
  assert.match(
    section,
    /Tell the tier<\/td>\s*<td>Enhanced security stakeholders \(primary embargo\)<\/td>[\s\S]*?done/,
    'the release done',
  );
  assert.match(section, /Make the fix public/, 'the release still scheduled');
  assert.match(section, /Distro One <span class="badge">Enhanced security stakeholders \(primary embargo\)<\/span>/);
  assert.match(
    section,
    /Vendor Two <span class="badge">Trusted stakeholders \(secondary embargo\)<\/span>[\s\S]*Its tier told<\/dt><dd><span class="muted">not yet/,
  );
  assert.match(
    section,
    /Embargoed notice to the Enhanced security stakeholders \(primary embargo\) · <time[^·]*· (queued|being sent|sent)<\/li>/,
    'what it was sent, with its delivery',
  );
  assert.match(section, /Does 2\.9 need it too\?/);
  assert.doesNotMatch(section, /aria-label="Answer Vendor Two"/, 'no answer to an organisation not told');
  const answered = await asHank('POST', `/cases/${reportId}/stakeholders/${orgs.distro.id}/answers`, {
    body: 'Yes: 2.9 is affected and gets the same patch.',
  });
  assert.equal(answered.status, 303, answered.body);
  assert.match((await asHank('GET', answered.location!)).body, /The answer is in the organisation’s thread/);
  const leak = await asHank('POST', `/cases/${reportId}/stakeholders/${orgs.distro.id}/answers`, { body: 'Ask Rita Reporter about it.' });
  assert.equal(leak.status, 422, leak.body);
  assert.match(leak.body, /what only the security teams may know/);
  assert.match(leak.body, /Ask Rita Reporter about it\./, 'what was typed is kept');
  const thread = (await asOrg(orgs.distro, 'GET', `/portal/cases/${ref}`)).body;
  assert.match(thread, /The security team<\/strong>[\s\S]*2\.9 is affected/, 'the answer in its thread');
  assert.doesNotMatch(thread, /Ask Rita/);

  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
  const coraWeb = await webSession(h, cora);
  const pulledIn = await send('GET', `/cases/${reportId}`, { cookie: coraWeb.cookie });
  assert.equal(pulledIn.status, 200, pulledIn.body);
  assert.match(pulledIn.body, /id="disclosure-h"/, 'the disclosure timeline is theirs to see');
  assert.doesNotMatch(
    pulledIn.body,
    /id="stakeholders-h"|Timed releases|Embargoed notice to|Does 2\.9 need it too\?|\/stakeholders\/[0-9a-f-]+\/answers/,
    'someone pulled in gets no Stakeholders section',
  );
});

test('an application rejected with a note; an organisation removed on the admin page loses its portal session; signing out ends one', async () => {
  const gamma = await makeOrg('Gamma Three', 'security@gamma.example');
  const applied = await send('POST', '/stakeholders/apply', {
    form: {
      name: gamma.name,
      alias: gamma.alias,
      about: 'We resell boards and would like to know early.',
      timeZone: 'UTC',
      project: 'tf-m',
      tier: 'ess',
      publicKey: gamma.publicKey,
      statement: 'We keep embargoed details confidential.',
      acceptsPolicy: 'yes',
    },
  });
  assert.equal(applied.status, 201, applied.body);
  const again = await send('POST', '/stakeholders/apply', {
    form: {
      name: 'Gamma Again',
      alias: gamma.alias,
      about: 'The same alias a second time.',
      timeZone: 'UTC',
      project: 'tf-m',
      tier: 'ess',
      publicKey: gamma.publicKey,
      statement: 'We keep embargoed details confidential.',
      acceptsPolicy: 'yes',
    },
  });
  assert.equal(again.status, 201, 'the same answer for a known alias: the public page does not tell who is warned early');
  assert.equal((await asTina('GET', '/admin/stakeholders')).body.match(/Gamma Again/g), null, 'nothing stored for it');
  const page = await asTina('GET', '/admin/stakeholders');
  const id = /<form[^>]+action="\/admin\/stakeholders\/([0-9a-f-]+)\/decision"[^>]+aria-label="Reject Gamma Three"/.exec(page.body)![1]!;
  const short = await asTina('POST', `/admin/stakeholders/${id}/decision`, { decision: 'reject', note: 'no' });
  assert.equal(short.status, 400, short.body);
  assert.match(short.body, /The note must be at least 5 characters/);
  const rejected = await asTina('POST', `/admin/stakeholders/${id}/decision`, {
    decision: 'reject',
    note: 'Not a distributor of our projects.',
  });
  assert.equal(rejected.status, 303, rejected.body);
  assert.match((await asTina('GET', rejected.location!)).body, /Gamma Three <span class="badge">rejected<\/span>/);

  const removed = await asTina('POST', `/admin/stakeholders/${orgs.vendor.id}/remove`);
  assert.equal(removed.status, 303, removed.body);
  assert.match((await asTina('GET', removed.location!)).body, /Vendor Two <span class="badge">removed<\/span>/);
  const gone = await asOrg(orgs.vendor, 'GET', '/portal');
  assert.match(gone.body, /action="\/portal\/sign-in"/, 'its session has ended');
  assert.doesNotMatch(gone.body, /Signed in as/);

  const out = await asOrg(orgs.distro, 'POST', '/portal/sign-out');
  assert.equal(out.status, 303, out.body);
  assert.equal(out.location, '/portal?done=signed-out');
  const after = await asOrg(orgs.distro, 'GET', `/portal/cases/${ref}`);
  assert.equal(after.status, 401);
  assert.match(after.body, /Sign in to the stakeholder portal first/);
});

test('registering an organisation on a session not verified lately asks for the password and code, then registers it', async () => {
  const delta = await makeOrg('Delta Four', 'psirt@delta.example');
  h.clock.advance((h.app.config.stepUpMinutes + 1) * 60_000);
  const form = {
    name: delta.name,
    alias: delta.alias,
    timeZone: 'UTC',
    publicKey: delta.publicKey,
    fingerprint: delta.fingerprint,
    project: 'tf-a',
    tier: 'ess',
  };
  const asked = await asTina('POST', '/admin/stakeholders', form);
  assert.equal(asked.status, 401, asked.body.slice(0, 300));
  assert.match(asked.body, /Confirm it is you/);
  assert.equal(
    (await api(h, 'GET', '/api/stakeholders', { as: tina })).json.filter((o: { name: string }) => o.name === delta.name).length,
    0,
  );
  const confirmed = await asTina('POST', '/admin/stakeholders', {
    ...form,
    _stepup_password: tina.password,
    _stepup_totp: totpCode(tina.totpSecret, h.clock.now),
  });
  assert.equal(confirmed.status, 303, confirmed.body.slice(0, 300));
  assert.match((await asTina('GET', confirmed.location!)).body, /Delta Four <span class="badge">approved<\/span>/);
});
