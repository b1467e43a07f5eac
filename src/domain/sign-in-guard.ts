// Rules of the sign-in guard, without I/O: where a sign-in comes from (its "place"), and how long a
// run of failed sign-ins holds the next attempt back before the account locks.

/**
 * The place of a source address: an IPv4 address as it is; an IPv6 address by its /64, the network a
 * device keeps while its privacy addresses change every day. An IPv4-mapped IPv6 address is its IPv4
 * address. Anything else (a unix socket, nothing) is the place "unknown".
 */
export function placeOf(ip: string | null | undefined): string {
  const a = (ip ?? '').trim().toLowerCase();
  const mapped = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) return mapped[1]!.split('.').every((o) => Number(o) <= 255) ? mapped[1]! : 'unknown';
  const groups = expandIpv6(a.replace(/%.*$/, ''));
  if (!groups) return 'unknown';
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The eight groups of an IPv6 address (an embedded IPv4 tail included), or null if it is none. */
function expandIpv6(a: string): string[] | null {
  if (!a.includes(':') || !/^[0-9a-f:.]+$/.test(a)) return null;
  let text = a;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const o = v4.slice(1).map(Number);
    if (o.some((x) => x > 255)) return null;
    text = `${text.slice(0, v4.index)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => g.padStart(4, '0')) : null;
}

export interface GuardPolicy {
  /** Failures in a row that cost nothing: typing mistakes. */
  freeFailures: number;
  /** The delay after the first failure past the free ones; it doubles with each further failure. */
  backoffBaseSeconds: number;
  /** The delay never grows past this. */
  backoffMaxSeconds: number;
  /** At this many failures in a row the account locks until its unlock link or an admin clears it. */
  lockAfter: number;
}

/**
 * When the next attempt may be checked after `failures` failures in a row, the last at `at`; null
 * when at once. The delay doubles from the first failure past the free ones: 3 free, then 5 s, 10 s,
 * 20 s, ... capped.
 */
export function nextAttemptAt(policy: GuardPolicy, failures: number, at: Date): Date | null {
  const over = failures - policy.freeFailures;
  if (over <= 0) return null;
  const seconds = Math.min(policy.backoffMaxSeconds, policy.backoffBaseSeconds * 2 ** Math.min(over - 1, 30));
  return new Date(at.getTime() + seconds * 1000);
}

export const locksNow = (policy: GuardPolicy, failures: number): boolean => failures >= policy.lockAfter;
