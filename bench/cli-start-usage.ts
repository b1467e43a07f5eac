import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

// Loaded with --import into each `bin/embargo` process bench/cli-start.ts starts. At exit it writes
// what the process cost to EMBARGO_BENCH_USAGE_FILE: its CPU time (user and system, every thread,
// from its start) and its peak resident memory; with EMBARGO_BENCH_COUNT_MODULES set, also the modules
// it loaded (a hook on every load, so the bench counts in separate runs from the ones it times).

const file = process.env.EMBARGO_BENCH_USAGE_FILE;
const loaded = new Set<string>();
if (process.env.EMBARGO_BENCH_COUNT_MODULES) {
  registerHooks({
    load(url, context, next) {
      loaded.add(url);
      return next(url, context);
    },
  });
}
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKb: u.maxRSS, modules: [...loaded] }));
  });
}
