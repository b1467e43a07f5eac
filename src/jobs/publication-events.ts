import type { App } from '../app/context.ts';
import { emitPublicationEvents, type PublicationPassResult } from '../app/advisories/publication-events.ts';
import { startLoop, type Loop } from './loop.ts';

// The loop around the publication pass: every server runs it; each advisory's events are claimed by a
// conditional update, so several servers never emit them twice.

export interface PublicationJobOptions {
  intervalMs: number;
  onError?: (e: unknown) => void;
  onPass?: (r: PublicationPassResult) => void;
}

export function startPublicationEvents(app: App, opts: PublicationJobOptions): Loop {
  const onError =
    opts.onError ?? ((e: unknown) => console.error(`embargo publication events: ${e instanceof Error ? e.message : String(e)}`));
  const pass = async () => {
    const r = await emitPublicationEvents(app, app.clock());
    for (const f of r.failures) onError(new Error(`advisory ${f.advisoryId}: ${f.message}`));
    opts.onPass?.(r);
    return r.more;
  };
  return startLoop({ name: 'publication events', intervalMs: opts.intervalMs, pass, onError });
}
