// The process-profile module's public API, in one import.

export {
  ProcessProfileSchema,
  KNOWN_EVENTS,
  TEMPLATE_VARIABLES,
  STANDARD_TEMPLATES,
  DEFAULT_WORKING_WEEK,
} from './schema.ts';
export type {
  ProcessProfile,
  KnownEvent,
  TemplateVariable,
  Role,
  SlaRule,
  MessageTemplate,
  CopyRule,
  SeverityLevel,
  Priority,
  WorkingWeek,
} from './schema.ts';
export type { Problem } from './problems.ts';
export { formatProblems, hasErrors } from './problems.ts';
export { parseProfile, loadProfile, loadShippedProfileText, listShippedProfiles } from './loader.ts';
export type { ShippedProfile, LoadOptions } from './loader.ts';
export { checkProfileText, lintProfile, requiredTemplates } from './lint.ts';
export { renderTemplate, copyProfile, missingVariables, MissingTemplateVariablesError } from './render.ts';
export type { TemplateVars, RenderedMessage } from './render.ts';
