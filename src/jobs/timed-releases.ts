import type { App } from '../app/context.ts';
import { runDueReleases, type ReleasePassResult } from '../app/releases/run.ts';
import { startLoop, type Loop } from './loop.ts';

// The loop around the timed-release pass: every server runs it; each release is claimed with
// SKIP LOCKED and done in one transaction, so several servers never do one twice.

export interface TimedReleaseJobOptions {
  intervalMs: number;
  /** Who did it, in the release's record (the host and process). */
  node?: string;
  onError?: (e: unknown) => void;
  onPass?: (r: ReleasePassResult) => void;
}

export function startTimedReleases(app: App, opts: TimedReleaseJobOptions): Loop {
  const onError = opts.onError ?? ((e: unknown) => console.error(`embargo timed releases: ${e instanceof Error ? e.message : String(e)}`));
  const pass = async () => {
    const r = await runDueReleases(app, app.clock(), opts.node);
    for (const f of r.failures) onError(new Error(`release ${f.releaseId}: ${f.message}`));
    opts.onPass?.(r);
    return r.more && r.done > 0;
  };
  return startLoop({ name: 'timed releases', intervalMs: opts.intervalMs, pass, onError });
}
