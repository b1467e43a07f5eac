import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHarness,
  setupDesk,
  addMember,
  addProject,
  api,
  outbox,
  sampleReport,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { addCveBlock } from '../../src/app/cve/pool.ts';
import { EXPORT_FORMATS } from '../../src/formats/export.ts';

// The leak guard at publication, over HTTP: scheduling refuses an advisory that carries any of the
// case's sensitive values (the reporter's identity, organisation, product, what they marked, the
// name they chose to be credited by) in any section, naming each field and the kind of value, never
// the value. Only the reporter's own choice to be credited by name lets their name (and nothing
// else) into their own credit. Circulation to stakeholders guards the same values.

let h: Harness;
let tina: Member, tom: Member;

const GIT_A = 'a'.repeat(40);
const GIT_B = 'b'.repeat(40);

before(async () => {
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tf.example', teams: ['security'] });
  await addMember(h, admin, { name: 'Stan Stakeholder', email: 'stan@ess.example' });
  await addCveBlock(tina.ctx, { block: 'CVE-2026-2000..CVE-2026-2009' });
});
after(() => h.close());

/** A report accepted into an incident, with an advisory started for it. */
async function caseWithAdvisory(report: Record<string, unknown>): Promise<{ reportId: string; statusToken: string; advisoryId: string }> {
  const r = await api(h, 'POST', '/api/reports', { body: report });
  assert.equal(r.status, 201, r.body);
  const { reportId, statusToken } = r.json;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tina,
    body: { title: 'BL2 image loader overflow', projects: ['tf-a'] },
  });
  assert.equal(acc.status, 200, acc.body);
  const a = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina });
  assert.equal(a.status, 201, a.body);
  const cve = await api(h, 'POST', `/api/advisories/${a.json.advisoryId}/cve`, { as: tina });
  assert.equal(cve.status, 201, cve.body);
  return { reportId, statusToken, advisoryId: a.json.advisoryId };
}

const AFFECTED = {
  project: 'tf-a',
  vendor: 'Trusted Firmware',
  product: 'TF-A',
  repo: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a',
  ranges: [
    { type: 'semver', introduced: '2.8.0', fixed: '2.10.1' },
    { type: 'git', introduced: GIT_A, fixed: GIT_B },
  ],
  components: ['BL2'],
};

const head = async (advisoryId: string) => (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json;

/** A document with everything publication needs, built on the head version, with `changes` on top. */
async function saveComplete(advisoryId: string, changes: Record<string, unknown> = {}) {
  const doc = (await head(advisoryId)).head.document;
  const r = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, {
    as: tina,
    body: {
      document: {
        ...doc,
        summary: 'A crafted FIP image overflows a stack buffer in BL2.',
        description: 'BL2 copies the image header into a fixed-size stack buffer without checking its length.',
        affected: [AFFECTED],
        references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
        mitigation: 'Only boot images signed by your own key.',
        cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
        publisher: { ...doc.publisher, cve: { orgId: '3f0b8c5e-8a52-4d6c-9a4e-2b1f6c7d8e9f', shortName: 'TrustedFirmware' } },
        ...changes,
      },
    },
  });
  assert.equal(r.status, 201, r.body);
}

async function approveAndSchedule(advisoryId: string) {
  const v = await head(advisoryId);
  assert.deepEqual(v.problems, [], v.problems.join('\n'));
  const ok = await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, {
    as: tom,
    body: { version: v.headVersion, verdict: 'approved' },
  });
  assert.equal(ok.status, 201, ok.body);
  return api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: { publishAt: '2026-12-01T09:00:00Z' } });
}

const refusedFields = (r: { json: any }) =>
  Object.fromEntries((r.json.error.details as { path: string; message: string }[]).map((d) => [d.path, d.message]));

test('an advisory naming the organisation and the product is refused at scheduling, naming the fields, not the values', async () => {
  const { advisoryId } = await caseWithAdvisory(sampleReport);
  await saveComplete(advisoryId, {
    summary: 'A crafted image overflows a stack buffer in BL2 on the ExampleCorp secure boot board rev C.',
    description: 'Found by a team at EXAMPLE  research ltd while auditing BL2.',
  });
  const r = await approveAndSchedule(advisoryId);
  assert.equal(r.status, 400, r.body);
  const fields = refusedFields(r);
  assert.match(fields.description ?? '', /\borganisation\b/, r.body);
  assert.match(fields.summary ?? '', /\bproduct\b/, r.body);
  assert.equal(fields.title, undefined, 'a clean section is not listed');
  assert.doesNotMatch(r.body, /Example Research|ExampleCorp|research ltd|rev C/i, 'the refusal never repeats a value');
  const after = await head(advisoryId);
  assert.equal(after.state, 'approved', 'nothing was scheduled');
  assert.equal(after.publishedVersion, null);
});

test('every section is guarded: references, timeline, affected products, a second credit, marked values', async () => {
  const { advisoryId } = await caseWithAdvisory(sampleReport);
  const doc = (await head(advisoryId)).head.document;
  await saveComplete(advisoryId, {
    title: 'BL2 overflow seen at Megacorp Automotive',
    upgrade: 'Write to rita@research.example for a patched build.',
    references: [
      { url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' },
      { url: 'https://research.example/blog/bl2', type: 'article' },
    ],
    timeline: [...doc.timeline, { at: '2026-11-20T09:00:00Z', event: 'Example Research Ltd confirmed the fix.' }],
    credits: [...doc.credits, { type: 'analyst', preference: 'name', name: 'Example Research Ltd' }],
    affected: [AFFECTED, { ...AFFECTED, components: ['BL2 as built for the ExampleCorp secure boot board rev C'] }],
  });
  const r = await approveAndSchedule(advisoryId);
  assert.equal(r.status, 400, r.body);
  const fields = refusedFields(r);
  assert.match(fields.title ?? '', /reporter-marked/, r.body);
  assert.match(fields.upgrade ?? '', /contact/, r.body);
  assert.match(fields['references[1]'] ?? '', /organisation/, r.body);
  assert.equal(fields['references[0]'], undefined);
  assert.match(fields['timeline[1]'] ?? '', /organisation/, r.body);
  assert.match(fields['credits[1]'] ?? '', /organisation/, r.body);
  assert.equal(fields['credits[0]'], undefined, "the reporter's own credit by name is theirs to give");
  assert.match(fields['affected[1]'] ?? '', /product/, r.body);
  assert.equal(fields['affected[0]'], undefined);
  assert.doesNotMatch(r.body, /Megacorp|rita@|research\.example|Example Research|ExampleCorp/i);
});

test('the reporter credited by name publishes their name; their organisation in that credit is refused', async () => {
  const { advisoryId } = await caseWithAdvisory(sampleReport);
  const doc = (await head(advisoryId)).head.document;
  await saveComplete(advisoryId, { credits: [{ ...doc.credits[0], organization: 'Example Research Ltd' }] });
  assert.equal((await head(advisoryId)).head.document.credits[0].organization, 'Example Research Ltd');
  const refused = await approveAndSchedule(advisoryId);
  assert.equal(refused.status, 400, refused.body);
  assert.deepEqual(refusedFields(refused), { 'credits[0]': 'organisation' });

  await saveComplete(advisoryId, { credits: [{ type: 'reporter', preference: 'name', name: 'Rita Reporter' }] });
  const ok = await approveAndSchedule(advisoryId);
  assert.equal(ok.status, 200, ok.body);
  const v = await head(advisoryId);
  assert.equal(v.state, 'published');
  assert.deepEqual(v.head.document.credits, [{ type: 'reporter', preference: 'name', name: 'Rita Reporter', contact: [] }]);
  for (const format of EXPORT_FORMATS) {
    const e = await api(h, 'GET', `/api/advisories/${advisoryId}/export?format=${format}`, { as: tina });
    assert.equal(e.status, 200, e.body);
    assert.match(e.body, /Rita Reporter/, format);
  }
});

test('a reporter who chose to be anonymous, named in a second credit and in the description, is refused', async () => {
  const { advisoryId } = await caseWithAdvisory({
    ...sampleReport,
    reporter: { name: 'Ana Nonyma', email: 'ana@gmail.com', organisation: null, handle: null },
    creditPreference: 'anonymous',
  });
  const doc = (await head(advisoryId)).head.document;
  assert.deepEqual(doc.credits, [{ type: 'reporter', preference: 'anonymous', contact: [] }]);
  await saveComplete(advisoryId, {
    description: 'Ana Nonyma found that BL2 copies the image header into a stack buffer.',
    credits: [...doc.credits, { type: 'finder', preference: 'name', name: 'ana nonyma' }],
  });
  const v = await head(advisoryId);
  assert.equal(v.head.reporterCredit, 0, 'the anonymous credit stays the reporter’s');
  const r = await approveAndSchedule(advisoryId);
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(refusedFields(r), { description: 'identity', 'credits[1]': 'identity' });
  assert.doesNotMatch(r.body, /Ana|Nonyma/i);
  assert.equal((await head(advisoryId)).publishedVersion, null);
});

test('the credit alias the reporter chose: refused in a draft for stakeholders and elsewhere at publication, published in their own credit', async () => {
  const { reportId, statusToken, advisoryId } = await caseWithAdvisory({
    ...sampleReport,
    reporter: { name: 'Hal Hacker', email: 'hal@posteo.de', organisation: null, handle: null },
    product: null,
    sensitive: [],
  });
  const pref = await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'handle', alias: 'zeroday-hal' } });
  assert.equal(pref.status, 200, pref.body);
  await saveComplete(advisoryId, { description: 'As zeroday-hal showed, BL2 copies the image header into a stack buffer.' });

  const outboxBefore = (await outbox(h, reportId)).length;
  const st = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: tina,
    body: { audience: 'stakeholders' },
  });
  assert.equal(st.status, 422, st.body);
  assert.deepEqual(refusedFields(st), { description: 'identity' });
  assert.doesNotMatch(st.body, /zeroday/);
  assert.equal((await outbox(h, reportId)).length, outboxBefore, 'nothing went to stakeholders');

  const refused = await approveAndSchedule(advisoryId);
  assert.equal(refused.status, 400, refused.body);
  assert.deepEqual(refusedFields(refused), { description: 'identity' }, 'the alias choice covers their own credit only');

  await saveComplete(advisoryId);
  const clean = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: tina,
    body: { audience: 'stakeholders', recipients: ['psirt@vendor.example'] },
  });
  assert.equal(clean.status, 201, clean.body);
  const ok = await approveAndSchedule(advisoryId);
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual((await head(advisoryId)).head.document.credits, [
    { type: 'reporter', preference: 'alias', alias: 'zeroday-hal', contact: [] },
  ]);
});

test('the CVE request text goes to the CNA, outside the security teams: refused while the draft names the organisation', async () => {
  const { advisoryId } = await caseWithAdvisory(sampleReport);
  await saveComplete(advisoryId, { description: 'Reported by the security team of Example Research Ltd.' });
  const refused = await api(h, 'GET', `/api/cve/advisories/${advisoryId}/request`, { as: tina });
  assert.equal(refused.status, 400, refused.body);
  assert.deepEqual(refusedFields(refused), { description: 'organisation' });
  assert.match(refused.json.error.message, /^The CVE request cannot be made/);
  assert.doesNotMatch(refused.body, /Example Research/i);
  await saveComplete(advisoryId, { description: 'BL2 copies the image header into a fixed-size stack buffer.' });
  const ok = await api(h, 'GET', `/api/cve/advisories/${advisoryId}/request`, { as: tina });
  assert.equal(ok.status, 200, ok.body);
  assert.match(ok.body, /Rita Reporter/, "the reporter's own credit by name is theirs to give");
});

test('a reporter who asks for anonymity after publication: a new version is drafted and the teams are told at once', async () => {
  const { reportId, statusToken, advisoryId } = await caseWithAdvisory(sampleReport);
  await saveComplete(advisoryId);
  const published = await approveAndSchedule(advisoryId);
  assert.equal(published.status, 200, published.body);
  const before = await head(advisoryId);
  const r = await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'anonymous' } });
  assert.equal(r.status, 200, r.body);
  const after = await head(advisoryId);
  assert.equal(after.headVersion, before.headVersion + 1, 'a new version with the anonymous credit');
  assert.equal(after.head.document.credits[0].preference, 'anonymous');
  const thread = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.thread;
  assert.match(thread.at(-1).body, /is public with the old credit: a new version is drafted; review, approve and publish it/);
  const lists = (await outbox(h, reportId)).filter((m) => m.templateId === 'list.credit_changed');
  assert.equal(lists.length, 1, 'the lists are told');
  assert.ok(lists[0]!.to.includes('security@lists.trustedfirmware.org'), lists[0]!.to.join(','));
});
