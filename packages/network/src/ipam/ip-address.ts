import ipaddr from "ipaddr.js";

/** IP version of an address or a prefix. */
export type IpVersion = 4 | 6;

/** An IP address as a number, so that ranges and prefixes are plain integer arithmetic. */
export interface IpAddress {
  version: IpVersion;
  value: bigint;
}

/** A prefix such as `10.0.0.0/24`; `address` keeps the host bits as written. */
export interface IpNetwork {
  version: IpVersion;
  address: bigint;
  prefixlen: number;
}

/** An inclusive range of addresses of one version, such as an allocation pool. */
export interface IpRange {
  version: IpVersion;
  first: bigint;
  last: bigint;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };
const IPV4_TEXT = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Number of bits in an address of the version. */
export function addressBits(version: IpVersion): number {
  return BITS[version];
}

/**
 * Parses an IPv4 address in dotted-quad form (leading zeros are read as decimal, as netaddr's
 * ZEROFILL flag does) or an IPv6 address without a zone. Returns undefined for anything else.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== "string" || /\s|%/.test(text)) {
    return undefined;
  }
  if (IPV4_TEXT.test(text)) {
    const octets = text.split(".").map((part) => Number.parseInt(part, 10));
    if (octets.some((octet) => octet > 255)) {
      return undefined;
    }
    const value = octets.reduce((sum, octet) => (sum << 8n) | BigInt(octet), 0n);
    return { version: 4, value };
  }
  if (!text.includes(":") || !ipaddr.IPv6.isValid(text)) {
    return undefined;
  }
  const bytes = ipaddr.IPv6.parse(text).toByteArray();
  return { version: 6, value: bytesToBigInt(bytes) };
}

/** Formats an address canonically: dotted quad, or RFC 5952 compressed lowercase IPv6. */
export function formatIp(address: IpAddress): string {
  if (address.version === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => (address.value >> shift) & 0xffn);
    return octets.join(".");
  }
  const bytes: number[] = [];
  for (let shift = 120n; shift >= 0n; shift -= 8n) {
    bytes.push(Number((address.value >> shift) & 0xffn));
  }
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/** Parses `address/prefixlen`; a missing prefix length is an error. */
export function parseCidr(text: string): IpNetwork | undefined {
  if (typeof text !== "string") {
    return undefined;
  }
  const slash = text.indexOf("/");
  if (slash < 0 || slash !== text.lastIndexOf("/")) {
    return undefined;
  }
  const address = parseIp(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(lengthText)) {
    return undefined;
  }
  const prefixlen = Number.parseInt(lengthText, 10);
  if (prefixlen > BITS[address.version]) {
    return undefined;
  }
  return { version: address.version, address: address.value, prefixlen };
}

/** Mask of the host part of a prefix length. */
function hostMask(version: IpVersion, prefixlen: number): bigint {
  return (1n << BigInt(BITS[version] - prefixlen)) - 1n;
}

/** First address of the prefix (the network address). */
export function networkAddress(net: IpNetwork): bigint {
  return net.address & ~hostMask(net.version, net.prefixlen);
}

/** Last address of the prefix (the IPv4 broadcast address). */
export function lastAddress(net: IpNetwork): bigint {
  return networkAddress(net) | hostMask(net.version, net.prefixlen);
}

/** Number of addresses in the prefix. */
export function networkSize(net: IpNetwork): bigint {
  return 1n << BigInt(BITS[net.version] - net.prefixlen);
}

/** Returns the prefix with its host bits cleared. */
export function canonicalNetwork(net: IpNetwork): IpNetwork {
  return { ...net, address: networkAddress(net) };
}

/** Formats a prefix as `address/prefixlen`, keeping the address as stored. */
export function formatCidr(net: IpNetwork): string {
  return `${formatIp({ version: net.version, value: net.address })}/${net.prefixlen}`;
}

/** Formats the network form of a prefix, such as `10.0.0.0/24` for `10.0.0.7/24`. */
export function formatNetwork(net: IpNetwork): string {
  return formatCidr(canonicalNetwork(net));
}

export function containsAddress(net: IpNetwork, address: IpAddress): boolean {
  return (
    net.version === address.version &&
    address.value >= networkAddress(net) &&
    address.value <= lastAddress(net)
  );
}

export function networksOverlap(left: IpNetwork, right: IpNetwork): boolean {
  if (left.version !== right.version) {
    return false;
  }
  return networkAddress(left) <= lastAddress(right) && networkAddress(right) <= lastAddress(left);
}

/** True when `inner` lies entirely inside `outer`. */
export function networkContains(outer: IpNetwork, inner: IpNetwork): boolean {
  return (
    outer.version === inner.version &&
    outer.prefixlen <= inner.prefixlen &&
    networkAddress(inner) >= networkAddress(outer) &&
    lastAddress(inner) <= lastAddress(outer)
  );
}

export function rangesOverlap(left: IpRange, right: IpRange): boolean {
  return left.version === right.version && left.first <= right.last && right.first <= left.last;
}

export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n;
}

/** Formats a range as netaddr prints an IPRange: `first-last`. */
export function formatRange(range: IpRange): string {
  const first = formatIp({ version: range.version, value: range.first });
  const last = formatIp({ version: range.version, value: range.last });
  return `${first}-${last}`;
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(net: IpNetwork): boolean {
  if (net.version === 4) {
    return networkAddress(net) >> 24n === 127n && net.prefixlen >= 8;
  }
  return net.prefixlen === 128 && net.address === 1n;
}

/** True for 224.0.0.0/4 and ff00::/8. */
export function isMulticast(net: IpNetwork): boolean {
  if (net.version === 4) {
    return networkAddress(net) >> 28n === 0xen && net.prefixlen >= 4;
  }
  return networkAddress(net) >> 120n === 0xffn && net.prefixlen >= 8;
}

/**
 * Splits a set of addresses, given as sorted disjoint ranges, into the largest aligned prefixes
 * that cover it exactly, as netaddr's `IPSet.iter_cidrs()` does.
 */
export function rangeToNetworks(range: IpRange): IpNetwork[] {
  const bits = BITS[range.version];
  const networks: IpNetwork[] = [];
  let start = range.first;
  while (start <= range.last) {
    let size = 0;
    while (size < bits) {
      const nextSize = size + 1;
      const block = 1n << BigInt(nextSize);
      if (start % block !== 0n || start + block - 1n > range.last) {
        break;
      }
      size = nextSize;
    }
    networks.push({ version: range.version, address: start, prefixlen: bits - size });
    start += 1n << BigInt(size);
  }
  return networks;
}

/** Removes `removed` ranges from `ranges`; every range must be of one version. */
export function subtractRanges(ranges: IpRange[], removed: IpRange[]): IpRange[] {
  let remaining = ranges.map((range) => ({ ...range }));
  for (const cut of removed) {
    const next: IpRange[] = [];
    for (const range of remaining) {
      if (!rangesOverlap(range, cut)) {
        next.push(range);
        continue;
      }
      if (range.first < cut.first) {
        next.push({ version: range.version, first: range.first, last: cut.first - 1n });
      }
      if (range.last > cut.last) {
        next.push({ version: range.version, first: cut.last + 1n, last: range.last });
      }
    }
    remaining = next;
  }
  return remaining;
}

/** Sorts ranges and joins the ones that overlap or touch. */
export function mergeRanges(ranges: IpRange[]): IpRange[] {
  const sorted = [...ranges].sort((a, b) => {
    if (a.first < b.first) {
      return -1;
    }
    if (a.first > b.first) {
      return 1;
    }
    return 0;
  });
  const merged: IpRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.first <= last.last + 1n) {
      if (range.last > last.last) {
        last.last = range.last;
      }
      continue;
    }
    merged.push({ ...range });
  }
  return merged;
}

export function networkToRange(net: IpNetwork): IpRange {
  return { version: net.version, first: networkAddress(net), last: lastAddress(net) };
}

/**
 * Computes the modified EUI-64 IPv6 address of a MAC address inside a /64 prefix (RFC 4291,
 * appendix A): the universal/local bit of the MAC is flipped and `ff:fe` goes in the middle.
 */
export function eui64Address(prefix: IpNetwork, mac: string): IpAddress {
  const octets = mac.split(":").map((part) => BigInt(Number.parseInt(part, 16)));
  const [a, b, c, d, e, f] = octets as [bigint, bigint, bigint, bigint, bigint, bigint];
  const interfaceId =
    ((a ^ 0x02n) << 56n) |
    (b << 48n) |
    (c << 40n) |
    (0xffn << 32n) |
    (0xfen << 24n) |
    (d << 16n) |
    (e << 8n) |
    f;
  const high = networkAddress(prefix) & ~((1n << 64n) - 1n);
  return { version: 6, value: high | interfaceId };
}

/** True when the interface identifier of an IPv6 address has the `ff:fe` EUI-64 marker. */
export function isEui64(address: IpAddress): boolean {
  return address.version === 6 && ((address.value >> 24n) & 0xffffn) === 0xfffen;
}

function bytesToBigInt(bytes: number[]): bigint {
  return bytes.reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n);
}
