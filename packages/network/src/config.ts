import {
  authSchema,
  busSchema,
  databaseSchema,
  listenSchema,
  loadConfig,
  logSchema,
  policySchema,
  type ServiceConfigOptions,
  serviceSchema,
} from "@openstack-ts/kernel";
import { type Static, Type } from "@sinclair/typebox";

/** Port Neutron listens on. */
export const NETWORK_PORT = 9696;

const quotaLimit = (defaultValue: number, resource: string) =>
  Type.Integer({
    default: defaultValue,
    minimum: -1,
    description: `${resource} a project may own; -1 for no limit`,
  });

const defaultPool = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "pool name clients look the pool up by" }),
    prefixes: Type.Array(Type.String(), { minItems: 1, description: "prefixes in CIDR form" }),
    default_prefixlen: Type.Integer({ minimum: 0, maximum: 128 }),
    shared: Type.Boolean({ default: true, description: "usable by every project" }),
    is_default: Type.Boolean({
      default: false,
      description: "the pool `use_default_subnetpool` picks for its IP version",
    }),
    project_id: Type.String({ default: "", description: "owner of the pool" }),
  },
  { additionalProperties: false },
);

/** The `network` section: settings of the Neutron-compatible service. */
export const networkConfigSchema = serviceSchema({
  listen: listenSchema(NETWORK_PORT),
  database: databaseSchema("network"),
  auth: authSchema,
  bus: busSchema,
  log: logSchema,
  policy: policySchema,
  base_mac: Type.String({
    default: "fa:16:3e:00:00:00",
    pattern: "^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$",
    description: "MAC prefix of generated port MACs; octets after the third that are 00 are random",
  }),
  max_mtu: Type.Integer({
    default: 1500,
    minimum: 68,
    description: "MTU of networks created without one, and the largest MTU a network may have",
  }),
  max_dns_nameservers: Type.Integer({ default: 5, minimum: 0 }),
  max_subnet_host_routes: Type.Integer({ default: 20, minimum: 0 }),
  max_allowed_address_pair: Type.Integer({ default: 10, minimum: 0 }),
  max_routes: Type.Integer({
    default: 30,
    minimum: 0,
    description: "extra routes a router may have",
  }),
  enable_snat_by_default: Type.Boolean({
    default: true,
    description: "enable_snat of a router gateway set without one",
  }),
  pagination_max_limit: Type.Integer({
    default: -1,
    description: "largest page a list returns; -1 for no limit",
  }),
  max_request_body_size: Type.Integer({
    default: 114688,
    minimum: 1024,
    description: "largest request body in bytes; larger bodies get 413",
  }),
  binding: Type.Object(
    {
      vif_type: Type.String({ default: "ovs", description: "binding:vif_type of bound ports" }),
      vif_details: Type.Record(Type.String(), Type.Unknown(), {
        default: { port_filter: true, connectivity: "l2" },
        description: "binding:vif_details of bound ports",
      }),
    },
    { default: {}, additionalProperties: false },
  ),
  quotas: Type.Object(
    {
      network: quotaLimit(100, "networks"),
      subnet: quotaLimit(100, "subnets"),
      subnetpool: quotaLimit(-1, "subnet pools"),
      port: quotaLimit(500, "ports"),
      security_group: quotaLimit(10, "security groups"),
      security_group_rule: quotaLimit(100, "security group rules"),
      router: quotaLimit(10, "routers"),
      floatingip: quotaLimit(50, "floating IPs"),
    },
    { default: {}, additionalProperties: false },
  ),
  default_subnetpools: Type.Array(defaultPool, {
    default: [
      { name: "kuryr", prefixes: ["10.10.0.0/16"], default_prefixlen: 24 },
      { name: "kuryr6", prefixes: ["fd10:10::/48"], default_prefixlen: 64 },
    ],
    description: "subnet pools created at start when missing (Kuryr looks up `kuryr` and `kuryr6`)",
  }),
});

export type NetworkConfig = Static<typeof networkConfigSchema>;

/** Loads the `network` section from the file, the environment and the overrides. */
export function loadNetworkConfig(options: ServiceConfigOptions = {}): NetworkConfig {
  return loadConfig(networkConfigSchema, { section: "network", ...options });
}
