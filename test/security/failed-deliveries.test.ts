import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, enroll, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { handleBounce } from '../../src/app/delivery/deliveries.ts';

// The failed-delivery list promises that an admin outside the central team sees no reporter's
// address (the recipient column says "(an external recipient)"). The failure reason is text from
// elsewhere: a bounce names the failed recipient, and most SMTP servers repeat the address in their
// 5xx reply. The address must not come back through that door either, in the API or on the page.

let h: Harness;
let admin: Member, ops: Member, alice: Member;

before(async () => {
  h = await startHarness();
  admin = await setupDesk(h, 'trusted-firmware');
  alice = await addMember(h, admin, { name: 'Alice Central', email: 'alice@tf.example', teams: ['security'] });
  // An admin who runs the machine and is on no security team.
  const { personId, enrollmentToken } = await addPerson(admin.ctx, {
    name: 'Oscar Ops',
    emails: ['ops@tf.example'],
    timeZone: 'Europe/London',
    isAdmin: true,
  });
  ops = { personId, ...(await enroll(h, personId, enrollmentToken)) };
});
after(() => h.close());

test('a bounce naming the reporter does not show their address to an admin outside the central team', async () => {
  assert.deepEqual(
    [(ops.ctx.principal as { isAdmin: boolean }).isAdmin, (ops.ctx.principal as { central: boolean }).central],
    [true, false],
  );
  const report = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(report.status, 201, report.body);
  const reportId = report.json.reportId as string;
  assert.equal(
    (await api(h, 'POST', `/api/reports/${reportId}/replies`, { as: alice, body: { body: 'Thanks, we are looking at it.' } })).status,
    200,
  );
  const d = await h.app.db.query<{ id: string; message_id: string }>(
    'SELECT id, message_id FROM deliveries WHERE report_id = $1 AND recipient_index = $2',
    [reportId, h.app.blind.of('email', 'rita@research.example')],
  );
  const delivery = d.rows[0]!;
  await h.app.db.transaction((tx) =>
    handleBounce({ app: h.app, principal: { kind: 'system', label: 'test' } }, tx, h.clock.now, {
      originalMessageId: `<${delivery.message_id}>`,
      recipient: 'Rita@Research.example',
      status: '5.1.1',
      action: 'failed',
      diagnostic: 'smtp; 550 5.1.1 <rita@research.example>: Recipient address rejected: User unknown in virtual mailbox table',
    }),
  );

  const asAdmin = await api(h, 'GET', '/api/deliveries/failed', { as: ops });
  assert.equal(asAdmin.status, 200, asAdmin.body);
  const row = asAdmin.json.deliveries.find((x: any) => x.id === delivery.id);
  assert.ok(row, 'the failed delivery is listed');
  assert.equal(row.recipient, '(an external recipient)');
  assert.doesNotMatch(asAdmin.body, /rita@research\.example/i, `the reporter's address reached a non-central admin: ${row.failure}`);
  assert.match(row.failure, /bounced/, 'the reason is still there, without the address');

  // The central team sees it all.
  const asAlice = await api(h, 'GET', '/api/deliveries/failed', { as: alice });
  assert.match(asAlice.json.deliveries.find((x: any) => x.id === delivery.id).failure, /rita@research\.example/);
});
