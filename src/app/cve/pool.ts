import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { mayDo } from '../../domain/access.ts';
import { ConflictError, EmbargoError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { parseCveBlock, parseCveId } from '../../domain/cve-ids.ts';
import { audit, requireDesk, type Ctx } from '../context.ts';

// The team's pool of CVE identifiers (table cve_pool, migration 006): a reserved block entered by
// hand or ids reserved through the team's CNA account. An advisory takes the lowest free one.

/**
 * Numeric order of CVE ids: by year, then by sequence number as a number (CVE-2026-9999 comes before
 * CVE-2026-10000, which text order would get wrong).
 */
export const CVE_ORDER = "split_part(cve_id, '-', 2)::integer, split_part(cve_id, '-', 3)::numeric";

/**
 * Takes the lowest free id from the pool and assigns it to the advisory, inside the caller's
 * transaction. SKIP LOCKED: two concurrent claims lock different rows, so they never get the same id
 * and neither waits for the other. Throws EmbargoError('cve_pool_empty') when no id is free.
 * Access is the caller's: the advisory workflow checks that the person may edit the advisory.
 */
export async function claimCveForAdvisory(ctx: Ctx, tx: Queryable, advisoryId: string, at: Date): Promise<string> {
  const advisory = await tx.query<{ public_id: string }>('SELECT public_id FROM advisories WHERE id = $1', [advisoryId]);
  const publicId = advisory.rows[0]?.public_id;
  if (publicId === undefined) throw new NotFoundError('advisory');
  const free = await tx.query<{ cve_id: string; source: string }>(
    `SELECT cve_id, source FROM cve_pool WHERE advisory_id IS NULL ORDER BY ${CVE_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  const row = free.rows[0];
  if (!row) {
    throw new EmbargoError(
      'cve_pool_empty',
      "The team's CVE pool has no free identifier: add a reserved block, reserve ids through the CNA account, or request one.",
    );
  }
  await tx.query('UPDATE cve_pool SET advisory_id = $2, assigned_at = $3 WHERE cve_id = $1', [row.cve_id, advisoryId, at]);
  await audit(ctx, tx, at, {
    action: 'cve.assigned',
    subjectType: 'advisory',
    subjectId: advisoryId,
    data: { cveId: row.cve_id, source: row.source, advisory: publicId },
  });
  return row.cve_id;
}

/**
 * Who manages the pool: the central security team (who handle every case and write the advisories)
 * and admins (who may enter the block the CVE Program gave the team). The operator's CLI too.
 */
export function requirePoolManager(ctx: Ctx): void {
  requireDesk(ctx, 'cve_pool.manage');
}

/** Only those who see every case see which advisory an id went to (its public id names an embargoed case). */
function seesAdvisories(ctx: Ctx): boolean {
  return mayDo(ctx.principal, 'cve_pool.see_advisories');
}

export const CveBlockInput = z.strictObject({
  /** "CVE-2026-1000..CVE-2026-1049", or ids separated by commas, spaces or new lines. */
  block: z.string().max(100_000),
});

/** Adds a reserved block to the pool. Every id must be new: one duplicate refuses the whole block. */
export async function addCveBlock(ctx: Ctx, raw: unknown): Promise<{ added: string[] }> {
  requirePoolManager(ctx);
  const input = CveBlockInput.parse(raw);
  const now = ctx.app.clock();
  const parsed = parseCveBlock(input.block, now);
  if ('problems' in parsed) throw new ValidationError('The block of CVE ids is not valid; nothing was added.', parsed.problems);
  const ids = parsed.ids;
  return ctx.app.db.transaction(async (tx) => {
    const taken = await tx.query<{ cve_id: string }>(`SELECT cve_id FROM cve_pool WHERE cve_id = ANY($1) ORDER BY ${CVE_ORDER}`, [ids]);
    if (taken.rows.length) throw duplicates(taken.rows.map((r) => r.cve_id));
    const by = ctx.principal.kind === 'person' ? ctx.principal.personId : null;
    // ON CONFLICT: a concurrent block may have added some of these since the check; refuse, never merge.
    const ins = await tx.query(
      `INSERT INTO cve_pool (cve_id, source, added_by, added_at) SELECT unnest($1::text[]), 'reserved_block', $2, $3 ON CONFLICT (cve_id) DO NOTHING`,
      [ids, by, now],
    );
    if (ins.rowCount !== ids.length)
      throw new ConflictError(
        'Some of these CVE ids were added to the pool at the same moment by someone else; nothing was added. Try again.',
      );
    await audit(ctx, tx, now, {
      action: 'cve.block_added',
      subjectType: 'cve_pool',
      subjectId: ids[0]!,
      data: { count: ids.length, first: ids[0], last: ids[ids.length - 1] },
    });
    return { added: ids };
  });
}

function duplicates(ids: string[]): ConflictError {
  const shown = ids.slice(0, 10).join(', ');
  return new ConflictError(
    `${ids.length} of these CVE ids ${ids.length === 1 ? 'is' : 'are'} already in the pool (${shown}${ids.length > 10 ? ', ...' : ''}); nothing was added.`,
  );
}

export const CvePoolQuery = z.strictObject({ state: z.enum(['free', 'assigned', 'all']).default('all') });

export interface CvePoolEntry {
  cveId: string;
  source: 'reserved_block' | 'cna';
  state: 'free' | 'assigned';
  /** The advisory's public id, for the central team; null for others and for free ids. */
  advisory: string | null;
  addedAt: string;
  assignedAt: string | null;
}

export async function listCvePool(ctx: Ctx, raw: unknown = {}): Promise<{ free: number; assigned: number; ids: CvePoolEntry[] }> {
  requirePoolManager(ctx);
  const q = CvePoolQuery.parse(raw ?? {});
  const where = q.state === 'free' ? 'WHERE p.advisory_id IS NULL' : q.state === 'assigned' ? 'WHERE p.advisory_id IS NOT NULL' : '';
  const rows = await ctx.app.db.query<{
    cve_id: string;
    source: 'reserved_block' | 'cna';
    public_id: string | null;
    advisory_id: string | null;
    added_at: Date;
    assigned_at: Date | null;
  }>(
    `SELECT p.cve_id, p.source, p.advisory_id, a.public_id, p.added_at, p.assigned_at
       FROM cve_pool p LEFT JOIN advisories a ON a.id = p.advisory_id ${where} ORDER BY ${CVE_ORDER.replaceAll('cve_id', 'p.cve_id')}`,
  );
  const counts = await ctx.app.db.query<{ free: number; assigned: number }>(
    'SELECT count(*) FILTER (WHERE advisory_id IS NULL)::int AS free, count(*) FILTER (WHERE advisory_id IS NOT NULL)::int AS assigned FROM cve_pool',
  );
  const shows = seesAdvisories(ctx);
  return {
    free: counts.rows[0]!.free,
    assigned: counts.rows[0]!.assigned,
    ids: rows.rows.map((r) => ({
      cveId: r.cve_id,
      source: r.source,
      state: r.advisory_id ? 'assigned' : 'free',
      advisory: shows ? r.public_id : null,
      addedAt: new Date(r.added_at).toISOString(),
      assignedAt: r.assigned_at ? new Date(r.assigned_at).toISOString() : null,
    })),
  };
}

/** Removes an id that no advisory holds (entered by mistake, or given back to the CNA). */
export async function removeCveFromPool(ctx: Ctx, cveId: string): Promise<void> {
  requirePoolManager(ctx);
  const parsed = parseCveId(cveId);
  if (!parsed) throw new NotFoundError('CVE id in the pool');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const r = await tx.query<{ advisory_id: string | null; source: string }>(
      'SELECT advisory_id, source FROM cve_pool WHERE cve_id = $1 FOR UPDATE',
      [parsed.id],
    );
    const row = r.rows[0];
    if (!row) throw new NotFoundError('CVE id in the pool');
    if (row.advisory_id) throw new ConflictError(`${parsed.id} is assigned to an advisory and stays in the pool.`);
    await tx.query('DELETE FROM cve_pool WHERE cve_id = $1 AND advisory_id IS NULL', [parsed.id]);
    await audit(ctx, tx, now, {
      action: 'cve.removed_from_pool',
      subjectType: 'cve_pool',
      subjectId: parsed.id,
      data: { source: row.source },
    });
  });
}

/** Ids reserved through the CNA account enter the pool; any already there are left as they are. */
export async function addCnaIdsToPool(ctx: Ctx, tx: Queryable, ids: string[], at: Date): Promise<string[]> {
  const by = ctx.principal.kind === 'person' ? ctx.principal.personId : null;
  const r = await tx.query<{ cve_id: string }>(
    `INSERT INTO cve_pool (cve_id, source, added_by, added_at) SELECT unnest($1::text[]), 'cna', $2, $3 ON CONFLICT (cve_id) DO NOTHING RETURNING cve_id`,
    [ids, by, at],
  );
  return r.rows.map((x) => x.cve_id);
}
