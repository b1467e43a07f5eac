import { createHash } from 'node:crypto';
import type { Queryable } from './db.ts';

// The audit log is a hash chain: each event's hash covers the previous hash and the event's
// canonical JSON, so altering, removing or reordering any stored event breaks every later link.
// Appends lock the single audit_head row, which serialises them across servers; the lock is held
// until the surrounding use case commits, so appending is the last step of each use case.

export interface AuditInput {
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string;
  data?: Record<string, unknown>;
}

export interface AuditEvent extends Required<AuditInput> {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every depth: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function eventHash(prevHash: string, e: Omit<AuditEvent, 'prevHash' | 'hash'>): string {
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

export async function appendAudit(tx: Queryable, at: Date, input: AuditInput): Promise<AuditEvent> {
  const head = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
  const { seq: lastSeq, hash: prevHash } = head.rows[0]!;
  const event = {
    seq: Number(lastSeq) + 1,
    at: at.toISOString(),
    actorId: input.actorId,
    actorLabel: input.actorLabel,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    data: input.data ?? {},
  };
  const hash = eventHash(prevHash, event);
  await tx.query(
    `INSERT INTO audit_events (seq, at, actor_id, actor_label, action, subject_type, subject_id, data, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      event.seq,
      event.at,
      event.actorId,
      event.actorLabel,
      event.action,
      event.subjectType,
      event.subjectId,
      JSON.stringify(event.data),
      prevHash,
      hash,
    ],
  );
  await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [event.seq, hash]);
  return { ...event, prevHash, hash };
}

interface AuditRow {
  seq: number;
  at: Date | string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  subject_type: string;
  subject_id: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  problems: string[];
}

/** Walks the whole chain in order, in pages, and reports every broken link it finds. */
export async function verifyAudit(db: Queryable, pageSize = 5000): Promise<VerifyResult> {
  const problems: string[] = [];
  let prevHash = '0'.repeat(64);
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const page = await db.query<AuditRow>('SELECT * FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2', [expectedSeq, pageSize]);
    for (const row of page.rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) problems.push(`event ${expectedSeq}..${seq - 1} missing`);
      if (row.prev_hash !== prevHash) problems.push(`event ${seq}: prev_hash does not match the hash of the event before it`);
      const at = row.at instanceof Date ? row.at.toISOString() : new Date(row.at).toISOString();
      const computed = eventHash(row.prev_hash, {
        seq,
        at,
        actorId: row.actor_id,
        actorLabel: row.actor_label,
        action: row.action,
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        data: row.data,
      });
      if (computed !== row.hash) problems.push(`event ${seq}: content does not match its hash (altered)`);
      prevHash = row.hash;
      expectedSeq = seq + 1;
      checked++;
    }
    if (page.rows.length < pageSize) break;
  }
  const head = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const h = head.rows[0];
  if (h && (Number(h.seq) !== expectedSeq - 1 || h.hash !== prevHash)) {
    problems.push(
      `the chain head (event ${h.seq}) does not match the last stored event (${expectedSeq - 1}): events were removed from the end`,
    );
  }
  return { ok: problems.length === 0, checked, problems };
}
