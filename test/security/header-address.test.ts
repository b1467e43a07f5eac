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

test('a From line as long as the whole head is read to its end, with or without an address', () => {
  // How its cost grows with the line (linear, where a backtracking pattern was quadratic) is a
  // benchmark figure, not a test: bench/header-address.ts prints the ratio.
  const line = (value: string) => Buffer.from(`From: ${value}\r\nSubject: x\r\n\r\nbody\r\n`, 'latin1');
  assert.equal(headerAddress(line('a'.repeat(64 * 1024)), 'from'), null);
  assert.equal(headerAddress(line(`${'a '.repeat(30_000)}<rita@example.org>`), 'from'), 'rita@example.org');
  assert.equal(headerAddress(line(`${'@'.repeat(60_000)}x@example.org`), 'from'), 'x@example.org');
});
