import {
  NOT_SPECIFIED,
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import {
  convertCidrToCanonical,
  convertIpToCanonical,
  convertNoneToEmptyList,
  convertPoolsToCanonical,
  convertToBoolean,
  convertToInt,
} from "../api/converters.js";
import { booleanFilter, integerFilter } from "../api/filters.js";
import {
  validateHostRoutes,
  validateIpAddressOrNone,
  validateIpPools,
  validateNameservers,
  validateNonNegative,
  validateString,
  validateSubnetOrNone,
  validateUuid,
  validateUuidOrNone,
  validateValues,
} from "../api/validators.js";

/** A subnet as the API shows it. */
export interface Subnet extends Record<string, unknown> {
  id: string;
  name: string;
  tenant_id: string;
  project_id: string;
  network_id: string;
  ip_version: number;
  subnetpool_id: string | null;
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  gateway_ip: string | null;
  cidr: string;
  allocation_pools: { start: string; end: string }[];
  host_routes: { destination: string; nexthop: string }[];
  dns_nameservers: string[];
}

export const IPV6_MODES = ["dhcpv6-stateful", "dhcpv6-stateless", "slaac"] as const;

const canonicalIpFilter = { convert: (value: string) => convertIpToCanonical(value) };

/** The `subnets` resource: core attributes plus `use_default_subnetpool`. */
export const subnetDefinition: ResourceDefinition = {
  singular: "subnet",
  plural: "subnets",
  path: "subnets",
  attributes: {
    id: { post: false, put: false, visible: true, filter: {}, sortable: true },
    name: {
      post: true,
      put: true,
      visible: true,
      default: "",
      validate: validateString(255),
      filter: {},
      sortable: true,
    },
    ip_version: {
      post: true,
      put: false,
      visible: true,
      convert: convertToInt,
      validate: validateValues([4, 6]),
      filter: integerFilter,
      sortable: true,
    },
    network_id: {
      post: true,
      put: false,
      visible: true,
      validate: validateUuid,
      filter: {},
      sortable: true,
    },
    subnetpool_id: {
      post: true,
      put: false,
      visible: true,
      default: NOT_SPECIFIED,
      validate: validateUuidOrNone,
      filter: {},
      sortable: true,
    },
    prefixlen: {
      post: true,
      put: false,
      visible: false,
      default: NOT_SPECIFIED,
      convert: convertToInt,
      validate: validateNonNegative,
    },
    cidr: {
      post: true,
      put: false,
      visible: true,
      default: NOT_SPECIFIED,
      convert: convertCidrToCanonical,
      validate: validateSubnetOrNone,
      filter: { convert: (value) => convertCidrToCanonical(value) },
      sortable: true,
    },
    gateway_ip: {
      post: true,
      put: true,
      visible: true,
      default: NOT_SPECIFIED,
      convert: convertIpToCanonical,
      validate: validateIpAddressOrNone,
      filter: canonicalIpFilter,
      sortable: true,
    },
    allocation_pools: {
      post: true,
      put: true,
      visible: true,
      default: NOT_SPECIFIED,
      convert: convertPoolsToCanonical,
      validate: validateIpPools,
    },
    dns_nameservers: {
      post: true,
      put: true,
      visible: true,
      default: NOT_SPECIFIED,
      convert: convertNoneToEmptyList,
      validate: validateNameservers,
    },
    host_routes: {
      post: true,
      put: true,
      visible: true,
      default: NOT_SPECIFIED,
      convert: convertNoneToEmptyList,
      validate: validateHostRoutes,
    },
    ...projectAttributes(),
    enable_dhcp: {
      post: true,
      put: true,
      visible: true,
      default: true,
      convert: convertToBoolean,
      filter: booleanFilter,
      sortable: true,
    },
    ipv6_ra_mode: {
      post: true,
      put: false,
      visible: true,
      default: NOT_SPECIFIED,
      validate: (value) => (value === null ? undefined : validateValues(IPV6_MODES)(value)),
      filter: {},
      sortable: true,
    },
    ipv6_address_mode: {
      post: true,
      put: false,
      visible: true,
      default: NOT_SPECIFIED,
      validate: (value) => (value === null ? undefined : validateValues(IPV6_MODES)(value)),
      filter: {},
      sortable: true,
    },
    shared: { post: false, put: false, visible: false, default: false, filter: booleanFilter },
    use_default_subnetpool: {
      post: true,
      put: false,
      visible: false,
      default: false,
      convert: convertToBoolean,
    },
    ...standardAttributes(),
  },
};
