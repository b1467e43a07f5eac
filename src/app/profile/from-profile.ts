import type { ProcessProfile } from '../../process/schema.ts';
import { renderTemplate } from '../../process/render.ts';
import { OPTIONAL_SECTIONS, type OptionalSection } from '../../domain/advisory.ts';
import type { CaseEvent, ClockRule, ClockUnit, ProfileRules, Stage } from './rules.ts';

// Builds the use cases' view of a validated profile. Done once per loaded profile text.

function unitOf(u: string): ClockUnit {
  // Working-hour clocks need per-person office hours, which people do not have yet; until they do,
  // such a clock counts elapsed hours (the stricter reading). The shipped profiles use working days.
  if (u === 'working-days' || u === 'days' || u === 'hours') return u;
  return 'hours';
}

/** Maps the profile's free-text required sections ("Mitigation measures", ...) onto the checks publication runs. */
export function sectionsFromProfileText(required: readonly string[]): OptionalSection[] {
  const out = new Set<OptionalSection>();
  for (const s of required) {
    const t = s.toLowerCase();
    if (/mitigat|workaround/.test(t)) out.add('mitigation');
    if (/upgrad|update instruction/.test(t)) out.add('upgrade');
    if (/acknowledg|credit/.test(t)) out.add('credits');
    if (/\bcwe\b|weakness/.test(t)) out.add('cwe');
    if (/timeline/.test(t)) out.add('timeline');
    if (/component|subsystem/.test(t)) out.add('components');
  }
  return OPTIONAL_SECTIONS.filter((s) => out.has(s));
}

export function rulesFromProfile(profile: ProcessProfile, teamName: string): ProfileRules {
  const aliases = Object.entries(profile.intake.aliases);
  const centralEntry = aliases.find(([, a]) => a.inbound && !a.address.includes('{project}')) ?? aliases[0];
  const projectEntry = aliases.find(([, a]) => a.inbound && a.address.includes('{project}'));
  const centralAlias = centralEntry?.[1].address ?? '';
  const expand = (address: string, slugs: readonly string[]) =>
    address.includes('{project}') ? slugs.map((s) => address.replaceAll('{project}', s)) : [address];

  const clocks: ClockRule[] = profile.sla.map((r) => ({
    id: r.id,
    amount: r.duration?.amount ?? null,
    unit: unitOf(r.duration?.unit ?? 'days'),
    startsOn: r.startsOn as CaseEvent,
    pausesOn: (r.pausesOn ?? []) as CaseEvent[],
    resumesOn: (r.resumesOn ?? []) as CaseEvent[],
    ownerRole: r.owner,
    name: r.name ?? r.id,
    stage: r.stage,
    remindBefore: r.remindBefore ?? null,
    escalateTo: r.escalateTo ?? ['central-team'],
    ownerTeam: profile.roles[r.owner]?.team ?? 'central',
    ownerDuty: r.owner === profile.workflow.triageRole ? 'triage' : r.owner === profile.workflow.handlerRole ? 'handler' : null,
  }));
  const stages = profile.workflow.stages.map((s) => s.id);
  const requiredSections = [...(profile.advisory?.requiredSections ?? [])];
  const stageId = (stage: Stage) => (stage === 'triage' ? stages[0] : (stages[1] ?? stages[0]));

  return {
    id: profile.id,
    name: profile.name,
    incidentPrefix: profile.incidentPrefix,
    teamName,
    workflow: {
      triage: profile.workflow.triage,
      assignment: profile.workflow.assignment,
      singleProjectHandlerIsContact: profile.workflow.singleProjectHandOff,
    },
    centralAlias,
    appointedRoles: Object.entries(profile.roles)
      .filter(([, r]) => r.filledBy === 'appointment')
      .map(([id, r]) => ({ id, name: r.name, team: r.team })),
    unencryptedMail: profile.keyPolicy.unencryptedMail ?? 'refuse',
    projectAlias: (slug) => (projectEntry ? projectEntry[1].address.replaceAll('{project}', slug) : centralAlias),
    defaultSubsystems: profile.subsystems.map((s) => s.name),
    severities: profile.severity.levels.map((l) => l.id),
    priorities: profile.severity.priorities.map((p) => p.id),
    priorityOf: (severity) => profile.severity.levels.find((l) => l.id === severity)?.priority ?? null,
    // The level with the highest cvssMin the score reaches (lint also keeps them in that order).
    severityForCvssScore: (score) =>
      profile.severity.levels
        .filter((l) => l.cvssMin !== undefined && score >= l.cvssMin)
        .reduce<{ id: string; cvssMin?: number | undefined } | null>(
          (best, l) => (best && (best.cvssMin ?? 0) >= (l.cvssMin ?? 0) ? best : l),
          null,
        )?.id ?? null,
    mapsCvss: profile.severity.levels.some((l) => l.cvssMin !== undefined),
    cvssPreference: profile.severity.scoring.map((s) => s.replace(/^cvss-/, '')),
    resolutionDays: (priority) => profile.severity.priorities.find((p) => p.id === priority)?.resolutionDays ?? null,
    clocks,
    clocksStartingOn: (event: CaseEvent) => clocks.filter((c) => c.startsOn === event),
    clocksStoppingOn: (event: CaseEvent) => profile.sla.filter((r) => r.stopsOn.includes(event)).map((r) => r.id),
    clockRule: (id) => clocks.find((c) => c.id === id),
    ccFor(stage, slugs) {
      const sid = stageId(stage);
      const out = new Set<string>();
      for (const rule of profile.copyRules) {
        if (rule.audience !== 'reporter') continue;
        if (rule.stages && sid && !rule.stages.includes(sid)) continue;
        for (const cc of rule.cc) {
          const alias = profile.intake.aliases[cc];
          for (const a of expand(alias ? alias.address : cc, slugs)) out.add(a);
        }
      }
      return [...out];
    },
    advisorySections: { text: requiredSections, checks: sectionsFromProfileText(requiredSections) },
    embargo: {
      tiers: profile.embargo.tiers.map((t) => ({ id: t.id, name: t.name })),
      maxDays: profile.embargo.maxDays,
      updates: profile.embargo.updates,
    },
    remediationChecklist: (profile.remediation?.checklist ?? []).map((i) => ({
      id: i.id,
      name: i.name,
      stage: profile.workflow.stages.find((s) => s.id === i.stage)?.name ?? null,
    })),
    statusStates: profile.statusUpdates?.states ?? [],
    stages: profile.workflow.stages.map((s) => ({ id: s.id, name: s.name })),
    hasTemplate: (id) => id in profile.templates,
    render: (id, vars) => renderTemplate(profile, id, vars),
  };
}
