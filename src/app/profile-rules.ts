// The narrow view of a process profile that the use cases need. Built once per loaded profile from
// the validated data in src/process; use cases ask it questions instead of walking the profile.

import type { WorkflowModes } from '../domain/access.ts';
import type { KnownEvent } from '../process/schema.ts';

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
}

/** The events use cases emit; profiles start and stop clocks on them (src/process/schema.ts). */
export type CaseEvent = KnownEvent;

export type Stage = 'triage' | 'project';

export interface ProfileRules {
  readonly id: string;
  readonly name: string;
  readonly incidentPrefix: string;
  readonly teamName: string;
  readonly workflow: WorkflowModes & { singleProjectHandlerIsContact: boolean };
  readonly centralAlias: string;
  projectAlias(projectSlug: string): string;
  readonly defaultSubsystems: readonly string[];
  readonly severities: readonly string[];
  readonly priorities: readonly string[];
  priorityOf(severity: string): string | null;
  resolutionDays(priority: string): number | null;
  clocksStartingOn(event: CaseEvent): ClockRule[];
  clockRule(id: string): ClockRule | undefined;
  readonly clocks: readonly ClockRule[];
  clocksStoppingOn(event: CaseEvent): string[];
  /** Addresses every reporter-facing message of this stage is copied to (the copy rules). */
  ccFor(stage: Stage, projectSlugs: readonly string[]): string[];
  hasTemplate(id: string): boolean;
  render(templateId: string, vars: Record<string, string>): { subject: string; body: string };
}
