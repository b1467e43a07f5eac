import type { App } from '../app/context.ts';
import { claimNext } from '../app/inbound/inbox.ts';
import { processClaim, type ProcessResult } from '../app/inbound/pipeline.ts';
import { startLoop } from './loop.ts';

// The intake job: takes stored mail from the inbox one message at a time and runs it through the
// inbound pipeline. Every server may run it; claims with FOR UPDATE SKIP LOCKED and a lease keep two
// servers off the same message, and a message whose processor died is claimed again once its lease
// has passed (see src/app/inbound/inbox.ts).

export interface IntakeOptions {
  /** How long a claimed message is ours (ms) before another processor may take it. */
  leaseMs: number;
  /** At most this many messages per pass. */
  batch?: number;
}

export interface IntakePassResult {
  processed: number;
  failed: number;
  results: (ProcessResult & { inboxId: string })[];
}

/** Processes what is waiting, oldest first, until the inbox is empty or the batch is done. */
export async function runIntakePass(app: App, opts: IntakeOptions): Promise<IntakePassResult> {
  const out: IntakePassResult = { processed: 0, failed: 0, results: [] };
  const batch = opts.batch ?? 100;
  for (let i = 0; i < batch; i++) {
    const claim = await claimNext(app, opts.leaseMs);
    if (!claim) break;
    const r = await processClaim(app, claim);
    out.processed++;
    if (r.status === 'failed') out.failed++;
    out.results.push({ ...r, inboxId: claim.id });
  }
  return out;
}

export interface IntakeHandle {
  /** Runs a pass now (after one that is running); resolves when it is done. */
  kick(): Promise<void>;
  /** Mail was just stored: a pass soon, unless one is already waiting to start (see loop.ts). */
  nudge(): void;
  stop(): Promise<void>;
}

/** Runs passes every intervalMs, and at once when kicked (the SMTP listener kicks after each 250); a full batch is followed by another pass at once. */
export function startMailIntake(
  app: App,
  opts: IntakeOptions & { intervalMs: number; onError?: (e: unknown) => void; onPass?: (r: IntakePassResult) => void },
): IntakeHandle {
  const pass = async () => {
    const r = await runIntakePass(app, opts);
    if (r.processed) opts.onPass?.(r);
    return r.processed === (opts.batch ?? 100);
  };
  const loop = startLoop({ name: 'mail intake', intervalMs: opts.intervalMs, pass, ...(opts.onError ? { onError: opts.onError } : {}) });
  return { kick: () => loop.wake(), nudge: () => loop.nudge(), stop: () => loop.stop() };
}
