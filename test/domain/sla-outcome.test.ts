import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadlineOutcome, effectiveDue, isSuperseded, type DeadlineTimes } from '../../src/domain/sla-outcome.ts';

// The outcome of one deadline row: the rule the dashboard's SQL applies to many rows at once.

const d = (iso: string) => new Date(iso);
const NOW = d('2026-12-01T12:00:00Z');
const base: DeadlineTimes = {
  startedAt: d('2026-11-23T09:00:00Z'),
  dueAt: d('2026-11-26T00:00:00Z'),
  stoppedAt: null,
  stopReason: null,
  pausedAt: null,
};

test('superseded rows: a recomputation for a new owner, a resumed pause, a priority change', () => {
  for (const r of [
    'reassigned: Tina Triager claimed triage',
    'reassigned: paused from 2026-11-24T10:00:00.000Z until reporter_replied',
    'priority changed',
    'recomputed',
  ]) {
    assert.equal(isSuperseded(r), true, r);
  }
  for (const r of [null, undefined, '', 'report_accepted', 'report_rejected', 'incident_closed', 'not reassigned'])
    assert.equal(isSuperseded(r), false, String(r));
});

test('met, missed, superseded, running, overdue and paused', () => {
  const cases: [string, Partial<DeadlineTimes>, string][] = [
    ['stopped before due', { stoppedAt: d('2026-11-25T10:00:00Z'), stopReason: 'report_accepted' }, 'met'],
    ['stopped exactly at due', { stoppedAt: d('2026-11-26T00:00:00Z'), stopReason: 'report_accepted' }, 'met'],
    ['stopped a second late', { stoppedAt: d('2026-11-26T00:00:01Z'), stopReason: 'report_rejected' }, 'missed'],
    ['stopped for a new owner', { stoppedAt: d('2026-11-23T10:00:00Z'), stopReason: 'reassigned: Tom claimed' }, 'superseded'],
    ['superseded even after its due time', { stoppedAt: d('2026-11-27T10:00:00Z'), stopReason: 'recomputed' }, 'superseded'],
    ['running, due later', { dueAt: d('2026-12-02T00:00:00Z') }, 'running'],
    ['running, due passed', {}, 'overdue'],
    ['running, due exactly now', { dueAt: NOW }, 'running'],
    ['paused before due', { pausedAt: d('2026-11-24T10:00:00Z') }, 'paused'],
    ['paused after due', { pausedAt: d('2026-11-28T10:00:00Z') }, 'paused'],
    [
      'stopped while paused, paused before due: due later by the pause',
      { pausedAt: d('2026-11-24T10:00:00Z'), stoppedAt: d('2026-11-28T10:00:00Z'), stopReason: 'report_rejected' },
      'met',
    ],
    [
      'stopped while paused, paused after due',
      { pausedAt: d('2026-11-27T10:00:00Z'), stoppedAt: d('2026-11-28T10:00:00Z'), stopReason: 'report_rejected' },
      'missed',
    ],
    [
      'stopped in the future (a period in the past): running then',
      { dueAt: d('2026-12-05T00:00:00Z'), stoppedAt: d('2026-12-03T00:00:00Z'), stopReason: 'report_accepted' },
      'running',
    ],
  ];
  for (const [name, row, want] of cases) assert.equal(deadlineOutcome({ ...base, ...row }, NOW), want, name);
});

test('the effective due time moves by the pause, up to the stop or now', () => {
  const paused = { ...base, pausedAt: d('2026-11-24T00:00:00Z') };
  assert.equal(effectiveDue(paused, NOW).toISOString(), '2026-12-03T12:00:00.000Z', 'paused 7.5 days so far');
  assert.equal(effectiveDue({ ...paused, stoppedAt: d('2026-11-25T00:00:00Z') }, NOW).toISOString(), '2026-11-27T00:00:00.000Z');
  assert.equal(
    effectiveDue({ ...base, pausedAt: d('2026-11-27T00:00:00Z') }, NOW).toISOString(),
    base.dueAt.toISOString(),
    'paused after due: no extension',
  );
  assert.equal(effectiveDue(base, NOW), base.dueAt);
});
