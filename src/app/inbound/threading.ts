import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { aad, type App, type Ctx } from '../context.ts';
import type { Sealer } from '../../crypto/sealed.ts';
import { secretHash } from '../../crypto/password.ts';
import { canSeeCase } from '../../domain/access.ts';
import { type LoadedCase, loadCase, openReporter } from '../cases/case.ts';
import { principalsOf } from '../delivery/deliveries.ts';
import type { Letter } from './read.ts';

// Which case a mail belongs to, and the addresses the desk accepts mail for.
//
// Three ways thread a mail onto a case, strongest first:
// 1. Its recipient is a case's reply address, alias+TOKEN@domain. The token is 128 random bits,
//    stored hashed; only people who received mail from the case know it.
// 2. Its In-Reply-To or References name a Message-ID of a mail of the case: one the desk received
//    (mail_message_ids, hashed) or sent (deliveries.message_id, assigned by the delivery job).
// 3. Its Subject carries the incident's tag, e.g. [TF-2026-0007]. Anyone can write a tag, so a tag
//    alone counts only for a sender who is a party of that case: its reporter (by address) or a
//    member who may see it. A stranger's mail with a tag is treated as a new report; it never adds
//    text to the tagged case.
// A mail that matches none of these, from anyone, opens a new report. threadOf applies these rules;
// what the sender may then add to the case is the pipeline's decision (decide.ts).

// ---------------------------------------------------------------------------------------------
// The thread of a mail

export type SenderRole = 'reporter' | 'member' | 'third_party';

export interface Thread {
  c: LoadedCase;
  role: SenderRole;
  /** The member's person id (role 'member' only). */
  personId: string | null;
  via: 'reply address' | 'Message-ID' | 'subject tag';
  /** The mail is written to the reporter address (alias+reporter@...): a member means it for the reporter. */
  toReporterAddress: boolean;
}

/** The case this mail threads onto, and the sender's role in it; null for a new report. */
export async function threadOf(
  ctx: Ctx,
  tx: Queryable,
  envelopeTo: readonly string[],
  mail: Pick<Letter, 'outer' | 'subject' | 'sender'>,
): Promise<Thread | null> {
  const m = mail.outer;
  const aliases = await acceptedAliases(ctx.app, [], tx);
  const recipients = [...envelopeTo, ...m.to.map((a) => a.address), ...m.cc.map((a) => a.address)];
  const toReporterAddress = recipients.some((r) => isReporterAddress(r, aliases));
  for (const r of recipients) {
    const match = aliasOf(r, aliases);
    if (!match?.token || match.token === REPORTER_SUBADDRESS) continue;
    const reportId = await caseOfReplyToken(tx, match.token);
    const c = reportId ? await loadCase(tx, reportId) : null;
    if (c) return { c, ...(await roleIn(ctx, tx, c, mail.sender)), via: 'reply address', toReporterAddress };
  }
  const byId = await caseOfMessageIds(tx, [...m.inReplyTo, ...[...m.references].reverse()]);
  const cById = byId ? await loadCase(tx, byId) : null;
  if (cById) return { c: cById, ...(await roleIn(ctx, tx, cById, mail.sender)), via: 'Message-ID', toReporterAddress };
  for (const tag of subjectTags(mail.subject)) {
    const reportId = await caseOfTag(tx, tag);
    const c = reportId ? await loadCase(tx, reportId) : null;
    if (!c) continue;
    const role = await roleIn(ctx, tx, c, mail.sender);
    // A tag is easy to write: it counts only for a party of the case.
    if (role.role !== 'third_party') return { c, ...role, via: 'subject tag', toReporterAddress };
  }
  return null;
}

/** The reporter by address; a member by a desk address of a person who may see the case; else a third party. */
async function roleIn(ctx: Ctx, tx: Queryable, c: LoadedCase, sender: string): Promise<{ role: SenderRole; personId: string | null }> {
  if (!sender) return { role: 'third_party', personId: null };
  const reporter = openReporter(ctx, c);
  if (reporter.email && reporter.email.toLowerCase() === sender) return { role: 'reporter', personId: null };
  const person = await tx.query<{ person_id: string }>('SELECT person_id FROM person_emails WHERE email = $1', [sender]);
  const personId = person.rows[0]?.person_id;
  if (personId) {
    const p = (await principalsOf(tx, [personId])).get(personId);
    if (p && canSeeCase(p, c.facts)) return { role: 'member', personId };
  }
  return { role: 'third_party', personId: null };
}

// ---------------------------------------------------------------------------------------------
// Aliases

/** Every address the desk takes mail for: configured ones, the teams' aliases, the stored extra aliases. */
export async function acceptedAliases(app: App, extra: readonly string[] = [], db: Queryable = app.db): Promise<Set<string>> {
  const out = new Set<string>([...app.config.mailAliases, ...extra].map((a) => a.toLowerCase()));
  const r = await db.query<{ address: string }>(
    `SELECT lower(alias) AS address FROM teams WHERE alias IS NOT NULL
     UNION SELECT address FROM mail_aliases`,
  );
  for (const row of r.rows) out.add(row.address);
  return out;
}

/** Does the desk take mail for this address (one of its aliases, or a reply address on one)? */
export async function acceptsRecipient(app: App, address: string, extra: readonly string[] = []): Promise<boolean> {
  return aliasOf(address, await acceptedAliases(app, extra)) !== null;
}

export interface AliasMatch {
  alias: string;
  /** The reply token of alias+token@domain, not yet checked. */
  token: string | null;
}

/** The alias an address is for, with the +token of a reply address; null if it is none of ours. */
export function aliasOf(address: string, aliases: ReadonlySet<string>): AliasMatch | null {
  const a = address.trim().toLowerCase();
  if (aliases.has(a)) return { alias: a, token: null };
  const at = a.lastIndexOf('@');
  if (at < 1) return null;
  const local = a.slice(0, at);
  const plus = local.indexOf('+');
  if (plus < 1) return null;
  const base = `${local.slice(0, plus)}${a.slice(at)}`;
  const token = local.slice(plus + 1);
  return aliases.has(base) && /^[a-z0-9]{1,64}$/.test(token) ? { alias: base, token } : null;
}

/**
 * The projects whose security team's list a mail came in to, when it came in to no other list of the
 * desk (project handling 1: "New incident comes into <project>-security@"); null when any recipient
 * is the central list or an alias of no project team (the configured aliases, which are the central
 * team's). Where a project's team shares the central alias (Tock), that alias is the central one.
 */
export async function projectListsAddressed(
  app: App,
  tx: Queryable,
  envelopeTo: readonly string[],
): Promise<{ alias: string; projects: { id: string; slug: string }[] } | null> {
  const aliases = await acceptedAliases(app, [], tx);
  const bases = [...new Set(envelopeTo.map((a) => aliasOf(a, aliases)?.alias).filter((a): a is string => Boolean(a)))];
  if (bases.length === 0) return null;
  const r = await tx.query<{ address: string; kind: string; project_id: string | null; slug: string | null }>(
    `SELECT lower(t.alias) AS address, t.kind, p.id AS project_id, p.slug
       FROM teams t LEFT JOIN projects p ON p.security_team_id = t.id WHERE lower(t.alias) = ANY($1)
     UNION ALL
     SELECT a.address, t.kind, p.id, p.slug
       FROM mail_aliases a JOIN teams t ON t.id = a.team_id LEFT JOIN projects p ON p.security_team_id = t.id WHERE a.address = ANY($1)`,
    [bases],
  );
  const projects = new Map<string, string>();
  for (const base of bases) {
    const rows = r.rows.filter((row) => row.address === base);
    if (rows.length === 0 || rows.some((row) => row.kind !== 'project' || !row.project_id)) return null;
    for (const row of rows) projects.set(row.project_id!, row.slug!);
  }
  return { alias: bases.join(', '), projects: [...projects].map(([id, slug]) => ({ id, slug })) };
}

// ---------------------------------------------------------------------------------------------
// Reply addresses

async function centralAlias(tx: Queryable, fallback: readonly string[]): Promise<string | null> {
  const r = await tx.query<{ alias: string }>(
    `SELECT lower(alias) AS alias FROM teams WHERE kind = 'central' AND alias IS NOT NULL ORDER BY created_at LIMIT 1`,
  );
  return r.rows[0]?.alias ?? fallback[0] ?? null;
}

/**
 * The case's reply address, alias+token@domain on the central alias, created on first use. Mail to it
 * threads onto the case whoever sends it (the pipeline still decides what the sender may add).
 * Null when the desk has no alias at all.
 */
export async function replyAddress(
  tx: Queryable,
  sealer: Sealer,
  reportId: string,
  at: Date,
  configured: readonly string[] = [],
): Promise<string | null> {
  const alias = await centralAlias(tx, configured);
  if (!alias) return null;
  const token = randomBytes(16).toString('hex');
  await tx.query(
    `INSERT INTO mail_reply_tokens (report_id, token_hash, token_sealed, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (report_id) DO NOTHING`,
    [reportId, secretHash(token), sealer.seal(token, aad('mail_reply_tokens', 'token', reportId)), at],
  );
  const r = await tx.query<{ token_sealed: string }>('SELECT token_sealed FROM mail_reply_tokens WHERE report_id = $1', [reportId]);
  const stored = sealer.open(r.rows[0]!.token_sealed, aad('mail_reply_tokens', 'token', reportId));
  const at_ = alias.lastIndexOf('@');
  return `${alias.slice(0, at_)}+${stored}${alias.slice(at_)}`;
}

/**
 * The address a member writes to, deliberately, to answer the reporter: the central alias with the
 * fixed subaddress "reporter" (security+reporter@...). It is a user ID of the team key, so a mail
 * client finds the key to encrypt to without asking; the case is the one the mail answers (its
 * In-Reply-To or References), as for any reply. Every copy's Reply-To is the plain alias instead, so
 * "Reply" reaches the team, never the reporter.
 */
export const REPORTER_SUBADDRESS = 'reporter';

export function reporterAddressOf(alias: string): string {
  const at = alias.lastIndexOf('@');
  return `${alias.slice(0, at)}+${REPORTER_SUBADDRESS}${alias.slice(at)}`.toLowerCase();
}

/** Is this one of the desk's reporter addresses (alias+reporter@...)? */
export function isReporterAddress(address: string, aliases: ReadonlySet<string>): boolean {
  return aliasOf(address, aliases)?.token === REPORTER_SUBADDRESS;
}

/** The desk's address for members' answers to the reporter, on the central alias; null without one. */
export async function reporterAddress(tx: Queryable, configured: readonly string[] = []): Promise<string | null> {
  const alias = await centralAlias(tx, configured);
  return alias ? reporterAddressOf(alias) : null;
}

/** The case whose reply token this is, or null. */
export async function caseOfReplyToken(tx: Queryable, token: string): Promise<string | null> {
  const r = await tx.query<{ report_id: string }>('SELECT report_id FROM mail_reply_tokens WHERE token_hash = $1', [secretHash(token)]);
  return r.rows[0]?.report_id ?? null;
}

// ---------------------------------------------------------------------------------------------
// Message-IDs

export function normaliseMessageId(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '');
}

/** The same hash the delivery side records its Message-IDs under (src/app/delivery/deliveries.ts messageIdHash): lower case. */
const idHash = (id: string) => createHash('sha256').update(normaliseMessageId(id).toLowerCase()).digest('hex');

/** Records Message-IDs of a case's mail (received: 'in'; the delivery side's are in deliveries). */
export async function recordMessageIds(
  tx: Queryable,
  reportId: string,
  ids: readonly string[],
  direction: 'in' | 'out',
  at: Date,
): Promise<void> {
  for (const id of new Set(ids.map(normaliseMessageId).filter((x) => x.length > 0 && x.length <= 998))) {
    await tx.query(
      `INSERT INTO mail_message_ids (message_id_hash, report_id, direction, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (message_id_hash) DO NOTHING`,
      [idHash(id), reportId, direction, at],
    );
  }
}

/**
 * The case named by the first of these Message-IDs that the desk knows (In-Reply-To first, then
 * References from the newest), or null.
 */
export async function caseOfMessageIds(tx: Queryable, ids: readonly string[]): Promise<string | null> {
  const wanted = [...new Set(ids.map(normaliseMessageId).filter((x) => x.length > 0 && x.length <= 998))].slice(0, 100);
  if (wanted.length === 0) return null;
  const hashes = wanted.map(idHash);
  const r = await tx.query<{ report_id: string; key: string }>(
    `SELECT report_id, message_id_hash AS key FROM mail_message_ids WHERE message_id_hash = ANY($1)
     UNION ALL SELECT report_id, lower(message_id) AS key FROM deliveries WHERE message_id = ANY($2) AND report_id IS NOT NULL`,
    // The delivery side writes its ids in lower case; an exact match keeps the unique index usable.
    [hashes, [...new Set([...wanted, ...wanted.map((w) => w.toLowerCase())])]],
  );
  for (let i = 0; i < wanted.length; i++) {
    const hit = r.rows.find((row) => row.key === hashes[i] || row.key === wanted[i]!.toLowerCase());
    if (hit) return hit.report_id;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Subject tags

/** Incident refs tagged in a subject, e.g. "Re: [TF-2026-0007] ..." → ['TF-2026-0007']. */
export function subjectTags(subject: string): string[] {
  const out: string[] = [];
  for (const m of subject.matchAll(/\[([A-Za-z][A-Za-z0-9]{0,15}-\d{4}-\d{1,9})\]/g)) out.push(m[1]!.toUpperCase());
  return [...new Set(out)].slice(0, 5);
}

export async function caseOfTag(tx: Queryable, tag: string): Promise<string | null> {
  const r = await tx.query<{ report_id: string }>('SELECT report_id FROM incidents WHERE ref = $1', [tag.toUpperCase()]);
  return r.rows[0]?.report_id ?? null;
}
