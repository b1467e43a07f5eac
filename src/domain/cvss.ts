// CVSS v3.1 and v4.0 vectors: strict parsing, scoring through a maintained library
// (ae-cvss-calculator), qualitative severity, and the FIRST JSON objects that CVE and CSAF records
// carry.
//
// The library scores well (it agrees with the public test-vector sets, see test/formats/cvss.test.ts)
// but is lenient about syntax: it accepts missing base metrics, repeated metrics and "X" in a base
// metric. So the vector is first checked here against the specifications' grammar:
//   - CVSS 3.1 (specification §6): the prefix "CVSS:3.1", every base metric exactly once with a
//     defined value, optional temporal/environmental metrics at most once each; metrics may come in
//     any order (the vector is re-emitted in the specification's order).
//   - CVSS 4.0 (specification §7): the prefix "CVSS:4.0", every base metric, each metric at most
//     once and in the specification's order (as FIRST's JSON schema requires).
// Severity follows the qualitative scale shared by both versions (src/domain/severity.ts).

import cvssLibrary from 'ae-cvss-calculator';
import { ValidationError, type ErrorDetail } from './errors.ts';
import { severityFromCvssScore, type Severity } from './severity.ts';

const { Cvss3P1, Cvss4P0 } = cvssLibrary;

export const CVSS_VERSIONS = ['3.1', '4.0'] as const;
export type CvssVersion = (typeof CVSS_VERSIONS)[number];

interface MetricDef {
  key: string;
  values: readonly string[];
  /** Base metrics are mandatory and take no "X". */
  base: boolean;
}

const m = (key: string, values: string, base = false): MetricDef => ({ key, values: values.split(' '), base });

/** CVSS v3.1 metrics in the specification's order (Table 15). */
const V31: readonly MetricDef[] = [
  m('AV', 'N A L P', true),
  m('AC', 'L H', true),
  m('PR', 'N L H', true),
  m('UI', 'N R', true),
  m('S', 'U C', true),
  m('C', 'H L N', true),
  m('I', 'H L N', true),
  m('A', 'H L N', true),
  m('E', 'X H F P U'),
  m('RL', 'X U W T O'),
  m('RC', 'X C R U'),
  m('CR', 'X H M L'),
  m('IR', 'X H M L'),
  m('AR', 'X H M L'),
  m('MAV', 'X N A L P'),
  m('MAC', 'X L H'),
  m('MPR', 'X N L H'),
  m('MUI', 'X N R'),
  m('MS', 'X U C'),
  m('MC', 'X H L N'),
  m('MI', 'X H L N'),
  m('MA', 'X H L N'),
];
const V31_TEMPORAL = new Set(['E', 'RL', 'RC']);

/** CVSS v4.0 metrics in the specification's order (Table 23). */
const V40: readonly MetricDef[] = [
  m('AV', 'N A L P', true),
  m('AC', 'L H', true),
  m('AT', 'N P', true),
  m('PR', 'N L H', true),
  m('UI', 'N P A', true),
  m('VC', 'H L N', true),
  m('VI', 'H L N', true),
  m('VA', 'H L N', true),
  m('SC', 'H L N', true),
  m('SI', 'H L N', true),
  m('SA', 'H L N', true),
  m('E', 'X A P U'),
  m('CR', 'X H M L'),
  m('IR', 'X H M L'),
  m('AR', 'X H M L'),
  m('MAV', 'X N A L P'),
  m('MAC', 'X L H'),
  m('MAT', 'X N P'),
  m('MPR', 'X N L H'),
  m('MUI', 'X N P A'),
  m('MVC', 'X H L N'),
  m('MVI', 'X H L N'),
  m('MVA', 'X H L N'),
  m('MSC', 'X H L N'),
  m('MSI', 'X S H L N'),
  m('MSA', 'X S H L N'),
  m('S', 'X N P'),
  m('AU', 'X N Y'),
  m('R', 'X A U I'),
  m('V', 'X D C'),
  m('RE', 'X L M H'),
  m('U', 'X Clear Green Amber Red'),
];
const V40_THREAT = new Set(['E']);
const V40_ENVIRONMENTAL = new Set(['CR', 'IR', 'AR', 'MAV', 'MAC', 'MAT', 'MPR', 'MUI', 'MVC', 'MVI', 'MVA', 'MSC', 'MSI', 'MSA']);

/** A parsed, scored vector. */
export interface CvssScore {
  version: CvssVersion;
  /** The vector, checked, with its metrics in the specification's order. */
  vector: string;
  /** Score of the base metrics alone (the "baseScore" of FIRST's JSON schemas). */
  baseScore: number;
  baseSeverity: Severity;
  /** CVSS 3.1 only, when a temporal metric is defined. */
  temporalScore?: number;
  /** CVSS 3.1: when an environmental metric is defined. CVSS 4.0: base + environmental metrics. */
  environmentalScore?: number;
  /** CVSS 4.0 only: base + threat metrics, when the threat metric is defined. */
  threatScore?: number;
  /**
   * The score of the vector as written, all metric groups applied: CVSS 3.1 environmental, else
   * temporal, else base; CVSS 4.0 the one score the specification defines (CVSS-B/BT/BE/BTE).
   */
  score: number;
  severity: Severity;
  /** CVSS 4.0: 'CVSS-B' | 'CVSS-BT' | 'CVSS-BE' | 'CVSS-BTE'; CVSS 3.1: 'base' | 'temporal' | 'environmental'. */
  nomenclature: string;
}

function invalid(vector: string, path: string, problems: string[]): ValidationError {
  const details: ErrorDetail[] = problems.map((message) => ({ path, message }));
  return new ValidationError(`Invalid CVSS vector "${vector}": ${problems.join('; ')}.`, details);
}

/** Checks the grammar; returns the metrics in the specification's order (only those written). */
function checkGrammar(vector: string, defs: readonly MetricDef[], strictOrder: boolean, path: string): Map<string, string> {
  const [, ...parts] = vector.split('/');
  const problems: string[] = [];
  const seen = new Map<string, string>();
  let lastIndex = -1;
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) problems.push('no metrics after the version prefix');
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon <= 0) {
      problems.push(`"${part}" is not METRIC:VALUE`);
      continue;
    }
    const key = part.slice(0, colon);
    const value = part.slice(colon + 1);
    const index = defs.findIndex((d) => d.key === key);
    const def = defs[index];
    if (!def) {
      problems.push(`unknown metric "${key}"`);
      continue;
    }
    if (seen.has(key)) {
      problems.push(`metric ${key} appears more than once`);
      continue;
    }
    if (!def.values.includes(value)) {
      problems.push(
        `${key}:${value} is not a valid value (expected one of ${def.values.filter((v) => !(def.base && v === 'X')).join(', ')})`,
      );
    } else if (def.base && value === 'X') {
      problems.push(`base metric ${key} must be defined`);
    }
    if (strictOrder && index < lastIndex) problems.push(`metric ${key} is out of order (the specification fixes the order)`);
    lastIndex = Math.max(lastIndex, index);
    seen.set(key, value);
  }
  const missing = defs.filter((d) => d.base && !seen.has(d.key)).map((d) => d.key);
  if (missing.length) problems.push(`missing base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (problems.length) throw invalid(vector, path, problems);
  const ordered = new Map<string, string>();
  for (const d of defs) {
    const v = seen.get(d.key);
    if (v !== undefined) ordered.set(d.key, v);
  }
  return ordered;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function checkedScore(n: number | undefined, what: string, vector: string, path: string): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 10) {
    throw invalid(vector, path, [`the calculator gave no ${what} score`]);
  }
  return round1(n);
}

/**
 * Parse and score a CVSS 3.1 or 4.0 vector string. Throws ValidationError (details at `path`)
 * for anything the specification does not allow.
 */
export function parseCvss(input: string, path = 'cvss'): CvssScore {
  if (typeof input !== 'string') throw invalid(String(input), path, ['a CVSS vector is a string']);
  const vector = input.trim();
  const prefix = vector.split('/')[0] ?? '';
  if (prefix === 'CVSS:3.1') return score31(vector, path);
  if (prefix === 'CVSS:4.0') return score40(vector, path);
  if (/^CVSS:(3\.0|2\.0)$/.test(prefix) || /^AV:[LAN]\/AC:[HML]\/Au:/.test(vector)) {
    throw invalid(vector, path, [`CVSS ${prefix.slice(5) || '2.0'} is not supported here; use CVSS 3.1 or 4.0`]);
  }
  throw invalid(vector, path, ['a vector starts with "CVSS:3.1/" or "CVSS:4.0/"']);
}

function score31(vector: string, path: string): CvssScore {
  const metrics = checkGrammar(vector, V31, false, path);
  const normalized = ['CVSS:3.1', ...[...metrics].map(([k, v]) => `${k}:${v}`)].join('/');
  const calc = new Cvss3P1(normalized);
  const s = calc.calculateScores();
  const baseScore = checkedScore(s.base, 'base', vector, path);
  const defined = (keys: (k: string) => boolean) => [...metrics].some(([k, v]) => keys(k) && v !== 'X');
  const hasTemporal = defined((k) => V31_TEMPORAL.has(k));
  const hasEnvironmental = defined((k) => !V31_TEMPORAL.has(k) && !V31.find((d) => d.key === k)?.base);
  const result: CvssScore = {
    version: '3.1',
    vector: normalized,
    baseScore,
    baseSeverity: severityFromCvssScore(baseScore),
    score: baseScore,
    severity: severityFromCvssScore(baseScore),
    nomenclature: 'base',
  };
  if (hasTemporal) {
    result.temporalScore = checkedScore(s.temporal, 'temporal', vector, path);
    result.score = result.temporalScore;
    result.nomenclature = 'temporal';
  }
  if (hasEnvironmental) {
    result.environmentalScore = checkedScore(s.environmental, 'environmental', vector, path);
    result.score = result.environmentalScore;
    result.nomenclature = 'environmental';
  }
  result.severity = severityFromCvssScore(result.score);
  return result;
}

function score40(vector: string, path: string): CvssScore {
  const metrics = checkGrammar(vector, V40, true, path);
  const normalized = ['CVSS:4.0', ...[...metrics].map(([k, v]) => `${k}:${v}`)].join('/');
  const calc = new Cvss4P0(normalized);
  const s = calc.calculateScores();
  const score = checkedScore(s.overall, 'overall', vector, path);
  const baseScore = checkedScore(s.baseMetricsOnly, 'base', vector, path);
  const defined = (group: Set<string>) => [...metrics].some(([k, v]) => group.has(k) && v !== 'X');
  const hasThreat = defined(V40_THREAT);
  const hasEnvironmental = defined(V40_ENVIRONMENTAL);
  const result: CvssScore = {
    version: '4.0',
    vector: normalized,
    baseScore,
    baseSeverity: severityFromCvssScore(baseScore),
    score,
    severity: severityFromCvssScore(score),
    nomenclature: `CVSS-B${hasThreat ? 'T' : ''}${hasEnvironmental ? 'E' : ''}`,
  };
  if (hasThreat) result.threatScore = checkedScore(s.threat, 'threat', vector, path);
  if (hasEnvironmental) result.environmentalScore = checkedScore(s.environmental, 'environmental', vector, path);
  return result;
}

/** True when the string is a valid CVSS 3.1 or 4.0 vector. */
export function isCvssVector(vector: string): boolean {
  try {
    parseCvss(vector);
    return true;
  } catch {
    return false;
  }
}

const upper = (s: Severity): string => s.toUpperCase();

/**
 * The FIRST JSON object for a score (cvss-v3.1.json / cvss-v4.0.json), as CVE records
 * (`cvssV3_1`, `cvssV4_0`) and CSAF documents (`cvss_v3`, `cvss_v4`) carry it. The metric
 * properties come from the library; the scores and the vector are ours. For CVSS 4.0 the schema
 * has one score, `baseScore`: it is the score of the base metrics (as the CSAF validator checks);
 * the vector string carries any threat and environmental metrics.
 */
export function cvssJson(score: CvssScore): Record<string, unknown> {
  if (score.version === '3.1') {
    const json = new Cvss3P1(score.vector).createJsonSchema() as Record<string, unknown>;
    const out: Record<string, unknown> = {
      ...json,
      version: '3.1',
      vectorString: score.vector,
      baseScore: score.baseScore,
      baseSeverity: upper(score.baseSeverity),
    };
    delete out.temporalScore;
    delete out.temporalSeverity;
    delete out.environmentalScore;
    delete out.environmentalSeverity;
    if (score.temporalScore !== undefined) {
      out.temporalScore = score.temporalScore;
      out.temporalSeverity = upper(severityFromCvssScore(score.temporalScore));
    }
    if (score.environmentalScore !== undefined) {
      out.environmentalScore = score.environmentalScore;
      out.environmentalSeverity = upper(severityFromCvssScore(score.environmentalScore));
    }
    return out;
  }
  const json = new Cvss4P0(score.vector).createJsonSchema() as Record<string, unknown>;
  return {
    ...json,
    version: '4.0',
    vectorString: score.vector,
    baseScore: score.baseScore,
    baseSeverity: upper(score.baseSeverity),
  };
}

/** One line for people: "9.8 critical (CVSS 3.1 base)", "8.1 high (CVSS-BT 4.0; base 9.3 critical)". */
export function describeCvss(score: CvssScore): string {
  if (score.version === '3.1') {
    const extra = score.nomenclature === 'base' ? '' : `; base ${score.baseScore.toFixed(1)} ${score.baseSeverity}`;
    return `${score.score.toFixed(1)} ${score.severity} (CVSS 3.1 ${score.nomenclature}${extra})`;
  }
  const extra = score.nomenclature === 'CVSS-B' ? '' : `; base ${score.baseScore.toFixed(1)} ${score.baseSeverity}`;
  return `${score.score.toFixed(1)} ${score.severity} (${score.nomenclature}, CVSS 4.0${extra})`;
}
