import { z } from 'zod';
import { CVSS_VERSIONS, cvssJson, describeCvss, parseCvss, type CvssScore, type CvssVersion } from '../../domain/cvss.ts';
import { CWE_CATALOGUE, searchCwe, type CweEntry } from '../../domain/cwe.ts';
import { caseActions } from '../../domain/access.ts';
import { EmbargoError, NotFoundError, ValidationError, type ErrorDetail } from '../../domain/errors.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { writeCvssVectors } from '../cases/records/incidents.ts';
import { withCase } from '../gate.ts';
import { openIncidentTitle, recordTransition } from '../cases/case.ts';
import { rulesOf } from '../admin/instance.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { applySeverityChange } from './severity.ts';

// Scoring an incident: its CVSS vectors (at most one per version, 3.1 and/or 4.0). The severity
// follows from the score through the profile's bands (severity.levels[].cvssMin), the priority from
// the profile's mapping, and the resolution target moves with them — through the same step as a
// manual severity change (applySeverityChange), so both paths move clocks identically.
//
// When the incident has both versions, the profile's preference (severity.scoring) picks the one
// that sets the severity, else CVSS 4.0 (the current specification). A score that leaves the
// severity where it is leaves the priority alone too, so a deliberate priority override survives
// a rescoring that does not change the severity.

const Vector = z.string().max(400, 'a CVSS vector is at most 400 characters');
const Reason = z.string().trim().min(3).max(2000);

export const CvssVectorsInput = z.strictObject({
  /** The incident's complete set of vectors; [] removes them all. */
  vectors: z.array(Vector).max(CVSS_VERSIONS.length, `at most ${CVSS_VERSIONS.length} vectors, one per CVSS version`),
  reason: Reason.optional(),
});
export const CvssVectorInput = z.strictObject({ vector: Vector, reason: Reason.optional() });
export const CvssRemoveInput = z.strictObject({ version: z.enum(CVSS_VERSIONS), reason: Reason.optional() });
export const CvssQuery = z.strictObject({ vector: Vector.min(1, 'give the vector to score, e.g. ?vector=CVSS:3.1/AV:N/...') });
export const CweQuery = z.strictObject({
  q: z.string().trim().min(1, 'give an id (CWE-79, 79) or words of the name').max(200),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** A vector with its scores, as the API and the pages show it. */
export interface ScoredVector extends CvssScore {
  /** One line for people: "9.8 critical (CVSS 3.1 base)". */
  description: string;
}

const scored = (s: CvssScore): ScoredVector => ({ ...s, description: describeCvss(s) });

/** Scores of stored vectors (the incident's column), in version order. */
export function scoredVectors(vectors: readonly string[]): ScoredVector[] {
  return vectors.map((v, i) => scored(parseCvss(v, `cvss_vectors[${i}]`))).sort((a, b) => a.version.localeCompare(b.version));
}

/** Parses every vector; all problems of all vectors are reported at once, and two of one version are refused. */
function parseAll(vectors: readonly string[]): Map<CvssVersion, CvssScore> {
  const details: ErrorDetail[] = [];
  const messages: string[] = [];
  const out = new Map<CvssVersion, CvssScore>();
  vectors.forEach((vector, i) => {
    try {
      const s = parseCvss(vector, `vectors[${i}]`);
      if (out.has(s.version)) {
        details.push({ path: `vectors[${i}]`, message: `a second CVSS ${s.version} vector; an incident has at most one per version` });
        messages.push(`two CVSS ${s.version} vectors were given`);
      } else out.set(s.version, s);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      details.push(...e.details);
      messages.push(e.message);
    }
  });
  if (details.length) throw new ValidationError(messages.join(' '), details);
  return out;
}

/** The vector that sets the severity: the profile's preferred version, else 4.0, else 3.1. */
export function governingScore(scores: ReadonlyMap<string, CvssScore>, rules: ProfileRules): CvssScore | null {
  for (const version of [...rules.cvssPreference, '4.0', '3.1']) {
    const s = scores.get(version);
    if (s) return s;
  }
  return null;
}

/** The profile's severity for a score, or a clear refusal when the profile has none for it. */
function profileSeverity(rules: ProfileRules, s: CvssScore, path: string): string {
  if (!rules.mapsCvss) {
    throw new EmbargoError(
      'profile_invalid',
      "This desk's process profile maps no CVSS scores to its severities; an admin adds cvssMin to each of severity.levels in the profile.",
      [{ path, message: 'the profile has no CVSS bands' }],
    );
  }
  const severity = rules.severityForCvssScore(s.score);
  if (severity === null) {
    throw new ValidationError(
      `A CVSS score of ${s.score.toFixed(1)} (${s.severity}) maps to none of this profile's severities (${rules.severities.join(', ')}); a report with no impact is rejected rather than scored.`,
      [{ path, message: `score ${s.score.toFixed(1)} is below every severity band of the profile` }],
    );
  }
  return severity;
}

export interface ScoringOutcome {
  vectors: ScoredVector[];
  /** The version whose score set the severity; null without vectors. */
  governing: CvssVersion | null;
  severity: string | null;
  priority: string | null;
  resolutionDueAt: string | null;
  /** False when the vectors were already these (nothing was written). */
  changed: boolean;
  severityChanged: boolean;
}

type Rescore = (current: ReadonlyMap<CvssVersion, CvssScore>) => Map<CvssVersion, CvssScore>;

const brief = (s: CvssScore | undefined) => (s ? { vector: s.vector, score: s.score, severity: s.severity } : null);

async function rescore(ctx: Ctx, reportId: string, reason: string | undefined, next: Rescore): Promise<ScoringOutcome> {
  return withCase(ctx, reportId, { lock: true, action: 'incident.change_severity' }, async (tx, c, rules, now) => {
    const row = (
      await tx.query<{ cvss_vectors: string[]; severity: string | null; priority: string | null; resolution_due_at: Date | null }>(
        'SELECT cvss_vectors, severity, priority, resolution_due_at FROM incidents WHERE id = $1',
        [c.row.incidentId],
      )
    ).rows[0]!;
    const current = new Map(scoredVectors(row.cvss_vectors).map((s) => [s.version, s as CvssScore]));
    const wanted = next(current);
    const governing = governingScore(wanted, rules);
    const severity = governing ? profileSeverity(rules, governing, 'vectors') : row.severity;
    const ordered = CVSS_VERSIONS.flatMap((v) => (wanted.has(v) ? [wanted.get(v)!] : []));
    const changes = CVSS_VERSIONS.filter((v) => current.get(v)?.vector !== wanted.get(v)?.vector);
    const unchanged: ScoringOutcome = {
      vectors: ordered.map(scored),
      governing: governing?.version ?? null,
      severity: row.severity,
      priority: row.priority,
      resolutionDueAt: row.resolution_due_at ? new Date(row.resolution_due_at).toISOString() : null,
      changed: false,
      severityChanged: false,
    };
    if (changes.length === 0) return unchanged;

    await writeCvssVectors(
      tx,
      c.row.incidentId!,
      ordered.map((s) => s.vector),
      now,
    );
    const why = reason ? `: ${reason}` : '';
    for (const version of changes) {
      const was = current.get(version);
      const now_ = wanted.get(version);
      const text = `${now_ ? describeCvss(now_) : 'removed'}${was ? `; was ${describeCvss(was)}` : ''}${why}`;
      await recordTransition(ctx, tx, 'cvss', reportId, `CVSS ${version}`, was?.vector ?? 'none', now_?.vector ?? 'none', now, text);
    }
    const severityMoves = severity !== null && severity !== row.severity;
    await audit(ctx, tx, now, {
      action: 'incident.cvss_changed',
      subjectType: 'report',
      subjectId: reportId,
      data: {
        changes: changes.map((version) => ({ version, from: brief(current.get(version)), to: brief(wanted.get(version)) })),
        governing: governing?.version ?? null,
        severity: { from: row.severity, to: severity },
        ...(reason ? { reason } : {}),
      },
    });
    if (!severityMoves) return { ...unchanged, changed: true };
    const outcome = await applySeverityChange(ctx, tx, c, rules, now, {
      severity: severity!,
      reason: `CVSS ${governing!.version} ${describeCvss(governing!)}${why}`,
    });
    return {
      ...unchanged,
      changed: true,
      severityChanged: outcome !== null,
      severity: outcome?.severity ?? row.severity,
      priority: outcome?.priority ?? row.priority,
      resolutionDueAt: outcome?.resolutionDueAt ?? unchanged.resolutionDueAt,
    };
  });
}

/** Checks a set of vectors (the body of PUT .../cvss) without looking at any case: 400 with every reason. */
export function checkCvssVectors(raw: unknown): { vectors: Map<CvssVersion, CvssScore>; reason: string | undefined } {
  const input = CvssVectorsInput.parse(raw);
  return { vectors: parseAll(input.vectors), reason: input.reason };
}

/** Replaces the incident's vectors with this set (PUT); [] removes them, leaving the severity as it is. */
export async function setCvssVectors(ctx: Ctx, reportId: string, raw: unknown): Promise<ScoringOutcome> {
  const { vectors, reason } = checkCvssVectors(raw);
  return rescore(ctx, reportId, reason, () => vectors);
}

/** Sets the vector of one version (the calculator's "Save to incident"), keeping the other version's. */
export async function saveCvssVector(ctx: Ctx, reportId: string, raw: unknown): Promise<ScoringOutcome> {
  const input = CvssVectorInput.parse(raw);
  const s = parseCvss(input.vector, 'vector');
  return rescore(ctx, reportId, input.reason, (current) => new Map(current).set(s.version, s));
}

/** Removes the vector of one version; the severity follows the remaining one, if any. */
export async function removeCvssVector(ctx: Ctx, reportId: string, raw: unknown): Promise<ScoringOutcome> {
  const input = CvssRemoveInput.parse(raw);
  return rescore(ctx, reportId, input.reason, (current) => {
    const m = new Map(current);
    m.delete(input.version);
    return m;
  });
}

export interface VectorScore extends ScoredVector {
  /** What scoring an incident with this vector would set on this desk; null when the profile has no band for the score. */
  profile: { severity: string; priority: string | null; resolutionDays: number | null } | null;
  /** The FIRST JSON object (cvss-v3.1.json / cvss-v4.0.json), as CVE and CSAF records carry it. */
  json: Record<string, unknown>;
}

/** Scores a vector without touching any incident (the calculator's "Compute", GET /api/cvss). */
export async function scoreVector(ctx: Ctx, raw: unknown): Promise<VectorScore> {
  requirePerson(ctx);
  const { vector } = CvssQuery.parse(raw);
  const s = parseCvss(vector, 'vector');
  const rules = await rulesOf(ctx.app.db);
  const severity = rules.mapsCvss ? rules.severityForCvssScore(s.score) : null;
  const priority = severity ? rules.priorityOf(severity) : null;
  return {
    ...scored(s),
    profile: severity ? { severity, priority, resolutionDays: priority ? rules.resolutionDays(priority) : null } : null,
    json: cvssJson(s),
  };
}

/** The shipped CWE list searched by id or words of the name (the advisory's weakness picker). */
export function findCwe(ctx: Ctx, raw: unknown): { version: string; source: string; query: string; matches: CweEntry[] } {
  requirePerson(ctx);
  const { q, limit } = CweQuery.parse(raw);
  return { version: CWE_CATALOGUE.version, source: CWE_CATALOGUE.source, query: q, matches: searchCwe(q, limit) };
}

export interface IncidentScoring {
  reportId: string;
  ref: string;
  title: string;
  severity: string | null;
  priority: string | null;
  resolutionDueAt: string | null;
  vectors: ScoredVector[];
  /** Whether this person may change the vectors (the severity) of this case now. */
  canChange: boolean;
}

/** The incident's scoring for the calculator page; "not found" for people who may not see the case. */
export async function incidentScoring(ctx: Ctx, reportId: string): Promise<IncidentScoring> {
  return withCase(ctx, reportId, {}, async (tx, c, rules) => {
    if (!c.row.incidentId) throw new NotFoundError('incident');
    const row = (
      await tx.query<{
        id: string;
        ref: string;
        title_sealed: string;
        severity: string | null;
        priority: string | null;
        resolution_due_at: Date | null;
        cvss_vectors: string[];
      }>('SELECT id, ref, title_sealed, severity, priority, resolution_due_at, cvss_vectors FROM incidents WHERE id = $1', [
        c.row.incidentId,
      ])
    ).rows[0]!;
    return {
      reportId,
      ref: row.ref,
      title: openIncidentTitle(ctx, row),
      severity: row.severity,
      priority: row.priority,
      resolutionDueAt: row.resolution_due_at ? new Date(row.resolution_due_at).toISOString() : null,
      vectors: scoredVectors(row.cvss_vectors),
      canChange: caseActions(ctx.principal, c.facts, rules.workflow).includes('incident.change_severity'),
    };
  });
}
