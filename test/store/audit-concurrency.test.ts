import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import type { App, Ctx } from '../../src/app/context.ts';
import { initInstance } from '../../src/app/admin/instance.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { chainAll, chainAuditPass, verifyAuditChain } from '../../src/app/admin/audit-chain.ts';
import { appendAudit } from '../../src/store/audit.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { cloneTemplateDatabase } from '../support/templates.ts';
import { TEST_PASSWORD_COST_LOG2 } from '../support/password-cost.ts';
import { sampleReport } from '../support/harness.ts';

// The audit log under concurrent writers on a real server: many connections of two servers (two
// pools, as two `embargo serve` processes have) write at once while both run the chaining step.
// Nothing is lost, every event gets exactly one position, and an event committed before another was
// written comes before it in the chain. No writer waits for another, nor for the chaining step.

// The PostgreSQL run of the suite names its server; CI has one at the usual address for the PGlite
// run too, so there these run as well and never skip.
const server =
  process.env.EMBARGO_TEST_DATABASE_URL ?? (process.env.CI === 'true' ? 'postgres://postgres@127.0.0.1:5432/postgres' : undefined);
const skip = !server && 'needs a PostgreSQL server: runs in the PostgreSQL run of the suite (EMBARGO_TEST_DATABASE_URL) and in CI';

async function twoServers(url: string): Promise<{ apps: App[]; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'embargo-audit-pg-'));
  const instanceKey = randomBytes(32).toString('base64');
  const config = loadConfig({}, { databaseUrl: url, dataDir, instanceKey, testPasswordCostLog2: TEST_PASSWORD_COST_LOG2 });
  const apps = [await createApp(config), await createApp(config)];
  return {
    apps,
    async close() {
      for (const app of apps) await app.db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

test('concurrent writes from many connections of two servers all land, and chain in one total order', { skip }, async () => {
  const clone = await cloneTemplateDatabase(server!);
  const { apps, close } = await twoServers(clone.url);
  try {
    await initInstance(apps[0]!, {
      name: 'TF',
      profile: 'trusted-firmware',
      timeZone: 'Europe/London',
      admin: { name: 'Ada', email: 'ada@tf.example' },
      mail: { domain: 'lists.trustedfirmware.org' },
    });
    const WORKERS = 24;
    const EACH = 10;
    let writing = true;
    // Both servers chain all along, as their jobs do; at most one at a time gets the head.
    const chainers = apps.map(async (app) => {
      while (writing) await chainAuditPass(app);
    });
    const byWorker: string[][] = [];
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const ctx: Ctx = { app: apps[w % 2]!, principal: { kind: 'anonymous' } };
        const mine: string[] = [];
        byWorker[w] = mine;
        for (let i = 0; i < EACH; i++) mine.push((await submitReport(ctx, 'web', { ...sampleReport, title: `Report ${w}.${i}` })).reportId);
      }),
    );
    writing = false;
    await Promise.all(chainers);
    const head = await chainAll(apps[1]!);

    const rows = await apps[0]!.db.query<{ seq: number; chain_pos: number | null; subject_id: string; action: string }>(
      'SELECT seq, chain_pos, subject_id, action FROM audit_events ORDER BY chain_pos',
    );
    const received = rows.rows.filter((r) => r.action === 'report.received');
    assert.equal(received.length, WORKERS * EACH, 'every write landed');
    assert.equal(new Set(received.map((r) => r.subject_id)).size, WORKERS * EACH, 'once each');
    assert.deepEqual(
      rows.rows.map((r) => Number(r.chain_pos)),
      rows.rows.map((_, i) => i + 1),
      'every event chained, at positions 1..n: none missing, none twice',
    );
    assert.equal(head.count, rows.rows.length);
    const posOf = new Map(received.map((r) => [r.subject_id, Number(r.chain_pos)]));
    for (const mine of byWorker) {
      const positions = mine.map((id) => posOf.get(id)!);
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        'a write committed before another began comes first in the chain',
      );
    }
    const r = await verifyAuditChain({ app: apps[0]!, principal: { kind: 'system', label: 'test' } });
    assert.equal(r.ok, true, r.problems.join('\n'));
    assert.equal(r.checked, rows.rows.length);
    assert.equal(r.pending, 0);
  } finally {
    await close();
    await clone.drop();
  }
});

test('a writer waits neither for another open writer nor for the chaining step', { skip }, async () => {
  const clone = await cloneTemplateDatabase(server!);
  const db = await openPostgres({ connectionString: clone.url, max: 4 });
  const event = (action: string) => ({ actorId: null, actorLabel: 'test', action, subjectType: 'test', subjectId: action });
  // Each of these would wait for the other's lock if appends shared one; the lock timeout turns
  // such a wait into a failure instead of a hung test.
  const appendNow = (action: string) =>
    db.transaction(async (tx) => {
      await tx.query("SET LOCAL lock_timeout = '10s'");
      return appendAudit(tx, new Date(), event(action));
    });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  try {
    let appended!: () => void;
    const open = new Promise<void>((r) => (appended = r));
    const writer = db.transaction(async (tx) => {
      await appendAudit(tx, new Date(), event('open.writer'));
      appended();
      await held;
    });
    await open;
    const second = await appendNow('second.writer');
    let chaining!: () => void;
    const chainerHolds = new Promise<void>((r) => (chaining = r));
    const chainer = db.transaction(async (tx) => {
      await tx.query('SELECT pos FROM audit_chain_head WHERE id = 1 FOR UPDATE');
      chaining();
      await held;
    });
    await chainerHolds;
    const third = await appendNow('third.writer');
    release();
    await Promise.all([writer, chainer]);
    assert.ok(third.seq > second.seq);
    const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
    assert.equal(n.rows[0]!.n, 3);
  } finally {
    release(); // a failed step must not leave the held transactions open forever
    await db.close();
    await clone.drop();
  }
});
