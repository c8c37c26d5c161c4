import { isSet } from "../api/attributes.js";
import { invalidInput, neutronError } from "../errors.js";
import {
  containsAddress,
  formatIp,
  formatRange,
  type IpNetwork,
  type IpRange,
  type IpVersion,
  isLoopback,
  isMulticast,
  lastAddress,
  networkAddress,
  networksOverlap,
  parseCidr,
  parseIp,
  rangesOverlap,
  subtractRanges,
} from "../ipam/ip-address.js";
import { isAutoAddressSubnet } from "../ipam/ipam.js";

/** Limits the operator sets on subnets. */
export interface SubnetLimits {
  maxDnsNameservers: number;
  maxHostRoutes: number;
}

/** The attributes `validateSubnetSpec` reads, new values merged over the current ones. */
export interface SubnetSpec {
  id?: string;
  ip_version: number;
  cidr: string;
  gateway_ip?: unknown;
  enable_dhcp?: unknown;
  dns_nameservers?: unknown;
  host_routes?: unknown;
  ipv6_ra_mode?: unknown;
  ipv6_address_mode?: unknown;
}

/** The current state of a subnet being updated. */
export interface CurrentSubnet {
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
}

function checkVersion(ipVersion: number, address: string, name: string): void {
  const parsed = parseIp(address.split("/")[0] ?? "");
  if (parsed !== undefined && parsed.version !== ipVersion) {
    throw invalidInput(`${name} '${address}' does not match the ip_version '${ipVersion}'`);
  }
}

/**
 * Checks a subnet's attributes as Neutron's `_validate_subnet` does. It checks the versions of the
 * prefix, gateway, name servers and routes, prefixes DHCP cannot serve, the gateway, the list
 * limits and the IPv6 address modes.
 */
export function validateSubnetSpec(
  spec: SubnetSpec,
  limits: SubnetLimits,
  current?: CurrentSubnet,
): void {
  const cidr = parseCidr(spec.cidr) as IpNetwork;
  checkVersion(spec.ip_version, spec.cidr, "cidr");
  if (spec.enable_dhcp === true && current?.enable_dhcp !== true) {
    checkDhcpPrefix(cidr);
  }
  if (isSet(spec.gateway_ip)) {
    checkGateway(spec.ip_version, cidr, spec.gateway_ip as string);
  }
  if (isSet(spec.dns_nameservers)) {
    checkNameservers(spec, limits);
  }
  if (isSet(spec.host_routes)) {
    checkHostRoutes(spec, limits);
  }
  if (spec.ip_version === 4) {
    if (isSet(spec.ipv6_ra_mode)) {
      throw invalidInput("ipv6_ra_mode is not valid when ip_version is 4");
    }
    if (isSet(spec.ipv6_address_mode)) {
      throw invalidInput("ipv6_address_mode is not valid when ip_version is 4");
    }
    return;
  }
  checkIpv6Modes(spec, cidr, current);
}

function checkDhcpPrefix(cidr: IpNetwork): void {
  if ((cidr.version === 4 && cidr.prefixlen > 30) || (cidr.version === 6 && cidr.prefixlen > 126)) {
    throw invalidInput("Subnet has a prefix length that is incompatible with DHCP service enabled");
  }
  if (isMulticast(cidr)) {
    throw invalidInput("Multicast IP subnet is not supported if enable_dhcp is True");
  }
  if (isLoopback(cidr)) {
    throw invalidInput("Loopback IP subnet is not supported if enable_dhcp is True");
  }
  if (cidr.version === 4 && networkAddress(cidr) === 0n) {
    throw invalidInput("First IP '0.0.0.0' of network is not supported if enable_dhcp is True.");
  }
}

function checkGateway(ipVersion: number, cidr: IpNetwork, gateway: string): void {
  checkVersion(ipVersion, gateway, "gateway_ip");
  const address = parseIp(gateway);
  if (
    address !== undefined &&
    cidr.version === 4 &&
    containsAddress(cidr, address) &&
    (address.value === networkAddress(cidr) || address.value === lastAddress(cidr))
  ) {
    throw invalidInput("Gateway is not valid on subnet");
  }
}

function checkNameservers(spec: SubnetSpec, limits: SubnetLimits): void {
  const servers = spec.dns_nameservers as string[];
  if (servers.length > limits.maxDnsNameservers) {
    throw neutronError("DNSNameServersExhausted", {
      subnet_id: spec.id ?? "new subnet",
      quota: limits.maxDnsNameservers,
    });
  }
  for (const server of servers) {
    checkVersion(spec.ip_version, server, "dns_nameserver");
  }
}

function checkHostRoutes(spec: SubnetSpec, limits: SubnetLimits): void {
  const routes = spec.host_routes as { destination: string; nexthop: string }[];
  if (routes.length > limits.maxHostRoutes) {
    throw neutronError("HostRoutesExhausted", {
      subnet_id: spec.id ?? "new subnet",
      quota: limits.maxHostRoutes,
    });
  }
  for (const route of routes) {
    checkVersion(spec.ip_version, route.nexthop, "nexthop");
    checkVersion(spec.ip_version, route.destination, "destination");
  }
}

function checkIpv6Modes(spec: SubnetSpec, cidr: IpNetwork, current?: CurrentSubnet): void {
  const raSet = isSet(spec.ipv6_ra_mode);
  const addressSet = isSet(spec.ipv6_address_mode);
  if (current !== undefined) {
    const disabling = spec.enable_dhcp === false;
    const modesSet =
      raSet || addressSet || current.ipv6_ra_mode !== null || current.ipv6_address_mode !== null;
    if (disabling && modesSet) {
      throw invalidInput("Cannot disable enable_dhcp with ipv6 attributes set");
    }
    return;
  }
  if ((raSet || addressSet) && spec.enable_dhcp !== true) {
    throw invalidInput(
      "ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False",
    );
  }
  if (raSet && addressSet && spec.ipv6_ra_mode !== spec.ipv6_address_mode) {
    throw invalidInput(
      `ipv6_ra_mode set to '${String(spec.ipv6_ra_mode)}' with ipv6_address_mode set to '${String(spec.ipv6_address_mode)}' is not valid. If both attributes are set, they must be the same value`,
    );
  }
  const modes = {
    ipv6_ra_mode: raSet ? (spec.ipv6_ra_mode as string) : null,
    ipv6_address_mode: addressSet ? (spec.ipv6_address_mode as string) : null,
  };
  if ((raSet || addressSet) && isAutoAddressSubnet(modes) && cidr.prefixlen !== 64) {
    throw invalidInput(
      `Invalid CIDR ${spec.cidr} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`,
    );
  }
}

/**
 * Returns the gateway of a new subnet: the first host for IPv4 and the subnet-router anycast
 * address (the prefix itself) for IPv6, as Neutron picks them when none is requested.
 */
export function defaultGateway(cidr: IpNetwork): string {
  const first = networkAddress(cidr);
  return formatIp({ version: cidr.version, value: cidr.version === 4 ? first + 1n : first });
}

/** Returns the usual allocation range of a prefix: without the network and IPv4 broadcast. */
function usableRange(cidr: IpNetwork): IpRange {
  const first = networkAddress(cidr);
  const last = lastAddress(cidr);
  if (first === last) {
    return { version: cidr.version, first, last };
  }
  if (cidr.version === 4) {
    return cidr.prefixlen <= 30
      ? { version: 4, first: first + 1n, last: last - 1n }
      : { version: 4, first, last };
  }
  return { version: 6, first: first + 1n, last };
}

/** Returns the pools of a subnet created without pools: the usable range minus the gateway. */
export function generatePools(cidr: IpNetwork, gateway: string | null): IpRange[] {
  const range = usableRange(cidr);
  if (gateway === null) {
    return [range];
  }
  const address = parseIp(gateway);
  if (address === undefined) {
    return [range];
  }
  return subtractRanges(
    [range],
    [{ version: cidr.version, first: address.value, last: address.value }],
  );
}

/**
 * Turns requested pools into ranges and checks them as Neutron does: each must be of the subnet's
 * version, inside its usable range, and no two may overlap.
 */
export function validatePools(
  requested: { start: string; end: string }[],
  cidrText: string,
): IpRange[] {
  const cidr = parseCidr(cidrText) as IpNetwork;
  const bounds = usableRange(cidr);
  const ranges: IpRange[] = [];
  for (const pool of requested) {
    const start = parseIp(pool.start);
    const end = parseIp(pool.end);
    if (
      start === undefined ||
      end === undefined ||
      start.version !== end.version ||
      start.value > end.value
    ) {
      throw neutronError("InvalidAllocationPool", { pool: poolText(pool) });
    }
    const range: IpRange = { version: start.version, first: start.value, last: end.value };
    if (range.version !== cidr.version) {
      throw neutronError("InvalidAllocationPool", { pool: formatRange(range) });
    }
    if (range.first < bounds.first || range.last > bounds.last) {
      throw neutronError("OutOfBoundsAllocationPool", {
        pool: formatRange(range),
        subnet_cidr: cidrText,
      });
    }
    ranges.push(range);
  }
  for (let left = 0; left < ranges.length; left += 1) {
    for (let right = left + 1; right < ranges.length; right += 1) {
      const a = ranges[left] as IpRange;
      const b = ranges[right] as IpRange;
      if (rangesOverlap(a, b)) {
        throw neutronError("OverlappingAllocationPools", {
          pool_1: formatRange(a),
          pool_2: formatRange(b),
          subnet_cidr: cidrText,
        });
      }
    }
  }
  return ranges;
}

function poolText(pool: { start: unknown; end: unknown }): string {
  return `{'start': '${String(pool.start)}', 'end': '${String(pool.end)}'}`;
}

/** Fails when the gateway lies inside one of the pools. */
export function checkGatewayOutsidePools(gateway: string, pools: IpRange[]): void {
  const address = parseIp(gateway);
  if (address === undefined) {
    return;
  }
  for (const pool of pools) {
    if (
      pool.version === address.version &&
      address.value >= pool.first &&
      address.value <= pool.last
    ) {
      throw neutronError("GatewayConflictWithAllocationPools", {
        pool: formatRange(pool),
        ip_address: gateway,
      });
    }
  }
}

/** Fails on a /0 prefix or one that overlaps another subnet of the network. */
export function checkCidrFree(cidrText: string, networkId: string, existing: string[]): void {
  const cidr = parseCidr(cidrText) as IpNetwork;
  if (cidr.prefixlen === 0) {
    throw invalidInput("0 is not allowed as CIDR prefix length");
  }
  for (const other of existing) {
    const parsed = parseCidr(other);
    if (parsed !== undefined && networksOverlap(parsed, cidr)) {
      throw invalidInput(
        `Requested subnet with cidr: ${cidrText} for network: ${networkId} overlaps with another subnet`,
      );
    }
  }
}

/** Pools as the API shows them. */
export function poolsToApi(pools: IpRange[]): { start: string; end: string }[] {
  return pools.map((pool) => ({
    start: formatIp({ version: pool.version, value: pool.first }),
    end: formatIp({ version: pool.version, value: pool.last }),
  }));
}

/** The version of an IP version number, for typing. */
export function ipVersionOf(value: number): IpVersion {
  return value === 6 ? 6 : 4;
}
