/**
 * Names and tags of the Neutron resources the plugin manages. They match kuryr-libnetwork's, so that
 * resources made by either plugin are recognised by the other and all state lives in Neutron.
 */

/** `device_owner` of ports bound to containers, also used as a tag on ports the IPAM creates. */
export const DEVICE_OWNER = "compute:kuryr";
/** Name of a port the IPAM reserved before Docker created the endpoint. */
export const UNBOUND_PORT_NAME = "kuryr-unbound-port";
/** Tag of a user's port that the IPAM adopted for a container. */
export const PORT_EXISTING_TAG = "kuryr.port.existing";
/** Tag of a user's subnet pool that a Docker network uses. */
export const POOL_EXISTING_TAG = "kuryr.subnetpool.existing";
/** Name prefix of the subnets the plugin creates. */
export const SUBNET_NAME_PREFIX = "kuryr-subnet-";

const LOW_HALF_TAG = "kuryr.net.uuid.lh:";
const HIGH_HALF_TAG = "kuryr.net.uuid.uh:";
const EXISTING_NETWORK_TAG = "kuryr.net.existing:";

/** `kuryr-net-<first 8 characters of the Docker network id>`. */
export function networkName(dockerNetworkId: string): string {
  return `kuryr-net-${dockerNetworkId.slice(0, 8)}`;
}

/**
 * The two tags that carry a 64-character Docker id (network or endpoint) in two halves, because a
 * Neutron tag holds at most 60 characters.
 */
export function idTags(dockerId: string): [string, string] {
  return [`${LOW_HALF_TAG}${dockerId.slice(0, 32)}`, `${HIGH_HALF_TAG}${dockerId.slice(32, 64)}`];
}

/** Tag that marks a Neutron network the user created and a Docker network attached to. */
export function existingNetworkTag(dockerNetworkId: string): string {
  return `${EXISTING_NETWORK_TAG}${dockerNetworkId.slice(0, 12)}`;
}

/** `kuryr-subnet-<pool CIDR>`. */
export function subnetName(cidr: string): string {
  return `${SUBNET_NAME_PREFIX}${cidr}`;
}

/** `<prefix>-<CIDR>`, with upstream's prefix `kuryrPool`. */
export function poolName(prefix: string, cidr: string): string {
  return `${prefix}-${cidr}`;
}

/** `<endpoint id>-port`. */
export function portName(endpointId: string): string {
  return `${endpointId}-port`;
}

/** `<port id>-exposed_ports`. */
export function securityGroupName(portId: string): string {
  return `${portId}-exposed_ports`;
}

/** Host side of the veth pair: `tap` and the port id, 14 characters. */
export function hostVethName(portId: string): string {
  return `tap${portId}`.slice(0, 14);
}

/** Container side of the veth pair, which Docker moves into the container: `t_c` and the port id. */
export function containerVethName(portId: string): string {
  return `t_c${portId}`.slice(0, 14);
}

/** Per-network Linux bridge: the prefix and the Neutron network id without dashes, 14 characters. */
export function bridgeName(prefix: string, neutronNetworkId: string): string {
  return `${prefix}${neutronNetworkId.replaceAll("-", "")}`.slice(0, 14);
}
