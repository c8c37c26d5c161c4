import {
  NOT_SPECIFIED,
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import { convertToBoolean, convertToInt } from "../api/converters.js";
import { booleanFilter, integerFilter } from "../api/filters.js";
import {
  validateNonNegative,
  validateNotEmptyString,
  validateSubnetList,
} from "../api/validators.js";

/** A subnet pool as the API shows it. */
export interface SubnetPool extends Record<string, unknown> {
  id: string;
  name: string;
  tenant_id: string;
  project_id: string;
  prefixes: string[];
  ip_version: number;
  /** Prefix lengths are strings in Neutron's responses, as upstream formats them. */
  default_prefixlen: string;
  min_prefixlen: string;
  max_prefixlen: string;
  default_quota: number | null;
  is_default: boolean;
  shared: boolean;
}

const prefixLength = {
  post: true,
  put: true,
  visible: true,
  default: NOT_SPECIFIED,
  convert: convertToInt,
  validate: validateNonNegative,
  filter: integerFilter,
  sortable: true,
};

/** The `subnetpools` resource (the `subnet_allocation` extension). */
export const subnetPoolDefinition: ResourceDefinition = {
  singular: "subnetpool",
  plural: "subnetpools",
  path: "subnetpools",
  attributes: {
    id: { post: false, put: false, visible: true, filter: {}, sortable: true },
    name: {
      post: true,
      put: true,
      visible: true,
      validate: validateNotEmptyString(),
      filter: {},
      sortable: true,
    },
    ...projectAttributes(),
    prefixes: { post: true, put: true, visible: true, validate: validateSubnetList },
    default_quota: { ...prefixLength },
    ip_version: { post: false, put: false, visible: true, filter: integerFilter, sortable: true },
    default_prefixlen: { ...prefixLength },
    min_prefixlen: { ...prefixLength },
    max_prefixlen: { ...prefixLength },
    is_default: {
      post: true,
      put: true,
      visible: true,
      default: false,
      convert: convertToBoolean,
      filter: booleanFilter,
      sortable: true,
      enforcePolicy: true,
    },
    shared: {
      post: true,
      put: false,
      visible: true,
      default: false,
      convert: convertToBoolean,
      filter: booleanFilter,
      sortable: true,
      enforcePolicy: true,
    },
    ...standardAttributes(),
  },
};
