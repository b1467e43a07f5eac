// The narrow view of a process profile that the use cases need. Built once per loaded profile from
// the validated data in src/process; use cases ask it questions instead of walking the profile.

import type { WorkflowModes } from '../../domain/access.ts';
import type { OptionalSection } from '../../domain/advisory.ts';
import type { EscalationTarget } from '../../process/schema.ts';
import type { EmittedEvent } from '../../process/events.ts';

export type ClockUnit = 'working-days' | 'days' | 'hours';

export interface ClockRule {
  id: string;
  /** A fixed duration, or null when the duration comes from the incident's priority. */
  amount: number | null;
  unit: ClockUnit;
  startsOn: CaseEvent;
  pausesOn: readonly CaseEvent[];
  resumesOn: readonly CaseEvent[];
  /** Who owns the clock: resolved by the use case that starts it. */
  ownerRole: string;
  /** The clock's name in the profile (its id when the profile gives none). */
  name: string;
  /** The workflow stage the clock belongs to. */
  stage: string;
  /** Lead time of the owner's reminder; null: the desk's default (config slaRemindBeforeHours). */
  remindBefore: { amount: number; unit: 'hours' | 'working-days' } | null;
  /** Who is told when the clock passes its deadline (the central team unless the profile says). */
  escalateTo: readonly EscalationTarget[];
  /** The team the owner role comes from: reminded while the clock has no owner, or the owner is away. */
  ownerTeam: 'central' | 'project' | 'subsystem';
  /** The owner role is the workflow's triage or handler role, whose duties can be claimed or taken over. */
  ownerDuty: 'triage' | 'handler' | null;
}

/** The events use cases emit (src/process/events.ts); the linter lets profiles name only these. */
export type CaseEvent = EmittedEvent;

export type Stage = 'triage' | 'project';

export interface ProfileRules {
  readonly id: string;
  readonly name: string;
  readonly incidentPrefix: string;
  readonly teamName: string;
  readonly workflow: WorkflowModes & { singleProjectHandlerIsContact: boolean };
  readonly centralAlias: string;
  /** Roles the profile fills by appointment (Tock's triage coordinator): their id, name and team. */
  readonly appointedRoles: readonly { id: string; name: string; team: 'central' | 'project' | 'subsystem' }[];
  /** Whether mail to an outsider without a usable key may go in clear (keyPolicy.unencryptedMail). */
  readonly unencryptedMail: 'allow' | 'refuse';
  projectAlias(projectSlug: string): string;
  readonly defaultSubsystems: readonly string[];
  readonly severities: readonly string[];
  readonly priorities: readonly string[];
  priorityOf(severity: string): string | null;
  /**
   * The profile's severity for a CVSS score: the first level (highest first) whose cvssMin the score
   * reaches. Null when the profile maps no scores (no cvssMin) or the score is below every level.
   */
  severityForCvssScore(score: number): string | null;
  /** Whether the profile maps CVSS scores to its severities at all (severity.levels[].cvssMin). */
  readonly mapsCvss: boolean;
  /** CVSS versions in the profile's order of preference (severity.scoring), e.g. ['3.1']. */
  readonly cvssPreference: readonly string[];
  resolutionDays(priority: string): number | null;
  clocksStartingOn(event: CaseEvent): ClockRule[];
  clockRule(id: string): ClockRule | undefined;
  readonly clocks: readonly ClockRule[];
  clocksStoppingOn(event: CaseEvent): string[];
  /** Addresses every reporter-facing message of this stage is copied to (the copy rules). */
  ccFor(stage: Stage, projectSlugs: readonly string[]): string[];
  /** What the process requires of an advisory: its own words, and the publication checks they map to. */
  readonly advisorySections: { readonly text: readonly string[]; readonly checks: readonly OptionalSection[] };
  /** The stakeholder tiers an embargo releases to, in order, and the longest timeline allowed. */
  readonly embargo: {
    readonly tiers: readonly { id: string; name: string }[];
    readonly maxDays?: number | undefined;
    readonly updates: 'at-once' | 'after-review';
  };
  /** The remediation checklist each incident gets (remediation.checklist), with each item's stage name. */
  readonly remediationChecklist: readonly { id: string; name: string; stage: string | null }[];
  /** The states a status update may name (statusUpdates.states); empty: the sender's own words. */
  readonly statusStates: readonly string[];
  /** The workflow's stages, in order. */
  readonly stages: readonly { id: string; name: string }[];
  hasTemplate(id: string): boolean;
  render(templateId: string, vars: Record<string, string>): { subject: string; body: string };
}
