import { z } from 'zod';
import { readableInstant } from '../../domain/reader-dates.ts';
import { advisoryPageUrl } from '../../config.ts';
import { describeRange, parseAdvisory, publicationProblems, type Advisory } from '../../domain/advisory.ts';
import type { Queryable } from '../../store/db.ts';
import type { LoadedCase } from '../cases/case.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { scheduleCveRecords, scheduleReporterDisclosure } from '../releases/plan.ts';
import { hasCnaAccount } from '../cve/account.ts';
import { agreedEmbargo, embargoInForce } from '../disclosure/agreed-timeline.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { isPublicAt } from '../../domain/publication.ts';
import { aad, audit, requirePerson, type Ctx } from '../context.ts';
import { messageReporter, templateVars } from '../cases/messaging.ts';
import { claimCveForAdvisory } from '../cve/pool.ts';
import { readVersion, requiredSections, writeVersion, type AdvisoryState } from './advisories.ts';
import { advisoryFacts, requireAdvisoryAction, withAdvisory } from '../gate.ts';
import { assertPublishable } from './leak-check.ts';

// Review and approval by a second team member, scheduled publication of the approved head version,
// and withdrawal of a published advisory.

export const ReviewInput = z.strictObject({
  /** The version reviewed: it must still be the head, so nobody approves text they did not read. */
  version: z.number().int().min(1),
  verdict: z.enum(['approved', 'changes_requested']),
  comment: z.string().trim().max(10_000).optional(),
});

export async function reviewAdvisory(
  ctx: Ctx,
  advisoryId: string,
  raw: unknown,
): Promise<{ state: AdvisoryState; approvedVersion: number | null }> {
  const input = ReviewInput.parse(raw);
  const me = requirePerson(ctx);
  return withAdvisory(ctx, advisoryId, { lock: true }, async (tx, va, _rules, now) => {
    const { row } = va;
    if (input.version !== row.headVersion && row.state !== 'withdrawn') {
      throw new ConflictError(`Version ${input.version} is not the latest (version ${row.headVersion} is); review the latest version.`);
    }
    // The version reviewed is the head: the vocabulary's four-eyes rule judges its author.
    const facts = await advisoryFacts(tx, row);
    requireAdvisoryAction(ctx, va.c, facts, input.verdict === 'approved' ? 'advisory.approve' : 'advisory.request_changes', now);
    const id = crypto.randomUUID();
    await tx.query(
      'INSERT INTO advisory_reviews (id, advisory_id, version, reviewer_id, verdict, comment_sealed, at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        id,
        advisoryId,
        input.version,
        me.personId,
        input.verdict,
        input.comment ? ctx.app.sealer.seal(input.comment, aad('advisory_reviews', 'comment', id)) : null,
        now,
      ],
    );
    const approved = input.verdict === 'approved' ? input.version : null;
    const state: AdvisoryState = row.state === 'draft' || row.state === 'approved' ? (approved ? 'approved' : 'draft') : row.state;
    await tx.query('UPDATE advisories SET approved_version = $2, state = $3, updated_at = $4 WHERE id = $1', [
      advisoryId,
      approved,
      state,
      now,
    ]);
    await audit(ctx, tx, now, {
      action: input.verdict === 'approved' ? 'advisory.approved' : 'advisory.changes_requested',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version: input.version },
    });
    return { state, approvedVersion: approved };
  });
}

export const ScheduleInput = z.strictObject({
  /** When the advisory becomes public (with offset); default now. Ignored for an update of a public advisory, which is public at once. */
  publishAt: z.iso.datetime({ offset: true }).optional(),
  /** Send the profile's disclosure notification to the reporter (it asks how they want to be credited). */
  notifyReporter: z.boolean().default(false),
});

/**
 * Publication of the approved head version at a time: the public site shows it from then on,
 * without anyone acting. Refused, with the whole list, while anything publication needs is missing,
 * and while any section or export format carries one of the case's sensitive values.
 * The published document is a new version that adds only the publication time to the approved one,
 * so it keeps that approval.
 */
export async function schedulePublication(ctx: Ctx, advisoryId: string, raw: unknown): Promise<{ version: number; publishAt: string }> {
  const input = ScheduleInput.parse(raw ?? {});
  return withAdvisory(ctx, advisoryId, { lock: true, action: 'advisory.publish' }, async (tx, va, rules, now) => {
    const { row } = va;
    const head = await readVersion(ctx, tx, advisoryId, row.headVersion);
    const alreadyPublic = row.state === 'published' && isPublicAt(row, now);
    // Under an agreed embargo the public instant is the agreed one: by default, and never earlier.
    const agreedPublicAt = alreadyPublic ? null : await embargoPublicAt(tx, va.c.row.incidentId);
    const at = alreadyPublic ? now : input.publishAt ? new Date(input.publishAt) : (agreedPublicAt ?? now);
    if (agreedPublicAt && at.getTime() < agreedPublicAt.getTime()) {
      throw new ValidationError(
        `The embargo agreed with the reporter and the stakeholders holds until ${readableInstant(agreedPublicAt, 'UTC')}: the advisory cannot be public before then. End the embargo first if it has leaked.`,
        [{ path: 'publishAt', message: 'is before the agreed public instant' }],
      );
    }
    if (!alreadyPublic && at.getTime() < now.getTime() - 60_000) {
      throw new ValidationError('The publication time is in the past.', [{ path: 'publishAt', message: 'must be now or later' }]);
    }
    // An update of a public advisory is published at once; a later time would be silently ignored and
    // an update that adds a still-embargoed detail would go public early, so it is refused instead.
    if (alreadyPublic && input.publishAt && new Date(input.publishAt).getTime() > now.getTime() + 60_000) {
      throw new ValidationError(
        'This advisory is already public, so an update is published at once and cannot wait for a later time. Publish the update when its details may be public, without a time.',
        [{ path: 'publishAt', message: 'must be empty or now for an update of a public advisory' }],
      );
    }
    const iso = at.toISOString().replace('.000Z', 'Z');
    const deskFields = alreadyPublic ? { published: head.document.published!, modified: iso } : { published: iso };
    const candidate = parseAdvisory({ ...head.document, ...deskFields });
    const { checks } = await requiredSections(tx);
    const problems = publicationProblems(candidate, { require: checks });
    if (problems.length) {
      throw new ValidationError(
        `The advisory cannot be published yet: ${problems.length} thing${problems.length === 1 ? ' is' : 's are'} missing.`,
        problems.map((p) => ({ path: p.slice(0, p.indexOf(':')), message: p.slice(p.indexOf(':') + 1).trim() })),
      );
    }
    // What goes public leaves the security teams: nothing in it may carry the case's sensitive values.
    await assertPublishable(ctx, tx, va.c, candidate, head.reporterCredit, iso);
    const { version, document } = await writeVersion(ctx, tx, va, head.document, {
      // Read by people in the version history: a readable instant, not the machine's (the document has that).
      comment: alreadyPublic
        ? `Update published ${readableInstant(at, 'UTC')}.`
        : `Publication scheduled for ${readableInstant(at, 'UTC')}.`,
      at: now,
      keepApproval: true,
      deskFields,
      reporterCredit: head.reporterCredit,
    });
    const publishAt = alreadyPublic ? row.publishAt! : at;
    await tx.query(`UPDATE advisories SET state = 'published', published_version = $2, publish_at = $3, updated_at = $4 WHERE id = $1`, [
      advisoryId,
      version,
      publishAt,
      now,
    ]);
    row.state = 'published';
    // The CVE records are published to the CNA at the public instant, by the scheduler.
    if (!alreadyPublic && document.cveIds.length > 0 && va.c.row.incidentId && (await hasCnaAccount(ctx.app, tx)))
      await scheduleCveRecords(tx, va.c.row.incidentId, advisoryId, at, now);
    // The profile's disclosure notification tells the reporter the date and asks how to credit them,
    // now; that it is public they are told at the instant it is (a timed release), not before.
    if (input.notifyReporter && !alreadyPublic) {
      if (rules.hasTemplate('disclosure_notification')) await notifyReporterOfDisclosure(ctx, tx, rules, va.c, document, at, now);
      if (at.getTime() > now.getTime() && va.c.row.incidentId)
        await scheduleReporterDisclosure(tx, va.c.row.incidentId, advisoryId, at, now);
    }
    await audit(ctx, tx, now, {
      action: alreadyPublic ? 'advisory.update_published' : 'advisory.publication_scheduled',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version, publishAt: publishAt.toISOString(), notifiedReporter: input.notifyReporter && !alreadyPublic },
    });
    return { version, publishAt: publishAt.toISOString() };
  });
}

/** The agreed timeline's public instant while an embargo is in force, else null. */
async function embargoPublicAt(tx: Queryable, incidentId: string | null): Promise<Date | null> {
  if (!incidentId) return null;
  const embargo = await agreedEmbargo(tx, incidentId);
  return embargoInForce(embargo) ? (embargo.agreed?.publicAt ?? null) : null;
}

/** The profile's disclosure notification to the reporter: the advisory is public, with its fixed versions and CVE ids. */
export async function notifyReporterOfDisclosure(
  ctx: Ctx,
  tx: Queryable,
  rules: ProfileRules,
  c: LoadedCase,
  document: Advisory,
  at: Date,
  now: Date,
): Promise<void> {
  const fixed = document.affected.flatMap((p) =>
    p.ranges
      .filter((r) => r.type === 'semver' && r.fixed)
      .map((r) => `${p.product ?? p.package?.name ?? p.project} ${describeRange(r).replace(/^.*before /, '')}`),
  );
  const vars = await templateVars(ctx, tx, rules, c, {
    disclosure_date: at,
    version: fixed.join(', ') || 'the fixed release',
    cve_id: document.cveIds.join(', '),
    // The advisory's own page when it names one, else its page on the desk's public site.
    advisory_link: document.url ?? advisoryPageUrl(ctx.app.config, document.id),
  });
  const mail = rules.render('disclosure_notification', vars);
  await messageReporter(ctx, tx, now, rules, c, { templateId: 'disclosure_notification', ...mail });
}

export const WithdrawInput = z.strictObject({ reason: z.string().trim().min(10, 'say why (at least 10 characters)').max(5000) });

/** Withdraws a public advisory: a new version with the withdrawal notice becomes the published one; it stays public. */
export async function withdrawAdvisory(ctx: Ctx, advisoryId: string, raw: unknown): Promise<{ version: number }> {
  const { reason } = WithdrawInput.parse(raw);
  return withAdvisory(ctx, advisoryId, { lock: true, action: 'advisory.withdraw' }, async (tx, va, _rules, now) => {
    const { row } = va;
    const published = await readVersion(ctx, tx, advisoryId, row.publishedVersion!);
    const iso = now.toISOString().replace('.000Z', 'Z');
    const { version } = await writeVersion(ctx, tx, va, published.document, {
      comment: `Withdrawn: ${reason}`,
      at: now,
      deskFields: { withdrawn: iso, withdrawnReason: reason },
      reporterCredit: published.reporterCredit,
    });
    await tx.query(
      `UPDATE advisories SET state = 'withdrawn', published_version = $2, approved_version = NULL, updated_at = $3 WHERE id = $1`,
      [advisoryId, version, now],
    );
    await audit(ctx, tx, now, {
      action: 'advisory.withdrawn',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version },
      secret: { reason },
    });
    return { version };
  });
}

/** Takes the next free CVE id of the team's pool and saves a new version with it added to the advisory's ids. */
export async function assignCveFromPool(ctx: Ctx, advisoryId: string): Promise<{ cveId: string; version: number }> {
  return withAdvisory(ctx, advisoryId, { lock: true, action: 'advisory.assign_cve' }, async (tx, va, _rules, now) => {
    const head = await readVersion(ctx, tx, advisoryId, va.row.headVersion);
    const cveId = await claimCveForAdvisory(ctx, tx, advisoryId, now);
    const { version } = await writeVersion(
      ctx,
      tx,
      va,
      { ...head.document, cveIds: [...head.document.cveIds, cveId] },
      {
        comment: `${cveId} assigned from the team's pool.`,
        at: now,
        reporterCredit: head.reporterCredit,
      },
    );
    await audit(ctx, tx, now, { action: 'advisory.saved', subjectType: 'advisory', subjectId: advisoryId, data: { version, cveId } });
    return { cveId, version };
  });
}
