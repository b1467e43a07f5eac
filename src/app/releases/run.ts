import type { Queryable } from '../../store/db.ts';
import { readableInstant } from '../../domain/reader-dates.ts';
import { isPublicAt } from '../../domain/publication.ts';
import { aad, audit, type App, type Ctx } from '../context.ts';
import { loadCase, type LoadedCase } from '../cases/case.ts';
import { addMessage, messageReporter } from '../cases/messaging.ts';
import { advisoryPageUrl } from '../../config.ts';
import { rulesOf } from '../admin/instance.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { emit } from '../events.ts';
import { readVersion } from '../advisories/advisories.ts';
import { publishCveRecords } from '../cve/cna.ts';
import { orgsInTiers } from '../stakeholders/orgs.ts';
import { briefingOf, briefingText } from '../stakeholders/briefing.ts';
import { mailOrgs, markFixShared, portalCaseUrl, updateToldTiers } from '../stakeholders/notify.ts';

// The scheduler of timed releases: every server runs this pass; each due release is claimed with
// FOR UPDATE SKIP LOCKED and marked done in the same transaction as everything it does (tier
// releases recorded, mail queued, events emitted), so however many servers run it each release
// happens exactly once, and at its instant (what it records is dated by its due instant, not by the
// pass). A release that fails (the leak guard refuses the briefing) is tried again later and the team
// is told in the case thread, once.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'timed releases' };
const BATCH = 50;
const RETRY_MS = 5 * 60_000;

interface ReleaseRow {
  id: string;
  incident_id: string;
  kind: 'tier_notice' | 'fix_public' | 'reporter_disclosure' | 'embargo_ended' | 'cve_records';
  tier: string | null;
  advisory_id: string | null;
  due_at: Date;
  attempts: number;
  note_sealed: string | null;
}

export interface ReleasePassResult {
  done: number;
  more: boolean;
  failures: { releaseId: string; message: string }[];
}

export async function runDueReleases(app: App, now: Date, node = 'serve'): Promise<ReleasePassResult> {
  const ctx: Ctx = { app, principal: SYSTEM };
  const result: ReleasePassResult = { done: 0, more: false, failures: [] };
  const failed = new Set<string>();
  for (let i = 0; i < BATCH; i++) {
    let claimed: ReleaseRow | null = null;
    try {
      claimed = await app.db.transaction(async (tx) => {
        const r = await tx.query<ReleaseRow>(
          `SELECT id, incident_id, kind, tier, advisory_id, due_at, attempts, note_sealed FROM timed_releases
            WHERE state = 'scheduled' AND COALESCE(retry_at, due_at) <= $1 AND NOT (id = ANY($2::uuid[]))
            ORDER BY due_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [now, [...failed]],
        );
        const row = r.rows[0];
        if (!row) return null;
        claimed = row;
        // The CNA is a service outside the desk, called outside the transaction: the row is leased
        // (retry_at) and done after the call; a server dying between the two leaves it to be tried
        // again, which CVE Services answers by updating the same record.
        if (row.kind === 'cve_records') {
          await tx.query('UPDATE timed_releases SET retry_at = $2 WHERE id = $1', [row.id, new Date(now.getTime() + RETRY_MS)]);
          return row;
        }
        const outcome = await perform(ctx, tx, row, now);
        await tx.query(
          `UPDATE timed_releases SET state = 'done', done_at = $2, done_by = $3, outcome = $4, last_error = NULL WHERE id = $1`,
          [row.id, now, node, outcome],
        );
        return row;
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!claimed) throw e;
      const row: ReleaseRow = claimed;
      failed.add(row.id);
      result.failures.push({ releaseId: row.id, message });
      await recordFailure(ctx, row, now, message);
      continue;
    }
    if (!claimed) return result;
    if ((claimed as ReleaseRow).kind === 'cve_records') {
      const row: ReleaseRow = claimed;
      try {
        const published = await publishCveRecords(ctx, row.advisory_id!);
        await app.db.query(
          `UPDATE timed_releases SET state = 'done', done_at = $2, done_by = $3, outcome = $4, last_error = NULL WHERE id = $1`,
          [row.id, now, node, `CVE records of ${published.advisory}: ${published.records.map((x) => `${x.cveId} ${x.action}`).join(', ')}`],
        );
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        failed.add(row.id);
        result.failures.push({ releaseId: row.id, message });
        await recordFailure(ctx, row, now, message);
        continue;
      }
    }
    result.done++;
  }
  result.more = result.failures.length === 0;
  return result;
}

async function recordFailure(ctx: Ctx, row: ReleaseRow, now: Date, message: string): Promise<void> {
  await ctx.app.db.transaction(async (tx) => {
    await tx.query('UPDATE timed_releases SET attempts = attempts + 1, last_error = $2, retry_at = $3 WHERE id = $1', [
      row.id,
      message.slice(0, 2000),
      new Date(now.getTime() + RETRY_MS),
    ]);
    if (row.attempts === 0) {
      const c = await caseOfIncident(tx, row.incident_id);
      if (c)
        await addMessage(
          ctx,
          tx,
          now,
          c,
          'note',
          `A timed release (${describeRelease(row)}, due ${readableInstant(new Date(row.due_at), 'UTC')}) could not be done: ${message}\nIt is tried again every few minutes; fix what it says.`,
        );
    }
  });
}

function describeRelease(r: Pick<ReleaseRow, 'kind' | 'tier'>): string {
  switch (r.kind) {
    case 'tier_notice':
      return `telling the ${r.tier} tier`;
    case 'fix_public':
      return 'making the fix public';
    case 'reporter_disclosure':
      return 'telling the reporter of the publication';
    case 'embargo_ended':
      return 'telling every tier the embargo ended';
    case 'cve_records':
      return 'publishing the CVE records';
  }
}

async function caseOfIncident(tx: Queryable, incidentId: string, lock = false): Promise<LoadedCase | null> {
  const r = await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE id = $1', [incidentId]);
  return r.rows[0] ? loadCase(tx, r.rows[0].report_id, lock) : null;
}

async function perform(ctx: Ctx, tx: Queryable, row: ReleaseRow, now: Date): Promise<string> {
  const c = await caseOfIncident(tx, row.incident_id, true);
  if (!c) return 'the incident is gone';
  const rules = await rulesOf(tx);
  const at = new Date(row.due_at);
  switch (row.kind) {
    case 'tier_notice':
      return tellTier(ctx, tx, c, rules, row.tier!, at, now);
    case 'fix_public':
      return makeFixPublic(ctx, tx, c, rules, at, now);
    case 'embargo_ended':
      return tellEmbargoEnded(ctx, tx, c, rules, row, now);
    case 'reporter_disclosure':
      return tellReporterOfDisclosure(ctx, tx, c, rules, row, at, now);
    case 'cve_records':
      throw new Error('the CVE records are published outside the transaction');
  }
}

/** Records the release of the tiers (this one and any before it not told yet) at `at`; returns the tiers newly released. */
async function releaseTiers(tx: Queryable, incidentId: string, tiers: readonly string[], at: Date): Promise<string[]> {
  const out: string[] = [];
  for (const t of tiers) {
    const r = await tx.query('INSERT INTO tier_releases (incident_id, tier, released_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      incidentId,
      t,
      at,
    ]);
    if (r.rowCount === 1) out.push(t);
  }
  return out;
}

const tierName = (rules: ProfileRules, id: string) => rules.embargo.tiers.find((t) => t.id === id)?.name ?? id;

/** How many were told, never who: the thread is read by people pulled into the case too; the names are in the Stakeholders section. */
function orgCount(n: number): string {
  return n === 0 ? 'no organisation is in it' : `${n} organisation${n === 1 ? '' : 's'}`;
}

async function tellTier(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules, tier: string, at: Date, now: Date): Promise<string> {
  const incidentId = c.row.incidentId!;
  const order = rules.embargo.tiers.map((t) => t.id);
  const upTo = order.slice(0, order.indexOf(tier) + 1);
  const released = await releaseTiers(tx, incidentId, upTo, at);
  if (released.length === 0) return `the ${tier} tier was told already`;
  const orgs = await orgsInTiers(
    ctx.app,
    tx,
    c.projects.map((p) => p.projectId),
    released,
  );
  let fixShared = false;
  const briefings = new Map<string, string>();
  for (const org of orgs) {
    const b = await briefingOf(ctx, tx, c, rules, org.tier, org.timeZone);
    fixShared ||= b.fix.state === 'shared';
    briefings.set(
      org.id,
      [
        `${org.name} is among the ${tierName(rules, org.tier)} told of this vulnerability before its publication. Keep it confidential until its public disclosure.`,
        '',
        briefingText(b, org.timeZone),
        '',
        `Acknowledge this notice, read updates and ask the security team questions on the stakeholder portal: ${portalCaseUrl(ctx, b.ref)}`,
      ].join('\n'),
    );
  }
  await mailOrgs(ctx, tx, now, c, orgs, {
    what: `Embargoed notice to the ${tierName(rules, tier)}`,
    templateId: 'stakeholder.tier_notice',
    subject: `[${c.row.incidentRef}] Embargoed vulnerability notice`,
    body: (org) => briefings.get(org.id)!,
  });
  if (fixShared && orgs.length > 0) await markFixShared(ctx, tx, c, at);
  const words = `Told the ${released.map((t) => tierName(rules, t)).join(' and the ')} at ${readableInstant(at, 'UTC')}${fixShared ? ', with the fix' : ''}: ${orgCount(orgs.length)}.`;
  await addMessage(ctx, tx, now, c, 'note', words);
  await audit(ctx, tx, now, {
    action: 'stakeholders.told',
    subjectType: 'report',
    subjectId: c.row.reportId,
    data: { tiers: released, organisations: orgs.length, fix: fixShared },
  });
  return words;
}

async function makeFixPublic(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules, at: Date, now: Date): Promise<string> {
  const incidentId = c.row.incidentId!;
  const f = await tx.query<{ ready_at: Date | null; export_controlled: boolean; published_at: Date | null }>(
    'SELECT ready_at, export_controlled, published_at FROM incident_fixes WHERE incident_id = $1 FOR UPDATE',
    [incidentId],
  );
  const fix = f.rows[0];
  let words: string;
  if (fix?.published_at) words = 'The fix was public already.';
  else if (!fix?.ready_at)
    words =
      'The last embargo before publication ended, but the fix is not marked ready: nothing was made public. Mark it ready when it is.';
  else if (fix.export_controlled)
    words =
      'The last embargo before publication ended; the fix stays within the security teams under export control (public release deferred).';
  else {
    await tx.query('UPDATE incident_fixes SET published_at = $2 WHERE incident_id = $1', [incidentId, at]);
    await emit(ctx, tx, 'fix_published', { reportId: c.row.reportId, incidentId, at });
    const told = await updateToldTiers(ctx, tx, now, c, rules, {
      what: 'The fix is public',
      subject: 'the fix is public',
      lead: `The fix of ${c.row.incidentRef} is public as of ${readableInstant(at, 'UTC')}. The advisory follows at the public disclosure.`,
    });
    words = `The fix is public as of ${readableInstant(at, 'UTC')}; told ${told} organisation${told === 1 ? '' : 's'}.`;
  }
  await addMessage(ctx, tx, now, c, 'note', words);
  return words;
}

async function tellEmbargoEnded(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules, row: ReleaseRow, now: Date): Promise<string> {
  const incidentId = c.row.incidentId!;
  const reason = row.note_sealed ? ctx.app.sealer.open(row.note_sealed, aad('timed_releases', 'note', row.id)) : 'the embargo ended';
  // Every tier is told now, the ones not told yet included: they need to act.
  await releaseTiers(
    tx,
    incidentId,
    rules.embargo.tiers.map((t) => t.id),
    now,
  );
  const told = await updateToldTiers(
    ctx,
    tx,
    now,
    c,
    rules,
    {
      what: 'The embargo ended early',
      subject: 'the embargo has ended',
      lead: `The embargo on ${c.row.incidentRef} has ended early: ${reason}\nAct on it now: the vulnerability may be known to attackers. The advisory will be published as soon as possible.`,
    },
    { urgent: true },
  );
  const words = `Told every tier that the embargo ended: ${orgCount(told)}.`;
  await addMessage(ctx, tx, now, c, 'note', words);
  return words;
}

async function tellReporterOfDisclosure(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  rules: ProfileRules,
  row: ReleaseRow,
  at: Date,
  now: Date,
): Promise<string> {
  const a = await tx.query<{ published_version: number | null; publish_at: Date | null; state: string }>(
    'SELECT published_version, publish_at, state FROM advisories WHERE id = $1',
    [row.advisory_id],
  );
  const adv = a.rows[0];
  if (adv?.state !== 'published' || !isPublicAt({ publishedVersion: adv.published_version, publishAt: adv.publish_at }, now))
    return 'the advisory is not public: the reporter was not told';
  const v = await readVersion(ctx, tx, row.advisory_id!, adv.published_version!);
  const link = v.document.url ?? advisoryPageUrl(ctx.app.config, v.document.id);
  const zone = (await tx.query<{ default_time_zone: string }>('SELECT default_time_zone FROM instance WHERE id = 1')).rows[0]
    ?.default_time_zone;
  await messageReporter(ctx, tx, now, rules, c, {
    templateId: 'advisory.public',
    subject: `[${c.row.incidentRef}] The advisory is public`,
    body: `The advisory ${v.document.id}${v.document.cveIds.length ? ` (${v.document.cveIds.join(', ')})` : ''} about the vulnerability you reported is public as of ${readableInstant(at, zone ?? 'UTC')}:\n${link}\n\nThank you for reporting it and for keeping it confidential until now.`,
  });
  return 'the reporter was told of the publication';
}
