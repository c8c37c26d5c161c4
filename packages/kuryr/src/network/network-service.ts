import type { Logger } from "@openstack-ts/kernel";
import type { HostBinding } from "../binding/bridge-binding.js";
import { type Cidr, cidrContains, parseCidr, stripPrefixLength } from "../cidr.js";
import type { KuryrConfig } from "../config.js";
import { kuryrErrors } from "../errors.js";
import { deleteEmptyKuryrPool } from "../ipam/ipam-release.js";
import { findPoolSubnet, resolveSubnetOption } from "../ipam/pool-subnets.js";
import {
  existingNetworkTag,
  idTags,
  networkName,
  poolName,
  SUBNET_NAME_PREFIX,
  subnetName,
} from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import {
  type DockerResourceLookup,
  type NeutronFeatures,
  onlyOne,
} from "../neutron/neutron-lookups.js";
import type { NeutronNetwork, NeutronSubnet, NeutronSubnetPool } from "../neutron/neutron-types.js";
import { releasePort } from "../neutron/port-release.js";
import { booleanOption, type OptionMap, stringOption } from "../options.js";
import type { CreateNetworkRequest, IpData } from "./network-types.js";

export interface NetworkDependencies {
  neutron: NeutronClient;
  features: () => Promise<NeutronFeatures>;
  lookup: DockerResourceLookup;
  binding: Pick<HostBinding, "releaseBridge">;
  config: Pick<KuryrConfig, "neutron" | "subnetpool_name_prefix">;
  logger: Logger;
}

const GENERIC_OPTIONS = "com.docker.network.generic";

/** Builds the network driver, which turns Docker networks into Neutron networks and subnets. */
export function createNetworkService(deps: NetworkDependencies) {
  const { neutron, logger } = deps;

  async function createNetwork(request: CreateNetworkRequest) {
    requireCidr(request.IPv4Data?.[0], 4);
    requireCidr(request.IPv6Data?.[0], 6);
    const options = genericOptions(request.Options);
    const tags = (await deps.features()).tags;
    const attached = await attachedNetwork(request.NetworkID, options, tags);
    const network = attached ?? (await createOwnNetwork(request.NetworkID, options, tags));
    try {
      await ensureSubnet(network, request.IPv4Data?.[0], 4, options);
      await ensureSubnet(network, request.IPv6Data?.[0], 6, options);
    } catch (error) {
      await undoCreate(request.NetworkID, network, attached !== null, tags);
      throw error;
    }
    logger.info(
      { docker_network: request.NetworkID, network: network.id, existing: attached !== null },
      "network created",
    );
    return {};
  }

  /** Finds the network named by `neutron.net.uuid` or `.name` and marks it as used by Docker. */
  async function attachedNetwork(dockerId: string, options: OptionMap, tags: boolean) {
    const id = stringOption(options, "neutron.net.uuid");
    const name = stringOption(options, "neutron.net.name");
    if (id === "" && name === "") {
      return null;
    }
    const network = await findExistingNetwork(id, name);
    const shared = booleanOption(options, "neutron.net.shared");
    if (shared !== undefined && shared !== network.shared) {
      throw kuryrErrors.create("SHARED_FLAG_CONFLICT", {
        requested: String(shared),
        actual: String(network.shared),
        kind: "network",
        id: network.id,
      });
    }
    if (tags) {
      for (const tag of [...idTags(dockerId), existingNetworkTag(dockerId)]) {
        await neutron.addTag("networks", network.id, tag);
      }
    } else {
      await neutron.networks.update(network.id, { name: dockerId });
    }
    return network;
  }

  async function findExistingNetwork(id: string, name: string): Promise<NeutronNetwork> {
    const network =
      id !== ""
        ? await neutron.networks.show(id)
        : onlyOne(await neutron.networks.list({ name }), "networks", { name });
    if (network === null) {
      throw kuryrErrors.create("NETWORK_NOT_FOUND", { value: id !== "" ? id : name });
    }
    return network;
  }

  async function createOwnNetwork(dockerId: string, options: OptionMap, tags: boolean) {
    const name = tags ? networkName(dockerId) : dockerId;
    let network: NeutronNetwork;
    try {
      network = await neutron.networks.create({
        name,
        admin_state_up: true,
        shared: booleanOption(options, "neutron.net.shared") ?? false,
      });
    } catch (error) {
      if ((error as { code?: string }).code === "NEUTRON_UNREACHABLE") {
        await removeUnconfirmedNetworks(name, tags);
      }
      throw error;
    }
    if (!tags) {
      return network;
    }
    try {
      for (const tag of idTags(dockerId)) {
        await neutron.addTag("networks", network.id, tag);
      }
    } catch (error) {
      await neutron.networks.remove(network.id);
      throw error;
    }
    return network;
  }

  /**
   * Deletes the networks that a create without a response may have made. Neutron may have created
   * the network before the connection failed or timed out, and Docker never calls DeleteNetwork
   * after a failed create. With tags, only untagged networks of the name are deleted, because the
   * plugin tags its networks right after creating them.
   */
  async function removeUnconfirmedNetworks(name: string, tags: boolean) {
    try {
      for (const network of await neutron.networks.list({ name })) {
        if (!tags || (network.tags ?? []).length === 0) {
          await neutron.networks.remove(network.id);
          logger.warn({ network: network.id, name }, "network of an unanswered create deleted");
        }
      }
    } catch (error) {
      logger.error(
        { err: (error as Error).message, name },
        "cleanup after an unanswered network create failed",
      );
    }
  }

  /**
   * Gives the network a subnet for the Docker pool: a user's subnet that already has the CIDR (or
   * that the options name) is adopted, else `kuryr-subnet-<cidr>` is created from the pool.
   */
  async function ensureSubnet(
    network: NeutronNetwork,
    data: IpData | undefined,
    version: 4 | 6,
    options: OptionMap,
  ) {
    if (data === undefined) {
      return;
    }
    const cidr = requireCidr(data, version);
    const dockerPools = await dockerPoolsFor(cidr, options, version);
    const existing = await existingSubnet(network, cidr, options, version);
    if (existing !== null) {
      await tagWithPools(existing, dockerPools);
      return;
    }
    const pool = await poolForSubnet(cidr, options, version, dockerPools);
    const attributes: Record<string, unknown> = {
      name: subnetName(cidr.text),
      network_id: network.id,
      ip_version: version,
      cidr: cidr.text,
      enable_dhcp: deps.config.neutron.enable_dhcp && dhcpFits(cidr),
    };
    if (pool !== null) {
      attributes.subnetpool_id = pool.id;
    }
    if (data.Gateway !== undefined && data.Gateway !== "") {
      attributes.gateway_ip = stripPrefixLength(data.Gateway);
    }
    const subnet = await neutron.subnets.create(attributes);
    await tagWithPools(subnet, dockerPools);
  }

  async function existingSubnet(
    network: NeutronNetwork,
    cidr: Cidr,
    options: OptionMap,
    version: 4 | 6,
  ): Promise<NeutronSubnet | null> {
    const subnetId = await resolveSubnetOption(neutron, options, version);
    const onNetwork = await neutron.subnets.list({ network_id: network.id, cidr: cidr.text });
    if (subnetId === "") {
      return onNetwork[0] ?? null;
    }
    const named = onNetwork.find((subnet) => subnet.id === subnetId);
    if (named === undefined) {
      throw kuryrErrors.create("SUBNET_NOT_FOUND", {
        what: `id ${subnetId} with CIDR ${cidr.text} on network ${network.id}`,
      });
    }
    return named;
  }

  /** Lists the `kuryrPool-<cidr>` pools RequestPool made for this CIDR, which Docker's PoolID names. */
  async function dockerPoolsFor(cidr: Cidr, options: OptionMap, version: 4 | 6) {
    const name = poolName(deps.config.subnetpool_name_prefix, cidr.text);
    const subnetId = await resolveSubnetOption(neutron, options, version);
    const query =
      subnetId !== "" && (await deps.features()).tags ? { name, tags: subnetId } : { name };
    return neutron.subnetpools.list(query);
  }

  /**
   * Picks the pool the subnet is allocated from: the one the options name, else the Docker pool, else a
   * default pool that contains the CIDR (networks created without --subnet), else none.
   */
  async function poolForSubnet(
    cidr: Cidr,
    options: OptionMap,
    version: 4 | 6,
    dockerPools: NeutronSubnetPool[],
  ): Promise<NeutronSubnetPool | null> {
    const suffix = version === 6 ? ".v6" : "";
    const id = stringOption(options, `neutron.pool${suffix}.uuid`);
    const name = stringOption(options, `neutron.pool${suffix}.name`);
    if (id !== "" || name !== "") {
      const pool =
        id !== ""
          ? await neutron.subnetpools.show(id)
          : onlyOne(await neutron.subnetpools.list({ name }), "subnetpools", { name });
      if (pool === null) {
        throw kuryrErrors.create("POOL_NOT_FOUND", {
          what: id !== "" ? `id ${id}` : `name ${name}`,
        });
      }
      return pool;
    }
    for (const pool of dockerPools) {
      if ((await findPoolSubnet(neutron, deps.features, pool.id, cidr)) === null) {
        return pool;
      }
    }
    const defaultName =
      version === 4
        ? deps.config.neutron.default_subnetpool_v4
        : deps.config.neutron.default_subnetpool_v6;
    const defaults = await neutron.subnetpools.list({ name: defaultName });
    return defaults.find((pool) => poolContains(pool, cidr)) ?? null;
  }

  /** Tags a subnet with the ids of Docker pools that it does not belong to, so RequestAddress finds it. */
  async function tagWithPools(subnet: NeutronSubnet, pools: NeutronSubnetPool[]) {
    if (!(await deps.features()).tags) {
      return;
    }
    for (const pool of pools) {
      if (pool.id !== subnet.subnetpool_id && !(subnet.tags ?? []).includes(pool.id)) {
        await neutron.addTag("subnets", subnet.id, pool.id);
      }
    }
  }

  async function undoCreate(
    dockerId: string,
    network: NeutronNetwork,
    attached: boolean,
    tags: boolean,
  ) {
    try {
      if (!attached) {
        for (const subnet of await neutron.subnets.list({ network_id: network.id })) {
          await neutron.subnets.remove(subnet.id);
        }
        await neutron.networks.remove(network.id);
      } else if (tags) {
        for (const tag of [...idTags(dockerId), existingNetworkTag(dockerId)]) {
          await neutron.removeTag("networks", network.id, tag);
        }
      }
    } catch (error) {
      logger.error(
        { err: error, network: network.id },
        "cleanup after a failed CreateNetwork failed",
      );
    }
  }

  async function deleteNetwork(request: { NetworkID: string }) {
    const dockerId = request.NetworkID;
    const tags = (await deps.features()).tags;
    deps.lookup.forgetNetwork(dockerId);
    const network = await deps.lookup.network(dockerId);
    deps.lookup.forgetNetwork(dockerId);
    if (network === null) {
      logger.warn({ docker_network: dockerId }, "no Neutron network for the Docker network");
      return {};
    }
    if (tags && (network.tags ?? []).includes(existingNetworkTag(dockerId))) {
      await detachExistingNetwork(dockerId, network);
    } else {
      await deleteOwnNetwork(network);
    }
    // Veth pairs of ports that are gone (a connect cut short by a plugin restart) go with the bridge.
    await deps.binding.releaseBridge(network.id, async () =>
      (await neutron.ports.list({ network_id: network.id })).map((port) => port.id),
    );
    logger.info({ docker_network: dockerId, network: network.id }, "network deleted");
    return {};
  }

  /** Leaves a user's network in place: only the plugin's tags and subnets go. */
  async function detachExistingNetwork(dockerId: string, network: NeutronNetwork) {
    for (const tag of [...idTags(dockerId), existingNetworkTag(dockerId)]) {
      await neutron.removeTag("networks", network.id, tag);
    }
    const deleted: NeutronSubnet[] = [];
    for (const subnet of await neutron.subnets.list({ network_id: network.id })) {
      if (!subnet.name.startsWith(SUBNET_NAME_PREFIX)) {
        continue;
      }
      try {
        await neutron.subnets.remove(subnet.id);
        deleted.push(subnet);
      } catch (error) {
        if ((error as { status?: number }).status !== 409) {
          throw error;
        }
        logger.info({ subnet: subnet.id }, "subnet still in use, kept");
      }
    }
    await deleteEmptyPools(deleted);
  }

  async function deleteOwnNetwork(network: NeutronNetwork) {
    // Docker has released every address by now, so a port of the plugin's still on the network was
    // left by a call cut short, such as a reservation whose response never reached Docker. Such a
    // port would keep the subnets from being deleted.
    for (const port of await neutron.ports.list({ network_id: network.id })) {
      await releasePort(neutron, port, logger);
    }
    const subnets = await neutron.subnets.list({ network_id: network.id });
    for (const subnet of subnets) {
      await neutron.subnets.remove(subnet.id);
    }
    await neutron.networks.remove(network.id);
    await deleteEmptyPools(subnets);
  }

  /**
   * Deletes the Docker pools of deleted subnets that ReleasePool had to keep because the subnet
   * was still in use when Docker released the pool.
   */
  async function deleteEmptyPools(subnets: NeutronSubnet[]) {
    for (const subnet of subnets) {
      if (subnet.subnetpool_id !== null && subnet.name.startsWith(SUBNET_NAME_PREFIX)) {
        await deleteEmptyKuryrPool(deps, subnet.subnetpool_id, subnet.cidr);
      }
    }
  }

  return { createNetwork, deleteNetwork };
}

/** Parses the pool of an IPv4Data or IPv6Data entry; raises INVALID_REQUEST for a bad one. */
function requireCidr(data: IpData | undefined, version: 4 | 6): Cidr {
  const cidr = data === undefined ? null : parseCidr(data.Pool);
  if (data !== undefined && (cidr === null || cidr.version !== version)) {
    throw kuryrErrors.create("INVALID_REQUEST", {
      reason: `IPv${version}Data Pool ${data.Pool} is not an IPv${version} CIDR`,
    });
  }
  return cidr as Cidr;
}

function genericOptions(options: OptionMap | null | undefined): OptionMap {
  const generic = options?.[GENERIC_OPTIONS];
  return typeof generic === "object" && generic !== null ? (generic as OptionMap) : {};
}

/**
 * False for prefixes too small for a DHCP server (IPv4 /31 and /32, IPv6 /127 and /128), on which
 * Neutron rejects `enable_dhcp`. Containers get their addresses from Docker, so such a subnet
 * works without DHCP.
 */
function dhcpFits(cidr: Cidr): boolean {
  return cidr.prefixLength <= (cidr.version === 4 ? 30 : 126);
}

function poolContains(pool: NeutronSubnetPool, cidr: Cidr): boolean {
  return pool.prefixes.some((prefix) => {
    const parsed = parseCidr(prefix);
    return parsed !== null && cidrContains(parsed, cidr);
  });
}

export type NetworkService = ReturnType<typeof createNetworkService>;
