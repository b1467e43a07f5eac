import type { ResolveHost } from '../../src/integrations/outbound-guard.ts';

// A name resolver from a table, for the harness: no test asks the machine's DNS (a lookup is network
// traffic, and its answer is not the test's to choose). A host's entry is its addresses, or a function
// giving the addresses of each lookup in turn (a name whose answer changes: DNS rebinding). Unknown
// names fail as getaddrinfo fails them.

export type ResolverTable = Record<string, string[] | (() => string[])>;

export function tableResolver(table: ResolverTable = {}): ResolveHost & { lookups: string[] } {
  const lookups: string[] = [];
  const all: ResolverTable = { localhost: ['127.0.0.1', '::1'], ...table };
  const resolve = async (host: string) => {
    const name = host.toLowerCase().replace(/\.$/, '');
    lookups.push(name);
    const entry = all[name];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses?.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { lookups });
}
