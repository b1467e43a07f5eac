import { z } from 'zod';
import { ValidationError } from '../../domain/errors.ts';
import { aad, audit, type Ctx } from '../context.ts';
import { loadCase, openReporter } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { recordCreditName } from '../cases/marks.ts';
import { mailLists } from '../cases/list-mail.ts';
import { rulesOf } from '../admin/instance.ts';
import { writeCreditPreference } from '../cases/records/reports.ts';
import { reportIdForToken } from '../intake/intake.ts';
import { loadAdvisoryRow, readVersion, reporterCredit, reporterCreditFacts, writeVersion } from './advisories.ts';

// The reporter says how they want to be credited (the disclosure notification asks them): by the
// name they reported with, by another name or handle, or not at all. They set it through their
// secret link (status page or reporter API); the team sees it in the thread, and every advisory of
// the incident that credits the reporter gets a new version with the credit as they want it. An
// approved or published advisory thus needs approval (and, when public, an update) again.

export const CreditPreferenceInput = z.strictObject({
  preference: z.enum(['name', 'handle', 'anonymous']),
  /** With "handle": the other name or handle to credit (default: the handle given with the report). */
  alias: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => (v ? v : undefined)),
});

const WORDS = { name: 'by my name', handle: 'as', anonymous: 'anonymously (no credit by name)' } as const;

export async function setCreditPreference(
  ctx: Ctx,
  token: string,
  raw: unknown,
): Promise<{ preference: string; alias: string | null; advisoriesUpdated: number }> {
  const input = CreditPreferenceInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const reportId = await reportIdForToken(tx, token);
    const reporterCtx: Ctx = { app: ctx.app, principal: { kind: 'reporter', reportId } };
    const c = (await loadCase(tx, reportId, true))!;
    const reporter = openReporter(reporterCtx, c);
    if (input.alias && input.preference !== 'handle') {
      throw new ValidationError('Another name is only used with a credit by that name.', [
        { path: 'alias', message: 'choose "another name or handle" to use it' },
      ]);
    }
    if (input.preference === 'name' && !reporter.name) {
      throw new ValidationError('You did not give a name with your report: choose another name or handle (and give it), or no credit.', [
        { path: 'preference', message: 'no name to credit' },
      ]);
    }
    const alias = input.preference === 'handle' ? (input.alias ?? reporter.handle) : null;
    if (input.preference === 'handle' && !alias) {
      throw new ValidationError('Give the name or handle you want to be credited by.', [{ path: 'alias', message: 'is required' }]);
    }
    if (alias) await recordCreditName(ctx.app, tx, reportId, now, alias);
    await writeCreditPreference(
      tx,
      reportId,
      input.preference,
      input.alias ? ctx.app.sealer.seal(input.alias, aad('reports', 'credit_alias', reportId)) : null,
      now,
    );
    await addMessage(
      reporterCtx,
      tx,
      now,
      c,
      'from_reporter',
      `Please credit me ${input.preference === 'handle' ? `${WORDS.handle} "${alias}"` : WORDS[input.preference]} in the advisory.`,
    );

    let advisoriesUpdated = 0;
    /** Public advisories that still show the old credit until a second member approves the update. */
    const stillPublic: string[] = [];
    if (c.row.incidentId) {
      const facts = await reporterCreditFacts(reporterCtx, tx, c);
      const ids = await tx.query<{ id: string }>('SELECT id FROM advisories WHERE incident_id = $1 ORDER BY created_at', [
        c.row.incidentId,
      ]);
      for (const { id } of ids.rows) {
        const row = (await loadAdvisoryRow(tx, id, true))!;
        if (row.state === 'withdrawn') continue;
        const head = await readVersion(reporterCtx, tx, id, row.headVersion);
        if (head.reporterCredit === null) continue;
        const current = head.document.credits[head.reporterCredit]!;
        if (JSON.stringify(reporterCredit(current, facts)) === JSON.stringify(current)) continue;
        const { version } = await writeVersion(reporterCtx, tx, { row, c }, head.document, {
          comment: 'The reporter changed how they want to be credited.',
          at: now,
          reporterCredit: head.reporterCredit,
        });
        await audit(reporterCtx, tx, now, {
          action: 'advisory.saved',
          subjectType: 'advisory',
          subjectId: id,
          data: { version, reason: 'reporter credit preference' },
        });
        advisoriesUpdated++;
        if (row.publishedVersion !== null) stillPublic.push(row.publicId);
      }
    }
    if (stillPublic.length > 0) {
      // The public pages keep the old credit until the update is approved and published: the teams are
      // told at once, in the thread and on the lists, so a request for anonymity is not left waiting.
      const rules = await rulesOf(tx);
      const body = `The reporter asked to be credited ${input.preference === 'handle' ? `as "${alias}"` : WORDS[input.preference]}. ${stillPublic.join(', ')} ${stillPublic.length === 1 ? 'is' : 'are'} public with the old credit: a new version is drafted; review, approve and publish it to honour the request.`;
      await addMessage(reporterCtx, tx, now, c, 'note', body);
      await mailLists(reporterCtx, tx, now, c, [rules.centralAlias, ...c.projects.map((p) => p.alias)], {
        templateId: 'list.credit_changed',
        subject: `The reporter changed their credit: ${stillPublic.join(', ')} needs an update`,
        body,
      });
    }
    await audit(reporterCtx, tx, now, {
      action: 'report.credit_preference_set',
      subjectType: 'report',
      subjectId: reportId,
      data: { preference: input.preference, advisoriesUpdated },
    });
    return { preference: input.preference, alias, advisoriesUpdated };
  });
}
