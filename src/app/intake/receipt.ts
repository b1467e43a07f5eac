import type { Queryable } from '../../store/db.ts';
import type { Ctx } from '../context.ts';
import { rulesOf } from '../admin/instance.ts';
import { loadCase } from '../cases/case.ts';
import { messageReporter, RECEIPT_TEMPLATE, templateVars } from '../cases/messaging.ts';
import { hasStatusLink, reporterMailPlan } from '../delivery/reporter-plan.ts';

// The automatic receipt of a new report. In a workflow where triagers claim reports (Trusted
// Firmware) nobody acknowledges a report by hand, so the profile's acknowledgment template is the
// desk's automatic receipt, sent as the report is recorded; where a coordinator acknowledges (Tock),
// that is their step (acknowledgeReport) and nothing is sent here.
//
// It goes like any message to the reporter (messageReporter): encrypted to their confirmed key, with
// the status link below it when they came by mail or import; where it cannot be encrypted and the
// profile refuses mail in clear it is held, and the reporter gets a notice without content saying how
// to receive it. A web or API reporter was shown their status link already: for them a receipt that
// would only be held is not queued at all.

const DESK: Ctx['principal'] = { kind: 'system', label: 'receipt' };

/** Queues the receipt of a report just recorded, in its transaction; inReplyTo threads it on the reporter's mail. */
export async function sendReceipt(ctx: Ctx, tx: Queryable, now: Date, reportId: string, inReplyTo: string | null = null): Promise<void> {
  const rules = await rulesOf(tx);
  if (rules.workflow.triage !== 'claim' || !rules.hasTemplate(RECEIPT_TEMPLATE)) return;
  const desk: Ctx = { app: ctx.app, principal: DESK };
  const c = (await loadCase(tx, reportId))!;
  const plan = await reporterMailPlan(desk, tx, c, rules, now);
  if (plan.mode === 'none') return;
  if (plan.mode === 'refused' && (await hasStatusLink(ctx.app, tx, reportId, plan.address))) return;
  const mail = rules.render(RECEIPT_TEMPLATE, await templateVars(desk, tx, rules, c));
  await messageReporter(desk, tx, now, rules, c, {
    templateId: RECEIPT_TEMPLATE,
    ...mail,
    automatic: inReplyTo ? 'auto-replied' : 'auto-generated',
    inReplyTo,
  });
}
