// Where an incident stands once it has been disclosed (Tock §6, "Post-Disclosure Activities"):
//
//   undisclosed     → post-disclosure   the advisory is public (and with it the fix)
//   post-disclosure → remediation       the public fix proved incomplete: the team reopens it
//   remediation     → post-disclosure   the corrected fix is public
//
// "undisclosed" is the absence of a phase (no row); it is never returned to. The Vultron flags stay
// as they are (they are one-way): a reopened fix is a case whose public already knows.

import { defineMachine } from './machine.ts';

export const DISCLOSURE_PHASES = ['undisclosed', 'post-disclosure', 'remediation'] as const;
export type DisclosurePhase = (typeof DISCLOSURE_PHASES)[number];

export const disclosurePhase = defineMachine<DisclosurePhase>('disclosure phase', {
  undisclosed: ['post-disclosure'],
  'post-disclosure': ['remediation'],
  remediation: ['post-disclosure'],
});
