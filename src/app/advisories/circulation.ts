import { caseSensitiveValues } from '../cases/sensitive.ts';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { parseAdvisory, type Advisory } from '../../domain/advisory.ts';
import { EmbargoError, ValidationError } from '../../domain/errors.ts';
import { toText } from '../../formats/text.ts';
import { aad, audit, requirePerson, type Ctx } from '../context.ts';
import { openReporter, type LoadedCase } from '../cases/case.ts';
import { addMessage, messageReporter, queueMail, stageOf } from '../cases/messaging.ts';
import { readVersion } from './advisories.ts';
import { withAdvisory } from '../gate.ts';
import { publicationLeaks } from './leak-check.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { orgsInTiers, type TierOrg } from '../stakeholders/orgs.ts';
import { mailOrgs, toldTiers } from '../stakeholders/notify.ts';

// Circulating a draft before publication: to the reporter (into the case thread and, when they gave
// an address, the outbox, copied as the profile says) or to stakeholders (addresses given, or the
// organisations of the tiers already told of the incident, whose portal then shows the draft), one
// mail per stakeholder so none learns who else is in the loop. Each circulation records the exact version sent and to whom.
// Stakeholders never see who reported: the reporter's credit is shown anonymously in their copy and
// the leak guard refuses a copy that still names the reporter anywhere.

export const CirculateInput = z.strictObject({
  audience: z.enum(['reporter', 'stakeholders']),
  /** The version to send; default the head. */
  version: z.number().int().min(1).optional(),
  /** Stakeholders only: the addresses; default the organisations of the tiers already told. */
  recipients: z.array(z.string().trim().toLowerCase().email().max(320)).max(200).optional(),
  /** A note above the draft. */
  message: z.string().trim().max(10_000).optional(),
});

/** The organisations of the tiers already told of the incident: a draft goes only where the case has. */
async function toldOrgs(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules): Promise<TierOrg[]> {
  if (!c.row.incidentId) return [];
  const tiers = await toldTiers(tx, c.row.incidentId, rules.embargo.tiers);
  return orgsInTiers(
    ctx.app,
    tx,
    c.projects.map((p) => p.projectId),
    tiers,
  );
}

/** The draft as sent: the plain-text announcement, dated now, marked as a draft. */
function draftText(doc: Advisory, version: number, now: Date, note: string | undefined): string {
  const text = toText(doc, { now: now.toISOString() });
  return `${note ? `${note}\n\n` : ''}DRAFT advisory ${doc.id}, version ${version}: confidential until its publication.\n\n${text}`;
}

export async function circulateAdvisory(
  ctx: Ctx,
  advisoryId: string,
  raw: unknown,
): Promise<{ version: number; recipients: string[]; outboxIds: string[] }> {
  const input = CirculateInput.parse(raw);
  return withAdvisory(ctx, advisoryId, { lock: true, action: 'advisory.circulate' }, async (tx, { row, c }, rules, now) => {
    const version = input.version ?? row.headVersion;
    if (version > row.headVersion)
      throw new ValidationError(`There is no version ${version}.`, [{ path: 'version', message: 'no such version' }]);
    const v = await readVersion(ctx, tx, advisoryId, version);
    const ref = c.row.incidentRef ?? `report ${c.row.number}`;
    const subject = `[${ref}] Draft advisory ${row.publicId} (version ${version}) for review`;
    const record = async (audience: 'reporter' | 'stakeholders', recipients: { to: string[]; cc: string[] }, outboxId: string | null) => {
      const id = crypto.randomUUID();
      await tx.query(
        `INSERT INTO advisory_circulations (id, advisory_id, version, audience, recipients_sealed, outbox_id, sent_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          advisoryId,
          version,
          audience,
          ctx.app.sealer.sealJson(recipients, aad('advisory_circulations', 'recipients', id)),
          outboxId,
          requirePerson(ctx).personId,
          now,
        ],
      );
    };

    if (input.audience === 'reporter') {
      if (input.recipients)
        throw new ValidationError('A draft for the reporter goes to the reporter only.', [
          { path: 'recipients', message: 'not for the reporter' },
        ]);
      const body = `${draftText(v.document, version, now, input.message)}\n\nPlease tell us if anything is wrong or missing, and how you want to be credited (you can also set this on your report's status page).`;
      const { outboxId } = await messageReporter(ctx, tx, now, rules, c, { templateId: null, subject, body, advisoryId });
      const reporter = openReporter(ctx, c);
      const recipients = {
        to: reporter.email ? [reporter.email] : ['reporter (status page)'],
        cc: outboxId
          ? rules.ccFor(
              stageOf(c),
              c.projects.map((p) => p.slug),
            )
          : [],
      };
      await record('reporter', recipients, outboxId);
      await audit(ctx, tx, now, {
        action: 'advisory.circulated',
        subjectType: 'advisory',
        subjectId: advisoryId,
        data: { version, audience: 'reporter', mailed: outboxId !== null },
      });
      return { version, recipients: recipients.to, outboxIds: outboxId ? [outboxId] : [] };
    }

    // Stakeholders learn nothing about the reporter, not even a name they chose to be credited by.
    const anonymised = parseAdvisory({
      ...v.document,
      credits: v.document.credits.map((cr, i) => (i === v.reporterCredit ? { type: cr.type, preference: 'anonymous', contact: [] } : cr)),
    });
    // The same values publication is guarded by, the name or handle the reporter chose among them;
    // a refusal names the draft's fields that carry them (the mail's own guard below is the backstop).
    const values = await caseSensitiveValues(ctx.app, tx, c.row.reportId);
    const leaks = publicationLeaks(anonymised, values, { index: null, shown: null }, now.toISOString());
    if (leaks.length > 0) {
      throw new EmbargoError(
        'leak_blocked',
        `The draft cannot go to stakeholders: ${leaks.length} field${leaks.length === 1 ? ' carries' : 's carry'} what only the security teams may know. Remove or rephrase ${leaks.length === 1 ? 'it' : 'them'}.`,
        leaks,
      );
    }
    // By default the organisations of the tiers already told; addresses given go as they are.
    const orgs = input.recipients ? [] : await toldOrgs(ctx, tx, c, rules);
    const addresses = input.recipients ?? orgs.map((o) => o.alias);
    if (addresses.length === 0) {
      throw new ValidationError(
        'No stakeholders to send to: no tier has been told of this incident yet (or its tiers have no organisation). Give addresses, or wait for the tier notice.',
        [{ path: 'recipients', message: 'no recipients' }],
      );
    }
    const body = draftText(anonymised, version, now, input.message);
    const outboxIds: string[] = [];
    const orgMail = { what: `Draft advisory ${row.publicId} version ${version}`, templateId: 'advisory.draft', subject, body: () => body };
    for (const org of orgs) {
      const [outboxId] = await mailOrgs(ctx, tx, now, c, [org], orgMail);
      await record('stakeholders', { to: [org.alias], cc: [] }, outboxId!);
      outboxIds.push(outboxId!);
    }
    for (const to of input.recipients ? [...new Set(addresses)] : []) {
      const outboxId = await queueMail(ctx, tx, now, {
        reportId: c.row.reportId,
        incidentId: c.row.incidentId,
        templateId: 'advisory.draft',
        envelope: { to: [to], cc: [], subject, body },
        guard: true,
      });
      await record('stakeholders', { to: [to], cc: [] }, outboxId);
      outboxIds.push(outboxId);
    }
    await addMessage(
      ctx,
      tx,
      now,
      c,
      'note',
      // How many, not who: people pulled into the case read the thread too.
      `Draft advisory ${row.publicId} version ${version} sent to ${outboxIds.length} stakeholder${outboxIds.length === 1 ? '' : 's'}.`,
    );
    await audit(ctx, tx, now, {
      action: 'advisory.circulated',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version, audience: 'stakeholders', count: outboxIds.length },
    });
    return { version, recipients: [...new Set(addresses)], outboxIds };
  });
}
