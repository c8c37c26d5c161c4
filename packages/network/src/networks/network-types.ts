import {
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import { convertToBoolean, convertToInt } from "../api/converters.js";
import { booleanFilter, integerFilter } from "../api/filters.js";
import { validateNonNegative, validateString } from "../api/validators.js";

/** A network as the API shows it. */
export interface Network extends Record<string, unknown> {
  id: string;
  name: string;
  tenant_id: string;
  project_id: string;
  admin_state_up: boolean;
  status: string;
  subnets: string[];
  shared: boolean;
  mtu: number;
  port_security_enabled: boolean;
  "router:external": boolean;
  description: string;
  tags: string[];
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** The `networks` resource: core attributes plus the mtu, port-security and external-net ones. */
export const networkDefinition: ResourceDefinition = {
  singular: "network",
  plural: "networks",
  path: "networks",
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
    subnets: { post: false, put: false, visible: true, default: [] },
    admin_state_up: {
      post: true,
      put: true,
      visible: true,
      default: true,
      convert: convertToBoolean,
      filter: booleanFilter,
      sortable: true,
    },
    status: { post: false, put: false, visible: true, filter: {}, sortable: true },
    ...projectAttributes(),
    shared: {
      post: true,
      put: true,
      visible: true,
      default: false,
      convert: convertToBoolean,
      filter: booleanFilter,
      enforcePolicy: true,
    },
    mtu: {
      post: true,
      put: true,
      visible: true,
      default: 0,
      convert: convertToInt,
      validate: validateNonNegative,
      filter: integerFilter,
      sortable: true,
      enforcePolicy: true,
    },
    port_security_enabled: {
      post: true,
      put: true,
      visible: true,
      default: true,
      convert: convertToBoolean,
      enforcePolicy: true,
    },
    "router:external": {
      post: true,
      put: true,
      visible: true,
      default: false,
      convert: convertToBoolean,
      filter: booleanFilter,
      enforcePolicy: true,
    },
    ...standardAttributes(),
  },
};
