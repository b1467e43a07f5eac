// One opener for the race test (test/store/dir-lock.test.ts): says "ready", waits for "go" on standard
// input, tries to take the lock at argv[2] and says "won" or "refused PID"; a winner holds the lock
// until its standard input ends, so every other opener finds it alive.
import { createInterface } from 'node:readline';
import { DataDirLockedError, lockDataDir } from '../../src/store/dir-lock.ts';

const lockFile = process.argv[2]!;
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
let held: { release(): void } | null = null;
for await (const line of lines) {
  if (line !== 'go') continue;
  try {
    held = lockDataDir(lockFile.replace(/\.lock$/, ''), lockFile, 'racer');
    process.stdout.write('won\n');
  } catch (e) {
    if (!(e instanceof DataDirLockedError)) throw e;
    process.stdout.write(`refused ${e.holder?.pid ?? 'unknown'}\n`);
  }
}
held?.release();
