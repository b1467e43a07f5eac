import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, api, type Member } from '../support/harness.ts';
import { deliver, plainMail, startMailDesk, type MailDesk } from './support.ts';

// A report that came by mail carries its defaults: the names and addresses of From, Reply-To and
// Sender (and the domain of an address that is not a public mail provider's) are kept from
// everyone outside the security teams without anyone marking them. The signature block's
// organisation is not known by itself: the team marks that passage, and it is kept out too.

const SIGNATURE = 'Staff Engineer, Acme Labs GmbH, Berlin';

let d: MailDesk;
let cora: Member;
let reportId: string;
let body: string;

before(async () => {
  d = await startMailDesk();
  cora = await addMember(d.h, d.admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  body = `Hello, the BL2 loader overflows on a crafted FIP image.\n\nYou can also write to me as Jay.\n\n-- \nJane Quinn-Reporter\n${SIGNATURE}`;
  const { row } = await deliver(
    d.h,
    plainMail(
      {
        from: '"Jane Quinn-Reporter" <jane@acme-labs.example>',
        subject: 'BL2 overflow (from Jay at Acme)',
        extra: { 'Reply-To': '"Jay Q." <jay.q@acme-labs.example>', Sender: '"Acme Labs Security" <psirt@acme-labs.example>' },
      },
      body,
    ),
    { from: 'bounces@acme-labs.example' },
  );
  assert.equal(row.outcome, 'new_report', row.error ?? '');
  reportId = row.report_id!;
  const pulled = await api(d.h, 'POST', `/api/reports/${reportId}/pull-in`, { as: d.triager, body: { email: 'cora@tf.example' } });
  assert.equal(pulled.status, 200, pulled.body);
});
after(() => d.close());

test("a mail report's header names and addresses, and their domain, are labelled for a collaborator without any mark", async () => {
  const r = await api(d.h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.equal(r.status, 200, r.body);
  for (const value of ['Jane Quinn-Reporter', 'Jay Q.', 'jay.q@', 'psirt@', 'Acme Labs Security', 'acme-labs.example']) {
    assert.ok(!r.body.includes(value), `the collaborator reads "${value}"`);
  }
  assert.match(r.json.body, /\n\[reporter\]\n/);
  // The team sees where each default came from, and may take back one the headers got wrong.
  const team = await api(d.h, 'GET', `/api/reports/${reportId}`, { as: d.triager });
  const fromHeaders = team.json.redaction.marks.filter((m: any) => m.source === 'mail-header').map((m: any) => m.value);
  assert.deepEqual(fromHeaders.sort(), [
    'Acme Labs Security',
    'Jane Quinn-Reporter',
    'Jay Q.',
    'jane@acme-labs.example',
    'jay.q@acme-labs.example',
    'psirt@acme-labs.example',
  ]);
});

test('the team marks the signature block as the organisation, and the collaborator reads its label there', async () => {
  const before = await api(d.h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.ok(before.json.body.includes('Acme Labs GmbH'), 'the organisation in the signature is not known until marked');
  const thread = (await api(d.h, 'GET', `/api/reports/${reportId}`, { as: d.triager })).json.thread;
  const first = thread.find((m: any) => m.kind === 'from_reporter');
  const start = first.body.indexOf(SIGNATURE);
  const marked = await api(d.h, 'POST', `/api/reports/${reportId}/marks`, {
    as: d.triager,
    body: { passage: { of: first.id, start, end: start + SIGNATURE.length }, kind: 'organisation' },
  });
  assert.equal(marked.status, 201, marked.body);
  const after = await api(d.h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.ok(!after.body.includes('Acme Labs GmbH'), after.json.body);
  assert.ok(after.json.thread.find((m: any) => m.kind === 'from_reporter').body.endsWith('[reporter]\n[organisation]'));
  // The team may take back a header default (a list name, say); the reporter record stays a default.
  const mark = (await api(d.h, 'GET', `/api/reports/${reportId}`, { as: d.triager })).json.redaction.marks.find(
    (m: any) => m.value === 'Acme Labs Security',
  );
  assert.equal((await api(d.h, 'DELETE', `/api/reports/${reportId}/marks/${mark.id}`, { as: d.triager })).status, 200);
  const last = await api(d.h, 'GET', `/api/reports/${reportId}`, { as: cora });
  assert.ok(!last.body.includes('Jane Quinn-Reporter'));
});
