import {
  type ApiError,
  defineErrorCatalogue,
  type ErrorFormatter,
  type ErrorSpec,
} from "@openstack-ts/kernel";

/**
 * Every error the network service returns. Each code is the `type` in Neutron's error body (the
 * upstream exception class name), so clients that match on it keep working. Each message is
 * Neutron's wire text, filled from the parameters.
 */
const specs = {
  HTTPBadRequest: { status: 400, message: "{message}" },
  HTTPNotFound: { status: 404, message: "The resource could not be found." },
  HTTPForbidden: { status: 403, message: "{message}" },
  HTTPConflict: { status: 409, message: "{message}" },
  HTTPMethodNotAllowed: {
    status: 405,
    message:
      "The server could not comply with the request since it is either malformed or otherwise incorrect.",
  },
  HTTPRequestEntityTooLarge: { status: 413, message: "Request is too large." },
  HTTPUnsupportedMediaType: { status: 415, message: "Unsupported Content-Type" },
  HTTPInternalServerError: {
    status: 500,
    message: "Request Failed: internal server error while processing your request.",
  },
  HTTPServiceUnavailable: { status: 503, message: "{message}" },
  BadRequest: { status: 400, message: "Bad {resource} request: {msg}." },
  InvalidInput: { status: 400, message: "Invalid input for operation: {error_message}." },
  MalformedRequestBody: { status: 400, message: "Malformed request body: {reason}." },
  TenantIdProjectIdFilterConflict: {
    status: 400,
    message: "Both tenant_id and project_id passed as filters.",
  },
  PolicyNotAuthorized: { status: 403, message: "{rule} is disallowed by policy" },
  AdminRequired: { status: 403, message: "User does not have admin privileges: {reason}." },

  NetworkNotFound: { status: 404, message: "Network {net_id} could not be found." },
  AgentNotFound: { status: 404, message: "Agent {id} could not be found." },
  NetworkInUse: {
    status: 409,
    message: "Unable to complete operation on network {net_id}. {reason}.",
  },
  InvalidSharedSetting: {
    status: 409,
    message:
      "Unable to reconfigure sharing settings for network {network}. Multiple tenants are using it.",
  },

  SubnetNotFound: { status: 404, message: "Subnet {subnet_id} could not be found." },
  SubnetInUse: {
    status: 409,
    message: "Unable to complete operation on subnet {subnet_id}: {reason}.",
  },
  InvalidAllocationPool: { status: 400, message: "The allocation pool {pool} is not valid." },
  OutOfBoundsAllocationPool: {
    status: 400,
    message: "The allocation pool {pool} spans beyond the subnet cidr {subnet_cidr}.",
  },
  OverlappingAllocationPools: {
    status: 409,
    message: "Found overlapping allocation pools: {pool_1} {pool_2} for subnet {subnet_cidr}.",
  },
  GatewayConflictWithAllocationPools: {
    status: 409,
    message: "Gateway ip {ip_address} conflicts with allocation pool {pool}.",
  },
  GatewayIpInUse: {
    status: 409,
    message: "Current gateway ip {ip_address} already in use by port {port_id}. Unable to update.",
  },
  DNSNameServersExhausted: {
    status: 400,
    message:
      "Unable to complete operation for {subnet_id}. The number of DNS nameservers exceeds the limit {quota}.",
  },
  HostRoutesExhausted: {
    status: 400,
    message:
      "Unable to complete operation for {subnet_id}. The number of host routes exceeds the limit {quota}.",
  },
  NetworkSubnetPoolAffinityError: {
    status: 400,
    message: "Subnets hosted on the same network must be allocated from the same subnet pool.",
  },

  SubnetPoolNotFound: { status: 404, message: "Subnet pool {subnetpool_id} could not be found." },
  SubnetPoolInUse: {
    status: 409,
    message: "Unable to complete operation on subnet pool {subnet_pool_id}. {reason}.",
  },
  SubnetPoolDeleteError: { status: 400, message: "Unable to delete subnet pool: {reason}." },
  SubnetPoolQuotaExceeded: {
    status: 409,
    message: "Per-tenant subnet pool prefix quota exceeded.",
  },
  EmptySubnetPoolPrefixList: { status: 400, message: "Empty subnet pool prefix list." },
  PrefixVersionMismatch: {
    status: 400,
    message: "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.",
  },
  UnsupportedMinSubnetPoolPrefix: {
    status: 400,
    message: "Prefix '{prefix}' not supported in IPv{version} pool.",
  },
  IllegalSubnetPoolPrefixBounds: {
    status: 400,
    message:
      "Illegal prefix bounds: {prefix_type}={prefixlen}, {base_prefix_type}={base_prefixlen}.",
  },
  IllegalSubnetPoolPrefixUpdate: { status: 400, message: "Illegal update to prefixes: {msg}." },
  IllegalSubnetPoolUpdate: { status: 400, message: "Illegal subnetpool update : {reason}." },
  MinPrefixSubnetAllocationError: {
    status: 400,
    message:
      "Unable to allocate subnet with prefix length {prefixlen}, minimum allowed prefix is {min_prefixlen}.",
  },
  MaxPrefixSubnetAllocationError: {
    status: 400,
    message:
      "Unable to allocate subnet with prefix length {prefixlen}, maximum allowed prefix is {max_prefixlen}.",
  },
  // NOTE: upstream responds to this one with 500 because its exception class has no HTTP mapping.
  // An exhausted pool is a conflict with existing state, so it is a 409 here.
  SubnetAllocationError: { status: 409, message: "Failed to allocate subnet: {reason}." },

  PortNotFound: { status: 404, message: "Port {port_id} could not be found." },
  MacAddressInUse: {
    status: 409,
    message: "Unable to complete operation for network {net_id}. The mac address {mac} is in use.",
  },
  NetworkMacAddressGenerationFailure: {
    status: 503,
    message: "Unable to generate unique mac on network {net_id}.",
  },
  IpAddressAlreadyAllocated: {
    status: 409,
    message: "IP address {ip} already allocated in subnet {subnet_id}",
  },
  IpAddressGenerationFailure: {
    status: 409,
    message: "No more IP addresses available on network {net_id}.",
  },
  InvalidIpForNetwork: {
    status: 400,
    message:
      "IP address {ip_address} is not a valid IP for any of the subnets on the specified network.",
  },
  InvalidIpForSubnet: {
    status: 400,
    message: "IP address {ip_address} is not a valid IP for the specified subnet.",
  },
  AllocationOnAutoAddressSubnet: {
    status: 400,
    message:
      "IPv6 address {ip} cannot be directly assigned to a port on subnet {subnet_id} as the subnet is configured for automatic addresses",
  },
  AllowedAddressPairExhausted: {
    status: 400,
    message: "The number of allowed address pair exceeds the maximum {quota}.",
  },
  AllowedAddressPairsMissingIP: {
    status: 400,
    message: "AllowedAddressPair must contain ip_address",
  },
  DuplicateAddressPairInRequest: {
    status: 400,
    message:
      "Request contains duplicate address pair: mac_address {mac_address} ip_address {ip_address}.",
  },
  AddressPairAndPortSecurityRequired: {
    status: 409,
    message: "Port Security must be enabled in order to have allowed address pairs on a port.",
  },
  PortSecurityAndIPRequiredForSecurityGroups: {
    status: 400,
    message:
      "Port security must be enabled and port must have an IP address in order to use security groups.",
  },
  PortSecurityPortHasSecurityGroup: {
    status: 409,
    message:
      "Port has security group associated. Cannot disable port security or IP address until security group is removed.",
  },

  PortInUse: {
    status: 409,
    message:
      "Unable to complete operation on port {port_id} for network {net_id}. Port already has an attached device {device_id}.",
  },
  ServicePortInUse: {
    status: 409,
    message: "Port {port_id} cannot be deleted directly via the port API: {reason}.",
  },
  SubnetMismatchForPort: {
    status: 400,
    message: "Subnet on port {port_id} does not match the requested subnet {subnet_id}.",
  },

  RouterNotFound: { status: 404, message: "Router {router_id} could not be found" },
  RouterInUse: { status: 409, message: "Router {router_id} {reason}" },
  RouterInterfaceNotFound: {
    status: 404,
    message: "Router {router_id} does not have an interface with id {port_id}",
  },
  RouterInterfaceNotFoundForSubnet: {
    status: 404,
    message: "Router {router_id} has no interface on subnet {subnet_id}",
  },
  InvalidRoutes: { status: 400, message: "Invalid format for routes: {routes}, {reason}" },
  RoutesExhausted: {
    status: 400,
    message:
      "Unable to complete operation for {router_id}. The number of routes exceeds the maximum {quota}.",
  },
  RouterInterfaceInUseByRoute: {
    status: 409,
    message:
      "Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, as it is required by one or more routes.",
  },

  FloatingIPNotFound: { status: 404, message: "Floating IP {floatingip_id} could not be found" },
  ExternalGatewayForFloatingIPNotFound: {
    status: 404,
    message:
      "External network {external_network_id} is not reachable from subnet {subnet_id}.  Therefore, cannot associate Port {port_id} with a Floating IP.",
  },
  FloatingIPPortAlreadyAssociated: {
    status: 409,
    message:
      "Cannot associate floating IP {floating_ip_address} ({fip_id}) with port {port_id} using fixed IP {fixed_ip}, as that fixed IP already has a floating IP on external network {net_id}.",
  },
  ExternalIpAddressExhausted: {
    status: 400,
    message: "Unable to find any IP address on external network {net_id}.",
  },
  RouterInterfaceInUseByFloatingIP: {
    status: 409,
    message:
      "Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, as it is required by one or more floating IPs.",
  },
  RouterExternalGatewayInUseByFloatingIp: {
    status: 409,
    message:
      "Gateway cannot be updated for router {router_id}, since a gateway to external network {net_id} is required by one or more floating IPs.",
  },

  SecurityGroupNotFound: { status: 404, message: "Security group {id} does not exist" },
  SecurityGroupRuleNotFound: { status: 404, message: "Security group rule {id} does not exist" },
  SecurityGroupInUse: { status: 409, message: "Security Group {id} {reason}." },
  SecurityGroupCannotRemoveDefault: {
    status: 409,
    message: "Insufficient rights for removing default security group.",
  },
  SecurityGroupCannotUpdateDefault: {
    status: 409,
    message: "Updating default security group not allowed.",
  },
  SecurityGroupDefaultAlreadyExists: {
    status: 409,
    message: "Default security group already exists.",
  },
  SecurityGroupRuleExists: {
    status: 409,
    message: "Security group rule already exists. Rule id is {rule_id}.",
  },
  DuplicateSecurityGroupRuleInPost: {
    status: 409,
    message: "Duplicate Security Group Rule in POST.",
  },
  SecurityGroupConflict: { status: 409, message: "Error {reason} while attempting the operation." },
  SecurityGroupRuleInvalidProtocol: {
    status: 400,
    message:
      "Security group rule protocol {protocol} not supported. Only protocol values {values} and integer representations [0 to 255] are supported.",
  },
  SecurityGroupRuleInvalidEtherType: {
    status: 400,
    message:
      "Security group rule for ethertype '{ethertype}' not supported. Allowed values are {values}.",
  },
  SecurityGroupInvalidPortValue: { status: 400, message: "Invalid value for port {port}" },
  SecurityGroupInvalidPortRange: {
    status: 400,
    message: "For TCP/UDP protocols, port_range_min must be <= port_range_max",
  },
  SecurityGroupInvalidIcmpValue: {
    status: 400,
    message: "Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255.",
  },
  SecurityGroupMissingIcmpType: {
    status: 400,
    message:
      "ICMP code (port-range-max) {value} is provided but ICMP type (port-range-min) is missing.",
  },
  SecurityGroupInvalidProtocolForPort: {
    status: 400,
    message:
      "Ports cannot be specified for protocol {protocol}. Ports are only supported for {valid_port_protocols}.",
  },
  SecurityGroupProtocolRequiredWithPorts: {
    status: 400,
    message: "Must also specify protocol if port range is given.",
  },
  SecurityGroupEthertypeConflictWithProtocol: {
    status: 400,
    message: "Invalid ethertype {ethertype} for protocol {protocol}.",
  },
  SecurityGroupMultipleRemoteEntites: {
    status: 400,
    message:
      "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.",
  },
  SecurityGroupRuleParameterConflict: {
    status: 400,
    message: "Conflicting value ethertype {ethertype} for CIDR {cidr}",
  },
  InvalidCIDR: { status: 400, message: "Invalid CIDR {input} given as IP prefix." },

  TagNotFound: { status: 404, message: "Tag {tag} could not be found." },
  TagResourceNotFound: {
    status: 404,
    message: "Resource {resource} {resource_id} could not be found.",
  },

  OverQuota: { status: 409, message: "Quota exceeded for resources: {overs}." },
  QuotaResourceUnknown: { status: 404, message: "Unknown quota resources {unknown}." },
  TenantQuotaNotFound: { status: 404, message: "Quota for tenant {tenant_id} could not be found." },
  QuotaMissingTenant: { status: 400, message: "Tenant-id was missing from quota request." },
  InvalidQuotaValue: {
    status: 409,
    message: "Change would make usage less than 0 for the following resources: {unders}.",
  },
} satisfies Record<string, ErrorSpec>;

export const errors: {
  specs: typeof specs;
  create(
    code: keyof typeof specs,
    parameters?: Record<string, string | number | boolean | null | undefined>,
    message?: string,
  ): ApiError;
} = defineErrorCatalogue(specs);

export type ErrorCode = keyof typeof errors.specs;

/** Creates a catalogued error. */
export function neutronError(
  code: ErrorCode,
  parameters?: Record<string, string | number | boolean | null | undefined>,
): ApiError {
  return errors.create(code, parameters);
}

/** Creates a 400 error with Neutron's generic `HTTPBadRequest` type and the given text. */
export function badRequest(message: string): ApiError {
  return errors.create("HTTPBadRequest", { message });
}

/** Neutron's `InvalidInput`: "Invalid input for operation: ...". */
export function invalidInput(message: string): ApiError {
  return errors.create("InvalidInput", { error_message: message });
}

/** Neutron's `BadRequest(resource, msg)`: "Bad subnets request: ...". */
export function badResourceRequest(resource: string, message: string): ApiError {
  return errors.create("BadRequest", { resource, msg: message });
}

/** Kernel error codes (fastify's own failures) mapped to the Neutron type that upstream sends. */
const KERNEL_CODE_TYPES: Record<string, { type: ErrorCode; message?: string }> = {
  NOT_FOUND: { type: "HTTPNotFound" },
  MALFORMED_JSON: { type: "HTTPBadRequest", message: "Body contains invalid data" },
  EMPTY_BODY: { type: "HTTPBadRequest", message: "Body contains invalid data" },
  INVALID_REQUEST: { type: "HTTPBadRequest" },
  BAD_REQUEST: { type: "HTTPBadRequest" },
  REQUEST_TOO_LARGE: { type: "HTTPRequestEntityTooLarge" },
  UNSUPPORTED_MEDIA_TYPE: { type: "HTTPUnsupportedMediaType" },
  INTERNAL_ERROR: { type: "HTTPInternalServerError" },
  IDENTITY_UNAVAILABLE: { type: "HTTPServiceUnavailable" },
};

/**
 * Renders errors as Neutron does: `{"NeutronError": {"type", "message", "detail"}}`. A missing or
 * invalid token gets keystonemiddleware's body instead, because that middleware responds before
 * Neutron receives the request.
 */
export const formatNeutronError: ErrorFormatter = (error) => {
  if (error.status === 401) {
    return {
      error: {
        code: 401,
        title: "Unauthorized",
        message: "The request you have made requires authentication.",
      },
    };
  }
  const mapped = KERNEL_CODE_TYPES[error.code];
  if (mapped !== undefined) {
    const spec = errors.specs[mapped.type];
    const message = mapped.message ?? (spec.message.includes("{") ? error.message : spec.message);
    return { NeutronError: { type: mapped.type, message, detail: "" } };
  }
  return { NeutronError: { type: error.code, message: error.message, detail: "" } };
};
