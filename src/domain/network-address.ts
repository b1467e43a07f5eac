import ipaddr from 'ipaddr.js';

// Which network addresses the desk may open a connection to on an admin's say-so (the CVE Services
// URL, the SMTP relay, IMAP accounts). A server address typed into a form must not turn the desk
// into a way into the network it runs in: loopback, private, link-local, unique-local, carrier-grade
// NAT, the cloud metadata address and every other special-purpose range are refused, unless the
// operator names the host or its address in `allowPrivateHosts` (EMBARGO_ALLOW_PRIVATE_HOSTS).
//
// Addresses are read by ipaddr.js, which knows the IANA special-purpose registries and every
// spelling getaddrinfo accepts (decimal 2130706433, hex 0x7f.1, octal 0177.0.0.1, short 127.1) and
// IPv6 forms that carry an IPv4 address (::ffff:10.0.0.1, 64:ff9b::a00:1, 2002:a00:1::). Pure: the
// resolving of names happens in src/integrations/outbound-guard.ts, which judges every answer here.

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** An entry of the allow-list: a host name (any address it resolves to), or an address or CIDR range. */
export type AllowEntry = { kind: 'name'; name: string } | { kind: 'range'; range: [Address, number]; text: string };

/** Addresses never opened whatever the allow-list says: the cloud metadata services and no-host addresses. */
const METADATA = ['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192'].map((a) => ipaddr.parse(a));
const NEVER: ReadonlySet<string> = new Set(['unspecified', 'broadcast', 'multicast']);

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local address',
  deprecatedSiteLocal: 'a site-local address',
  carrierGradeNat: 'a carrier-grade NAT (shared) address',
  unspecified: 'the unspecified address (this host)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  teredo: 'a Teredo tunnel address',
};

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A host as written, lower-cased, without the brackets of an IPv6 literal or a trailing dot. */
export function normalHost(host: string): string {
  const h = host.trim().toLowerCase();
  const unbracketed = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

/** The address a host names when it is an address literal in any spelling, else null (a name to resolve). */
export function addressLiteral(host: string): string | null {
  const h = normalHost(host);
  return ipaddr.isValid(h) ? ipaddr.parse(h).toString() : null;
}

/** Names that are loopback by definition (RFC 6761), resolved without asking DNS. */
export function definedAddresses(host: string): string[] | null {
  const h = normalHost(host);
  return h === 'localhost' || h.endsWith('.localhost') ? ['127.0.0.1', '::1'] : null;
}

/** The IPv4 address inside an IPv6 form made to carry one (mapped, translated, NAT64, 6to4), else the address itself. */
function unwrap(a: Address): Address {
  if (a.kind() !== 'ipv6') return a;
  const v6 = a as ipaddr.IPv6;
  const bytes = v6.toByteArray();
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return ipaddr.fromByteArray(bytes.slice(12));
    case '6to4':
      return ipaddr.fromByteArray(bytes.slice(2, 6));
    default:
      return a;
  }
}

const sameAddress = (a: Address, b: Address) => a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();

/** What kind of non-public address this is ("a private address"), or null for a public one. */
function specialUse(a: Address): { words: string; never: boolean } | null {
  if (METADATA.some((m) => sameAddress(m, a))) return { words: 'a cloud metadata address', never: true };
  const range = a.range();
  if (range === 'unicast') return null;
  return { words: RANGE_WORDS[range] ?? `a special-purpose address (${range})`, never: NEVER.has(range) };
}

/** Parses one allow-list entry; a string says what is wrong with it. */
export function parseAllowEntry(text: string): AllowEntry | string {
  const t = normalHost(text);
  if (!t) return 'an empty entry';
  if (ipaddr.isValidCIDR(t)) {
    const [base, bits] = ipaddr.parseCIDR(t);
    return { kind: 'range', range: [base, bits], text: t };
  }
  if (ipaddr.isValid(t)) {
    const a = unwrap(ipaddr.parse(t));
    if (specialUse(a)?.never) return `"${text}" is ${specialUse(a)!.words}, which the desk never connects to`;
    return { kind: 'range', range: [a, a.kind() === 'ipv4' ? 32 : 128], text: a.toString() };
  }
  if (HOST_NAME.test(t)) return { kind: 'name', name: t };
  return `"${text}" is neither a host name, an IP address nor a CIDR range (10.0.0.0/8)`;
}

/** Parses the allow-list of the config, all problems at once. */
export function parseAllowList(entries: readonly string[]): { list: AllowEntry[]; problems: string[] } {
  const list: AllowEntry[] = [];
  const problems: string[] = [];
  for (const e of entries) {
    const parsed = parseAllowEntry(e);
    if (typeof parsed === 'string') problems.push(parsed);
    else list.push(parsed);
  }
  return { list, problems };
}

function inRange(a: Address, [base, bits]: [Address, number]): boolean {
  return a.kind() === base.kind() && (a as ipaddr.IPv4).match(base as ipaddr.IPv4, bits);
}

/**
 * Whether the desk may connect to `address` for a server named `host`: null if it may, else the
 * reason in words. A public address may always be used; a non-public one only when the allow-list
 * names the host (as typed) or contains the address; the metadata and no-host addresses never.
 */
export function addressRefusal(host: string, address: string, allow: readonly AllowEntry[]): string | null {
  const parsed = ipaddr.isValid(address) ? ipaddr.parse(address) : null;
  if (!parsed) return `"${address}" is not an IP address`;
  const a = unwrap(parsed);
  const use = specialUse(a);
  if (!use) return null;
  const shown = a.toString() === normalHost(host) ? a.toString() : `${normalHost(host)} (${a.toString()})`;
  if (use.never) return `${shown} is ${use.words}, which the desk never connects to`;
  const name = normalHost(host);
  if (allow.some((e) => (e.kind === 'name' ? e.name === name : inRange(a, e.range)))) return null;
  return `${shown} is ${use.words}; the desk connects only to public addresses unless allowPrivateHosts (EMBARGO_ALLOW_PRIVATE_HOSTS) names the host or its address`;
}
