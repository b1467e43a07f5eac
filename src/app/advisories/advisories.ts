import { deskUrl } from '../../config.ts';
import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import {
  parseAdvisory,
  publicationProblems,
  type Advisory,
  type AdvisoryInput,
  type Credit,
  type OptionalSection,
} from '../../domain/advisory.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { parseCvss } from '../../domain/cvss.ts';
import { EXPORT_FORMATS, exportAdvisory, type ExportFormat, type ExportResult } from '../../formats/export.ts';
import { isPublicAt, publicVersionAt } from '../../domain/publication.ts';
import { aad, actorId, audit, requirePerson, type Ctx } from '../context.ts';
import { openIncidentTitle, openReporter, type LoadedCase } from '../cases/case.ts';
import type { AdvisoryAction } from '../../domain/access.ts';
import {
  allowedAdvisoryActions,
  requireAdvisoryAction,
  requireAdvisoryTeam,
  withAdvisory,
  withCase,
  type VisibleAdvisory,
} from '../gate.ts';
import { advisoryDiff, type SectionDiff } from './diff.ts';
import { isUuid, NO_SUCH_ID } from '../../domain/ids.ts';
import { rulesOf } from '../admin/instance.ts';

// Advisories drafted on the desk from an incident: every save is a new, sealed version; the head
// version is what reviewers approve, what is circulated and what is published. Access follows the
// incident (need-to-know, outsiders get 404), and only the security teams (who may see the
// reporter's identity, which a draft's credits carry) read or write advisories: people pulled into
// one case get 403.
//
// The desk owns some fields of the document: `id` (the advisory's public id), the publication
// fields (`published`, `modified`, `withdrawn`, set by scheduling and withdrawal, never by an edit)
// and the reporter's own credit, which always follows the reporter's stated preference.

import { contentAuthor, loadAdvisoryRow, type AdvisoryRow, type AdvisoryState } from './rows.ts';
import { writeCreditPreference } from '../cases/records/reports.ts';

/** AAD of an advisory version's comment (a version's key is its advisory and its number). */
export const versionCommentAad = (advisoryId: string, version: number) => aad('advisory_versions', 'comment', `${advisoryId}/${version}`);

/** What a member wrote about a version is sealed like the version (AAD advisory_versions.comment:<id>/<n>). */
const sealVersionComment = (ctx: Ctx, advisoryId: string, version: number, comment: string | null | undefined): string | null =>
  comment ? ctx.app.sealer.seal(comment, versionCommentAad(advisoryId, version)) : null;

const openVersionComment = (ctx: Ctx, advisoryId: string, v: { version: number; comment_sealed: string | null }): string | null =>
  v.comment_sealed === null ? null : ctx.app.sealer.open(v.comment_sealed, versionCommentAad(advisoryId, v.version));

export { contentAuthor, loadAdvisoryRow, type AdvisoryRow, type AdvisoryState };

/** An advisory's id from its public id (e.g. "TF-2026-0001") or its own id; "not found" when neither. */
/** The advisory's row id by its id or public id, or null. */
async function findAdvisoryId(tx: Queryable, idOrPublicId: string): Promise<string | null> {
  const r = await tx.query<{ id: string }>(
    isUuid(idOrPublicId) ? 'SELECT id FROM advisories WHERE id = $1' : 'SELECT id FROM advisories WHERE upper(public_id) = upper($1)',
    [idOrPublicId],
  );
  return r.rows[0]?.id ?? null;
}

export async function advisoryIdOf(tx: Queryable, idOrPublicId: string): Promise<string> {
  const id = await findAdvisoryId(tx, idOrPublicId);
  if (!id) throw new NotFoundError('advisory');
  return id;
}

// --- Sealed documents ---

const docAad = (advisoryId: string, version: number) => aad('advisory_versions', 'document', `${advisoryId}/${version}`);

export interface StoredVersion {
  version: number;
  document: Advisory;
  authorId: string | null;
  author: string | null;
  comment: string | null;
  at: string;
  /** Index into document.credits of the reporter's own credit. */
  reporterCredit: number | null;
}

export async function readVersion(ctx: Ctx, tx: Queryable, advisoryId: string, version: number): Promise<StoredVersion> {
  const r = await tx.query<{
    version: number;
    document_sealed: string;
    author_id: string | null;
    name: string | null;
    comment_sealed: string | null;
    created_at: Date;
    reporter_credit: number | null;
  }>(
    `SELECT v.version, v.document_sealed, v.author_id, p.name, v.comment_sealed, v.created_at, v.reporter_credit
       FROM advisory_versions v LEFT JOIN people p ON p.id = v.author_id WHERE v.advisory_id = $1 AND v.version = $2`,
    [advisoryId, version],
  );
  const v = r.rows[0];
  if (!v) throw new NotFoundError('advisory version');
  return {
    version: v.version,
    document: parseAdvisory(ctx.app.sealer.openJson<unknown>(v.document_sealed, docAad(advisoryId, v.version))),
    authorId: v.author_id,
    author: v.name,
    comment: openVersionComment(ctx, advisoryId, v),
    at: new Date(v.created_at).toISOString(),
    reporterCredit: v.reporter_credit,
  };
}

// --- The reporter's credit ---

export type ReporterCreditPreference = 'name' | 'handle' | 'anonymous';

export interface ReporterCreditFacts {
  preference: ReporterCreditPreference;
  name: string | null;
  /** The other name or handle to credit: the one the reporter gave for credit, else their handle. */
  alias: string | null;
  /**
   * Who stated the preference: the reporter (form, API, status page), the team (recorded from what
   * the reporter asked by mail), or nobody yet (a report by mail): only the reporter's own statement
   * overrides what the team writes as the reporter's credit.
   */
  by: 'reporter' | 'team' | null;
}

export async function reporterCreditFacts(ctx: Ctx, tx: Queryable, c: LoadedCase): Promise<ReporterCreditFacts> {
  const r = await tx.query<{
    credit_preference: ReporterCreditPreference;
    credit_alias_sealed: string | null;
    credit_preference_by: 'reporter' | 'team' | null;
  }>('SELECT credit_preference, credit_alias_sealed, credit_preference_by FROM reports WHERE id = $1', [c.row.reportId]);
  const row = r.rows[0]!;
  const reporter = openReporter(ctx, c);
  const alias = row.credit_alias_sealed
    ? ctx.app.sealer.open(row.credit_alias_sealed, aad('reports', 'credit_alias', c.row.reportId))
    : null;
  return { preference: row.credit_preference, name: reporter.name, alias: alias ?? reporter.handle, by: row.credit_preference_by };
}

/** The preference a credit written by the team states (for a reporter who stated none themselves). */
function preferenceOfCredit(credit: Credit, f: ReporterCreditFacts): { preference: ReporterCreditPreference; alias: string | null } {
  const lower = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();
  if (credit.preference === 'anonymous') return { preference: 'anonymous', alias: null };
  if (credit.preference === 'name' && credit.name && f.name && lower(credit.name) === lower(f.name))
    return { preference: 'name', alias: null };
  return { preference: 'handle', alias: (credit.preference === 'alias' ? credit.alias : credit.name) ?? null };
}

/**
 * The reporter's credit of a new version. Stated by the reporter: as they asked, whatever was
 * written. Otherwise (a report by mail, where the reporter says it in their mail) the team's edit is
 * the preference: kept as written (an anonymous one without any name) and recorded on the report, so
 * the reporter sees it on their status page and may change it there.
 */
async function applyReporterCredit(
  ctx: Ctx,
  tx: Queryable,
  c: LoadedCase,
  written: Credit,
  f: ReporterCreditFacts,
  at: Date,
): Promise<Credit> {
  if (f.by === 'reporter') return reporterCredit(written, f);
  const anonymous = written.preference === 'anonymous' ? reporterCredit(written, { ...f, preference: 'anonymous' }) : written;
  // The desk's own versions (publication, a CVE id) change no credit and state nothing.
  if (ctx.principal.kind !== 'person') return anonymous;
  const stated = preferenceOfCredit(written, f);
  const current = { preference: f.preference, alias: f.preference === 'handle' ? f.alias : null };
  if (stated.preference !== current.preference || (stated.alias ?? '') !== (current.alias ?? '') || f.by === null) {
    await writeCreditPreference(
      tx,
      c.row.reportId,
      stated.preference,
      stated.alias ? ctx.app.sealer.seal(stated.alias, aad('reports', 'credit_alias', c.row.reportId)) : null,
      at,
      'team',
    );
    await audit(ctx, tx, at, {
      action: 'report.credit_preference_recorded',
      subjectType: 'report',
      subjectId: c.row.reportId,
      data: { preference: stated.preference },
    });
  }
  return anonymous;
}

/**
 * The reporter's credit as the reporter wants it. A credit by name needs a name (else their other
 * name, else none); an anonymous credit keeps no name, other name or organisation at all, so the
 * document itself holds nothing that could identify them.
 */
export function reporterCredit(existing: Pick<Credit, 'type'> & Partial<Credit>, f: ReporterCreditFacts): Credit {
  const contact = existing.contact ?? [];
  const byName = f.preference === 'name' && f.name;
  const byAlias = (f.preference === 'handle' || (f.preference === 'name' && !f.name)) && f.alias;
  // Keys in the schema's order, so a stored credit and a recomputed one compare equal as JSON.
  if (byName)
    return { type: existing.type, preference: 'name', name: f.name!, alias: undefined, organization: existing.organization, contact };
  if (byAlias) return { type: existing.type, preference: 'alias', name: undefined, alias: f.alias!, organization: undefined, contact };
  return { type: existing.type, preference: 'anonymous', name: undefined, alias: undefined, organization: undefined, contact: [] };
}

// --- What the process requires ---

/** What the process requires of an advisory: its own words, and the checks publication runs for them. */
export async function requiredSections(tx: Queryable): Promise<{ text: string[]; checks: OptionalSection[] }> {
  const { text, checks } = (await rulesOf(tx)).advisorySections;
  return { text: [...text], checks: [...checks] };
}

/** What is missing before publication, the publication time aside (scheduling sets it). */
export function problemsBeforeScheduling(doc: Advisory, checks: readonly OptionalSection[], at: string): string[] {
  return publicationProblems({ ...doc, published: doc.published ?? at }, { require: checks });
}

// --- Writing versions ---

/** The desk's fields of a document: the public id and, after publication, the publication times. */
function withDeskFields(input: Record<string, unknown>, row: AdvisoryRow, published: Advisory | null): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...input, id: row.publicId };
  for (const k of ['published', 'modified', 'withdrawn', 'withdrawnReason', 'revisions']) delete doc[k];
  if (published?.published) doc.published = published.published;
  if (published?.modified) doc.modified = published.modified;
  return doc;
}

/**
 * Which credit is the reporter's in a new document when the writer did not say: the one at the same
 * place with the same type (the same row, edited), else one equal to the old one, else any credit
 * that names the reporter by their name, handle or other name. A credit that names the reporter is
 * always theirs, so an edit cannot credit them otherwise than they asked.
 */
function carryReporterCredit(prev: StoredVersion, next: readonly Partial<Credit>[], f: ReporterCreditFacts): number | null {
  const lower = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();
  const names = new Set([lower(f.name), lower(f.alias)].filter(Boolean));
  const old = prev.reporterCredit === null ? undefined : prev.document.credits[prev.reporterCredit];
  if (old && prev.reporterCredit !== null && next[prev.reporterCredit]?.type === old.type) return prev.reporterCredit;
  if (old) {
    const same = next.findIndex((c) => c.type === old.type && lower(c.name) === lower(old.name) && lower(c.alias) === lower(old.alias));
    if (same >= 0) return same;
  }
  const naming = next.findIndex((c) => names.has(lower(c.name)) || names.has(lower(c.alias)));
  return naming >= 0 ? naming : null;
}

export interface WriteOptions {
  comment: string | null;
  /** Index of the reporter's credit; undefined: carried over from the head version. */
  reporterCredit?: number | null;
  at: Date;
  /** Keep the approval of the head (only the desk's own fields changed, e.g. the publication time). */
  keepApproval?: boolean;
  /** Fields the desk sets itself (publication and withdrawal), applied after the writer's input. */
  deskFields?: Partial<Pick<Advisory, 'published' | 'modified' | 'withdrawn' | 'withdrawnReason'>>;
}

/**
 * Validates a document and stores it as the next version (the head). A save after approval returns
 * the advisory to draft: the approval was for the version reviewed, not for what came after.
 */
export async function writeVersion(
  ctx: Ctx,
  tx: Queryable,
  va: VisibleAdvisory,
  raw: unknown,
  o: WriteOptions,
): Promise<{ version: number; document: Advisory }> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError('The advisory must be a JSON object.');
  const { row, c } = va;
  const head = await readVersion(ctx, tx, row.id, row.headVersion);
  const published = row.publishedVersion ? (await readVersion(ctx, tx, row.id, row.publishedVersion)).document : null;
  const input: Record<string, unknown> = { ...withDeskFields(raw as Record<string, unknown>, row, published), ...o.deskFields };
  const credits = Array.isArray(input.credits) ? (input.credits as Partial<Credit>[]) : [];
  const facts = await reporterCreditFacts(ctx, tx, c);
  const index = o.reporterCredit === undefined ? carryReporterCredit(head, credits, facts) : o.reporterCredit;
  if (index !== null && !(index >= 0 && index < credits.length)) {
    throw new ValidationError("The reporter's credit must be one of the credits.", [
      { path: 'reporterCredit', message: `no credit number ${index + 1}` },
    ]);
  }
  let document = parseAdvisory(input);
  if (index !== null) {
    const credit = await applyReporterCredit(ctx, tx, c, document.credits[index]!, facts, o.at);
    document = parseAdvisory({ ...document, credits: document.credits.map((cr, i) => (i === index ? credit : cr)) });
  }
  const version = row.headVersion + 1;
  await tx.query(
    `INSERT INTO advisory_versions (advisory_id, version, document_sealed, author_id, comment_sealed, created_at, reporter_credit) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      row.id,
      version,
      ctx.app.sealer.sealJson(document, docAad(row.id, version)),
      actorId(ctx.principal),
      sealVersionComment(ctx, row.id, version, o.comment),
      o.at,
      index,
    ],
  );
  const keep = o.keepApproval === true && row.approvedVersion === row.headVersion;
  const state: AdvisoryState = row.state === 'approved' && !keep ? 'draft' : row.state;
  await tx.query('UPDATE advisories SET head_version = $2, approved_version = $3, state = $4, updated_at = $5 WHERE id = $1', [
    row.id,
    version,
    keep ? version : null,
    state,
    o.at,
  ]);
  row.headVersion = version;
  row.approvedVersion = keep ? version : null;
  row.state = state;
  return { version, document };
}

/** True when two documents say the same thing (stored JSON is canonical: parsed output). */
export function sameDocument(a: Advisory, b: Advisory): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// --- Use cases ---

const SaveInput = z.strictObject({
  document: z.record(z.string(), z.unknown()),
  comment: z.string().trim().max(2000).optional(),
  /** Index (from 0) of the reporter's own credit in document.credits; null: the reporter is not credited. */
  reporterCredit: z.number().int().min(0).max(200).nullable().optional(),
  /** The head version the edit started from: a save on top of someone else's newer version is refused. */
  baseVersion: z.number().int().min(1).optional(),
});
export { SaveInput as AdvisorySaveInput };

function desiredPublisher(ctx: Ctx, teamName: string, contact: string) {
  const { config } = ctx.app;
  const namespace = deskUrl(config);
  return { name: teamName, namespace, ...(contact ? { contact } : {}), category: 'vendor' as const };
}

/** Starts an advisory for the case's incident, pre-filled from it; returns its id and public id. */
export async function createAdvisory(ctx: Ctx, reportId: string): Promise<{ advisoryId: string; publicId: string; version: number }> {
  const me = requirePerson(ctx);
  return withCase(ctx, reportId, { lock: true }, async (tx, c, rules, now) => {
    requireAdvisoryAction(ctx, c, null, 'advisory.create', now);
    const inc = (
      await tx.query<{ id: string; ref: string; title_sealed: string; affected_components: string[]; cvss_vectors: string[] }>(
        'SELECT id, ref, title_sealed, affected_components, cvss_vectors FROM incidents WHERE id = $1',
        [c.row.incidentId],
      )
    ).rows[0]!;
    const count = (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM advisories WHERE incident_id = $1', [c.row.incidentId]))
      .rows[0]!.n;
    const publicId = count === 0 ? inc.ref : `${inc.ref}-${count + 1}`;
    const facts = await reporterCreditFacts(ctx, tx, c);
    // Vectors the handler scored; one per CVSS version (the latest wins), each checked again.
    const cvss = new Map<string, string>();
    for (const v of inc.cvss_vectors ?? []) {
      try {
        cvss.set(parseCvss(v).version, v);
      } catch {
        // An unreadable stored vector is left for the drafter to enter again.
      }
    }
    const draft: AdvisoryInput = {
      id: publicId,
      title: openIncidentTitle(ctx, inc),
      affected: c.projects.map((p, i) => ({
        project: p.slug,
        vendor: rules.teamName.replace(/\s+security team$/i, '') || rules.teamName,
        product: p.name,
        components: i === 0 || c.projects.length === 1 ? [...new Set(inc.affected_components ?? [])] : [],
      })),
      cvss: [...cvss.values()],
      credits: [reporterCredit({ type: 'reporter' }, facts)],
      timeline: [{ at: c.row.receivedAt.toISOString(), event: `Reported to the ${rules.teamName}.` }],
      publisher: desiredPublisher(ctx, rules.teamName, rules.centralAlias),
    };
    const document = parseAdvisory(draft);
    const advisoryId = crypto.randomUUID();
    const taken = await tx.query(
      "INSERT INTO advisories (id, public_id, incident_id, state, head_version, created_by, created_at, updated_at) VALUES ($1, $2, $3, 'draft', 1, $4, $5, $5) ON CONFLICT (public_id) DO NOTHING",
      [advisoryId, publicId, c.row.incidentId, me.personId, now],
    );
    if (taken.rowCount !== 1) throw new ConflictError(`An advisory ${publicId} exists already; try again.`);
    await tx.query(
      `INSERT INTO advisory_versions (advisory_id, version, document_sealed, author_id, comment_sealed, created_at, reporter_credit) VALUES ($1, 1, $2, $3, $4, $5, 0)`,
      [
        advisoryId,
        ctx.app.sealer.sealJson(document, docAad(advisoryId, 1)),
        me.personId,
        sealVersionComment(ctx, advisoryId, 1, `Started from incident ${inc.ref}.`),
        now,
      ],
    );
    await audit(ctx, tx, now, { action: 'advisory.created', subjectType: 'advisory', subjectId: advisoryId, data: { reportId, publicId } });
    return { advisoryId, publicId, version: 1 };
  });
}

/** Saves an edit as a new version. */
export async function saveAdvisory(ctx: Ctx, advisoryId: string, raw: unknown): Promise<{ version: number; state: AdvisoryState }> {
  const input = SaveInput.parse(raw);
  return withAdvisory(ctx, advisoryId, { lock: true, action: 'advisory.edit' }, async (tx, va, _rules, now) => {
    if (input.baseVersion !== undefined && input.baseVersion !== va.row.headVersion) {
      throw new ConflictError(
        `Version ${va.row.headVersion} was saved since you started from version ${input.baseVersion}; reload, compare and edit again.`,
      );
    }
    const before = va.row.state;
    const { version } = await writeVersion(ctx, tx, va, input.document, {
      comment: input.comment || null,
      at: now,
      ...(input.reporterCredit !== undefined ? { reporterCredit: input.reporterCredit } : {}),
    });
    await audit(ctx, tx, now, {
      action: 'advisory.saved',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version, ...(before === 'approved' ? { approvalReset: true } : {}) },
    });
    return { version, state: va.row.state };
  });
}

export interface AdvisorySummary {
  id: string;
  publicId: string;
  title: string;
  state: AdvisoryState;
  headVersion: number;
  approvedVersion: number | null;
  publishedVersion: number | null;
  publishAt: string | null;
  updatedAt: string;
}

/** The advisories of a case's incident. */
export async function listAdvisories(ctx: Ctx, reportId: string): Promise<AdvisorySummary[]> {
  return withCase(ctx, reportId, {}, async (tx, c) => {
    requireAdvisoryTeam(ctx, c);
    if (!c.row.incidentId) return [];
    const ids = await tx.query<{ id: string }>('SELECT id FROM advisories WHERE incident_id = $1 ORDER BY created_at, public_id', [
      c.row.incidentId,
    ]);
    const out: AdvisorySummary[] = [];
    for (const { id } of ids.rows) {
      const row = (await loadAdvisoryRow(tx, id, false))!;
      const head = await readVersion(ctx, tx, id, row.headVersion);
      out.push(summary(row, head.document));
    }
    return out;
  });
}

function summary(row: AdvisoryRow, doc: Advisory): AdvisorySummary {
  return {
    id: row.id,
    publicId: row.publicId,
    title: doc.title,
    state: row.state,
    headVersion: row.headVersion,
    approvedVersion: row.approvedVersion,
    publishedVersion: row.publishedVersion,
    publishAt: row.publishAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface AdvisoryReview {
  version: number;
  reviewer: string;
  reviewerId: string;
  verdict: 'approved' | 'changes_requested';
  comment: string | null;
  at: string;
}

export interface AdvisoryCirculation {
  version: number;
  audience: 'reporter' | 'stakeholders' | 'other';
  recipients: { to: string[]; cc: string[] };
  sentBy: string | null;
  at: string;
}

export interface AdvisoryView extends AdvisorySummary {
  reportId: string;
  incidentRef: string;
  /** Public from publishAt on (the public site shows the published version from then). */
  isPublic: boolean;
  head: StoredVersion;
  versions: Omit<StoredVersion, 'document'>[];
  reviews: AdvisoryReview[];
  circulations: AdvisoryCirculation[];
  /** What still keeps the head version from publication (the publication time aside). */
  problems: string[];
  requiredSections: string[];
  /** What this person may do now, in the words of the permission vocabulary. */
  actions: AdvisoryAction[];
  /** The same, as the buttons of the page (with the facts a button also needs). */
  can: {
    edit: boolean;
    approve: boolean;
    requestChanges: boolean;
    circulate: boolean;
    schedule: boolean;
    withdraw: boolean;
    assignCve: boolean;
  };
}

export async function advisoryView(ctx: Ctx, advisoryId: string): Promise<AdvisoryView> {
  return withAdvisory(ctx, advisoryId, {}, async (tx, va, _rules, now) => {
    const { row, c } = va;
    const head = await readVersion(ctx, tx, advisoryId, row.headVersion);
    const versions = await tx.query<{
      version: number;
      author_id: string | null;
      name: string | null;
      comment_sealed: string | null;
      created_at: Date;
      reporter_credit: number | null;
    }>(
      `SELECT v.version, v.author_id, p.name, v.comment_sealed, v.created_at, v.reporter_credit FROM advisory_versions v LEFT JOIN people p ON p.id = v.author_id
        WHERE v.advisory_id = $1 ORDER BY v.version DESC`,
      [advisoryId],
    );
    const reviews = await tx.query<{
      id: string;
      version: number;
      reviewer_id: string;
      name: string;
      verdict: 'approved' | 'changes_requested';
      comment_sealed: string | null;
      at: Date;
    }>(
      `SELECT r.id, r.version, r.reviewer_id, p.name, r.verdict, r.comment_sealed, r.at FROM advisory_reviews r JOIN people p ON p.id = r.reviewer_id
        WHERE r.advisory_id = $1 ORDER BY r.at DESC, r.id`,
      [advisoryId],
    );
    const circulations = await tx.query<{
      id: string;
      version: number;
      audience: AdvisoryCirculation['audience'];
      recipients_sealed: string;
      name: string | null;
      at: Date;
    }>(
      `SELECT c.id, c.version, c.audience, c.recipients_sealed, p.name, c.at FROM advisory_circulations c LEFT JOIN people p ON p.id = c.sent_by
        WHERE c.advisory_id = $1 ORDER BY c.at DESC, c.id`,
      [advisoryId],
    );
    const { text, checks } = await requiredSections(tx);
    const problems = problemsBeforeScheduling(head.document, checks, now.toISOString());
    const actions = await allowedAdvisoryActions(ctx, tx, va, now);
    const may = (a: AdvisoryAction) => actions.includes(a);
    const isPublic = isPublicAt(row, now);
    const hasFreeCve = (await tx.query('SELECT 1 FROM cve_pool WHERE advisory_id IS NULL LIMIT 1')).rows.length > 0;
    await audit(ctx, tx, now, {
      action: 'advisory.viewed',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version: row.headVersion },
    });
    return {
      ...summary(row, head.document),
      reportId: c.row.reportId,
      incidentRef: c.row.incidentRef ?? '',
      isPublic,
      head,
      versions: versions.rows.map((v) => ({
        version: v.version,
        authorId: v.author_id,
        author: v.name,
        comment: openVersionComment(ctx, advisoryId, v),
        at: new Date(v.created_at).toISOString(),
        reporterCredit: v.reporter_credit,
      })),
      reviews: reviews.rows.map((r) => ({
        version: r.version,
        reviewer: r.name,
        reviewerId: r.reviewer_id,
        verdict: r.verdict,
        at: new Date(r.at).toISOString(),
        comment: r.comment_sealed ? ctx.app.sealer.open(r.comment_sealed, aad('advisory_reviews', 'comment', r.id)) : null,
      })),
      circulations: circulations.rows.map((x) => ({
        version: x.version,
        audience: x.audience,
        sentBy: x.name,
        at: new Date(x.at).toISOString(),
        recipients: ctx.app.sealer.openJson<{ to: string[]; cc: string[] }>(
          x.recipients_sealed,
          aad('advisory_circulations', 'recipients', x.id),
        ),
      })),
      problems,
      requiredSections: text,
      actions,
      can: {
        edit: may('advisory.edit'),
        approve: may('advisory.approve'),
        requestChanges: may('advisory.request_changes'),
        circulate: may('advisory.circulate'),
        // What publication still misses, and whether the pool has an id, are facts of the page, not permissions.
        schedule: may('advisory.publish') && problems.length === 0,
        withdraw: may('advisory.withdraw'),
        assignCve: may('advisory.assign_cve') && hasFreeCve,
      },
    };
  });
}

/** One stored version of the advisory. */
export async function advisoryVersion(ctx: Ctx, advisoryId: string, version: number): Promise<StoredVersion> {
  return withAdvisory(ctx, advisoryId, {}, async (tx, _va, _rules, now) => {
    const v = await readVersion(ctx, tx, advisoryId, version);
    await audit(ctx, tx, now, { action: 'advisory.viewed', subjectType: 'advisory', subjectId: advisoryId, data: { version } });
    return v;
  });
}

export const DiffQuery = z.strictObject({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
});

/** What changed between two versions, section by section. */
export async function diffVersions(
  ctx: Ctx,
  advisoryId: string,
  raw: unknown,
): Promise<{ from: number; to: number; sections: SectionDiff[] }> {
  return withAdvisory(ctx, advisoryId, {}, async (tx) => {
    const q = DiffQuery.parse(raw);
    const a = await readVersion(ctx, tx, advisoryId, q.from);
    const b = await readVersion(ctx, tx, advisoryId, q.to);
    return { from: q.from, to: q.to, sections: advisoryDiff(a.document, b.document) };
  });
}

export const ExportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS),
  version: z.coerce.number().int().min(1).optional(),
});

/**
 * One version (default: the head) in one of the export formats. A draft is generated with the
 * current time as its date; the reporter's credit in it is as the reporter wants it.
 */
export async function exportVersion(ctx: Ctx, advisoryId: string, raw: unknown): Promise<ExportResult & { version: number }> {
  return withAdvisory(ctx, advisoryId, {}, async (tx, { row }, _rules, now) => {
    const q = ExportQuery.parse(raw);
    const version = q.version ?? row.headVersion;
    const v = await readVersion(ctx, tx, advisoryId, version);
    const result = exportAdvisory(v.document, q.format as ExportFormat, { now: now.toISOString() });
    await audit(ctx, tx, now, {
      action: 'advisory.exported',
      subjectType: 'advisory',
      subjectId: advisoryId,
      data: { version, format: q.format },
    });
    return { ...result, version };
  });
}

/**
 * The public record of an advisory (by its public id or id) in one format: its published version,
 * once its publication time has come. Anything else is "not found", as on the public site.
 */
export async function exportPublished(ctx: Ctx, idOrPublicId: string, format: ExportFormat): Promise<ExportResult & { version: number }> {
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    // An unknown id and one not public yet take the same two queries to the same "not found".
    const row = await loadAdvisoryRow(tx, (await findAdvisoryId(tx, idOrPublicId)) ?? NO_SUCH_ID, false);
    const version = row ? publicVersionAt(row, now) : null;
    if (!row || version === null) throw new NotFoundError('published advisory');
    const v = await readVersion(ctx, tx, row.id, version);
    return { ...exportAdvisory(v.document, format), version: v.version };
  });
}
