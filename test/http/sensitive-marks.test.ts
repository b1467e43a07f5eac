import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupDesk, addMember, addProject, api, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { webSession } from '../support/web-client.ts';

// What the reporter and the security team mark sensitive, beyond the defaults: a value, or a
// passage selected by its offsets, from the case page, the API or the reporter's status page. A
// collaborator (pulled in, on no security team) reads the labels in the case, the queue and the
// attachments; the team rephrases what outsiders read, and a rephrasing that still names a value is
// refused with the field and the kind. Marks and reads are audited by kind, never by value.

const NAME = 'Jane Doe';
const SECRET_HOST = 'build-07.internal.acme';
const SIGNATURE = 'Principal Engineer, Skunkworks Lab';
const REPORTER_SECRET = 'Project Bluebird';

let h: WebHarness;
let tina: Member, cora: Member;
let reportId: string;
let token: string;
let attachmentTextId: string, attachmentBinaryId: string;
let body: string;

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

before(async () => {
  h = await startWebHarness({ clock: '2026-11-23T09:00:00Z' });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  body = `${NAME} here. The image loader on ${SECRET_HOST} overflows.\n\n-- \n${NAME}\n${SIGNATURE}\nworking on ${REPORTER_SECRET}`;
  const r = await api(h, 'POST', '/api/reports', {
    body: {
      title: `Overflow seen on ${SECRET_HOST}`,
      body,
      reporter: { name: NAME, email: 'jane@mail.example', organisation: null, handle: null },
      attachments: [
        { filename: `poc-${SECRET_HOST}.txt`, contentType: 'text/plain', contentBase64: b64(`run on ${SECRET_HOST} as ${NAME}\n`) },
        {
          filename: 'poc.bin',
          contentType: 'application/octet-stream',
          contentBase64: b64(Buffer.from([0, 1, 2, ...Buffer.from(NAME), 0xff])),
        },
      ],
    },
  });
  assert.equal(r.status, 201, r.body);
  reportId = r.json.reportId;
  token = r.json.statusToken;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
  const pulled = await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } });
  assert.equal(pulled.status, 200, pulled.body);
  const v = await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
  attachmentTextId = v.json.attachments.find((a: any) => a.contentType === 'text/plain').id;
  attachmentBinaryId = v.json.attachments.find((a: any) => a.contentType !== 'text/plain').id;
});
after(() => h.close());

const asCora = () => api(h, 'GET', `/api/reports/${reportId}`, { as: cora });

test('before anything is marked, a collaborator reads what only the defaults cover as it stands', async () => {
  const r = await asCora();
  assert.ok(!r.body.includes(NAME), 'the reporter name is a default');
  assert.ok(r.body.includes(SECRET_HOST), 'an unmarked host name is not sensitive by itself');
});

test('the team marks a value from the case page: the collaborator reads its label everywhere, the queue and the file name included', async () => {
  const s = await webSession(h, tina);
  const res = await h.server.inject({
    method: 'POST',
    url: `/cases/${reportId}/marks`,
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: s.csrf, value: SECRET_HOST, kind: 'other', name: 'build host' }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body);
  const r = await asCora();
  assert.ok(!r.body.includes(SECRET_HOST), r.body);
  assert.match(r.json.title, /\[sensitive: build host\]/);
  assert.match(r.json.attachments[0].filename, /\[sensitive: build host\]/);
  const q = await api(h, 'GET', '/api/queue', { as: cora });
  const item = q.json.reports.find((x: any) => x.reportId === reportId);
  assert.equal(item.title, 'Overflow seen on [sensitive: build host]');
  const mine = await api(h, 'GET', '/api/queue', { as: tina });
  assert.equal(mine.json.reports.find((x: any) => x.reportId === reportId).title, `Overflow seen on ${SECRET_HOST}`);
  // The audit says what kind was marked, never the value.
  const audit = (await api(h, 'GET', `/api/reports/${reportId}`, { as: tina })).json.audit;
  assert.ok(audit.some((e: any) => e.action === 'case.sensitive_marked'));
  const events = await h.app.db.query<{ data: unknown }>("SELECT data FROM audit_events WHERE action = 'case.sensitive_marked'");
  assert.ok(!JSON.stringify(events.rows).includes(SECRET_HOST));
});

test('the team marks a passage by its offsets (the signature block): outsiders read its label where it stood', async () => {
  const start = body.indexOf(SIGNATURE);
  const bad = await api(h, 'POST', `/api/reports/${reportId}/marks`, {
    as: tina,
    body: { passage: { of: 'body', start, end: body.length + 5 }, kind: 'organisation' },
  });
  assert.equal(bad.status, 400, bad.body);
  const ok = await api(h, 'POST', `/api/reports/${reportId}/marks`, {
    as: tina,
    body: { passage: { of: 'body', start, end: start + SIGNATURE.length }, kind: 'organisation' },
  });
  assert.equal(ok.status, 201, ok.body);
  assert.equal(ok.json.value, SIGNATURE);
  const r = await asCora();
  assert.ok(!r.json.body.includes('Skunkworks'), r.json.body);
  assert.match(r.json.body, /\[reporter\]\n\[organisation\]\n/);
  // A collaborator may not mark or take back marks: that is the security teams' call.
  const denied = await api(h, 'POST', `/api/reports/${reportId}/marks`, { as: cora, body: { value: 'anything at all' } });
  assert.equal(denied.status, 403, denied.body);
});

test('the reporter marks a value on their status page; the team cannot take it back, the reporter can', async () => {
  const res = await h.server.inject({
    method: 'POST',
    url: `/status/${token}/marks`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ value: REPORTER_SECRET, name: 'project' }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body);
  const page = await h.server.inject({ method: 'GET', url: `/status/${token}` });
  assert.ok(page.body.includes(REPORTER_SECRET) && page.body.includes('[sensitive: project]'), 'the reporter sees their mark');
  const r = await asCora();
  assert.ok(!r.body.includes(REPORTER_SECRET));
  assert.match(r.json.body, /\[sensitive: project\]/);
  const mark = (await api(h, 'GET', `/api/reporter/${token}`)).json.marks[0];
  const teamTry = await api(h, 'DELETE', `/api/reports/${reportId}/marks/${mark.id}`, { as: tina });
  assert.equal(teamTry.status, 403, teamTry.body);
  assert.ok(!(await asCora()).body.includes(REPORTER_SECRET), 'still marked after the refusal');
  const own = await api(h, 'DELETE', `/api/reporter/${token}/marks/${mark.id}`);
  assert.equal(own.status, 200, own.body);
  assert.ok((await asCora()).body.includes(REPORTER_SECRET), 'taken back by the reporter');
  const again = await api(h, 'POST', `/api/reporter/${token}/marks`, { body: { value: REPORTER_SECRET, name: 'project' } });
  assert.equal(again.status, 201, again.body);
});

test('a rephrasing for outsiders that still names a sensitive value is refused with the field and kind, never the value', async () => {
  const leak = await api(h, 'PUT', `/api/reports/${reportId}/outside-text`, {
    as: tina,
    body: { title: 'Loader overflow', summary: `Reported by Ｊａｎｅ Ｄｏｅ on ${SECRET_HOST}.` },
  });
  assert.equal(leak.status, 422, leak.body);
  assert.equal(leak.json.error.code, 'leak_blocked');
  assert.deepEqual(leak.json.error.details, [{ path: 'summary', message: 'identity, team-marked' }]);
  assert.ok(!leak.body.includes('Jane') && !leak.body.includes(SECRET_HOST));
  const ok = await api(h, 'PUT', `/api/reports/${reportId}/outside-text`, {
    as: tina,
    body: { title: 'Loader overflow on a build host', summary: 'A crafted image overflows the loader.' },
  });
  assert.equal(ok.status, 200, ok.body);
  const r = await asCora();
  assert.equal(r.json.title, 'Loader overflow on a build host');
  assert.equal(r.json.summary, 'A crafted image overflows the loader.');
  assert.equal(r.json.redaction, null);
  const q = await api(h, 'GET', '/api/queue', { as: cora });
  assert.equal(q.json.reports.find((x: any) => x.reportId === reportId).title, 'Loader overflow on a build host');
  const team = await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
  assert.equal(team.json.redaction.outsiders.title, 'Loader overflow on a build host');
  assert.ok(team.json.redaction.outsiders.body.includes('[sensitive: project]'));
});

test('a collaborator downloads a text file with the labels in it; a binary file that carries a value is refused', async () => {
  const text = await api(h, 'GET', `/api/reports/${reportId}/attachments/${attachmentTextId}`, { as: cora });
  assert.equal(text.status, 200, text.body);
  assert.equal(text.body, 'run on [sensitive: build host] as [reporter]\n');
  assert.ok(!String(text.headers['content-disposition']).includes('build-07'));
  const bin = await api(h, 'GET', `/api/reports/${reportId}/attachments/${attachmentBinaryId}`, { as: cora });
  assert.equal(bin.status, 422, bin.body);
  assert.ok(!bin.body.includes(NAME));
  const team = await api(h, 'GET', `/api/reports/${reportId}/attachments/${attachmentBinaryId}`, { as: tina });
  assert.equal(team.status, 200);
});

test('every read of the unredacted case is audited with the kinds it showed; a collaborator read is not such a read', async () => {
  const before = await h.app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.sensitive_read'");
  await asCora();
  const mid = await h.app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.sensitive_read'");
  assert.equal(mid.rows[0]!.n, before.rows[0]!.n);
  await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
  const last = await h.app.db.query<{ actor_label: string; data: { kinds: string[] } }>(
    "SELECT actor_label, data FROM audit_events WHERE action = 'case.sensitive_read' ORDER BY seq DESC LIMIT 1",
  );
  assert.equal(last.rows[0]!.actor_label, 'Tina Triager');
  assert.deepEqual(last.rows[0]!.data.kinds, ['identity', 'contact', 'organisation', 'reporter-marked', 'team-marked']);
});
