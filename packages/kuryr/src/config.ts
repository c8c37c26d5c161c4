import { hostname } from "node:os";
import {
  dataDirectory,
  listenSchema,
  loadConfig,
  logSchema,
  type ServiceConfigOptions,
  serviceSchema,
} from "@openstack-ts/kernel";
import { type Static, Type } from "@sinclair/typebox";

/** Port upstream kuryr-libnetwork listens on (`kuryr_uri` http://127.0.0.1:23750). */
export const KURYR_DEFAULT_PORT = 23750;

const neutronSchema = Type.Object(
  {
    url: Type.String({
      default: "",
      description:
        "Neutron endpoint such as http://127.0.0.1:9696; empty finds the `network` service in the Keystone catalog",
    }),
    auth_mode: Type.Union([Type.Literal("keystone"), Type.Literal("noauth")], {
      default: "keystone",
      description:
        "keystone authenticates as a user; noauth sends X-Project-Id and X-Roles to a Neutron without authentication",
    }),
    auth_url: Type.String({
      default: "",
      description:
        "Keystone URL; empty takes OS_AUTH_URL from the openrc file, else 127.0.0.1:5000",
    }),
    username: Type.String({ default: "", description: "empty takes OS_USERNAME from openrc" }),
    password: Type.String({ default: "", description: "empty takes OS_PASSWORD from openrc" }),
    project_name: Type.String({ default: "", description: "empty takes OS_PROJECT_NAME" }),
    user_domain_name: Type.String({ default: "", description: "empty takes OS_USER_DOMAIN_NAME" }),
    project_domain_name: Type.String({
      default: "",
      description: "empty takes OS_PROJECT_DOMAIN_NAME",
    }),
    region_name: Type.String({
      default: "",
      description: "catalog region of the network endpoint; empty accepts any region",
    }),
    endpoint_type: Type.Union(
      [Type.Literal("public"), Type.Literal("internal"), Type.Literal("admin")],
      { default: "public", description: "catalog interface of the network endpoint" },
    ),
    openrc: Type.String({
      default: "",
      description:
        "shell file of OS_* exports that supplies missing credentials; empty uses <data folder>/openrc when it exists",
    }),
    project_id: Type.String({
      default: "kuryr",
      description: "X-Project-Id sent in noauth mode",
    }),
    roles: Type.String({
      default: "admin",
      description: "X-Roles sent in noauth mode (comma-separated)",
    }),
    timeout_seconds: Type.Number({
      default: 30,
      exclusiveMinimum: 0,
      description: "seconds one Neutron or Keystone request may take",
    }),
    enable_dhcp: Type.Boolean({ default: true, description: "enable_dhcp of created subnets" }),
    default_subnetpool_v4: Type.String({
      default: "kuryr",
      description: "subnet pool used for IPv4 networks created without --subnet",
    }),
    default_subnetpool_v6: Type.String({
      default: "kuryr6",
      description: "subnet pool used for IPv6 networks created without --subnet",
    }),
    default_pool_prefixes_v4: Type.Array(Type.String(), {
      default: ["10.10.0.0/16"],
      description: "prefixes of the IPv4 default pool when the plugin has to create it",
    }),
    default_pool_prefixlen_v4: Type.Integer({ default: 24, minimum: 1, maximum: 32 }),
    default_pool_prefixes_v6: Type.Array(Type.String(), {
      default: ["fd10:4b75:7279::/48"],
      description: "prefixes of the IPv6 default pool when the plugin has to create it",
    }),
    default_pool_prefixlen_v6: Type.Integer({ default: 64, minimum: 1, maximum: 128 }),
    vif_plugging_is_fatal: Type.Boolean({
      default: false,
      description: "CreateEndpoint waits for the port to become ACTIVE and fails otherwise",
    }),
    vif_plugging_timeout: Type.Number({
      default: 0,
      minimum: 0,
      description: "seconds to wait for ACTIVE when vif_plugging_is_fatal; 0 waits forever",
    }),
  },
  { default: {}, additionalProperties: false },
);

const bindingSchema = Type.Object(
  {
    veth_dst_prefix: Type.String({
      default: "eth",
      description: "name prefix Docker gives the interface inside the container",
    }),
    bridge_prefix: Type.String({
      default: "kbr",
      maxLength: 4,
      description:
        "name prefix of the per-network Linux bridge (followed by 11 characters of the Neutron network id)",
    }),
    ip_command: Type.String({ default: "ip", description: "iproute2 `ip` executable" }),
    iptables_command: Type.String({ default: "iptables", description: "iptables executable" }),
    ip6tables_command: Type.String({ default: "ip6tables", description: "ip6tables executable" }),
    allow_bridge_forwarding: Type.Boolean({
      default: true,
      description:
        "insert an ACCEPT rule per bridge into dockerd's DOCKER-USER chain, when that chain exists, so that bridged traffic passes dockerd's FORWARD policy",
    }),
    host_id: Type.String({
      default: "",
      description: "binding:host_id of ports; empty uses the host name",
    }),
  },
  { default: {}, additionalProperties: false },
);

/** The `kuryr` section of the configuration. */
export const kuryrConfigSchema = serviceSchema({
  listen: listenSchema(KURYR_DEFAULT_PORT),
  spec_file: Type.String({
    default: "/etc/docker/plugins/kuryr.spec",
    description: "plugin spec file Docker reads to find the TCP address; empty writes none",
  }),
  socket_path: Type.String({
    default: "/run/docker/plugins/kuryr.sock",
    description:
      "Unix socket served as well as TCP (Docker prefers it to the spec file); empty serves TCP only",
  }),
  log: logSchema,
  capability_scope: Type.Union([Type.Literal("local"), Type.Literal("global")], {
    default: "local",
  }),
  local_default_address_space: Type.String({ default: "no_address_space" }),
  global_default_address_space: Type.String({ default: "no_address_space" }),
  process_external_connectivity: Type.Boolean({
    default: true,
    description: "exposed ports become a Neutron security group on the container's port",
  }),
  ipam_requires_mac_address: Type.Boolean({
    default: false,
    description:
      "answer RequiresMACAddress; false lets the Neutron port choose the MAC, which the plugin returns to Docker",
  }),
  subnetpool_name_prefix: Type.String({ default: "kuryrPool" }),
  reservation_grace_seconds: Type.Number({
    default: 120,
    exclusiveMinimum: 0,
    description:
      "age after which an address reserved by RequestAddress that no endpoint took is released",
  }),
  neutron: neutronSchema,
  binding: bindingSchema,
});

export type KuryrConfig = Static<typeof kuryrConfigSchema>;

/** Loads the `kuryr` section: file, then `OSTS_KURYR__*` variables, then overrides. */
export function loadKuryrConfig(options: ServiceConfigOptions = {}): KuryrConfig {
  return loadConfig(kuryrConfigSchema, { section: "kuryr", ...options });
}

/** Returns the `binding:host_id` the plugin writes on ports. */
export function bindingHostId(config: Pick<KuryrConfig, "binding">): string {
  return config.binding.host_id === "" ? hostname() : config.binding.host_id;
}

/** Returns the openrc file the plugin reads credentials from. */
export function openrcPath(
  config: Pick<KuryrConfig, "neutron">,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (config.neutron.openrc !== "") {
    return config.neutron.openrc;
  }
  return `${dataDirectory(env)}/openrc`;
}
