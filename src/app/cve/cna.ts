import { z } from 'zod';
import { readableInstant } from '../../domain/reader-dates.ts';
import type { Queryable } from '../../store/db.ts';
import { worksOnAdvisories } from '../../domain/access.ts';
import type { Advisory } from '../../domain/advisory.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { toCveRecord } from '../../formats/cve.ts';
import { CveServicesError, type CveServicesClient } from '../../integrations/cve-services.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { readVersion } from '../advisories/advisories.ts';
import { loadCase } from '../cases/case.ts';
import { cnaClient, cnaCredentials } from './account.ts';
import { addCnaIdsToPool, requirePoolManager } from './pool.ts';
import { isUuid, NO_SUCH_ID } from '../../domain/ids.ts';
import { isPublicAt } from '../../domain/publication.ts';

// Use cases of the team's CNA account at CVE Services: reserve ids into the pool, and publish,
// update or reject the CVE records of a published advisory. The network call is made outside any
// database transaction (a slow service must not hold locks); what it returns is then recorded and
// audited in one transaction per id, so an id published before a later one fails is never forgotten.

export const ReserveInput = z.strictObject({
  amount: z.number().int().min(1).max(100),
  /** Default: the current year. */
  year: z.number().int().min(1999).max(9999).optional(),
});

/** Reserves ids through the CNA account and puts them into the pool (source 'cna'). */
export async function reserveFromCna(
  ctx: Ctx,
  raw: unknown,
  client?: CveServicesClient,
): Promise<{ added: string[]; remainingQuota: number | null; partial: boolean }> {
  requirePoolManager(ctx);
  const input = ReserveInput.parse(raw);
  const year = input.year ?? ctx.app.clock().getUTCFullYear();
  const c = client ?? (await cnaClient(ctx.app));
  const reserved = await c.reserveIds({ amount: input.amount, year, batchType: 'sequential' });
  const ids = reserved.ids.map((i) => i.cve_id);
  const now = ctx.app.clock();
  const added = await ctx.app.db.transaction(async (tx) => {
    const inserted = await addCnaIdsToPool(ctx, tx, ids, now);
    await audit(ctx, tx, now, {
      action: 'cve.reserved_from_cna',
      subjectType: 'cve_pool',
      subjectId: ids[0] ?? `none-${year}`,
      data: { requested: input.amount, year, ids, remainingQuota: reserved.remainingQuota, partial: reserved.partial },
    });
    return inserted;
  });
  return { added, remainingQuota: reserved.remainingQuota, partial: reserved.partial };
}

export interface TeamAdvisoryRow {
  id: string;
  head_version: number;
  public_id: string;
  incident_id: string | null;
  state: string;
  published_version: number | null;
  publish_at: Date | null;
}

/**
 * The advisory by its public id (TF-2026-0001) or row id, if the person is on a team that handles its
 * incident (the central team, or the incident's project team); "not found" for everyone else.
 */
export async function teamAdvisory(ctx: Ctx, tx: Queryable, ref: string): Promise<TeamAdvisoryRow> {
  // The scheduler publishes the records at the advisory's public instant as the operator would.
  const p = ctx.principal.kind === 'system' ? null : requirePerson(ctx);
  const r = await tx.query<TeamAdvisoryRow>(
    `SELECT id, public_id, incident_id, state, head_version, published_version, publish_at FROM advisories WHERE ${isUuid(ref) ? 'id = $1::uuid' : 'public_id = $1'}`,
    [ref],
  );
  const row = r.rows[0];
  // The central team sees every advisory, so for it an unknown id is simply unknown. For anyone else
  // an unknown id walks the same queries as a hidden one (NO_SUCH_ID for what is missing): the public
  // ids are sequential, and a quicker "not found" would say which exist.
  if (!p || p.central) {
    if (!row) throw new NotFoundError('advisory');
    return row;
  }
  const inc = await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE id = $1', [row?.incident_id ?? NO_SUCH_ID]);
  const c = await loadCase(tx, inc.rows[0]?.report_id ?? NO_SUCH_ID);
  if (!row || !c || !worksOnAdvisories(p, c.facts)) throw new NotFoundError('advisory');
  return row;
}

async function publishedDocument(ctx: Ctx, tx: Queryable, row: TeamAdvisoryRow): Promise<Advisory> {
  if (row.published_version === null || row.publish_at === null) {
    throw new ConflictError(`${row.public_id} is not published; its CVE records are published with it.`);
  }
  // A CVE record is public the moment it is published: never before the advisory's own time.
  const at = new Date(row.publish_at);
  if (!isPublicAt({ publishedVersion: row.published_version, publishAt: at }, ctx.app.clock())) {
    throw new ConflictError(
      `${row.public_id} becomes public at ${readableInstant(at, 'UTC')}; its CVE records can be published from then, not before (the embargo).`,
    );
  }
  return (await readVersion(ctx, tx, row.id, row.published_version)).document;
}

export interface CvePublicationResult {
  cveId: string;
  action: 'created' | 'updated' | 'rejected';
  state: 'PUBLISHED' | 'REJECTED';
}

/**
 * Publishes (first time) or updates (later) the CVE record of each of the advisory's CVE ids from its
 * published version; a withdrawn advisory rejects them. The records are built by src/formats/cve.ts
 * with the CNA account's organisation (its UUID read from CVE Services) as the provider.
 */
export async function publishCveRecords(
  ctx: Ctx,
  advisoryRef: string,
  client?: CveServicesClient,
): Promise<{ advisory: string; records: CvePublicationResult[] }> {
  const by = ctx.principal.kind === 'system' ? null : requirePerson(ctx).personId;
  const { row, advisory, known } = await ctx.app.db.transaction(async (tx) => {
    const row = await teamAdvisory(ctx, tx, advisoryRef);
    const advisory = await publishedDocument(ctx, tx, row);
    const pubs = await tx.query<{ cve_id: string; advisory_id: string; state: string }>(
      'SELECT cve_id, advisory_id, state FROM cve_publications WHERE cve_id = ANY($1)',
      [advisory.cveIds],
    );
    return { row, advisory, known: new Map(pubs.rows.map((x) => [x.cve_id, x])) };
  });
  if (advisory.cveIds.length === 0) throw new ConflictError(`${row.public_id} has no CVE id.`);
  for (const id of advisory.cveIds) {
    const other = known.get(id);
    if (other && other.advisory_id !== row.id)
      throw new ConflictError(`The CVE record of ${id} was published by this desk for another advisory.`);
  }
  const creds = await cnaCredentials(ctx.app);
  const c = client ?? (await cnaClient(ctx.app));
  const org = await c.getOrg();
  const asCna: Advisory = { ...advisory, publisher: { ...advisory.publisher, cve: { orgId: org.UUID, shortName: creds.org } } };

  const results: CvePublicationResult[] = [];
  for (const cveId of advisory.cveIds) {
    const record = toCveRecord(asCna, cveId, { now: ctx.app.clock().toISOString() });
    const container = record.containers.cna;
    const existing = known.has(cveId);
    let action: CvePublicationResult['action'];
    if (record.cveMetadata.state === 'REJECTED') {
      const reasons = container.rejectedReasons as { lang: string; value: string }[];
      await c.rejectRecord(cveId, reasons, { existing: existing || (await hasRecord(c, cveId)) });
      action = 'rejected';
    } else if (existing) {
      await c.updateRecord(cveId, container);
      action = 'updated';
    } else {
      try {
        await c.createRecord(cveId, container);
        action = 'created';
      } catch (e) {
        // A record created by an earlier attempt whose answer was lost: update it instead.
        if (!(e instanceof CveServicesError && e.serviceError === 'CVE_RECORD_EXISTS')) throw e;
        await c.updateRecord(cveId, container);
        action = 'updated';
      }
    }
    const state = record.cveMetadata.state;
    const now = ctx.app.clock();
    await ctx.app.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO cve_publications (cve_id, advisory_id, advisory_version, state, first_at, last_at, last_by)
         VALUES ($1, $2, $3, $4, $5, $5, $6)
         ON CONFLICT (cve_id) DO UPDATE SET advisory_version = EXCLUDED.advisory_version, state = EXCLUDED.state, last_at = EXCLUDED.last_at, last_by = EXCLUDED.last_by`,
        [cveId, row.id, row.published_version, state, now, by],
      );
      await audit(ctx, tx, now, {
        action: `cve.record_${action}`,
        subjectType: 'advisory',
        subjectId: row.id,
        data: { cveId, advisory: row.public_id, version: row.published_version, cna: creds.org, service: c.baseUrl },
      });
    });
    results.push({ cveId, action, state });
  }
  return { advisory: row.public_id, records: results };
}

async function hasRecord(c: CveServicesClient, cveId: string): Promise<boolean> {
  try {
    await c.getRecord(cveId);
    return true;
  } catch (e) {
    if (e instanceof CveServicesError && e.status === 404) return false;
    throw e;
  }
}

/** The desk's record of what it published for an advisory (for its page). */
export async function cvePublications(
  ctx: Ctx,
  advisoryRef: string,
): Promise<{ cveId: string; state: string; version: number; lastAt: string }[]> {
  return ctx.app.db.transaction(async (tx) => {
    const row = await teamAdvisory(ctx, tx, advisoryRef);
    const r = await tx.query<{ cve_id: string; state: string; advisory_version: number; last_at: Date }>(
      'SELECT cve_id, state, advisory_version, last_at FROM cve_publications WHERE advisory_id = $1 ORDER BY cve_id',
      [row.id],
    );
    return r.rows.map((x) => ({ cveId: x.cve_id, state: x.state, version: x.advisory_version, lastAt: new Date(x.last_at).toISOString() }));
  });
}
