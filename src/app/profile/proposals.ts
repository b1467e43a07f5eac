import { createHash } from 'node:crypto';
import { applyPatch, createPatch, parsePatch } from 'diff';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { ConflictError, EmbargoError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/ids.ts';
import { checkProfileText } from '../../process/lint.ts';
import { actorId, audit, requireAdmin, type Ctx } from '../context.ts';
import { withCase } from '../gate.ts';
import type { LoadedCase } from '../cases/case.ts';
import { addMessage } from '../cases/messaging.ts';
import { replaceProfile } from '../admin/instance.ts';

// An edit of the desk's process profile proposed from a retrospective (Tock §6.3: "Update this
// document with any lessons learned"), as a unified diff against the profile's text as it stood
// (made with the `diff` package from the whole proposed text, or given as a diff). The team reviews
// the diff and whether it still applies and lints; an admin applies it, which writes the patched
// text through the same checks as any profile edit (src/app/admin/instance.ts), or rejects it. A
// patched profile that does not lint is refused and nothing changes.

const FILE = 'profile.yaml';

export const ProfileProposalInput = z.strictObject({
  /** What the edit changes and why, in a line. */
  summary: z.string().trim().min(3).max(500),
  /** A unified diff against the desk's current profile text. */
  patch: z.string().min(1).max(500_000).optional(),
  /** Or the whole proposed profile text: the diff is made from it. */
  profileYaml: z.string().min(1).max(500_000).optional(),
});

export const ProposalDecisionInput = z.strictObject({ note: z.string().trim().max(2000).optional() });

export interface ProfileProposalView {
  id: string;
  reportId: string | null;
  incidentRef: string | null;
  summary: string;
  patch: string;
  status: 'open' | 'applied' | 'rejected';
  proposedBy: string | null;
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  /** Whether the profile is still the text the diff was made against. */
  baseIsCurrent: boolean;
  /** Whether the diff applies to the profile as it is now (always false once decided). */
  applies: boolean;
  /** Errors the patched profile would have (the linter's, with line and column). */
  problems: { path: string; message: string }[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function currentText(tx: Queryable): Promise<string> {
  const r = await tx.query<{ profile_yaml: string }>('SELECT profile_yaml FROM instance WHERE id = 1');
  return r.rows[0]?.profile_yaml ?? '';
}

/** The diff applied to a text; null when it does not apply (or is no diff at all). */
function patched(text: string, patch: string): string | null {
  try {
    if (parsePatch(patch).every((p) => p.hunks.length === 0)) return null;
    const out = applyPatch(text, patch);
    return out === false ? null : out;
  } catch {
    return null;
  }
}

function lintErrors(text: string): { path: string; message: string }[] {
  return checkProfileText(text, 'profile')
    .filter((p) => p.severity === 'error')
    .map((p) => ({ path: `${p.line}:${p.column} ${p.path}`, message: p.message }));
}

interface ProposalRow {
  id: string;
  report_id: string | null;
  ref: string | null;
  summary: string;
  patch: string;
  base_sha256: string;
  status: ProfileProposalView['status'];
  proposed_by: string | null;
  created_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}

const SELECT = `SELECT pp.id, i.report_id, i.ref, pp.summary, pp.patch, pp.base_sha256, pp.status, pb.name AS proposed_by,
                       pp.created_at, db.name AS decided_by, pp.decided_at, pp.decision_note
                  FROM profile_proposals pp
                  LEFT JOIN incidents i ON i.id = pp.incident_id
                  LEFT JOIN people pb ON pb.id = pp.proposed_by
                  LEFT JOIN people db ON db.id = pp.decided_by`;

function viewOf(r: ProposalRow, current: string): ProfileProposalView {
  const result = r.status === 'open' ? patched(current, r.patch) : null;
  return {
    id: r.id,
    reportId: r.report_id,
    incidentRef: r.ref,
    summary: r.summary,
    patch: r.patch,
    status: r.status,
    proposedBy: r.proposed_by,
    createdAt: new Date(r.created_at).toISOString(),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    decisionNote: r.decision_note,
    baseIsCurrent: r.base_sha256 === sha256(current),
    applies: result !== null,
    problems: result === null ? [] : lintErrors(result),
  };
}

/** The proposals made from one incident's retrospective, newest first. */
export async function proposalsOfCase(tx: Queryable, c: LoadedCase): Promise<ProfileProposalView[]> {
  if (!c.row.incidentId) return [];
  const current = await currentText(tx);
  const r = await tx.query<ProposalRow>(`${SELECT} WHERE pp.incident_id = $1 ORDER BY pp.seq DESC`, [c.row.incidentId]);
  return r.rows.map((row) => viewOf(row, current));
}

/** Every proposal, the open ones first (for the admins who apply them). */
export async function listProfileProposals(ctx: Ctx): Promise<ProfileProposalView[]> {
  requireAdmin(ctx);
  const db = ctx.app.db;
  const current = await currentText(db);
  const r = await db.query<ProposalRow>(`${SELECT} ORDER BY (pp.status = 'open') DESC, pp.seq DESC LIMIT 200`);
  return r.rows.map((row) => viewOf(row, current));
}

/** Proposes an edit of the profile from the incident's retrospective, as a diff against the profile as it is. */
export function proposeProfileEdit(ctx: Ctx, reportId: string, raw: unknown) {
  return withCase(ctx, reportId, { lock: true, action: 'incident.retrospective' }, async (tx, c, _rules, now) => {
    const input = ProfileProposalInput.parse(raw);
    if ((input.patch === undefined) === (input.profileYaml === undefined)) {
      throw new ValidationError('Give the edit either as a unified diff (patch) or as the whole proposed profile (profileYaml).', [
        { path: 'patch', message: 'give exactly one of patch or profileYaml' },
      ]);
    }
    const current = await currentText(tx);
    const patch =
      input.patch ??
      createPatch(FILE, current, input.profileYaml!.endsWith('\n') ? input.profileYaml! : `${input.profileYaml}\n`, 'current', 'proposed');
    const result = patched(current, patch);
    if (result === null) {
      throw new ValidationError("The diff does not apply to the desk's current profile: make it against the profile as it is now.", [
        { path: 'patch', message: 'does not apply to the current profile' },
      ]);
    }
    if (result === current)
      throw new ValidationError('The proposed profile is the current one.', [{ path: 'patch', message: 'changes nothing' }]);
    const id = crypto.randomUUID();
    await tx.query(
      `INSERT INTO profile_proposals (id, incident_id, summary, patch, base_sha256, proposed_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, c.row.incidentId, input.summary, patch, sha256(current), actorId(ctx.principal), now],
    );
    await addMessage(ctx, tx, now, c, 'note', `Proposed an edit of the process profile: ${input.summary}`);
    await audit(ctx, tx, now, { action: 'profile.edit_proposed', subjectType: 'report', subjectId: reportId, data: { proposal: id } });
    const row = (await tx.query<ProposalRow>(`${SELECT} WHERE pp.id = $1`, [id])).rows[0]!;
    return viewOf(row, current);
  });
}

async function openProposal(tx: Queryable, proposalId: string): Promise<{ patch: string }> {
  if (!isUuid(proposalId)) throw new NotFoundError('profile proposal');
  const r = await tx.query<{ patch: string; status: string }>('SELECT patch, status FROM profile_proposals WHERE id = $1 FOR UPDATE', [
    proposalId,
  ]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError('profile proposal');
  if (row.status !== 'open') throw new ConflictError(`This proposal is ${row.status} already.`);
  return row;
}

/**
 * Applies a proposed edit: the diff is applied to the profile as it is now and the result written
 * through the checks of every profile edit. A diff that no longer applies, or a result that does not
 * lint, is refused with the reasons and nothing changes.
 */
export async function applyProfileProposal(ctx: Ctx, proposalId: string, raw: unknown = {}) {
  requireAdmin(ctx);
  const { note } = ProposalDecisionInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const { patch } = await openProposal(tx, proposalId);
    const current = await currentText(tx);
    const result = patched(current, patch);
    if (result === null) {
      throw new ConflictError(
        'The diff no longer applies to the profile (it was edited since): propose the edit again against the profile as it is.',
      );
    }
    const errors = lintErrors(result);
    if (errors.length) throw new EmbargoError('profile_invalid', 'The patched profile has problems; nothing was changed.', errors);
    const written = await replaceProfile(ctx, tx, result, now);
    await tx.query(`UPDATE profile_proposals SET status = 'applied', decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $1`, [
      proposalId,
      actorId(ctx.principal),
      now,
      note ?? null,
    ]);
    await audit(ctx, tx, now, {
      action: 'profile.proposal_applied',
      subjectType: 'instance',
      subjectId: '1',
      data: { proposal: proposalId },
    });
    return { ...written, status: 'applied' as const };
  });
}

/** Rejects a proposed edit, with a note for the proposer. */
export async function rejectProfileProposal(ctx: Ctx, proposalId: string, raw: unknown = {}) {
  requireAdmin(ctx);
  const { note } = ProposalDecisionInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    await openProposal(tx, proposalId);
    await tx.query(`UPDATE profile_proposals SET status = 'rejected', decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $1`, [
      proposalId,
      actorId(ctx.principal),
      now,
      note ?? null,
    ]);
    await audit(ctx, tx, now, {
      action: 'profile.proposal_rejected',
      subjectType: 'instance',
      subjectId: '1',
      data: { proposal: proposalId },
    });
    return { status: 'rejected' as const };
  });
}
