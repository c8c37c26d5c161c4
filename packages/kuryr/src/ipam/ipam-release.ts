import type { Logger } from "@openstack-ts/kernel";
import type { Cidr } from "../cidr.js";
import { stripPrefixLength } from "../cidr.js";
import type { KuryrConfig } from "../config.js";
import { POOL_EXISTING_TAG, poolName, SUBNET_NAME_PREFIX } from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import type { NeutronFeatures } from "../neutron/neutron-lookups.js";
import type { NeutronSubnet } from "../neutron/neutron-types.js";
import { releasePort } from "../neutron/port-release.js";
import type { RecentSubnets } from "../neutron/recent-subnets.js";
import { findPoolSubnet, isDefaultPoolName, resolvePoolId } from "./pool-subnets.js";
import type { ReservationSweep } from "./reservation-sweep.js";

export interface IpamReleaseDependencies {
  neutron: NeutronClient;
  features: () => Promise<NeutronFeatures>;
  /** Subnets read recently, shared with the endpoint driver. */
  recent: RecentSubnets;
  config: Pick<KuryrConfig, "neutron" | "subnetpool_name_prefix">;
  logger: Logger;
  /** Release of reservations that no endpoint took. */
  reservations: Pick<ReservationSweep, "reclaim">;
  /** Drops a default-pool block reserved by RequestPool, keyed `<pool id>/<cidr>`. */
  forgetReservation(key: string): void;
}

/** Builds ReleaseAddress and ReleasePool, which undo what the IPAM created in Neutron. */
export function createIpamRelease(deps: IpamReleaseDependencies) {
  const { neutron, config, logger } = deps;

  async function releaseAddress(request: { PoolID: string; Address: string }) {
    const resolved = await resolvePoolId(neutron, request.PoolID);
    if (resolved === null) {
      return {};
    }
    const { ref, cidr } = resolved;
    const poolKey = `${ref.subnetPoolId}/${cidr.text}`;
    const address = stripPrefixLength(request.Address);
    const cached = deps.recent.ofPool(poolKey);
    const subnet =
      cached ?? (await findPoolSubnet(neutron, deps.features, ref.subnetPoolId, cidr, deps.recent));
    if (subnet === null) {
      return {};
    }
    let ports = await portsWithAddress(subnet, address);
    if (ports.length === 0 && cached !== undefined) {
      // No port on the subnet read earlier: read the subnet again in case it was replaced.
      deps.recent.clear();
      const fresh = await findPoolSubnet(neutron, deps.features, ref.subnetPoolId, cidr);
      ports =
        fresh === null || fresh.id === subnet.id ? [] : await portsWithAddress(fresh, address);
    }
    // NOTE: a port still bound to an endpoint is deleted too. Docker releases an address only after
    // DeleteEndpoint or a failed CreateEndpoint, which may leave the port bound and tagged.
    for (const port of ports) {
      await releasePort(neutron, port, logger);
    }
    return {};
  }

  function portsWithAddress(subnet: NeutronSubnet, address: string) {
    return neutron.ports.list({ fixed_ips: [`subnet_id=${subnet.id}`, `ip_address=${address}`] });
  }

  async function releasePool(request: { PoolID: string }) {
    const resolved = await resolvePoolId(neutron, request.PoolID);
    if (resolved === null) {
      return {};
    }
    const { ref, cidr } = resolved;
    deps.forgetReservation(`${ref.subnetPoolId}/${cidr.text}`);
    await releasePoolSubnets(ref.subnetPoolId, cidr);
    await releaseSubnetPool(ref.subnetPoolId, cidr);
    return {};
  }

  async function releasePoolSubnets(subnetPoolId: string, cidr: Cidr) {
    const own = await neutron.subnets.list({ subnetpool_id: subnetPoolId, cidr: cidr.text });
    const tagged = (await deps.features()).tags
      ? await neutron.subnets.list({ cidr: cidr.text, tags: subnetPoolId })
      : [];
    const seen = new Set<string>();
    for (const subnet of [...own, ...tagged]) {
      if (seen.has(subnet.id)) {
        continue;
      }
      seen.add(subnet.id);
      if ((subnet.tags ?? []).includes(subnetPoolId)) {
        await neutron.removeTag("subnets", subnet.id, subnetPoolId);
      }
      // Docker releases a pool after every endpoint and address of it, so a reservation still on
      // the subnet was left by a plugin stopped between RequestAddress and CreateEndpoint.
      await deps.reservations.reclaim({ fixed_ips: [`subnet_id=${subnet.id}`] }, 0);
      if (subnet.name.startsWith(SUBNET_NAME_PREFIX)) {
        await deleteSubnetIfUnused(subnet);
      }
    }
  }

  async function deleteSubnetIfUnused(subnet: NeutronSubnet) {
    try {
      await neutron.subnets.remove(subnet.id);
      logger.info({ subnet: subnet.id, cidr: subnet.cidr }, "subnet deleted");
    } catch (error) {
      if ((error as { status?: number }).status !== 409) {
        throw error;
      }
      logger.info({ subnet: subnet.id }, "subnet still in use, kept");
    }
  }

  /** Deletes a pool the plugin created; a default pool or a user's pool is only untagged. */
  async function releaseSubnetPool(subnetPoolId: string, cidr: Cidr) {
    const pool = await neutron.subnetpools.show(subnetPoolId);
    if (pool === null) {
      return;
    }
    const remaining = await neutron.subnets.list({ subnetpool_id: pool.id });
    if ((pool.tags ?? []).includes(POOL_EXISTING_TAG)) {
      if (remaining.length === 0) {
        await neutron.removeTag("subnetpools", pool.id, POOL_EXISTING_TAG);
      }
      return;
    }
    if (isDefaultPoolName(config, pool.name)) {
      return;
    }
    if (pool.name !== poolName(config.subnetpool_name_prefix, cidr.text)) {
      return;
    }
    if (remaining.length > 0) {
      // DeleteNetwork deletes the pool after it has deleted the subnets of its network.
      logger.info({ pool: pool.id }, "subnet pool still has subnets, kept");
      return;
    }
    await deleteEmptyKuryrPool({ neutron, config, logger }, pool.id, cidr.text);
  }

  return { releaseAddress, releasePool };
}

/**
 * Deletes the pool `kuryrPool-<cidr>` that RequestPool made for a Docker pool, once no subnet is
 * allocated from it. A default pool, a user's pool and a pool of another name are kept. Returns
 * true when the pool went. Docker 20.10 calls ReleasePool before DeleteNetwork, so a subnet that
 * was still in use then leaves its pool to DeleteNetwork, which calls this after it deleted the
 * subnet.
 */
export async function deleteEmptyKuryrPool(
  deps: Pick<IpamReleaseDependencies, "neutron" | "config" | "logger">,
  subnetPoolId: string,
  cidr: string,
): Promise<boolean> {
  const { neutron, config, logger } = deps;
  const pool = await neutron.subnetpools.show(subnetPoolId);
  if (
    pool === null ||
    (pool.tags ?? []).includes(POOL_EXISTING_TAG) ||
    isDefaultPoolName(config, pool.name) ||
    pool.name !== poolName(config.subnetpool_name_prefix, cidr)
  ) {
    return false;
  }
  if ((await neutron.subnets.list({ subnetpool_id: pool.id })).length > 0) {
    return false;
  }
  const removed = await neutron.subnetpools.remove(pool.id);
  if (removed) {
    logger.info({ pool: pool.id, cidr }, "subnet pool deleted");
  }
  return removed;
}
