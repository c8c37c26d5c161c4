import { LRUCache } from "lru-cache";
import { parseCidr } from "../cidr.js";
import type { NeutronClient } from "./neutron-client.js";
import type { NeutronSubnet } from "./neutron-types.js";

/** How long a subnet read from Neutron is reused. */
const SUBNET_TTL_MS = 60_000;

/**
 * Subnets the plugin read from Neutron in the last minute, so that the calls of one container
 * connect (RequestAddress, CreateEndpoint, Join) and disconnect (DeleteEndpoint, ReleaseAddress)
 * read a subnet once instead of once per call. Only subnets that exist are kept. Every POST, PUT or
 * DELETE the plugin sends under `/subnets` empties the cache, so that subnets the plugin itself
 * changes (CreateNetwork, DeleteNetwork, ReleasePool, their tags) are read again. A change made by
 * someone else in Neutron shows within the minute.
 *
 * NOTE: within that minute Join reports the gateway and host routes the plugin read, even when an
 * operator has changed them in Neutron since.
 */
export class RecentSubnets {
  readonly #byId = new LRUCache<string, NeutronSubnet>({ max: 1000, ttl: SUBNET_TTL_MS });
  /** Subnet id of each Docker pool, keyed `<subnet pool id>/<cidr>`. */
  readonly #byPool = new LRUCache<string, string>({ max: 1000, ttl: SUBNET_TTL_MS });

  constructor(neutron: NeutronClient) {
    neutron.onWrite((path) => {
      if (path.startsWith("/subnets")) {
        this.clear();
      }
    });
  }

  /** Stores a subnet just read, and the Docker pool it belongs to when `poolKey` is given. */
  remember(subnet: NeutronSubnet, poolKey?: string): void {
    this.#byId.set(subnet.id, subnet);
    if (poolKey !== undefined) {
      this.#byPool.set(poolKey, subnet.id);
    }
  }

  /** Returns the subnet of a Docker pool (`<subnet pool id>/<cidr>`) if read recently. */
  ofPool(poolKey: string): NeutronSubnet | undefined {
    const id = this.#byPool.get(poolKey);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** Returns the subnet with this CIDR (as `parseCidr` writes it) on a network if read recently. */
  onNetwork(networkId: string, cidr: string): NeutronSubnet | undefined {
    for (const subnet of this.#byId.values()) {
      if (subnet.network_id === networkId && parseCidr(subnet.cidr)?.text === cidr) {
        return subnet;
      }
    }
    return undefined;
  }

  /** Returns the subnets with these ids when every one was read recently, else undefined. */
  withIds(ids: string[]): NeutronSubnet[] | undefined {
    const found: NeutronSubnet[] = [];
    for (const id of ids) {
      const subnet = this.#byId.get(id);
      if (subnet === undefined) {
        return undefined;
      }
      found.push(subnet);
    }
    return found;
  }

  /** Reads subnets by id, from the cache when every one is in it, else with one list call. */
  async list(neutron: NeutronClient, ids: string[]): Promise<NeutronSubnet[]> {
    if (ids.length === 0) {
      return [];
    }
    const cached = this.withIds(ids);
    if (cached !== undefined) {
      return cached;
    }
    const subnets = await neutron.subnets.list({ id: ids });
    for (const subnet of subnets) {
      this.remember(subnet);
    }
    return subnets;
  }

  clear(): void {
    this.#byId.clear();
    this.#byPool.clear();
  }
}
