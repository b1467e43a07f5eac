import type { Queryable } from '../../store/db.ts';
import { aad, type App } from '../context.ts';
import { sealClearIncidentTitles } from '../cases/records/incidents.ts';
import { sealClearTransitionReasons } from '../cases/records/transitions.ts';
import { sealKeyValues } from '../keys/stored.ts';
import { sealDeliveryText, sealRecipient } from '../delivery/deliveries.ts';
import { SUPERSEDING_PREFIX } from '../../domain/sla-outcome.ts';
import { versionCommentAad } from '../advisories/advisories.ts';

// The one-time data step of migration 022: SQL cannot seal, so the values that desks stored in clear
// before it (incident titles, reasons, keys' addresses and user IDs, recipients, clock notes, version
// comments; and of migration 028, what servers answered about a delivery) are sealed here, by createApp right after the migrations and before anything is served.
// Each table is done in one transaction under the migrations' advisory lock, so two servers starting
// at once do it once; on a desk with nothing left in clear it is one cheap query per table.
//
// What it cannot reach: the free space of the tables' pages and the write-ahead log may still hold the
// old values until PostgreSQL reuses them, and so may every backup taken before. The step therefore
// ends with VACUUM FULL of the tables it changed, which rewrites them (the old pages are freed), and
// says what it did on stderr so the operator knows to renew backups.

const LOCK = 'SELECT pg_advisory_xact_lock(727274)';

type Step = { table: string; pending: string; seal: (app: App, tx: Queryable) => Promise<number> };

const steps: Step[] = [
  {
    table: 'incidents',
    pending: 'SELECT 1 FROM incidents WHERE title IS NOT NULL LIMIT 1',
    seal: (app, tx) => sealClearIncidentTitles(tx, app.sealer),
  },
  {
    table: 'transitions',
    pending: 'SELECT 1 FROM transitions WHERE reason IS NOT NULL LIMIT 1',
    seal: (app, tx) => sealClearTransitionReasons(tx, app.sealer),
  },
  {
    table: 'correspondent_keys',
    pending: 'SELECT 1 FROM correspondent_keys WHERE email IS NOT NULL LIMIT 1',
    async seal(app, tx) {
      const rows = (
        await tx.query<{ id: string; email: string; user_ids: string[]; armored: string }>(
          'SELECT id, email, user_ids, armored FROM correspondent_keys WHERE email IS NOT NULL FOR UPDATE',
        )
      ).rows;
      for (const r of rows) {
        const s = sealKeyValues(app, r.id, { email: r.email, userIds: r.user_ids, armored: r.armored });
        await tx.query(
          `UPDATE correspondent_keys SET email_index = $2, email_sealed = $3, user_ids_sealed = $4, armored_sealed = $5,
                  email = NULL, user_ids = NULL, armored = NULL WHERE id = $1`,
          [r.id, s.emailIndex, s.emailSealed, s.userIdsSealed, s.armoredSealed],
        );
      }
      return rows.length;
    },
  },
  {
    table: 'deliveries',
    pending: 'SELECT 1 FROM deliveries WHERE recipient IS NOT NULL LIMIT 1',
    async seal(app, tx) {
      const rows = (
        await tx.query<{ id: string; recipient: string }>('SELECT id, recipient FROM deliveries WHERE recipient IS NOT NULL FOR UPDATE')
      ).rows;
      for (const r of rows) {
        await tx.query('UPDATE deliveries SET recipient_index = $2, recipient_sealed = $3, recipient = NULL WHERE id = $1', [
          r.id,
          app.blind.of('email', r.recipient),
          sealRecipient(app, r.id, r.recipient),
        ]);
      }
      return rows.length;
    },
  },
  {
    // What servers answered about a copy (migration 028).
    table: 'deliveries',
    pending: 'SELECT 1 FROM deliveries WHERE failure IS NOT NULL OR last_error IS NOT NULL LIMIT 1',
    async seal(app, tx) {
      const rows = (
        await tx.query<{ id: string; failure: string | null; last_error: string | null }>(
          'SELECT id, failure, last_error FROM deliveries WHERE failure IS NOT NULL OR last_error IS NOT NULL FOR UPDATE',
        )
      ).rows;
      for (const r of rows) {
        await tx.query(
          `UPDATE deliveries SET failure_sealed = COALESCE($2, failure_sealed), last_error_sealed = COALESCE($3, last_error_sealed),
                  failure = NULL, last_error = NULL WHERE id = $1`,
          [
            r.id,
            r.failure === null ? null : sealDeliveryText(app, r.id, 'failure', r.failure),
            r.last_error === null ? null : sealDeliveryText(app, r.id, 'last_error', r.last_error),
          ],
        );
      }
      return rows.length;
    },
  },
  {
    // "reassigned: <why>" becomes "reassigned" with the why sealed beside it.
    table: 'deadlines',
    pending: `SELECT 1 FROM deadlines WHERE stop_reason LIKE '${SUPERSEDING_PREFIX}: %' LIMIT 1`,
    async seal(app, tx) {
      const rows = (
        await tx.query<{ id: string; stop_reason: string }>(
          `SELECT id, stop_reason FROM deadlines WHERE stop_reason LIKE '${SUPERSEDING_PREFIX}: %' FOR UPDATE`,
        )
      ).rows;
      for (const r of rows) {
        const why = r.stop_reason.slice(SUPERSEDING_PREFIX.length + 2);
        await tx.query('UPDATE deadlines SET stop_reason = $2, stop_note_sealed = $3 WHERE id = $1', [
          r.id,
          SUPERSEDING_PREFIX,
          app.sealer.seal(why, aad('deadlines', 'stop_note', r.id)),
        ]);
      }
      return rows.length;
    },
  },
  {
    table: 'advisory_versions',
    pending: 'SELECT 1 FROM advisory_versions WHERE comment IS NOT NULL LIMIT 1',
    async seal(app, tx) {
      const rows = (
        await tx.query<{ advisory_id: string; version: number; comment: string }>(
          'SELECT advisory_id, version, comment FROM advisory_versions WHERE comment IS NOT NULL FOR UPDATE',
        )
      ).rows;
      for (const r of rows) {
        await tx.query('UPDATE advisory_versions SET comment_sealed = $3, comment = NULL WHERE advisory_id = $1 AND version = $2', [
          r.advisory_id,
          r.version,
          app.sealer.seal(r.comment, versionCommentAad(r.advisory_id, r.version)),
        ]);
      }
      return rows.length;
    },
  },
];

/** Seals what earlier versions of the desk stored in clear; returns the rows sealed per table. */
export async function sealClearColumns(
  app: App,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  for (const step of steps) {
    if ((await app.db.query(step.pending)).rows.length === 0) continue;
    const n = await app.db.transaction(async (tx) => {
      await tx.query(LOCK);
      return step.seal(app, tx);
    });
    if (n > 0) done[step.table] = (done[step.table] ?? 0) + n;
  }
  const tables = Object.keys(done);
  if (tables.length > 0) {
    // Rewrites each table so the pages that held the values in clear are given back, not kept as free space.
    for (const table of tables) await app.db.query(`VACUUM FULL ${table}`);
    log(
      `embargo: sealed values stored in clear by an earlier version (${tables.map((t) => `${t}: ${done[t]}`).join(', ')}); ` +
        'backups taken before today still hold them in clear: replace them.',
    );
  }
  return done;
}
