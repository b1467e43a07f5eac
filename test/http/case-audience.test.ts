import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, api, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';

// The case as a collaborator reads it (a person pulled into one incident, on no security team):
// the API JSON and the HTML case page carry the labels, never the reporter's name, organisation,
// product, marked fields or credit alias, wherever the text put them; advisory drafts sent to the
// reporter show only that they went. A central member reads the same case unredacted.

const NAME = 'Jane Doe';
const ORG = 'Initech Research';
const PRODUCT = 'Initrode Gateway X200';
const CUSTOMER = 'Globex Corporation';
const ALIAS = 'Zerocool Hacker';
const VALUES = [NAME, ORG, PRODUCT, CUSTOMER, ALIAS];

let h: WebHarness;
let tina: Member, cora: Member;
let reportId: string;
let ref: string;

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  const r = await api(h, 'POST', '/api/reports', {
    body: {
      title: `${PRODUCT} overflow found by ${NAME}`,
      // A fullwidth and a soft-hyphenated spelling must be labelled too.
      body: `${NAME} of ${ORG} found that ${PRODUCT} deployed at ${CUSTOMER} overflows. Also spelt Ｊａｎｅ Ｄｏｅ and Glo\u00adbex Corporation.`,
      reporter: { name: NAME, email: 'jane@initech.example', organisation: ORG, handle: 'jdoe' },
      product: PRODUCT,
      sensitive: [{ label: 'customer', value: CUSTOMER }],
      creditPreference: 'name',
    },
  });
  assert.equal(r.status, 201, r.body);
  reportId = r.json.reportId;
  const credit = await api(h, 'PUT', `/api/reporter/${r.json.statusToken}/credit`, { body: { preference: 'handle', alias: ALIAS } });
  assert.equal(credit.status, 200, credit.body);
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tina,
    body: { title: 'BL2 image loader overflow', projects: ['tf-a'] },
  });
  assert.equal(acc.status, 200, acc.body);
  ref = acc.json.ref ?? (await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.incident.ref;
  const reply = await api(h, 'POST', `/api/reports/${reportId}/replies`, {
    as: tina,
    body: { subject: `Your report on ${PRODUCT}`, body: `Dear ${NAME},\n\nthank you; we are looking at ${PRODUCT} with ${ORG}.` },
  });
  assert.equal(reply.status, 200, reply.body);
  const note = await api(h, 'POST', `/api/reports/${reportId}/notes`, {
    as: tina,
    body: { body: `Checked with ${CUSTOMER}; ${NAME} wants credit as ${ALIAS}.` },
  });
  assert.equal(note.status, 200, note.body);
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
  const adv = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina });
  assert.equal(adv.status, 201, adv.body);
  const sent = await api(h, 'POST', `/api/advisories/${adv.json.advisoryId}/circulations`, {
    as: tina,
    body: { audience: 'reporter', message: 'DRAFT-TEXT-MARKER: please review.' },
  });
  assert.equal(sent.status, 201, sent.body);
});
after(() => h.close());

async function casePage(m: Member): Promise<string> {
  const s = await webSession(h, m);
  const r = await h.server.inject({ method: 'GET', url: `/cases/${reportId}`, headers: { cookie: s.cookie } });
  assert.equal(r.statusCode, 200, r.body);
  return r.body;
}

function assertRedacted(text: string, where: string) {
  const lower = text.toLowerCase();
  for (const v of VALUES) assert.ok(!lower.includes(v.toLowerCase()), `${where} carries "${v}"`);
  assert.ok(!text.includes('Ｊａｎｅ'), `${where} carries the fullwidth name`);
  assert.ok(!text.includes('Glo\u00adbex'), `${where} carries the soft-hyphenated customer`);
  assert.ok(!text.includes('DRAFT-TEXT-MARKER'), `${where} carries the draft sent to the reporter`);
  for (const label of ['[reporter]', '[organisation]', '[product]', '[sensitive: customer]']) {
    assert.ok(text.includes(label), `${where} lacks the label ${label}`);
  }
}

test('a collaborator reads the case JSON with labels in place of every sensitive value', async () => {
  const byId = await api(h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.equal(byId.status, 200, byId.body);
  assertRedacted(byId.body, 'GET /api/reports/:id');
  assert.deepEqual(byId.json.reporter, { redacted: true });
  const body = byId.json.body as string;
  assert.equal(body.match(/\[reporter\]/g)?.length, 2, body);
  assert.equal(body.match(/\[sensitive: customer\]/g)?.length, 2, body);
  const reply = byId.json.thread.find((m: any) => m.kind === 'to_reporter' && m.body.includes('thank you'));
  assert.match(reply.body, /Dear \[reporter\],/);
  const draft = byId.json.thread.find((m: any) => m.kind === 'to_reporter' && /draft advisory/i.test(m.body));
  assert.ok(draft, 'the collaborator sees that a draft went to the reporter');
  const byRef = await api(h, 'GET', `/api/incidents/${ref}`, { as: cora });
  assert.equal(byRef.status, 200, byRef.body);
  assertRedacted(byRef.body, 'GET /api/incidents/:ref');
});

test('a collaborator reads the HTML case page with labels in place of every sensitive value', async () => {
  const html = await casePage(cora);
  assertRedacted(
    html.replaceAll('&#91;', '[').replaceAll('&#93;', ']').replaceAll('&#x5B;', '[').replaceAll('&#x5D;', ']'),
    'the case page',
  );
  assert.ok(html.includes('Redacted: only the security teams see who reported this.'));
});

test('a central member still reads everything, and the read of sensitive data is audited', async () => {
  const r = await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
  assert.equal(r.status, 200, r.body);
  for (const v of VALUES) assert.ok(r.body.includes(v), `the central member misses "${v}"`);
  assert.ok(r.body.includes('DRAFT-TEXT-MARKER'));
  assert.equal(r.json.reporter.name, NAME);
  assert.ok(r.json.audit.some((e: any) => e.action === 'case.sensitive_read'));
  const html = await casePage(tina);
  for (const v of VALUES) assert.ok(html.includes(v), `the central member's page misses "${v}"`);
});
