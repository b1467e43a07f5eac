import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import type { Flag } from '../../domain/case-state.ts';
import { checkTimeline, type Timeline } from '../../domain/embargo-timeline.ts';
import type { EmbargoState } from '../../domain/embargo-management.ts';
import { readableInstant } from '../../domain/reader-dates.ts';
import { aad, actorId, audit, type Ctx } from '../context.ts';
import { withCase, withReporterCase } from '../gate.ts';
import type { LoadedCase } from '../cases/case.ts';
import { addMessage, messageReporter } from '../cases/messaging.ts';
import { rulesOf } from '../admin/instance.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { moveEmbargo, setCaseFlags } from './case-state.ts';
import { emit } from '../events.ts';
import { endReleases, planReleases } from '../releases/plan.ts';
import { updateToldTiers } from '../stakeholders/notify.ts';
import { orgsInTiers } from '../stakeholders/orgs.ts';

// Embargo negotiation (TF P5: "The project incident handler is responsible for negotiating
// embargo/disclosure timelines with the reporter"; Tock 4.1: "Determine an appropriate disclosure
// date"). The team proposes a timeline — the end of each stakeholder tier's embargo and the public
// instant, in a named zone — and the reporter accepts, rejects or counters it on their status page;
// the team answers a counter. Each step moves the Vultron embargo machine (proposed, active, revise,
// exited) and is told to the other side in the thread. An exploit made public, attacks seen or the
// case becoming public ends the embargo at once, and the reporter is told.

export const TimelineInput = z.strictObject({
  tiers: z
    .array(z.strictObject({ tier: z.string().trim().min(1).max(64), endsAt: z.string().trim().max(64) }))
    .max(10)
    .default([]),
  publicAt: z.string().trim().max(64),
  timeZone: z.string().trim().min(1).max(64),
  /** A word to the other side, shown with the proposal. */
  note: z.string().trim().max(2000).optional(),
});

export const ProposalAnswerInput = z.strictObject({ answer: z.enum(['accept', 'reject']) });

export const ReporterAnswerInput = z.union([
  z.strictObject({ answer: z.enum(['accept', 'reject']), note: z.string().trim().max(2000).optional() }),
  z.strictObject({ answer: z.literal('counter'), timeline: TimelineInput }),
]);

export const EndEmbargoInput = z.strictObject({ reason: z.string().trim().min(10).max(2000) });

const FLAG_OF = { exploit_public: 'exploitPublic', attacks_observed: 'attacksObserved', public: 'publicAware' } as const;
const FLAG_WORDS = {
  exploit_public: 'an exploit is public',
  attacks_observed: 'attacks are observed',
  public: 'the vulnerability is public',
};

export const DisclosureFlagInput = z.strictObject({
  flag: z.enum(['exploit_public', 'attacks_observed', 'public']),
  /** Where it was seen: a link, a message, a report. */
  evidence: z.string().trim().min(10).max(2000),
});

export interface ProposalView {
  id: string;
  by: 'team' | 'reporter';
  status: string;
  tiers: { tier: string; name: string; endsAt: string }[];
  publicAt: string;
  timeZone: string;
  note: string | null;
  createdAt: string;
}

export interface DisclosureView {
  /** The profile's tiers, in order: a proposal names the end of each. */
  tiers: readonly { id: string; name: string }[];
  embargo: EmbargoState;
  /** The public instant of the agreed (or proposed) timeline. */
  endsAt: string | null;
  /** The proposal waiting for an answer, if any. */
  open: ProposalView | null;
  /** The timeline both sides accepted last, if any. */
  agreed: ProposalView | null;
  warnings: string[];
}

interface ProposalRow {
  id: string;
  by_party: 'team' | 'reporter';
  status: string;
  tiers: { tier: string; endsAt: string }[];
  public_at: Date;
  time_zone: string;
  note_sealed: string | null;
  created_at: Date;
}

function viewOf(ctx: Ctx, rules: ProfileRules, r: ProposalRow): ProposalView {
  return {
    id: r.id,
    by: r.by_party,
    status: r.status,
    tiers: r.tiers.map((t) => ({ tier: t.tier, name: rules.embargo.tiers.find((x) => x.id === t.tier)?.name ?? t.tier, endsAt: t.endsAt })),
    publicAt: new Date(r.public_at).toISOString(),
    timeZone: r.time_zone,
    note: r.note_sealed ? ctx.app.sealer.open(r.note_sealed, aad('embargo_proposals', 'note', r.id)) : null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

const PROPOSAL_COLUMNS = 'id, by_party, status, tiers, public_at, time_zone, note_sealed, created_at';

/** The embargo of a case as both sides read it: its state, the open proposal and the agreed timeline. */
export async function disclosureOf(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules): Promise<DisclosureView | null> {
  if (!c.row.incidentId) return null;
  const inc = await tx.query<{ embargo_state: EmbargoState; embargo_ends_at: Date | null }>(
    'SELECT embargo_state, embargo_ends_at FROM incidents WHERE id = $1',
    [c.row.incidentId],
  );
  const rows = await tx.query<ProposalRow>(
    `SELECT ${PROPOSAL_COLUMNS} FROM embargo_proposals WHERE incident_id = $1 AND status IN ('open', 'accepted') ORDER BY seq DESC`,
    [c.row.incidentId],
  );
  const open = rows.rows.find((r) => r.status === 'open');
  const agreed = rows.rows.find((r) => r.status === 'accepted');
  const i = inc.rows[0]!;
  return {
    tiers: rules.embargo.tiers,
    embargo: i.embargo_state,
    endsAt: i.embargo_ends_at ? new Date(i.embargo_ends_at).toISOString() : null,
    open: open ? viewOf(ctx, rules, open) : null,
    agreed: agreed ? viewOf(ctx, rules, agreed) : null,
    warnings: open ? timelineWarnings(open, rules) : [],
  };
}

function timelineWarnings(r: ProposalRow, rules: ProfileRules): string[] {
  try {
    return checkTimeline(
      { tiers: r.tiers, publicAt: new Date(r.public_at).toISOString(), timeZone: r.time_zone },
      { tiers: rules.embargo.tiers },
      new Date(0),
    ).warnings;
  } catch {
    return [];
  }
}

/** The timeline in words, in its own zone: what the other side reads in the thread and the mail. */
export function timelineWords(t: Timeline | ProposalView, rules: ProfileRules): string {
  const at = (d: Date | string) => readableInstant(new Date(d), t.timeZone);
  const lines = t.tiers.map(
    (x) => `- ${rules.embargo.tiers.find((r) => r.id === x.tier)?.name ?? x.tier}: the embargo ends ${at(x.endsAt)}`,
  );
  return [...lines, `- Public disclosure: ${at(t.publicAt)}`].join('\n');
}

async function embargoStateOf(tx: Queryable, incidentId: string | null): Promise<EmbargoState> {
  return (await tx.query<{ embargo_state: EmbargoState }>('SELECT embargo_state FROM incidents WHERE id = $1', [incidentId])).rows[0]!
    .embargo_state;
}

async function openProposal(tx: Queryable, incidentId: string): Promise<ProposalRow | null> {
  const r = await tx.query<ProposalRow>(
    `SELECT ${PROPOSAL_COLUMNS} FROM embargo_proposals WHERE incident_id = $1 AND status = 'open' FOR UPDATE`,
    [incidentId],
  );
  return r.rows[0] ?? null;
}

async function closeProposal(tx: Queryable, id: string, status: string, at: Date): Promise<void> {
  await tx.query('UPDATE embargo_proposals SET status = $2, decided_at = $3 WHERE id = $1', [id, status, at]);
}

async function lastAgreed(tx: Queryable, incidentId: string): Promise<ProposalRow | null> {
  const r = await tx.query<ProposalRow>(
    `SELECT ${PROPOSAL_COLUMNS} FROM embargo_proposals WHERE incident_id = $1 AND status = 'accepted' ORDER BY seq DESC LIMIT 1`,
    [incidentId],
  );
  return r.rows[0] ?? null;
}

/** Records a proposal (superseding the open one) and moves the embargo to proposed or, when agreed before, to revise. */
async function propose(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  rules: ProfileRules,
  now: Date,
  by: 'team' | 'reporter',
  raw: z.input<typeof TimelineInput>,
): Promise<{ proposal: ProposalView; warnings: string[] }> {
  const input = TimelineInput.parse(raw);
  // The organisations of the incident's tiers, where they keep public holidays: a date on one is a
  // warning to the team (the reporter's counter is not told where stakeholders are).
  const orgs =
    by === 'reporter'
      ? []
      : await orgsInTiers(
          ctx.app,
          tx,
          c.projects.map((p) => p.projectId),
          rules.embargo.tiers.map((t) => t.id),
        );
  const holidays = orgs.flatMap((o) => (o.holidayRegion ? [{ region: o.holidayRegion, timeZone: o.timeZone }] : []));
  const { timeline, warnings } = checkTimeline(input, { ...rules.embargo, holidays }, now);
  const incidentId = c.row.incidentId!;
  const current = await openProposal(tx, incidentId);
  if (current) await closeProposal(tx, current.id, 'superseded', now);
  const state = await embargoStateOf(tx, incidentId);
  if (state === 'exited') throw new ConflictError('The embargo of this incident has ended; there is nothing left to negotiate.');
  const to: EmbargoState = state === 'active' || state === 'revise' ? 'revise' : 'proposed';
  const id = crypto.randomUUID();
  await tx.query(
    `INSERT INTO embargo_proposals (id, incident_id, by_party, by_person, tiers, public_at, time_zone, note_sealed, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      incidentId,
      by,
      actorId(ctx.principal),
      JSON.stringify(timeline.tiers.map((t) => ({ tier: t.tier, endsAt: t.endsAt.toISOString() }))),
      timeline.publicAt,
      timeline.timeZone,
      input.note ? ctx.app.sealer.seal(input.note, aad('embargo_proposals', 'note', id)) : null,
      now,
    ],
  );
  await moveEmbargo(ctx, tx, { incidentId, reportId: c.row.reportId }, to, now, `${by} proposed a disclosure timeline`, timeline.publicAt);
  await audit(ctx, tx, now, {
    action: 'embargo.proposed',
    subjectType: 'report',
    subjectId: c.row.reportId,
    data: { proposal: id, by, publicAt: timeline.publicAt.toISOString(), tiers: timeline.tiers.length },
  });
  const row = (await tx.query<ProposalRow>(`SELECT ${PROPOSAL_COLUMNS} FROM embargo_proposals WHERE id = $1`, [id])).rows[0]!;
  return { proposal: viewOf(ctx, rules, row), warnings };
}

/** Accepts the open proposal: the embargo is active until its public instant. */
async function accept(ctx: Ctx, tx: Queryable, c: LoadedCase, p: ProposalRow, now: Date, by: string): Promise<void> {
  // The timeline agreed before (a revision replaces it), read before this one is accepted.
  const previous = await lastAgreed(tx, c.row.incidentId!);
  await closeProposal(tx, p.id, 'accepted', now);
  if (previous) await closeProposal(tx, previous.id, 'superseded', now);
  await moveEmbargo(
    ctx,
    tx,
    { incidentId: c.row.incidentId!, reportId: c.row.reportId },
    'active',
    now,
    `${by} accepted the disclosure timeline`,
    p.public_at,
  );
  if (!previous) await emit(ctx, tx, 'embargo_started', { reportId: c.row.reportId, incidentId: c.row.incidentId!, at: now });
  // The tiers are told, and the fix made public, on the agreed timeline from now on; those told
  // already hear of the new dates.
  const held = await planReleases(tx, c.row.incidentId!, now);
  if (held.length)
    await addMessage(
      ctx,
      tx,
      now,
      c,
      'note',
      `The publication of ${held.join(', ')} now waits for the new public instant, ${readableInstant(new Date(p.public_at), 'UTC')}. Schedule it again to date the published document by it.`,
    );
  if (previous)
    await updateToldTiers(ctx, tx, now, c, await rulesOf(tx), {
      what: 'The disclosure timeline changed',
      subject: 'the disclosure timeline changed',
      lead: `The disclosure timeline of ${c.row.incidentRef} changed (${by} agreed new dates): the dates below replace those you were given.`,
    });
  await audit(ctx, tx, now, { action: 'embargo.accepted', subjectType: 'report', subjectId: c.row.reportId, data: { proposal: p.id, by } });
}

/** Rejects the open proposal: back to no embargo, or to the timeline agreed before a revision. */
async function reject(ctx: Ctx, tx: Queryable, c: LoadedCase, p: ProposalRow, now: Date, by: string): Promise<void> {
  await closeProposal(tx, p.id, 'rejected', now);
  const previous = await lastAgreed(tx, c.row.incidentId!);
  const ref = { incidentId: c.row.incidentId!, reportId: c.row.reportId };
  if (previous)
    await moveEmbargo(ctx, tx, ref, 'active', now, `${by} rejected the revised timeline; the agreed one stands`, previous.public_at);
  else await moveEmbargo(ctx, tx, ref, 'none', now, `${by} rejected the disclosure timeline`);
  await audit(ctx, tx, now, { action: 'embargo.rejected', subjectType: 'report', subjectId: c.row.reportId, data: { proposal: p.id, by } });
}

function requireIncident(c: LoadedCase): void {
  if (!c.row.incidentId) throw new ConflictError('A disclosure timeline belongs to an incident: accept the report first.');
}

/** The team proposes a disclosure timeline to the reporter (or revises the agreed one). */
export function proposeEmbargo(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.disclosure' }, async (tx, c, rules, now) => {
    requireIncident(c);
    const input = TimelineInput.parse(raw);
    const result = await propose(ctx, tx, c, rules, now, 'team', input);
    await messageReporter(ctx, tx, now, rules, c, {
      templateId: null,
      subject: `[${c.row.incidentRef}] Proposed disclosure timeline`,
      body: `We propose this disclosure timeline for the vulnerability you reported (${result.proposal.timeZone}):\n\n${timelineWords(result.proposal, rules)}\n\n${input.note ? `${input.note}\n\n` : ''}Please accept it, or propose other dates, on your report's status page, or tell us by replying.`,
    });
    return result;
  });
}

/** The team answers the reporter's counter-proposal. */
export function answerEmbargoProposal(ctx: Ctx, reportId: string, proposalId: string, raw: unknown) {
  const { answer } = ProposalAnswerInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'incident.disclosure' }, async (tx, c, rules, now) => {
    requireIncident(c);
    const p = await openProposal(tx, c.row.incidentId!);
    if (!isUuid(proposalId) || !p || p.id !== proposalId) throw new NotFoundError('open proposal');
    if (p.by_party !== 'reporter') throw new ConflictError("The team's own proposal waits for the reporter's answer.");
    if (answer === 'accept') await accept(ctx, tx, c, p, now, 'the team');
    else await reject(ctx, tx, c, p, now, 'the team');
    await messageReporter(ctx, tx, now, rules, c, {
      templateId: null,
      subject: `[${c.row.incidentRef}] Disclosure timeline ${answer === 'accept' ? 'agreed' : 'not accepted'}`,
      body:
        answer === 'accept'
          ? `We accept the disclosure timeline you proposed:\n\n${timelineWords(viewOf(ctx, rules, p), rules)}\n\nPlease keep the details confidential until then.`
          : 'We cannot accept the dates you proposed; we will come back to you with another proposal.',
    });
    return disclosureOf(ctx, tx, c, rules);
  });
}

/** The reporter accepts, rejects or counters the team's proposal through their secret link. */
export function answerEmbargoAsReporter(ctx: Ctx, token: string, raw: unknown) {
  const input = ReporterAnswerInput.parse(raw);
  return withReporterCase(ctx, token, { lock: true }, async (tx, c, reporter, now) => {
    const rules = await rulesOf(tx);
    const p = c.row.incidentId ? await openProposal(tx, c.row.incidentId) : null;
    if (p?.by_party !== 'team') throw new ConflictError('No disclosure timeline waits for your answer.');
    const proposal = viewOf(ctx, rules, p);
    if (input.answer === 'counter') {
      const counter = await propose(reporter, tx, c, rules, now, 'reporter', input.timeline);
      await addMessage(
        reporter,
        tx,
        now,
        c,
        'from_reporter',
        `I propose this disclosure timeline instead (${counter.proposal.timeZone}):\n\n${timelineWords(counter.proposal, rules)}${input.timeline.note ? `\n\n${input.timeline.note}` : ''}`,
      );
      return counter;
    }
    if (input.answer === 'accept') await accept(reporter, tx, c, p, now, 'the reporter');
    else await reject(reporter, tx, c, p, now, 'the reporter');
    await addMessage(
      reporter,
      tx,
      now,
      c,
      'from_reporter',
      `${input.answer === 'accept' ? 'I accept' : 'I do not accept'} the proposed disclosure timeline:\n\n${timelineWords(proposal, rules)}${input.note ? `\n\n${input.note}` : ''}`,
    );
    return { proposal: { ...proposal, status: input.answer === 'accept' ? 'accepted' : 'rejected' }, warnings: [] };
  });
}

/** Ends the embargo now (a leak, a change of plan): every open proposal ends with it, and the reporter is told. */
export function endEmbargo(ctx: Ctx, reportId: string, raw: unknown) {
  const { reason } = EndEmbargoInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'incident.disclosure' }, async (tx, c, rules, now) => {
    requireIncident(c);
    await endNow(ctx, tx, c, rules, now, reason);
    return disclosureOf(ctx, tx, c, rules);
  });
}

async function endNow(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules, now: Date, reason: string): Promise<void> {
  const ref = { incidentId: c.row.incidentId!, reportId: c.row.reportId };
  const state = await embargoStateOf(tx, ref.incidentId);
  if (state === 'active' || state === 'revise') await moveEmbargo(ctx, tx, ref, 'exited', now, reason);
  else if (state === 'proposed') await moveEmbargo(ctx, tx, ref, 'none', now, reason);
  else throw new ConflictError('No embargo is proposed or in force.');
  await endProposals(ctx, tx, c, rules, now, reason);
}

/** Closes what the embargo's end leaves open and tells the reporter. */
async function endProposals(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules, now: Date, reason: string): Promise<void> {
  await tx.query(
    `UPDATE embargo_proposals SET status = 'ended', decided_at = $2 WHERE incident_id = $1 AND status IN ('open', 'accepted')`,
    [c.row.incidentId, now],
  );
  await audit(ctx, tx, now, { action: 'embargo.ended', subjectType: 'report', subjectId: c.row.reportId, data: {} });
  await emit(ctx, tx, 'embargo_ended', { reportId: c.row.reportId, incidentId: c.row.incidentId!, at: now });
  // Nothing more on the old schedule; every tier is told in the next pass of the scheduler.
  await endReleases(ctx, tx, c.row.incidentId!, now, reason);
  await messageReporter(ctx, tx, now, rules, c, {
    templateId: null,
    subject: `[${c.row.incidentRef}] The embargo has ended`,
    body: `The embargo on the vulnerability you reported has ended: ${reason}\n\nWe will publish the advisory as soon as we can and keep you informed.`,
  });
}

/**
 * Records that an exploit is public, attacks are observed or the vulnerability is public, with the
 * evidence. The embargo cannot outlive it: a running or proposed embargo ends at once and the
 * reporter is told.
 */
export function recordDisclosureFlag(ctx: Ctx, reportId: string, raw: unknown) {
  const input = DisclosureFlagInput.parse(raw);
  return withCase(ctx, reportId, { lock: true, action: 'incident.disclosure' }, async (tx, c, rules, now) => {
    requireIncident(c);
    const before = await embargoStateOf(tx, c.row.incidentId);
    const why = `${FLAG_WORDS[input.flag]}: ${input.evidence}`;
    const move = await setCaseFlags(ctx, tx, { incidentId: c.row.incidentId!, reportId }, [FLAG_OF[input.flag] as Flag], now, why);
    if (!move)
      throw new ValidationError(`It is already recorded that ${FLAG_WORDS[input.flag]}.`, [{ path: 'flag', message: 'already set' }]);
    await addMessage(ctx, tx, now, c, 'note', `Recorded that ${why}`);
    if (before === 'active' || before === 'revise' || before === 'proposed')
      await endProposals(ctx, tx, c, rules, now, `${FLAG_WORDS[input.flag]}.`);
    await audit(ctx, tx, now, { action: 'incident.flag_set', subjectType: 'report', subjectId: reportId, data: { flag: input.flag } });
    return disclosureOf(ctx, tx, c, rules);
  });
}
