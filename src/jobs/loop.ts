// The loop every background job runs in: a pass now (or after the first interval), then one every
// intervalMs measured from the end of the last pass, so passes of one job never overlap. A pass that
// reports more work (a full batch) is followed at once by another. wake() lets work that was just
// queued start a pass without waiting for the timer; nudge() does the same for work that arrives in
// streams (each stored mail, each queued copy): many nudges while a pass waits to start make one pass,
// not a queue of empty ones. An error is logged and the loop goes on: a job
// must outlive a database hiccup. stop() ends the timer and waits for the running pass.

export interface LoopOptions {
  /** Names the job in the default error log line. */
  name: string;
  intervalMs: number;
  /** One pass; resolves true when it left work for another pass to do at once. */
  pass: () => Promise<boolean>;
  onError?: (error: unknown) => void;
  /** Whether the first pass runs at once (the default) or after the first interval. */
  startNow?: boolean;
}

export interface Loop {
  /** Runs a pass as soon as the running one (if any) has ended; resolves when it is done. */
  wake(): Promise<void>;
  /**
   * Work was just queued: a pass runs as soon as the running one (if any) has ended, unless one is
   * already waiting to start, which will see this work too. Never queues more than one pass.
   */
  nudge(): void;
  /** Stops the timer and waits for a pass in progress to finish; no pass starts afterwards. */
  stop(): Promise<void>;
}

export function startLoop(opts: LoopOptions): Loop {
  const onError = opts.onError ?? ((e: unknown) => console.error(`embargo ${opts.name}: ${e instanceof Error ? e.message : String(e)}`));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let chain: Promise<void> = Promise.resolve();
  // A pass chained but not started yet: a nudge now is answered by it.
  let waiting = false;

  const passes = async () => {
    waiting = false;
    let more = true;
    while (more && !stopped) {
      try {
        more = await opts.pass();
      } catch (e) {
        more = false;
        try {
          onError(e);
        } catch {
          // A failing error handler must not end the loop either.
        }
      }
    }
  };
  const arm = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      run();
    }, opts.intervalMs);
    timer.unref?.();
  };
  const run = (): Promise<void> => {
    chain = chain.then(passes).finally(arm);
    return chain;
  };

  if (opts.startNow ?? true) run();
  else arm();
  return {
    wake() {
      return stopped ? chain : run();
    },
    nudge() {
      if (stopped || waiting) return;
      waiting = true;
      void run();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await chain;
    },
  };
}
