import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoop } from '../../src/jobs/loop.ts';

// The loop every job runs in, on its own: passes never overlap, more work means another pass at once,
// wake() nudges it, an error is reported and the loop goes on, stop() waits for the running pass.

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a pass runs at once; one that reports more work is followed by another; then the interval', async () => {
  let passes = 0;
  let running = 0;
  let overlapped = false;
  let thirdEnded: () => void;
  const third = new Promise<void>((resolve) => (thirdEnded = resolve));
  const loop = startLoop({
    name: 'test',
    intervalMs: 60_000,
    pass: async () => {
      overlapped ||= running > 0;
      running++;
      await tick(2);
      running--;
      if (++passes === 3) thirdEnded();
      return passes < 3;
    },
  });
  // Waits for the work, not for a guessed time: then a loop that went on would have started a fourth pass.
  await third;
  await new Promise((r) => setImmediate(r));
  assert.equal(running, 0);
  assert.equal(passes, 3, 'two passes with more work, then one without; the next waits for the interval');
  await Promise.all([loop.wake(), loop.wake()]);
  assert.equal(passes, 5);
  assert.equal(overlapped, false);
  await loop.stop();
});

test('startNow: false waits for the interval; wake() runs a pass before it', async () => {
  let passes = 0;
  const loop = startLoop({ name: 'test', intervalMs: 60_000, startNow: false, pass: async () => (passes++, false) });
  await tick(20);
  assert.equal(passes, 0);
  await loop.wake();
  assert.equal(passes, 1);
  await loop.stop();
});

test('an error is reported and the loop goes on at the next interval', async () => {
  const errors: unknown[] = [];
  let passes = 0;
  const loop = startLoop({
    name: 'test',
    intervalMs: 5,
    onError: (e) => errors.push(e),
    pass: async () => {
      passes++;
      if (passes === 1) throw new Error('database hiccup');
      return false;
    },
  });
  await tick(60);
  await loop.stop();
  assert.equal((errors[0] as Error).message, 'database hiccup');
  assert.equal(errors.length, 1);
  assert.ok(passes >= 2, `passes after the error: ${passes}`);
});

test('stop() waits for the running pass and no pass starts afterwards', async () => {
  let finished = false;
  let passes = 0;
  const loop = startLoop({
    name: 'test',
    intervalMs: 1,
    pass: async () => {
      passes++;
      await tick(30);
      finished = true;
      return true;
    },
  });
  await tick(5);
  await loop.stop();
  assert.equal(finished, true);
  const after = passes;
  await loop.wake();
  await tick(20);
  assert.equal(passes, after);
});

test('nudges while a pass waits to start make one pass, not one each', async () => {
  let passes = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const loop = startLoop({
    name: 'test',
    intervalMs: 60_000,
    startNow: false,
    pass: async () => {
      passes++;
      if (passes === 1) await gate;
      return false;
    },
  });
  loop.nudge(); // starts the first pass, which waits on the gate
  await tick(5);
  for (let i = 0; i < 10; i++) loop.nudge(); // all answered by one pass after the running one
  release();
  await tick(20);
  assert.equal(passes, 2);
  loop.nudge();
  await tick(20);
  assert.equal(passes, 3, 'a nudge after the passes ended runs another');
  await loop.stop();
});
