import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineMachine } from '../../src/domain/machine.ts';
import { IllegalTransitionError } from '../../src/domain/errors.ts';

type Light = 'red' | 'green' | 'amber' | 'off';
const light = defineMachine<Light>('light', {
  red: ['green', 'off'],
  green: ['amber'],
  amber: ['red'],
  off: [],
});

test('states come from the table, in order', () => {
  assert.deepEqual(light.states, ['red', 'green', 'amber', 'off']);
  assert.equal(light.name, 'light');
});

test('canMove answers exactly from the table', () => {
  const allowed = new Set(['red>green', 'red>off', 'green>amber', 'amber>red']);
  for (const from of light.states) {
    for (const to of light.states) {
      assert.equal(light.canMove(from, to), allowed.has(`${from}>${to}`), `${from} → ${to}`);
    }
  }
});

test('assertMove throws IllegalTransitionError with machine, from, to and reason', () => {
  light.assertMove('red', 'green');
  assert.throws(
    () => light.assertMove('green', 'red'),
    (e: unknown) =>
      e instanceof IllegalTransitionError &&
      e.code === 'illegal_transition' &&
      e.machine === 'light' &&
      e.from === 'green' &&
      e.to === 'red' &&
      e.message.includes('allowed from green: amber'),
  );
  assert.throws(
    () => light.assertMove('green', 'red', 'not yet'),
    (e: unknown) => e instanceof IllegalTransitionError && e.message === 'light: cannot go from green to red (not yet).',
  );
  assert.throws(
    () => light.assertMove('off', 'red'),
    (e: unknown) => e instanceof IllegalTransitionError && e.message.includes('off is final'),
  );
});

test('unknown states (e.g. from storage) are never allowed', () => {
  const bogus = 'blue' as Light;
  assert.equal(light.canMove(bogus, 'red'), false);
  assert.equal(light.canMove('red', bogus), false);
  assert.deepEqual(light.nextStates(bogus), []);
  assert.throws(() => light.assertMove(bogus, 'red'), IllegalTransitionError);
  assert.throws(() => light.assertMove('red', bogus), IllegalTransitionError);
  assert.throws(() => light.pathTo(bogus, 'red'), IllegalTransitionError);
  assert.equal(light.isState('blue'), false);
  assert.equal(light.isState('toString'), false);
  assert.equal(light.isState(42), false);
  assert.equal(light.isState('amber'), true);
});

test('nextStates and isFinal', () => {
  assert.deepEqual(light.nextStates('red'), ['green', 'off']);
  assert.deepEqual(light.nextStates('off'), []);
  assert.equal(light.isFinal('off'), true);
  assert.equal(light.isFinal('amber'), false);
});

test('pathTo finds the shortest path, includes both ends, and refuses the unreachable', () => {
  assert.deepEqual(light.pathTo('red', 'red'), ['red']);
  assert.deepEqual(light.pathTo('red', 'green'), ['red', 'green']);
  assert.deepEqual(light.pathTo('green', 'off'), ['green', 'amber', 'red', 'off']);
  assert.throws(() => light.pathTo('off', 'red'), IllegalTransitionError);
});

test('the table is frozen', () => {
  assert.ok(Object.isFrozen(light.table));
  assert.ok(Object.isFrozen(light.table.red));
  assert.ok(Object.isFrozen(light.states));
  assert.ok(Object.isFrozen(light));
});

test('a table naming an unknown target is a programming error at definition time', () => {
  assert.throws(() => defineMachine<'a' | 'b'>('bad', { a: ['b'], b: ['c' as 'a'] }), /unknown target c/);
});
