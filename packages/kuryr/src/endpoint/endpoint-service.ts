import type { Logger } from "@openstack-ts/kernel";
import { LRUCache } from "lru-cache";
import type { HostBinding } from "../binding/bridge-binding.js";
import { parseCidr, stripPrefixLength } from "../cidr.js";
import type { KuryrConfig } from "../config.js";
import { kuryrErrors } from "../errors.js";
import type { ReservedPorts } from "../ipam/reserved-ports.js";
import { containerVethName, DEVICE_OWNER, idTags, portName, UNBOUND_PORT_NAME } from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import type { DockerResourceLookup, NeutronFeatures } from "../neutron/neutron-lookups.js";
import type { NeutronNetwork, NeutronPort, NeutronSubnet } from "../neutron/neutron-types.js";
import { releasePort } from "../neutron/port-release.js";
import type { RecentSubnets } from "../neutron/recent-subnets.js";
import type { CreateEndpointRequest, EndpointRequest, JoinResponse } from "./endpoint-types.js";

export interface EndpointDependencies {
  neutron: NeutronClient;
  features: () => Promise<NeutronFeatures>;
  lookup: DockerResourceLookup;
  /** Subnets read recently, shared with the IPAM driver. */
  recent: RecentSubnets;
  /** Ports the IPAM driver reserved recently. */
  reserved: ReservedPorts;
  binding: Pick<HostBinding, "plug" | "unplug" | "removeStale">;
  config: Pick<KuryrConfig, "neutron" | "binding">;
  hostId: string;
  logger: Logger;
}

interface InterfaceAddress {
  address: string;
  /** The CIDR as Docker sent it, normalised. */
  cidr: string;
  subnet: NeutronSubnet;
  /** True when the subnet came from the cache of recent reads rather than from Neutron now. */
  cached: boolean;
}

/** Builds the endpoint driver, which binds endpoints to Neutron ports plugged into a bridge. */
export function createEndpointService(deps: EndpointDependencies) {
  const { neutron, lookup, recent, logger } = deps;
  /**
   * Endpoints bound by this process, so that Join needs no port lookup and DeleteEndpoint can
   * delete the veth pair at once. A port's id never changes. After a plugin restart the map is empty
   * and both calls read the port from Neutron.
   */
  const endpoints = new LRUCache<string, BoundEndpoint>({ max: 4096 });

  async function createEndpoint(request: CreateEndpointRequest) {
    const network = await lookup.network(request.NetworkID);
    if (network === null) {
      throw kuryrErrors.create("ENDPOINT_NETWORK_MISSING", { id: request.NetworkID });
    }
    const iface = request.Interface ?? {};
    const requested = [iface.Address ?? "", iface.AddressIPv6 ?? ""].filter(
      (value) => value !== "",
    );
    if (requested.length === 0) {
      throw kuryrErrors.create("INTERFACE_ADDRESS_MISSING");
    }
    const mac = iface.MacAddress ?? "";
    const early = earlyPlug(network, requested, mac);
    let port: NeutronPort;
    try {
      const addresses = await interfaceAddresses(network, requested);
      port = await bindPort(request.EndpointID, network, addresses, mac, early);
    } catch (error) {
      await discard(early, network);
      throw error;
    }
    await waitUntilActive(port);
    endpoints.set(request.EndpointID, boundEndpoint(port, network));
    logger.info(
      { endpoint: request.EndpointID, port: port.id, mac: port.mac_address },
      "endpoint created",
    );
    return mac === "" ? { Interface: { MacAddress: port.mac_address } } : { Interface: {} };
  }

  /**
   * Starts making the veth pair of the port that RequestAddress reserved for a single address, so
   * that it is ready when Neutron has bound the port. Dual-stack endpoints wait for the listing.
   */
  function earlyPlug(
    network: NeutronNetwork,
    requested: string[],
    mac: string,
  ): EarlyPlug | undefined {
    const [only] = requested;
    if (requested.length !== 1 || only === undefined) {
      return undefined;
    }
    const port = deps.reserved.take(network.id, stripPrefixLength(only));
    if (port === undefined) {
      return undefined;
    }
    const macAddress = mac !== "" ? mac : port.macAddress;
    return {
      portId: port.id,
      macAddress,
      outcome: settle(plug(port.id, network, macAddress)),
      used: false,
    };
  }

  /** Deletes the veth pair of an early plug that CreateEndpoint did not use. */
  async function discard(early: EarlyPlug | undefined, network: NeutronNetwork) {
    if (early === undefined || early.used) {
      return;
    }
    early.used = true;
    if ((await early.outcome).status === "fulfilled") {
      await deps.binding.unplug(early.portId, network.id).catch((error: unknown) => {
        logger.warn({ port: early.portId, err: (error as Error).message }, "veth pair not deleted");
      });
    }
  }

  async function interfaceAddresses(network: NeutronNetwork, requested: string[]) {
    const parsed = requested.map((text) => {
      const cidr = parseCidr(text);
      if (cidr === null) {
        throw kuryrErrors.create("INVALID_REQUEST", {
          reason: `Interface address ${text} is invalid`,
        });
      }
      return { address: stripPrefixLength(text), cidr: cidr.text };
    });
    return Promise.all(
      parsed.map(async ({ address, cidr }): Promise<InterfaceAddress> => {
        const cached = recent.onNetwork(network.id, cidr);
        if (cached !== undefined) {
          return { address, cidr, subnet: cached, cached: true };
        }
        return { address, cidr, subnet: await readSubnet(network, cidr), cached: false };
      }),
    );
  }

  async function readSubnet(network: NeutronNetwork, cidr: string): Promise<NeutronSubnet> {
    const subnet = (await neutron.subnets.list({ network_id: network.id, cidr }))[0];
    if (subnet === undefined) {
      throw kuryrErrors.create("SUBNET_NOT_FOUND", {
        what: `CIDR ${cidr} on network ${network.id}`,
      });
    }
    recent.remember(subnet);
    return subnet;
  }

  /**
   * Binds the endpoint to a port and plugs it: the port the IPAM reserved for the addresses,
   * updated, or a new one. A dual-stack endpoint gets its two reserved single-stack ports replaced
   * by one port. The veth pair is made while Neutron binds and tags the port, and deleted again
   * when Neutron refuses.
   */
  async function bindPort(
    endpointId: string,
    network: NeutronNetwork,
    addresses: InterfaceAddress[],
    mac: string,
    early: EarlyPlug | undefined,
  ): Promise<NeutronPort> {
    const ports = await portsWithAddresses(addresses);
    const reserved = ports.filter(isUnboundReservation);
    const adopted = ports.filter((port) => !isUnboundReservation(port));
    if (adopted.length > 1) {
      throw kuryrErrors.create("DUPLICATED_RESOURCE", {
        kind: "ports",
        filter: `fixed_ips=${addresses.map((entry) => entry.address).join(",")}`,
      });
    }
    const owned = adopted.find((port) => port.device_id !== "" && port.device_id !== endpointId);
    if (owned !== undefined) {
      throw kuryrErrors.create("ADDRESS_IN_USE", {
        address: addresses.map((entry) => entry.address).join(", "),
        port: owned.id,
        device: owned.device_id,
      });
    }
    const keep = adopted[0] ?? (reserved.length === 1 ? reserved[0] : undefined);
    // An endpoint id this process bound already keeps its port; DeleteEndpoint unbinds every port
    // that carries an id bound twice without the plugin knowing (across a restart).
    const known = endpoints.get(endpointId);
    if (known !== undefined && known.portId !== keep?.id) {
      throw kuryrErrors.create("ENDPOINT_EXISTS", { endpoint: endpointId, port: known.portId });
    }
    await Promise.all(
      reserved.filter((port) => port !== keep).map((port) => neutron.ports.remove(port.id)),
    );
    if (keep === undefined) {
      // No port has the addresses on the subnets read earlier: make sure the subnets are current
      // before a port is created, and look for a port again when one was replaced.
      const fresh = await freshAddresses(network, addresses);
      if (fresh.some((entry, index) => entry.subnet.id !== addresses[index]?.subnet.id)) {
        return bindPort(endpointId, network, fresh, mac, early);
      }
      const port = await createPort(endpointId, network, fresh, mac);
      await plugBeside(port, network, port.mac_address, early, async () => {
        await tagPort(port, endpointId);
        return port;
      });
      return port;
    }
    // The port's MAC is known now: the requested one, which the update sets, or the port's own.
    // The update and the tags touch different attributes, so they go to Neutron side by side.
    return plugBeside(keep, network, mac !== "" ? mac : keep.mac_address, early, async () => {
      const [updated] = await Promise.all([
        updatePort(endpointId, keep, mac),
        tagPort(keep, endpointId),
      ]);
      return updated;
    });
  }

  /**
   * Runs the Neutron side of CreateEndpoint and the veth plumbing side by side. When Neutron
   * fails, the veth pair is deleted again and Neutron's error is raised.
   */
  async function plugBeside(
    port: NeutronPort,
    network: NeutronNetwork,
    macAddress: string,
    early: EarlyPlug | undefined,
    neutronSide: () => Promise<NeutronPort>,
  ): Promise<NeutronPort> {
    let plugging: Promise<void>;
    if (early !== undefined && early.portId === port.id && early.macAddress === macAddress) {
      early.used = true;
      plugging = early.outcome.then(unsettle);
    } else {
      // A veth pair made for another port or MAC is deleted before the right one is made.
      await discard(early, network);
      plugging = plug(port.id, network, macAddress);
    }
    const [bound, plugged] = await Promise.allSettled([neutronSide(), plugging]);
    if (bound.status === "rejected") {
      if (plugged.status === "fulfilled") {
        await deps.binding.unplug(port.id, network.id).catch((error: unknown) => {
          logger.warn({ port: port.id, err: (error as Error).message }, "veth pair not deleted");
        });
      }
      throw bound.reason;
    }
    if (plugged.status === "rejected") {
      throw plugged.reason;
    }
    return bound.value;
  }

  /** Reads again from Neutron the subnets that came from the cache. */
  async function freshAddresses(
    network: NeutronNetwork,
    addresses: InterfaceAddress[],
  ): Promise<InterfaceAddress[]> {
    return Promise.all(
      addresses.map(async (entry) =>
        entry.cached
          ? { ...entry, subnet: await readSubnet(network, entry.cidr), cached: false }
          : entry,
      ),
    );
  }

  /** Lists the ports that carry the endpoint's id, by its tags or, without tags, by its name. */
  async function portsOfEndpoint(endpointId: string) {
    const query = (await deps.features()).tags
      ? { tags: idTags(endpointId).join(",") }
      : { name: portName(endpointId) };
    return neutron.ports.list(query);
  }

  async function portsWithAddresses(addresses: InterfaceAddress[]) {
    const lists = await Promise.all(
      addresses.map((entry) =>
        neutron.ports.list({
          fixed_ips: [`subnet_id=${entry.subnet.id}`, `ip_address=${entry.address}`],
        }),
      ),
    );
    const byId = new Map<string, NeutronPort>();
    for (const port of lists.flat()) {
      byId.set(port.id, port);
    }
    return [...byId.values()];
  }

  async function createPort(
    endpointId: string,
    network: NeutronNetwork,
    addresses: InterfaceAddress[],
    mac: string,
  ) {
    const attributes: Record<string, unknown> = {
      name: portName(endpointId),
      admin_state_up: true,
      network_id: network.id,
      device_owner: DEVICE_OWNER,
      device_id: endpointId,
      "binding:host_id": deps.hostId,
      fixed_ips: addresses.map((entry) => ({
        subnet_id: entry.subnet.id,
        ip_address: entry.address,
      })),
    };
    if (mac !== "") {
      attributes.mac_address = mac;
    }
    if ((await deps.features()).portTagsOnCreate) {
      attributes.tags = idTags(endpointId);
    }
    return neutron.ports.create(attributes);
  }

  async function updatePort(endpointId: string, port: NeutronPort, mac: string) {
    const attributes: Record<string, unknown> = {
      name: portName(endpointId),
      admin_state_up: true,
      device_owner: DEVICE_OWNER,
      device_id: endpointId,
      "binding:host_id": deps.hostId,
    };
    if (mac !== "" && mac.toLowerCase() !== port.mac_address.toLowerCase()) {
      attributes.mac_address = mac;
    }
    const updated = await neutron.ports.update(port.id, attributes);
    return { ...updated, tags: updated.tags ?? port.tags };
  }

  async function tagPort(port: NeutronPort, endpointId: string) {
    if (!(await deps.features()).tags) {
      return;
    }
    const current = port.tags ?? [];
    const missing = idTags(endpointId).filter((tag) => !current.includes(tag));
    if (missing.length > 0) {
      await neutron.replaceTags("ports", port.id, [...current, ...missing]);
    }
  }

  async function plug(portId: string, network: NeutronNetwork, macAddress: string) {
    try {
      await deps.binding.plug({ portId, networkId: network.id, macAddress, mtu: network.mtu });
    } catch (error) {
      throw kuryrErrors.create("BINDING_FAILED", { reason: (error as Error).message });
    }
  }

  async function waitUntilActive(port: NeutronPort) {
    const { vif_plugging_is_fatal: fatal, vif_plugging_timeout: timeout } = deps.config.neutron;
    if (!fatal) {
      return;
    }
    const deadline = timeout === 0 ? Number.POSITIVE_INFINITY : Date.now() + timeout * 1000;
    let current: NeutronPort | null = port;
    while (current !== null && current.status !== "ACTIVE") {
      if (Date.now() >= deadline) {
        throw kuryrErrors.create("PORT_INACTIVE", { port: port.id, seconds: timeout });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      current = await neutron.ports.show(port.id);
    }
  }

  async function requirePort(request: EndpointRequest, missingNetworkMessage: string) {
    const network = await lookup.network(request.NetworkID);
    if (network === null) {
      throw kuryrErrors.create(
        "ENDPOINT_NETWORK_MISSING",
        { id: request.NetworkID },
        missingNetworkMessage,
      );
    }
    const port = await lookup.endpointPort(request.EndpointID);
    if (port === null) {
      throw kuryrErrors.create("PORT_NOT_FOUND", { endpoint: request.EndpointID });
    }
    return { network, port };
  }

  async function join(request: EndpointRequest): Promise<JoinResponse> {
    const missing = `Neutron net associated with identifier ${request.NetworkID} doesn't exist.`;
    const known = endpoints.get(request.EndpointID);
    let bound: BoundEndpoint;
    if (known === undefined) {
      const { network, port } = await requirePort(request, missing);
      bound = boundEndpoint(port, network);
    } else {
      // Docker joins right after CreateEndpoint, which just bound the port.
      const network = await lookup.network(request.NetworkID);
      if (network === null) {
        throw kuryrErrors.create("ENDPOINT_NETWORK_MISSING", { id: request.NetworkID }, missing);
      }
      bound = known;
    }
    const subnets = await recent.list(neutron, bound.subnetIds);
    const response: JoinResponse = {
      InterfaceName: {
        SrcName: containerVethName(bound.portId),
        DstPrefix: deps.config.binding.veth_dst_prefix,
      },
      StaticRoutes: [],
      DisableGatewayService: true,
    };
    for (const subnet of subnets) {
      addSubnetRouting(response, subnet);
    }
    return response;
  }

  async function deleteEndpoint(request: EndpointRequest) {
    const known = endpoints.get(request.EndpointID);
    endpoints.delete(request.EndpointID);
    // The veth pair of an endpoint that this process bound is deleted during the port lookup.
    const early =
      known === undefined ? undefined : settle(deps.binding.unplug(known.portId, known.networkId));
    let network: NeutronNetwork | null;
    let ports: NeutronPort[];
    try {
      [network, ports] = await Promise.all([
        lookup.network(request.NetworkID),
        portsOfEndpoint(request.EndpointID),
      ]);
    } catch (error) {
      await early;
      throw error;
    }
    if (network === null) {
      await early;
      // The misspelling is kuryr-libnetwork's message, kept so that tools matching it still work.
      throw kuryrErrors.create(
        "ENDPOINT_NETWORK_MISSING",
        { id: request.NetworkID },
        `Neutron net associated with identifier ${request.NetworkID} doesn't exit.`,
      );
    }
    if (ports.length === 0) {
      // The port was deleted in Neutron behind the plugin's back: only the veth pair is left.
      await removeOrphanVeth(network, early);
      logger.warn({ endpoint: request.EndpointID }, "endpoint deleted without a Neutron port");
      return {};
    }
    // One port per endpoint, unless the endpoint id was bound twice by plugins that did not know
    // of each other: every port that carries it is unbound.
    const bound = network;
    await Promise.all(
      ports.map((port) => {
        const sameLink =
          known !== undefined && known.portId === port.id && known.networkId === bound.id;
        return unbindPort(request.EndpointID, bound, port, sameLink ? early : undefined);
      }),
    );
    if (early !== undefined && !ports.some((port) => port.id === known?.portId)) {
      await early;
    }
    return {};
  }

  /** Deletes a port's veth pair and endpoint tags, and the port itself under Docker's IPAM. */
  async function unbindPort(
    endpointId: string,
    network: NeutronNetwork,
    port: NeutronPort,
    early: Promise<PromiseSettledResult<void>> | undefined,
  ) {
    // The veth pair, the port's tags and the subnet check are independent: all three run at once.
    const [unplugged, untagged, dockerIpam] = await Promise.allSettled([
      early !== undefined ? early.then(unsettle) : deps.binding.unplug(port.id, network.id),
      untagPort(port, endpointId),
      allocatedByDockerIpam(port),
    ]);
    if (unplugged.status === "rejected") {
      throw kuryrErrors.create("BINDING_FAILED", {
        reason: (unplugged.reason as Error).message,
      });
    }
    if (untagged.status === "rejected") {
      throw untagged.reason;
    }
    if (dockerIpam.status === "rejected") {
      throw dockerIpam.reason;
    }
    if (dockerIpam.value) {
      // Docker's own IPAM never calls ReleaseAddress here, so the port goes with the endpoint.
      await releasePort(neutron, port, logger);
    }
    logger.info({ endpoint: endpointId, port: port.id }, "endpoint deleted");
  }

  /**
   * Deletes the veth pair of an endpoint whose port is gone: the one this process made, else every
   * pair on the network's bridge whose port Neutron no longer has (the port id names the pair).
   */
  async function removeOrphanVeth(
    network: NeutronNetwork,
    early: Promise<PromiseSettledResult<void>> | undefined,
  ) {
    if (early !== undefined) {
      const outcome = await early;
      if (outcome.status === "rejected") {
        throw kuryrErrors.create("BINDING_FAILED", {
          reason: (outcome.reason as Error).message,
        });
      }
      return;
    }
    await deps.binding.removeStale(network.id, async () =>
      (await neutron.ports.list({ network_id: network.id })).map((port) => port.id),
    );
  }

  /** Removes the endpoint's id tags from the port in one request, keeping its other tags. */
  async function untagPort(port: NeutronPort, endpointId: string) {
    if (!(await deps.features()).tags) {
      return;
    }
    const endpointTags = idTags(endpointId);
    const current = port.tags ?? [];
    const remaining = current.filter((tag) => !endpointTags.includes(tag));
    if (remaining.length === current.length) {
      return;
    }
    try {
      await neutron.replaceTags("ports", port.id, remaining);
    } catch (error) {
      // A port deleted meanwhile has no tags left to remove.
      if ((error as { status?: number }).status !== 404) {
        throw error;
      }
    }
  }

  /** True when no subnet of the port belongs to a pool, so the plugin is not the network's IPAM. */
  async function allocatedByDockerIpam(port: NeutronPort): Promise<boolean> {
    const subnetIds = port.fixed_ips.map((fixed) => fixed.subnet_id);
    if (subnetIds.length === 0) {
      return false;
    }
    const subnets = await recent.list(neutron, subnetIds);
    return subnets.every(
      (subnet) => subnet.subnetpool_id === null && (subnet.tags ?? []).length === 0,
    );
  }

  async function endpointOperInfo(request: EndpointRequest) {
    const port = await lookup.endpointPort(request.EndpointID);
    return { Value: port === null ? {} : { status: port.status } };
  }

  return { createEndpoint, join, deleteEndpoint, endpointOperInfo };
}

/** A veth pair CreateEndpoint started making before it listed the port. */
interface EarlyPlug {
  portId: string;
  macAddress: string;
  outcome: Promise<PromiseSettledResult<void>>;
  /** True once CreateEndpoint kept the pair or deleted it. */
  used: boolean;
}

/** The port fields that Join and DeleteEndpoint need of an endpoint. */
interface BoundEndpoint {
  portId: string;
  networkId: string;
  subnetIds: string[];
}

function boundEndpoint(port: NeutronPort, network: NeutronNetwork): BoundEndpoint {
  return {
    portId: port.id,
    networkId: network.id,
    subnetIds: port.fixed_ips.map((fixed) => fixed.subnet_id),
  };
}

/** Holds a promise's outcome without rejecting, so it can be awaited later or not at all. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: "fulfilled", value }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );
}

/** Turns a settled outcome back into a promise that resolves or rejects. */
function unsettle<T>(outcome: PromiseSettledResult<T>): Promise<T> {
  return outcome.status === "fulfilled"
    ? Promise.resolve(outcome.value)
    : Promise.reject(outcome.reason);
}

function isUnboundReservation(port: NeutronPort): boolean {
  return port.name.startsWith(UNBOUND_PORT_NAME) && port.device_id === "";
}

function addSubnetRouting(response: JoinResponse, subnet: NeutronSubnet) {
  const gateway = subnet.gateway_ip ?? "";
  if (gateway !== "" && subnet.ip_version === 4) {
    response.Gateway = gateway;
  } else if (gateway !== "" && subnet.ip_version === 6) {
    response.GatewayIPv6 = gateway;
  }
  for (const route of subnet.host_routes ?? []) {
    response.StaticRoutes.push({
      Destination: route.destination,
      RouteType: 0,
      NextHop: route.nexthop,
    });
  }
}

export type EndpointService = ReturnType<typeof createEndpointService>;
