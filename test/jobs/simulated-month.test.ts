import { test } from 'node:test';
import { simulateMonth } from './month.ts';

// A simulated month with one scheduler: see month.ts. The same month with two schedulers running at
// once is in simulated-month-two-servers.test.ts.

test('a simulated month: every reminder and escalation that must be sent is sent, once (one scheduler)', async (t) => {
  await simulateMonth(t, false);
});
