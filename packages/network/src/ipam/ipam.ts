import { randomInt } from "node:crypto";
import type { Executor } from "../db/transaction.js";
import { isUniqueViolation, RetryTransaction } from "../db/transaction.js";
import { invalidInput, neutronError } from "../errors.js";
import {
  containsAddress,
  eui64Address,
  formatIp,
  type IpNetwork,
  type IpRange,
  lastAddress,
  networkAddress,
  parseCidr,
  parseIp,
} from "./ip-address.js";

/** Subnet fields that IPAM reads. */
export interface IpamSubnet {
  id: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  pools: IpRange[];
}

/** One entry of a port's `fixed_ips`, as requested. */
export interface FixedIpRequest {
  subnet_id?: string;
  ip_address?: string;
}

/** One address of a port. */
export interface Allocation {
  subnet_id: string;
  ip_address: string;
}

/** The port an allocation is for. */
export interface PortIdentity {
  id: string;
  network_id: string;
  mac_address: string;
  device_owner: string;
}

/**
 * How to get one address: a given address on a subnet, any free address from the first of several
 * subnets that has one, or the EUI-64 address of the port's MAC on an automatic-address subnet.
 */
export type AddressPlan =
  | { kind: "specific"; subnet: IpamSubnet; address: string }
  | { kind: "any"; subnets: IpamSubnet[] }
  | { kind: "eui64"; subnet: IpamSubnet };

/** Owners of router interface ports, which follow their own addressing rules. */
export const ROUTER_INTERFACE_OWNERS = new Set([
  "network:router_interface",
  "network:ha_router_replicated_interface",
  "network:router_interface_distributed",
]);
const ROUTER_INTERFACE_OWNERS_SNAT = new Set([
  ...ROUTER_INTERFACE_OWNERS,
  "network:router_centralized_snat",
]);
const ROUTER_PORT_OWNERS = new Set([...ROUTER_INTERFACE_OWNERS_SNAT, "network:router_gateway"]);

/** Number of free addresses the random choice is made from, as Neutron's IPAM window. */
const CANDIDATE_WINDOW = 1000;

/** True for IPv6 subnets whose addresses come from SLAAC or stateless DHCPv6 (EUI-64). */
export function isAutoAddressSubnet(
  subnet: Pick<IpamSubnet, "ipv6_ra_mode" | "ipv6_address_mode">,
): boolean {
  const modes = ["slaac", "dhcpv6-stateless"];
  return (
    modes.includes(subnet.ipv6_address_mode ?? "") || modes.includes(subnet.ipv6_ra_mode ?? "")
  );
}

/**
 * True when an address may be a port's address on the subnet: inside the prefix and, for IPv4,
 * neither the network nor the broadcast address. The IPv6 network address is kept for router
 * ports and ports without an owner, as Neutron does.
 */
export function isValidSubnetAddress(cidr: string, address: string, owner: string): boolean {
  const net = parseCidr(cidr) as IpNetwork;
  const ip = parseIp(address);
  if (ip === undefined || !containsAddress(net, ip)) {
    return false;
  }
  if (net.version === 6) {
    return owner === "" || ROUTER_PORT_OWNERS.has(owner) || ip.value !== networkAddress(net);
  }
  return ip.value !== networkAddress(net) && ip.value !== lastAddress(net);
}

/** Looks a subnet up outside the port's network, to tell "not found" from "wrong network". */
export type SubnetExists = (subnetId: string) => Promise<boolean>;

/**
 * Turns a port's requested `fixed_ips` into address plans, with Neutron's checks and messages.
 * Without a request the port gets one address from the IPv4 subnets and one from the stateful
 * IPv6 subnets. Every automatic-address IPv6 subnet also adds its EUI-64 address.
 */
export async function planAddresses(
  port: PortIdentity,
  requested: FixedIpRequest[] | undefined,
  subnets: IpamSubnet[],
  subnetExists: SubnetExists,
): Promise<AddressPlan[]> {
  const plans: AddressPlan[] = [];
  if (requested === undefined) {
    const v4 = subnets.filter((subnet) => subnet.ip_version === 4);
    const v6Stateful = subnets.filter(
      (subnet) => subnet.ip_version === 6 && !isAutoAddressSubnet(subnet),
    );
    for (const group of [v4, v6Stateful]) {
      if (group.length > 0) {
        plans.push({ kind: "any", subnets: group });
      }
    }
  } else {
    plans.push(...(await planRequestedAddresses(port, requested, subnets, subnetExists)));
  }
  plans.push(...autoAddressPlans(port, subnets, new Set()));
  return sortSpecificFirst(plans);
}

/** Plans for explicitly requested entries, as Neutron's `_test_fixed_ips_for_port` does. */
export async function planRequestedAddresses(
  port: PortIdentity,
  requested: FixedIpRequest[],
  subnets: IpamSubnet[],
  subnetExists: SubnetExists,
): Promise<AddressPlan[]> {
  const plans: AddressPlan[] = [];
  for (const fixed of requested) {
    const subnet = await subnetForFixedIp(port, fixed, subnets, subnetExists);
    const auto = isAutoAddressSubnet(subnet);
    if (fixed.ip_address !== undefined) {
      if (auto && !ROUTER_INTERFACE_OWNERS.has(port.device_owner)) {
        throw neutronError("AllocationOnAutoAddressSubnet", {
          ip: fixed.ip_address,
          subnet_id: subnet.id,
        });
      }
      plans.push({ kind: "specific", subnet, address: fixed.ip_address });
    } else if (ROUTER_INTERFACE_OWNERS_SNAT.has(port.device_owner) || !auto) {
      plans.push({ kind: "any", subnets: [subnet] });
    }
  }
  return plans;
}

/** EUI-64 plans for the automatic-address subnets not already handled. */
export function autoAddressPlans(
  port: PortIdentity,
  subnets: IpamSubnet[],
  handledSubnetIds: ReadonlySet<string>,
): AddressPlan[] {
  if (ROUTER_INTERFACE_OWNERS_SNAT.has(port.device_owner)) {
    return [];
  }
  return subnets
    .filter((subnet) => subnet.ip_version === 6 && isAutoAddressSubnet(subnet))
    .filter((subnet) => !handledSubnetIds.has(subnet.id))
    .map((subnet) => ({ kind: "eui64", subnet }));
}

async function subnetForFixedIp(
  port: PortIdentity,
  fixed: FixedIpRequest,
  subnets: IpamSubnet[],
  subnetExists: SubnetExists,
): Promise<IpamSubnet> {
  if (subnets.length === 0) {
    throw invalidInput("IP allocation requires subnets for network");
  }
  if (fixed.subnet_id !== undefined) {
    const subnet = subnets.find((candidate) => candidate.id === fixed.subnet_id);
    if (subnet === undefined) {
      if (!(await subnetExists(fixed.subnet_id))) {
        throw neutronError("SubnetNotFound", { subnet_id: fixed.subnet_id });
      }
      throw invalidInput(
        `Failed to create port on network ${port.network_id}, because fixed_ips included invalid subnet ${fixed.subnet_id}`,
      );
    }
    if (
      fixed.ip_address !== undefined &&
      !isValidSubnetAddress(subnet.cidr, fixed.ip_address, port.device_owner)
    ) {
      throw neutronError("InvalidIpForSubnet", { ip_address: fixed.ip_address });
    }
    return subnet;
  }
  if (fixed.ip_address === undefined) {
    throw invalidInput("IP allocation requires subnet_id or ip_address");
  }
  const address = fixed.ip_address;
  const match = subnets.find((subnet) =>
    isValidSubnetAddress(subnet.cidr, address, port.device_owner),
  );
  if (match === undefined) {
    throw neutronError("InvalidIpForNetwork", { ip_address: address });
  }
  return match;
}

function sortSpecificFirst(plans: AddressPlan[]): AddressPlan[] {
  return [...plans].sort((a, b) => Number(a.kind !== "specific") - Number(b.kind !== "specific"));
}

/**
 * Allocates the planned addresses by inserting rows keyed by (subnet, address). The key keeps an
 * address from being handed out twice, across requests and processes. A requested address that is
 * taken fails with IpAddressAlreadyAllocated. An automatically chosen one that another transaction
 * took first makes the whole transaction run again with fresh data.
 */
export async function allocateAddresses(
  trx: Executor,
  port: PortIdentity,
  plans: AddressPlan[],
): Promise<Allocation[]> {
  const allocations: Allocation[] = [];
  for (const plan of plans) {
    allocations.push(await allocateOne(trx, port, plan));
  }
  return allocations;
}

async function allocateOne(
  trx: Executor,
  port: PortIdentity,
  plan: AddressPlan,
): Promise<Allocation> {
  if (plan.kind === "specific") {
    const address = formatIp(parseIp(plan.address) as { version: 4 | 6; value: bigint });
    await insertSpecific(trx, port, plan.subnet, address);
    return { subnet_id: plan.subnet.id, ip_address: address };
  }
  if (plan.kind === "eui64") {
    const prefix = parseCidr(plan.subnet.cidr) as IpNetwork;
    const address = formatIp(eui64Address(prefix, port.mac_address));
    await insertSpecific(trx, port, plan.subnet, address);
    return { subnet_id: plan.subnet.id, ip_address: address };
  }
  for (const subnet of plan.subnets) {
    const address = await chooseFreeAddress(trx, subnet);
    if (address === undefined) {
      continue;
    }
    try {
      await insertAllocation(trx, port, subnet.id, address);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new RetryTransaction(`address ${address} of subnet ${subnet.id} was just taken`);
      }
      throw error;
    }
    return { subnet_id: subnet.id, ip_address: address };
  }
  throw neutronError("IpAddressGenerationFailure", { net_id: port.network_id });
}

async function insertSpecific(
  trx: Executor,
  port: PortIdentity,
  subnet: IpamSubnet,
  address: string,
): Promise<void> {
  const taken = await trx
    .selectFrom("net_ip_allocations")
    .select("port_id")
    .where("subnet_id", "=", subnet.id)
    .where("ip_address", "=", address)
    .executeTakeFirst();
  if (taken !== undefined) {
    throw neutronError("IpAddressAlreadyAllocated", { ip: address, subnet_id: subnet.id });
  }
  try {
    await insertAllocation(trx, port, subnet.id, address);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw neutronError("IpAddressAlreadyAllocated", { ip: address, subnet_id: subnet.id });
    }
    throw error;
  }
}

async function insertAllocation(
  trx: Executor,
  port: PortIdentity,
  subnetId: string,
  address: string,
): Promise<void> {
  await trx
    .insertInto("net_ip_allocations")
    .values({
      subnet_id: subnetId,
      ip_address: address,
      port_id: port.id,
      network_id: port.network_id,
    })
    .execute();
}

/**
 * Picks a random address among the first free addresses of the subnet's pools, or undefined when
 * the pools are full. Choosing at random spreads concurrent requests over different addresses, so
 * few of them collide on the key and run again.
 */
export async function chooseFreeAddress(
  executor: Executor,
  subnet: IpamSubnet,
): Promise<string | undefined> {
  const rows = await executor
    .selectFrom("net_ip_allocations")
    .select("ip_address")
    .where("subnet_id", "=", subnet.id)
    .execute();
  const taken = new Set<bigint>();
  for (const row of rows) {
    const parsed = parseIp(row.ip_address);
    if (parsed !== undefined) {
      taken.add(parsed.value);
    }
  }
  const candidates = freeCandidates(subnet.pools, taken, CANDIDATE_WINDOW);
  if (candidates.length === 0) {
    return undefined;
  }
  const chosen = candidates[randomInt(candidates.length)] as bigint;
  return formatIp({ version: subnet.ip_version as 4 | 6, value: chosen });
}

/** Free addresses in pool order, at most `window` of them. */
export function freeCandidates(
  pools: IpRange[],
  taken: ReadonlySet<bigint>,
  window: number,
): bigint[] {
  const candidates: bigint[] = [];
  for (const pool of pools) {
    for (let value = pool.first; value <= pool.last; value += 1n) {
      if (!taken.has(value)) {
        candidates.push(value);
        if (candidates.length >= window) {
          return candidates;
        }
      }
    }
  }
  return candidates;
}

/** Deletes some allocations of a port. */
export async function releaseAddresses(
  trx: Executor,
  portId: string,
  allocations: Allocation[],
): Promise<void> {
  for (const allocation of allocations) {
    await trx
      .deleteFrom("net_ip_allocations")
      .where("port_id", "=", portId)
      .where("subnet_id", "=", allocation.subnet_id)
      .where("ip_address", "=", allocation.ip_address)
      .execute();
  }
}
