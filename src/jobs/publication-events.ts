import type { App } from '../app/context.ts';
import { emitPublicationEvents, type PublicationPassResult } from '../app/advisories/publication-events.ts';

// The loop around the publication pass: every server runs it; each advisory's events are claimed by a
// conditional update, so several servers never emit them twice.

export interface PublicationJobOptions {
  intervalMs: number;
  onError?: (e: unknown) => void;
  onPass?: (r: PublicationPassResult) => void;
}

export function startPublicationEvents(app: App, opts: PublicationJobOptions): { stop(): Promise<void> } {
  const onError =
    opts.onError ?? ((e: unknown) => console.error(`embargo publication events: ${e instanceof Error ? e.message : String(e)}`));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;
  const pass = async () => {
    try {
      const r = await emitPublicationEvents(app, app.clock());
      for (const f of r.failures) onError(new Error(`advisory ${f.advisoryId}: ${f.message}`));
      opts.onPass?.(r);
    } catch (e) {
      onError(e);
    }
  };
  const loop = () => {
    if (stopped) return;
    running = pass().finally(() => {
      running = null;
      if (!stopped) {
        timer = setTimeout(loop, opts.intervalMs);
        timer.unref?.();
      }
    });
  };
  loop();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
