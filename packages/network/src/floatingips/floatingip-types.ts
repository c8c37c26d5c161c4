import {
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import { validateIpAddressOrNone, validateUuid, validateUuidOrNone } from "../api/validators.js";

/** Device owner of the port that reserves a floating IP's address on its external network. */
export const FLOATINGIP_OWNER = "network:floatingip";

/** A floating IP as the API shows it. */
export interface FloatingIp extends Record<string, unknown> {
  id: string;
  tenant_id: string;
  project_id: string;
  floating_ip_address: string;
  floating_network_id: string;
  router_id: string | null;
  port_id: string | null;
  fixed_ip_address: string | null;
  status: string;
  description: string;
  tags: string[];
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** The `floatingips` resource of the `router` extension, with the standard attributes. */
export const floatingIpDefinition: ResourceDefinition = {
  singular: "floatingip",
  plural: "floatingips",
  path: "floatingips",
  attributes: {
    id: { post: false, put: false, visible: true, filter: {}, sortable: true },
    floating_ip_address: {
      post: true,
      put: false,
      visible: true,
      default: null,
      validate: validateIpAddressOrNone,
      filter: {},
      sortable: true,
      enforcePolicy: true,
    },
    subnet_id: {
      post: true,
      put: false,
      visible: false,
      default: null,
      validate: validateUuidOrNone,
    },
    floating_network_id: {
      post: true,
      put: false,
      visible: true,
      validate: validateUuid,
      filter: {},
      sortable: true,
    },
    router_id: {
      post: false,
      put: false,
      visible: true,
      default: null,
      filter: {},
      sortable: true,
    },
    port_id: {
      post: true,
      put: true,
      visible: true,
      default: null,
      validate: validateUuidOrNone,
      filter: {},
    },
    fixed_ip_address: {
      post: true,
      put: true,
      visible: true,
      default: null,
      validate: validateIpAddressOrNone,
      filter: {},
      sortable: true,
    },
    ...projectAttributes(),
    status: { post: false, put: false, visible: true, filter: {}, sortable: true },
    ...standardAttributes(),
  },
};
