/**
 * Address allow-lists (IPs and CIDRs, IPv4 and IPv6) on Node's BlockList: the staff areas'
 * network limits and the metrics' readers. An IPv4 client reached over an IPv6 socket
 * (::ffff:192.0.2.7) is judged as the IPv4 address it is.
 */
import { BlockList, isIP } from 'node:net';

/** Why `entry` is not an address or a CIDR, or null when it is one. */
export function addressEntryProblem(entry: string): string | null {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return 'must be an IP address or a CIDR range such as 192.0.2.0/24 or 2001:db8::/64';
  if (prefix === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `the prefix length after / must be a number from 0 to ${bits}`;
  return null;
}

/** The address as judged: an IPv4-mapped IPv6 address becomes its IPv4 address. */
export function normalisedAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** A BlockList of `entries` (valid addresses or CIDRs, see addressEntryProblem). */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const bare = normalisedAddress(address);
    if (prefix === undefined) list.addAddress(bare, familyOf(bare));
    else list.addSubnet(address, Number(prefix), familyOf(address));
  }
  return list;
}

/** Whether `address` is in `list`; an unreadable address never is. */
export function listed(list: BlockList, address: string): boolean {
  const bare = normalisedAddress(address);
  return isIP(bare) !== 0 && list.check(bare, familyOf(bare));
}
