import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { chainAll, verifyAuditChain } from '../../src/app/admin/audit-chain.ts';
import { listMigrations } from '../../src/store/migrate.ts';
import { appendAudit, legacyEventHash, GENESIS } from '../../src/store/audit.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import type { Db } from '../../src/store/db.ts';
import { TEST_PASSWORD_COST_LOG2 } from '../support/password-cost.ts';

// A desk upgraded from the plain SHA-256 chain: its events keep their old links as a record, are
// chained under the key by the first pass like any other, and new events follow them. An event
// altered before the upgrade (its old link no longer matching) is still reported.

// The keyed chain's migration, whatever its number.
const KEYED = listMigrations().find((m) => m.name.endsWith('_audit_keyed_chain.sql'))!.version;

async function freshDb(): Promise<{ db: Db; drop(): Promise<void> }> {
  const server = process.env.EMBARGO_TEST_DATABASE_URL;
  if (!server) {
    const db = await openPglite(null);
    return { db, drop: async () => {} };
  }
  const schema = `upgrade_${randomBytes(5).toString('hex')}`;
  const db = await openPostgres({ connectionString: server, schema, max: 2 });
  return { db, drop: async () => void (await db.query(`DROP SCHEMA ${schema} CASCADE`)) };
}

test('events chained the old way are chained under the key after the upgrade; older tampering still shows', async () => {
  const { db, drop } = await freshDb();
  try {
    // The schema as it was before the keyed chain, migrated as migrate() does.
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const m of listMigrations().filter((m) => m.version < KEYED)) {
      await db.exec(m.sql);
      await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    // Three events appended as the desk did then: each linked to the head row, which it moved.
    let prev = GENESIS;
    for (let seq = 1; seq <= 3; seq++) {
      const e = {
        seq,
        at: new Date(Date.UTC(2026, 10, 20, 9, seq)).toISOString(),
        actorId: null,
        actorLabel: 'system (cli)',
        action: 'old.event',
        subjectType: 'test',
        subjectId: `s${seq}`,
        data: { n: seq },
      };
      const hash = legacyEventHash(prev, e);
      await db.query(
        `INSERT INTO audit_events (seq, at, actor_id, actor_label, action, subject_type, subject_id, data, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [seq, e.at, null, e.actorLabel, e.action, e.subjectType, e.subjectId, JSON.stringify(e.data), prev, hash],
      );
      await db.query('UPDATE audit_head SET seq = $1, hash = $2', [seq, hash]);
      prev = hash;
    }
    // Altered back then, without its hash recomputed.
    await db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
    await db.exec(`UPDATE audit_events SET data = '{"n": 20}' WHERE seq = 2`);
    await db.exec('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');

    const config = loadConfig(
      {},
      { dataDir: ':memory:', instanceKey: randomBytes(32).toString('base64'), testPasswordCostLog2: TEST_PASSWORD_COST_LOG2 },
    );
    const app = await createApp(config, { db }); // applies the keyed chain's migration
    const after = await db.transaction((tx) =>
      appendAudit(tx, new Date('2026-11-23T09:00:00Z'), {
        actorId: null,
        actorLabel: 'test',
        action: 'new.event',
        subjectType: 'test',
        subjectId: 's4',
      }),
    );
    assert.equal(after.seq, 4, 'new events number on from the old ones');
    const head = await chainAll(app);
    assert.equal(head.count, 4);
    const order = await db.query<{ seq: number; chain_pos: number }>('SELECT seq, chain_pos FROM audit_events ORDER BY seq');
    assert.deepEqual(
      order.rows.map((r) => [Number(r.seq), Number(r.chain_pos)]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ],
    );
    const r = await verifyAuditChain({ app, principal: { kind: 'system', label: 'test' } });
    assert.deepEqual(r.problems, ['event 2: its link from before the keyed chain does not match (altered before the upgrade)']);
    assert.equal(r.checked, 4);
  } finally {
    await drop();
    await db.close();
  }
});
