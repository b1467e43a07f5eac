import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAGS,
  NO_FLAGS,
  PARTICIPANT_FLAGS,
  CASE_FLAGS,
  setFlag,
  setFlags,
  unsetFlag,
  assertFlagsTransition,
  flagInconsistencies,
  renderCaseState,
  parseCaseState,
  isFlag,
  type CaseFlags,
  type Flag,
} from '../../src/domain/case-state.ts';
import { IllegalTransitionError, ValidationError } from '../../src/domain/errors.ts';

function flagsOf(...set: Flag[]): CaseFlags {
  return { ...NO_FLAGS, ...Object.fromEntries(set.map((f) => [f, true])) };
}

/** All 64 combinations. */
const ALL: CaseFlags[] = Array.from(
  { length: 64 },
  (_, i) => Object.fromEntries(FLAGS.map((f, bit) => [f, Boolean(i & (1 << bit))])) as unknown as CaseFlags,
);
const consistent = (f: CaseFlags) =>
  (!f.fixReady || f.vendorAware) && (!f.fixDeployed || f.fixReady) && (!f.exploitPublic || f.publicAware);

test('flag names and grouping', () => {
  assert.deepEqual(FLAGS, ['vendorAware', 'fixReady', 'fixDeployed', 'publicAware', 'exploitPublic', 'attacksObserved']);
  assert.deepEqual(PARTICIPANT_FLAGS, ['vendorAware', 'fixReady', 'fixDeployed']);
  assert.deepEqual(CASE_FLAGS, ['publicAware', 'exploitPublic', 'attacksObserved']);
  assert.equal(isFlag('fixReady'), true);
  assert.equal(isFlag('FixReady'), false);
});

test('renderCaseState uses CERT/CC notation V F D P X A, uppercase = set', () => {
  assert.equal(renderCaseState(NO_FLAGS), 'vfdpxa');
  assert.equal(renderCaseState(flagsOf('vendorAware')), 'Vfdpxa');
  assert.equal(renderCaseState(flagsOf('vendorAware', 'fixReady')), 'VFdpxa');
  assert.equal(renderCaseState(flagsOf('vendorAware', 'fixReady', 'fixDeployed')), 'VFDpxa');
  assert.equal(renderCaseState(flagsOf('publicAware', 'exploitPublic')), 'vfdPXa');
  assert.equal(renderCaseState(flagsOf('attacksObserved')), 'vfdpxA');
  assert.equal(renderCaseState(flagsOf(...FLAGS)), 'VFDPXA');
});

test('parseCaseState round-trips every consistent state and refuses the rest', () => {
  let n = 0;
  for (const f of ALL) {
    const s = renderCaseState(f);
    if (consistent(f)) {
      n++;
      assert.deepEqual(parseCaseState(s), f, s);
      assert.deepEqual(flagInconsistencies(f), []);
    } else {
      assert.throws(() => parseCaseState(s), ValidationError, s);
      assert.ok(flagInconsistencies(f).length > 0, s);
    }
  }
  // V,F,D chain has 4 consistent states; P,X has 3; A has 2.
  assert.equal(n, 4 * 3 * 2);
  for (const bad of ['', 'vfdpx', 'vfdpxaa', 'VFDPXAx', 'Ffdpxa', 'vfdpya', 'VfDpxa']) {
    assert.throws(() => parseCaseState(bad), ValidationError, bad);
  }
});

test('setFlag: each flag from nothing; F and D need their prerequisite', () => {
  assert.deepEqual(setFlag(NO_FLAGS, 'vendorAware'), { flags: flagsOf('vendorAware'), alsoSet: [], changed: true });
  assert.deepEqual(setFlag(NO_FLAGS, 'publicAware').flags, flagsOf('publicAware'));
  assert.deepEqual(setFlag(NO_FLAGS, 'attacksObserved').flags, flagsOf('attacksObserved'));
  assert.throws(
    () => setFlag(NO_FLAGS, 'fixReady'),
    (e: unknown) =>
      e instanceof IllegalTransitionError &&
      e.machine === 'case state' &&
      e.from === 'vfdpxa' &&
      e.to === 'vFdpxa' &&
      /fix ready \(F\) needs vendor aware \(V\)/.test(e.message),
  );
  assert.throws(
    () => setFlag(flagsOf('vendorAware'), 'fixDeployed'),
    (e: unknown) => e instanceof IllegalTransitionError && e.from === 'Vfdpxa' && /needs fix ready/.test(e.message),
  );
  assert.throws(() => setFlag(NO_FLAGS, 'fixDeployed'), IllegalTransitionError);
  assert.deepEqual(setFlag(flagsOf('vendorAware'), 'fixReady').flags, flagsOf('vendorAware', 'fixReady'));
  assert.deepEqual(setFlag(flagsOf('vendorAware', 'fixReady'), 'fixDeployed').flags, flagsOf('vendorAware', 'fixReady', 'fixDeployed'));
});

test('setFlag: exploit public also sets public aware', () => {
  const r = setFlag(NO_FLAGS, 'exploitPublic');
  assert.deepEqual(r.flags, flagsOf('publicAware', 'exploitPublic'));
  assert.deepEqual(r.alsoSet, ['publicAware']);
  assert.equal(renderCaseState(r.flags), 'vfdPXa');
  const already = setFlag(flagsOf('publicAware'), 'exploitPublic');
  assert.deepEqual(already.alsoSet, []);
  assert.equal(already.changed, true);
});

test('setFlag: setting a set flag changes nothing; input is never mutated', () => {
  const f = flagsOf('vendorAware');
  const r = setFlag(f, 'vendorAware');
  assert.equal(r.changed, false);
  assert.equal(r.flags, f);
  assert.deepEqual(r.alsoSet, []);
  const before = { ...NO_FLAGS };
  setFlag(NO_FLAGS, 'exploitPublic');
  assert.deepEqual(NO_FLAGS, before);
  assert.ok(Object.isFrozen(setFlag(NO_FLAGS, 'vendorAware').flags));
});

test('setFlag from every consistent state: result consistent, only ever adds flags', () => {
  for (const f of ALL.filter(consistent)) {
    for (const flag of FLAGS) {
      let r;
      try {
        r = setFlag(f, flag);
      } catch (e) {
        assert.ok(e instanceof IllegalTransitionError);
        assert.ok((flag === 'fixReady' && !f.vendorAware) || (flag === 'fixDeployed' && !f.fixReady), `${renderCaseState(f)} + ${flag}`);
        continue;
      }
      assert.ok(consistent(r.flags));
      assert.equal(r.flags[flag], true);
      for (const g of FLAGS) if (f[g]) assert.equal(r.flags[g], true);
      assert.doesNotThrow(() => assertFlagsTransition(f, r.flags));
    }
  }
});

test('setFlag refuses unknown flag names with ValidationError', () => {
  assert.throws(() => setFlag(NO_FLAGS, 'fixed' as Flag), ValidationError);
});

test('setFlags applies in order and reports consequences', () => {
  const r = setFlags(NO_FLAGS, ['vendorAware', 'fixReady', 'exploitPublic']);
  assert.equal(renderCaseState(r.flags), 'VFdPXa');
  assert.deepEqual(r.set, ['vendorAware', 'fixReady', 'exploitPublic']);
  assert.deepEqual(r.alsoSet, ['publicAware']);
  assert.throws(() => setFlags(NO_FLAGS, ['fixReady', 'vendorAware']), IllegalTransitionError);
  const again = setFlags(r.flags, ['vendorAware', 'publicAware']);
  assert.deepEqual(again.set, []);
  assert.deepEqual(again.alsoSet, []);
});

test('flags are one-way: unsetting is a typed error', () => {
  for (const flag of FLAGS) {
    const f = { ...flagsOf(...FLAGS) };
    assert.throws(
      () => unsetFlag(f, flag),
      (e: unknown) => e instanceof IllegalTransitionError && e.from === 'VFDPXA' && /one-way/.test(e.message),
      flag,
    );
    assert.equal(unsetFlag(NO_FLAGS, flag), NO_FLAGS);
  }
});

test('assertFlagsTransition: every pair of the 64 states', () => {
  for (const a of ALL) {
    for (const b of ALL) {
      const monotone = FLAGS.every((f) => !a[f] || b[f]);
      const ok = monotone && consistent(b);
      if (ok) assert.doesNotThrow(() => assertFlagsTransition(a, b));
      else assert.throws(() => assertFlagsTransition(a, b), IllegalTransitionError, `${renderCaseState(a)} → ${renderCaseState(b)}`);
    }
  }
});
