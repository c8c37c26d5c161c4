import type { Logger } from "@openstack-ts/kernel";
import {
  type Cidr,
  cidrContains,
  firstFreeBlock,
  firstHost,
  parseCidr,
  stripPrefixLength,
  withPrefixLength,
} from "../cidr.js";
import type { KuryrConfig } from "../config.js";
import { kuryrErrors } from "../errors.js";
import { KeyedLock } from "../keyed-lock.js";
import {
  DEVICE_OWNER,
  POOL_EXISTING_TAG,
  PORT_EXISTING_TAG,
  poolName,
  UNBOUND_PORT_NAME,
} from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import { type NeutronFeatures, onlyOne } from "../neutron/neutron-lookups.js";
import type { NeutronPort, NeutronSubnet, NeutronSubnetPool } from "../neutron/neutron-types.js";
import type { RecentSubnets } from "../neutron/recent-subnets.js";
import { booleanOption, type OptionMap, stringOption } from "../options.js";
import { createIpamRelease } from "./ipam-release.js";
import type {
  RequestAddressRequest,
  RequestAddressResponse,
  RequestPoolRequest,
  RequestPoolResponse,
} from "./ipam-types.js";
import { formatPoolId } from "./pool-id.js";
import { findPoolSubnet, resolvePoolId, resolveSubnetOption } from "./pool-subnets.js";
import type { ReservationSweep } from "./reservation-sweep.js";
import type { ReservedPorts } from "./reserved-ports.js";

export interface IpamDependencies {
  neutron: NeutronClient;
  features: () => Promise<NeutronFeatures>;
  /** Subnets read recently, shared with the endpoint driver. */
  recent: RecentSubnets;
  /** Ports reserved recently, which the endpoint driver takes. */
  reserved: ReservedPorts;
  /** Release of reservations that no endpoint took. */
  reservations: Pick<ReservationSweep, "reclaim">;
  config: Pick<KuryrConfig, "neutron" | "subnetpool_name_prefix">;
  hostId: string;
  logger: Logger;
}

const GATEWAY_REQUEST = "com.docker.network.gateway";
const MAC_OPTION = "com.docker.network.endpoint.macaddress";
/** How long a block handed out of a default pool stays reserved before its subnet exists. */
const RESERVATION_MS = 120_000;

/** Builds the IPAM driver, which turns Docker pools into subnet pools and addresses into ports. */
export function createIpamService(deps: IpamDependencies) {
  const { neutron, config, logger } = deps;
  const lock = new KeyedLock();
  const reservations = new Map<string, number>();

  async function requestPool(request: RequestPoolRequest): Promise<RequestPoolResponse> {
    const options = request.Options ?? {};
    const version = request.V6 ? 6 : 4;
    if (request.SubPool !== undefined && request.SubPool !== "") {
      // TODO: support --ip-range; CreateNetwork never receives the sub-range, so the subnet would
      // need allocation pools recorded on the Neutron pool.
      throw kuryrErrors.create("INVALID_REQUEST", {
        reason: `--ip-range (SubPool ${request.SubPool}) is not supported; use --subnet alone`,
      });
    }
    const requested = request.Pool;
    if (requested === "") {
      return allocateFromDefaultPool(version);
    }
    const cidr = parseCidr(requested);
    if (cidr === null || cidr.version !== version) {
      throw kuryrErrors.create("INVALID_REQUEST", {
        reason: `Pool ${requested} is not an IPv${version} CIDR`,
      });
    }
    const pool = await choosePool(cidr, options, version);
    logger.info({ pool: pool.id, cidr: cidr.text }, "pool requested");
    return { PoolID: formatPoolId(pool.id, cidr), Pool: cidr.text, Data: {} };
  }

  async function choosePool(cidr: Cidr, options: OptionMap, version: 4 | 6) {
    const suffix = version === 6 ? ".v6" : "";
    const poolId = stringOption(options, `neutron.pool${suffix}.uuid`);
    const poolNameOption = stringOption(options, `neutron.pool${suffix}.name`);
    const shared = booleanOption(options, "neutron.net.shared");
    if (poolId !== "" || poolNameOption !== "") {
      return adoptExistingPool(poolId, poolNameOption, cidr, shared);
    }
    const subnetId = await resolveSubnetOption(neutron, options, version);
    return kuryrPoolFor(cidr, subnetId, shared ?? false);
  }

  async function adoptExistingPool(
    poolId: string,
    name: string,
    cidr: Cidr,
    shared: boolean | undefined,
  ) {
    const pool = await findPool(poolId, name);
    if (shared !== undefined && pool.shared !== shared) {
      throw kuryrErrors.create("SHARED_FLAG_CONFLICT", {
        requested: String(shared),
        actual: String(pool.shared),
        kind: "subnet pool",
        id: pool.id,
      });
    }
    const inside = pool.prefixes.some((prefix) => {
      const parsed = parseCidr(prefix);
      return parsed !== null && cidrContains(parsed, cidr);
    });
    if (!inside) {
      throw kuryrErrors.create("POOL_CIDR_OUTSIDE", {
        cidr: cidr.text,
        prefixes: pool.prefixes.join(", "),
        pool: pool.id,
      });
    }
    if ((await deps.features()).tags && !(pool.tags ?? []).includes(POOL_EXISTING_TAG)) {
      await neutron.addTag("subnetpools", pool.id, POOL_EXISTING_TAG);
    }
    return pool;
  }

  async function findPool(poolId: string, name: string): Promise<NeutronSubnetPool> {
    if (poolId !== "") {
      const pool = await neutron.subnetpools.show(poolId);
      if (pool === null) {
        throw kuryrErrors.create("POOL_NOT_FOUND", { what: `id ${poolId}` });
      }
      return pool;
    }
    const query = { name };
    const pool = onlyOne(await neutron.subnetpools.list(query), "subnetpools", query);
    if (pool === null) {
      throw kuryrErrors.create("POOL_NOT_FOUND", { what: `name ${name}` });
    }
    return pool;
  }

  /**
   * Returns the `kuryrPool-<cidr>` pool for a Docker pool, creating it. A pool of that name without
   * subnets, left by a plugin stopped half-way, is reused. A pool in use raises POOL_CIDR_IN_USE,
   * unless a subnet option distinguishes the two pools through the subnet id tag.
   */
  async function kuryrPoolFor(cidr: Cidr, subnetId: string, shared: boolean) {
    const name = poolName(config.subnetpool_name_prefix, cidr.text);
    return lock.run(name, async () => {
      const useTags = subnetId !== "" && (await deps.features()).tags;
      const query = useTags ? { name, tags: subnetId } : { name };
      for (const pool of await neutron.subnetpools.list(query)) {
        const subnets = await neutron.subnets.list({ subnetpool_id: pool.id });
        if (subnets.length === 0) {
          return pool;
        }
      }
      const existing = await neutron.subnetpools.list(query);
      if (existing.length > 0) {
        throw kuryrErrors.create("POOL_CIDR_IN_USE", { cidr: cidr.text });
      }
      const pool = await neutron.subnetpools.create({
        name,
        prefixes: [cidr.text],
        default_prefixlen: cidr.prefixLength,
        shared,
      });
      if (useTags) {
        await neutron.addTag("subnetpools", pool.id, subnetId);
      }
      return pool;
    });
  }

  /** Carves the first free block of the default pool's prefix length for a network without --subnet. */
  async function allocateFromDefaultPool(version: 4 | 6): Promise<RequestPoolResponse> {
    const pool = await defaultPool(version);
    const prefixLength = Number(
      pool.default_prefixlen ??
        (version === 4
          ? config.neutron.default_pool_prefixlen_v4
          : config.neutron.default_pool_prefixlen_v6),
    );
    return lock.run(`allocate:${pool.id}`, async () => {
      const used = await usedBlocks(pool.id);
      for (const prefix of pool.prefixes) {
        const outer = parseCidr(prefix);
        const block = outer === null ? null : firstFreeBlock(outer, prefixLength, used);
        if (block !== null) {
          reservations.set(`${pool.id}/${block.text}`, Date.now() + RESERVATION_MS);
          logger.info({ pool: pool.id, cidr: block.text }, "block allocated from default pool");
          return { PoolID: formatPoolId(pool.id, block), Pool: block.text, Data: {} };
        }
      }
      throw kuryrErrors.create("DEFAULT_POOL_EXHAUSTED", {
        pool: pool.name,
        prefixlen: prefixLength,
        prefixes: pool.prefixes.join(", "),
      });
    });
  }

  async function usedBlocks(subnetPoolId: string): Promise<Cidr[]> {
    const now = Date.now();
    const used: Cidr[] = [];
    for (const subnet of await neutron.subnets.list({ subnetpool_id: subnetPoolId })) {
      const parsed = parseCidr(subnet.cidr);
      if (parsed !== null) {
        used.push(parsed);
      }
    }
    for (const [key, expiry] of reservations) {
      if (expiry < now) {
        reservations.delete(key);
        continue;
      }
      const [id, ...rest] = key.split("/");
      const parsed = parseCidr(rest.join("/"));
      if (id === subnetPoolId && parsed !== null) {
        used.push(parsed);
      }
    }
    return used;
  }

  /** Finds the default pool (`kuryr` or `kuryr6`), creating it from the configured prefixes. */
  async function defaultPool(version: 4 | 6): Promise<NeutronSubnetPool> {
    const neutronConfig = config.neutron;
    const name =
      version === 4 ? neutronConfig.default_subnetpool_v4 : neutronConfig.default_subnetpool_v6;
    return lock.run(`default:${name}`, async () => {
      const query = { name };
      const existing = onlyOne(await neutron.subnetpools.list(query), "subnetpools", query);
      if (existing !== null) {
        return existing;
      }
      const pool = await neutron.subnetpools.create({
        name,
        prefixes:
          version === 4
            ? neutronConfig.default_pool_prefixes_v4
            : neutronConfig.default_pool_prefixes_v6,
        default_prefixlen:
          version === 4
            ? neutronConfig.default_pool_prefixlen_v4
            : neutronConfig.default_pool_prefixlen_v6,
      });
      logger.info({ pool: pool.id, name, prefixes: pool.prefixes }, "default subnet pool created");
      return pool;
    });
  }

  async function requestAddress(request: RequestAddressRequest): Promise<RequestAddressResponse> {
    const resolved = await resolvePoolId(neutron, request.PoolID);
    if (resolved === null) {
      throw kuryrErrors.create("POOL_NOT_FOUND", { what: `id ${request.PoolID}` });
    }
    const { ref, cidr } = resolved;
    const options = request.Options ?? {};
    const address = stripPrefixLength(request.Address ?? "");
    const cachedSubnet = deps.recent.ofPool(`${ref.subnetPoolId}/${cidr.text}`);
    const subnet =
      cachedSubnet ??
      (await findPoolSubnet(neutron, deps.features, ref.subnetPoolId, cidr, deps.recent));

    if (stringOption(options, "RequestAddressType") === GATEWAY_REQUEST) {
      return { Address: gatewayAddress(subnet, cidr, address), Data: {} };
    }
    if (subnet === null) {
      if (address !== "") {
        // An auxiliary address requested before CreateNetwork made the subnet.
        return { Address: withPrefixLength(address, cidr), Data: {} };
      }
      throw kuryrErrors.create("SUBNET_NOT_FOUND", { what: `pool ${request.PoolID}` });
    }
    const mac = stringOption(options, MAC_OPTION);
    let port: NeutronPort;
    let used = subnet;
    try {
      port = await reservePort(subnet, address, mac);
    } catch (error) {
      if (cachedSubnet === undefined || !isClientError(error)) {
        throw error;
      }
      // The subnet may have changed in Neutron since it was read, so read it again and retry once.
      deps.recent.clear();
      const fresh = await findPoolSubnet(
        neutron,
        deps.features,
        ref.subnetPoolId,
        cidr,
        deps.recent,
      );
      if (fresh === null) {
        throw kuryrErrors.create("SUBNET_NOT_FOUND", { what: `pool ${request.PoolID}` });
      }
      used = fresh;
      port = await reservePort(fresh, address, mac);
    }
    const ip = port.fixed_ips.find((fixed) => fixed.subnet_id === used.id)?.ip_address ?? address;
    deps.reserved.remember(used.network_id, ip, { id: port.id, macAddress: port.mac_address });
    return { Address: withPrefixLength(ip, cidr), Data: {} };
  }

  function gatewayAddress(subnet: NeutronSubnet | null, cidr: Cidr, requested: string) {
    if (subnet === null) {
      return withPrefixLength(requested === "" ? firstHost(cidr) : requested, cidr);
    }
    const gateway = subnet.gateway_ip ?? "";
    if (requested === "") {
      return withPrefixLength(gateway === "" ? firstHost(cidr) : gateway, cidr);
    }
    if (requested !== gateway) {
      throw kuryrErrors.create("GATEWAY_CONFLICT", { requested, actual: gateway || "none" });
    }
    return withPrefixLength(requested, cidr);
  }

  /**
   * Reserves an address with a port named `kuryr-unbound-port`. An unowned port the user made
   * beforehand with the requested address (or MAC) and an address on the subnet is adopted
   * instead and tagged as existing.
   */
  async function reservePort(subnet: NeutronSubnet, address: string, mac: string) {
    const existing = await findUnownedPort(subnet, address, mac);
    const tags = (await deps.features()).tags;
    if (existing !== null) {
      if (tags) {
        await neutron.addTag("ports", existing.id, PORT_EXISTING_TAG);
      }
      logger.info({ port: existing.id, address }, "existing port adopted");
      return existing;
    }
    const fixedIp: Record<string, string> = { subnet_id: subnet.id };
    if (address !== "") {
      fixedIp.ip_address = address;
    }
    // The reservation carries no MAC and no host: a dual-stack endpoint reserves one port per
    // family and Neutron refuses one MAC twice on a network, and Neutron changes the MAC of an
    // unbound port only. CreateEndpoint binds the port and sets the MAC in one update.
    const attributes: Record<string, unknown> = {
      name: UNBOUND_PORT_NAME,
      network_id: subnet.network_id,
      admin_state_up: true,
      fixed_ips: [fixedIp],
    };
    const { portTagsOnCreate } = await deps.features();
    if (portTagsOnCreate) {
      attributes.tags = [DEVICE_OWNER];
    }
    const port = await neutron.ports.create(attributes);
    // A Neutron that dropped the tags of the create request gets them through the tags API.
    if (tags && !(port.tags ?? []).includes(DEVICE_OWNER)) {
      try {
        await neutron.addTag("ports", port.id, DEVICE_OWNER);
      } catch (error) {
        await neutron.ports.remove(port.id);
        throw error;
      }
    }
    return port;
  }

  async function findUnownedPort(
    subnet: NeutronSubnet,
    address: string,
    mac: string,
  ): Promise<NeutronPort | null> {
    let candidates: NeutronPort[] = [];
    if (address !== "") {
      candidates = await neutron.ports.list({
        fixed_ips: [`subnet_id=${subnet.id}`, `ip_address=${address}`],
      });
    } else if (mac !== "") {
      candidates = await neutron.ports.list({ network_id: subnet.network_id, mac_address: mac });
    }
    return (
      candidates.find(
        (port) =>
          port.name !== UNBOUND_PORT_NAME &&
          port.device_owner === "" &&
          port.device_id === "" &&
          port.fixed_ips.some((fixed) => fixed.subnet_id === subnet.id),
      ) ?? null
    );
  }

  const release = createIpamRelease({
    neutron,
    features: deps.features,
    config,
    logger,
    recent: deps.recent,
    reservations: deps.reservations,
    forgetReservation: (key) => reservations.delete(key),
  });

  return { requestPool, requestAddress, ...release };
}

/** True for a 4xx response from Neutron, such as for a subnet that no longer exists. */
function isClientError(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return typeof status === "number" && status >= 400 && status < 500;
}

export type IpamService = ReturnType<typeof createIpamService>;
