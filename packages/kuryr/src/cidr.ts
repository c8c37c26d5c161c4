import ipaddr from "ipaddr.js";

/** A parsed network prefix. */
export interface Cidr {
  version: 4 | 6;
  /** Network address as a number, host bits cleared. */
  base: bigint;
  prefixLength: number;
  /** Canonical text, such as `10.0.0.0/24` or `fd77::/64`. */
  text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses `address/length`, clearing host bits; returns null for invalid text. */
export function parseCidr(text: string): Cidr | null {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text.trim());
  } catch {
    return null;
  }
  const [address, prefixLength] = parsed;
  const version = address.kind() === "ipv4" ? 4 : 6;
  const bits = BITS[version];
  const mask = prefixMask(bits, prefixLength);
  const base = toBigInt(address.toByteArray()) & mask;
  return { version, base, prefixLength, text: `${fromBigInt(base, version)}/${prefixLength}` };
}

/** Parses a single address (no prefix); returns null for invalid text. */
export function parseAddress(text: string): { version: 4 | 6; value: bigint; text: string } | null {
  if (!ipaddr.isValid(text)) {
    return null;
  }
  const address = ipaddr.parse(text);
  const version = address.kind() === "ipv4" ? 4 : 6;
  const value = toBigInt(address.toByteArray());
  return { version, value, text: fromBigInt(value, version) };
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || inner.prefixLength < outer.prefixLength) {
    return false;
  }
  const mask = prefixMask(BITS[outer.version], outer.prefixLength);
  return (inner.base & mask) === outer.base;
}

/** True when the two prefixes share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** True when the address lies inside the prefix. */
export function cidrHasAddress(cidr: Cidr, address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed === null || parsed.version !== cidr.version) {
    return false;
  }
  return (parsed.value & prefixMask(BITS[cidr.version], cidr.prefixLength)) === cidr.base;
}

/** Returns the first address after the network address, which Neutron and Docker pick as the gateway. */
export function firstHost(cidr: Cidr): string {
  return fromBigInt(cidr.base + 1n, cidr.version);
}

/**
 * Finds the first prefix of `length` bits inside `outer` that overlaps none of `used`, or null when
 * every one is taken.
 */
export function firstFreeBlock(outer: Cidr, length: number, used: Cidr[]): Cidr | null {
  if (length < outer.prefixLength || length > BITS[outer.version]) {
    return null;
  }
  const step = 1n << BigInt(BITS[outer.version] - length);
  const end = outer.base + (1n << BigInt(BITS[outer.version] - outer.prefixLength));
  let candidate = outer.base;
  while (candidate < end) {
    const block: Cidr = {
      version: outer.version,
      base: candidate,
      prefixLength: length,
      text: `${fromBigInt(candidate, outer.version)}/${length}`,
    };
    const blocker = used.find((taken) => cidrsOverlap(taken, block));
    if (blocker === undefined) {
      return block;
    }
    // Skip past the blocking prefix when it is larger than one block.
    const blockerEnd = blocker.base + (1n << BigInt(BITS[outer.version] - blocker.prefixLength));
    candidate = blockerEnd > candidate + step ? alignUp(blockerEnd, step) : candidate + step;
  }
  return null;
}

/** Formats `address/length`, the form Docker expects in IPAM and endpoint responses. */
export function withPrefixLength(address: string, cidr: Cidr): string {
  return `${address}/${cidr.prefixLength}`;
}

/** Returns the address part of `address/length`, or the text itself when it has no length. */
export function stripPrefixLength(text: string): string {
  const slash = text.indexOf("/");
  return slash === -1 ? text : text.slice(0, slash);
}

function alignUp(value: bigint, step: bigint): bigint {
  const remainder = value % step;
  return remainder === 0n ? value : value + step - remainder;
}

function prefixMask(bits: number, prefixLength: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefixLength)) - 1n);
}

function toBigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) {
    value = (value << 8n) | BigInt(byte);
  }
  return value;
}

function fromBigInt(value: bigint, version: 4 | 6): string {
  const length = version === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let index = length - 1; index >= 0; index -= 1) {
    bytes.push(Number((value >> BigInt(index * 8)) & 0xffn));
  }
  return ipaddr.fromByteArray(bytes).toString();
}
