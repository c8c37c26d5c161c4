import { columnTypes, type SqlDialect } from "@openstack-ts/kernel";
import { type CreateTableBuilder, type Kysely, type Migration, sql } from "kysely";

const ID = "varchar(36)";
const PROJECT = "varchar(255)";
const NAME = "varchar(255)";
const ADDRESS = "varchar(64)";

type Types = ReturnType<typeof columnTypes>;

/** Returns the network service's migrations, written once for every SQL dialect. */
export function networkMigrations(dialect: SqlDialect): Record<string, Migration> {
  const types = columnTypes(dialect);
  return {
    "0001_network": {
      async up(db: Kysely<unknown>) {
        await createNetworkTables(db, types);
        await createSubnetPoolTables(db, types);
        await createSubnetTables(db, types);
        await createSecurityGroupTables(db, types);
        await createPortTables(db, types);
        await createTagTables(db);
        await createQuotaTable(db);
      },
    },
    "0002_routers": {
      async up(db: Kysely<unknown>) {
        await createRouterTables(db, types);
      },
    },
    "0003_floatingips": {
      async up(db: Kysely<unknown>) {
        await createFloatingIpTables(db, types);
      },
    },
  };
}

/** Adds the columns of Neutron's standard attributes, with the id as primary key. */
function withStandardColumns<T extends string>(
  builder: CreateTableBuilder<T, never>,
  types: Types,
): CreateTableBuilder<T, never> {
  return builder
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("project_id", sql.raw(PROJECT), (column) => column.notNull())
    .addColumn("description", sql.raw(NAME), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("revision_number", "bigint", (column) => column.notNull());
}

async function createNetworkTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_networks"), types)
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("status", sql.raw("varchar(16)"), (column) => column.notNull())
    .addColumn("admin_state_up", "boolean", (column) => column.notNull())
    .addColumn("shared", "boolean", (column) => column.notNull())
    .addColumn("external", "boolean", (column) => column.notNull())
    .addColumn("mtu", "integer", (column) => column.notNull())
    .addColumn("port_security_enabled", "boolean", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("net_networks_project")
    .on("net_networks")
    .column("project_id")
    .execute();
}

async function createSubnetPoolTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_subnetpools"), types)
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("ip_version", "integer", (column) => column.notNull())
    .addColumn("default_prefixlen", "integer", (column) => column.notNull())
    .addColumn("min_prefixlen", "integer", (column) => column.notNull())
    .addColumn("max_prefixlen", "integer", (column) => column.notNull())
    .addColumn("default_quota", "integer")
    .addColumn("shared", "boolean", (column) => column.notNull())
    .addColumn("is_default", "boolean", (column) => column.notNull())
    .execute();
  await db.schema
    .createTable("net_subnetpool_prefixes")
    .addColumn("subnetpool_id", sql.raw(ID), (column) =>
      column.notNull().references("net_subnetpools.id").onDelete("cascade"),
    )
    .addColumn("cidr", sql.raw(ADDRESS), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_subnetpool_prefixes_pk", ["subnetpool_id", "cidr"])
    .execute();
}

async function createSubnetTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_subnets"), types)
    .addColumn("network_id", sql.raw(ID), (column) =>
      column.notNull().references("net_networks.id").onDelete("cascade"),
    )
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("ip_version", "integer", (column) => column.notNull())
    .addColumn("cidr", sql.raw(ADDRESS), (column) => column.notNull())
    .addColumn("gateway_ip", sql.raw(ADDRESS))
    .addColumn("enable_dhcp", "boolean", (column) => column.notNull())
    .addColumn("ipv6_ra_mode", sql.raw("varchar(32)"))
    .addColumn("ipv6_address_mode", sql.raw("varchar(32)"))
    .addColumn("subnetpool_id", sql.raw(ID))
    .execute();
  await db.schema
    .createIndex("net_subnets_network")
    .on("net_subnets")
    .column("network_id")
    .execute();
  await db.schema
    .createIndex("net_subnets_project")
    .on("net_subnets")
    .column("project_id")
    .execute();
  await db.schema
    .createIndex("net_subnets_subnetpool")
    .on("net_subnets")
    .column("subnetpool_id")
    .execute();

  await db.schema
    .createTable("net_allocation_pools")
    .addColumn("subnet_id", sql.raw(ID), (column) =>
      column.notNull().references("net_subnets.id").onDelete("cascade"),
    )
    .addColumn("position", "integer", (column) => column.notNull())
    .addColumn("first_ip", sql.raw(ADDRESS), (column) => column.notNull())
    .addColumn("last_ip", sql.raw(ADDRESS), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_allocation_pools_pk", ["subnet_id", "position"])
    .execute();
  await db.schema
    .createTable("net_dns_nameservers")
    .addColumn("subnet_id", sql.raw(ID), (column) =>
      column.notNull().references("net_subnets.id").onDelete("cascade"),
    )
    .addColumn("position", "integer", (column) => column.notNull())
    .addColumn("address", sql.raw(ADDRESS), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_dns_nameservers_pk", ["subnet_id", "position"])
    .execute();
  await db.schema
    .createTable("net_host_routes")
    .addColumn("subnet_id", sql.raw(ID), (column) =>
      column.notNull().references("net_subnets.id").onDelete("cascade"),
    )
    .addColumn("position", "integer", (column) => column.notNull())
    .addColumn("destination", sql.raw(ADDRESS), (column) => column.notNull())
    .addColumn("nexthop", sql.raw(ADDRESS), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_host_routes_pk", ["subnet_id", "position"])
    .execute();
}

async function createSecurityGroupTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_security_groups"), types)
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("stateful", "boolean", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("net_security_groups_project")
    .on("net_security_groups")
    .column("project_id")
    .execute();
  await db.schema
    .createTable("net_default_security_groups")
    .addColumn("project_id", sql.raw(PROJECT), (column) => column.primaryKey())
    .addColumn("security_group_id", sql.raw(ID), (column) =>
      column.notNull().references("net_security_groups.id").onDelete("cascade"),
    )
    .execute();
  await withStandardColumns(db.schema.createTable("net_security_group_rules"), types)
    .addColumn("security_group_id", sql.raw(ID), (column) =>
      column.notNull().references("net_security_groups.id").onDelete("cascade"),
    )
    .addColumn("remote_group_id", sql.raw(ID), (column) =>
      column.references("net_security_groups.id").onDelete("cascade"),
    )
    .addColumn("direction", sql.raw("varchar(16)"), (column) => column.notNull())
    .addColumn("ethertype", sql.raw("varchar(16)"), (column) => column.notNull())
    .addColumn("protocol", sql.raw("varchar(40)"))
    .addColumn("port_range_min", "integer")
    .addColumn("port_range_max", "integer")
    .addColumn("remote_ip_prefix", sql.raw(ADDRESS))
    .execute();
  await db.schema
    .createIndex("net_security_group_rules_group")
    .on("net_security_group_rules")
    .column("security_group_id")
    .execute();
}

async function createPortTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_ports"), types)
    .addColumn("network_id", sql.raw(ID), (column) =>
      column.notNull().references("net_networks.id"),
    )
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("mac_address", sql.raw("varchar(32)"), (column) => column.notNull())
    .addColumn("admin_state_up", "boolean", (column) => column.notNull())
    .addColumn("status", sql.raw("varchar(16)"), (column) => column.notNull())
    .addColumn("device_id", sql.raw(NAME), (column) => column.notNull())
    .addColumn("device_owner", sql.raw(NAME), (column) => column.notNull())
    .addColumn("port_security_enabled", "boolean", (column) => column.notNull())
    .addColumn("binding_host_id", sql.raw(NAME), (column) => column.notNull())
    .addColumn("binding_vnic_type", sql.raw("varchar(64)"), (column) => column.notNull())
    .addColumn("binding_profile", sql.raw(types.json), (column) => column.notNull())
    .addColumn("binding_vif_type", sql.raw("varchar(64)"), (column) => column.notNull())
    .addColumn("binding_vif_details", sql.raw(types.json), (column) => column.notNull())
    .addUniqueConstraint("net_ports_network_mac", ["network_id", "mac_address"])
    .execute();
  await db.schema.createIndex("net_ports_project").on("net_ports").column("project_id").execute();
  await db.schema.createIndex("net_ports_device").on("net_ports").column("device_id").execute();

  await db.schema
    .createTable("net_ip_allocations")
    .addColumn("subnet_id", sql.raw(ID), (column) => column.notNull().references("net_subnets.id"))
    .addColumn("ip_address", sql.raw(ADDRESS), (column) => column.notNull())
    .addColumn("port_id", sql.raw(ID), (column) =>
      column.notNull().references("net_ports.id").onDelete("cascade"),
    )
    .addColumn("network_id", sql.raw(ID), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_ip_allocations_pk", ["subnet_id", "ip_address"])
    .execute();
  await db.schema
    .createIndex("net_ip_allocations_port")
    .on("net_ip_allocations")
    .column("port_id")
    .execute();

  await db.schema
    .createTable("net_port_security_groups")
    .addColumn("port_id", sql.raw(ID), (column) =>
      column.notNull().references("net_ports.id").onDelete("cascade"),
    )
    .addColumn("security_group_id", sql.raw(ID), (column) =>
      column.notNull().references("net_security_groups.id"),
    )
    .addPrimaryKeyConstraint("net_port_security_groups_pk", ["port_id", "security_group_id"])
    .execute();
  await db.schema
    .createIndex("net_port_security_groups_group")
    .on("net_port_security_groups")
    .column("security_group_id")
    .execute();

  await db.schema
    .createTable("net_allowed_address_pairs")
    .addColumn("port_id", sql.raw(ID), (column) =>
      column.notNull().references("net_ports.id").onDelete("cascade"),
    )
    .addColumn("mac_address", sql.raw("varchar(32)"), (column) => column.notNull())
    .addColumn("ip_address", sql.raw(ADDRESS), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_allowed_address_pairs_pk", [
      "port_id",
      "mac_address",
      "ip_address",
    ])
    .execute();

  await db.schema
    .createTable("net_extra_dhcp_options")
    .addColumn("port_id", sql.raw(ID), (column) =>
      column.notNull().references("net_ports.id").onDelete("cascade"),
    )
    .addColumn("opt_name", sql.raw("varchar(64)"), (column) => column.notNull())
    .addColumn("opt_value", sql.raw(NAME), (column) => column.notNull())
    .addColumn("ip_version", "integer", (column) => column.notNull())
    .addPrimaryKeyConstraint("net_extra_dhcp_options_pk", ["port_id", "opt_name", "ip_version"])
    .execute();
}

/** Tag tables of the first migration; later resources create their own. */
const FIRST_TAG_TABLES: Record<string, string> = {
  net_network_tags: "net_networks",
  net_subnet_tags: "net_subnets",
  net_subnetpool_tags: "net_subnetpools",
  net_port_tags: "net_ports",
  net_security_group_tags: "net_security_groups",
};

async function createTagTables(db: Kysely<unknown>) {
  for (const [table, parent] of Object.entries(FIRST_TAG_TABLES)) {
    await createTagTable(db, table, parent);
  }
}

async function createTagTable(db: Kysely<unknown>, table: string, parent: string) {
  await db.schema
    .createTable(table)
    .addColumn("resource_id", sql.raw(ID), (column) =>
      column.notNull().references(`${parent}.id`).onDelete("cascade"),
    )
    .addColumn("tag", sql.raw(NAME), (column) => column.notNull())
    .addPrimaryKeyConstraint(`${table}_pk`, ["resource_id", "tag"])
    .execute();
  await db.schema.createIndex(`${table}_tag`).on(table).column("tag").execute();
}

async function createQuotaTable(db: Kysely<unknown>) {
  await db.schema
    .createTable("net_quotas")
    .addColumn("project_id", sql.raw(PROJECT), (column) => column.notNull())
    .addColumn("resource", sql.raw("varchar(64)"), (column) => column.notNull())
    .addColumn("hard_limit", "integer", (column) => column.notNull())
    .addPrimaryKeyConstraint("net_quotas_pk", ["project_id", "resource"])
    .execute();
}

/**
 * Routers, the ports that belong to them (interfaces and gateway) and their extra routes. A port
 * row cascades away with its port or router; the gateway port is also named in `gw_port_id`.
 */
async function createRouterTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_routers"), types)
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("status", sql.raw("varchar(16)"), (column) => column.notNull())
    .addColumn("admin_state_up", "boolean", (column) => column.notNull())
    .addColumn("enable_snat", "boolean", (column) => column.notNull())
    .addColumn("gw_port_id", sql.raw(ID))
    .execute();
  await db.schema
    .createIndex("net_routers_project")
    .on("net_routers")
    .column("project_id")
    .execute();
  await db.schema
    .createTable("net_router_ports")
    .addColumn("router_id", sql.raw(ID), (column) =>
      column.notNull().references("net_routers.id").onDelete("cascade"),
    )
    .addColumn("port_id", sql.raw(ID), (column) =>
      column.primaryKey().references("net_ports.id").onDelete("cascade"),
    )
    .addColumn("port_type", sql.raw(NAME), (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("net_router_ports_router")
    .on("net_router_ports")
    .column("router_id")
    .execute();
  await db.schema
    .createTable("net_router_routes")
    .addColumn("router_id", sql.raw(ID), (column) =>
      column.notNull().references("net_routers.id").onDelete("cascade"),
    )
    .addColumn("destination", sql.raw(ADDRESS), (column) => column.notNull())
    .addColumn("nexthop", sql.raw(ADDRESS), (column) => column.notNull())
    .addPrimaryKeyConstraint("net_router_routes_pk", ["router_id", "destination", "nexthop"])
    .execute();
  await createTagTable(db, "net_router_tags", "net_routers");
}

/**
 * Floating IPs. Each one owns a port on its external network (deleted with it), and may point at
 * a port's address and the router that reaches it.
 */
async function createFloatingIpTables(db: Kysely<unknown>, types: Types) {
  await withStandardColumns(db.schema.createTable("net_floatingips"), types)
    .addColumn("floating_network_id", sql.raw(ID), (column) =>
      column.notNull().references("net_networks.id"),
    )
    .addColumn("floating_ip_address", sql.raw(ADDRESS), (column) => column.notNull())
    .addColumn("floating_port_id", sql.raw(ID), (column) =>
      column.notNull().references("net_ports.id").onDelete("cascade"),
    )
    .addColumn("fixed_port_id", sql.raw(ID), (column) => column.references("net_ports.id"))
    .addColumn("fixed_ip_address", sql.raw(ADDRESS))
    .addColumn("router_id", sql.raw(ID), (column) => column.references("net_routers.id"))
    .addColumn("status", sql.raw("varchar(16)"), (column) => column.notNull())
    .execute();
  for (const column of ["project_id", "fixed_port_id", "router_id", "floating_network_id"]) {
    await db.schema
      .createIndex(`net_floatingips_${column}`)
      .on("net_floatingips")
      .column(column)
      .execute();
  }
  await createTagTable(db, "net_floatingip_tags", "net_floatingips");
}
