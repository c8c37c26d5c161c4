import type { Logger } from "@openstack-ts/kernel";
import { kuryrErrors } from "../errors.js";
import { securityGroupName } from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import type { DockerResourceLookup } from "../neutron/neutron-lookups.js";
import type { NeutronPort } from "../neutron/neutron-types.js";
import type { OptionMap } from "../options.js";
import { type ExposedPort, portRanges, protocolName } from "./port-ranges.js";

export interface ExposureDependencies {
  neutron: NeutronClient;
  lookup: Pick<DockerResourceLookup, "endpointPortByName">;
  enabled: boolean;
  logger: Logger;
}

const EXPOSED_PORTS = "com.docker.network.endpoint.exposedports";
const PORT_MAP = "com.docker.network.portmap";
const DESCRIPTION = "Docker exposed ports created by Kuryr.";

/**
 * Exposed and published container ports become one security group per Neutron port,
 * `<port id>-exposed_ports`, with one ingress rule per protocol, contiguous range and address
 * family of the port. The group is added to the port's groups and removed when Docker revokes
 * external connectivity (the container stops).
 */
export function createExposureService(deps: ExposureDependencies) {
  const { neutron, logger } = deps;

  async function programExternalConnectivity(request: {
    EndpointID: string;
    Options?: OptionMap | null;
  }) {
    if (!deps.enabled) {
      return {};
    }
    const exposed = exposedPorts(request.Options ?? {});
    if (exposed.length === 0) {
      return {};
    }
    const port = await deps.lookup.endpointPortByName(request.EndpointID);
    if (port === null) {
      return {};
    }
    await revoke(port);
    const groupId = await createGroup(port, exposed);
    logger.info({ endpoint: request.EndpointID, port: port.id, group: groupId }, "ports exposed");
    return {};
  }

  async function createGroup(port: NeutronPort, exposed: ExposedPort[]) {
    let ranges: ReturnType<typeof portRanges>;
    try {
      ranges = portRanges(exposed);
    } catch (error) {
      throw kuryrErrors.create("EXPOSE_FAILED", { reason: (error as Error).message });
    }
    const group = await neutron.securityGroups.create({
      name: securityGroupName(port.id),
      description: DESCRIPTION,
    });
    try {
      for (const ethertype of ethertypes(port)) {
        for (const range of ranges) {
          await neutron.securityGroupRules.create({
            security_group_id: group.id,
            direction: "ingress",
            ethertype,
            protocol: range.protocol,
            port_range_min: range.min,
            port_range_max: range.max,
          });
        }
      }
      await neutron.ports.update(port.id, {
        security_groups: [group.id, ...(port.security_groups ?? [])],
      });
    } catch (error) {
      await neutron.securityGroups.remove(group.id).catch(() => false);
      throw kuryrErrors.create("EXPOSE_FAILED", { reason: (error as Error).message });
    }
    return group.id;
  }

  async function revokeExternalConnectivity(request: { EndpointID: string }) {
    const port = await deps.lookup.endpointPortByName(request.EndpointID);
    if (port !== null) {
      await revoke(port);
    }
    return {};
  }

  /** Detaches and deletes the port's exposed-ports groups; failures are logged, as upstream does. */
  async function revoke(port: NeutronPort) {
    const groups = await neutron.securityGroups.list({ name: securityGroupName(port.id) });
    if (groups.length === 0) {
      return;
    }
    const removing = new Set(groups.map((group) => group.id));
    try {
      const current = port.security_groups ?? [];
      if (current.some((id) => removing.has(id))) {
        await neutron.ports.update(port.id, {
          security_groups: current.filter((id) => !removing.has(id)),
        });
      }
      for (const id of removing) {
        await neutron.securityGroups.remove(id);
      }
      logger.info({ port: port.id, groups: [...removing] }, "exposed ports revoked");
    } catch (error) {
      logger.error({ err: error, port: port.id }, "revoking exposed ports failed");
    }
  }

  return { programExternalConnectivity, revokeExternalConnectivity };
}

/** Exposed ports and the container side of published ports, as `{Proto, Port}` pairs. */
function exposedPorts(options: OptionMap): ExposedPort[] {
  const listed = [options[EXPOSED_PORTS], options[PORT_MAP]].flatMap((value) =>
    Array.isArray(value) ? value : [],
  );
  return listed
    .filter((entry): entry is { Proto: number; Port: number } => {
      const candidate = entry as { Proto?: unknown; Port?: unknown };
      return typeof candidate.Proto === "number" && typeof candidate.Port === "number";
    })
    .map((entry) => ({ proto: entry.Proto, port: entry.Port }));
}

function ethertypes(port: NeutronPort): ("IPv4" | "IPv6")[] {
  const types = new Set<"IPv4" | "IPv6">();
  for (const fixed of port.fixed_ips) {
    types.add(fixed.ip_address.includes(":") ? "IPv6" : "IPv4");
  }
  return types.size === 0 ? ["IPv4"] : [...types].sort();
}

export { protocolName };
export type ExposureService = ReturnType<typeof createExposureService>;
