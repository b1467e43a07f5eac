import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  REPORT_STATES,
  reportManagement,
  pathTo,
  stepsTo,
  canMoveReport,
  assertReportMove,
  isReportState,
  type ReportState,
} from '../../src/domain/report-management.ts';
import { IllegalTransitionError } from '../../src/domain/errors.ts';

const ALLOWED = new Set([
  'start>received',
  'received>valid',
  'received>invalid',
  'invalid>valid',
  'invalid>closed',
  'valid>accepted',
  'valid>deferred',
  'accepted>deferred',
  'accepted>closed',
  'deferred>accepted',
  'deferred>closed',
]);

test('states are exactly the seven lowercase Vultron RM states', () => {
  assert.deepEqual(REPORT_STATES, ['start', 'received', 'invalid', 'valid', 'accepted', 'deferred', 'closed']);
  assert.deepEqual(reportManagement.states, REPORT_STATES);
  assert.equal(reportManagement.name, 'report management');
});

test('every one of the 49 moves: exactly the allowed set passes', () => {
  let allowedSeen = 0;
  for (const from of REPORT_STATES) {
    for (const to of REPORT_STATES) {
      const ok = ALLOWED.has(`${from}>${to}`);
      assert.equal(canMoveReport(from, to), ok, `${from} → ${to}`);
      if (ok) {
        allowedSeen++;
        assert.doesNotThrow(() => assertReportMove(from, to));
      } else {
        assert.throws(
          () => assertReportMove(from, to),
          (e: unknown) => e instanceof IllegalTransitionError && e.machine === 'report management' && e.from === from && e.to === to,
          `${from} → ${to} must be refused`,
        );
      }
    }
  }
  assert.equal(allowedSeen, ALLOWED.size);
});

test('never close from valid; closed is final; no self-moves', () => {
  assert.equal(canMoveReport('valid', 'closed'), false);
  assert.deepEqual(reportManagement.nextStates('closed'), []);
  for (const s of REPORT_STATES) assert.equal(canMoveReport(s, s), false, s);
});

test('pathTo: shortest legal sequence, both ends included', () => {
  const cases: [ReportState, ReportState, ReportState[]][] = [
    ['received', 'closed', ['received', 'invalid', 'closed']], // reject
    ['start', 'received', ['start', 'received']],
    ['start', 'closed', ['start', 'received', 'invalid', 'closed']],
    ['received', 'accepted', ['received', 'valid', 'accepted']],
    ['received', 'deferred', ['received', 'valid', 'deferred']],
    ['invalid', 'accepted', ['invalid', 'valid', 'accepted']],
    ['valid', 'closed', ['valid', 'accepted', 'closed']], // never straight from valid
    ['accepted', 'closed', ['accepted', 'closed']],
    ['deferred', 'accepted', ['deferred', 'accepted']],
    ['accepted', 'accepted', ['accepted']],
    ['closed', 'closed', ['closed']],
  ];
  for (const [from, to, expected] of cases) assert.deepEqual(pathTo(from, to), expected, `${from} → ${to}`);
});

const REACHABLE: Record<ReportState, ReportState[]> = {
  start: ['start', 'received', 'invalid', 'valid', 'accepted', 'deferred', 'closed'],
  received: ['received', 'invalid', 'valid', 'accepted', 'deferred', 'closed'],
  invalid: ['invalid', 'valid', 'accepted', 'deferred', 'closed'],
  valid: ['valid', 'accepted', 'deferred', 'closed'],
  accepted: ['accepted', 'deferred', 'closed'],
  deferred: ['deferred', 'accepted', 'closed'],
  closed: ['closed'],
};

test('pathTo: every returned path is legal step by step, and unreachable targets throw', () => {
  for (const from of REPORT_STATES) {
    for (const to of REPORT_STATES) {
      let path: ReportState[];
      try {
        path = pathTo(from, to);
      } catch (e) {
        assert.ok(e instanceof IllegalTransitionError);
        assert.ok(!REACHABLE[from].includes(to), `${from} → ${to} should be reachable`);
        continue;
      }
      assert.ok(REACHABLE[from].includes(to), `${from} → ${to} should be unreachable`);
      assert.equal(path[0], from);
      assert.equal(path[path.length - 1], to);
      for (let i = 1; i < path.length; i++) assert.ok(canMoveReport(path[i - 1]!, path[i]!));
    }
  }
  assert.throws(() => pathTo('closed', 'accepted'), IllegalTransitionError);
  assert.throws(() => pathTo('accepted', 'received'), IllegalTransitionError);
});

test('stepsTo lists one transition per row to record', () => {
  assert.deepEqual(stepsTo('received', 'closed'), [
    { from: 'received', to: 'invalid' },
    { from: 'invalid', to: 'closed' },
  ]);
  assert.deepEqual(stepsTo('valid', 'valid'), []);
});

test('isReportState guards data from storage', () => {
  assert.equal(isReportState('accepted'), true);
  assert.equal(isReportState('Accepted'), false);
  assert.equal(isReportState(''), false);
  assert.equal(isReportState(undefined), false);
});
