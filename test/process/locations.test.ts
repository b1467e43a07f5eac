// Every problem must point at the line and column a person has to change. Line numbers refer to
// the MINIMAL fixture (test/process/fixtures.ts) after the edits shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProfileText, formatProblems } from '../../src/process/lint.ts';
import { parseProfile } from '../../src/process/loader.ts';
import type { Problem } from '../../src/process/problems.ts';
import { MINIMAL, edit } from './fixtures.ts';

/** The fields tests compare: position, path, severity and the start of the message. */
function brief(problems: Problem[]) {
  return problems.map(({ line, column, path, severity, message }) => ({ line, column, path, severity, message }));
}

test('a profile broken in four ways reports all four, each at its line and column', () => {
  let text = MINIMAL;
  text = edit(text, 'version: "1"', 'version: 1'); // wrong type, line 3
  text = edit(text, 'team: central, filledBy: claim }', 'team: central, filledBy: claim, extra: 1 }'); // unknown key, line 7
  text = edit(text, 'Dear {{reporter_name}},\n      Accepted.', 'Dear {{reporter_nmae}},\n      Accepted.'); // line 38
  text = edit(text, '  disclosure_notification:', '  disclosure_notice:'); // required template gone
  const problems = checkProfileText(text, 'broken.yaml');

  assert.deepEqual(brief(problems), [
    { line: 3, column: 10, path: 'version', severity: 'error', message: 'must be a string; quote it, e.g. version: "1.0"' },
    { line: 7, column: 84, path: 'roles.triager.extra', severity: 'error', message: 'unknown key "extra"' },
    {
      line: 33,
      column: 1,
      path: 'templates',
      severity: 'error',
      message: 'missing template "disclosure_notification", which a "claim" triage workflow sends',
    },
    {
      line: 38,
      column: 12,
      path: 'templates.holding.body',
      severity: 'error',
      message: 'unknown template variable "reporter_nmae"; did you mean "reporter_name"?',
    },
  ]);
  assert.equal(formatProblems(problems.slice(0, 1)), 'broken.yaml:3:10: error: must be a string; quote it, e.g. version: "1.0" (version)');
});

test('parseProfile (schema only) locates schema issues and gives no profile', () => {
  const { profile, problems } = parseProfile(edit(MINIMAL, 'team: project', 'team: projekt'), 'p.yaml');
  assert.equal(profile, undefined);
  assert.deepEqual(brief(problems), [
    {
      line: 8,
      column: 58,
      path: 'roles.handler.team',
      severity: 'error',
      message: '"projekt" is not one of central, project, subsystem; did you mean "project"?',
    },
  ]);
});

test('an unknown key gets a "did you mean" from the schema', () => {
  const problems = checkProfileText(edit(MINIMAL, '    stopsOn:', '    stopOn:'), 'x.yaml');
  assert.deepEqual(brief(problems), [
    { line: 23, column: 5, path: 'sla[0].stopsOn', severity: 'error', message: 'missing required key "stopsOn"' },
    { line: 26, column: 5, path: 'sla[0].stopOn', severity: 'error', message: 'unknown key "stopOn"; did you mean "stopsOn"?' },
  ]);
});

test('a missing key is reported on the key of the map that should hold it', () => {
  const text = edit(MINIMAL, '    subject: Status\n', '');
  const problems = checkProfileText(text, 'x.yaml');
  assert.deepEqual(brief(problems), [
    { line: 46, column: 3, path: 'templates.status_update.subject', severity: 'error', message: 'missing required key "subject"' },
  ]);
});

test('YAML syntax errors are located, and all of them are reported', () => {
  let text = edit(MINIMAL, 'name: Minimal process', 'name: "Minimal process'); // unclosed quote, line 2
  text = edit(text, '  triage: claim\n', '  triage: claim\n  triage: coordinator\n'); // duplicate key, line 16
  const problems = checkProfileText(text, 'syntax.yaml');
  assert.deepEqual(
    problems.map((p) => [p.line, p.column, p.message]),
    [
      [2, 23, 'Missing closing "quote'],
      [16, 3, 'Map keys must be unique'],
    ],
  );
});

test('a stray token reports one syntax error, not one per following token', () => {
  const problems = checkProfileText(edit(MINIMAL, '  channels: [email]', '  channels: [email]]'), 'x.yaml');
  assert.deepEqual(brief(problems), [
    { line: 10, column: 20, path: '', severity: 'error', message: 'Unexpected flow-seq-end token in YAML stream: "]"' },
  ]);
});

test('template parse errors point at the tag that is not closed', () => {
  const problems = checkProfileText(edit(MINIMAL, '    subject: Status', '    subject: Status {{#status}}'), 'x.yaml');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.line, 48);
  assert.equal(problems[0]?.column, 21);
  assert.match(problems[0]?.message ?? '', /Unclosed section "status"/);
});

test('unknown variables are found in subjects, quoted strings and sections too', () => {
  let text = edit(MINIMAL, '"Rejected {{incident_id}}"', '"Rejected {{incident}}"'); // line 42
  text = edit(text, '      {{reason}}', '      {{#reason}}{{why}}{{/reason}}'); // line 45
  const problems = checkProfileText(text, 'x.yaml');
  assert.deepEqual(
    problems.map((p) => [p.line, p.column, p.message]),
    [
      [42, 24, 'unknown template variable "incident"; did you mean "incident_id"?'],
      [45, 18, 'unknown template variable "why"'],
    ],
  );
});

test('SLA clocks naming unknown roles, events and stages are located', () => {
  let text = edit(MINIMAL, '    owner: triager', '    owner: triagr');
  text = edit(text, '    startsOn: report_received', '    startsOn: report_recieved');
  text = edit(text, '[report_accepted, report_rejected]', '[report_accepted, report_refused]');
  text = edit(text, '    stage: triage', '    stage: review');
  const problems = checkProfileText(text, 'x.yaml');
  assert.deepEqual(
    problems.map((p) => [p.line, p.column, p.path, p.message]),
    [
      [24, 12, 'sla[0].stage', 'unknown stage "review"'],
      [25, 15, 'sla[0].startsOn', 'unknown event "report_recieved"; did you mean "report_received"?'],
      [26, 32, 'sla[0].stopsOn[1]', 'unknown event "report_refused"'],
      [28, 12, 'sla[0].owner', 'unknown role "triagr"; did you mean "triager"?'],
    ],
  );
});

test('severity mapping must cover every level once priorities exist; priorities need days for priority clocks', () => {
  let text = edit(
    MINIMAL,
    '    - { id: high, name: High }\n',
    '    - { id: high, name: High, priority: P1 }\n    - { id: low, name: Low }\n    - { id: low, name: Lowest, priority: P9 }\n' +
      '  priorities:\n    - { id: P1 }\n',
  );
  text = edit(text, '    duration: { amount: 3, unit: working-days }', '    durationFrom: priority');
  const problems = checkProfileText(text, 'x.yaml');
  assert.deepEqual(
    problems.map((p) => [p.line, p.column, p.severity, p.message]),
    [
      [27, 19, 'warning', 'duration comes from the priority, but priority is optional: incidents without one get no deadline'],
      [32, 7, 'error', 'severity "low" maps to no priority'],
      [33, 13, 'error', 'duplicate severity level id "low"'],
      [33, 42, 'error', 'unknown priority "P9"; did you mean "P1"?'],
      [35, 7, 'error', 'priority "P1" has no resolutionDays, but an SLA clock takes its duration from it'],
    ],
  );
});

test('cc rules naming unknown aliases and duplicate stage ids are errors', () => {
  let text = edit(MINIMAL, 'cc: [central]', 'cc: [centrl, "not an address@"]');
  text = edit(text, '    - { id: triage, name: Triage }\n', '    - { id: triage, name: Triage }\n    - { id: triage, name: Again }\n');
  const problems = checkProfileText(text, 'x.yaml');
  assert.deepEqual(
    problems.map((p) => [p.line, p.column, p.message]),
    [
      [22, 13, 'duplicate stage id "triage"'],
      [56, 32, 'unknown alias "centrl"; did you mean "central"?'],
      [56, 40, '"not an address@" is not an e-mail address'],
    ],
  );
});

test('an invalid section does not hide lint findings in the valid ones', () => {
  let text = edit(MINIMAL, 'version: "1"', 'version: 1');
  text = edit(text, '"Status: {{status}}"', '"Status: {{state}}"');
  const problems = checkProfileText(text, 'x.yaml');
  assert.deepEqual(
    problems.map((p) => [p.line, p.message]),
    [
      [3, 'must be a string; quote it, e.g. version: "1.0"'],
      [49, 'unknown template variable "state"'],
    ],
  );
});

test('an empty text and a non-mapping are refused', () => {
  assert.equal(checkProfileText('', 'e.yaml')[0]?.message, 'profile is empty');
  assert.equal(checkProfileText('- a\n- b\n', 'l.yaml')[0]?.message, 'expected object, received array');
});
