import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerAddress } from '../../src/cli/mail.ts';

// The sender address `embargo mail import` reads from the head of a raw message: correct on ordinary
// lines, and linear on a hostile one (a long From line without an address once took seconds).

test('the sender address is read from From and Return-Path lines', () => {
  const mail = (head: string) => Buffer.from(`${head}\r\nSubject: x\r\n\r\nFrom: body@not.header\r\n`, 'latin1');
  assert.equal(headerAddress(mail('From: Rita Reporter <rita@example.org>'), 'from'), 'rita@example.org');
  assert.equal(headerAddress(mail('from:rita@example.org  '), 'from'), 'rita@example.org');
  assert.equal(headerAddress(mail('Return-Path: <bounce@example.org>'), 'return-path'), 'bounce@example.org');
  assert.equal(headerAddress(mail('From: "a@b" <@@x@example.org>'), 'from'), 'x@example.org');
  assert.equal(headerAddress(mail('From: nobody'), 'from'), null);
  assert.equal(headerAddress(mail('From: <broken@>'), 'from'), null);
  assert.equal(headerAddress(mail('To: someone@example.org'), 'from'), null);
});

/** The fastest of a few runs of reading the sender of a From line `size` characters long. */
function fastest(size: number): number {
  const raw = Buffer.from(`From: ${'a'.repeat(size)}\r\nSubject: x\r\n\r\nbody\r\n`, 'latin1');
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) assert.equal(headerAddress(raw, 'from'), null);
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best;
}

test('a long From line costs about ten times a line a tenth as long, not a hundred', () => {
  fastest(6_000); // warm up the JIT
  const short = fastest(6_000);
  const long = fastest(60_000);
  // Linear work gives a ratio near 10; the backtracking pattern gave about 100.
  assert.ok(long / short < 35, `ratio ${(long / short).toFixed(1)} (short ${short} ns, long ${long} ns)`);
});
