import { createHash } from 'node:crypto';
import type { Db, Queryable } from './db.ts';

// The audit log: an append-only table of events, linked into one keyed chain.
//
// Appending is one INSERT: seq comes from a sequence, so writers never wait on one another (no row
// is shared between them). Chaining is a separate step (chainPending) that one server at a time
// runs, holding the audit_chain_head row: it takes the committed events not chained yet, in seq
// order, and gives each the next chain position and a MAC over the previous link and the event,
// under a key the database does not hold (the caller's `link`). Altering, removing or reordering a
// chained event breaks its link; cutting off the newest ones shows against a signed checkpoint of
// the head kept elsewhere. Between its commit and the next chaining pass an event is appended but
// not yet chained (see docs/decisions.md, "Audit chain").

export interface AuditInput {
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string;
  data?: Record<string, unknown>;
}

/** The content of an event that its link covers, as stored. */
export interface AuditEventBody {
  seq: number;
  at: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string;
  data: Record<string, unknown>;
}

/** MAC of one link: of the previous link's MAC and the link's body (chain key outside the database). */
export type Link = (prevMac: string, body: string) => string;

/** The MAC before the first link. */
export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every depth: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a link's MAC covers besides the previous MAC: the chain position and the whole event. */
export function linkBody(pos: number, e: AuditEventBody): string {
  return canonicalJson({
    pos,
    seq: e.seq,
    at: e.at,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    data: e.data,
  });
}

/** The plain SHA-256 link of the events written before the keyed chain, kept as their record. */
export function legacyEventHash(prevHash: string, e: AuditEventBody): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** Appends one event in the caller's transaction: one INSERT, no lock shared with other writers. */
export async function appendAudit(tx: Queryable, at: Date, input: AuditInput): Promise<{ seq: number }> {
  const [seq] = await appendAuditBatch(tx, at, [input]);
  return { seq: seq! };
}

/** Appends several events in one statement (a fan-out, a batch of delivery outcomes), in the order given. */
export async function appendAuditBatch(tx: Queryable, at: Date, inputs: readonly AuditInput[]): Promise<number[]> {
  if (inputs.length === 0) return [];
  const r = await tx.query<{ seq: number }>(
    `INSERT INTO audit_events (at, actor_id, actor_label, action, subject_type, subject_id, data)
     SELECT $1::timestamptz, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.data::jsonb
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
            AS e(actor_id, actor_label, action, subject_type, subject_id, data, n)
      ORDER BY e.n
     RETURNING seq`,
    [
      at.toISOString(),
      inputs.map((e) => e.actorId),
      inputs.map((e) => e.actorLabel),
      inputs.map((e) => e.action),
      inputs.map((e) => e.subjectType),
      inputs.map((e) => e.subjectId),
      inputs.map((e) => JSON.stringify(e.data ?? {})),
    ],
  );
  return r.rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
}

interface EventRow {
  seq: number;
  at: Date | string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  subject_type: string;
  subject_id: string;
  data: Record<string, unknown>;
  legacy_prev_hash: string | null;
  legacy_hash: string | null;
  chain_pos: number | null;
  mac: string | null;
}

const bodyOf = (row: EventRow): AuditEventBody => ({
  seq: Number(row.seq),
  at: row.at instanceof Date ? row.at.toISOString() : new Date(row.at).toISOString(),
  actorId: row.actor_id,
  actorLabel: row.actor_label,
  action: row.action,
  subjectType: row.subject_type,
  subjectId: row.subject_id,
  data: row.data,
});

export interface ChainHead {
  /** Events chained: the position of the last link. */
  count: number;
  /** The last link's MAC (GENESIS before the first). */
  mac: string;
}

export interface ChainPass {
  chained: number;
  /** A full batch was chained: more may be waiting. */
  more: boolean;
  head: ChainHead;
}

/**
 * One chaining pass in its own transaction: the committed events not chained yet, in seq order, up
 * to `limit`, each linked to the one before. With `wait: false` (the periodic job) it returns null
 * at once when another server is chaining; with `wait: true` it waits for that one to finish.
 */
export async function chainPending(db: Db, link: Link, opts: { wait: boolean; limit?: number }): Promise<ChainPass | null> {
  const limit = opts.limit ?? 1000;
  return db.transaction(async (tx) => {
    const h = await tx.query<{ pos: number; mac: string }>(
      `SELECT pos, mac FROM audit_chain_head WHERE id = 1 FOR UPDATE${opts.wait ? '' : ' SKIP LOCKED'}`,
    );
    const head = h.rows[0];
    if (!head) return null;
    // Read after taking the head: under READ COMMITTED this sees every pass committed before ours.
    const pending = await tx.query<EventRow>('SELECT * FROM audit_events WHERE chain_pos IS NULL ORDER BY seq LIMIT $1', [limit]);
    let pos = Number(head.pos);
    let mac = head.mac;
    const seqs: number[] = [];
    const positions: number[] = [];
    const macs: string[] = [];
    for (const row of pending.rows) {
      pos += 1;
      mac = link(mac, linkBody(pos, bodyOf(row)));
      seqs.push(Number(row.seq));
      positions.push(pos);
      macs.push(mac);
    }
    if (seqs.length > 0) {
      const u = await tx.query(
        `UPDATE audit_events e SET chain_pos = u.pos, mac = u.mac
           FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(seq, pos, mac)
          WHERE e.seq = u.seq AND e.chain_pos IS NULL`,
        [seqs, positions, macs],
      );
      if (u.rowCount !== seqs.length) throw new Error('audit chain: an event was chained by another pass at the same time');
      await tx.query('UPDATE audit_chain_head SET pos = $1, mac = $2 WHERE id = 1', [pos, mac]);
    }
    return { chained: seqs.length, more: seqs.length === limit, head: { count: pos, mac } };
  });
}

/** The head as the chaining step recorded it. */
export async function chainHead(db: Queryable): Promise<ChainHead> {
  const h = await db.query<{ pos: number; mac: string }>('SELECT pos, mac FROM audit_chain_head WHERE id = 1');
  const row = h.rows[0];
  return row ? { count: Number(row.pos), mac: row.mac } : { count: 0, mac: GENESIS };
}

/** The MAC of the link at a chain position, as stored (null if there is none). */
export async function macAt(db: Queryable, pos: number): Promise<string | null> {
  if (pos === 0) return GENESIS;
  const r = await db.query<{ mac: string }>('SELECT mac FROM audit_events WHERE chain_pos = $1', [pos]);
  return r.rows[0]?.mac ?? null;
}

export interface ChainWalk {
  /** Links checked. */
  checked: number;
  /** The last link found (its position and MAC). */
  last: ChainHead;
  /** Events appended and not chained yet. */
  pending: number;
  /** The stored MAC at each position asked for (absent when the chain has no such position). */
  macsAt: Map<number, string>;
  problems: string[];
}

/**
 * Walks the whole chain in position order, in pages, and reports every broken link: a missing
 * position, a link whose MAC does not match its event under the key, a head that is not the last
 * link, and, for events written before the keyed chain, a broken plain SHA-256 link.
 */
export async function walkChain(
  db: Queryable,
  link: Link,
  opts: { pageSize?: number; positions?: Iterable<number> } = {},
): Promise<ChainWalk> {
  const pageSize = opts.pageSize ?? 5000;
  const wanted = new Set(opts.positions ?? []);
  const macsAt = new Map<number, string>();
  if (wanted.has(0)) macsAt.set(0, GENESIS);
  const problems: string[] = [];
  let prevMac = GENESIS;
  let expected = 1;
  let checked = 0;
  let legacyPrev = GENESIS;
  for (;;) {
    const page = await db.query<EventRow>('SELECT * FROM audit_events WHERE chain_pos >= $1 ORDER BY chain_pos LIMIT $2', [
      expected,
      pageSize,
    ]);
    for (const row of page.rows) {
      const pos = Number(row.chain_pos);
      const body = bodyOf(row);
      if (pos !== expected) problems.push(`chain positions ${expected}..${pos - 1} missing (events removed)`);
      if (link(prevMac, linkBody(pos, body)) !== row.mac) {
        problems.push(
          `event ${body.seq} (chain position ${pos}): its link does not match under the desk's key (altered, moved or removed before it)`,
        );
      }
      if (row.legacy_hash !== null) {
        if (row.legacy_prev_hash !== legacyPrev || legacyEventHash(legacyPrev, body) !== row.legacy_hash) {
          problems.push(`event ${body.seq}: its link from before the keyed chain does not match (altered before the upgrade)`);
        }
        legacyPrev = row.legacy_hash;
      }
      if (wanted.has(pos)) macsAt.set(pos, row.mac!);
      prevMac = row.mac!;
      expected = pos + 1;
      checked++;
    }
    if (page.rows.length < pageSize) break;
  }
  const last = { count: expected - 1, mac: prevMac };
  const head = await chainHead(db);
  if (head.count !== last.count || head.mac !== last.mac) {
    problems.push(
      head.count > last.count
        ? `the chain head (position ${head.count}) is past the last chained event (${last.count}): events were removed from the end`
        : `the chain head (position ${head.count}) does not match the last chained event (${last.count})`,
    );
  }
  const p = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events WHERE chain_pos IS NULL');
  return { checked, last, pending: Number(p.rows[0]!.n), macsAt, problems };
}

// --- Checkpoints the desk made: signed documents, kept here and handed out. ---

export interface StoredCheckpoint {
  count: number;
  mac: string;
  madeAt: Date;
  document: string;
}

/** Keeps a checkpoint; one per chain length (a second for the same head is the same checkpoint). */
export async function insertCheckpoint(db: Queryable, c: StoredCheckpoint): Promise<void> {
  await db.query('INSERT INTO audit_checkpoints (count, mac, made_at, document) VALUES ($1, $2, $3, $4) ON CONFLICT (count) DO NOTHING', [
    c.count,
    c.mac,
    c.madeAt,
    c.document,
  ]);
}

export async function storedCheckpoints(db: Queryable, opts: { latestOnly?: boolean } = {}): Promise<StoredCheckpoint[]> {
  const r = await db.query<{ count: number; mac: string; made_at: Date | string; document: string }>(
    `SELECT count, mac, made_at, document FROM audit_checkpoints ORDER BY count DESC${opts.latestOnly ? ' LIMIT 1' : ''}`,
  );
  return r.rows.map((row) => ({ count: Number(row.count), mac: row.mac, madeAt: new Date(row.made_at), document: row.document }));
}
