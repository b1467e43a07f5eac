// Rendering a profile's message templates into plain-text mail, and copying a profile so a team can
// edit its own version.

import Mustache from 'mustache';
import { Document, isScalar, parseDocument, stringify } from 'yaml';
import { EmbargoError, ValidationError } from '../domain/errors.ts';
import type { ProcessProfile } from './schema.ts';
import { parseProfileText, sourceTextOf } from './parse.ts';
import { formatProblems } from './problems.ts';

export type TemplateValue = string | number | boolean | null | undefined;
export type TemplateVars = Readonly<Record<string, TemplateValue>>;

export interface RenderedMessage {
  subject: string;
  body: string;
}

/** A template needs values the caller did not give. Carries the names so a UI can ask for them. */
export class MissingTemplateVariablesError extends ValidationError {
  readonly templateId: string;
  readonly missing: readonly string[];
  constructor(templateId: string, missing: readonly string[]) {
    super(
      `Template "${templateId}" needs a value for ${missing.map((m) => `"${m}"`).join(', ')}.`,
      missing.map((m) => ({ path: m, message: 'missing value' })),
    );
    this.name = 'MissingTemplateVariablesError';
    this.templateId = templateId;
    this.missing = missing;
  }
}

// Plain-text mail: HTML escaping would turn "R&D" into "R&amp;D" in front of the reporter.
const PLAIN_TEXT = { escape: (value: unknown) => String(value) };

/**
 * Renders one template. Strict: every variable the template would print must have a non-blank
 * value, so nobody is ever sent "Dear ,". Variables used only as {{#section}} guards are optional;
 * that is how a template marks a paragraph as "as appropriate".
 */
export function renderTemplate(profile: ProcessProfile, templateId: string, vars: TemplateVars): RenderedMessage {
  const template = Object.hasOwn(profile.templates, templateId) ? profile.templates[templateId] : undefined;
  if (!template) {
    throw new EmbargoError('not_found', `Process profile "${profile.id}" has no template "${templateId}".`);
  }
  const missing = new Set([...missingVariables(template.subject, vars), ...missingVariables(template.body, vars)]);
  if (missing.size > 0) throw new MissingTemplateVariablesError(templateId, [...missing]);

  // Blank values are dropped so that Mustache takes the same section branches missingVariables did.
  const view = Object.fromEntries(Object.entries(vars).filter(([, v]) => !isBlank(v)));
  const subject = Mustache.render(template.subject, view, {}, PLAIN_TEXT).trim();
  // A line break in a subject would let a value (a reporter's name, say) inject mail headers.
  if (/[\r\n]/.test(subject)) {
    throw new ValidationError(`Template "${templateId}": the subject would contain a line break.`, [
      { path: 'subject', message: 'line break in subject' },
    ]);
  }
  return { subject, body: Mustache.render(template.body, view, {}, PLAIN_TEXT) };
}

type Token = [string, string, number, number, Token[]?, number?];

/** Variables the template would print with this view and that have no usable value. */
export function missingVariables(template: string, vars: TemplateVars): string[] {
  const missing: string[] = [];
  const value = (name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
  const blank = (name: string) => isBlank(value(name));
  const shown = (name: string) => !blank(name) && Boolean(value(name)); // Mustache's truthiness
  // Follow the same branches Mustache will: a section renders only when its value is truthy, an
  // inverted one only when it is falsy, so only variables on the branches taken are required.
  const walk = (tokens: readonly Token[]): void => {
    for (const [type, name, , , children] of tokens) {
      if (type === 'name' || type === '&' || type === '{') {
        if (name !== '.' && blank(name)) missing.push(name);
      } else if (type === '#') {
        if (shown(name) && children) walk(children);
      } else if (type === '^') {
        if (!shown(name) && children) walk(children);
      } else if (type === '>') {
        throw new EmbargoError('profile_invalid', `Template uses a partial ("${name}"), which is not supported.`);
      }
    }
  };
  walk(Mustache.parse(template) as Token[]);
  return missing;
}

function isBlank(v: TemplateValue): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

// Splices the new values into the original text instead of re-serialising the document, so the copy
// keeps every comment, line break and layout choice of the original byte for byte.
function withIdAndName(source: string, id: string, name: string): string {
  const doc = parseDocument(source);
  const edits = (
    [
      ['id', id],
      ['name', name],
    ] as const
  ).map(([key, value]) => {
    const node = doc.get(key, true);
    if (!isScalar(node) || !node.range) throw new EmbargoError('internal', `Profile text has no "${key}" to replace.`);
    return { start: node.range[0], end: node.range[1], text: stringify(value, { lineWidth: 0 }).trimEnd() };
  });
  let out = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

const SLUG = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/**
 * A team's own copy of a profile, as YAML text with a new id and name. When the profile was loaded
 * from text its comments are kept: they explain which process step each entry encodes.
 */
export function copyProfile(profile: ProcessProfile, newId: string, newName: string): string {
  if (!SLUG.test(newId)) {
    throw new ValidationError(`"${newId}" is not a valid profile id.`, [
      { path: 'id', message: 'must be a lower-case slug like "my-team"' },
    ]);
  }
  const name = newName.trim();
  if (name === '' || /[\r\n]/.test(name)) {
    throw new ValidationError('A profile needs a one-line name.', [{ path: 'name', message: 'must be one non-empty line' }]);
  }
  const version = profile.version.replace(/\s+/g, ' ');
  const origin = `# Copied from process profile "${profile.id}" version ${version}; edit to fit your process.\n`;
  const source = sourceTextOf(profile);
  const body = source === undefined ? new Document({ ...profile, id: newId, name }).toString() : withIdAndName(source, newId, name);
  const text = origin + body;

  // The copy must load; if it does not, that is a bug here, not the caller's mistake.
  const check = parseProfileText(text, `copy of ${profile.id}`);
  if (!check.profile) {
    throw new EmbargoError('internal', `Copying profile "${profile.id}" produced an invalid profile:\n${formatProblems(check.problems)}`);
  }
  return text;
}
