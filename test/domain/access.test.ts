import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  advisoryActions,
  advisoryRefusal,
  deskActions,
  isSecondReviewer,
  mayDo,
  mayManageCalendarOf,
  type AdvisoryFacts,
  type CaseFacts,
  type Principal,
} from '../../src/domain/access.ts';

// The permission vocabulary: one function per resource decides both what a page offers and what a
// use case accepts.

const person = (o: Partial<Extract<Principal, { kind: 'person' }>> = {}): Principal => ({
  kind: 'person',
  personId: 'p-1',
  name: 'Pat',
  isAdmin: false,
  central: false,
  projectIds: [],
  ...o,
});
const system: Principal = { kind: 'system', label: 'cli' };
const anonymous: Principal = { kind: 'anonymous' };
const reporter: Principal = { kind: 'reporter', reportId: 'r-1' };

const incident: CaseFacts = {
  reportId: 'r-1',
  incidentId: 'i-1',
  rmState: 'valid',
  triagerId: 'p-9',
  acknowledged: true,
  incidentOpen: true,
  serious: false,
  projects: [{ projectId: 'proj-a', rmState: 'accepted', handlerId: 'p-2' }],
  participants: [{ personId: 'p-5', role: 'collaborator' }],
};

const draft: AdvisoryFacts = {
  state: 'draft',
  headVersion: 2,
  approvedVersion: null,
  publishAt: null,
  publishedVersion: null,
  headAuthorId: 'p-2',
};
const NOW = new Date('2026-12-01T12:00:00Z');

test('desk-wide actions: admins manage the instance, the central team and admins share the CVE pool, deliveries and metrics', () => {
  const admin = person({ isAdmin: true });
  const central = person({ central: true });
  assert.deepEqual(deskActions(admin), [
    'admin.manage',
    'cve_pool.manage',
    'cna_account.manage',
    'mail.inbox',
    'mail.deliveries',
    'mail.settings',
    'metrics.read',
    'stakeholders.manage',
  ]);
  assert.deepEqual(deskActions(central), [
    'cve_pool.manage',
    'cve_pool.see_advisories',
    'mail.deliveries',
    'metrics.read',
    'stakeholders.manage',
  ]);
  assert.deepEqual(deskActions(person({ projectIds: ['proj-a'] })), []);
  assert.deepEqual(deskActions(anonymous), []);
  assert.deepEqual(deskActions(reporter), []);
  assert.deepEqual(deskActions({ kind: 'stakeholder', orgId: 'o-1', name: 'Distro One' }), [], 'an organisation manages nothing');
  assert.ok(mayDo(system, 'admin.manage') && mayDo(system, 'cve_pool.see_advisories'), 'the operator at the shell');
});

test("calendars: one's own, or an admin, or the operator; nobody else", () => {
  assert.ok(mayManageCalendarOf(person(), 'p-1'));
  assert.ok(!mayManageCalendarOf(person(), 'p-2'));
  assert.ok(mayManageCalendarOf(person({ isAdmin: true }), 'p-2'));
  assert.ok(mayManageCalendarOf(system, 'p-2'));
  assert.ok(!mayManageCalendarOf(anonymous, 'p-1'));
});

test('advisories: only the security teams of the incident, never people pulled into the case', () => {
  const collaborator = person({ personId: 'p-5' });
  for (const action of ['advisory.create', 'advisory.edit', 'advisory.circulate'] as const) {
    assert.equal(advisoryRefusal(collaborator, incident, draft, action, NOW)?.kind, 'forbidden', action);
  }
  assert.deepEqual(advisoryActions(person({ projectIds: ['proj-b'] }), incident, draft, NOW), []);
  assert.deepEqual(advisoryActions(reporter, incident, draft, NOW), []);
  // A report not accepted yet has no incident and so no advisory.
  const report = { ...incident, incidentId: null };
  assert.equal(advisoryRefusal(person({ central: true }), report, null, 'advisory.create', NOW)?.kind, 'conflict');
});

test('the author of the head version may not approve it: the page and the use case ask the same question', () => {
  const author = person({ personId: 'p-2', projectIds: ['proj-a'] });
  const second = person({ personId: 'p-3', central: true });
  assert.ok(!isSecondReviewer(author, 'p-2'));
  assert.ok(isSecondReviewer(second, 'p-2'));
  assert.deepEqual(advisoryActions(author, incident, draft, NOW), ['advisory.edit', 'advisory.circulate', 'advisory.assign_cve']);
  assert.deepEqual(advisoryActions(second, incident, draft, NOW), [
    'advisory.edit',
    'advisory.approve',
    'advisory.request_changes',
    'advisory.circulate',
    'advisory.assign_cve',
  ]);
  assert.equal(advisoryRefusal(author, incident, draft, 'advisory.approve', NOW)?.kind, 'forbidden');
  // An approved head is published, not approved again; changes may still be requested.
  const approved = { ...draft, state: 'approved' as const, approvedVersion: 2 };
  assert.deepEqual(advisoryActions(second, incident, approved, NOW), [
    'advisory.edit',
    'advisory.request_changes',
    'advisory.circulate',
    'advisory.publish',
    'advisory.assign_cve',
  ]);
  assert.match(advisoryRefusal(second, incident, draft, 'advisory.publish', NOW)!.message, /not approved yet/);
});

test('withdrawal: only of a public advisory, and a withdrawn one takes no more edits', () => {
  const central = person({ central: true });
  const scheduled = {
    ...draft,
    state: 'published' as const,
    approvedVersion: 3,
    headVersion: 3,
    publishAt: new Date('2026-12-02T00:00:00Z'),
    publishedVersion: 3,
  };
  assert.ok(!advisoryActions(central, incident, scheduled, NOW).includes('advisory.withdraw'), 'not public before its time');
  assert.ok(advisoryActions(central, incident, scheduled, new Date('2026-12-02T00:00:00Z')).includes('advisory.withdraw'));
  const withdrawn = { ...scheduled, state: 'withdrawn' as const, approvedVersion: null };
  assert.deepEqual(advisoryActions(central, incident, withdrawn, NOW), ['advisory.circulate']);
  assert.match(advisoryRefusal(central, incident, withdrawn, 'advisory.edit', NOW)!.message, /no more edits/);
});
