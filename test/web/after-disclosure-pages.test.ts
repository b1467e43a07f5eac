import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPatch } from 'diff';
import { addMember, api, outbox, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { webPlugin } from '../../src/web/index.ts';
import { setSubsystemContacts } from '../../src/app/admin/admin.ts';
import { advisoryView, createAdvisory, saveAdvisory } from '../../src/app/advisories/advisories.ts';
import { reviewAdvisory, schedulePublication } from '../../src/app/advisories/review.ts';
import { emitPublicationEvents } from '../../src/app/advisories/publication-events.ts';

// The remediation checklist, Tock's status update, post-disclosure and the retrospective through the
// pages, without JavaScript: each form posts, a refusal redraws the page with the reason and what was
// typed, and an admin applies a proposed profile edit on the admin page only when it lints.

let h: Harness;
let admin: Member, coord: Member, kim: Member, tom: Member;
let reportId: string;
// Sessions last 12 hours and the clock moves by days: each is taken again when the clock has moved.
const sessions = new Map<Member, { cookie: string; csrf: string; at: number }>();
async function session(m: Member) {
  const s = sessions.get(m);
  if (s && s.at === h.clock.now.getTime()) return s;
  const fresh = { ...(await webSession(h, m)), at: h.clock.now.getTime() };
  sessions.set(m, fresh);
  return fresh;
}

before(async () => {
  h = await startHarness({ clock: '2026-11-30T14:00:00Z', plugins: [webPlugin] });
  admin = await setupDesk(h, 'tock', 'America/New_York');
  coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tock.example', teams: ['security'] });
  kim = await addMember(h, admin, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
  await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: null });
  reportId = (
    await api(h, 'POST', '/api/reports', {
      body: {
        title: 'Kernel grant overflow',
        body: 'An app can overflow a kernel grant region.',
        reporter: { name: 'Rae', email: 'rae@example.net' },
      },
    })
  ).json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord });
  await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Kernel grant overflow', severity: 'high', components: ['Kernel'], project: 'tock' },
  });
  await api(h, 'POST', `/api/reports/${reportId}/assign`, { as: coord, body: { subsystem: 'kernel' } });
});
after(() => h.close());

async function post(as: Member, url: string, form: Record<string, string>) {
  const s = await session(as);
  const r = await h.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
    payload: new URLSearchParams({ ...form, _csrf: s.csrf }).toString(),
  });
  return { status: r.statusCode, body: r.body, location: r.headers.location };
}
const page = async (as: Member, url = `/cases/${reportId}`) =>
  (await h.server.inject({ method: 'GET', url, headers: { cookie: (await session(as)).cookie } })).body;

test('the fix section shows the profile’s checklist; an owner and a done mark are set by plain forms', async () => {
  const before = await page(kim);
  assert.match(before, /<h3 id="checklist-h">Remediation checklist<\/h3>/);
  for (const step of [
    'Develop and test the fix in a private branch',
    'Conduct thorough code reviews',
    'Merge the fix to the main branch',
  ]) {
    assert.ok(before.includes(step), step);
  }
  const owned = await post(kim, `/cases/${reportId}/checklist/code-review/owner`, { ownerId: tom.personId });
  assert.equal(owned.status, 303, owned.body);
  const notOnTeam = await post(kim, `/cases/${reportId}/checklist/code-review/owner`, { ownerId: '00000000-0000-4000-8000-000000000001' });
  assert.equal(notOnTeam.status, 400, notOnTeam.body);
  assert.match(notOnTeam.body, /member of the security teams/);
  h.clock.set('2026-12-01T10:00:00Z');
  assert.equal((await post(kim, `/cases/${reportId}/checklist/private-branch/done`, { done: 'true' })).status, 303);
  const after = await page(kim);
  assert.match(after, /<option value="[^"]+" selected>Tom Second<\/option>/);
  assert.match(after, /<span class="badge">done<\/span> <time[^>]*>[^<]*<\/time>, by Kim Kernel/);
  assert.match(after, /name="done" value="false"><button type="submit" class="secondary">Not done/);
});

test("the status update form offers the profile's states; another is refused and nothing is sent", async () => {
  const form = await page(coord, `/cases/${reportId}`);
  assert.match(form, /<option value="Preparing Release">Preparing Release<\/option>/);
  const sent = (await outbox(h, reportId)).length;
  const bad = await post(coord, `/cases/${reportId}/status-update`, { status: 'Nearly done', resolutionDate: '2026-12-14' });
  assert.equal(bad.status, 400, bad.body);
  assert.match(bad.body, /one of the process(&#39;|&#x27;|')s states: Assessment, In Development, Testing, Preparing Release/);
  const badDate = await post(coord, `/cases/${reportId}/status-update`, { status: 'Testing', resolutionDate: '2026-02-30' });
  assert.equal(badDate.status, 400, badDate.body);
  assert.match(badDate.body, /not a real calendar date/);
  assert.equal((await outbox(h, reportId)).length, sent, 'nothing sent');
  assert.equal((await post(coord, `/cases/${reportId}/status-update`, { status: 'Testing', resolutionDate: '2026-12-14' })).status, 303);
  assert.equal((await outbox(h, reportId)).length, sent + 1);
});

test('after the advisory is public: post-disclosure, a monitoring note, the fix reopened with a reason, then the corrected fix', async () => {
  assert.ok(!(await page(kim)).includes('id="after-h"'), 'no after-disclosure section before disclosure');
  h.clock.set('2026-12-02T10:00:00Z');
  const adv = await createAdvisory(kim.ctx, reportId);
  const doc = (await advisoryView(kim.ctx, adv.advisoryId)).head.document;
  const saved = await saveAdvisory(kim.ctx, adv.advisoryId, {
    document: {
      ...doc,
      summary: 'A grant region overflow in the kernel.',
      description: 'The kernel did not check the length of an allowed buffer.',
      mitigation: 'Do not load untrusted apps.',
      upgrade: 'Upgrade to 2.1.1.',
      cveIds: ['CVE-2026-4243'],
      cvss: ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H'],
      affected: [
        { project: 'tock', vendor: 'Tock', product: 'Tock kernel', ranges: [{ type: 'semver', introduced: '2.0.0', fixed: '2.1.1' }] },
      ],
      references: [{ url: 'https://example.org/fix', type: 'fix' }],
    },
  });
  await reviewAdvisory(tom.ctx, adv.advisoryId, { version: saved.version, verdict: 'approved' });
  await schedulePublication(kim.ctx, adv.advisoryId, { publishAt: '2026-12-04T15:00:00Z' });
  h.clock.set('2026-12-04T15:01:00Z');
  await emitPublicationEvents(h.app, h.clock.fn());
  assert.match(await page(kim), /Post-disclosure: the advisory is public; the team monitors the fix\./);

  assert.equal((await post(kim, `/cases/${reportId}/monitoring-notes`, { text: 'A downstream board still faults.' })).status, 303);
  const short = await post(kim, `/cases/${reportId}/fix/reopen`, { reason: 'faults' });
  assert.equal(short.status, 400, short.body);
  assert.match(short.body, />faults<\/textarea>/, 'what was typed is kept');
  const reopened = await post(kim, `/cases/${reportId}/fix/reopen`, { reason: 'The fixed kernel still faults on a zero-length allow.' });
  assert.equal(reopened.status, 303, reopened.body);
  let p = await page(kim);
  assert.match(p, /Back in remediation: the public fix proved incomplete\./);
  assert.match(p, /A downstream board still faults\./);
  assert.match(p, /The fixed kernel still faults on a zero-length allow\./, 'the reason is in the timeline');
  assert.equal((await post(kim, `/cases/${reportId}/fix/corrected`, { note: 'Released in 2.1.2.' })).status, 303);
  p = await page(kim);
  assert.match(p, /Post-disclosure: the advisory is public/);
  assert.match(p, /reopened 1 time\./);
});

test('the retrospective, an action, and a profile edit proposed as a diff that the admin page applies only when it lints', async () => {
  assert.equal(
    (
      await post(coord, `/cases/${reportId}/retrospective`, {
        wentWell: 'Assignment on time.',
        wentBadly: 'The fix needed a second round.',
      })
    ).status,
    303,
  );
  assert.equal(
    (await post(coord, `/cases/${reportId}/retrospective/actions`, { text: 'Fuzz zero-length allows.', ownerId: kim.personId })).status,
    303,
  );
  const p = await page(coord);
  assert.match(p, /The fix needed a second round\.<\/textarea>/);
  assert.match(p, /Fuzz zero-length allows\. <span class="muted">\(Kim Kernel\)<\/span>/);

  const original = (await api(h, 'GET', '/api/profile', { as: admin })).body;
  const broken = original.replace('  states: [Assessment, In Development, Testing, Preparing Release]', '  states: [Testing, testing]');
  assert.notEqual(broken, original);
  const proposed = await post(coord, `/cases/${reportId}/profile-proposals`, {
    summary: 'Fewer states',
    patch: createPatch('profile.yaml', original, broken),
  });
  assert.equal(proposed.status, 303, proposed.body);
  const notADiff = await post(coord, `/cases/${reportId}/profile-proposals`, { summary: 'Nothing', patch: 'not a diff' });
  assert.equal(notADiff.status, 400, notADiff.body);
  assert.match(notADiff.body, /does not apply/);
  assert.match(await page(coord), /Would not lint/);

  const adminPage = await page(admin, '/admin/profile-proposals');
  assert.match(adminPage, /Fewer states/);
  assert.match(adminPage, /<span class="diff-added">\+ {2}states: \[Testing, testing\]<\/span>/);
  const id = /\/admin\/profile-proposals\/([0-9a-f-]{36})\/apply/.exec(adminPage)![1]!;
  const refused = await post(admin, `/admin/profile-proposals/${id}/apply`, {});
  assert.equal(refused.status, 422, refused.body);
  assert.match(refused.body, /the state &quot;testing&quot; is listed twice|the state "testing" is listed twice/);
  assert.equal((await api(h, 'GET', '/api/profile', { as: admin })).body, original, 'nothing changed');
  assert.equal((await post(admin, `/admin/profile-proposals/${id}/reject`, { note: 'Lints badly.' })).status, 303);
  assert.match(await page(admin, '/admin/profile-proposals'), /Rejected<\/strong> <time[^>]*>[^<]*<\/time> by Ada Admin: Lints badly\./);
});
