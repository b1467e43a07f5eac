import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addMember, addProject, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { chainAll, verifyAuditChain } from '../../src/app/admin/audit-chain.ts';

// Hostile and broken input: each gets a clear error in the one error shape and changes nothing.

let h: Harness;
let admin: Member, tom: Member, tina: Member;

before(async () => {
  h = await startHarness({ config: { bodyLimitBytes: 64 * 1024 } });
  admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
});
after(() => h.close());

async function state() {
  const r = await h.app.db.query<{ a: number; r: number; o: number }>(
    'SELECT (SELECT coalesce(max(seq), 0) FROM audit_events) AS a, (SELECT count(*)::int FROM reports) AS r, (SELECT count(*)::int FROM outbox) AS o',
  );
  return r.rows[0]!;
}

async function expectError(res: Awaited<ReturnType<typeof api>>, status: number, code: string) {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json.error.code, code, res.body);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(Array.isArray(res.json.error.details));
}

test('malformed JSON, wrong types, unknown fields and oversized bodies are refused', async () => {
  const before = await state();
  await expectError(
    await api(h, 'POST', '/api/reports', { body: '{"title": "x",', headers: { 'content-type': 'application/json' } }),
    400,
    'bad_request',
  );
  await expectError(await api(h, 'POST', '/api/reports', { body: { ...sampleReport, title: 42 } }), 400, 'validation_failed');
  const unknown = await api(h, 'POST', '/api/reports', { body: { ...sampleReport, isAdmin: true } });
  await expectError(unknown, 400, 'validation_failed');
  assert.match(JSON.stringify(unknown.json.error.details), /isAdmin|Unrecognized/i);
  await expectError(
    await api(h, 'POST', '/api/reports', { body: { ...sampleReport, reporter: { ...sampleReport.reporter, email: 'not-an-address' } } }),
    400,
    'validation_failed',
  );
  await expectError(
    await api(h, 'POST', '/api/reports', { body: { ...sampleReport, body: 'x'.repeat(70 * 1024) } }),
    413,
    'payload_too_large',
  );
  await expectError(
    await api(h, 'POST', '/api/reports', { body: { ...sampleReport, creditPreference: 'loud' } }),
    400,
    'validation_failed',
  );
  await expectError(await api(h, 'GET', '/api/reports/not-a-uuid', { as: tom }), 404, 'not_found');
  await expectError(await api(h, 'GET', '/api/incidents/TF-2026-9999', { as: tom }), 404, 'not_found');
  await expectError(await api(h, 'GET', '/api/queue?limit=100000', { as: tom }), 400, 'validation_failed');
  assert.deepEqual(await state(), before);
});

test('illegal transitions get a typed error and change nothing', async () => {
  const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tom });
  const acc = await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'Valid incident', projects: ['tf-a'] } });
  const before = await state();
  // Accepting twice: the report is no longer in triage.
  await expectError(
    await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: tom, body: { title: 'Again', projects: ['tf-a'] } }),
    403,
    'forbidden',
  );
  // Closing a project's report that is only Valid is illegal in Vultron (never close from Valid).
  await h.app.db.query(`UPDATE incident_projects SET rm_state = 'valid' WHERE incident_id = (SELECT id FROM incidents WHERE ref = $1)`, [
    acc.json.incidentRef,
  ]);
  const beforeClose = await state();
  const close = await api(h, 'POST', `/api/reports/${reportId}/close`, { as: tom, body: { reason: 'trying to close' } });
  await expectError(close, 409, 'illegal_transition');
  assert.match(close.json.error.message, /valid to closed/);
  assert.deepEqual(await state(), beforeClose);
  assert.equal(before.a, beforeClose.a);
  // Unknown project on accept.
  const other = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  await api(h, 'POST', `/api/reports/${other}/claim`, { as: tom });
  await expectError(
    await api(h, 'POST', `/api/reports/${other}/accept`, { as: tom, body: { title: 'Valid incident', projects: ['nope'] } }),
    400,
    'validation_failed',
  );
  assert.equal((await api(h, 'GET', `/api/reports/${other}`, { as: tom })).json.incident, null);
});

test('concurrent claims: exactly one wins, the other gets a conflict', async () => {
  for (let i = 0; i < 5; i++) {
    const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
    const results = await Promise.all([tom, tina, tom, tina].map((m) => api(h, 'POST', `/api/reports/${reportId}/claim`, { as: m })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409]);
    const claims = await h.app.db.query(`SELECT 1 FROM audit_events WHERE subject_id = $1 AND action = 'triage.claimed'`, [reportId]);
    assert.equal(claims.rows.length, 1);
  }
});

test('the audit chain verifies, and tampering with it is detected', async () => {
  await chainAll(h.app);
  const ok = await api(h, 'GET', '/api/audit/verify', { as: admin });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.ok, true, ok.body);
  assert.ok(ok.json.checked > 10);
  assert.equal(ok.json.pending, 0);
  const operator = { app: h.app, principal: { kind: 'system', label: 'test' } } as const;
  const seqAt = async (pos: number) =>
    Number((await h.app.db.query<{ seq: number }>('SELECT seq FROM audit_events WHERE chain_pos = $1', [pos])).rows[0]!.seq);
  // The table refuses updates and deletes outright, chained or not.
  await assert.rejects(h.app.db.query(`UPDATE audit_events SET action = 'x' WHERE chain_pos = 3`), /append-only/);
  await assert.rejects(h.app.db.query('DELETE FROM audit_events WHERE chain_pos = 3'), /append-only/);
  await assert.rejects(h.app.db.query(`UPDATE audit_events SET mac = repeat('0', 64) WHERE chain_pos = 3`), /append-only/);
  // Someone with the database owner's rights disables the guard and rewrites history.
  await h.app.db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
  await h.app.db.query(`UPDATE audit_events SET data = '{"reason":"nothing to see"}' WHERE chain_pos = 5`);
  let r = await verifyAuditChain(operator);
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems, [
    `event ${await seqAt(5)} (chain position 5): its link does not match under the desk's key (altered, moved or removed before it)`,
  ]);
  const bad = await api(h, 'GET', '/api/audit/verify', { as: admin });
  assert.equal(bad.json.ok, false);
  // Removing the last events is detected through the chain head.
  await h.app.db.query('DELETE FROM audit_events WHERE chain_pos = (SELECT max(chain_pos) FROM audit_events)');
  r = await verifyAuditChain(operator);
  assert.ok(
    r.problems.some((p) => p.includes('chain head')),
    r.problems.join('\n'),
  );
  // Removing one in the middle leaves a gap in the positions.
  await h.app.db.query('DELETE FROM audit_events WHERE chain_pos = 8');
  r = await verifyAuditChain(operator);
  assert.ok(
    r.problems.some((p) => p.includes('chain positions 8..8 missing')),
    r.problems.join('\n'),
  );
  await h.app.db.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
});

test('sign-in: wrong password, wrong or replayed code all give the same answer, but a replay where the person signs in says so', async () => {
  const { totpCode } = await import('../../src/crypto/totp.ts');
  h.clock.advance(60_000);
  const code = totpCode(tom.totpSecret, h.clock.now);
  const wrongPw = await api(h, 'POST', '/api/session', { body: { email: tom.email, password: 'wrong password here', totp: code } });
  await expectError(wrongPw, 401, 'unauthenticated');
  const good = await api(h, 'POST', '/api/session', { body: { email: tom.email, password: tom.password, totp: code } });
  assert.equal(good.status, 200, good.body);
  const cookie = String(good.headers['set-cookie']);
  assert.match(cookie, /embargo_session=ses_/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /Secure/);
  assert.match(cookie, /SameSite=Strict/);
  // From a place the account has never signed in from, a replay is told apart from nothing.
  const elsewhere = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    remoteAddress: '198.51.100.7',
    payload: { email: tom.email, password: tom.password, totp: code },
  });
  assert.equal(elsewhere.statusCode, 401);
  assert.equal(elsewhere.json().error.code, 'unauthenticated');
  assert.equal(elsewhere.json().error.message, wrongPw.json.error.message);
  // Where Tom signs in, the right password with the code he just used says so (docs/security.md).
  const replay = await api(h, 'POST', '/api/session', { body: { email: tom.email, password: tom.password, totp: code } });
  await expectError(replay, 401, 'unauthenticated');
  assert.match(replay.json.error.message, /This code was just used/);
  // A wrong password with the used code stays the general answer.
  const replayWrongPw = await api(h, 'POST', '/api/session', { body: { email: tom.email, password: 'wrong password here', totp: code } });
  assert.equal(replayWrongPw.json.error.message, wrongPw.json.error.message);
  const nobody = await api(h, 'POST', '/api/session', { body: { email: 'nobody@x.example', password: tom.password, totp: code } });
  assert.equal(nobody.json.error.message, wrongPw.json.error.message);

  // Cookie sessions need the CSRF token on writes.
  const session = cookie.split(';')[0]!;
  const reportId = (await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId;
  const noCsrf = await api(h, 'POST', `/api/reports/${reportId}/notes`, { headers: { cookie: session }, body: { body: 'note' } });
  await expectError(noCsrf, 403, 'forbidden');
  const withCsrf = await api(h, 'POST', `/api/reports/${reportId}/notes`, {
    headers: { cookie: session, 'x-csrf-token': good.json.csrfToken },
    body: { body: 'note' },
  });
  assert.equal(withCsrf.status, 200, withCsrf.body);
});

test('API tokens: listed without secrets, revoked by their owner only, then refused', async () => {
  const made = await api(h, 'POST', '/api/tokens', { as: tina, body: { name: 'ci bot' } });
  assert.equal(made.status, 201, made.body);
  const bot = { ...tina, token: made.json.token as string };
  assert.equal((await api(h, 'GET', '/api/me', { as: bot })).status, 200);
  const list = (await api(h, 'GET', '/api/tokens', { as: tina })).json;
  assert.ok(list.some((t: any) => t.id === made.json.id && t.name === 'ci bot'));
  assert.doesNotMatch(JSON.stringify(list), /emb_/, 'no secrets in the list');
  assert.equal((await api(h, 'DELETE', `/api/tokens/${made.json.id}`, { as: tom })).status, 404, "someone else's token");
  assert.equal((await api(h, 'GET', '/api/me', { as: bot })).status, 200);
  assert.equal((await api(h, 'DELETE', `/api/tokens/${made.json.id}`, { as: tina })).status, 200);
  const refused = await api(h, 'GET', '/api/me', { as: bot });
  assert.equal(refused.status, 401);
  assert.equal(refused.json.error.code, 'unauthenticated');
  assert.equal((await api(h, 'DELETE', `/api/tokens/${made.json.id}`, { as: tina })).status, 404, 'already revoked');
});

test('enrollment: a body of the wrong shape is a validation error, not a server fault', async () => {
  const before = await state();
  await expectError(
    await api(h, 'POST', '/api/enrollment/enr_unknown', { body: { password: 123456789012, totp: '123456' } }),
    400,
    'validation_failed',
  );
  await expectError(
    await api(h, 'POST', '/api/enrollment/enr_unknown', { body: { password: 'a long enough password', totp: '123456', isAdmin: true } }),
    400,
    'validation_failed',
  );
  assert.deepEqual(await state(), before);
});
