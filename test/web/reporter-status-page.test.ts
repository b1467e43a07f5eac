import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, outbox, sampleReport, setupDesk, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { reporterReference, REPORTER_CREDIT_CHOICES } from '../../src/domain/reporter-facing.ts';
import { TF_CNA } from '../support/advisory-parts.ts';

// The reporter's status page: their report under a reference that tells nothing of how many reports
// the desk has, what happened in plain words with the date the team next aims to answer by, the
// team's messages as messages (subject as heading, text as paragraphs), the credit choices in the
// report form's words, and the advisory's public page once it is public.

let h: WebHarness;
let tina: Member;
let tom: Member;
let reportId: string;
let token: string;

before(async () => {
  h = await startWebHarness({ clock: '2026-12-01T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tf.example', teams: ['security'] });
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  reportId = r.json.reportId;
  token = r.json.statusToken;
});
after(() => h.close());

const page = async (url: string) => (await h.server.inject({ method: 'GET', url })).body;
const textOf = (s: string) =>
  s
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

test('a reference made from the random id; the API and the form give it and never the running number', async () => {
  assert.match(reporterReference(reportId), /^R-[0-9A-HJKMNP-TV-Z]{8}$/);
  assert.equal(reporterReference(reportId), reporterReference(reportId), 'the same wherever it is shown');
  const second = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: 'Another overflow' } });
  assert.equal(second.status, 201);
  assert.equal(second.json.reference, reporterReference(second.json.reportId));
  assert.equal(second.json.number, undefined, 'the running number stays with the team');
  assert.notEqual(second.json.reference, reporterReference(reportId));
  const form = await h.server.inject({
    method: 'POST',
    url: '/report',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ title: 'A third overflow', body: 'Details of the third overflow, long enough.' }).toString(),
  });
  assert.equal(form.statusCode, 201, form.body);
  assert.match(form.body, /id="report-reference">R-[0-9A-Z]{8}</);
  assert.doesNotMatch(form.body, /number <strong>3/);
  const api3 = await api(h, 'GET', `/api/reporter/${token}`);
  assert.equal(api3.json.reference, reporterReference(reportId));
  assert.equal(api3.json.number, undefined);
  // The team finds the report by the reference the reporter quotes.
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const teamView = await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
  assert.equal(teamView.json.reporterReference, reporterReference(reportId));
  assert.equal(typeof teamView.json.number, 'number', 'the team keeps the running number');
});

test('the status page: reference in the title, what happened, and the date the team aims to answer by', async () => {
  const body = await page(`/status/${token}`);
  const ref = reporterReference(reportId);
  assert.match(body, new RegExp(`<title>Your report ${ref}`));
  assert.doesNotMatch(body, /#1\b/);
  assert.match(body, /What has happened/);
  assert.match(textOf(body), /We received your report\./);
  const due = (
    await h.app.db.query<{ due_at: Date }>('SELECT min(due_at) AS due_at FROM deadlines WHERE report_id = $1 AND stopped_at IS NULL', [
      reportId,
    ])
  ).rows[0]!.due_at;
  assert.ok(due, 'the triage clock runs');
  const next = /<p id="next-expected"[^>]*>([\s\S]*?)<\/p>/.exec(body)?.[1] ?? '';
  assert.match(next, /We aim to answer by/);
  assert.ok(next.includes(`datetime="${new Date(due).toISOString().slice(0, 19)}Z"`), next);
});

test('team messages read as messages: the subject a heading, the text in paragraphs, no "Subject:" dump; its mail subject names the reference', async () => {
  const sent = await api(h, 'POST', `/api/reports/${reportId}/replies`, {
    as: tina,
    body: { subject: 'A question about BL2', body: 'Which board did you use?\n\nAnd which firmware version?' },
  });
  assert.equal(sent.status, 200, sent.body);
  await api(h, 'POST', `/api/reports/${reportId}/replies`, { as: tina, body: { body: 'One more thing.' } });
  const body = await page(`/status/${token}`);
  assert.match(body, /<h3 class="message-subject">A question about BL2<\/h3>/);
  assert.match(body, /<p>Which board did you use\?<\/p>\s*<p>And which firmware version\?<\/p>/);
  assert.doesNotMatch(body, /Subject: /);
  const viaApi = (await api(h, 'GET', `/api/reporter/${token}`)).json.messages.find((m: { subject: string | null }) => m.subject);
  assert.equal(viaApi.subject, 'A question about BL2');
  assert.equal(viaApi.text, 'Which board did you use?\n\nAnd which firmware version?');
  assert.match(viaApi.body, /^Subject: A question about BL2\n\n/, 'the stored form as before');
  const mails = (await outbox(h, reportId)).filter((m) => m.to.includes('rita@research.example'));
  const plain = mails.find((m) => m.body.includes('One more thing.'));
  assert.ok(plain, 'the second reply is queued');
  assert.ok(plain.subject.includes(reporterReference(reportId)), plain.subject);
  assert.doesNotMatch(plain.subject, /report \d/);
});

test('the credit choices read the same on the report form and on the status page', async () => {
  const labels = (html: string, name: string) =>
    [...html.matchAll(new RegExp(`<input type="radio" name="${name}" value="[^"]+"[^>]*> ([^<]+)</label>`, 'g'))].map((m) => m[1]!.trim());
  const expected = REPORTER_CREDIT_CHOICES.map((c) => c.label);
  assert.deepEqual(labels(await page('/report'), 'creditPreference'), expected);
  assert.deepEqual(labels(await page(`/status/${token}`), 'preference'), expected);
});

test('once the advisory is public the page links to it and tells it in the timeline', async () => {
  await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tina, body: { title: 'BL2 image loader overflow', projects: ['tf-a'] } });
  let body = await page(`/status/${token}`);
  assert.match(textOf(body), /The team accepted your report and is handling it\./);
  assert.doesNotMatch(body, /Published advisory/);
  const created = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina });
  assert.equal(created.status, 201, created.body);
  const id = created.json.advisoryId;
  const doc = (await api(h, 'GET', `/api/advisories/${id}`, { as: tina })).json.head.document;
  const saved = await api(h, 'POST', `/api/advisories/${id}/versions`, {
    as: tina,
    body: {
      document: {
        ...doc,
        summary: 'A crafted FIP image overflows a stack buffer in BL2.',
        description: 'BL2 copies the image header into a fixed-size stack buffer.',
        affected: [
          {
            project: 'tf-a',
            vendor: 'Trusted Firmware',
            product: 'TF-A',
            ranges: [{ type: 'semver', introduced: '2.8.0', fixed: '2.10.1' }],
            components: ['BL2'],
          },
        ],
        cveIds: ['CVE-2026-12345'],
        cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
        references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
        publisher: { ...doc.publisher, cve: TF_CNA },
      },
    },
  });
  assert.equal(saved.status, 201, saved.body);
  const v = (await api(h, 'GET', `/api/advisories/${id}`, { as: tina })).json;
  assert.deepEqual(v.problems, []);
  assert.equal(
    (await api(h, 'POST', `/api/advisories/${id}/reviews`, { as: tom, body: { version: v.headVersion, verdict: 'approved' } })).status,
    201,
  );
  const pub = await api(h, 'POST', `/api/advisories/${id}/publication`, { as: tina, body: {} });
  assert.equal(pub.status, 200, pub.body);
  body = await page(`/status/${token}`);
  assert.match(body, /Published advisory/);
  assert.match(body, new RegExp(`href="[^"]*/advisories/${v.publicId}/"`));
  assert.match(textOf(body), new RegExp(`The advisory ${v.publicId} was published\\.`));
});
