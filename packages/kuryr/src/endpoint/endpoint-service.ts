import type { Logger } from "@openstack-ts/kernel";
import type { HostBinding } from "../binding/bridge-binding.js";
import { parseCidr, stripPrefixLength } from "../cidr.js";
import type { KuryrConfig } from "../config.js";
import { kuryrErrors } from "../errors.js";
import { containerVethName, DEVICE_OWNER, idTags, portName, UNBOUND_PORT_NAME } from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import type { DockerResourceLookup, NeutronFeatures } from "../neutron/neutron-lookups.js";
import type { NeutronNetwork, NeutronPort, NeutronSubnet } from "../neutron/neutron-types.js";
import { releasePort } from "../neutron/port-release.js";
import type { CreateEndpointRequest, EndpointRequest, JoinResponse } from "./endpoint-types.js";

export interface EndpointDependencies {
  neutron: NeutronClient;
  features: () => Promise<NeutronFeatures>;
  lookup: DockerResourceLookup;
  binding: Pick<HostBinding, "plug" | "unplug">;
  config: Pick<KuryrConfig, "neutron" | "binding">;
  hostId: string;
  logger: Logger;
}

interface InterfaceAddress {
  address: string;
  subnet: NeutronSubnet;
}

/** Builds the endpoint driver, which binds endpoints to Neutron ports plugged into a bridge. */
export function createEndpointService(deps: EndpointDependencies) {
  const { neutron, lookup, logger } = deps;

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
    const addresses = await interfaceAddresses(network, requested);
    const mac = iface.MacAddress ?? "";
    const port = await bindPort(request.EndpointID, network, addresses, mac);
    // Tagging and the veth plumbing are independent, so they run side by side.
    await Promise.all([tagPort(port, request.EndpointID), plug(port, network)]);
    await waitUntilActive(port);
    logger.info(
      { endpoint: request.EndpointID, port: port.id, mac: port.mac_address },
      "endpoint created",
    );
    return mac === "" ? { Interface: { MacAddress: port.mac_address } } : { Interface: {} };
  }

  async function interfaceAddresses(network: NeutronNetwork, requested: string[]) {
    const found: InterfaceAddress[] = [];
    for (const text of requested) {
      const cidr = parseCidr(text);
      if (cidr === null) {
        throw kuryrErrors.create("INVALID_REQUEST", {
          reason: `Interface address ${text} is invalid`,
        });
      }
      const subnets = await neutron.subnets.list({ network_id: network.id, cidr: cidr.text });
      const subnet = subnets[0];
      if (subnet === undefined) {
        throw kuryrErrors.create("SUBNET_NOT_FOUND", {
          what: `CIDR ${cidr.text} on network ${network.id}`,
        });
      }
      found.push({ address: stripPrefixLength(text), subnet });
    }
    return found;
  }

  /**
   * Binds the endpoint to a port: the one the IPAM reserved for the addresses, updated, or a new
   * one. A dual-stack endpoint gets its two reserved single-stack ports replaced by one port.
   */
  async function bindPort(
    endpointId: string,
    network: NeutronNetwork,
    addresses: InterfaceAddress[],
    mac: string,
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
    const keep = adopted[0] ?? (reserved.length === 1 ? reserved[0] : undefined);
    for (const port of reserved) {
      if (port !== keep) {
        await neutron.ports.remove(port.id);
      }
    }
    return keep === undefined
      ? await createPort(endpointId, network, addresses, mac)
      : await updatePort(endpointId, keep, mac);
  }

  async function portsWithAddresses(addresses: InterfaceAddress[]) {
    const byId = new Map<string, NeutronPort>();
    for (const entry of addresses) {
      const ports = await neutron.ports.list({
        fixed_ips: [`subnet_id=${entry.subnet.id}`, `ip_address=${entry.address}`],
      });
      for (const port of ports) {
        byId.set(port.id, port);
      }
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

  async function plug(port: NeutronPort, network: NeutronNetwork) {
    try {
      await deps.binding.plug({
        portId: port.id,
        networkId: network.id,
        macAddress: port.mac_address,
        mtu: network.mtu,
      });
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
    const { port } = await requirePort(
      request,
      `Neutron net associated with identifier ${request.NetworkID} doesn't exist.`,
    );
    const subnetIds = port.fixed_ips.map((fixed) => fixed.subnet_id);
    const subnets = subnetIds.length === 0 ? [] : await neutron.subnets.list({ id: subnetIds });
    const response: JoinResponse = {
      InterfaceName: {
        SrcName: containerVethName(port.id),
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
    // The misspelling is kuryr-libnetwork's message, kept so that tools matching it still work.
    const { network, port } = await requirePort(
      request,
      `Neutron net associated with identifier ${request.NetworkID} doesn't exit.`,
    );
    try {
      await deps.binding.unplug(port.id, network.id);
    } catch (error) {
      throw kuryrErrors.create("BINDING_FAILED", { reason: (error as Error).message });
    }
    if ((await deps.features()).tags) {
      for (const tag of idTags(request.EndpointID)) {
        await neutron.removeTag("ports", port.id, tag);
      }
    }
    if (await allocatedByDockerIpam(port)) {
      // Docker's own IPAM never calls ReleaseAddress here, so the port goes with the endpoint.
      await releasePort(neutron, port, logger);
    }
    logger.info({ endpoint: request.EndpointID, port: port.id }, "endpoint deleted");
    return {};
  }

  /** True when no subnet of the port belongs to a pool, so the plugin is not the network's IPAM. */
  async function allocatedByDockerIpam(port: NeutronPort): Promise<boolean> {
    const subnetIds = port.fixed_ips.map((fixed) => fixed.subnet_id);
    if (subnetIds.length === 0) {
      return false;
    }
    const subnets = await neutron.subnets.list({ id: subnetIds });
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
