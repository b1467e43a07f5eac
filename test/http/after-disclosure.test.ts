import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPatch } from 'diff';
import { addMember, api, outbox, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { setSubsystemContacts } from '../../src/app/admin/admin.ts';
import { advisoryView, createAdvisory, saveAdvisory } from '../../src/app/advisories/advisories.ts';
import { reviewAdvisory, schedulePublication } from '../../src/app/advisories/review.ts';
import { emitPublicationEvents } from '../../src/app/advisories/publication-events.ts';

// Tock §3 to §6 over the API, on a real database: the remediation checklist the profile names (owners
// and done marks), the status update with the profile's states and a real date, the incident in
// post-disclosure once the advisory is public, monitoring notes, the fix reopened when it proves
// incomplete (fix_reopened through the one emit, so a profile's clock starts on it), and the
// retrospective proposing an edit of the profile as a diff that an admin applies only when it lints.

let h: Harness;
let admin: Member, coord: Member, kim: Member, tom: Member, olga: Member;
let reportId: string;

const view = async (m: Member = coord) => {
  const r = await api(h, 'GET', `/api/reports/${reportId}`, { as: m });
  assert.equal(r.status, 200, r.body);
  return r.json;
};
const profileText = async () => (await api(h, 'GET', '/api/profile', { as: admin })).body;

before(async () => {
  h = await startHarness({ clock: '2026-11-30T14:00:00Z' });
  admin = await setupDesk(h, 'tock', 'America/New_York');
  coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tock.example', teams: ['security'] });
  kim = await addMember(h, admin, { name: 'Kim Kernel', email: 'kim@tock.example', teams: ['tock-security'] });
  olga = await addMember(h, admin, { name: 'Olga Outsider', email: 'olga@elsewhere.example' });
  await setSubsystemContacts(admin.ctx, 'tock', 'Kernel', { primary: 'kim@tock.example', secondary: null });
  const submitted = await api(h, 'POST', '/api/reports', {
    body: {
      title: 'Kernel grant overflow',
      body: 'An app can overflow a kernel grant region with a crafted allow call.',
      reporter: { name: 'Rae Reporter', email: 'rae@example.net' },
    },
  });
  reportId = submitted.json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/acknowledge`, { as: coord });
  await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Kernel grant overflow', severity: 'high', components: ['Kernel'], project: 'tock' },
  });
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/assign`, { as: coord, body: { subsystem: 'kernel' } })).status, 200);
});
after(() => h.close());

test("Tock §3: the profile's remediation checklist, each item with an owner on the teams and a done mark (who, when)", async () => {
  const before = (await view()).checklist;
  assert.deepEqual(
    before.items.map((i: { id: string }) => i.id),
    ['private-branch', 'code-review', 'validate', 'document', 'release-notes', 'patched-release', 'merge', 'release'],
  );
  assert.equal(before.items[0].stage, 'Remediation development');
  assert.equal(before.items[6].stage, 'Release and disclosure');
  assert.deepEqual(
    before.candidates.map((p: { name: string }) => p.name),
    ['Ada Admin', 'Charles Coordinator', 'Kim Kernel', 'Tom Second'],
  );

  const url = (item: string, what: string) => `/api/reports/${reportId}/checklist/${item}/${what}`;
  const owned = await api(h, 'PUT', url('code-review', 'owner'), { as: coord, body: { ownerId: tom.personId } });
  assert.equal(owned.status, 200, owned.body);
  // Someone off the incident's teams owns nothing: refused, and nothing changed.
  const outsider = await api(h, 'PUT', url('validate', 'owner'), { as: coord, body: { ownerId: olga.personId } });
  assert.equal(outsider.status, 400, outsider.body);
  assert.match(outsider.json.error.message, /member of the security teams/);
  assert.equal((await api(h, 'PUT', url('no-such-step', 'done'), { as: coord, body: { done: true } })).status, 404);
  assert.equal((await api(h, 'PUT', url('Code Review!', 'done'), { as: coord, body: { done: true } })).status, 404);
  assert.equal((await api(h, 'PUT', url('code-review', 'done'), { as: coord, body: { done: 'yes' } })).status, 400);

  h.clock.set('2026-12-01T10:00:00Z');
  const done = await api(h, 'PUT', url('private-branch', 'done'), { as: kim, body: { done: true } });
  assert.equal(done.status, 200, done.body);
  assert.equal((await api(h, 'PUT', url('private-branch', 'done'), { as: kim, body: { done: true } })).status, 409);
  const items = (await view()).checklist.items;
  assert.deepEqual(items[0], {
    id: 'private-branch',
    name: 'Develop and test the fix in a private branch',
    stage: 'Remediation development',
    owner: null,
    doneAt: '2026-12-01T10:00:00.000Z',
    doneBy: 'Kim Kernel',
  });
  assert.deepEqual(items[1].owner, { id: tom.personId, name: 'Tom Second' });
  assert.equal(items[2].owner, null, 'the refused owner was not set');
  // Not done after all (a step to redo): the mark goes, and can be set again.
  assert.equal((await api(h, 'PUT', url('private-branch', 'done'), { as: kim, body: { done: false } })).status, 200);
  assert.equal((await view()).checklist.items[0].doneAt, null);
  assert.equal((await api(h, 'PUT', url('private-branch', 'done'), { as: kim, body: { done: true } })).status, 200);
  // Someone who may not see the case learns nothing.
  assert.equal((await api(h, 'PUT', url('merge', 'done'), { as: olga, body: { done: true } })).status, 404);
});

test("Tock's status update names one of the profile's states and a real date; a wrong one is refused and nothing is sent", async () => {
  const sent = (await outbox(h, reportId)).length;
  const ok = await api(h, 'POST', `/api/reports/${reportId}/status-updates`, {
    as: coord,
    body: { status: 'testing', resolutionDate: '2026-12-14' },
  });
  assert.equal(ok.status, 200, ok.body);
  const mail = await outbox(h, reportId);
  assert.equal(mail.length, sent + 1);
  assert.match(mail.at(-1)!.body, /Current status: Testing\nEstimated resolution timeline: 14 December 2026\n/);
  for (const body of [
    { status: 'Almost there', resolutionDate: '2026-12-14' },
    { status: 'Testing', resolutionDate: '14/12/2026' },
    { status: 'Testing', resolutionDate: '2026-13-01' },
  ]) {
    const bad = await api(h, 'POST', `/api/reports/${reportId}/status-updates`, { as: coord, body });
    assert.equal(bad.status, 400, bad.body);
    assert.match(JSON.stringify(bad.json.error), /Assessment, In Development, Testing, Preparing Release|estimated resolution date/);
  }
  assert.equal((await outbox(h, reportId)).length, sent + 1, 'nothing sent for a refused update');
});

test('before the advisory is public there is nothing to monitor or reopen', async () => {
  assert.equal((await view()).afterDisclosure, null);
  const reopen = await api(h, 'POST', `/api/reports/${reportId}/fix/reopen`, { as: coord, body: { reason: 'A regression in the fix.' } });
  assert.equal(reopen.status, 409, reopen.body);
  assert.match(reopen.json.error.message, /not public yet/);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/monitoring-notes`, { as: coord, body: { text: 'x' } })).status, 409);
});

test('Tock §6: once the advisory is public the incident is in post-disclosure, with monitoring notes', async () => {
  h.clock.set('2026-12-02T10:00:00Z');
  const adv = await createAdvisory(kim.ctx, reportId);
  const doc = (await advisoryView(kim.ctx, adv.advisoryId)).head.document;
  const saved = await saveAdvisory(kim.ctx, adv.advisoryId, {
    document: {
      ...doc,
      summary: 'A grant region overflow in the kernel.',
      description: 'The kernel did not check the length of an allowed buffer against the grant region.',
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
  h.clock.set('2026-12-04T15:00:30Z');
  assert.equal((await emitPublicationEvents(h.app, h.clock.fn())).emitted, 1);

  const v = await view();
  assert.equal(v.afterDisclosure.phase, 'post-disclosure');
  assert.equal(v.afterDisclosure.disclosedAt, '2026-12-04T15:00:00.000Z');
  const move = v.timeline.find((t: { machine: string }) => t.machine === 'disclosure-phase');
  assert.equal(`${move.from}→${move.to}`, 'undisclosed→post-disclosure');
  assert.match(move.reason, /advisory .* published/);

  h.clock.set('2026-12-07T09:00:00Z');
  const note = await api(h, 'POST', `/api/reports/${reportId}/monitoring-notes`, {
    as: kim,
    body: { text: 'Two downstream boards report the fixed kernel still faults on a zero-length allow.' },
  });
  assert.equal(note.status, 201, note.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/monitoring-notes`, { as: kim, body: { text: ' ' } })).status, 400);
  const m = (await view()).afterDisclosure.monitoring;
  assert.equal(m.length, 1);
  assert.equal(m[0].by, 'Kim Kernel');
  assert.match(m[0].text, /zero-length allow/);
});

// The clock the retrospective proposes: the corrected fix within 7 days of reopening.
const REWORK_CLOCK = (stopsOn: string) => `  - id: rework
    name: Corrected fix within 7 days of reopening
    stage: post-disclosure
    startsOn: fix_reopened
    stopsOn: [${stopsOn}]
    duration: { amount: 7, unit: days }
    owner: triage-coordinator
`;
const withClock = (text: string, stopsOn: string) =>
  text.replace('    escalateTo: [secondary-contact]\n', `    escalateTo: [secondary-contact]\n${REWORK_CLOCK(stopsOn)}`);

test('Tock §6.2–6.3: the retrospective, its actions with owners, and a profile edit proposed as a diff, applied only when it lints', async () => {
  const saved = await api(h, 'PUT', `/api/reports/${reportId}/retrospective`, {
    as: coord,
    body: { wentWell: 'Triage and assignment inside their 48 and 72 hours.', wentBadly: 'Nobody timed the rework of an incomplete fix.' },
  });
  assert.equal(saved.status, 200, saved.body);
  assert.equal((await api(h, 'PUT', `/api/reports/${reportId}/retrospective`, { as: coord, body: {} })).status, 400);
  const action = await api(h, 'POST', `/api/reports/${reportId}/retrospective/actions`, {
    as: coord,
    body: { text: 'Add a clock for reworking a reopened fix.', ownerId: coord.personId },
  });
  assert.equal(action.status, 201, action.body);
  const offTeam = await api(h, 'POST', `/api/reports/${reportId}/retrospective/actions`, {
    as: coord,
    body: { text: 'Ask Olga to review.', ownerId: olga.personId },
  });
  assert.equal(offTeam.status, 400, offTeam.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/retrospective/actions/${action.json.id}/done`, { as: coord })).status, 200);
  const retro = (await view()).retrospective;
  assert.equal(retro.wentBadly, 'Nobody timed the rework of an incomplete fix.');
  assert.equal(retro.actions.length, 1);
  assert.deepEqual(retro.actions[0].owner, { id: coord.personId, name: 'Charles Coordinator' });
  assert.equal(retro.actions[0].doneBy, 'Charles Coordinator');

  const original = await profileText();
  // A proposal whose clock stops on an event nothing emits: reviewable, and refused when applied.
  const bad = await api(h, 'POST', `/api/reports/${reportId}/profile-proposals`, {
    as: coord,
    body: { summary: 'Time the rework (typo)', profileYaml: withClock(original, 'fix_shipped') },
  });
  assert.equal(bad.status, 201, bad.body);
  assert.match(bad.json.patch, /^\+ {4}stopsOn: \[fix_shipped\]$/m);
  assert.equal(bad.json.applies, true);
  assert.deepEqual(
    bad.json.problems.map((p: { message: string }) => p.message),
    ['unknown event "fix_shipped"'],
  );
  // Only an admin applies, and a profile that does not lint is refused with nothing changed.
  assert.equal((await api(h, 'POST', `/api/profile/proposals/${bad.json.id}/apply`, { as: coord, body: {} })).status, 403);
  const refused = await api(h, 'POST', `/api/profile/proposals/${bad.json.id}/apply`, { as: admin, body: {} });
  assert.equal(refused.status, 422, refused.body);
  assert.match(refused.body, /unknown event \\"fix_shipped\\"/);
  assert.equal(await profileText(), original);
  assert.equal((await api(h, 'GET', '/api/profile/proposals', { as: admin })).json[0].status, 'open');

  // A diff that does not apply to the profile, and one that changes nothing, are refused at once.
  const stale = createPatch('profile.yaml', 'id: some-other-process\n', 'id: tock2\n');
  const notApplying = await api(h, 'POST', `/api/reports/${reportId}/profile-proposals`, {
    as: coord,
    body: { summary: 'Stale', patch: stale },
  });
  assert.equal(notApplying.status, 400, notApplying.body);
  assert.match(notApplying.json.error.message, /does not apply/);
  const same = await api(h, 'POST', `/api/reports/${reportId}/profile-proposals`, {
    as: coord,
    body: { summary: 'Same', profileYaml: original },
  });
  assert.equal(same.status, 400, same.body);

  // The good proposal, given as a unified diff.
  const patch = createPatch('profile.yaml', original, withClock(original, 'fix_published'));
  const good = await api(h, 'POST', `/api/reports/${reportId}/profile-proposals`, {
    as: coord,
    body: { summary: 'Time the rework of a reopened fix', patch },
  });
  assert.equal(good.status, 201, good.body);
  assert.deepEqual(good.json.problems, []);
  const applied = await api(h, 'POST', `/api/profile/proposals/${good.json.id}/apply`, { as: admin, body: { note: 'Agreed.' } });
  assert.equal(applied.status, 200, applied.body);
  assert.equal(await profileText(), withClock(original, 'fix_published'));
  assert.equal((await api(h, 'POST', `/api/profile/proposals/${good.json.id}/apply`, { as: admin, body: {} })).status, 409);
  const listed = (await view()).profileProposals;
  assert.deepEqual(
    listed.map((p: { summary: string; status: string; baseIsCurrent: boolean }) => [p.summary, p.status, p.baseIsCurrent]),
    [
      ['Time the rework of a reopened fix', 'applied', false],
      ['Time the rework (typo)', 'open', false],
    ],
  );
  assert.equal((await api(h, 'POST', `/api/profile/proposals/${bad.json.id}/reject`, { as: admin, body: { note: 'Typo.' } })).status, 200);
});

test('the public fix proves incomplete: back to remediation with the reason, fix_reopened starts the new clock; the corrected fix ends it', async () => {
  h.clock.set('2026-12-08T09:00:00Z');
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: kim })).status, 200, 'the fix record says ready');
  const short = await api(h, 'POST', `/api/reports/${reportId}/fix/reopen`, { as: kim, body: { reason: 'broken' } });
  assert.equal(short.status, 400, 'a reason is required');
  const reopened = await api(h, 'POST', `/api/reports/${reportId}/fix/reopen`, {
    as: kim,
    body: { reason: 'The fixed kernel still faults on a zero-length allow call.' },
  });
  assert.equal(reopened.status, 200, reopened.body);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/fix/reopen`, { as: kim, body: { reason: 'Again, the same fault.' } })).status,
    409,
  );
  let v = await view();
  assert.equal(v.afterDisclosure.phase, 'remediation');
  assert.equal(v.afterDisclosure.reopened, 1);
  const move = v.timeline.filter((t: { machine: string }) => t.machine === 'disclosure-phase').at(-1);
  assert.equal(`${move.from}→${move.to}`, 'post-disclosure→remediation');
  assert.equal(move.reason, 'The fixed kernel still faults on a zero-length allow call.');
  assert.equal(v.fix.readyAt, null, 'the fix is not ready any more');
  assert.ok(v.incident.caseState.fixReady, 'the F flag stays (one-way)');
  const rework = v.deadlines.filter((d: { clock: string }) => d.clock === 'rework');
  assert.equal(rework.length, 1);
  assert.equal(rework[0].stoppedAt, null);
  assert.equal(rework[0].dueAt, '2026-12-15T09:00:00.000Z');
  // The resolution clock stopped when the fix went public and stays stopped.
  assert.ok(v.deadlines.filter((d: { clock: string }) => d.clock === 'resolution').every((d: { stoppedAt: string }) => d.stoppedAt));

  h.clock.set('2026-12-10T12:00:00Z');
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: kim })).status, 200, 'the corrected fix is ready');
  const corrected = await api(h, 'POST', `/api/reports/${reportId}/fix/corrected`, { as: kim, body: { note: 'Released in 2.1.2.' } });
  assert.equal(corrected.status, 200, corrected.body);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/fix/corrected`, { as: kim, body: { note: 'Released in 2.1.2.' } })).status,
    409,
  );
  v = await view();
  assert.equal(v.afterDisclosure.phase, 'post-disclosure');
  const stopped = v.deadlines.find((d: { clock: string }) => d.clock === 'rework');
  assert.equal(stopped.stoppedAt, '2026-12-10T12:00:00.000Z');
  assert.match(stopped.stopReason, /fix_published/);
});
