// "Is this advisory public at instant T, and which version?" — the one rule. An advisory is public from
// its publication instant (advisories.publish_at) on, without anyone acting; what the public sees is
// its published version (an update of a public advisory replaces it at once, a withdrawal too: a
// withdrawn advisory stays public with the withdrawal notice). Before the instant, nothing is public.
// The web, the public site, feeds, CVE records and the publication events all ask this, in code or
// in SQL through `publicAtSql`, so embargo tiers ("released to whom, when") grow from one place.

export interface PublicationFacts {
  /** The version the public sees once it is public (null: never scheduled). */
  publishedVersion: number | null;
  /** When it becomes (or became) public (null: never scheduled). */
  publishAt: Date | null;
}

/** Whether the advisory is public at `at`. */
export function isPublicAt(a: PublicationFacts, at: Date): boolean {
  return a.publishedVersion !== null && a.publishAt !== null && a.publishAt.getTime() <= at.getTime();
}

/** The version the public sees at `at`, or null while it is not public. */
export function publicVersionAt(a: PublicationFacts, at: Date): number | null {
  return isPublicAt(a, at) ? a.publishedVersion : null;
}

/**
 * The same rule as a SQL condition on a row of `advisories` named `alias`, public at the timestamptz
 * parameter `at` (e.g. "$1"). Interpolated only with these two code-given names, never with input.
 */
export function publicAtSql(alias: string, at: string): string {
  return `(${alias}.published_version IS NOT NULL AND ${alias}.publish_at IS NOT NULL AND ${alias}.publish_at <= ${at})`;
}

// "Released to a stakeholder tier": an incident is released to a tier from the instant the desk
// told that tier (tier_releases.released_at), and to every tier before it in the profile's order from
// then on too. A stakeholder organisation sees the incident only from that instant; the security teams
// always. The same rule in SQL, for the portal's queries.

/** Whether a tier released at `releasedAt` (null: never) may see the incident at `at`. */
export function isReleasedAt(releasedAt: Date | null, at: Date): boolean {
  return releasedAt !== null && releasedAt.getTime() <= at.getTime();
}

/** The rule as a SQL condition on a row of `tier_releases` named `alias`, at the timestamptz parameter `at`. */
export function releasedAtSql(alias: string, at: string): string {
  return `(${alias}.released_at IS NOT NULL AND ${alias}.released_at <= ${at})`;
}
