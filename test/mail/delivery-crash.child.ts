// The delivery job as a process of its own, for the crash test (test/mail/delivery-crash.test.ts):
// opens the test's database, runs passes of EMBARGO_TEST_DELIVERY_BATCH rows (default 1) until nothing
// is left to send, exits 0.
// The parent kills it with SIGKILL at random points and starts it again. Its clock runs
// EMBARGO_TEST_CLOCK_OFFSET_MS ahead of real time, so a restart sees the dead run's leases expired.
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';

const offset = Number(process.env.EMBARGO_TEST_CLOCK_OFFSET_MS ?? '0');
const schema = process.env.EMBARGO_TEST_SCHEMA;
const app = await createApp(loadConfig(), { clock: () => new Date(Date.now() + offset), ...(schema ? { schema } : {}) });
for (;;) {
  const r = await runDeliveryPass(app, { batch: Number(process.env.EMBARGO_TEST_DELIVERY_BATCH ?? '1'), leaseMs: 60_000 });
  if (r.claimed === 0) {
    const left = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status IN ('queued', 'sending')`);
    if (left.rows[0]!.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
await app.db.close();
process.exit(0);
