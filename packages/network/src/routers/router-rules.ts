import { isSet, NOT_SPECIFIED } from "../api/attributes.js";
import { pythonRepr } from "../api/python-format.js";
import { validateUuid } from "../api/validators.js";
import { badResourceRequest, neutronError } from "../errors.js";
import { containsAddress, type IpNetwork, parseIp } from "../ipam/ip-address.js";
import type { FixedIpRequest } from "../ipam/ipam.js";
import type { SubnetRow } from "../subnets/subnet-repo.js";
import type { RouterRow } from "./router-repo.js";
import type { Route } from "./router-types.js";

// Request checks and results of the router actions, with the messages of Neutron 21.

/** The interface that adding or removing one returns. */
export interface RouterInterfaceInfo extends Record<string, unknown> {
  id: string;
  tenant_id: string;
  project_id: string;
  port_id: string;
  network_id: string;
  subnet_id: string;
  subnet_ids: string[];
}

/** A gateway as a request gives it: the network, SNAT and the requested addresses. */
export interface GatewayRequest {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: FixedIpRequest[];
}

/** Each next hop must lie in one of `cidrs` and must not be one of the router's `addresses`. */
export function checkNextHops(routes: Route[], cidrs: IpNetwork[], addresses: string[]): void {
  const routesText = pythonRepr(routes.map((route) => ({ ...route })));
  for (const route of routes) {
    const nexthop = parseIp(route.nexthop);
    if (nexthop === undefined || !cidrs.some((cidr) => containsAddress(cidr, nexthop))) {
      throw neutronError("InvalidRoutes", {
        routes: routesText,
        reason: "the nexthop is not connected with router",
      });
    }
    if (addresses.includes(route.nexthop)) {
      throw neutronError("InvalidRoutes", {
        routes: routesText,
        reason: "the nexthop is used by router",
      });
    }
  }
}

export function routerError(message: string) {
  return badResourceRequest("router", message);
}

/** Returns the gateway a request sets, or undefined when it sets none (null or `{}`). */
export function gatewayRequest(value: unknown): GatewayRequest | undefined {
  if (value === null || value === undefined || value === NOT_SPECIFIED) {
    return undefined;
  }
  const info = value as Record<string, unknown>;
  if (!isSet(info.network_id)) {
    return undefined;
  }
  return {
    network_id: String(info.network_id),
    ...(typeof info.enable_snat === "boolean" ? { enable_snat: info.enable_snat } : {}),
    ...(Array.isArray(info.external_fixed_ips)
      ? { external_fixed_ips: info.external_fixed_ips as FixedIpRequest[] }
      : {}),
  };
}

/** Returns whether the requested gateway addresses differ from the gateway port's, as Neutron compares them. */
export function externalIpsChanged(
  hasPort: boolean,
  current: { subnet_id: string; ip_address: string }[],
  requested: FixedIpRequest[],
): boolean {
  if (requested.length === 0) {
    return false;
  }
  if (!hasPort) {
    return true;
  }
  const sameSet = (left: Set<string>, right: Set<string>) =>
    left.size === right.size && [...left].every((value) => right.has(value));
  const currentSubnets = new Set(current.map((ip) => ip.subnet_id));
  const requestedSubnets = new Set(
    requested.map((ip) => ip.subnet_id).filter((id): id is string => id !== undefined),
  );
  if (!sameSet(currentSubnets, requestedSubnets)) {
    return true;
  }
  const currentAddresses = new Set(current.map((ip) => ip.ip_address));
  const requestedAddresses = new Set(
    requested.map((ip) => ip.ip_address).filter((ip): ip is string => ip !== undefined),
  );
  return !sameSet(currentAddresses, requestedAddresses);
}

/**
 * Checks an interface request body: `subnet_id` or `port_id`, each a UUID, and not both when
 * adding. Returns whether the request names a port.
 */
export function validateInterfaceInfo(body: Record<string, unknown>, forRemoval: boolean): boolean {
  const byPort = "port_id" in body;
  const bySubnet = "subnet_id" in body;
  if (!byPort && !bySubnet) {
    throw routerError("Either subnet_id or port_id must be specified");
  }
  for (const key of ["port_id", "subnet_id"]) {
    if (key in body) {
      const message = validateUuid(body[key]);
      if (message !== undefined) {
        throw routerError(message);
      }
    }
  }
  if (!forRemoval && byPort && bySubnet) {
    throw routerError("Cannot specify both subnet-id and port-id");
  }
  return byPort;
}

/** Rejects an IPv6 subnet whose hosts take addresses from routers outside Neutron. */
export function checkAddressMode(subnet: SubnetRow): void {
  if (
    subnet.ip_version === 6 &&
    subnet.ipv6_ra_mode === null &&
    subnet.ipv6_address_mode !== null
  ) {
    throw routerError(
      `IPv6 subnet ${subnet.id} configured to receive RAs from an external router cannot be added to Neutron Router.`,
    );
  }
}

export function interfaceInfo(
  router: RouterRow,
  portId: string,
  projectId: string,
  networkId: string,
  subnetIds: string[],
  shownSubnet = subnetIds.length - 1,
): RouterInterfaceInfo {
  return {
    id: router.id,
    tenant_id: projectId,
    project_id: projectId,
    port_id: portId,
    network_id: networkId,
    subnet_id: subnetIds[shownSubnet] ?? "",
    subnet_ids: subnetIds,
  };
}
