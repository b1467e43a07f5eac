// Severity → priority → resolution target, from a mapping that comes from the process profile
// (e.g. Tock: critical → P0 → 7 days, high → P1 → 14, medium → P2 → 30, low → P3 → 60).
// Plus the CVSS qualitative severity scale (CVSS v3.x / v4.0 specifications):
//   0.0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.

import { ValidationError } from './errors.ts';

/** Ordered from least to most severe. */
export const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SeverityLevel {
  severity: Severity;
  /** The profile's priority label, e.g. 'P0'. */
  priority: string;
  /** Resolution target in calendar days. */
  resolutionDays: number;
}

/** The profile's table; it need not cover every severity (Tock has no row for 'none'). */
export type SeverityMapping = readonly SeverityLevel[];

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** Accepts any letter case and surrounding space: 'Critical', ' HIGH ' → 'critical', 'high'. */
export function parseSeverity(value: string, path = 'severity'): Severity {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!isSeverity(v)) {
    throw new ValidationError(`Unknown severity "${String(value)}"; expected one of ${SEVERITIES.join(', ')}.`, [
      { path, message: 'unknown severity' },
    ]);
  }
  return v;
}

/** Negative if a is less severe than b, 0 if equal, positive if more severe. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

/**
 * Check a mapping; all problems are reported at once in one ValidationError: non-empty,
 * known severities each at most once, non-empty distinct priorities, whole positive days, and a
 * more severe level never gets a longer resolution target than a less severe one.
 */
export function validateSeverityMapping(mapping: SeverityMapping, path = 'severities'): SeverityMapping {
  const details: { path: string; message: string }[] = [];
  if (!Array.isArray(mapping) || mapping.length === 0) {
    throw new ValidationError('The severity mapping is empty.', [{ path, message: 'at least one severity level is required' }]);
  }
  const seenSeverity = new Set<string>();
  const seenPriority = new Set<string>();
  mapping.forEach((level, i) => {
    const at = `${path}[${i}]`;
    if (!isSeverity(level?.severity)) details.push({ path: `${at}.severity`, message: `unknown severity ${String(level?.severity)}` });
    else if (seenSeverity.has(level.severity)) details.push({ path: `${at}.severity`, message: `${level.severity} appears twice` });
    else seenSeverity.add(level.severity);
    if (typeof level?.priority !== 'string' || level.priority.trim() === '')
      details.push({ path: `${at}.priority`, message: 'priority label is required' });
    else if (seenPriority.has(level.priority))
      details.push({ path: `${at}.priority`, message: `priority ${level.priority} appears twice` });
    else seenPriority.add(level.priority);
    if (!Number.isInteger(level?.resolutionDays) || level.resolutionDays < 1) {
      details.push({ path: `${at}.resolutionDays`, message: 'resolution days must be a whole number of at least 1' });
    }
  });
  if (details.length === 0) {
    const sorted = [...mapping].sort((a, b) => compareSeverity(a.severity, b.severity));
    for (let i = 1; i < sorted.length; i++) {
      const less = sorted[i - 1] as SeverityLevel;
      const more = sorted[i] as SeverityLevel;
      if (more.resolutionDays > less.resolutionDays) {
        details.push({
          path,
          message: `${more.severity} (${more.resolutionDays} days) must not have a longer resolution target than ${less.severity} (${less.resolutionDays} days)`,
        });
      }
    }
  }
  if (details.length) throw new ValidationError(`The severity mapping has ${details.length} problem(s).`, details);
  return mapping;
}

/** The mapping's row for a severity; ValidationError if the profile has none for it. */
export function levelFor(severity: Severity, mapping: SeverityMapping): SeverityLevel {
  const level = mapping.find((l) => l.severity === severity);
  if (!level) {
    throw new ValidationError(`The process profile assigns no priority to severity "${String(severity)}".`, [
      { path: 'severity', message: `no mapping for ${String(severity)}` },
    ]);
  }
  return level;
}

export function priorityFor(severity: Severity, mapping: SeverityMapping): string {
  return levelFor(severity, mapping).priority;
}

export function resolutionDaysFor(severity: Severity, mapping: SeverityMapping): number {
  return levelFor(severity, mapping).resolutionDays;
}

/** The row for a priority label (e.g. 'P1'); ValidationError if unknown. */
export function levelForPriority(priority: string, mapping: SeverityMapping): SeverityLevel {
  const level = mapping.find((l) => l.priority === priority);
  if (!level) {
    throw new ValidationError(`Unknown priority "${String(priority)}".`, [{ path: 'priority', message: 'unknown priority' }]);
  }
  return level;
}

/**
 * CVSS qualitative rating of a base/overall score in [0, 10]:
 * 0 none; >0 and <4.0 low; 4.0–<7.0 medium; 7.0–<9.0 high; 9.0–10 critical.
 * (Scores carry one decimal; thresholds are applied as written, so 3.95 would be low.)
 */
export function severityFromCvssScore(score: number): Severity {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) {
    throw new ValidationError(`A CVSS score is a number from 0.0 to 10.0, got ${String(score)}.`, [
      { path: 'score', message: 'out of range' },
    ]);
  }
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}
