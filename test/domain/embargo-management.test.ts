import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMBARGO_STATES,
  embargoManagement,
  embargoMustEnd,
  assertEmbargoMayStart,
  assertEmbargoMove,
  requiredEmbargoMove,
  embargoInForce,
  parseEmbargoEnd,
  isUnambiguousInstant,
  isEmbargoState,
  type DisclosureFlags,
} from '../../src/domain/embargo-management.ts';
import { IllegalTransitionError, ValidationError } from '../../src/domain/errors.ts';

const ALLOWED = new Set([
  'none>proposed',
  'proposed>proposed',
  'proposed>none',
  'proposed>active',
  'active>revise',
  'active>exited',
  'revise>revise',
  'revise>active',
  'revise>exited',
]);

const QUIET: DisclosureFlags = { publicAware: false, exploitPublic: false, attacksObserved: false };
const ALL_FLAG_COMBOS: DisclosureFlags[] = [];
for (let i = 0; i < 8; i++) {
  ALL_FLAG_COMBOS.push({ publicAware: Boolean(i & 1), exploitPublic: Boolean(i & 2), attacksObserved: Boolean(i & 4) });
}

test('states are exactly the five lowercase Vultron EM states', () => {
  assert.deepEqual(EMBARGO_STATES, ['none', 'proposed', 'active', 'revise', 'exited']);
  assert.deepEqual(embargoManagement.states, EMBARGO_STATES);
  assert.equal(isEmbargoState('revise'), true);
  assert.equal(isEmbargoState('Revise'), false);
});

test('every one of the 25 moves: exactly the allowed set passes', () => {
  let n = 0;
  for (const from of EMBARGO_STATES) {
    for (const to of EMBARGO_STATES) {
      const ok = ALLOWED.has(`${from}>${to}`);
      assert.equal(embargoManagement.canMove(from, to), ok, `${from} → ${to}`);
      if (ok) {
        n++;
        assert.doesNotThrow(() => embargoManagement.assertMove(from, to));
        assert.doesNotThrow(() => assertEmbargoMove(from, to, QUIET));
      } else {
        assert.throws(
          () => assertEmbargoMove(from, to, QUIET),
          (e: unknown) => e instanceof IllegalTransitionError && e.machine === 'embargo management' && e.from === from && e.to === to,
        );
      }
    }
  }
  assert.equal(n, ALLOWED.size);
  assert.deepEqual(embargoManagement.nextStates('exited'), []);
});

test('embargoMustEnd is true as soon as any disclosure flag is set', () => {
  for (const f of ALL_FLAG_COMBOS) {
    assert.equal(embargoMustEnd(f), f.publicAware || f.exploitPublic || f.attacksObserved, JSON.stringify(f));
  }
});

test('accepts a whole CaseFlags value too', () => {
  const flags = { vendorAware: true, fixReady: true, fixDeployed: false, publicAware: false, exploitPublic: false, attacksObserved: true };
  assert.equal(embargoMustEnd(flags), true);
});

test('assertEmbargoMayStart refuses once public, exploit public or attacks observed', () => {
  assert.doesNotThrow(() => assertEmbargoMayStart(QUIET));
  for (const f of ALL_FLAG_COMBOS.filter(embargoMustEnd)) {
    assert.throws(
      () => assertEmbargoMayStart(f),
      (e: unknown) => e instanceof IllegalTransitionError && e.from === 'proposed' && e.to === 'active',
    );
  }
  assert.throws(
    () => assertEmbargoMayStart({ ...QUIET, attacksObserved: true }, 'revise'),
    (e: unknown) => e instanceof IllegalTransitionError && e.from === 'revise' && /attacks are observed/.test(e.message),
  );
});

test('when the embargo must end, only proposed → none and active|revise → exited remain', () => {
  const leaving = new Set(['proposed>none', 'active>exited', 'revise>exited']);
  for (const flags of ALL_FLAG_COMBOS.filter(embargoMustEnd)) {
    for (const from of EMBARGO_STATES) {
      for (const to of EMBARGO_STATES) {
        const key = `${from}>${to}`;
        if (leaving.has(key)) assert.doesNotThrow(() => assertEmbargoMove(from, to, flags), key);
        else assert.throws(() => assertEmbargoMove(from, to, flags), IllegalTransitionError, key);
      }
    }
  }
});

test('requiredEmbargoMove says what must happen now', () => {
  const pub = { ...QUIET, publicAware: true };
  assert.equal(requiredEmbargoMove('active', pub), 'exited');
  assert.equal(requiredEmbargoMove('revise', pub), 'exited');
  assert.equal(requiredEmbargoMove('proposed', pub), 'none');
  assert.equal(requiredEmbargoMove('none', pub), null);
  assert.equal(requiredEmbargoMove('exited', pub), null);
  for (const s of EMBARGO_STATES) assert.equal(requiredEmbargoMove(s, QUIET), null);
});

test('embargoInForce: active and revise', () => {
  assert.deepEqual(EMBARGO_STATES.filter(embargoInForce), ['active', 'revise']);
});

test('parseEmbargoEnd accepts ISO 8601 instants with an explicit offset or Z', () => {
  const ok: [string, string][] = [
    ['2026-12-01T12:00:00Z', '2026-12-01T12:00:00.000Z'],
    ['2026-12-01T12:00Z', '2026-12-01T12:00:00.000Z'],
    ['2026-12-01t12:00:00z', '2026-12-01T12:00:00.000Z'],
    ['2026-12-01T12:00:00+01:00', '2026-12-01T11:00:00.000Z'],
    ['2026-12-01T00:30:00+05:30', '2026-11-30T19:00:00.000Z'],
    ['2026-12-01T00:00:00-08:00', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T00:00:00+14:00', '2026-11-30T10:00:00.000Z'],
    ['2026-12-01T00:00:00-12:00', '2026-12-01T12:00:00.000Z'],
    ['2026-12-01T12:00:00.5Z', '2026-12-01T12:00:00.500Z'],
    ['2026-12-01T12:00:00.123456789+00:00', '2026-12-01T12:00:00.123Z'],
    ['2028-02-29T23:59:59-00:00', '2028-02-29T23:59:59.000Z'],
    ['  2026-12-01T12:00:00Z ', '2026-12-01T12:00:00.000Z'],
  ];
  for (const [input, iso] of ok) {
    assert.equal(parseEmbargoEnd(input).toISOString(), iso, input);
    assert.equal(isUnambiguousInstant(input), true, input);
  }
});

test('parseEmbargoEnd refuses dates alone, local times and impossible values', () => {
  const bad = [
    '2026-12-01',
    '2026-12-01T12:00',
    '2026-12-01T12:00:00',
    '2026-12-01 12:00:00',
    '2026-12-01T12:00:00 CET',
    '2026-12-01T12:00:00+0100',
    '2026-12-01T12:00:00+01',
    '2026-12-01T24:00:00Z',
    '2026-12-01T12:60:00Z',
    '2026-12-01T12:00:60Z',
    '2026-02-29T12:00:00Z',
    '2026-13-01T12:00:00Z',
    '2026-00-10T12:00:00Z',
    '2026-04-31T12:00:00Z',
    '2026-12-01T12:00:00+15:00',
    '2026-12-01T12:00:00+14:30',
    '2026-12-01T12:00:00+01:60',
    'Tue, 01 Dec 2026 12:00:00 GMT',
    '1765000000',
    '',
    'tomorrow',
  ];
  for (const input of bad) {
    assert.throws(() => parseEmbargoEnd(input), ValidationError, input);
    assert.equal(isUnambiguousInstant(input), false, input);
  }
  assert.throws(() => parseEmbargoEnd('2026-12-01'), /a date alone/);
  assert.throws(() => parseEmbargoEnd('2026-12-01T12:00'), /explicit offset/);
  assert.throws(
    () => parseEmbargoEnd('2026-12-01', 'embargo.endsAt'),
    (e: unknown) => e instanceof ValidationError && e.details[0]?.path === 'embargo.endsAt',
  );
  assert.throws(() => parseEmbargoEnd(undefined as unknown as string), ValidationError);
});
