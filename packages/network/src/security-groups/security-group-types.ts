import {
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import { convertToBoolean } from "../api/converters.js";
import { booleanFilter, integerFilter } from "../api/filters.js";
import { pythonRepr, pythonStr } from "../api/python-format.js";
import { parseCidrLoose, toPythonInt, validateString, validateValues } from "../api/validators.js";
import { neutronError } from "../errors.js";
import { formatCidr } from "../ipam/ip-address.js";

/** Protocol names a rule accepts, with their IP protocol numbers. */
export const IP_PROTOCOL_NUMBERS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  "ipv6-encap": 41,
  "ipv6-frag": 44,
  "ipv6-icmp": 58,
  icmpv6: 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  "ipv6-route": 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** The supported values Neutron lists in its invalid-protocol message. */
const SUPPORTED_PROTOCOLS: unknown[] = [null, ...Object.keys(IP_PROTOCOL_NUMBERS)];
export const ETHERTYPES = ["IPv4", "IPv6"] as const;

function invalidProtocol(value: unknown) {
  return neutronError("SecurityGroupRuleInvalidProtocol", {
    protocol: pythonStr(value),
    values: pythonRepr(SUPPORTED_PROTOCOLS),
  });
}

/** Reads a protocol: a number 0-255 (kept as text) or a known name (lower-cased). */
export function convertProtocol(value: unknown): unknown {
  if (value === null) {
    return null;
  }
  const number = toPythonInt(value);
  if (number !== undefined && typeof value !== "boolean") {
    if (number >= 0 && number <= 255) {
      return String(value).trim();
    }
    throw invalidProtocol(value);
  }
  if (typeof value === "string" && value.toLowerCase() in IP_PROTOCOL_NUMBERS) {
    return value.toLowerCase();
  }
  throw invalidProtocol(value);
}

/** Reads `ipv4`/`IPV6`... as `IPv4`/`IPv6`. */
export function convertEthertype(value: unknown): unknown {
  if (typeof value === "string") {
    const match = ETHERTYPES.find((ethertype) => ethertype.toLowerCase() === value.toLowerCase());
    if (match !== undefined) {
      return match;
    }
  }
  throw neutronError("SecurityGroupRuleInvalidEtherType", {
    ethertype: pythonStr(value),
    values: pythonRepr([...ETHERTYPES]),
  });
}

/** Reads a port number 0-65535. */
export function convertPortValue(value: unknown): unknown {
  if (value === null) {
    return null;
  }
  const port = toPythonInt(value);
  if (port !== undefined && typeof value !== "boolean" && port >= 0 && port <= 65535) {
    return port;
  }
  throw neutronError("SecurityGroupInvalidPortValue", { port: pythonStr(value) });
}

/** Reads a remote prefix; a bare address becomes a host prefix. */
export function convertIpPrefix(value: unknown): unknown {
  if (value === null || value === "") {
    return null;
  }
  const parsed = typeof value === "string" ? parseCidrLoose(value) : undefined;
  if (parsed === undefined) {
    throw neutronError("InvalidCIDR", { input: pythonStr(value) });
  }
  return formatCidr(parsed);
}

/** Names a group `default` only through the automatic default group. */
export function convertNameNotDefault(value: unknown): unknown {
  const message = validateString(255)(value);
  if (message === undefined && (value as string).toLowerCase() === "default") {
    throw neutronError("SecurityGroupDefaultAlreadyExists");
  }
  return value;
}

/** A security group as the API shows it. */
export interface SecurityGroup extends Record<string, unknown> {
  id: string;
  name: string;
  project_id: string;
  stateful: boolean;
  security_group_rules: SecurityGroupRule[];
}

/** A security group rule as the API shows it. */
export interface SecurityGroupRule extends Record<string, unknown> {
  id: string;
  project_id: string;
  security_group_id: string;
  remote_group_id: string | null;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
}

export const securityGroupDefinition: ResourceDefinition = {
  singular: "security_group",
  plural: "security_groups",
  path: "security-groups",
  attributes: {
    id: { post: false, put: false, visible: true, filter: {}, sortable: true },
    name: {
      post: true,
      put: true,
      visible: true,
      default: "",
      convert: convertNameNotDefault,
      validate: validateString(255),
      filter: {},
      sortable: true,
    },
    ...projectAttributes(),
    security_group_rules: { post: false, put: false, visible: true },
    stateful: {
      post: true,
      put: true,
      visible: true,
      default: true,
      convert: convertToBoolean,
      filter: booleanFilter,
    },
    shared: { post: false, put: false, visible: true, filter: booleanFilter },
    ...standardAttributes(),
  },
};

export const securityGroupRuleDefinition: ResourceDefinition = {
  singular: "security_group_rule",
  plural: "security_group_rules",
  path: "security-group-rules",
  attributes: {
    id: { post: false, put: false, visible: true, filter: {}, sortable: true },
    security_group_id: {
      post: true,
      put: false,
      visible: true,
      validate: validateString(36),
      filter: {},
      sortable: true,
    },
    remote_group_id: {
      post: true,
      put: false,
      visible: true,
      default: null,
      filter: {},
      sortable: true,
    },
    direction: {
      post: true,
      put: false,
      visible: true,
      validate: validateValues(["ingress", "egress"]),
      filter: {},
      sortable: true,
    },
    protocol: {
      post: true,
      put: false,
      visible: true,
      default: null,
      convert: convertProtocol,
      filter: {},
      sortable: true,
    },
    port_range_min: {
      post: true,
      put: false,
      visible: true,
      default: null,
      convert: convertPortValue,
      filter: integerFilter,
      sortable: true,
    },
    port_range_max: {
      post: true,
      put: false,
      visible: true,
      default: null,
      convert: convertPortValue,
      filter: integerFilter,
      sortable: true,
    },
    ethertype: {
      post: true,
      put: false,
      visible: true,
      default: "IPv4",
      convert: convertEthertype,
      validate: validateValues(ETHERTYPES),
      filter: {},
      sortable: true,
    },
    remote_ip_prefix: {
      post: true,
      put: false,
      visible: true,
      default: null,
      convert: convertIpPrefix,
      filter: {},
      sortable: true,
    },
    ...projectAttributes(),
    normalized_cidr: { post: false, put: false, visible: true, filter: {}, sortable: true },
    ...standardAttributes({ tags: false }),
  },
};
