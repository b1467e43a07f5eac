import type { Queryable } from '../store/db.ts';
import {
  advisoryActions,
  advisoryRefusal,
  caseActions,
  projectActions,
  worksOnAdvisories,
  type AdvisoryAction,
  type AdvisoryFacts,
  type CaseAction,
} from '../domain/access.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../domain/errors.ts';
import { requirePerson, type Ctx } from './context.ts';
import { NO_SUCH_ID } from '../domain/ids.ts';
import { visibleCase, type LoadedCase } from './cases/case.ts';
import { reportIdForToken } from './intake/intake.ts';
import { rulesOf } from './admin/instance.ts';
import type { ProfileRules } from './profile/rules.ts';
import { contentAuthor, loadAdvisoryRow, type AdvisoryRow } from './advisories/rows.ts';

// The one door of every use case on a case or an advisory: who acts (a signed-in person unless the
// use case says otherwise), the clock read once, one transaction, the id check and the need-to-know
// load ("not found" for anyone who may not see it), the row locks in one fixed order (the report
// first, then the advisory), the profile's rules, and the action checked against the permission
// vocabulary of src/domain/access.ts — the same vocabulary the pages render their buttons from.

export interface CaseGate {
  /** Lock the report row for the transaction: every use case that changes the case does. */
  lock?: boolean;
  /** The action of the vocabulary the use case performs; omitted when it checks a finer condition first. */
  action?: CaseAction;
  /** Who may call: a signed-in person (default) or anyone the case is visible to (the reporter's own link). */
  actor?: 'person' | 'any';
}

export type CaseWork<T> = (tx: Queryable, c: LoadedCase, rules: ProfileRules, now: Date) => Promise<T>;

export async function withCase<T>(ctx: Ctx, reportId: string, gate: CaseGate, fn: CaseWork<T>): Promise<T> {
  if (gate.actor !== 'any') requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const c = await visibleCase(ctx, tx, reportId, gate.lock ?? false);
    const rules = await rulesOf(tx);
    if (gate.action) requireCaseAction(ctx, c, rules, gate.action);
    return fn(tx, c, rules, now);
  });
}

/**
 * The gate of the reporter's own secret link: the link's case (an unknown link is "not found"),
 * optionally locked, and a context that acts as that reporter.
 */
export async function withReporterCase<T>(
  ctx: Ctx,
  token: string,
  gate: Pick<CaseGate, 'lock'>,
  fn: (tx: Queryable, c: LoadedCase, reporter: Ctx, now: Date) => Promise<T>,
): Promise<T> {
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const reportId = await reportIdForToken(tx, token);
    const reporter: Ctx = { app: ctx.app, principal: { kind: 'reporter', reportId } };
    const c = await visibleCase(reporter, tx, reportId, gate.lock ?? false);
    return fn(tx, c, reporter, now);
  });
}

/** Refuses an action on the case as a whole that the vocabulary does not grant this person now. */
export function requireCaseAction(ctx: Ctx, c: LoadedCase, rules: ProfileRules, action: CaseAction): void {
  if (!caseActions(ctx.principal, c.facts, rules.workflow).includes(action)) {
    throw new ForbiddenError(`You cannot ${action.replace('.', ': ').replace('_', ' ')} on this case now.`);
  }
}

export type ProjectPart = LoadedCase['projects'][number];

/** The gate of an action on one project's part of an incident (TF project handling). */
export async function withProjectPart<T>(
  ctx: Ctx,
  reportId: string,
  projectSlug: string,
  action: CaseAction,
  fn: (tx: Queryable, c: LoadedCase, part: ProjectPart, rules: ProfileRules, now: Date) => Promise<T>,
): Promise<T> {
  return withCase(ctx, reportId, { lock: true }, async (tx, c, rules, now) => {
    const part = c.projects.find((p) => p.slug === projectSlug);
    if (!part) throw new NotFoundError('project on this incident');
    // The loser of a race for the handler role is told so, not merely "not allowed".
    if (action === 'project.claim' && part.handlerId !== null && part.rmState === 'received') {
      throw new ConflictError('Someone else claimed this incident first.');
    }
    if (!projectActions(ctx.principal, c.facts, part.projectId).includes(action)) {
      throw new ForbiddenError(`You cannot ${action.replace('.', ': ').replace('_', ' ')} for ${projectSlug} now.`);
    }
    return fn(tx, c, part, rules, now);
  });
}

// --- Advisories ---

export interface VisibleAdvisory {
  row: AdvisoryRow;
  c: LoadedCase;
}

/** The facts the vocabulary judges an advisory by. */
export async function advisoryFacts(tx: Queryable, row: AdvisoryRow): Promise<AdvisoryFacts> {
  return {
    state: row.state,
    headVersion: row.headVersion,
    approvedVersion: row.approvedVersion,
    publishAt: row.publishAt,
    publishedVersion: row.publishedVersion,
    headAuthorId: await contentAuthor(tx, row.id, row.headVersion),
  };
}

/** Refuses an advisory action the vocabulary does not grant now, with its reason as the error. */
export function requireAdvisoryAction(ctx: Ctx, c: LoadedCase, facts: AdvisoryFacts | null, action: AdvisoryAction, now: Date): void {
  const refusal = advisoryRefusal(ctx.principal, c.facts, facts, action, now);
  if (refusal) throw refusal.kind === 'conflict' ? new ConflictError(refusal.message) : new ForbiddenError(refusal.message);
}

/** What the person may do with the advisory now (the advisory view carries it for its page). */
export async function allowedAdvisoryActions(ctx: Ctx, tx: Queryable, va: VisibleAdvisory, now: Date): Promise<AdvisoryAction[]> {
  return advisoryActions(ctx.principal, va.c.facts, await advisoryFacts(tx, va.row), now);
}

/**
 * Loads an advisory the principal may work on, inside a transaction the caller holds. Anyone who may
 * not see its incident gets "not found"; a person pulled into the case who is not on a security
 * team gets "forbidden". With `lock`, the report is locked first and then the advisory.
 */
export async function visibleAdvisory(ctx: Ctx, tx: Queryable, advisoryId: string, lock = false): Promise<VisibleAdvisory> {
  requirePerson(ctx);
  // An unknown advisory goes the same way as one of a case the person may not see (NO_SUCH_ID for
  // what is missing), to the same "not found": the same queries, so the time says nothing either.
  const peek = await loadAdvisoryRow(tx, advisoryId, false);
  const rep = await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE id = $1', [peek?.incidentId ?? NO_SUCH_ID]);
  // The workflow drafts advisories of incidents; one stored without an incident has no team to work on it.
  const reportId = rep.rows[0]?.report_id ?? NO_SUCH_ID;
  let c: LoadedCase;
  try {
    c = await visibleCase(ctx, tx, reportId, lock);
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError('advisory');
    throw e;
  }
  if (!peek) throw new NotFoundError('advisory');
  requireAdvisoryTeam(ctx, c);
  const row = lock ? (await loadAdvisoryRow(tx, advisoryId, true))! : peek;
  return { row, c };
}

/** The security teams of the incident (central, or a project team on it) work on its advisories. */
export function requireAdvisoryTeam(ctx: Ctx, c: LoadedCase): void {
  if (!worksOnAdvisories(ctx.principal, c.facts)) {
    throw new ForbiddenError(
      "Only the security teams handling this incident work on its advisories (drafts carry the reporter's identity).",
    );
  }
}

export interface AdvisoryGate {
  lock?: boolean;
  /** The action of the vocabulary the use case performs (judged on the advisory as loaded). */
  action?: AdvisoryAction;
}

export type AdvisoryWork<T> = (tx: Queryable, va: VisibleAdvisory, rules: ProfileRules, now: Date) => Promise<T>;

export async function withAdvisory<T>(ctx: Ctx, advisoryId: string, gate: AdvisoryGate, fn: AdvisoryWork<T>): Promise<T> {
  requirePerson(ctx);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const va = await visibleAdvisory(ctx, tx, advisoryId, gate.lock ?? false);
    const rules = await rulesOf(tx);
    if (gate.action) requireAdvisoryAction(ctx, va.c, await advisoryFacts(tx, va.row), gate.action, now);
    return fn(tx, va, rules, now);
  });
}
