import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, type Harness, type Member } from '../support/harness.ts';

// The scoring API: setting an incident's vectors (by report id and by incident id), scoring a vector
// for tools, and searching the CWE list. Bad input gets 400 with the reasons and changes nothing.

const V40_CRITICAL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
const V31_HIGH = 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N';

let h: Harness;
let admin: Member, coord: Member, outsider: Member;
let reportId: string;
let incidentRef: string;

before(async () => {
  h = await startHarness({ clock: '2026-11-23T10:00:00Z' });
  admin = await setupDesk(h, 'tock');
  await addProject(admin, 'other', 'Other');
  coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
  outsider = await addMember(h, admin, { name: 'Olive Outsider', email: 'olive@other.example', teams: ['other-security'] });
  reportId = (
    await api(h, 'POST', '/api/reports', {
      body: {
        title: 'Grant overlap',
        body: 'Two grants overlap and an app reads kernel memory.',
        reporter: { name: 'Rae', email: 'rae@example.net' },
      },
    })
  ).json.reportId;
  const assessed = await api(h, 'POST', `/api/reports/${reportId}/assess`, {
    as: coord,
    body: { title: 'Grant overlap', severity: 'low', components: ['Kernel'], project: 'tock' },
  });
  assert.equal(assessed.status, 200, assessed.body);
  incidentRef = assessed.json.incidentRef;
});
after(() => h.close());

const q = encodeURIComponent;

test('GET /api/cvss scores a vector and says what this desk would set', async () => {
  const r = await api(h, 'GET', `/api/cvss?vector=${q(V40_CRITICAL)}`, { as: outsider });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(
    [r.json.version, r.json.vector, r.json.score, r.json.severity, r.json.nomenclature, r.json.description],
    ['4.0', V40_CRITICAL, 9.3, 'critical', 'CVSS-B', '9.3 critical (CVSS-B, CVSS 4.0)'],
  );
  assert.deepEqual(r.json.profile, { severity: 'critical', priority: 'P0', resolutionDays: 7 });
  assert.deepEqual(
    [r.json.json.version, r.json.json.vectorString, r.json.json.baseScore, r.json.json.baseSeverity],
    ['4.0', V40_CRITICAL, 9.3, 'CRITICAL'],
  );
  // Metrics in any order for 3.1 come back in the specification's order.
  const shuffled = 'CVSS:3.1/C:H/AV:N/AC:L/PR:L/UI:N/S:U/I:H/A:N';
  const r31 = await api(h, 'GET', `/api/cvss?vector=${q(shuffled)}`, { as: coord });
  assert.deepEqual([r31.json.vector, r31.json.score, r31.json.profile.severity, r31.json.profile.priority], [V31_HIGH, 8.1, 'high', 'P1']);
  // No impact: scored, but no severity band of the profile covers it.
  const none = await api(h, 'GET', `/api/cvss?vector=${q('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N')}`, { as: coord });
  assert.deepEqual([none.status, none.json.score, none.json.severity, none.json.profile], [200, 0, 'none', null]);
});

test('GET /api/cvss refuses bad vectors with the reasons; it needs a signed-in person', async () => {
  const bad = await api(h, 'GET', `/api/cvss?vector=${q('CVSS:4.0/AV:N/AC:L/AV:L')}`, { as: coord });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'validation_failed');
  assert.match(bad.json.error.message, /metric AV appears more than once/);
  assert.ok(bad.json.error.details.some((d: any) => d.path === 'vector' && /missing base metrics/.test(d.message)));
  assert.equal(
    (await api(h, 'GET', `/api/cvss?vector=${q('AV:N/AC:L/Au:N/C:P/I:P/A:P')}`, { as: coord })).status,
    400,
    'CVSS 2 is not scored',
  );
  assert.equal((await api(h, 'GET', '/api/cvss', { as: coord })).status, 400);
  assert.equal((await api(h, 'GET', `/api/cvss?vector=${q(V31_HIGH)}&extra=1`, { as: coord })).status, 400);
  assert.equal((await api(h, 'GET', `/api/cvss?vector=${'A'.repeat(401)}`, { as: coord })).status, 400);
  assert.equal((await api(h, 'GET', `/api/cvss?vector=${q(V31_HIGH)}`)).status, 401);
});

test('GET /api/cwe finds weaknesses by id and by words of the name, limited', async () => {
  const byId = await api(h, 'GET', '/api/cwe?q=787', { as: coord });
  assert.equal(byId.status, 200, byId.body);
  assert.equal(byId.json.version, '4.17');
  assert.deepEqual(byId.json.matches[0], { id: 'CWE-787', name: 'Out-of-bounds Write', status: 'Draft', usage: 'Allowed' });
  assert.equal((await api(h, 'GET', '/api/cwe?q=cwe-79', { as: coord })).json.matches[0].id, 'CWE-79');
  const words = await api(h, 'GET', `/api/cwe?q=${q('cross-site scripting')}`, { as: coord });
  assert.ok(
    words.json.matches.some((m: any) => m.id === 'CWE-79'),
    JSON.stringify(words.json.matches),
  );
  assert.ok(words.json.matches.every((m: any) => /cross-site/i.test(m.name) && /scripting/i.test(m.name)));
  const limited = await api(h, 'GET', `/api/cwe?q=${q('buffer')}&limit=3`, { as: coord });
  assert.equal(limited.json.matches.length, 3);
  assert.equal((await api(h, 'GET', `/api/cwe?q=improper`, { as: coord })).json.matches.length, 20, 'default limit');
  assert.deepEqual((await api(h, 'GET', `/api/cwe?q=${q('<script>')}`, { as: coord })).json.matches, []);
  for (const bad of [
    '/api/cwe',
    '/api/cwe?q=',
    '/api/cwe?q=x&limit=51',
    '/api/cwe?q=x&limit=0',
    `/api/cwe?q=${'x'.repeat(201)}`,
    '/api/cwe?q=x&sort=name',
  ]) {
    assert.equal((await api(h, 'GET', bad, { as: coord })).status, 400, bad);
  }
  assert.equal((await api(h, 'GET', '/api/cwe?q=79')).status, 401);
});

test('PUT /api/reports/:id/cvss and /api/incidents/:ref/cvss set the vectors; the case shows them', async () => {
  const r = await api(h, 'PUT', `/api/reports/${reportId}/cvss`, { as: coord, body: { vectors: [V31_HIGH] } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual([r.json.severity, r.json.priority, r.json.changed, r.json.severityChanged], ['high', 'P1', true, true]);
  const byRef = await api(h, 'PUT', `/api/incidents/${incidentRef.toLowerCase()}/cvss`, {
    as: coord,
    body: { vectors: [V31_HIGH, V40_CRITICAL], reason: 'the 4.0 assessment' },
  });
  assert.equal(byRef.status, 200, byRef.body);
  assert.deepEqual([byRef.json.governing, byRef.json.severity, byRef.json.priority], ['4.0', 'critical', 'P0']);
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.deepEqual(
    view.incident.cvss.map((v: any) => [v.version, v.vector, v.score, v.severity]),
    [
      ['3.1', V31_HIGH, 8.1, 'high'],
      ['4.0', V40_CRITICAL, 9.3, 'critical'],
    ],
  );
  assert.deepEqual([view.incident.severity, view.incident.priority], ['critical', 'P0']);
  assert.ok(view.audit.some((e: any) => e.action === 'incident.cvss_changed'));
});

test('PUT refuses invalid vectors with the reasons and changes nothing; outsiders get one 404', async () => {
  const before = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  const bad = await api(h, 'PUT', `/api/reports/${reportId}/cvss`, {
    as: coord,
    body: { vectors: ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:Q'] },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /SA:Q is not a valid value/);
  assert.deepEqual(
    bad.json.error.details.map((d: any) => d.path),
    ['vectors[0]'],
  );
  for (const body of [
    { vectors: 'CVSS:3.1/AV:N' },
    { vectors: [V31_HIGH, V31_HIGH] },
    { vectors: [V31_HIGH, V40_CRITICAL, V31_HIGH] },
    {},
    { vectors: [42] },
  ]) {
    const r = await api(h, 'PUT', `/api/reports/${reportId}/cvss`, { as: coord, body });
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  const outsiderByRef = await api(h, 'PUT', `/api/incidents/${incidentRef}/cvss`, { as: outsider, body: { vectors: [V31_HIGH] } });
  const unknownRef = await api(h, 'PUT', '/api/incidents/TOCK-2026-9999/cvss', { as: outsider, body: { vectors: [V31_HIGH] } });
  assert.equal(outsiderByRef.status, 404);
  assert.deepEqual(outsiderByRef.json, unknownRef.json, 'the same answer whether the incident exists or not');
  const badBody = { vectors: ['CVSS:3.1/AV:N'] };
  const badKnown = await api(h, 'PUT', `/api/incidents/${incidentRef}/cvss`, { as: outsider, body: badBody });
  const badUnknown = await api(h, 'PUT', '/api/incidents/TOCK-2026-9999/cvss', { as: outsider, body: badBody });
  assert.deepEqual([badKnown.status, badKnown.json], [400, badUnknown.json], 'a bad body reads the same either way');
  const readByRef = await api(h, 'GET', `/api/incidents/${incidentRef}`, { as: outsider });
  assert.deepEqual(
    [readByRef.status, readByRef.json],
    [404, (await api(h, 'GET', '/api/incidents/TOCK-2026-9999', { as: outsider })).json],
    'reading too',
  );
  assert.equal((await api(h, 'PUT', `/api/reports/${reportId}/cvss`, { as: outsider, body: { vectors: [V31_HIGH] } })).status, 404);
  const afterView = (await api(h, 'GET', `/api/reports/${reportId}`, { as: coord })).json;
  assert.deepEqual([afterView.incident, afterView.timeline, afterView.deadlines], [before.incident, before.timeline, before.deadlines]);
});
