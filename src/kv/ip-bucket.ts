import { isIPv6 } from 'node:net';

/**
 * The address a per-IP limit counts against. IPv4 addresses count one by one; an IPv6 client counts by its /64,
 * because one subscriber is routinely given a whole /64 and could otherwise take a fresh address per attempt.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 clients) counts as the IPv4 address.
 */
export function ipBucket(ip: string): string {
  // An IPv4 address (no colon) is its own bucket: the common case, answered before any regex (the validators' limit
  // runs this on every request).
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const address = ip.split('%')[0] ?? ip; // drop a zone id (fe80::1%eth0)
  if (!isIPv6(address)) return ip;
  const [head = '', tail] = address.toLowerCase().split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups = tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
