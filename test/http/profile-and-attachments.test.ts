import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { loadShippedProfileText } from '../../src/process/loader.ts';

let h: Harness;
let admin: Member, tom: Member, paula: Member;

before(async () => {
  h = await startHarness({ config: { publicFormRatePerMinute: 3 } });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-a-security'] });
});
after(() => h.close());

test('a team edits its copy of the profile; a broken one is refused with every problem located', async () => {
  const current = await api(h, 'GET', '/api/profile', { as: tom });
  assert.equal(current.status, 200);
  assert.match(current.body, /^# |id: trusted-firmware/m);
  const edited = loadShippedProfileText('trusted-firmware')
    .replace(/^id: trusted-firmware$/m, 'id: acme-firmware')
    .replace('amount: 3, unit: working-days', 'amount: 2, unit: working-days');
  assert.equal((await api(h, 'PUT', '/api/profile', { as: tom, body: { yaml: edited } })).status, 403, 'admins only');
  const ok = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: edited } });
  assert.equal(ok.status, 200, ok.body);
  // New reports now run on the edited triage clock: 2 working days.
  h.clock.set('2026-11-23T10:00:00Z'); // Monday
  const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  const view = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tom })).json;
  assert.equal(view.deadlines[0].dueAt, '2026-11-26T00:00:00.000Z'); // end of Wednesday, London

  const broken = edited.replace('singleProjectHandOff: true', 'singleProjectHandOff: yes please');
  const bad = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: broken } });
  assert.equal(bad.status, 422, bad.body);
  assert.equal(bad.json.error.code, 'profile_invalid');
  assert.match(bad.json.error.details[0].path, /^\d+:\d+ workflow\.singleProjectHandOff$/);
  const tock = await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: loadShippedProfileText('tock') } });
  assert.equal(tock.status, 409, 'a different workflow under running cases is refused');
});

test('attachments are stored sealed and downloaded only by people who may see the case', async () => {
  const content = Buffer.from('<html><script>alert(1)</script></html>');
  const r = await api(h, 'POST', '/api/reports', {
    body: {
      ...sampleReport,
      attachments: [{ filename: '../../etc/"poc".html', contentType: 'text/html', contentBase64: content.toString('base64') }],
    },
  });
  assert.equal(r.status, 201, r.body);
  const stored = await h.app.db.query<{ data_sealed: string; filename_sealed: string }>(
    'SELECT data_sealed, filename_sealed FROM attachments',
  );
  assert.ok(stored.rows.every((x) => !x.data_sealed.includes(content.toString('base64')) && !x.filename_sealed.includes('poc')));
  const view = (await api(h, 'GET', `/api/reports/${r.json.reportId}`, { as: tom })).json;
  const att = view.attachments[0];
  assert.equal(att.filename, '../../etc/"poc".html');
  const dl = await api(h, 'GET', `/api/reports/${r.json.reportId}/attachments/${att.id}`, { as: tom });
  assert.equal(dl.status, 200);
  assert.equal(dl.body, content.toString());
  assert.equal(dl.headers['content-type'], 'application/octet-stream');
  assert.match(
    String(dl.headers['content-disposition']),
    /^attachment; filename="attachment"; filename\*=UTF-8''\.\.%2F\.\.%2Fetc%2F%22poc%22\.html$/,
  );
  assert.equal((await api(h, 'GET', `/api/reports/${r.json.reportId}/attachments/${att.id}`, { as: paula })).status, 404);
});

test('the public form is rate-limited per address', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await api(h, 'POST', '/api/reports', { body: sampleReport })).status);
  assert.ok(statuses.includes(429), statuses.join(','));
  const limited = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(limited.json.error.code, 'rate_limited');
});

test('the OpenAPI document lists every route with its policy and request schema', async () => {
  const doc = (await api(h, 'GET', '/api/openapi.json')).json;
  assert.equal(doc.openapi, '3.1.0');
  const accept = doc.paths['/api/reports/{id}/accept'].post;
  assert.equal(accept['x-policy'], 'signed-in');
  assert.deepEqual(accept.requestBody.content['application/json'].schema.required.sort(), ['projects', 'title']);
  assert.equal(doc.paths['/api/reports'].post.requestBody.content['application/json'].schema.additionalProperties, false);
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops))
      assert.ok(['public', 'reporter-link', 'signed-in', 'admin', 'stakeholder'].includes(op['x-policy']), `${method} ${path}`);
  }
});
