import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addMember, api, sampleReport, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import type { Ctx } from '../../src/app/context.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import {
  chainAll,
  checkpointAudit,
  checkpointText,
  makeCheckpoint,
  signedText,
  verifyAuditChain,
  type CheckpointDocument,
} from '../../src/app/admin/audit-chain.ts';
import { startAuditChain, startAuditCheckpoints } from '../../src/jobs/audit-chain.ts';
import { GENESIS, linkBody, type AuditEventBody } from '../../src/store/audit.ts';
import { rawPublicKey } from '../../src/crypto/audit-keys.ts';

// The audit chain against someone who holds the database (its owner's rights: triggers off, any
// row rewritten) but not the instance key, which lives outside it. They may cut off the newest
// events and rewind every head row, or rewrite an event and recompute every later link by any
// formula they know; checkpoints kept elsewhere and the keyed links show both.

let h: Harness;
let admin: Member;
let dir: string;
let checkpointFile: string;
let operator: Ctx;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'embargo-audit-'));
  checkpointFile = join(dir, 'desk-checkpoint.json');
  h = await startHarness({ config: { auditCheckpointFile: checkpointFile } });
  admin = await setupDesk(h, 'trusted-firmware');
  await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
  operator = { app: h.app, principal: { kind: 'system', label: 'test' } };
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What an attacker with the owner's rights does: the append-only guards off, their SQL, guards on. */
async function asOwner(sql: string, params: unknown[] = []) {
  await h.app.db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
  await h.app.db.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update');
  try {
    await h.app.db.query(sql, params);
  } finally {
    await h.app.db.exec('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
    await h.app.db.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_update');
  }
}

async function submitSome(n: number) {
  const anonymous: Ctx = { app: h.app, principal: { kind: 'anonymous' } };
  for (let i = 0; i < n; i++) await submitReport(anonymous, 'web', { ...sampleReport, title: `Report ${i}` });
}

interface Row {
  seq: number;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  subject_type: string;
  subject_id: string;
  data: Record<string, unknown>;
  chain_pos: number;
  mac: string;
}
const bodyOf = (r: Row): AuditEventBody => ({
  seq: Number(r.seq),
  at: new Date(r.at).toISOString(),
  actorId: r.actor_id,
  actorLabel: r.actor_label,
  action: r.action,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  data: r.data,
});

/** Recomputes every link from `fromPos` on with the attacker's formula and rewinds the head to match, as an owner would. */
async function relinkFrom(fromPos: number, link: (prev: string, body: string) => string) {
  const rows = (await h.app.db.query<Row>('SELECT * FROM audit_events WHERE chain_pos IS NOT NULL ORDER BY chain_pos')).rows;
  let prev = GENESIS;
  for (const r of rows) {
    const pos = Number(r.chain_pos);
    if (pos >= fromPos) {
      const mac = link(prev, linkBody(pos, bodyOf(r)));
      await asOwner('UPDATE audit_events SET mac = $1 WHERE seq = $2', [mac, r.seq]);
      prev = mac;
    } else prev = r.mac;
  }
  const last = rows.at(-1)!;
  await asOwner('UPDATE audit_chain_head SET pos = $1, mac = $2', [last.chain_pos, prev]);
}

/** Cuts off the newest n chained events and rewinds the head to the one before, as an owner would. */
async function truncate(n: number) {
  const head = await h.app.db.query<{ pos: number }>('SELECT max(chain_pos) AS pos FROM audit_events');
  const keep = Number(head.rows[0]!.pos) - n;
  await asOwner('DELETE FROM audit_events WHERE chain_pos > $1 OR chain_pos IS NULL', [keep]);
  const last = await h.app.db.query<{ mac: string }>('SELECT mac FROM audit_events WHERE chain_pos = $1', [keep]);
  await asOwner('UPDATE audit_chain_head SET pos = $1, mac = $2', [keep, last.rows[0]!.mac]);
  return keep;
}

test('writes only append; the chaining step links them in order and verification finds every link sound', async () => {
  await submitSome(5);
  const pending = await h.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events WHERE chain_pos IS NULL');
  assert.ok(pending.rows[0]!.n >= 5, 'a write appends its event unchained');
  let r = await verifyAuditChain(operator);
  assert.equal(r.ok, true, r.problems.join('\n'));
  assert.equal(r.pending, pending.rows[0]!.n);
  const head = await chainAll(h.app);
  r = await verifyAuditChain(operator);
  assert.equal(r.ok, true, r.problems.join('\n'));
  assert.equal(r.pending, 0);
  assert.equal(r.checked, head.count);
  assert.deepEqual(r.head, head);
  const order = await h.app.db.query<{ seq: number; chain_pos: number }>('SELECT seq, chain_pos FROM audit_events ORDER BY chain_pos');
  assert.deepEqual(
    order.rows.map((x) => Number(x.chain_pos)),
    order.rows.map((_, i) => i + 1),
    'positions 1..n, none missing, none twice',
  );
});

test('truncating the newest events is reported against a kept checkpoint, even with every head row rewound', async () => {
  await submitSome(30);
  const { checkpoint } = await makeCheckpoint(operator);
  const kept = checkpointText(checkpoint); // the team's copy, somewhere else
  assert.equal(readFileSync(checkpointFile, 'utf8'), kept, 'the desk keeps the latest checkpoint outside the database');
  assert.equal((await verifyAuditChain(operator)).ok, true);

  const keep = await truncate(25);
  // Against the checkpoint the desk kept in its database.
  let r = await verifyAuditChain(operator);
  assert.equal(r.ok, false);
  assert.ok(
    r.problems.some((p) => p.includes('kept in the database') && p.includes('the newest 25 were removed')),
    r.problems.join('\n'),
  );
  // The owner deletes those too: the desk's own file outside the database still shows it.
  await asOwner('DELETE FROM audit_checkpoints');
  r = await verifyAuditChain(operator);
  assert.ok(
    r.problems.some((p) => p.includes("desk's checkpoint file") && p.includes(`covers ${checkpoint.count} events, the chain has ${keep}`)),
    r.problems.join('\n'),
  );
  // The periodic checkpoint refuses to cover the cut chain and leaves the file as evidence.
  const job = await checkpointAudit(h.app);
  assert.equal(job.checkpoint, null);
  assert.ok(job.problems.some((p) => p.includes('removed from the end')));
  assert.equal(readFileSync(checkpointFile, 'utf8'), kept);
  await assert.rejects(makeCheckpoint(operator), (e: Error & { code?: string }) => e.code === 'conflict');

  // With the file gone as well, nothing on the desk remembers; the team's kept checkpoint does.
  rmSync(checkpointFile);
  r = await verifyAuditChain(operator);
  assert.equal(r.ok, true, 'a cut that rewinds every anchor on the desk is why checkpoints are kept elsewhere');
  r = await verifyAuditChain(operator, { checkpoints: [kept] });
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems, [
    `checkpoint 1 (${checkpoint.at}) covers ${checkpoint.count} events, the chain has ${keep}: the newest 25 were removed`,
  ]);

  // The desk goes on writing past the checkpoint's count: the events there are not those it covered.
  await submitSome(30);
  await chainAll(h.app);
  r = await verifyAuditChain(operator, { checkpoints: [kept] });
  assert.deepEqual(r.problems, [
    `checkpoint 1 (${checkpoint.at}) does not match the event at chain position ${checkpoint.count}: events up to it were rewritten`,
  ]);
  // The rest of this file starts from a chain whose checkpoints agree with it.
  const fresh = await makeCheckpoint(operator);
  assert.equal(fresh.made, true);
});

test('rewriting an event is found even when every later link is recomputed without the key', async () => {
  await chainAll(h.app);
  const { checkpoint } = await makeCheckpoint(operator);
  const original = (await h.app.db.query<Row>('SELECT * FROM audit_events WHERE chain_pos >= 10 ORDER BY chain_pos')).rows;
  const originalHead = (await h.app.db.query<{ pos: number; mac: string }>('SELECT pos, mac FROM audit_chain_head')).rows[0]!;
  const seq = Number(original[0]!.seq);
  await asOwner(`UPDATE audit_events SET data = '{"channel":"nothing to see"}' WHERE chain_pos = 10`);
  // The formulas an attacker knows: the old unkeyed SHA-256 link, and HMAC under a key they guess.
  const guessed = randomBytes(32);
  const attempts: [string, (prev: string, body: string) => string][] = [
    ['unkeyed SHA-256', (prev, body) => createHash('sha256').update(prev).update('\n').update(body).digest('hex')],
    ['HMAC under a guessed key', (prev, body) => createHmac('sha256', guessed).update(prev).update('\n').update(body).digest('hex')],
  ];
  for (const [name, link] of attempts) {
    await relinkFrom(10, link);
    const r = await verifyAuditChain(operator);
    assert.equal(r.ok, false, name);
    assert.equal(
      r.problems[0],
      `event ${seq} (chain position 10): its link does not match under the desk's key (altered, moved or removed before it)`,
      name,
    );
    assert.ok(
      r.problems.some((p) => p.includes(`does not match the event at chain position ${checkpoint.count}`)),
      `${name}: ${r.problems.join('\n')}`,
    );
  }
  // Put history back for the tests after this one.
  await asOwner('UPDATE audit_events SET data = $1 WHERE seq = $2', [JSON.stringify(original[0]!.data), seq]);
  for (const row of original) await asOwner('UPDATE audit_events SET mac = $1 WHERE seq = $2', [row.mac, row.seq]);
  await asOwner('UPDATE audit_chain_head SET pos = $1, mac = $2', [originalHead.pos, originalHead.mac]);
  assert.equal((await verifyAuditChain(operator)).ok, true);
});

test('without the instance key nobody can make a checkpoint the desk accepts', async () => {
  const { checkpoint } = await makeCheckpoint(operator);
  // A kept checkpoint edited to claim fewer events (to cover a truncation).
  const edited = { ...checkpoint, count: checkpoint.count - 5 };
  // One signed by the attacker's own Ed25519 key over a head of their choosing.
  const theirs = generateKeyPairSync('ed25519');
  const unsigned = { ...checkpoint, count: 3, head: 'ab'.repeat(32), publicKey: rawPublicKey(theirs.publicKey) };
  const forged: CheckpointDocument = {
    ...unsigned,
    signature: sign(null, Buffer.from(signedText(unsigned)), theirs.privateKey).toString('base64'),
  };
  // Their key put in place of the desk's, keeping the desk's signature.
  const swapped = { ...checkpoint, publicKey: rawPublicKey(theirs.publicKey) };
  // A genuine checkpoint of another desk (another instance key).
  const other = await startHarness();
  let another: CheckpointDocument;
  try {
    await setupDesk(other, 'tock');
    another = (await makeCheckpoint({ app: other.app, principal: { kind: 'system', label: 'test' } })).checkpoint;
  } finally {
    await other.close();
  }
  for (const [name, doc] of [
    ['edited', edited],
    ['forged', forged],
    ['swapped', swapped],
    ['another desk', another],
  ] as const) {
    const r = await verifyAuditChain(operator, { checkpoints: [doc] });
    assert.equal(r.ok, false, name);
    assert.deepEqual(r.problems, [
      "checkpoint 1 is not signed by this desk's checkpoint key (forged, altered, or another desk's): it proves nothing",
    ]);
  }
  await assert.rejects(verifyAuditChain(operator, { checkpoints: ['{"format":"something else"}'] }), /not an audit checkpoint/);
  await assert.rejects(verifyAuditChain(operator, { checkpoints: ['not json'] }), /not JSON/);
});

test('the API hands out and verifies checkpoints; the jobs chain and checkpoint on their own', async () => {
  // A desk of its own, whose first checkpoint is made here.
  const clean = await startHarness({ config: { auditCheckpointFile: join(dir, 'api-checkpoint.json') } });
  try {
    const ada = await setupDesk(clean, 'trusted-firmware');
    // Before any is made: the head as it stands, signed, and nothing stored.
    const first = await api(clean, 'GET', '/api/audit/checkpoint', { as: ada });
    assert.equal(first.status, 200, first.body);
    assert.equal(first.json.format, 'embargo-audit-checkpoint/1');
    assert.equal((await clean.app.db.query('SELECT 1 FROM audit_checkpoints')).rows.length, 0);
    const made = await api(clean, 'POST', '/api/audit/checkpoint', { as: ada, body: {} });
    assert.equal(made.status, 201, made.body);
    assert.equal(made.json.format, 'embargo-audit-checkpoint/1');
    assert.ok(made.json.count > 0);
    const got = await api(clean, 'GET', '/api/audit/checkpoint', { as: ada });
    assert.deepEqual(got.json, made.json);
    assert.match(String(got.headers['content-disposition']), /attachment; filename="audit-checkpoint-\d+\.json"/);
    const v = await api(clean, 'POST', '/api/audit/verify', { as: ada, body: { checkpoints: [made.json] } });
    assert.equal(v.status, 200, v.body);
    assert.equal(v.json.ok, true, v.body);
    assert.equal(v.json.checkpoints, 3, 'the one given, the desk file and the one in the database');

    // The jobs as `embargo serve` runs them: writes are chained by the loop, checkpoints made by the other.
    const ctx: Ctx = { app: clean.app, principal: { kind: 'anonymous' } };
    await submitReport(ctx, 'web', sampleReport);
    const errors: unknown[] = [];
    const chaining = startAuditChain(clean.app, { intervalMs: 60_000, onError: (e) => errors.push(e) });
    await chaining.wake();
    await chaining.stop();
    const r = await verifyAuditChain({ app: clean.app, principal: { kind: 'system', label: 'test' } });
    assert.equal(r.pending, 0);
    const checkpoints = startAuditCheckpoints(clean.app, { intervalMs: 60_000, onError: (e) => errors.push(e) });
    await checkpoints.wake();
    await checkpoints.stop();
    assert.deepEqual(errors, []);
    const file = JSON.parse(readFileSync(join(dir, 'api-checkpoint.json'), 'utf8')) as CheckpointDocument;
    assert.equal(file.count, r.head.count);
    assert.equal(file.head, r.head.mac);
  } finally {
    await clean.close();
  }
  assert.ok(existsSync(join(dir, 'api-checkpoint.json')));
});
