import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, sampleReport, setupDesk, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { webSession } from '../support/web-client.ts';

// The case page's structure, without JavaScript: the report and its thread come first, beside them
// the one highlighted next step the permission vocabulary allows (the rest folded under "More
// actions", the destructive ones apart and marked in words) and a summary of where the case stands;
// one composer with a tab per kind of message; the timeline in sentences; every date in the viewer's
// one zone, named once, to the minute.

let h: WebHarness;
let tina: Member, hank: Member;
let triage: string, incident: string, statusToken: string;

before(async () => {
  h = await startWebHarness({ clock: '2026-12-01T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', timeZone: 'Asia/Kolkata', teams: ['tf-a-security'] });
  triage = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${triage}/claim`, { as: tina });
  const r = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: 'BL31 SMC overflow' } });
  incident = r.json.reportId;
  statusToken = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${incident}/claim`, { as: tina });
  await api(h, 'POST', `/api/reports/${incident}/accept`, { as: tina, body: { title: 'BL31 overflow', projects: ['tf-a'] } });
});
after(() => h.close());

async function page(m: Member, reportId: string): Promise<string> {
  const { cookie } = await webSession(h, m);
  const r = await h.server.inject({ method: 'GET', url: `/cases/${reportId}`, headers: { cookie } });
  assert.equal(r.statusCode, 200);
  return r.body;
}

async function post(m: Member, url: string, form: Record<string, string>) {
  const s = await webSession(h, m);
  const r = await h.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
    payload: new URLSearchParams({ ...form, _csrf: s.csrf }).toString(),
  });
  assert.equal(r.statusCode, 303, r.body);
}

const between = (body: string, from: string, to: string) => body.slice(body.indexOf(from), body.indexOf(to, body.indexOf(from)));

test('the report and its thread come first; the next step and the summary beside them, before anything else', async () => {
  const body = await page(tina, triage);
  const main = body.slice(body.indexOf('<main'));
  const layout = between(main, '<div class="case-layout">', 'aria-labelledby="dl-h"');
  for (const part of ['id="report-h"', 'id="th-h"', 'id="actions-h"', 'id="summary-h"', 'id="composer-h"'])
    assert.ok(layout.includes(part), `${part} is in the first part of the page`);
  assert.ok(main.indexOf('id="report-h"') < main.indexOf('id="incident-h"') || !main.includes('id="incident-h"'));
  assert.ok(main.indexOf('id="th-h"') < main.indexOf('id="dl-h"'), 'the thread comes before the deadlines');
});

test('one primary action from the vocabulary; the others under More actions; reject apart, marked destructive', async () => {
  const body = await page(tina, triage);
  const actions = between(body, 'id="actions"', '</aside>');
  assert.equal(actions.match(/<button type="submit" class="primary"/g)?.length, 1, 'one primary button');
  assert.match(actions, /<form method="post" action="\/cases\/[^"]+\/accept" class="action triage-accept primary/);
  const danger = between(actions, '<details class="danger-zone"', '</details>');
  assert.match(danger, /action="\/cases\/[^"]+\/reject" class="action triage-reject danger/);
  assert.match(danger, /<span class="badge danger-word">Destructive<\/span> Reject the report/, 'in words, not colour alone');
  assert.match(danger, /<button type="submit" class="danger"><span aria-hidden="true">⚠ <\/span>Reject the report<\/button>/);
  const more = between(actions, '<details class="more-actions"', '</details>');
  assert.match(more, /class="action case-pull-in secondary/);
  assert.doesNotMatch(more, /triage-reject|triage-accept/);
});

test('the project member: becoming the handler is the primary action; once handler, confirming; rejecting is destructive', async () => {
  let actions = between(await page(hank, incident), 'id="actions"', '</aside>');
  assert.match(actions, /class="action project-claim primary"[\s\S]*TF-A: Become the incident handler/);
  await post(hank, `/cases/${incident}/projects/tf-a/claim`, {});
  actions = between(await page(hank, incident), 'id="actions"', '</aside>');
  assert.match(actions, /class="action project-confirm primary/);
  assert.match(between(actions, '<details class="danger-zone"', '</details>'), /class="action project-reject danger/);
  assert.match(between(actions, '<details class="more-actions"', '</details>'), /class="action project-downgrade secondary/);
});

test('one composer: tabs for note, reply and status update, each posting to its own route', async () => {
  const body = await page(tina, incident);
  const composer = between(body, 'id="composer"', '</section>');
  for (const [id, label] of [
    ['compose-note', 'Internal note'],
    ['compose-reply', 'Reply to the reporter'],
    ['compose-status', 'Status update'],
  ]) {
    assert.match(
      composer,
      new RegExp(
        `<input type="radio" name="compose-tab" id="${id}" class="tab-radio"[^>]*><label for="${id}" class="tab-label">${label}</label>`,
      ),
    );
  }
  for (const route of ['note', 'reply', 'status-update']) assert.match(composer, new RegExp(`action="/cases/${incident}/${route}"`));
  assert.match(composer, /id="compose-note" class="tab-radio" checked>/, 'the note tab is open at first');
  // Outside the composer, none of its forms.
  assert.doesNotMatch(body.replace(composer, ''), /action="\/cases\/[^"]+\/(note|reply|status-update)"/);
});

test('a refused reply draws the page again with the reply tab open and what was typed', async () => {
  const s = await webSession(h, tina);
  const r = await h.server.inject({
    method: 'POST',
    url: `/cases/${incident}/reply`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
    payload: new URLSearchParams({ _csrf: s.csrf, subject: 'Kept subject', body: '' }).toString(),
  });
  assert.equal(r.statusCode, 400);
  assert.match(r.body, /id="compose-reply" class="tab-radio" checked>/);
  assert.match(r.body, /value="Kept subject"/);
});

test('the timeline in sentences, clocks stopped in words: no state codes, no event names', async () => {
  const body = await page(tina, incident);
  const timeline = between(body, 'id="tl-h"', '</section>');
  assert.match(timeline, /The report was received/);
  assert.match(timeline, /The report was accepted/);
  assert.match(timeline, /Project tf-a: the project team received the incident/);
  assert.doesNotMatch(timeline, /→|report-management/);
  const deadlines = between(body, 'id="dl-h"', '</section>');
  assert.match(deadlines, /the report was accepted/);
  assert.doesNotMatch(deadlines, /report_accepted/);
});

test('the summary: state, owner, running clocks due relative and absolute, the agreed embargo and the fix, in the viewer’s zone', async () => {
  await post(tina, `/cases/${incident}/embargo/proposals`, {
    tier_ess: '2027-01-12T10:00',
    'tier_trusted-stakeholders': '2027-01-22T10:00',
    publicAt: '2027-02-02T10:00',
    timeZone: 'Europe/Berlin',
  });
  // The reporter accepts the team's timeline on their status page.
  const accepted = await h.server.inject({
    method: 'POST',
    url: `/status/${statusToken}/embargo`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'answer=accept',
  });
  assert.equal(accepted.statusCode, 303, accepted.body);
  assert.equal((await api(h, 'GET', `/api/reports/${incident}`, { as: tina })).json.disclosure.embargo, 'active');
  await post(hank, `/cases/${incident}/fix/items`, { kind: 'pull-request', text: 'https://git.example/private/tf-a/pull/7' });
  await post(hank, `/cases/${incident}/fix/ready`, {});
  await post(hank, `/cases/${incident}/fix/export-control`, { controlled: 'true', note: 'Licence pending.' });
  const body = await page(hank, incident);
  const summary = between(body, 'id="summary"', '</section>').replace(/\s+/g, ' ');
  assert.match(summary, /TF-A: being analysed by Hank Handler|TF-A: confirmed vulnerability/);
  assert.match(summary, /<dt>Owner<\/dt><dd>Hank Handler<\/dd>/);
  assert.match(summary, /<strong>Ready<\/strong> since/);
  assert.match(summary, /Export-controlled/);
  assert.match(summary, /<dt>Running clocks<\/dt>/);
  // 10:00 in Berlin is 14:30 in Kolkata.
  assert.match(summary, /Public: <time datetime="2027-02-02T09:00:00Z">Tue, 2 Feb 2027, 14:30<\/time>/);
  assert.match(summary, /until <time datetime="2027-01-12T09:00:00Z">Tue, 12 Jan 2027, 14:30<\/time>/);
});

test('one zone per page, named once; dates to the minute, no milliseconds', async () => {
  const body = await page(hank, incident);
  const main = body.slice(body.indexOf('<main'), body.indexOf('</main>'));
  // What the page says, not what its forms offer (a zone field, examples of zones in a hint) nor
  // what messages of the thread say in their own words.
  const said = main.replace(/<form[\s\S]*?<\/form>/g, '').replace(/<pre class="body">[\s\S]*?<\/pre>/g, '');
  assert.equal(said.match(/Asia\/Kolkata/g)?.length, 1, 'the viewer’s zone, named once');
  assert.doesNotMatch(
    said,
    /Europe\/London|Europe\/Berlin|GMT|UTC\b/,
    `no other zone on the page: ${/.{150}(Europe\/London|Europe\/Berlin|GMT|UTC\b).{50}/s.exec(said)?.[0]}`,
  );
  assert.doesNotMatch(main, /\d{2}:\d{2}:\d{2}\.\d{3}/, 'no milliseconds');
  const deadlines = between(main, 'id="dl-h"', '</section>');
  assert.match(deadlines, /due in \d+ days/);
});
