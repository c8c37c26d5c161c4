import { ApiError, defineErrorCatalogue } from "@openstack-ts/kernel";

const specs = {
  INVALID_REQUEST: { status: 400, message: "Invalid request: {reason}" },
  NEUTRON_ERROR: { status: 500, message: "{reason}" },
  NEUTRON_UNREACHABLE: {
    status: 500,
    message: "Neutron at {url} could not be reached: {reason}",
  },
  IDENTITY_FAILED: { status: 500, message: "Authentication with Keystone failed: {reason}" },
  MANDATORY_EXTENSION_MISSING: {
    status: 500,
    message: "Neutron extension with alias '{alias}' not found",
  },
  NETWORK_NOT_FOUND: {
    status: 500,
    message: "Specified network id/name({value}) does not exist.",
  },
  ENDPOINT_NETWORK_MISSING: {
    status: 200,
    message: "Neutron net associated with identifier {id} doesn't exist.",
  },
  INTERFACE_ADDRESS_MISSING: { status: 200, message: "Interface address v4 or v6 not provided." },
  DUPLICATED_RESOURCE: {
    status: 500,
    message: "Multiple Neutron {kind} exist for {filter}.",
  },
  SHARED_FLAG_CONFLICT: {
    status: 500,
    message:
      "Network option neutron.net.shared={requested} conflicts with shared={actual} of Neutron {kind} {id}.",
  },
  SUBNET_NOT_FOUND: { status: 500, message: "No Neutron subnet for {what}." },
  SUBNET_NAME_NOT_FOUND: {
    status: 500,
    message: "The subnet doesn't exist for the name {name}.",
  },
  POOL_NOT_FOUND: { status: 500, message: "No Neutron subnet pool with {what} is found." },
  POOL_CIDR_IN_USE: {
    status: 500,
    message:
      "Another pool with same cidr {cidr} exists and is in use; pass a pool or subnet name in the options.",
  },
  POOL_CIDR_OUTSIDE: {
    status: 500,
    message: "CIDR {cidr} is not within the prefixes {prefixes} of subnet pool {pool}.",
  },
  DEFAULT_POOL_EXHAUSTED: {
    status: 500,
    message: "Default subnet pool {pool} has no free /{prefixlen} left in {prefixes}.",
  },
  INVALID_POOL_ID: { status: 400, message: "Invalid PoolID {pool}: expected <uuid>[/<cidr>]." },
  GATEWAY_CONFLICT: {
    status: 500,
    message:
      "Requested gateway {requested} does not match with gateway {actual} in existed network.",
  },
  ADDRESS_IN_USE: {
    status: 409,
    message: "Address {address} is in use by Neutron port {port} of device {device}.",
  },
  ENDPOINT_EXISTS: {
    status: 409,
    message: "Endpoint {endpoint} is already bound to Neutron port {port}.",
  },
  PORT_NOT_FOUND: { status: 500, message: "No Neutron port found for endpoint {endpoint}." },
  PORT_INACTIVE: {
    status: 500,
    message: "Neutron port {port} did not become ACTIVE within {seconds} seconds.",
  },
  EXPOSE_FAILED: { status: 500, message: "Exposing ports failed: {reason}" },
  BINDING_FAILED: { status: 500, message: "Binding the container interface failed: {reason}" },
} as const;

export type KuryrErrorCode = keyof typeof specs;

/** Values that fill the `{name}` placeholders of a catalogue message. */
export type KuryrErrorParameters = Record<string, string | number | boolean | null | undefined>;

/**
 * Every error the plugin returns to Docker. Statuses follow kuryr-libnetwork: a request that fails
 * schema validation gets 400, an error of the plugin's own gets 500, and a few lookups that Docker
 * treats as soft failures get 200 with `Err`. Neutron's refusals keep Neutron's status
 * (see {@link neutronFailure}).
 */
export const kuryrErrors: {
  specs: typeof specs;
  create(code: KuryrErrorCode, parameters?: KuryrErrorParameters, message?: string): ApiError;
} = defineErrorCatalogue(specs);

/** Builds the plugin error for a Neutron refusal, keeping Neutron's HTTP status and message. */
export function neutronFailure(status: number, message: string): ApiError {
  const passedStatus = status >= 400 && status < 600 ? status : 500;
  return new ApiError("NEUTRON_ERROR", passedStatus, message);
}
