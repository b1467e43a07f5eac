// The delivery job as a process of its own, for the crash test (test/mail/delivery-crash.test.ts):
// opens the test's database, runs passes of EMBARGO_TEST_DELIVERY_BATCH rows (default 1) until nothing
// is left to send, exits 0.
// The parent kills it with SIGKILL at random points and starts it again. Its clock runs
// EMBARGO_TEST_CLOCK_OFFSET_MS ahead of real time, so a restart sees the dead run's leases expired.
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { openDeliveryText } from '../../src/app/delivery/deliveries.ts';

let offset = Number(process.env.EMBARGO_TEST_CLOCK_OFFSET_MS ?? '0');
const schema = process.env.EMBARGO_TEST_SCHEMA;
const app = await createApp(loadConfig(), { clock: () => new Date(Date.now() + offset), ...(schema ? { schema } : {}) });
for (;;) {
  const r = await runDeliveryPass(app, { batch: Number(process.env.EMBARGO_TEST_DELIVERY_BATCH ?? '1'), leaseMs: 60_000 });
  if (r.claimed === 0) {
    const left = await app.db.query<{ n: number; next: Date | null }>(
      `SELECT count(*)::int AS n, min(CASE WHEN status = 'queued' THEN next_attempt_at ELSE lease_until END) AS next
         FROM deliveries WHERE status IN ('queued', 'sending')`,
    );
    const { n, next } = left.rows[0]!;
    const sealed = await app.db.query<{ id: string; last_error_sealed: string }>(
      `SELECT id, last_error_sealed FROM deliveries WHERE status IN ('queued', 'sending') AND last_error_sealed IS NOT NULL`,
    );
    const errors = [...new Set(sealed.rows.map((r) => openDeliveryText(app, r.id, 'last_error', r.last_error_sealed, null)))];
    if (n === 0) break;
    // A copy put back with a backoff (a connection cut by a kill of the previous run, say) is due
    // later than this run's clock: let the clock run on to it instead of waiting in real time.
    const wait = next ? new Date(next).getTime() - (Date.now() + offset) : 0;
    if (wait > 0) {
      process.stderr.write(`waiting ${wait} ms of desk time for ${n} deliveries; errors: ${JSON.stringify(errors)}\n`);
      offset += wait + 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
await app.db.close();
process.exit(0);
