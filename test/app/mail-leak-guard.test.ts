import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, api, sampleReport, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { queueMail } from '../../src/app/cases/messaging.ts';
import { EmbargoError } from '../../src/domain/errors.ts';

// The leak guard sits where mail is queued, not in each use case: mail to anyone outside the security
// teams but the reporter (an address that is no member's and no desk list's) is refused before
// anything is queued while it carries one of the case's sensitive values, naming the part of the mail
// and the kinds. The reporter reads their own values; members and lists are the security teams'
// (a collaborator among them gets a notice without content).

let h: Harness;
let tina: Member;
let reportId: string;

before(async () => {
  h = await startHarness();
  const admin = await setupDesk(h, 'trusted-firmware');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
});
after(() => h.close());

const outboxCount = async () => Number((await h.app.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);

function send(to: string, body: string) {
  return h.app.db.transaction((tx) =>
    queueMail(tina.ctx, tx, h.clock.now, {
      reportId,
      incidentId: null,
      templateId: null,
      envelope: { to: [to], cc: [], subject: 'About the BL2 report', body },
    }),
  );
}

test('mail to an outside address naming the reporter organisation is refused, and nothing is queued', async () => {
  const before = await outboxCount();
  await assert.rejects(
    () => send('psirt@vendor.example', 'The researchers at Example Research Ltd found it.'),
    (e: unknown) => {
      assert.ok(e instanceof EmbargoError && e.code === 'leak_blocked');
      assert.deepEqual(e.details, [{ path: 'body', message: 'organisation' }]);
      assert.doesNotMatch(e.message, /Example Research/);
      return true;
    },
  );
  assert.equal(await outboxCount(), before);
});

test('the same text to the reporter, or to a member, is queued; clean text to the outside address too', async () => {
  const before = await outboxCount();
  await send('rita@research.example', 'The researchers at Example Research Ltd found it.');
  await send('tina@tf.example', 'The researchers at Example Research Ltd found it.');
  await send('psirt@vendor.example', 'A stack overflow in BL2; details under embargo follow.');
  assert.equal(await outboxCount(), before + 3);
});
