import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, sampleReport, setupDesk, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { webSession } from '../support/web-client.ts';

// The disclosure timeline through the pages, without JavaScript: the handler proposes it on the case
// page in wall-clock times of a named zone, the reporter proposes other dates on their status page,
// the handler accepts them, and an exploit made public ends the embargo.

let h: WebHarness;
let tina: Member;
let reportId: string;
let token: string;
let session: { cookie: string; csrf: string };

before(async () => {
  h = await startWebHarness({ clock: '2026-12-01T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  token = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 overflow', projects: ['tf-a'] } });
  session = await webSession(h, tina);
});
after(() => h.close());

async function post(url: string, form: Record<string, string>, asTeam = true) {
  const r = await h.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(asTeam ? { cookie: session.cookie } : {}) },
    payload: new URLSearchParams({ ...form, ...(asTeam ? { _csrf: session.csrf } : {}) }).toString(),
  });
  return { status: r.statusCode, body: r.body, location: r.headers.location };
}
const page = async (url: string, asTeam = true) =>
  (await h.server.inject({ method: 'GET', url, headers: asTeam ? { cookie: session.cookie } : {} })).body;

test('the handler proposes in wall-clock times of a zone; a bad time redraws the form with the reason', async () => {
  const bad = await post(`/cases/${reportId}/embargo/proposals`, {
    tier_ess: '2027-01-12T10:00',
    'tier_trusted-stakeholders': '2027-01-05T10:00',
    publicAt: '2027-02-02T10:00',
    timeZone: 'Europe/Berlin',
  });
  assert.equal(bad.status, 400, bad.body);
  assert.match(bad.body, /comes before the end of the tier before it/);
  assert.match(bad.body, /value="2027-01-05T10:00"/, 'what was typed is kept');
  const ok = await post(`/cases/${reportId}/embargo/proposals`, {
    tier_ess: '2027-01-12T10:00',
    'tier_trusted-stakeholders': '2027-01-22T10:00',
    publicAt: '2027-02-02T10:00',
    timeZone: 'Europe/Berlin',
  });
  assert.equal(ok.status, 303, ok.body);
  const casePage = await page(`/cases/${reportId}`);
  assert.match(casePage, /Proposed by the team, waiting for the reporter/);
  const d = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.disclosure;
  assert.equal(d.open.publicAt, '2027-02-02T09:00:00.000Z', '10:00 in Berlin is 09:00 UTC');
});

test('the reporter proposes other dates on their status page; the handler accepts them on the case page', async () => {
  const status = await page(`/status/${token}`, false);
  assert.match(status, /The team proposes/);
  const counter = await post(
    `/status/${token}/embargo`,
    {
      answer: 'counter',
      tier_ess: '2027-01-19T10:00',
      'tier_trusted-stakeholders': '2027-01-29T10:00',
      publicAt: '2027-02-09T10:00',
      timeZone: 'Europe/Berlin',
    },
    false,
  );
  assert.equal(counter.status, 303, counter.body);
  assert.match(await page(`/status/${token}`, false), /Your proposal waits for the team/);
  const open = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.disclosure.open;
  const accepted = await post(`/cases/${reportId}/embargo/proposals/${open.id}/answer`, { answer: 'accept' });
  assert.equal(accepted.status, 303, accepted.body);
  const status2 = await page(`/status/${token}`, false);
  assert.match(status2, /Agreed/);
  assert.match(status2, /Public disclosure: /);
  assert.equal((await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.disclosure.embargo, 'active');
});

test('recording a public exploit on the case page ends the embargo', async () => {
  const r = await post(`/cases/${reportId}/disclosure-flags`, {
    flag: 'exploit_public',
    evidence: 'Posted on a public list this morning.',
  });
  assert.equal(r.status, 303, r.body);
  assert.match(await page(`/cases/${reportId}`), /The embargo has ended\./);
});

test('the fix record on the case page: an item added, the fix marked ready, the export-control hold shown', async () => {
  const added = await post(`/cases/${reportId}/fix/items`, { kind: 'pull-request', text: 'https://git.example/private/tf-a/pull/7' });
  assert.equal(added.status, 303, added.body);
  const empty = await post(`/cases/${reportId}/fix/items`, { kind: 'patch', text: '' });
  assert.equal(empty.status, 400, 'an empty item is refused with the form drawn again');
  assert.equal((await post(`/cases/${reportId}/fix/ready`, {})).status, 303);
  assert.equal((await post(`/cases/${reportId}/fix/export-control`, { controlled: 'true', note: 'Licence pending.' })).status, 303);
  const casePage = await page(`/cases/${reportId}`);
  assert.match(casePage, /<strong>Pull request<\/strong>: <span class="fix-text">https:\/\/git.example\/private\/tf-a\/pull\/7<\/span>/);
  assert.match(casePage, /<strong>Ready<\/strong> since/);
  assert.match(casePage, /Under export control/);
});
