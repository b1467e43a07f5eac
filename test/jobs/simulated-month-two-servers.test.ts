import { test } from 'node:test';
import { backend } from '../support/harness.ts';
import { simulateMonth } from './month.ts';

// The simulated month of month.ts with two schedulers passing at every step at the same time: on
// PostgreSQL two App instances, each with its own connection pool, as two servers; on PGlite (one
// backend in one process) two concurrent passes on the same App.

test(`a simulated month with two schedulers running at once (${backend === 'postgres' ? 'two App instances, two connection pools' : 'two concurrent passes'}): still each notice once`, async (t) => {
  await simulateMonth(t, true);
});
