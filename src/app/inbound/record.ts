import type { Queryable } from '../../store/db.ts';
import type { Ctx } from '../context.ts';
import { loadCase } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { recordMailHeaderMarks } from '../cases/marks.ts';
import { principalsOf } from '../delivery/deliveries.ts';
import { recordReporterReply, submitReportIn } from '../intake/intake.ts';
import { type ArrivedAt, forwardOnArrival } from '../cases/forwarding.ts';
import type { Decision } from './decide.ts';
import type { Outcome } from './inbox.ts';
import type { Letter } from './read.ts';
import type { SenderRole } from './threading.ts';

// Puts the mail's text on the desk as decided (decide.ts): a new report, or a message on the case.

/** The mail's place on the desk: the case and thread message it became. */
export interface Entry {
  reportId: string;
  messageId: string;
  outcome: Outcome;
  role: SenderRole;
  /** The member whose own key signed it, when one did. */
  signerPersonId: string | null;
  /** Sent on to the team by fan-out (a relayed reply reaches them through the profile's copy rules instead). */
  fanOut: boolean;
}

export async function recordOnCase(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  letter: Letter,
  decision: Exclude<Decision, { kind: 'member_unverified' }>,
): Promise<Entry> {
  const entry = (reportId: string, messageId: string, outcome: Outcome, role: SenderRole, signerPersonId: string | null = null) => ({
    reportId,
    messageId,
    outcome,
    role,
    signerPersonId,
    fanOut: outcome !== 'member_relayed',
  });
  const { body } = letter;
  switch (decision.kind) {
    case 'new_report':
      return openReport(ctx, tx, now, letter, decision.arrivedAt);
    case 'relayed':
      return entry(decision.c.row.reportId, decision.messageId, decision.outcome, decision.role, decision.signerPersonId);
    case 'reporter_reply': {
      const reportId = decision.c.row.reportId;
      await recordMailHeaderMarks(ctx.app, tx, reportId, now, headerPeople(letter));
      return entry(reportId, (await recordReporterReply(ctx.app, tx, now, reportId, body)).messageId, 'reporter_reply', 'reporter');
    }
    case 'member_reply': {
      const member = (await principalsOf(tx, [decision.signerPersonId])).get(decision.signerPersonId)!;
      const messageId = await addMessage({ app: ctx.app, principal: member }, tx, now, decision.c, 'note', body);
      return entry(decision.c.row.reportId, messageId, 'member_reply', 'member', decision.signerPersonId);
    }
    case 'third_party': {
      const note = `Mail from a third party, ${letter.sender || 'no valid sender address'} (threaded by ${decision.via}):\n\n${body}`;
      return entry(decision.c.row.reportId, await addMessage(ctx, tx, now, decision.c, 'note', note), 'third_party', 'third_party');
    }
  }
}

/**
 * Who the reporter's mail says sent it: the names and addresses of From, Sender and Reply-To, in the
 * outer headers and the protected ones inside the encryption. The desk keeps them out of everything
 * outsiders read.
 */
function headerPeople(letter: Letter): { displayName: string | null; address: string }[] {
  return [letter.outer, letter.opened?.inner]
    .flatMap((m) => (m ? [m.from, m.sender, ...m.replyTo] : []))
    .filter((a) => a !== undefined)
    .map((a) => ({ displayName: a.name.trim().slice(0, 200) || null, address: a.address.slice(0, 320) }));
}

/**
 * A new report by mail; the mail itself opens its thread, so its OpenPGP facts show there and it is
 * fanned out like any message (to the project's team too, when it came in to their list).
 */
async function openReport(ctx: Ctx, tx: Queryable, now: Date, letter: Letter, arrivedAt: ArrivedAt | null): Promise<Entry> {
  const { subject, body, sender } = letter;
  const { reportId } = await submitReportIn(ctx, tx, now, 'email', {
    title: (subject.length >= 3 ? subject : `Report by mail${subject ? `: ${subject}` : ''}`).slice(0, 300),
    body: body.length >= 10 ? body : `${body}\n\n(received by mail)`,
    reporter: { name: letter.senderName, email: sender || null, organisation: null, handle: null },
  });
  await recordMailHeaderMarks(ctx.app, tx, reportId, now, headerPeople(letter));
  // Mail to a project's own list is that project's incident from the start; its team gets the copies below.
  if (arrivedAt) await forwardOnArrival(ctx, tx, now, reportId, arrivedAt);
  const c = (await loadCase(tx, reportId))!;
  const messageId = await addMessage({ app: ctx.app, principal: { kind: 'reporter', reportId } }, tx, now, c, 'from_reporter', body);
  return { reportId, messageId, outcome: 'new_report', role: 'reporter', signerPersonId: null, fanOut: true };
}
