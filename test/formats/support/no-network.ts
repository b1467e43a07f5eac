// Import first in every test of test/formats: any attempt to reach the network fails the test.
// Schemas are read from the files in ../shared/schemas and validators run offline; a library that
// tried to fetch a schema or a URL would throw here instead of silently depending on the network.

import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

export class UnexpectedNetworkAccess extends Error {
  constructor(what: string) {
    super(`unexpected network access in a formats test: ${what}`);
    this.name = 'UnexpectedNetworkAccess';
  }
}

const refuse = (what: string) => () => {
  throw new UnexpectedNetworkAccess(what);
};

net.Socket.prototype.connect = refuse('net.Socket.connect') as unknown as typeof net.Socket.prototype.connect;
(net as { connect: unknown }).connect = refuse('net.connect');
(net as { createConnection: unknown }).createConnection = refuse('net.createConnection');
(tls as { connect: unknown }).connect = refuse('tls.connect');
(dns as { lookup: unknown }).lookup = refuse('dns.lookup');
(dns.promises as { lookup: unknown }).lookup = refuse('dns.promises.lookup');
globalThis.fetch = (async (input: unknown) => {
  throw new UnexpectedNetworkAccess(`fetch(${String(input)})`);
}) as typeof fetch;

export const NETWORK_GUARD = true;
