import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, sampleReport, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';

// Negotiating the disclosure timeline (TF P5, Tock 4.1), over HTTP with an injected clock: the
// handler proposes the end of each stakeholder tier's embargo and the public instant in a named zone;
// the reporter counters on their link; the team accepts; the embargo is active and the status update
// carries the agreed date. A revision the reporter rejects leaves the agreed timeline standing. An
// exploit made public ends the embargo at once and the reporter is told; nothing is left to negotiate.

let h: Harness;
let tina: Member, cora: Member;
let reportId: string;
let token: string;

const timeline = (ess: string, trusted: string, publicAt: string) => ({
  tiers: [
    { tier: 'ess', endsAt: ess },
    { tier: 'trusted-stakeholders', endsAt: trusted },
  ],
  publicAt,
  timeZone: 'Europe/Berlin',
});

before(async () => {
  h = await startHarness({ clock: '2026-12-01T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  token = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 overflow', projects: ['tf-a'] } });
  assert.equal(acc.status, 200, acc.body);
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
});
after(() => h.close());

const disclosure = async () => (await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.disclosure;
const fields = (r: { json: any }) => (r.json.error.details as { path: string }[]).map((d) => d.path);

test('a timeline that is not one is refused, naming each field', async () => {
  const missing = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: tina,
    body: {
      tiers: [{ tier: 'ess', endsAt: '2027-01-10T09:00:00+01:00' }],
      publicAt: '2027-02-01T09:00:00+01:00',
      timeZone: 'Europe/Berlin',
    },
  });
  assert.equal(missing.status, 400, missing.body);
  assert.deepEqual(fields(missing), ['tiers[1]']);
  const disorder = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: tina,
    body: timeline('2027-01-20T09:00:00+01:00', '2027-01-10T09:00:00+01:00', '2026-11-01T09:00:00Z'),
  });
  assert.equal(disorder.status, 400, disorder.body);
  assert.deepEqual(fields(disorder).sort(), ['publicAt', 'publicAt', 'tiers[1].endsAt']);
  const noZone = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: tina,
    body: { ...timeline('2027-01-10T09:00:00Z', '2027-01-20T09:00:00Z', '2027-02-01T09:00:00Z'), timeZone: 'Mars/Olympus' },
  });
  assert.deepEqual(fields(noZone), ['timeZone']);
  const collaborator = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: cora,
    body: timeline('2027-01-10T09:00:00Z', '2027-01-20T09:00:00Z', '2027-02-01T09:00:00Z'),
  });
  assert.equal(collaborator.status, 403, collaborator.body);
  assert.equal((await disclosure()).embargo, 'none', 'nothing changed');
});

test('the team proposes, the reporter counters on their link, the team accepts: the embargo is active', async () => {
  const proposed = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: tina,
    // 2027-01-09 is a Saturday in Berlin: allowed, with a warning.
    body: {
      ...timeline('2027-01-09T10:00:00+01:00', '2027-01-20T10:00:00+01:00', '2027-02-02T10:00:00+01:00'),
      note: 'The fix is nearly ready.',
    },
  });
  assert.equal(proposed.status, 201, proposed.body);
  assert.deepEqual(proposed.json.warnings, ['tiers[0].endsAt falls on a weekend in Europe/Berlin: people may not be there to act on it']);
  assert.equal((await disclosure()).embargo, 'proposed');
  const seen = await api(h, 'GET', `/api/reporter/${token}`);
  assert.equal(seen.json.disclosure.open.by, 'team');
  const told = seen.json.messages.at(-1).body as string;
  assert.match(told, /Enhanced security stakeholders \(primary embargo\): the embargo ends 9 January 2027, 10:00 CET/);
  assert.match(told, /Public disclosure: 2 February 2027, 10:00 CET/);

  const counter = await api(h, 'POST', `/api/reporter/${token}/embargo/answer`, {
    body: { answer: 'counter', timeline: timeline('2027-01-12T10:00:00+01:00', '2027-01-22T10:00:00+01:00', '2027-02-09T10:00:00+01:00') },
  });
  assert.equal(counter.status, 200, counter.body);
  const open = (await disclosure()).open;
  assert.equal(open.by, 'reporter');
  const again = await api(h, 'POST', `/api/reporter/${token}/embargo/answer`, { body: { answer: 'accept' } });
  assert.equal(again.status, 409, 'the reporter cannot accept their own counter');
  const accepted = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals/${open.id}/answer`, {
    as: tina,
    body: { answer: 'accept' },
  });
  assert.equal(accepted.status, 200, accepted.body);
  const d = await disclosure();
  assert.equal(d.embargo, 'active');
  assert.equal(d.endsAt, '2027-02-09T09:00:00.000Z');
  assert.equal(d.agreed.publicAt, '2027-02-09T09:00:00.000Z');
  assert.equal(d.open, null);

  const update = await api(h, 'POST', `/api/reports/${reportId}/status-updates`, { as: tina, body: { status: 'Fix in review' } });
  assert.equal(update.status, 200, update.body);
  const status = (await api(h, 'GET', `/api/reporter/${token}`)).json.messages.at(-1).body as string;
  assert.match(status, /Planned public disclosure: 9 February 2027, 10:00 CET/);
});

test('a revision the reporter rejects leaves the agreed timeline standing', async () => {
  const revised = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: tina,
    body: timeline('2027-01-15T10:00:00+01:00', '2027-01-25T10:00:00+01:00', '2027-03-01T10:00:00+01:00'),
  });
  assert.equal(revised.status, 201, revised.body);
  assert.equal((await disclosure()).embargo, 'revise');
  const no = await api(h, 'POST', `/api/reporter/${token}/embargo/answer`, { body: { answer: 'reject', note: 'March is too late.' } });
  assert.equal(no.status, 200, no.body);
  const d = await disclosure();
  assert.equal(d.embargo, 'active');
  assert.equal(d.endsAt, '2027-02-09T09:00:00.000Z', 'the agreed public instant again');
  assert.equal(d.agreed.publicAt, '2027-02-09T09:00:00.000Z');
});

test('an exploit made public ends the embargo at once; the reporter is told and nothing is left to negotiate', async () => {
  const short = await api(h, 'POST', `/api/reports/${reportId}/disclosure-flags`, {
    as: tina,
    body: { flag: 'exploit_public', evidence: 'no' },
  });
  assert.equal(short.status, 400, 'the evidence is required');
  const flagged = await api(h, 'POST', `/api/reports/${reportId}/disclosure-flags`, {
    as: tina,
    body: { flag: 'exploit_public', evidence: 'A working exploit was posted at https://exploits.example/bl2 today.' },
  });
  assert.equal(flagged.status, 200, flagged.body);
  const d = await disclosure();
  assert.equal(d.embargo, 'exited');
  assert.equal(d.agreed, null);
  const v = await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
  assert.ok(v.json.incident.caseState.exploitPublic);
  const told = (await api(h, 'GET', `/api/reporter/${token}`)).json.messages.at(-1).body as string;
  assert.match(told, /The embargo on the vulnerability you reported has ended: an exploit is public\./);
  const late = await api(h, 'POST', `/api/reports/${reportId}/embargo/proposals`, {
    as: tina,
    body: timeline('2027-01-15T10:00:00+01:00', '2027-01-25T10:00:00+01:00', '2027-03-01T10:00:00+01:00'),
  });
  assert.equal(late.status, 409, late.body);
  const twice = await api(h, 'POST', `/api/reports/${reportId}/disclosure-flags`, {
    as: tina,
    body: { flag: 'exploit_public', evidence: 'The same exploit, seen again elsewhere.' },
  });
  assert.equal(twice.status, 400, twice.body);
});
