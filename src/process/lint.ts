// Semantic checks on a profile, beyond its shape: do the parts refer to each other correctly?
// (An SLA owner that is no role, a template variable the desk never supplies, a severity with no
// priority, ...). Each check declares the top-level sections it reads, and runs whenever those
// sections are valid, so a profile with a schema error elsewhere still gets all its lint findings.

import Mustache from 'mustache';
import { KNOWN_EVENTS, PROFILE_ADDRESS, ProcessProfileSchema, TEMPLATE_VARIABLES } from './schema.ts';
import { EMITTED_EVENTS, isEmittedEvent } from './events.ts';
import type { ProcessProfile } from './schema.ts';
import { nowhere } from './locate.ts';
import type { Locator } from './locate.ts';
import { parseProfileText } from './parse.ts';
import type { ParsedText } from './parse.ts';
import { didYouMean, formatPath, formatProblems, sortProblems } from './problems.ts';
import type { PathSegment, Problem } from './problems.ts';

export { formatProblems };
export type { Problem };

type Section = keyof ProcessProfile;

interface Report {
  error(path: readonly PathSegment[], message: string, options?: { key?: boolean }): void;
  warning(path: readonly PathSegment[], message: string, options?: { key?: boolean }): void;
  /** A problem with one fragment (a `{{tag}}`) of the string at `path`. */
  inString(path: readonly PathSegment[], fragment: string, occurrence: number, message: string): void;
}

interface Check {
  needs: readonly Section[];
  run(profile: ProcessProfile, report: Report): void;
}

// Typed helper: a check only sees the sections it declared.
function check<K extends Section>(needs: readonly K[], run: (p: Pick<ProcessProfile, K>, r: Report) => void): Check {
  return { needs, run: run as Check['run'] };
}

/** Templates the desk sends at fixed steps of each kind of workflow. */
export function requiredTemplates(workflow: ProcessProfile['workflow']): string[] {
  const required = ['rejection', 'status_update', 'disclosure_notification'];
  // TF T3b: "giving the standard holding response"; Tock §1.2: "acknowledges receipt".
  if (workflow.triage === 'claim') required.push('holding');
  if (workflow.triage === 'coordinator') required.push('acknowledgment');
  return required;
}

// NIST SP 800-57 security strengths; anything else is probably a key size typed by mistake.
const SECURITY_BANDS = [80, 112, 128, 192, 256];

const CHECKS: Check[] = [
  // --- templates ---------------------------------------------------------------------------
  check(['templates'], (p, r) => {
    for (const [id, template] of Object.entries(p.templates)) {
      for (const field of ['subject', 'body'] as const) {
        checkTemplateText(template[field], ['templates', id, field], r);
      }
    }
  }),
  check(['workflow', 'templates'], (p, r) => {
    for (const id of requiredTemplates(p.workflow)) {
      if (!(id in p.templates)) {
        r.error(['templates'], `missing template "${id}", which a "${p.workflow.triage}" triage workflow sends`, {
          key: true,
        });
      }
    }
  }),

  // --- roles and workflow ------------------------------------------------------------------
  check(['workflow', 'roles'], (p, r) => {
    for (const field of ['triageRole', 'handlerRole'] as const) {
      const role = p.workflow[field];
      if (!(role in p.roles)) r.error(['workflow', field], unknown('role', role, Object.keys(p.roles)));
    }
    const handler = p.roles[p.workflow.handlerRole];
    const expectedTeam = p.workflow.assignment === 'forward-to-project' ? 'project' : 'subsystem';
    if (handler && handler.team !== expectedTeam) {
      r.warning(
        ['workflow', 'handlerRole'],
        `"${p.workflow.assignment}" assignment hands incidents to a ${expectedTeam} team, but role ` +
          `"${p.workflow.handlerRole}" comes from the ${handler.team} team`,
      );
    }
  }),
  check(['workflow'], (p, r) => {
    duplicates(p.workflow.stages, ['workflow', 'stages'], 'stage', r);
    if (p.workflow.singleProjectHandOff && p.workflow.assignment !== 'forward-to-project') {
      r.warning(
        ['workflow', 'singleProjectHandOff'],
        'hand-off to a project incident handler only happens with "forward-to-project" assignment',
      );
    }
  }),

  // --- SLA clocks --------------------------------------------------------------------------
  check(['sla', 'roles', 'workflow'], (p, r) => {
    duplicates(p.sla, ['sla'], 'SLA rule', r);
    const stages = p.workflow.stages.map((s) => s.id);
    p.sla.forEach((rule, i) => {
      const at = (...rest: PathSegment[]) => ['sla', i, ...rest];
      if (!(rule.owner in p.roles)) r.error(at('owner'), unknown('role', rule.owner, Object.keys(p.roles)));
      if (!stages.includes(rule.stage)) r.error(at('stage'), unknown('stage', rule.stage, stages));
      const problem = eventProblem(rule.startsOn);
      if (problem) r.error(at('startsOn'), problem);
      rule.stopsOn.forEach((event, j) => {
        const problem = eventProblem(event);
        if (problem) r.error(at('stopsOn', j), problem);
        else if (event === rule.startsOn) r.error(at('stopsOn', j), `clock stops on the event that starts it ("${event}")`);
      });
      for (const key of ['pausesOn', 'resumesOn'] as const) {
        (rule[key] ?? []).forEach((event, j) => {
          const problem = eventProblem(event);
          if (problem) r.error(at(key, j), problem);
        });
      }
    });
  }),
  // Reminders and escalation (src/app/sla/recipients.ts, run by src/jobs/sla-scheduler.ts).
  check(['sla', 'workflow'], (p, r) => {
    p.sla.forEach((rule, i) => {
      const at = (...rest: PathSegment[]) => ['sla', i, ...rest];
      const lead = rule.remindBefore;
      if (lead && rule.duration && !leadShorterThanClock(lead, rule.duration)) {
        r.warning(
          at('remindBefore'),
          `the reminder lead (${lead.amount} ${lead.unit}) is not shorter than the clock ` +
            `(${rule.duration.amount} ${rule.duration.unit}): the reminder goes out as soon as the clock starts`,
        );
      }
      const seen = new Set<string>();
      (rule.escalateTo ?? []).forEach((target, j) => {
        if (seen.has(target)) r.warning(at('escalateTo', j), `"${target}" is listed twice`);
        seen.add(target);
        if (target === 'secondary-contact' && p.workflow.assignment !== 'subsystem-contacts') {
          r.error(
            at('escalateTo', j),
            `"secondary-contact" needs "subsystem-contacts" assignment; with "${p.workflow.assignment}" there are no subsystem contacts`,
          );
        }
        if (target === 'triage-role' && rule.owner === p.workflow.triageRole) {
          r.warning(
            at('escalateTo', j),
            `"triage-role" is the clock's own owner role ("${rule.owner}"); the owner is never their own backup, so this target adds no one`,
          );
        }
      });
    });
  }),
  check(['sla', 'severity'], (p, r) => {
    const fromPriority = p.sla.findIndex((rule) => rule.durationFrom === 'priority');
    if (fromPriority < 0) return;
    const { priorities, priorityRequired } = p.severity;
    if (priorities.length === 0) {
      r.error(['sla', fromPriority, 'durationFrom'], 'duration comes from the priority, but severity.priorities is empty');
    } else if (!priorityRequired) {
      r.warning(
        ['sla', fromPriority, 'durationFrom'],
        'duration comes from the priority, but priority is optional: incidents without one get no deadline',
      );
    }
  }),

  // --- severity and priority ---------------------------------------------------------------
  check(['severity'], (p, r) => {
    const { levels, priorities, priorityRequired } = p.severity;
    duplicates(levels, ['severity', 'levels'], 'severity level', r);
    duplicates(priorities, ['severity', 'priorities'], 'priority', r);
    const priorityIds = priorities.map((x) => x.id);
    if (priorityRequired && priorities.length === 0) {
      r.error(['severity', 'priorities'], 'priorityRequired is true but no priorities are defined', { key: true });
    }
    // Once priorities exist, every severity must lead to one, or some incidents get no priority.
    const mapped = priorityRequired || priorities.length > 0;
    levels.forEach((level, i) => {
      if (level.priority === undefined) {
        if (mapped) r.error(['severity', 'levels', i], `severity "${level.id}" maps to no priority`);
      } else if (!priorityIds.includes(level.priority)) {
        r.error(['severity', 'levels', i, 'priority'], unknown('priority', level.priority, priorityIds));
      }
    });
    priorities.forEach((priority, i) => {
      if (!levels.some((level) => level.priority === priority.id)) {
        r.warning(['severity', 'priorities', i], `no severity level maps to priority "${priority.id}"`);
      }
    });
    // CVSS bands must be all or nothing, from the highest band down, or a score maps ambiguously.
    const withCvss = levels.filter((level) => level.cvssMin !== undefined).length;
    if (withCvss > 0 && withCvss < levels.length) {
      r.error(['severity', 'levels'], 'give cvssMin for every severity level or for none', { key: true });
    }
    // A profile that prefers a CVSS version but maps no score to a severity cannot score incidents.
    if (withCvss === 0 && p.severity.scoring.length > 0) {
      r.warning(['severity', 'scoring'], 'CVSS scoring is listed, but no severity level has cvssMin: CVSS scores cannot set the severity');
    }
    levels.forEach((level, i) => {
      const previous = levels[i - 1]?.cvssMin;
      if (i > 0 && level.cvssMin !== undefined && previous !== undefined && level.cvssMin >= previous) {
        r.error(['severity', 'levels', i, 'cvssMin'], 'list severity levels from highest to lowest cvssMin');
      }
    });
  }),

  check(['severity', 'sla'], (p, r) => {
    // Missing days are fatal only when a clock needs them; otherwise the priority is just a label.
    const usedForDeadlines = p.sla.some((rule) => rule.durationFrom === 'priority');
    p.severity.priorities.forEach((priority, i) => {
      if (priority.resolutionDays !== undefined) return;
      const message = `priority "${priority.id}" has no resolutionDays`;
      if (usedForDeadlines) r.error(['severity', 'priorities', i], `${message}, but an SLA clock takes its duration from it`);
      else r.warning(['severity', 'priorities', i], message);
    });
  }),

  // --- intake, aliases and copy rules ------------------------------------------------------
  check(['intake', 'workflow'], (p, r) => {
    const { channels, aliases, github } = p.intake;
    const inbound = Object.values(aliases).filter((a) => a.inbound);
    if (channels.includes('email') && !inbound.some((a) => !a.address.includes('{project}'))) {
      r.error(['intake', 'aliases'], 'e-mail intake is enabled but no inbound alias without "{project}" receives reports', {
        key: true,
      });
    }
    if (p.workflow.assignment === 'forward-to-project' && !inbound.some((a) => a.address.includes('{project}'))) {
      r.error(['intake', 'aliases'], 'forward-to-project assignment needs an inbound alias with "{project}" in its address', {
        key: true,
      });
    }
    if (channels.includes('github') && !github) {
      r.error(['intake', 'channels'], 'the github channel is enabled but intake.github names no repositories');
    }
    if (github && !channels.includes('github')) {
      r.warning(['intake', 'github'], 'intake.github is set but the github channel is not enabled', { key: true });
    }
  }),
  check(['copyRules', 'intake', 'workflow'], (p, r) => {
    const aliases = Object.keys(p.intake.aliases);
    const stages = p.workflow.stages.map((s) => s.id);
    p.copyRules.forEach((rule, i) => {
      rule.cc.forEach((cc, j) => {
        if (cc.includes('@')) {
          if (!PROFILE_ADDRESS.test(cc)) r.error(['copyRules', i, 'cc', j], `"${cc}" is not an e-mail address`);
        } else if (!aliases.includes(cc)) {
          r.error(['copyRules', i, 'cc', j], unknown('alias', cc, aliases));
        }
      });
      rule.stages?.forEach((stage, j) => {
        if (!stages.includes(stage)) r.error(['copyRules', i, 'stages', j], unknown('stage', stage, stages));
      });
    });
  }),

  // --- remediation checklist and status updates --------------------------------------------
  check(['remediation', 'workflow'], (p, r) => {
    if (!p.remediation) return;
    duplicates(p.remediation.checklist, ['remediation', 'checklist'], 'checklist item', r);
    const stages = p.workflow.stages.map((s) => s.id);
    p.remediation.checklist.forEach((item, i) => {
      if (item.stage !== undefined && !stages.includes(item.stage)) {
        r.error(['remediation', 'checklist', i, 'stage'], unknown('stage', item.stage, stages));
      }
    });
  }),
  check(['statusUpdates'], (p, r) => {
    const seen = new Set<string>();
    p.statusUpdates?.states.forEach((state, i) => {
      const key = state.toLowerCase();
      if (seen.has(key)) r.error(['statusUpdates', 'states', i], `the state "${state}" is listed twice`);
      seen.add(key);
    });
  }),

  // --- subsystems and keys -----------------------------------------------------------------
  check(['subsystems', 'workflow'], (p, r) => {
    duplicates(p.subsystems, ['subsystems'], 'subsystem', r);
    if (p.workflow.assignment === 'subsystem-contacts' && p.subsystems.length === 0) {
      r.error(['workflow', 'assignment'], 'subsystem-contacts assignment needs at least one entry in subsystems');
    }
  }),
  check(['projects', 'workflow'], (p, r) => {
    duplicates(p.projects, ['projects'], 'project', r);
    // The contact table belongs to a project: without one the coordinator has nothing to assign in
    // until an admin creates it.
    if (p.workflow.assignment === 'subsystem-contacts' && p.projects.length === 0) {
      r.warning(
        ['workflow', 'assignment'],
        'subsystem-contacts assignment has no project to assign in: list it under projects, so the desk starts with it',
      );
    }
  }),
  check(['keyPolicy'], (p, r) => {
    const { newKeyMinSecurityBits: fresh, existingKeyMinSecurityBits: existing } = p.keyPolicy;
    if (existing > fresh) {
      r.error(['keyPolicy', 'existingKeyMinSecurityBits'], 'existing keys cannot need more strength than new keys');
    }
    if (p.keyPolicy.unencryptedMail === undefined) {
      r.warning(
        ['keyPolicy'],
        'say whether mail to a reporter without a usable key may go out in clear: unencryptedMail: allow or refuse (absent means refuse)',
      );
    }
    for (const field of ['newKeyMinSecurityBits', 'existingKeyMinSecurityBits'] as const) {
      if (!SECURITY_BANDS.includes(p.keyPolicy[field])) {
        r.warning(
          ['keyPolicy', field],
          `${p.keyPolicy[field]} is not a security strength (${SECURITY_BANDS.join(', ')} bits); ` +
            'RSA-2048 is 112 and RSA-4096 is 128, not the key size',
        );
      }
    }
  }),
];

/** Lint a validated profile. Without a locator the problems carry no line numbers. */
export function lintProfile(profile: ProcessProfile, source = '', locator: Locator = nowhere): Problem[] {
  return runChecks(profile, new Set(Object.keys(ProcessProfileSchema.shape) as Section[]), source, locator);
}

/** Schema and lint problems of a profile's YAML text, all of them, sorted by position. */
export function checkProfileText(text: string, source: string): Problem[] {
  return checkParsed(parseProfileText(text, source), source);
}

/** checkProfileText for text already parsed, so a loader need not parse twice. */
export function checkParsed(parsed: ParsedText, source: string): Problem[] {
  if (parsed.profile) return sortProblems([...parsed.problems, ...lintProfile(parsed.profile, source, parsed.locator)]);
  if (!isRecord(parsed.data)) return parsed.problems;

  // The profile as a whole is invalid: lint the sections that are valid on their own.
  const valid = new Set<Section>();
  const partial: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(ProcessProfileSchema.shape)) {
    const result = schema.safeParse(parsed.data[name]);
    if (result.success) {
      valid.add(name as Section);
      partial[name] = result.data;
    }
  }
  return sortProblems([...parsed.problems, ...runChecks(partial as ProcessProfile, valid, source, parsed.locator)]);
}

function runChecks(profile: ProcessProfile, valid: ReadonlySet<Section>, source: string, locator: Locator): Problem[] {
  const problems: Problem[] = [];
  const add = (severity: Problem['severity'], path: readonly PathSegment[], message: string, key = false) => {
    const { line, column } = locator.at(path, { key });
    problems.push({ source, line, column, path: formatPath(path), message, severity });
  };
  const report: Report = {
    error: (path, message, options) => add('error', path, message, options?.key),
    warning: (path, message, options) => add('warning', path, message, options?.key),
    inString: (path, fragment, occurrence, message) => {
      const { line, column } = locator.inString(path, fragment, occurrence);
      problems.push({ source, line, column, path: formatPath(path), message, severity: 'error' });
    },
  };
  for (const c of CHECKS) {
    if (c.needs.every((s) => valid.has(s))) c.run(profile, report);
  }
  return problems;
}

// --- helpers -------------------------------------------------------------------------------

type Token = [string, string, number, number, Token[]?, number?];

function checkTemplateText(template: string, path: readonly PathSegment[], r: Report): void {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as Token[];
  } catch (e) {
    const message = `template does not parse: ${(e as Error).message}`;
    const at = parseErrorFragment(template, (e as Error).message);
    if (at) r.inString(path, at.fragment, countBefore(template, at.fragment, at.index), message);
    else r.error(path, message);
    return;
  }
  const walk = (list: readonly Token[], inSection: boolean): void => {
    for (const [type, name, start, end, children] of list) {
      const raw = template.slice(start, end);
      const where = () => countBefore(template, raw, start);
      if (type === '>') r.inString(path, raw, where(), `partials are not supported ("${raw}")`);
      else if (type === '=') r.inString(path, raw, where(), `changing delimiters is not supported ("${raw}")`);
      else if (type === 'name' || type === '&' || type === '{' || type === '#' || type === '^') {
        if (name === '.' && inSection) continue;
        if (!(name in TEMPLATE_VARIABLES)) {
          r.inString(path, raw, where(), unknown('template variable', name, Object.keys(TEMPLATE_VARIABLES)));
        }
      }
      if (children) walk(children, inSection || type === '#');
    }
  };
  walk(tokens, false);
}

/**
 * Mustache's parse errors give the offset where it gave up ("Unclosed tag at 15", the end of the
 * text); the tag to fix is the opening one before that offset.
 */
function parseErrorFragment(template: string, message: string): { fragment: string; index: number } | undefined {
  const m = /^(?:(Unclosed|Unopened) section "(.*)"|Unclosed tag) at (\d+)$/.exec(message);
  if (!m) return undefined;
  const offset = Number(m[3]);
  const opener = m[1] === 'Unclosed' ? `{{#${m[2]}` : m[1] === 'Unopened' ? `{{/${m[2]}` : '{{';
  let index = template.lastIndexOf(opener, offset);
  if (index < 0 && m[1] === 'Unclosed') index = template.lastIndexOf(`{{^${m[2]}`, offset);
  if (index < 0) return undefined;
  // The fragment runs to the end of its line: unique enough to find in the YAML source.
  const lineEnd = template.indexOf('\n', index);
  return { fragment: template.slice(index, lineEnd < 0 ? undefined : lineEnd), index };
}

function countBefore(text: string, fragment: string, offset: number): number {
  let count = 0;
  for (let i = text.indexOf(fragment); i >= 0 && i < offset; i = text.indexOf(fragment, i + 1)) count++;
  return count;
}

function duplicates(items: readonly { id: string }[], path: readonly PathSegment[], what: string, r: Report): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) r.error([...path, i, 'id'], `duplicate ${what} id "${item.id}"`);
    seen.add(item.id);
  });
}

/**
 * Why a clock may not name this event: unknown, or known but emitted by nothing yet (a clock on it
 * would never start, stop, pause or resume). Null when the desk emits it.
 */
function eventProblem(event: string): string | null {
  if (isEmittedEvent(event)) return null;
  if (event in KNOWN_EVENTS) {
    return `event "${event}" is emitted by nothing in this desk yet: a clock on it would never move`;
  }
  return unknown('event', event, EMITTED_EVENTS);
}

function unknown(what: string, name: string, known: readonly string[]): string {
  return `unknown ${what} "${name}"${didYouMean(name, known)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a reminder lead is shorter than the clock it belongs to, where the two can be compared
 * (working hours and calendar days against working days cannot: the answer depends on the calendar).
 */
function leadShorterThanClock(lead: { amount: number; unit: string }, clock: { amount: number; unit: string }): boolean {
  if (lead.unit === clock.unit) return lead.amount < clock.amount;
  if (lead.unit === 'hours' && clock.unit === 'days') return lead.amount < clock.amount * 24;
  return true;
}
