// YAML text → validated ProcessProfile, with every YAML syntax error and every schema issue
// reported at once and located by line and column. Semantic checks are lint.ts's job.

import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ProcessProfileSchema } from './schema.ts';
import type { ProcessProfile } from './schema.ts';
import { createLocator } from './locate.ts';
import type { Locator } from './locate.ts';
import { didYouMean, formatPath, hasErrors, sortProblems } from './problems.ts';
import type { PathSegment, Problem } from './problems.ts';

// A profile is a page or two of YAML; anything far larger is a mistake or an attack on the parser.
const MAX_PROFILE_BYTES = 1024 * 1024;

export interface ParsedText {
  /** Present when the text has no errors (warnings allowed). Deeply frozen. */
  profile?: ProcessProfile;
  problems: Problem[];
  /** The plain data as parsed, before validation; lint checks the sections of it that are valid. */
  data: unknown;
  locator: Locator;
}

// The source text a profile was parsed from, so that copying a shipped profile keeps its comments
// (which point to the process steps they encode). Weak so that profiles are not kept alive by it.
const sourceTexts = new WeakMap<ProcessProfile, string>();

export function sourceTextOf(profile: ProcessProfile): string | undefined {
  return sourceTexts.get(profile);
}

export function parseProfileText(text: string, source: string): ParsedText {
  const problems: Problem[] = [];
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = createLocator(doc, text, lines);
  const located = (at: number, message: string, severity: Problem['severity']): Problem => ({
    source,
    ...locator.offset(at),
    path: '',
    message,
    severity,
  });

  if (Buffer.byteLength(text) > MAX_PROFILE_BYTES) {
    problems.push(located(0, `profile is larger than ${MAX_PROFILE_BYTES} bytes`, 'error'));
    return { problems, data: undefined, locator };
  }
  // Once the token stream is broken every later token is "unexpected": keep the first of those.
  let unexpectedSeen = false;
  for (const e of doc.errors) {
    if (e.code === 'UNEXPECTED_TOKEN' && unexpectedSeen) continue;
    unexpectedSeen ||= e.code === 'UNEXPECTED_TOKEN';
    problems.push(located(e.pos[0], yamlMessage(e.message), 'error'));
  }
  for (const w of doc.warnings) problems.push(located(w.pos[0], yamlMessage(w.message), 'warning'));
  // After a syntax error the structure is the parser's guess; schema errors against a guess send
  // people to fix lines that are fine. Syntax first, then everything else in the next round.
  if (doc.errors.length > 0) return { problems: sortProblems(problems), data: undefined, locator };

  let data: unknown;
  try {
    // The default alias limit guards against "billion laughs" expansion.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    problems.push(located(0, `cannot read YAML: ${(e as Error).message}`, 'error'));
    return { problems: sortProblems(problems), data: undefined, locator };
  }
  if (data === null || data === undefined) {
    problems.push(located(0, 'profile is empty', 'error'));
    return { problems: sortProblems(problems), data, locator };
  }

  const result = ProcessProfileSchema.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(...issueProblems(issue, data, source, locator));
    }
  }
  sortProblems(problems);
  if (!result.success || hasErrors(problems)) return { problems, data, locator };

  const profile = deepFreeze(result.data);
  sourceTexts.set(profile, text);
  return { profile, problems, data, locator };
}

function issueProblems(issue: z.core.$ZodIssue, data: unknown, source: string, locator: Locator): Problem[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const problem = (at: readonly PathSegment[], message: string, key = false): Problem => ({
    source,
    ...pick(locator.at(at, { key })),
    path: formatPath(at),
    message,
    severity: 'error',
  });

  switch (issue.code) {
    case 'unrecognized_keys':
      // One problem per key, on the key itself, with the likely intended spelling.
      return issue.keys.map((k) => problem([...path, k], `unknown key "${k}"${didYouMean(k, allowedKeys(path))}`, true));
    case 'invalid_key': {
      const why = issue.issues[0]?.message ?? issue.message;
      return [problem(path, `invalid key "${String(path.at(-1))}": ${why}`, true)];
    }
    case 'invalid_value': {
      if (!locator.at(path).found) return [problem(path, `missing required key "${String(path.at(-1))}"`)];
      const given = valueAt(data, path);
      const options = issue.values.map(String);
      return [
        problem(
          path,
          `${JSON.stringify(given)} is not one of ${options.join(', ')}${typeof given === 'string' ? didYouMean(given, options) : ''}`,
        ),
      ];
    }
    default: {
      if (!locator.at(path).found && path.length > 0) {
        return [problem(path, `missing required key "${String(path.at(-1))}"`)];
      }
      return [problem(path, issue.message.replace(/^Invalid input: /, ''))];
    }
  }
}

/** Keys the schema accepts at a path, for "did you mean" hints. */
function allowedKeys(path: readonly PathSegment[]): string[] {
  let schema: unknown = ProcessProfileSchema;
  for (const seg of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(seg)];
    else if (schema instanceof z.ZodArray) schema = schema.element;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: unknown): unknown {
  while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) schema = schema.unwrap();
  return schema;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let value = data;
  for (const seg of path) value = (value as Record<PathSegment, unknown> | undefined)?.[seg];
  return value;
}

function yamlMessage(message: string): string {
  // With prettyErrors off the parser gives the bare message; keep it to the first line.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function pick(loc: { line: number; column: number }): { line: number; column: number } {
  return { line: loc.line, column: loc.column };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
