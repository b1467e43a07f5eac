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
  auditActions,
  enroll,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { addCveBlock } from '../../src/app/cve/pool.ts';
import { EXPORT_FORMATS } from '../../src/formats/export.ts';

// The advisory workflow over HTTP, with two central members (Tina writes, Tom reviews), a project
// member, an outsider, a person pulled into the case and an admin: drafting, review by a second
// member, circulation of an exact version, publication refused with what is missing, the
// reporter's credit preference in every format, scheduled publication and withdrawal.

let h: Harness;
let tina: Member, tom: Member, hank: Member, paula: Member, cora: Member, adminOnly: Member;
let reportId: string;
let statusToken: string;
let advisoryId: string;

const GIT_A = 'a'.repeat(40);
const GIT_B = 'b'.repeat(40);

before(async () => {
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  await addProject(admin, 'tf-m', 'TF-M');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  await addMember(h, admin, { name: 'Stan Stakeholder', email: 'stan@ess.example' });
  const pureAdmin = await addPerson(admin.ctx, { name: 'Ann Admin', emails: ['ann@tf.example'], timeZone: 'UTC', isAdmin: true });
  adminOnly = { personId: pureAdmin.personId, ...(await enroll(h, pureAdmin.personId, pureAdmin.enrollmentToken)) };

  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  statusToken = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tina,
    body: { title: 'BL2 image loader overflow', projects: ['tf-a'] },
  });
  assert.equal(acc.status, 200, acc.body);
  await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
  // The handler's score (the CVSS calculator on the incident page stores it here).
  await h.app.db.query(`UPDATE incidents SET cvss_vectors = ARRAY['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] WHERE report_id = $1`, [
    reportId,
  ]);
});
after(() => h.close());

const head = async (as: Member = tina) => (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as })).json;

async function save(as: Member, document: unknown, extra: Record<string, unknown> = {}) {
  return api(h, 'POST', `/api/advisories/${advisoryId}/versions`, { as, body: { document, ...extra } });
}

/** A document with everything publication needs, built on the head version. */
function complete(doc: any) {
  return {
    ...doc,
    summary: 'A crafted FIP image overflows a stack buffer in BL2.',
    description: 'BL2 copies the image header into a fixed-size stack buffer without checking its length.',
    affected: [
      {
        project: 'tf-a',
        vendor: 'Trusted Firmware',
        product: 'TF-A',
        repo: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a',
        ranges: [
          { type: 'semver', introduced: '2.8.0', fixed: '2.10.1' },
          { type: 'git', introduced: GIT_A, fixed: GIT_B },
        ],
        components: ['BL2'],
      },
    ],
    references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
    mitigation: 'Only boot images signed by your own key.',
    // The team's CNA account, which a CVE record names.
    publisher: { ...doc.publisher, cve: { orgId: '3f0b8c5e-8a52-4d6c-9a4e-2b1f6c7d8e9f', shortName: 'TrustedFirmware' } },
  };
}

test('a team member starts an advisory pre-filled from the incident; the other roles cannot', async () => {
  for (const [who, status] of [
    [paula, 404],
    [adminOnly, 404],
    [cora, 403],
  ] as const) {
    const r = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: who });
    assert.equal(r.status, status, r.body);
  }
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/advisories`)).status, 401);
  const r = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina });
  assert.equal(r.status, 201, r.body);
  advisoryId = r.json.advisoryId;
  assert.match(r.json.publicId, /^TF-2026-\d{4}$/);
  const v = await head();
  assert.equal(v.state, 'draft');
  assert.equal(v.headVersion, 1);
  const doc = v.head.document;
  assert.equal(doc.id, r.json.publicId);
  assert.equal(doc.title, 'BL2 image loader overflow');
  assert.deepEqual(
    doc.affected.map((p: any) => [p.project, p.product]),
    [['tf-a', 'TF-A']],
  );
  assert.equal(doc.publisher.name, 'Trusted Firmware Security Team');
  assert.deepEqual(
    doc.cvss.map((s: any) => [s.version, s.baseScore]),
    [['3.1', 8.4]],
  );
  assert.deepEqual(doc.credits, [{ type: 'reporter', preference: 'name', name: 'Rita Reporter', contact: [] }]);
  assert.equal(v.head.reporterCredit, 0);
  assert.ok(v.problems.includes('cveIds: no CVE identifier'), v.problems.join('\n'));
  // The project member sees it too; the list of the case's advisories names it.
  assert.equal((await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: hank })).status, 200);
  const list = await api(h, 'GET', `/api/reports/${reportId}/advisories`, { as: hank });
  assert.deepEqual(
    list.json.map((a: any) => a.id),
    [advisoryId],
  );
});

test('outsiders get 404, a collaborator 403, for every advisory route; nothing changes', async () => {
  const before = (await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events')).rows[0]!.seq;
  const calls: [string, string, unknown?][] = [
    ['GET', `/api/advisories/${advisoryId}`],
    ['GET', `/api/advisories/${advisoryId}/versions/1`],
    ['GET', `/api/advisories/${advisoryId}/diff?from=1&to=1`],
    ['GET', `/api/advisories/${advisoryId}/export?format=osv`],
    ['POST', `/api/advisories/${advisoryId}/versions`, { document: { title: 'x' } }],
    ['POST', `/api/advisories/${advisoryId}/reviews`, { version: 1, verdict: 'approved' }],
    ['POST', `/api/advisories/${advisoryId}/circulations`, { audience: 'reporter' }],
    ['POST', `/api/advisories/${advisoryId}/publication`, {}],
    ['POST', `/api/advisories/${advisoryId}/withdrawal`, { reason: 'a probe of access' }],
    ['POST', `/api/advisories/${advisoryId}/cve`],
    ['GET', `/api/reports/${reportId}/advisories`],
  ];
  for (const [method, url, body] of calls) {
    for (const [who, status] of [
      [paula, 404],
      [adminOnly, 404],
      [cora, 403],
    ] as const) {
      const r = await api(h, method, url, { as: who, ...(body ? { body } : {}) });
      assert.equal(r.status, status, `${method} ${url}: ${r.body}`);
    }
  }
  assert.equal((await api(h, 'GET', '/api/advisories/00000000-0000-4000-8000-000000000000', { as: tina })).status, 404);
  assert.equal((await api(h, 'GET', '/api/advisories/not-an-id', { as: tina })).status, 404);
  assert.equal((await h.app.db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events')).rows[0]!.seq, before);
});

test('saving: each save is a version; an invalid document changes nothing and says what is wrong', async () => {
  const doc = (await head()).head.document;
  const bad = await save(tina, {
    ...doc,
    affected: [{ project: 'tf-a', vendor: 'TF', product: 'TF-A', ranges: [{ type: 'semver', introduced: '2.10.0', fixed: '2.9.0' }] }],
  });
  assert.equal(bad.status, 400);
  assert.ok(
    bad.json.error.details.some((d: any) => d.path === 'affected[0].ranges[0].fixed' && /ends before it starts/.test(d.message)),
    bad.body,
  );
  assert.equal((await head()).headVersion, 1, 'nothing saved');
  const ok = await save(tina, { ...doc, summary: 'A stack overflow in BL2.' }, { comment: 'summary', baseVersion: 1 });
  assert.equal(ok.status, 201, ok.body);
  assert.equal(ok.json.version, 2);
  const stale = await save(tom, { ...doc, summary: 'Someone else' }, { baseVersion: 1 });
  assert.equal(stale.status, 409, 'a save on top of an older version is refused');
  // The desk's fields cannot be set by an edit.
  const sneaky = await save(tina, { ...doc, summary: 'A stack overflow in BL2.', id: 'OTHER-1', published: '2026-01-01T00:00:00Z' });
  assert.equal(sneaky.status, 201);
  const v3 = (await head()).head.document;
  assert.equal(v3.id, doc.id);
  assert.equal(v3.published, undefined);
  const diff = await api(h, 'GET', `/api/advisories/${advisoryId}/diff?from=1&to=2`, { as: tom });
  assert.deepEqual(
    diff.json.sections.map((s: any) => s.section),
    ['summary'],
  );
  assert.deepEqual(diff.json.sections[0].parts, [{ kind: 'added', text: 'A stack overflow in BL2.\n' }]);
});

test('approval: never by the author of the version; by a second member; a new save resets it', async () => {
  const v = await head();
  const own = await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, {
    as: tina,
    body: { version: v.headVersion, verdict: 'approved' },
  });
  assert.equal(own.status, 403, own.body);
  assert.match(own.json.error.message, /second team member/);
  const stale = await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: 1, verdict: 'approved' } });
  assert.equal(stale.status, 409, 'only the head version is reviewed');
  const ok = await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, {
    as: tom,
    body: { version: v.headVersion, verdict: 'approved', comment: 'Reads well.' },
  });
  assert.equal(ok.status, 201, ok.body);
  let now = await head();
  assert.equal(now.state, 'approved');
  assert.equal(now.approvedVersion, v.headVersion);
  assert.deepEqual(
    now.reviews.map((r: any) => [r.reviewer, r.verdict, r.comment]),
    [['Tom Second', 'approved', 'Reads well.']],
  );
  await save(tina, { ...now.head.document, description: 'More detail.' });
  now = await head();
  assert.equal(now.state, 'draft', 'a save after approval returns the advisory to draft');
  assert.equal(now.approvedVersion, null);
  assert.ok((await auditActions(h, advisoryId)).includes('advisory.approved'));
});

test('circulation records the exact version sent, to the reporter and to stakeholders', async () => {
  const v = await head();
  const sent = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: tina,
    body: { audience: 'reporter', version: v.headVersion, message: 'Here is our draft.' },
  });
  assert.equal(sent.status, 201, sent.body);
  await save(tina, { ...v.head.document, description: 'Even more detail after circulation.' });
  const after = await head();
  assert.equal(after.headVersion, v.headVersion + 1);
  assert.deepEqual(
    after.circulations.map((c: any) => [c.version, c.audience, c.recipients.to]),
    [[v.headVersion, 'reporter', ['rita@research.example']]],
  );
  const mail = (await outbox(h, reportId)).filter((m) => /Draft advisory/.test(m.subject));
  assert.equal(mail.length, 1);
  assert.deepEqual(mail[0]!.to, ['rita@research.example']);
  assert.match(mail[0]!.body, new RegExp(`version ${v.headVersion}\\b`));
  assert.match(mail[0]!.body, /More detail\./);
  assert.doesNotMatch(mail[0]!.body, /Even more detail/);
  const thread = (await api(h, 'GET', `/api/reporter/${statusToken}`)).json.messages;
  assert.ok(
    thread.some((m: any) => m.kind === 'to_reporter' && /Draft advisory/.test(m.body)),
    'the reporter reads it on their status page',
  );

  // Stakeholders: by default the tiers told of the incident, and none is told yet.
  const none = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, { as: hank, body: { audience: 'stakeholders' } });
  assert.equal(none.status, 400, none.body);
  // Addresses given: one mail each, never naming the reporter.
  const st = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: hank,
    body: { audience: 'stakeholders', recipients: ['stan@ess.example'] },
  });
  assert.equal(st.status, 201, st.body);
  assert.deepEqual(st.json.recipients, ['stan@ess.example']);
  const toStan = (await outbox(h, reportId)).filter((m) => m.to.includes('stan@ess.example'));
  assert.equal(toStan.length, 1);
  assert.doesNotMatch(toStan[0]!.body, /Rita|rita@|Example Research/);
  assert.match(toStan[0]!.body, /anonymous reporter/);
  const rows = await h.app.db.query<{ version: number; audience: string }>(
    'SELECT version, audience FROM advisory_circulations WHERE advisory_id = $1 ORDER BY at, audience',
    [advisoryId],
  );
  assert.deepEqual(
    rows.rows.map((r) => [r.version, r.audience]),
    [
      [v.headVersion, 'reporter'],
      [after.headVersion, 'stakeholders'],
    ],
  );
  // A description that names the reporter is refused for stakeholders, and nothing is queued.
  await save(tina, { ...after.head.document, description: 'Found by Rita Reporter of Example Research Ltd.' });
  const outboxBefore = (await outbox(h, reportId)).length;
  const leak = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
    as: tina,
    body: { audience: 'stakeholders', recipients: ['ext@vendor.example'] },
  });
  assert.equal(leak.status, 422, leak.body);
  assert.equal((await outbox(h, reportId)).length, outboxBefore);
  await save(tina, { ...after.head.document });
});

test('publication is refused before approval, then with the full list of what is missing', async () => {
  const v = await head();
  const early = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: {} });
  assert.equal(early.status, 409, early.body);
  assert.match(early.json.error.message, /not approved/);
  await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: v.headVersion, verdict: 'approved' } });
  const refused = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: {} });
  assert.equal(refused.status, 400, refused.body);
  const paths = refused.json.error.details.map((d: any) => d.path);
  assert.deepEqual(paths.sort(), ['affected', 'affected[0]', 'cveIds', 'references'].sort(), refused.body);
  assert.ok(refused.json.error.details.some((d: any) => /no fixed version and no mitigation/.test(d.message)));
  assert.equal((await head()).state, 'approved', 'nothing changed');
});

test('a CVE id comes from the team pool as a new version', async () => {
  const empty = await api(h, 'POST', `/api/advisories/${advisoryId}/cve`, { as: tina });
  assert.equal(empty.status, 409);
  await addCveBlock(tina.ctx, { block: 'CVE-2026-1000..CVE-2026-1001' });
  const before = (await head()).headVersion;
  const r = await api(h, 'POST', `/api/advisories/${advisoryId}/cve`, { as: tina });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.cveId, 'CVE-2026-1000');
  const v = await head();
  assert.equal(v.headVersion, before + 1);
  assert.deepEqual(v.head.document.cveIds, ['CVE-2026-1000']);
});

test("the reporter's credit preference is honoured in every export format", async () => {
  await save(tina, complete((await head()).head.document));
  const exportAll = async () => {
    const out: string[] = [];
    for (const format of EXPORT_FORMATS) {
      const r = await api(h, 'GET', `/api/advisories/${advisoryId}/export?format=${format}`, { as: tina });
      assert.equal(r.status, 200, `${format}: ${r.body}`);
      out.push(r.json.files.map((f: any) => f.content).join('\n'));
    }
    return out;
  };
  for (const text of await exportAll()) assert.match(text, /Rita Reporter/);

  const handle = await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'handle', alias: 'ritasec42' } });
  assert.equal(handle.status, 200, handle.body);
  assert.equal(handle.json.advisoriesUpdated, 1);
  const v = await head();
  assert.equal(v.versions[0].comment, 'The reporter changed how they want to be credited.');
  assert.equal(v.versions[0].author, null);
  for (const [i, text] of (await exportAll()).entries()) {
    assert.match(text, /ritasec42/, EXPORT_FORMATS[i]);
    assert.doesNotMatch(text, /Rita Reporter/, EXPORT_FORMATS[i]);
  }
  // The drafter cannot override it: a save with the credit by name is stored with the handle.
  const doc = v.head.document;
  await save(tina, { ...doc, credits: [{ type: 'reporter', preference: 'name', name: 'Rita Reporter' }] });
  assert.deepEqual((await head()).head.document.credits, [{ type: 'reporter', preference: 'alias', alias: 'ritasec42', contact: [] }]);

  const anon = await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'anonymous' } });
  assert.equal(anon.status, 200, anon.body);
  const stored = (await head()).head.document.credits;
  assert.deepEqual(stored, [{ type: 'reporter', preference: 'anonymous', contact: [] }], 'nothing identifying is kept in the document');
  for (const [i, text] of (await exportAll()).entries()) {
    assert.doesNotMatch(text, /ritasec42|Rita|rita@/, EXPORT_FORMATS[i]);
  }
  // The reporter sees their choice; the team sees it in the thread.
  const view = (await api(h, 'GET', `/api/reporter/${statusToken}`)).json;
  assert.deepEqual(view.credit, { preference: 'anonymous', alias: null });
  assert.ok(view.messages.some((m: any) => m.kind === 'from_reporter' && /anonymously/.test(m.body)));
  // Bad input changes nothing.
  const bad = await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'name', alias: 'x' } });
  assert.equal(bad.status, 400);
  assert.equal((await api(h, 'PUT', `/api/reporter/rpt_${'x'.repeat(43)}/credit`, { body: { preference: 'anonymous' } })).status, 404);
});

test('scheduled publication of the approved head; withdrawal after it is public', async () => {
  let v = await head();
  assert.deepEqual(v.problems, [], v.problems.join('\n'));
  await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: hank, body: { version: v.headVersion, verdict: 'approved' } });
  const past = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: { publishAt: '2026-11-01T00:00:00Z' } });
  assert.equal(past.status, 400);
  const sched = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, {
    as: tina,
    body: { publishAt: '2026-12-01T09:00:00Z', notifyReporter: true },
  });
  assert.equal(sched.status, 200, sched.body);
  v = await head();
  assert.equal(v.state, 'published');
  assert.equal(v.publishedVersion, v.headVersion);
  assert.equal(v.publishAt, '2026-12-01T09:00:00.000Z');
  assert.equal(v.head.document.published, '2026-12-01T09:00:00Z');
  assert.equal(v.isPublic, false);
  const notice = (await outbox(h, reportId)).filter((m) => m.templateId === 'disclosure_notification');
  assert.equal(notice.length, 1);
  // The date as the reporter reads it, in the desk's zone (London), and the advisory's public page.
  assert.match(notice[0]!.body, /ends on 1 December 2026, 09:00 GMT,/);
  assert.doesNotMatch(notice[0]!.body, /2026-12-01T/);
  assert.ok(notice[0]!.body.includes(`/advisories/${encodeURIComponent(v.head.document.id)}/`), notice[0]!.body);
  assert.match(notice[0]!.body, /prefer not to be credited, or to be credited differently/);
  // The public-site contract: published_version set, public from publish_at.
  const row = (
    await h.app.db.query<{ published_version: number; publish_at: Date }>(
      'SELECT published_version, publish_at FROM advisories WHERE id = $1',
      [advisoryId],
    )
  ).rows[0]!;
  assert.equal(row.published_version, v.headVersion);

  const early = await api(h, 'POST', `/api/advisories/${advisoryId}/withdrawal`, {
    as: tina,
    body: { reason: 'Duplicate of another advisory.' },
  });
  assert.equal(early.status, 409, 'not public yet');
  h.clock.set('2026-12-02T09:00:00Z');
  assert.equal((await head()).isPublic, true);
  // An update of the public advisory: a new version, approved, published at once; the first publication stays.
  await save(tina, { ...v.head.document, upgrade: 'Upgrade to 2.10.1.' });
  assert.equal((await head()).state, 'published', 'the published version stays public while the update is drafted');
  const draftVersion = (await head()).headVersion;
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: {} })).status,
    409,
    'the update is not approved yet',
  );
  await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: draftVersion, verdict: 'approved' } });
  // An update cannot wait for a later time while the advisory is already public: publishing it would
  // show a newly embargoed detail at once, so a later time is refused and the public version stays.
  const publishedBefore = (await head()).publishedVersion;
  const later = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, {
    as: tina,
    body: { publishAt: '2026-12-03T09:00:00Z' },
  });
  assert.equal(later.status, 400, later.body);
  assert.equal(later.json.error.details[0].path, 'publishAt');
  assert.match(later.json.error.message, /already public/);
  assert.equal((await head()).publishedVersion, publishedBefore, 'the public version is unchanged');
  const upd = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: {} });
  assert.equal(upd.status, 200, upd.body);
  assert.equal(upd.json.publishAt, '2026-12-01T09:00:00.000Z');
  v = await head();
  assert.equal(v.publishedVersion, draftVersion + 1);
  assert.equal(v.head.document.published, '2026-12-01T09:00:00Z');
  assert.equal(v.head.document.modified, '2026-12-02T09:00:00Z');
  assert.equal(v.head.document.upgrade, 'Upgrade to 2.10.1.');
  const w = await api(h, 'POST', `/api/advisories/${advisoryId}/withdrawal`, {
    as: tom,
    body: { reason: 'Duplicate of another advisory.' },
  });
  assert.equal(w.status, 200, w.body);
  v = await head();
  assert.equal(v.state, 'withdrawn');
  assert.equal(v.publishedVersion, w.json.version);
  assert.equal(v.head.document.withdrawn, '2026-12-02T09:00:00Z');
  assert.equal(v.head.document.withdrawnReason, 'Duplicate of another advisory.');
  assert.equal(v.head.document.published, '2026-12-01T09:00:00Z');
  assert.equal((await save(tina, v.head.document)).status, 409, 'a withdrawn advisory takes no edits');
  const actions = await auditActions(h, advisoryId);
  for (const a of [
    'advisory.created',
    'advisory.saved',
    'advisory.approved',
    'advisory.circulated',
    'advisory.publication_scheduled',
    'advisory.withdrawn',
    'cve.assigned',
  ]) {
    assert.ok(actions.includes(a), `audited: ${a}`);
  }
});
