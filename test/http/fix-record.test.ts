import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, sampleReport, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';

// The fix record (TF P6, Tock 3.x) over HTTP: the handler records the fix as it grows and marks it
// ready (the case state's F flag); a collaborator helping with the fix reads it relabelled, and
// nothing of it while it is held under export control.

let h: Harness;
let tina: Member, cora: Member;
let reportId: string;

before(async () => {
  h = await startHarness({ clock: '2026-12-01T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 overflow', projects: ['tf-a'] } });
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
});
after(() => h.close());

const view = async (m: Member) => (await api(h, 'GET', `/api/reports/${reportId}`, { as: m })).json;

test('the handler records patches, versions and review, marks items done and the fix ready', async () => {
  const patch = await api(h, 'POST', `/api/reports/${reportId}/fix/items`, {
    as: tina,
    body: { kind: 'pull-request', text: 'https://git.trustedfirmware.org/private/tf-a/+/123 (tested on the Example Research Ltd board)' },
  });
  assert.equal(patch.status, 201, patch.body);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/fix/items`, { as: tina, body: { kind: 'fixed-version', text: '2.10.1' } })).status,
    201,
  );
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/items`, { as: tina, body: { kind: 'wish', text: 'x' } })).status, 400);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/items/${patch.json.id}/done`, { as: tina })).status, 200);
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/fix/items`, { as: cora, body: { kind: 'note', text: 'mine' } })).status,
    403,
  );
  const readyAt = h.clock.now.toISOString();
  const ready = await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: tina });
  assert.equal(ready.status, 200, ready.body);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/fix/ready`, { as: tina })).status, 409);
  const v = await view(tina);
  assert.ok(v.incident.caseState.fixReady, 'the F flag is set');
  assert.equal(v.fix.items.length, 2);
  assert.equal(v.fix.items[0].done, true);
  assert.equal(v.fix.readyAt, readyAt);
});

test('a collaborator reads the fix relabelled, and nothing of it under export control', async () => {
  const seen = await view(cora);
  assert.match(seen.fix.items[0].text, /tested on the \[organisation\] board/);
  const held = await api(h, 'PUT', `/api/reports/${reportId}/fix/export-control`, {
    as: tina,
    body: { controlled: true, note: 'EAR 5D002 until the licence is granted.' },
  });
  assert.equal(held.status, 200, held.body);
  const hidden = await api(h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.equal(hidden.json.fix, null);
  assert.ok(!hidden.body.includes('private/tf-a') && !hidden.body.includes('EAR 5D002'), 'nothing of the fix reaches them');
  assert.equal((await view(tina)).fix.exportNote, 'EAR 5D002 until the licence is granted.');
  await api(h, 'PUT', `/api/reports/${reportId}/fix/export-control`, { as: tina, body: { controlled: false } });
  assert.equal((await view(cora)).fix.items.length, 2);
});
