// Audiences: who a rendering of a case is for. Every page, API response, mail, export and feed is
// rendered for exactly one audience, and only the security teams (and the reporter, about their own
// report) read the sensitive values; everyone else reads the labels in their place.

import { canSeeCase, canSeeSensitive, type CaseFacts, type Principal } from './access.ts';

export type Audience =
  /** The central team and the incident's project teams: everything, unredacted. */
  | { kind: 'security-team' }
  /** The reporter, reading their own report: what they told us, unredacted. */
  | { kind: 'reporter' }
  /** People pulled into this one incident from outside the security teams. */
  | { kind: 'collaborator' }
  /** An early-warned organisation of one of the profile's stakeholder tiers. */
  | { kind: 'stakeholder'; tier: string }
  /** Anyone: the public advisory site, its feed and records, integrations that publish. */
  | { kind: 'public' };

export type AudienceKind = Audience['kind'];

export const SECURITY_TEAM: Audience = { kind: 'security-team' };
export const PUBLIC: Audience = { kind: 'public' };

/** The audience a principal reads a case as; null when they may not see the case at all. */
export function audienceOf(p: Principal, c: CaseFacts): Audience | null {
  if (!canSeeCase(p, c)) return null;
  if (p.kind === 'reporter') return { kind: 'reporter' };
  return canSeeSensitive(p, c) ? SECURITY_TEAM : { kind: 'collaborator' };
}

/** Whether this audience reads sensitive values as they are, rather than their labels. */
export function readsUnredacted(a: Audience): boolean {
  return a.kind === 'security-team' || a.kind === 'reporter';
}

/** How an audience is named to people (in a preview panel, a refusal). */
export function describeAudience(a: Audience): string {
  switch (a.kind) {
    case 'security-team':
      return 'the security teams';
    case 'reporter':
      return 'the reporter';
    case 'collaborator':
      return 'collaborators pulled into this incident';
    case 'stakeholder':
      return `stakeholders (${a.tier})`;
    case 'public':
      return 'the public';
  }
}
