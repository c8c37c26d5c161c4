import {
  type AttributeSpec,
  NOT_SPECIFIED,
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import { type Converter, convertNoneToEmptyList, convertToBoolean } from "../api/converters.js";
import { booleanFilter } from "../api/filters.js";
import {
  isPlainObject,
  type Validator,
  validateFixedIps,
  validateHostRoutes,
  validateString,
  validateUuid,
  verifyDictKeys,
} from "../api/validators.js";

/** Device owner of the ports that connect a router to its internal subnets. */
export const ROUTER_INTERFACE_OWNER = "network:router_interface";
/** Device owner of a router's port on its external network. */
export const ROUTER_GATEWAY_OWNER = "network:router_gateway";

/** One address of a router's gateway port. */
export interface ExternalFixedIp {
  subnet_id: string;
  ip_address: string;
}

/** The gateway as a router shows it; null while the router has none. */
export interface ExternalGatewayInfo {
  network_id: string;
  enable_snat: boolean;
  external_fixed_ips: ExternalFixedIp[];
}

/** An extra route: traffic for `destination` goes to `nexthop`. */
export interface Route {
  destination: string;
  nexthop: string;
}

/** A router as the API shows it. */
export interface Router extends Record<string, unknown> {
  id: string;
  name: string;
  tenant_id: string;
  project_id: string;
  admin_state_up: boolean;
  status: string;
  external_gateway_info: ExternalGatewayInfo | null;
  routes: Route[];
  description: string;
  tags: string[];
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** Keys of `external_gateway_info`, with the ext-gw-mode extension's `enable_snat`. */
const GATEWAY_KEYS = ["network_id", "enable_snat", "external_fixed_ips"];

/**
 * neutron-lib's `type:dict_or_nodata` with the gateway's key specs: empty values pass, `network_id`
 * is required, other keys are rejected, and each value is checked.
 */
export const validateGatewayInfo: Validator = (value) => {
  if (value === null || (isPlainObject(value) && Object.keys(value).length === 0)) {
    return undefined;
  }
  if (!isPlainObject(value)) {
    return `'${String(value)}' is not a dictionary`;
  }
  const missing = verifyDictKeys(["network_id"], value, false);
  if (missing !== undefined) {
    return missing;
  }
  const unexpected = Object.keys(value).filter((key) => !GATEWAY_KEYS.includes(key));
  if (unexpected.length > 0) {
    return `Unexpected keys supplied: ${unexpected.join(", ")}`;
  }
  const networkId = validateUuid(value.network_id);
  if (networkId !== undefined) {
    return networkId;
  }
  if ("enable_snat" in value && typeof value.enable_snat !== "boolean") {
    return `'${String(value.enable_snat)}' is not boolean`;
  }
  if ("external_fixed_ips" in value) {
    return validateFixedIps(value.external_fixed_ips);
  }
  return undefined;
};

/** Converts `enable_snat` inside the gateway as neutron-lib converts dictionary items. */
const convertGatewayInfo: Converter = (value) => {
  if (!isPlainObject(value) || !("enable_snat" in value)) {
    return value;
  }
  return { ...value, enable_snat: convertToBoolean(value.enable_snat) };
};

const idSpec: AttributeSpec = {
  post: false,
  put: false,
  visible: true,
  filter: {},
  sortable: true,
};

/**
 * The `routers` resource: the `router` extension's attributes, `external_gateway_info` as
 * `ext-gw-mode` extends it, and `routes` from `extraroute`.
 */
export const routerDefinition: ResourceDefinition = {
  singular: "router",
  plural: "routers",
  path: "routers",
  attributes: {
    id: idSpec,
    name: {
      post: true,
      put: true,
      visible: true,
      default: "",
      validate: validateString(255),
      filter: {},
      sortable: true,
    },
    admin_state_up: {
      post: true,
      put: true,
      visible: true,
      default: true,
      convert: convertToBoolean,
      filter: booleanFilter,
      sortable: true,
    },
    status: { post: false, put: false, visible: true, sortable: true },
    ...projectAttributes(),
    external_gateway_info: {
      post: true,
      put: true,
      visible: true,
      default: null,
      convert: convertGatewayInfo,
      validate: validateGatewayInfo,
      enforcePolicy: true,
    },
    routes: {
      post: false,
      put: true,
      visible: true,
      default: NOT_SPECIFIED,
      convert: convertNoneToEmptyList,
      validate: validateHostRoutes,
    },
    ...standardAttributes(),
  },
};
