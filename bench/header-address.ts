import { loadavg } from 'node:os';
import { headerAddress } from '../src/cli/mail.ts';

// How reading the sender of `embargo mail import` grows with a hostile From line: a line ten times as
// long should cost about ten times as much (linear), where the backtracking pattern it replaced cost
// about a hundred times. Prints the fastest of several runs at each length, interleaved, and the ratio.
//
//   PATH=$PWD/node_modules/.bin:$PATH node bench/header-address.ts

const raw = (size: number) => Buffer.from(`From: ${'a'.repeat(size)}\r\nSubject: x\r\n\r\nbody\r\n`, 'latin1');
const lines = { short: raw(6_000), long: raw(60_000) };
const best = { short: Number.POSITIVE_INFINITY, long: Number.POSITIVE_INFINITY };

for (let round = 0; round < 40; round++) {
  for (const size of ['short', 'long'] as const) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) headerAddress(lines[size], 'from');
    if (round >= 5) best[size] = Math.min(best[size], Number(process.hrtime.bigint() - t0) / 5);
  }
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`From line of  6,000 characters: ${(best.short / 1000).toFixed(1)} µs`);
console.log(`From line of 60,000 characters: ${(best.long / 1000).toFixed(1)} µs`);
console.log(`ratio ${(best.long / best.short).toFixed(1)} (linear: about 10)`);
