import './support/no-network.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dns from 'node:dns';
import { UnexpectedNetworkAccess } from './support/no-network.ts';

// The guard every formats test imports first: reaching for the network fails instead of working.
test('network access fails in the formats tests', async () => {
  await assert.rejects(fetch('https://www.first.org/cvss/cvss-v3.1.json'), UnexpectedNetworkAccess);
  assert.throws(() => net.connect(443, 'example.org'), UnexpectedNetworkAccess);
  assert.throws(() => new net.Socket().connect(443, 'example.org'), UnexpectedNetworkAccess);
  assert.throws(() => dns.lookup('example.org', () => {}), UnexpectedNetworkAccess);
});
