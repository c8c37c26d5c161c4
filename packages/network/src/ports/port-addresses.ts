import type { Executor } from "../db/transaction.js";
import { isEui64, parseIp } from "../ipam/ip-address.js";
import {
  type Allocation,
  allocateAddresses,
  autoAddressPlans,
  type FixedIpRequest,
  type IpamSubnet,
  isAutoAddressSubnet,
  type PortIdentity,
  planRequestedAddresses,
  ROUTER_INTERFACE_OWNERS,
  releaseAddresses,
} from "../ipam/ipam.js";
import type { SubnetService } from "../subnets/subnet-service.js";

/** Subnet operations that changing a port's addresses uses. */
export interface AddressChangeDependencies {
  subnets: Pick<SubnetService, "ipamSubnets" | "exists">;
}

/** Routers and centralized SNAT ports keep an address on every subnet they are on. */
const ROUTER_OWNERS_SNAT = new Set([...ROUTER_INTERFACE_OWNERS, "network:router_centralized_snat"]);

/**
 * Applies an update of a port's `fixed_ips`, as Neutron's `_update_ips_for_port` does. Requested
 * addresses the port already has stay, and entries naming only a subnet reuse the port's address
 * there. The rest is allocated. Addresses no longer requested are released, except the automatic
 * (EUI-64) ones, which follow the port's MAC instead. When the MAC changes, every EUI-64 address is
 * computed again.
 */
export async function changePortAddresses(
  trx: Executor,
  port: PortIdentity,
  requested: FixedIpRequest[] | undefined,
  macChanged: boolean,
  dependencies: AddressChangeDependencies,
): Promise<void> {
  const original = await currentAllocations(trx, port.id);
  const subnets = await dependencies.subnets.ipamSubnets(trx, port.network_id);
  const regenerated = macChanged
    ? original.filter((allocation) => isEui64Address(allocation.ip_address))
    : [];
  const regeneratedSubnets = new Set(regenerated.map((allocation) => allocation.subnet_id));
  const request = (requested ?? original.map((allocation) => ({ ...allocation }))).filter(
    (entry) => entry.subnet_id === undefined || !regeneratedSubnets.has(entry.subnet_id),
  );
  const remaining = original.filter((allocation) => !regeneratedSubnets.has(allocation.subnet_id));
  const changes = computeChanges(remaining, request, subnets, port.device_owner);
  await releaseAddresses(trx, port.id, [...changes.remove, ...regenerated]);
  const plans = await planRequestedAddresses(port, changes.add, subnets, (subnetId) =>
    dependencies.subnets.exists(trx, subnetId),
  );
  const handled = new Set(
    [...changes.add, ...changes.kept, ...changes.remove]
      .map((entry) => entry.subnet_id)
      .filter((subnetId): subnetId is string => subnetId !== undefined),
  );
  for (const subnetId of regeneratedSubnets) {
    handled.delete(subnetId);
  }
  plans.push(...autoAddressPlans(port, subnets, handled));
  await allocateAddresses(trx, port, plans);
}

async function currentAllocations(trx: Executor, portId: string): Promise<Allocation[]> {
  return trx
    .selectFrom("net_ip_allocations")
    .select(["subnet_id", "ip_address"])
    .where("port_id", "=", portId)
    .execute();
}

interface AddressChanges {
  add: FixedIpRequest[];
  kept: Allocation[];
  remove: Allocation[];
}

function computeChanges(
  original: Allocation[],
  requested: FixedIpRequest[],
  subnets: IpamSubnet[],
  deviceOwner: string,
): AddressChanges {
  const add: FixedIpRequest[] = [];
  const kept: Allocation[] = [];
  const removeCandidates: Allocation[] = [];
  const byAddress = new Map(
    original.map((allocation) => [addressKey(allocation.ip_address), allocation]),
  );
  for (const entry of requested) {
    if (entry.ip_address === undefined) {
      continue;
    }
    const existing = byAddress.get(addressKey(entry.ip_address));
    if (existing === undefined) {
      add.push(entry);
    } else {
      kept.push(existing);
      byAddress.delete(addressKey(entry.ip_address));
    }
  }
  const bySubnet = new Map<string, Allocation[]>();
  for (const allocation of byAddress.values()) {
    bySubnet.set(allocation.subnet_id, [...(bySubnet.get(allocation.subnet_id) ?? []), allocation]);
  }
  for (const entry of requested) {
    if (entry.ip_address !== undefined) {
      continue;
    }
    const candidates = entry.subnet_id === undefined ? undefined : bySubnet.get(entry.subnet_id);
    const reused = candidates?.pop();
    if (reused === undefined) {
      add.push(entry);
    } else if (isEui64Address(reused.ip_address)) {
      add.push(entry);
      removeCandidates.push(reused);
    } else {
      kept.push(reused);
    }
  }
  const remove: Allocation[] = [];
  for (const allocation of [...[...bySubnet.values()].flat(), ...removeCandidates]) {
    const subnet = subnets.find((candidate) => candidate.id === allocation.subnet_id);
    const required =
      ROUTER_OWNERS_SNAT.has(deviceOwner) || subnet === undefined || !isAutoAddressSubnet(subnet);
    if (required) {
      remove.push(allocation);
    } else {
      kept.push(allocation);
    }
  }
  return { add, kept, remove };
}

function addressKey(address: string): string {
  const parsed = parseIp(address);
  return parsed === undefined ? address : `${parsed.version}/${parsed.value}`;
}

function isEui64Address(address: string): boolean {
  const parsed = parseIp(address);
  return parsed !== undefined && isEui64(parsed);
}
