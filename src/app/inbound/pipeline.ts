import type { Queryable } from '../../store/db.ts';
import { audit, type App, type Ctx, withAuditBatch } from '../context.ts';
import { handleBounce } from '../delivery/deliveries.ts';
import { decide, MEMBER_UNVERIFIED } from './decide.ts';
import { followUp } from './follow-up.ts';
import { type Claim, failClaim, finishClaim, holdClaim, type MailFacts, type Outcome } from './inbox.ts';
import { factsOf, type Letter, type Reading, readClaim } from './read.ts';
import { recordOnCase } from './record.ts';
import { storeMail } from './store.ts';
import { threadOf } from './threading.ts';

// The inbound pipeline: one stored message (a claim on the inbox) in, its effect on the desk out.
//
// 1. read (read.ts), outside any transaction, as OpenPGP is slow and must not hold the database:
//    parse → hygiene (RFC 3834, bounces, loops, size) → decrypt and verify with the team keys.
// Then one transaction, which also finishes the claim; a crash anywhere rolls all of it back and the
// message is processed again, so nothing is done twice:
// 2. screen: unreadable mail is rejected, loops are kept and go no further, bounces go to handleBounce;
// 3. thread (threading.ts): the case it belongs to and the sender's role in it, or none;
// 4. decide (decide.ts): automatic mail (auto-replies, list mail) is kept and never opens a report,
//    resumes a clock or is answered; otherwise a new report, a relayed member reply, a reply from the
//    reporter (the clocks waiting for them resume), a verified member's note, a third party's note,
//    or a member's mail refused for want of their signature;
// 5. record (record.ts): the text on the case;
// 6. store (store.ts): the mail's record, its Message-ID, its attachments sealed, its offered keys;
// 7. follow up (follow-up.ts): the automatic answer to undecryptable mail, the team's copies.

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'mail-gateway' };

export interface ProcessResult {
  status: 'done' | 'rejected' | 'failed';
  outcome: Outcome | null;
  reportId: string | null;
  error: string | null;
}

/** Runs one claimed message through the pipeline; a throw marks it failed (kept, retryable). */
export async function processClaim(app: App, claim: Claim): Promise<ProcessResult> {
  const ctx: Ctx = { app, principal: SYSTEM };
  try {
    const reading = await readClaim(ctx, claim);
    const result = await app.db.transaction(async (tx) => {
      if (!(await holdClaim(tx, claim))) return null; // another processor took it over after our lease ran out
      // A new report appends half a dozen audit events (report, message, offered key, queued mail,
      // outcome): one statement for all of them.
      return withAuditBatch(tx, () => intake(ctx, tx, claim, reading));
    });
    return result ?? { status: 'done', outcome: null, reportId: null, error: 'claim taken over by another processor' };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await failClaim(app, claim, message);
    return { status: 'failed', outcome: null, reportId: null, error: message };
  }
}

async function intake(ctx: Ctx, tx: Queryable, claim: Claim, reading: Reading): Promise<ProcessResult> {
  const now = ctx.app.clock();
  const finish = (
    status: 'done' | 'rejected',
    outcome: Outcome,
    reportId: string | null,
    error: string | null,
    signer: string | null = null,
  ) => finishWith(ctx, tx, now, claim, { status, outcome, reportId, error, facts: factsOf(reading, signer) });

  if (reading.kind === 'unreadable') return finish('rejected', 'rejected', null, reading.reason);
  if (reading.kind === 'loop') return finish('done', 'loop', null, `Not processed: ${reading.reason}.`);
  if (reading.kind === 'bounce') {
    const found = await handleBounce(ctx, tx, now, { ...reading.bounce, bounceAddress: claim.envelopeTo[0] ?? null });
    return finish('done', 'bounce', null, found ? null : 'The bounce names none of our deliveries.');
  }
  const letter: Letter = reading;
  const thread = await threadOf(ctx, tx, claim.envelopeTo, letter);
  if (letter.hygiene.automatic) {
    // Vacation notices and list mail: kept in the inbox, never a report, never a reply to the case.
    const why = `Automatic mail (${letter.hygiene.noReplyReason}): not recorded on a case.`;
    return finish('done', 'auto_reply', thread?.c.row.reportId ?? null, why);
  }
  const decision = await decide(ctx, tx, now, claim, letter, thread);
  if (decision.kind === 'member_unverified') return finish('rejected', 'member_unverified', decision.c.row.reportId, MEMBER_UNVERIFIED);
  const entry = await recordOnCase(ctx, tx, now, letter, decision);
  await storeMail(ctx, tx, now, claim, letter, entry);
  await followUp(ctx, tx, now, letter, entry);
  return finish('done', entry.outcome, entry.reportId, null, entry.signerPersonId);
}

/** Records the outcome on the claim and in the audit log. */
async function finishWith(
  ctx: Ctx,
  tx: Queryable,
  now: Date,
  claim: Claim,
  result: { status: 'done' | 'rejected'; outcome: Outcome; reportId: string | null; error: string | null; facts: MailFacts },
): Promise<ProcessResult> {
  const { status, outcome, reportId, error } = result;
  await finishClaim(tx, claim, now, result);
  await audit(ctx, tx, now, {
    action: `mail.${outcome}`,
    subjectType: reportId ? 'report' : 'mail',
    subjectId: reportId ?? claim.id,
    data: { inboxId: claim.id, status, ...(error ? { error: error.slice(0, 300) } : {}) },
  });
  return { status, outcome, reportId, error };
}
