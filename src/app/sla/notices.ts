import { deskUrl } from '../../config.ts';
import { auditAll, type App, type AuditEntry, type Ctx } from '../context.ts';
import { mailReads, queueMail } from '../cases/messaging.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { composeNotice, minimalNotice } from './notice-text.ts';
import { decideAll, decideRecipients, loadFacts, loadFactsOf, type NoticeKind, type RunningDeadline } from './recipients.ts';

// Sending the notices of one kind (reminder or escalation) for one running clock.
//
// Each clock is handled in its own transaction: lock the deadline row (a clock stopped meanwhile, or
// given notices of this kind by another scheduler, is skipped), decide the recipients, claim one `notices` row per recipient with INSERT ... ON CONFLICT
// DO NOTHING, and only for the rows this transaction inserted queue the mail in the outbox and append
// the audit event. Several servers may send at the same time: the unique (deadline, kind, person) row
// decides who sends.
//
// Once a deadline has notices of a kind, that kind is settled for it: the recipients are the people
// who were present when it was first sent. A clock with no present recipient is retried at every
// pass. A reassigned clock is a new deadline row, so its (new) owner is reminded afresh; a clock
// started again with the same owner and due time is the same deadline to the people already told
// (the claim is keyed by the clock, its owner and its due instant too), so nobody is told twice.
//
// queueMail's leak guard checks every notice against the reporter's sensitive values; if it refuses
// one (a team member shares a name with the reporter, say), a minimal notice without names or links
// is sent instead.

export type { NoticeKind, RunningDeadline } from './recipients.ts';

/**
 * The clock and due instant a notice is for, from the deadline row `d`: case, project, clock name,
 * owner and due time in milliseconds. The owner is part of it because a clock handed to a new owner
 * is news to the people told before (the owner's reminder says what to do now). Migration 014 writes earlier notices' keys with the same expression.
 */
const CLOCK_DUE = `d.report_id::text || '/' || coalesce(d.project_id::text, '-') || '/' || d.clock || '/' || coalesce(d.owner_id::text, '-') || '@' || ((extract(epoch FROM d.due_at) * 1000)::bigint)::text`;

const SYSTEM: Ctx['principal'] = { kind: 'system', label: 'sla-scheduler' };

/**
 * The clocks among `due` that have someone to tell at `now`, decided for all of them at once in a few
 * statements outside any transaction (sendClockNotices decides again under the clock's lock). A clock
 * whose recipients are all away stays due at every pass until someone is back; this way it costs no
 * transaction of its own at each of them.
 */
export async function clocksWithRecipients<D extends RunningDeadline & { kind: NoticeKind }>(
  app: App,
  rules: ProfileRules,
  due: readonly D[],
  now: Date,
): Promise<D[]> {
  if (due.length === 0) return [];
  const facts = await loadFactsOf(
    app.db,
    due.map((d) => d.report_id),
  );
  const known = due.filter((d) => facts.has(d.report_id));
  const decisions = await decideAll(
    app.db,
    known.map((d) => ({ kind: d.kind, d, rule: rules.clockRule(d.clock), c: facts.get(d.report_id)! })),
    now,
  );
  const told = new Set(known.filter((_, i) => decisions[i]!.recipients.length > 0));
  // A clock whose case could not be read is left to sendClockNotices, which reports it.
  return due.filter((d) => told.has(d) || !facts.has(d.report_id));
}

/** Sends the notices of one kind for one deadline, in one transaction; returns how many it sent. */
export async function sendClockNotices(app: App, rules: ProfileRules, kind: NoticeKind, d: RunningDeadline, now: Date): Promise<number> {
  const ctx: Ctx = { app, principal: SYSTEM };
  return app.db.transaction(async (tx) => {
    // Locks in the use cases' order, case before clock: a use case locks the report (FOR UPDATE), then
    // stops or reassigns its clocks. Taking the report's key-share lock first (which the outbox row's
    // foreign key takes anyway) and then the deadline's means the two wait for each other instead of
    // deadlocking, and a clock stopped meanwhile is seen as stopped.
    await tx.query('SELECT 1 FROM reports WHERE id = $1 FOR KEY SHARE', [d.report_id]);
    // A clock that already has notices of this kind was settled by another scheduler meanwhile: nothing
    // to decide. (One whose notices commit while this waits for the lock is settled by the claim below.)
    const live = await tx.query(
      `SELECT d.id FROM deadlines d
        WHERE d.id = $1 AND d.stopped_at IS NULL AND d.paused_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.deadline_id = d.id AND n.kind = $2)
          FOR UPDATE OF d`,
      [d.id, kind],
    );
    if (live.rows.length === 0) return 0;
    const rule = rules.clockRule(d.clock);
    const c = await loadFacts(tx, d.report_id);
    const decision = await decideRecipients(tx, kind, d, rule, c, now);
    if (decision.recipients.length === 0) return 0;
    const events: AuditEntry[] = [];
    // The notices of this clock are mails of one case: its sensitive values and who may see it are read once.
    const reads = mailReads(ctx, tx, d.report_id);
    // Claim every recipient's notice in one statement; the rows that went in are this pass's to send.
    const ids = decision.recipients.map(() => crypto.randomUUID());
    // Either key decides: the deadline row, or the clock and its due instant (a clock recreated with
    // the same due time, as when a severity is changed and changed back, is not noticed again).
    const claimed = await tx.query<{ id: string; person_id: string }>(
      `INSERT INTO notices (id, deadline_id, kind, person_id, created_at, clock_due)
       SELECT n.id, d.id, $4, n.person_id, $5, ${CLOCK_DUE}
         FROM unnest($1::uuid[], $2::uuid[]) AS n(id, person_id), deadlines d WHERE d.id = $3
       ON CONFLICT DO NOTHING RETURNING id, person_id`,
      [ids, decision.recipients.map((r) => r.person.id), d.id, kind, now],
    );
    const won = new Map(claimed.rows.map((row) => [row.person_id, row.id]));
    const sent: [string, string][] = [];
    for (const r of decision.recipients) {
      const noticeId = won.get(r.person.id);
      if (!noticeId) continue; // another scheduler sent this one
      const mail = { reportId: d.report_id, incidentId: c.incidentId, templateId: `sla.${kind}`, guard: true, reads };
      let redacted = false;
      let outboxId: string;
      try {
        outboxId = await queueMail(ctx, tx, now, {
          ...mail,
          envelope: composeNotice({ kind, d, rule, c, rules, recipient: r, decision, now, base: deskUrl(app.config) }),
        });
      } catch (e) {
        if (!(e instanceof EmbargoError && e.code === 'leak_blocked')) throw e;
        redacted = true;
        outboxId = await queueMail(ctx, tx, now, { ...mail, envelope: minimalNotice(kind, d, c, r.person) });
      }
      sent.push([noticeId, outboxId]);
      events.push({
        action: kind === 'reminder' ? 'sla.reminder_sent' : 'sla.escalated',
        subjectType: 'report',
        subjectId: d.report_id,
        data: {
          noticeId,
          deadlineId: d.id,
          clock: d.clock,
          projectId: d.project_id,
          ownerId: d.owner_id,
          recipientId: r.person.id,
          because: r.because,
          dueAt: new Date(d.due_at).toISOString(),
          outboxId,
          redacted,
          // The reporter's sensitive values were opened only to check this notice against them.
          leakGuard: true,
        },
      });
    }
    if (sent.length) {
      await tx.query(
        'UPDATE notices SET outbox_id = s.outbox_id FROM unnest($1::uuid[], $2::uuid[]) AS s(id, outbox_id) WHERE notices.id = s.id',
        [sent.map(([n]) => n), sent.map(([, o]) => o)],
      );
    }
    await auditAll(ctx, tx, now, events);
    return events.length;
  });
}
