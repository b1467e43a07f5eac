import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CaseFacts, Principal } from '../../src/domain/access.ts';
import { audienceOf, describeAudience, readsUnredacted } from '../../src/domain/audience.ts';

const incident: CaseFacts = {
  reportId: 'r1',
  incidentId: 'i1',
  rmState: 'valid',
  triagerId: 'central-1',
  acknowledged: true,
  incidentOpen: true,
  serious: false,
  projects: [{ projectId: 'tf-a', rmState: 'valid', handlerId: 'handler-1' }],
  participants: [{ personId: 'helper-1', role: 'collaborator' }],
};

const person = (personId: string, o: { central?: boolean; projectIds?: string[] } = {}): Principal => ({
  kind: 'person',
  personId,
  name: personId,
  isAdmin: false,
  central: o.central ?? false,
  projectIds: o.projectIds ?? [],
});

test('each principal reads a case as one audience: the security teams, the reporter, a collaborator, or not at all', () => {
  assert.deepEqual(audienceOf(person('central-1', { central: true }), incident), { kind: 'security-team' });
  assert.deepEqual(audienceOf(person('handler-1', { projectIds: ['tf-a'] }), incident), { kind: 'security-team' });
  assert.deepEqual(audienceOf(person('helper-1'), incident), { kind: 'collaborator' });
  assert.deepEqual(audienceOf({ kind: 'reporter', reportId: 'r1' }, incident), { kind: 'reporter' });
  assert.equal(audienceOf({ kind: 'reporter', reportId: 'r2' }, incident), null);
  assert.equal(audienceOf(person('other-project', { projectIds: ['tf-m'] }), incident), null);
  assert.equal(audienceOf({ kind: 'anonymous' }, incident), null);
  assert.equal(audienceOf({ kind: 'system', label: 'cli' }, incident), null);
});

test('only the security teams and the reporter read sensitive values unredacted', () => {
  assert.equal(readsUnredacted({ kind: 'security-team' }), true);
  assert.equal(readsUnredacted({ kind: 'reporter' }), true);
  assert.equal(readsUnredacted({ kind: 'collaborator' }), false);
  assert.equal(readsUnredacted({ kind: 'stakeholder', tier: 'ess' }), false);
  assert.equal(readsUnredacted({ kind: 'public' }), false);
  assert.equal(describeAudience({ kind: 'stakeholder', tier: 'ESS' }), 'stakeholders (ESS)');
});
