import { isSet } from "../api/attributes.js";
import { neutronError } from "../errors.js";
import {
  addressBits,
  formatNetwork,
  type IpNetwork,
  type IpVersion,
  mergeRanges,
  networkAddress,
  networkContains,
  networkToRange,
  parseCidr,
  rangeToNetworks,
  subtractRanges,
} from "../ipam/ip-address.js";

/** The prefix settings of a subnet pool after defaults and checks. */
export interface PoolSettings {
  ipVersion: IpVersion;
  prefixes: string[];
  minPrefixlen: number;
  maxPrefixlen: number;
  defaultPrefixlen: number;
  defaultQuota: number | null;
}

/** Smallest prefix length a pool allows by default: /8 for IPv4, /64 for IPv6. */
const DEFAULT_MIN_PREFIXLEN: Record<IpVersion, number> = { 4: 8, 6: 64 };

/** Quota unit of a pool: IPv4 quotas count /32 addresses, IPv6 quotas count /64 networks. */
const QUOTA_UNIT: Record<IpVersion, number> = { 4: 32, 6: 64 };

/**
 * Reads and checks pool settings as Neutron's SubnetPoolReader does: prefixes of one IP version,
 * merged where they overlap; min, max and default prefix lengths that default to /8 (or /64),
 * the address size and the minimum, and that must be ordered min <= default <= max.
 */
export function readPoolSettings(values: Record<string, unknown>): PoolSettings {
  const texts = values.prefixes as string[];
  if (texts.length === 0) {
    throw neutronError("EmptySubnetPoolPrefixList");
  }
  const networks = texts.map((text) => parseCidr(text) as IpNetwork);
  const ipVersion = (networks[0] as IpNetwork).version;
  if (networks.some((network) => network.version !== ipVersion)) {
    throw neutronError("PrefixVersionMismatch");
  }
  const minPrefixlen = lengthOr(values.min_prefixlen, DEFAULT_MIN_PREFIXLEN[ipVersion]);
  const maxPrefixlen = lengthOr(values.max_prefixlen, addressBits(ipVersion));
  const defaultPrefixlen = lengthOr(values.default_prefixlen, minPrefixlen);
  checkBounds(ipVersion, minPrefixlen, maxPrefixlen, defaultPrefixlen);
  return {
    ipVersion,
    prefixes: compactPrefixes(networks).map(formatNetwork),
    minPrefixlen,
    maxPrefixlen,
    defaultPrefixlen,
    defaultQuota: isSet(values.default_quota) ? (values.default_quota as number) : null,
  };
}

function lengthOr(value: unknown, fallback: number): number {
  return isSet(value) ? (value as number) : fallback;
}

function checkBounds(version: IpVersion, min: number, max: number, defaultLength: number): void {
  if (min < 0) {
    throw neutronError("UnsupportedMinSubnetPoolPrefix", { prefix: min, version: 4 });
  }
  if (min > max) {
    throw boundsError("min_prefixlen", min, "max_prefixlen", max);
  }
  if (max > addressBits(version)) {
    throw boundsError("max_prefixlen", max, "ip_version_max", addressBits(version));
  }
  if (defaultLength < min) {
    throw boundsError("default_prefixlen", defaultLength, "min_prefixlen", min);
  }
  if (defaultLength > max) {
    throw boundsError("default_prefixlen", defaultLength, "max_prefixlen", max);
  }
}

function boundsError(type: string, length: number, baseType: string, baseLength: number) {
  return neutronError("IllegalSubnetPoolPrefixBounds", {
    prefix_type: type,
    prefixlen: length,
    base_prefix_type: baseType,
    base_prefixlen: baseLength,
  });
}

/** Merges overlapping or adjacent prefixes into the fewest aligned prefixes. */
export function compactPrefixes(networks: IpNetwork[]): IpNetwork[] {
  return mergeRanges(networks.map(networkToRange)).flatMap(rangeToNetworks);
}

/** True when every address of `existing` is still inside `updated`. */
export function prefixesCover(existing: IpNetwork[], updated: IpNetwork[]): boolean {
  const uncovered = subtractRanges(
    mergeRanges(existing.map(networkToRange)),
    mergeRanges(updated.map(networkToRange)),
  );
  return uncovered.length === 0;
}

/** Prefix a subnet requests from a pool: any prefix of a length, or one specific prefix. */
export type PrefixRequest =
  | { kind: "any"; prefixlen: number }
  | { kind: "specific"; cidr: IpNetwork };

/** The state of a pool that allocation reads. */
export interface PoolState {
  settings: PoolSettings;
  /** Prefixes already given to subnets of the pool. */
  allocated: IpNetwork[];
  /** Quota units the requesting project already uses in the pool. */
  projectUsage: bigint;
}

/**
 * Picks the prefix for a new subnet after checking the pool's prefix bounds and quota. An "any"
 * request gets the first aligned block in the smallest free prefix that fits (best fit). A specific
 * request gets its prefix if that prefix is wholly free.
 */
export function allocatePrefix(state: PoolState, request: PrefixRequest): IpNetwork {
  const { settings } = state;
  const prefixlen = request.kind === "any" ? request.prefixlen : request.cidr.prefixlen;
  if (prefixlen > settings.maxPrefixlen) {
    throw neutronError("MaxPrefixSubnetAllocationError", {
      prefixlen,
      max_prefixlen: settings.maxPrefixlen,
    });
  }
  if (prefixlen < settings.minPrefixlen) {
    throw neutronError("MinPrefixSubnetAllocationError", {
      prefixlen,
      min_prefixlen: settings.minPrefixlen,
    });
  }
  checkPoolQuota(state, prefixlen);
  const available = availablePrefixes(state);
  if (request.kind === "specific") {
    const matches = available.filter((block) => networkContains(block, request.cidr));
    if (matches.length !== 1) {
      throw neutronError("SubnetAllocationError", {
        reason: "Cannot allocate requested subnet from the available set of prefixes",
      });
    }
    return { ...request.cidr, address: networkAddress(request.cidr) };
  }
  const block = available.find((candidate) => candidate.prefixlen <= prefixlen);
  if (block === undefined) {
    throw neutronError("SubnetAllocationError", {
      reason: `Insufficient prefix space to allocate subnet size /${prefixlen}`,
    });
  }
  return { version: block.version, address: networkAddress(block), prefixlen };
}

/** Free prefixes of the pool, smallest blocks first, lower addresses first among equals. */
function availablePrefixes(state: PoolState): IpNetwork[] {
  const prefixes = state.settings.prefixes.map((text) => parseCidr(text) as IpNetwork);
  const free = subtractRanges(
    mergeRanges(prefixes.map(networkToRange)),
    state.allocated.map(networkToRange),
  );
  const blocks = mergeRanges(free).flatMap(rangeToNetworks);
  return blocks
    .map((block, index) => ({ block, index }))
    .sort((a, b) => b.block.prefixlen - a.block.prefixlen || a.index - b.index)
    .map((entry) => entry.block);
}

function checkPoolQuota(state: PoolState, prefixlen: number): void {
  const quota = state.settings.defaultQuota;
  if (quota === null || quota === 0) {
    return;
  }
  const unit = QUOTA_UNIT[state.settings.ipVersion];
  const requested = prefixlen > unit ? 0n : 1n << BigInt(unit - prefixlen);
  if (state.projectUsage + requested > BigInt(quota)) {
    throw neutronError("SubnetPoolQuotaExceeded");
  }
}

/** Quota units one allocated prefix uses. */
export function quotaUnits(ipVersion: IpVersion, prefixlen: number): bigint {
  const unit = QUOTA_UNIT[ipVersion];
  return prefixlen > unit ? 0n : 1n << BigInt(unit - prefixlen);
}
