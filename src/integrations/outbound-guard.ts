import { lookup } from 'node:dns/promises';
import { ValidationError } from '../domain/errors.ts';
import { addressLiteral, addressRefusal, definedAddresses, parseAllowList, type AllowEntry } from '../domain/network-address.ts';

// The one way the desk turns a server an admin named into an address it connects to. Every answer
// is judged by src/domain/network-address.ts: a host that is, or resolves to, a loopback, private,
// link-local, unique-local or metadata address is refused unless the allow-list names it.
//
// Names are checked twice. When an admin saves a setting, so the form says at once that the host is
// internal; and when the desk connects, because a name can resolve to a public address at the first
// lookup and to 127.0.0.1 at the next (DNS rebinding). At connect time the name is resolved once, all
// its addresses are judged, and the connection goes to that checked address, with the name kept for
// TLS (SNI and certificate) and the HTTP Host header: no second lookup happens that could answer
// differently.

/** A name resolver: every address of a host, as getaddrinfo gives them (tests pass a table). */
export type ResolveHost = (host: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: ResolveHost = (host) => lookup(host, { all: true, verbatim: true });

/** A server address the desk refuses to connect to. */
export class AddressRefusedError extends ValidationError {
  constructor(what: string, reason: string, path?: string) {
    super(`${what}: ${reason}.`, path ? [{ path, message: reason }] : []);
    this.name = 'AddressRefusedError';
  }
}

export interface Endpoint {
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
  /** The name to present for TLS and HTTP (null when the host was an address). */
  servername: string | null;
}

export interface OutboundGuard {
  /**
   * When a setting is saved: refuses an address literal or a name that resolves now to an address the
   * desk may not use. A name that does not resolve now passes (a relay set up before its DNS record);
   * the connect-time check still holds.
   */
  vet(host: string, what: string, path?: string): Promise<void>;
  /** When connecting: the one checked address to connect to, or AddressRefusedError. */
  endpoint(host: string, what: string): Promise<Endpoint>;
}

const familyOf = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);

export function outboundGuard(
  allowPrivateHosts: readonly string[] | readonly AllowEntry[],
  resolve: ResolveHost = systemResolver,
): OutboundGuard {
  const allow: AllowEntry[] = allowPrivateHosts.every((e) => typeof e === 'string')
    ? parseAllowList(allowPrivateHosts as readonly string[]).list
    : [...(allowPrivateHosts as readonly AllowEntry[])];

  const judge = (host: string, addresses: readonly string[], what: string, path?: string) => {
    for (const a of addresses) {
      const why = addressRefusal(host, a, allow);
      if (why) throw new AddressRefusedError(what, why, path);
    }
  };
  const known = (host: string): string[] | null => {
    const literal = addressLiteral(host);
    return literal ? [literal] : definedAddresses(host);
  };

  return {
    async vet(host, what, path) {
      const fixed = known(host);
      if (fixed) return judge(host, fixed, what, path);
      let answers: readonly { address: string }[];
      try {
        answers = await resolve(host);
      } catch {
        return;
      }
      judge(
        host,
        answers.map((x) => x.address),
        what,
        path,
      );
    },
    async endpoint(host, what) {
      const fixed = known(host);
      const addresses = fixed ?? (await resolve(host)).map((x) => x.address);
      if (addresses.length === 0) throw new AddressRefusedError(what, `${host} has no address`);
      // Every address is judged, not only the one used: a name that answers with a public and an
      // internal address is a name someone is playing with.
      judge(host, addresses, what);
      const address = addresses[0]!;
      return { address, family: familyOf(address), servername: addressLiteral(host) ? null : host.trim().replace(/\.$/, '') };
    },
  };
}
